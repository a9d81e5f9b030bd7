//! The ZX Spectrum 48K session behind `z80lm emu --board zx48 CHAT.tap`: an emulated 48K with
//! the real ROM (a file, `$Z80LM_ZX48_ROM` or the PyPI package skoolkit) boots, `LOAD ""` is
//! typed, the tape (`.tap`, or a `.wav` recording decoded back to blocks) loads, and each line
//! is typed on the Spectrum's keyboard followed by ENTER. The screen is shown as text, redrawn
//! in place on a terminal.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use boards::devices::tape::{decode_wav, parse_tap, TapeError};
use boards::machines::zx48::{locate_rom, TapeMode, Zx48, Zx48Error};

/// Frames a key is held and released when typing a line (the chat driver debounces for 5 ms;
/// the release must outlast a scroll of the screen, about 2 frames).
const HOLD: u64 = 3;
const GAP: u64 = 2;
/// Frames of an unchanged screen after which an answer counts as finished.
const SETTLE: u64 = 50;

/// How the session runs.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The 16K 48K ROM image (default: $Z80LM_ZX48_ROM, else 48.rom from PyPI skoolkit).
    pub rom: Option<PathBuf>,
    /// Load the tape through the ROM's own pulse-reading loader at real speed (minutes)
    /// instead of trapping LD-BYTES.
    pub real_tape: bool,
    /// As fast as possible instead of at the Spectrum's 50 frames per second.
    pub turbo: bool,
}

/// Why a ZX Spectrum session could not run.
#[derive(Debug, thiserror::Error)]
pub enum EmuError {
    #[error(
        "no 48K ROM: pass --rom FILE, set Z80LM_ZX48_ROM, or `pip install skoolkit` (it ships 48.rom)"
    )]
    NoRom,
    #[error("cannot read {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}", path.display())]
    Rom {
        path: PathBuf,
        #[source]
        source: Zx48Error,
    },
    #[error("{}: not a tape recording", path.display())]
    Wav {
        path: PathBuf,
        #[source]
        source: TapeError,
    },
    #[error("{}: not a .tap file", path.display())]
    Tap {
        path: PathBuf,
        #[source]
        source: TapeError,
    },
    #[error("{}: no tape blocks found", .0.display())]
    NoBlocks(PathBuf),
    #[error(transparent)]
    Screen(#[from] std::io::Error),
}

fn read(path: &Path) -> Result<Vec<u8>, EmuError> {
    std::fs::read(path).map_err(|source| EmuError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// Blocks from a `.tap` file or a `.wav` recording.
pub fn read_tape(path: &Path) -> Result<Vec<Vec<u8>>, EmuError> {
    let bytes = read(path)?;
    let blocks = if bytes.starts_with(b"RIFF") {
        decode_wav(&bytes).map_err(|source| EmuError::Wav {
            path: path.to_path_buf(),
            source,
        })?
    } else {
        parse_tap(&bytes).map_err(|source| EmuError::Tap {
            path: path.to_path_buf(),
            source,
        })?
    };
    if blocks.is_empty() {
        return Err(EmuError::NoBlocks(path.to_path_buf()));
    }
    Ok(blocks)
}

/// Boots, loads `tape`, types each of `lines` followed by ENTER, waiting for the screen to
/// settle after each, and returns the machine. `tty` redraws the screen on stdout as it changes.
pub fn session(
    tape: &Path,
    opts: &Options,
    lines: impl Iterator<Item = String>,
    tty: bool,
) -> Result<Zx48, EmuError> {
    let rom_path = match &opts.rom {
        Some(p) => p.clone(),
        None => locate_rom().ok_or(EmuError::NoRom)?,
    };
    let rom = read(&rom_path)?;
    let mut zx = Zx48::new(&rom).map_err(|source| EmuError::Rom {
        path: rom_path.clone(),
        source,
    })?;
    zx.tape_mode = if opts.real_tape {
        TapeMode::Edges
    } else {
        TapeMode::Trap
    };
    zx.insert_tape(read_tape(tape)?);

    let mut view = View {
        tty,
        shown: Vec::new(),
        clock: Instant::now(),
        frame0: 0,
        turbo: opts.turbo,
    };
    zx.run_frames(100); // boot to the copyright message
    zx.type_load_command();
    // Wait for the program: the tape must finish and the screen settle.
    while !zx.bus.deck.at_end() || !settled(&mut zx, &mut view)? {
        zx.run_frames(10);
        view.pace(&zx);
    }

    for line in lines {
        for c in line.chars().filter(|&c| c != '\r').chain(['\n']) {
            if zx.type_text(&c.to_string(), HOLD, GAP).is_err() {
                eprintln!("note: {c:?} has no key on the Spectrum keyboard; left out");
            }
        }
        while !settled(&mut zx, &mut view)? {}
    }
    Ok(zx)
}

/// The screen as text, one line per character row, trailing blank rows dropped.
pub fn screen(zx: &Zx48) -> String {
    let mut s = zx.screen_text().join("\n").trim_end().to_string();
    s.push('\n');
    s
}

/// True once the screen has not changed for [`SETTLE`] frames (redrawing it on a terminal).
fn settled(zx: &mut Zx48, view: &mut View) -> Result<bool, EmuError> {
    let before = zx.screen_text();
    for _ in 0..SETTLE / 10 {
        zx.run_frames(10);
        view.pace(zx);
        view.show(zx)?;
        if zx.screen_text() != before {
            return Ok(false);
        }
    }
    Ok(true)
}

struct View {
    tty: bool,
    shown: Vec<String>,
    clock: Instant,
    frame0: u64,
    turbo: bool,
}

impl View {
    /// Keep to 50 frames per second unless `--turbo`.
    fn pace(&mut self, zx: &Zx48) {
        if self.turbo {
            return;
        }
        let due = Duration::from_millis((zx.frames - self.frame0) * 20);
        if let Some(wait) = due.checked_sub(self.clock.elapsed()) {
            std::thread::sleep(wait);
        }
    }

    /// Redraw the screen on a terminal when it changed.
    fn show(&mut self, zx: &Zx48) -> Result<(), std::io::Error> {
        let text = zx.screen_text();
        if !self.tty || text == self.shown {
            return Ok(());
        }
        let mut out = std::io::stdout().lock();
        write!(out, "\x1b[H\x1b[2J+{}+\r\n", "-".repeat(32))?;
        for l in &text {
            write!(out, "|{l:<32}|\r\n")?;
        }
        write!(out, "+{}+\r\n", "-".repeat(32))?;
        out.flush()?;
        self.shown = text;
        Ok(())
    }
}
