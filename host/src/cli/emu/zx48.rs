//! `z80lm emu --board zx48|zx128 CHAT.tap`: the library's ZX Spectrum session
//! ([`crate::emu::zx48`]) with stdin's lines typed on the Spectrum's keyboard. The screen is
//! redrawn in place on a terminal, or printed once at the end when stdout is not a terminal.

use std::io::IsTerminal;
use std::path::Path;

use anyhow::{Context, Result};

use super::Args;
use crate::emu::zx48::{screen, session, Options};

/// Boot, load `tape`, then type what is typed at the keyboard until it quits or its input ends.
pub fn run(tape: &Path, args: &Args) -> Result<()> {
    let opts = Options {
        rom: args.rom.clone(),
        zx128: args.board == Some(super::Machine::Zx128)
            || args.target == Some(super::Machine::Zx128),
        real_tape: args.real_tape,
        turbo: args.gb.turbo,
    };
    let tty = std::io::stdout().is_terminal();
    let (keys, raw) = super::keyboard();
    let zx = session(tape, &opts, keys, tty);
    drop(raw);
    // A tape that did not load: the screen with the ROM's report, then the error.
    if let (Err(crate::emu::zx48::EmuError::Load { screen, .. }), false) = (&zx, tty) {
        out!("{screen}");
    }
    let zx = zx?;
    if !tty {
        out!("{}", screen(&zx));
    }
    if let Some(png) = &args.gb.screenshot {
        let bytes = zx.screenshot_png()?;
        std::fs::write(png, bytes).with_context(|| format!("cannot write {}", png.display()))?;
        eprintln!("wrote {}", png.display());
    }
    Ok(())
}
