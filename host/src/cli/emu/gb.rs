//! `z80lm emu --board gb CHAT.gb`: the library's Game Boy session ([`crate::emu::gb`]) with
//! stdin's lines typed on the on-screen keyboard. The screen is redrawn in place on a terminal,
//! or printed once at the end when stdout is not a terminal.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use boards::machines::gameboy::cartridge::{self, CartridgeError};

use crate::emu::gb::{drive, screen, Options};

/// Options of the Game Boy emulator.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct GbArgs {
    /// Run as fast as possible instead of at the machine's frame rate (DMG 59.7, ZX and MSX 50
    /// frames per second).
    #[arg(long)]
    pub turbo: bool,
    /// Write a PNG of the screen when the emulator stops.
    #[arg(long, value_name = "PNG")]
    pub screenshot: Option<PathBuf>,
}

/// Boots `rom` (on a Game Boy Color when `color`) and types what is typed at the keyboard
/// until it quits (or its input ends and the screen settles).
pub fn run(rom: &Path, args: &GbArgs, color: bool) -> Result<()> {
    let bytes = std::fs::read(rom).with_context(|| format!("cannot read {}", rom.display()))?;
    if let Err(e @ CartridgeError::GlobalChecksum { .. }) = cartridge::parse(&bytes) {
        eprintln!(
            "warning: {}: {e}; a real Game Boy never reads it, so it runs",
            rom.display()
        );
    }
    let tty = std::io::stdout().is_terminal();
    if tty {
        out!("\x1b[2J");
    }
    let opts = Options {
        turbo: args.turbo,
        color,
    };
    let (keys, raw) = super::keyboard();
    let gb = drive(bytes, &opts, keys, tty);
    drop(raw);
    let gb = gb?;
    if !tty {
        out!("{}", screen(&gb));
    }
    if let Some(png) = &args.screenshot {
        let bytes = gb.screenshot_png()?;
        std::fs::write(png, bytes).with_context(|| format!("cannot write {}", png.display()))?;
    }
    Ok(())
}
