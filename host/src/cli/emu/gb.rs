//! `z80lm emu --board gb CHAT.gb`: the library's Game Boy session ([`crate::emu::gb`]) with
//! stdin's lines typed on the on-screen keyboard. The screen is redrawn in place on a terminal,
//! or printed once at the end when stdout is not a terminal.

use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use anyhow::{Context, Result};

use crate::emu::gb::{drive, screen, Options};

/// Options of the Game Boy emulator.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct GbArgs {
    /// Run as fast as possible instead of at the DMG's 59.7 frames per second.
    #[arg(long)]
    pub turbo: bool,
    /// Write a PNG of the screen when the emulator stops.
    #[arg(long, value_name = "PNG")]
    pub screenshot: Option<PathBuf>,
}

/// Lines of stdin (None at its end), read on a thread so the machine keeps running while a
/// person types.
fn stdin_lines() -> mpsc::Receiver<Option<Vec<u8>>> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let stdin = std::io::stdin();
        let mut lock = stdin.lock();
        loop {
            let mut line = Vec::new();
            match lock.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => {
                    let _ = tx.send(None);
                    return;
                }
                Ok(_) => {
                    while matches!(line.last(), Some(b'\n' | b'\r')) {
                        line.pop();
                    }
                    if tx.send(Some(line)).is_err() {
                        return;
                    }
                }
            }
        }
    });
    rx
}

/// Boots `rom`, types stdin's lines until it ends and the screen settles.
pub fn run(rom: &Path, args: &GbArgs) -> Result<()> {
    let bytes = std::fs::read(rom).with_context(|| format!("cannot read {}", rom.display()))?;
    let tty = std::io::stdout().is_terminal();
    if tty {
        print!("\x1b[2J");
    }
    let opts = Options { turbo: args.turbo };
    let gb = drive(bytes, &opts, stdin_lines(), tty)?;
    if !tty {
        print!("{}", screen(&gb));
    }
    if let Some(png) = &args.screenshot {
        let bytes = gb.screenshot_png()?;
        std::fs::write(png, bytes).with_context(|| format!("cannot write {}", png.display()))?;
    }
    Ok(())
}
