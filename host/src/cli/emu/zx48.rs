//! `z80lm emu --board zx48 CHAT.tap`: the library's ZX Spectrum 48K session
//! ([`crate::emu::zx48`]) with stdin's lines typed on the Spectrum's keyboard. The screen is
//! redrawn in place on a terminal, or printed once at the end when stdout is not a terminal.

use std::io::{BufRead, IsTerminal};
use std::path::Path;
use std::sync::mpsc;

use anyhow::{Context, Result};

use super::Args;
use crate::emu::zx48::{screen, session, Options};

/// Boot, load `tape`, then type stdin's lines until it ends and the screen settles.
pub fn run(tape: &Path, args: &Args) -> Result<()> {
    let opts = Options {
        rom: args.rom.clone(),
        real_tape: args.real_tape,
        turbo: args.gb.turbo,
    };
    let tty = std::io::stdout().is_terminal();
    let zx = session(tape, &opts, stdin_lines(), tty)?;
    if !tty {
        print!("{}", screen(&zx));
    }
    if let Some(png) = &args.gb.screenshot {
        let bytes = zx.screenshot_png()?;
        std::fs::write(png, bytes).with_context(|| format!("cannot write {}", png.display()))?;
        eprintln!("wrote {}", png.display());
    }
    Ok(())
}

/// Lines of stdin, read on a thread so the machine keeps running while a person types.
fn stdin_lines() -> impl Iterator<Item = String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx.into_iter()
}
