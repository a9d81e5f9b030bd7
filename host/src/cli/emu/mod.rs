//! `z80lm emu`: run an emulated board: an RC2014 with its serial port on a pseudo-terminal
//! ([`rc2014`]), a Game Boy ([`gb`]) or a ZX Spectrum 48K ([`zx48`]) with its screen in the
//! terminal. The machines and sessions are the library's [`crate::emu`].

mod gb;
mod rc2014;
mod zx48;

use std::path::PathBuf;

use anyhow::{Context, Result};

use super::args::{machine, only_for, Machine, RC2014};

/// Run an emulated board. RC2014 boards get their UART on a pseudo-terminal (Linux; the path is
/// printed). Connect with
/// `z80lm term --port PATH`, `z80lm flash --port PATH`, picocom, minicom or screen. The line is
/// paced at the board's baud rate in real time; a client set to another rate sees garbage, as on
/// a real serial line. Three Ctrl-\ (0x1C) bytes in a row press the
/// reset button. On rc2014-512k the flash is kept in a state file, so a reflashed image survives
/// a restart. Ctrl-C stops the emulator.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The board: rc2014-512k (alias rc2014), rc2014-classic, gb (alias gb-mbc5) or zx48.
    #[arg(long, env = "Z80LM_BOARD", value_enum, hide_possible_values = true)]
    pub board: Option<Machine>,
    /// The same as --board (the name `build` and `bench` use).
    #[arg(long, value_enum, hide_possible_values = true)]
    pub target: Option<Machine>,
    /// What the board runs: zx48 the tape (.tap, or a .wav recording); gb the cartridge (.gb);
    /// rc2014-classic the 32K ROM (.bin, .hex); rc2014-512k any file `z80lm build` writes
    /// (.bin, .hex, .upl) or an application to store behind the built-in loader, replacing the
    /// flash state (without it the state is resumed, or the flash holds only the loader).
    #[arg(value_name = "TAPE|CARTRIDGE|ROM")]
    pub image: Option<PathBuf>,
    /// RC2014 and gb: the image, as the positional argument. zx48: the 16K 48K ROM (default:
    /// $Z80LM_ZX48_ROM, else 48.rom from PyPI skoolkit).
    #[arg(long)]
    pub rom: Option<PathBuf>,
    /// rc2014-512k flash state file: resumed when no image is given, saved on every change (so
    /// what `z80lm flash` wrote survives a restart) [default: rc2014-512k.flash in the user's
    /// data directory, $XDG_DATA_HOME/z80lm or ~/.local/share/z80lm].
    #[arg(long)]
    pub state: Option<PathBuf>,
    /// RC2014: also create this symlink to the pty (a stable name for scripts).
    #[arg(long)]
    pub link: Option<PathBuf>,
    /// RC2014: run as fast as possible instead of in real time (the UART stays paced in
    /// emulated time).
    #[arg(long)]
    pub fast: bool,
    /// gb and zx48 options.
    #[command(flatten)]
    pub gb: gb::GbArgs,
    /// zx48: load the tape through the ROM's own pulse loader at real speed (minutes) instead
    /// of trapping LD-BYTES.
    #[arg(long)]
    pub real_tape: bool,
}

pub fn run(args: Args) -> Result<()> {
    let m = machine(args.target, args.board, None)?;
    if m == Machine::Cpm {
        anyhow::bail!("emu runs boards; `z80lm run CHAT.COM` runs a CP/M program on the emulated CP/M machine");
    }
    let screens = [Machine::Gb, Machine::Zx48];
    only_for(args.state.is_some(), "--state", m, &[Machine::Rc512k])?;
    only_for(args.link.is_some(), "--link", m, RC2014)?;
    only_for(args.fast, "--fast", m, RC2014)?;
    only_for(args.gb.turbo, "--turbo", m, &screens)?;
    only_for(args.gb.screenshot.is_some(), "--screenshot", m, &screens)?;
    only_for(args.real_tape, "--real-tape", m, &[Machine::Zx48])?;
    if m == Machine::Zx48 {
        let tape = args
            .image
            .as_deref()
            .context("a tape is required: z80lm emu --board zx48 CHAT.tap")?;
        return zx48::run(tape, &args);
    }
    let image = match (&args.image, &args.rom) {
        (Some(_), Some(_)) => {
            anyhow::bail!("the image is given twice (as the argument and as --rom); give one")
        }
        (a, b) => a.as_deref().or(b.as_deref()),
    };
    if m == Machine::Gb {
        let rom = image.context("a cartridge is required: z80lm emu --board gb CHAT.gb")?;
        return gb::run(rom, &args.gb);
    }
    rc2014::run(&m.desc()?, image, &args)
}
