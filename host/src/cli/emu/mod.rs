//! `z80lm emu`: run an emulated board: an RC2014 with its serial port on a pseudo-terminal
//! ([`rc2014`]), a Game Boy ([`gb`]) or a ZX Spectrum 48K ([`zx48`]) with its screen in the
//! terminal. The machines and sessions are the library's [`crate::emu`].

mod gb;
mod rc2014;
mod zx48;

use std::path::PathBuf;

use anyhow::{Context, Result};
use boards::desc::BoardDesc;

/// Run an emulated board. RC2014 boards get their UART on a pseudo-terminal (Linux; the path is
/// printed). Connect with
/// `z80lm term --port PATH`, `z80lm flash --port PATH`, picocom, minicom or screen. The line is
/// paced at the board's baud rate in real time; a client set to another rate sees garbage, as on
/// a real serial line. Three Ctrl-\ (0x1C) bytes in a row press the
/// reset button. On rc2014-512k the flash is kept in a state file, so a reflashed image survives
/// a restart. Ctrl-C stops the emulator.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Board: rc2014-classic, rc2014-512k, gb-mbc5 (alias gb) or zx48.
    #[arg(long, env = "Z80LM_BOARD")]
    pub board: String,
    /// ROM image. rc2014-classic: the 32K ROM (required). rc2014-512k: any file `z80lm
    /// build` writes (`.bin`, `.hex`, `.upl`) or an application to store behind the built-in
    /// loader; it replaces the flash state. Without it the state file is resumed, or (with
    /// none) the flash holds only the loader.
    #[arg(long)]
    pub rom: Option<PathBuf>,
    /// rc2014-512k flash state file: resumed when no --rom is given, saved on every change (so
    /// what `z80lm flash` wrote survives a restart).
    #[arg(long, default_value = "rc2014-512k.flash")]
    pub state: PathBuf,
    /// Also create this symlink to the pty (a stable name for scripts).
    #[arg(long)]
    pub link: Option<PathBuf>,
    /// Run as fast as possible instead of in real time (the UART stays paced in emulated time).
    #[arg(long)]
    pub fast: bool,
    /// Game Boy options (--board gb-mbc5; zx48 uses --turbo and --screenshot too).
    #[command(flatten)]
    pub gb: gb::GbArgs,
    /// zx48: the tape to load, `.tap` or a `.wav` recording (--rom is then the 48K ROM,
    /// default: $Z80LM_ZX48_ROM or 48.rom from PyPI skoolkit). gb: the cartridge, as --rom.
    pub tape: Option<PathBuf>,
    /// zx48: load the tape through the ROM's own pulse loader at real speed (minutes) instead
    /// of trapping LD-BYTES.
    #[arg(long)]
    pub real_tape: bool,
}

pub fn run(args: Args) -> Result<()> {
    let board = if args.board == "gb" {
        "gb-mbc5"
    } else {
        args.board.as_str()
    };
    let desc = BoardDesc::builtin(board)?;
    if desc.name == "zx48" {
        let tape = args
            .tape
            .as_deref()
            .context("a tape is required: z80lm emu --board zx48 CHAT.tap")?;
        return zx48::run(tape, &args);
    }
    if desc.cpu == boards::desc::Cpu::Sm83 {
        let rom = args
            .rom
            .as_deref()
            .or(args.tape.as_deref())
            .context("a cartridge is required: z80lm emu --board gb CHAT.gb")?;
        return gb::run(rom, &args.gb);
    }
    rc2014::run(&desc, &args)
}
