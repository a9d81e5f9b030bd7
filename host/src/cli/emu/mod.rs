//! `z80lm emu`: run an emulated board: an RC2014 with its serial port on a pseudo-terminal
//! ([`rc2014`]), a Game Boy ([`gb`]) or a ZX Spectrum 48K or 128K ([`zx48`]) with its screen in
//! the terminal. The machines and sessions are the library's [`crate::emu`].

mod gb;
mod msx;
mod rc2014;
mod zx48;

use std::path::PathBuf;

use anyhow::{Context, Result};

use super::args::{machine, only_for, Machine, RC2014};
use crate::emu::Input;

/// `z80lm emu` (the help text is on the command in `cli/mod.rs`).
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The board: rc2014-512k (alias rc2014), rc2014-classic, gb (alias gb-mbc5), gbc (a Game
    /// Boy Color), zx48, zx128 or msx (an MSX1 with C-BIOS, from the Debian package cbios).
    #[arg(long, env = "Z80LM_BOARD", value_enum, hide_possible_values = true)]
    pub board: Option<Machine>,
    /// The same as --board (the name `build` and `bench` use).
    #[arg(long, value_enum, hide_possible_values = true)]
    pub target: Option<Machine>,
    /// What the board runs: zx48 the tape (.tap, .tzx, or a .wav recording) or a 48K snapshot
    /// (.z80, .sna); zx128 the tape; gb and gbc the cartridge (.gb, .gbc); msx the megaROM
    /// cartridge (.rom,
    /// ASCII8);
    /// rc2014-classic the 32K ROM (.bin, .hex); rc2014-512k any file `z80lm build` writes
    /// (.bin, .hex, .upl) or an application to store behind the built-in loader, replacing the
    /// flash state (without it the state is resumed, or the flash holds only the loader).
    #[arg(value_name = "TAPE|CARTRIDGE|ROM")]
    pub image: Option<PathBuf>,
    /// RC2014 and gb: the image, as the positional argument. zx48: the 16K 48K ROM (default:
    /// $Z80LM_ZX48_ROM, else 48.rom from PyPI skoolkit). zx128: a directory holding 128-0.rom
    /// and 128-1.rom (default: $Z80LM_ZX128_ROMS, else PyPI skoolkit's).
    #[arg(long)]
    pub rom: Option<PathBuf>,
    /// rc2014-512k flash state file: resumed when no image is given, saved on every change (so
    /// what `z80lm flash` wrote survives a restart) [default: rc2014-512k.flash in the user's
    /// data directory, $XDG_DATA_HOME/z80lm or ~/.local/share/z80lm]. gb, gbc: the cartridge's
    /// battery-backed RAM, loaded at start when the file exists and written when the emulator
    /// stops, as emulators keep a .sav [default: the cartridge's name with .sav].
    #[arg(long)]
    pub state: Option<PathBuf>,
    /// RC2014: also create this symlink to the pty (a stable name for scripts). Only a link an
    /// emulator left is replaced; anything else there is an error. Removed on exit (Ctrl-C,
    /// SIGTERM).
    #[arg(long)]
    pub link: Option<PathBuf>,
    /// RC2014: run as fast as possible instead of in real time (the UART stays paced in
    /// emulated time).
    #[arg(long)]
    pub fast: bool,
    /// gb and zx48 options.
    #[command(flatten)]
    pub gb: gb::GbArgs,
    /// zx48, zx128: load the tape through the ROM's own pulse loader at real speed (minutes)
    /// instead of trapping LD-BYTES.
    #[arg(long)]
    pub real_tape: bool,
}

