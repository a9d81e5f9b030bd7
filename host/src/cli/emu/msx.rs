//! `z80lm emu --board msx CHAT.rom`: the library's MSX session ([`crate::emu::msx`]) with
//! stdin's lines typed on the MSX keyboard. The screen is redrawn in place on a terminal, or
//! printed once at the end when stdout is not a terminal.

use std::io::IsTerminal;
use std::path::Path;

use anyhow::Result;

use super::Args;
use crate::emu::msx::{screen, session, Options};

/// Boot the cartridge, then type what is typed at the keyboard until it quits or its input
/// ends.
pub fn run(cart: &Path, args: &Args) -> Result<()> {
    let opts = Options {
        turbo: args.gb.turbo,
        ram_kb: None,
    };
    let tty = std::io::stdout().is_terminal();
    let (keys, raw) = super::keyboard();
    let msx = session(cart, &opts, keys, tty);
    drop(raw);
    let msx = msx?;
    if !tty {
        print!("{}", screen(&msx));
    }
    Ok(())
}
