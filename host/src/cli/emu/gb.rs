//! `z80lm emu --board gb CHAT.gb`: the library's Game Boy session ([`crate::emu::gb`]) with
//! stdin's lines typed on the on-screen keyboard. The screen is redrawn in place on a terminal,
//! or printed once at the end when stdout is not a terminal.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use boards::machines::gameboy::cartridge::{self, CartridgeError};

use crate::emu::gb::{drive, screen, Options};
use crate::files::write_whole;

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
/// until it quits (or its input ends and the screen settles). A cartridge with battery-backed
/// RAM gets it from `state` (default: the ROM's name with `.sav`) when that file exists, and
/// leaves it there when the emulator stops.
pub fn run(rom: &Path, args: &GbArgs, color: bool, state: Option<&Path>) -> Result<()> {
    let bytes = std::fs::read(rom).with_context(|| format!("cannot read {}", rom.display()))?;
    let sav = state.map_or_else(|| rom.with_extension("sav"), Path::to_path_buf);
    let ram = cartridge::parse_bootable(&bytes)
        .ok()
        .filter(|h| h.battery())
        .and_then(|h| h.ram_bytes().ok());
    let save = match std::fs::read(&sav) {
        Ok(s) if ram.is_some_and(|n| n != s.len()) => anyhow::bail!(
            "{}: {} bytes; this cartridge's battery-backed RAM has {} (give another --state, or \
             move the file away to start with a blank RAM)",
            sav.display(),
            s.len(),
            ram.unwrap_or(0)
        ),
        Ok(s) if ram.is_some() => Some(s),
        Ok(_) => None,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", sav.display())),
    };
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
        save,
    };
    let (keys, raw) = super::keyboard();
    let gb = drive(bytes, &opts, keys, tty);
    drop(raw);
    let gb = gb?;
    if let Some(ram) = gb.save_ram() {
        // As emulators do: a save that cannot be written is said, the session still ends well.
        if let Err(e) = write_whole(&sav, ram) {
            eprintln!("warning: the cartridge RAM was not saved: {e}");
        }
    }
    if !tty {
        out!("{}", screen(&gb));
    }
    if let Some(png) = &args.screenshot {
        let bytes = gb.screenshot_png()?;
        std::fs::write(png, bytes).with_context(|| format!("cannot write {}", png.display()))?;
    }
    Ok(())
}