pub fn run(args: Args) -> Result<()> {
    let m = machine(args.target, args.board, None)?;
    if m == Machine::Cpm {
        anyhow::bail!("emu runs boards; `z80lm run CHAT.COM` runs a CP/M program on the emulated CP/M machine");
    }
    let screens = [Machine::Gb, Machine::Gbc, Machine::Zx48, Machine::Zx128];
    let zx = [Machine::Zx48, Machine::Zx128];
    let turbo = [
        Machine::Gb,
        Machine::Gbc,
        Machine::Zx48,
        Machine::Zx128,
        Machine::Msx,
    ];
    only_for(
        args.state.is_some(),
        "--state",
        m,
        &[Machine::Rc512k, Machine::Gb, Machine::Gbc],
    )?;
    only_for(args.link.is_some(), "--link", m, RC2014)?;
    only_for(args.fast, "--fast", m, RC2014)?;
    only_for(args.gb.turbo, "--turbo", m, &turbo)?;
    only_for(args.gb.screenshot.is_some(), "--screenshot", m, &screens)?;
    only_for(args.real_tape, "--real-tape", m, &zx)?;
    if zx.contains(&m) {
        let tape = args.image.as_deref().with_context(|| {
            format!(
                "a tape or snapshot is required: z80lm emu --board {} CHAT.tap",
                m.name()
            )
        })?;
        return zx48::run(tape, &args);
    }
    if m == Machine::Msx {
        let cart = args
            .image
            .as_deref()
            .context("a cartridge is required: z80lm emu --board msx CHAT.rom")?;
        return msx::run(cart, &args);
    }
    let image = match (&args.image, &args.rom) {
        (Some(_), Some(_)) => {
            anyhow::bail!("the image is given twice (as the argument and as --rom); give one")
        }
        (a, b) => a.as_deref().or(b.as_deref()),
    };
    if matches!(m, Machine::Gb | Machine::Gbc) {
        let rom = image.with_context(|| {
            format!(
                "a cartridge is required: z80lm emu --board {} CHAT.gb",
                m.name()
            )
        })?;
        return gb::run(rom, &args.gb, m == Machine::Gbc, args.state.as_deref());
    }
    rc2014::run(&m.desc()?, image, &args)
}

/// The keyboard as the Game Boy and ZX Spectrum sessions take it. On a terminal, raw key by
/// key (nothing echoes under the screen): printable keys build the line, Backspace deletes,
/// Enter sends it, Ctrl-R resets, Ctrl-C or Ctrl-D quits; the returned guard restores the
/// terminal. From a pipe, one line per line. Either way SIGINT quits cleanly, so a
/// `--screenshot` is still written.
fn keyboard() -> (std::sync::mpsc::Receiver<Input>, Option<impl Sized>) {
    use std::io::{BufRead, IsTerminal, Read};
    let (tx, rx) = std::sync::mpsc::channel();
    // The signal handler keeps its own sender, so a signal still quits after the input has
    // ended (the end is said with `Input::End`, not by dropping the senders).
    let q = std::sync::Mutex::new(tx.clone());
    let _ = ctrlc::set_handler(move || {
        if let Ok(tx) = q.lock() {
            let _ = tx.send(Input::Quit);
        }
    });
    let input_ended = {
        let tx = tx.clone();
        move || {
            let _ = tx.send(Input::End);
        }
    };
    #[cfg(unix)]
    let raw = if std::io::stdin().is_terminal() {
        crate::term::RawMode::enter(std::io::stdin())
    } else {
        None
    };
    #[cfg(not(unix))]
    let raw: Option<crate::term::RawMode> = None;
    if raw.is_none() {
        std::thread::spawn(move || {
            for line in std::io::stdin().lock().split(b'\n') {
                let Ok(mut line) = line else { break };
                while line.last() == Some(&b'\r') {
                    line.pop();
                }
                if tx.send(Input::Line(line)).is_err() {
                    break;
                }
            }
            input_ended();
        });
        return (rx, raw);
    }
    std::thread::spawn(move || {
        let mut line = Vec::new();
        let mut buf = [0u8; 64];
        let mut stdin = std::io::stdin().lock();
        while let Ok(n @ 1..) = stdin.read(&mut buf) {
            for &b in &buf[..n] {
                let input = match b {
                    0x03 | 0x04 => Input::Quit,
                    0x12 => Input::Reset,
                    b'\r' | b'\n' => Input::Line(std::mem::take(&mut line)),
                    0x08 | 0x7F => {
                        line.pop();
                        Input::Typing(line.clone())
                    }
                    // An escape sequence (arrow or function key): the rest of the chunk is it.
                    0x1B => break,
                    0x20..=0x7E => {
                        line.push(b);
                        Input::Typing(line.clone())
                    }
                    _ => continue,
                };
                if tx.send(input).is_err() {
                    return;
                }
            }
        }
        input_ended();
    });
    (rx, raw)
}
