//! The ZX Spectrum 48K session behind `z80lm emu --board zx48 CHAT.tap`: an emulated 48K with
//! the real ROM (a file, `$Z80LM_ZX48_ROM` or the PyPI package skoolkit) boots, `LOAD ""` is
//! typed, the tape (`.tap`, `.tzx`, or a `.wav` recording decoded back to blocks) loads, and each line
//! is typed on the Spectrum's keyboard followed by ENTER. A 48K snapshot (`.z80`, `.sna`) is
//! taken into the machine instead of booting and loading a tape. The screen is shown as text, redrawn
//! in place on a terminal. With [`Options::zx128`] the machine is a Spectrum 128K with its two
//! ROMs (`128-0.rom`, `128-1.rom`: a directory, `$Z80LM_ZX128_ROMS` or PyPI skoolkit), and the
//! tape loads from its menu's "Tape Loader".

use std::path::{Path, PathBuf};
use std::sync::mpsc;

use boards::devices::tape::{checksum_ok, decode_wav, parse_tap, Header, TapeError};
use boards::devices::tzx::{parse_tzx, TzxError};
use boards::machines::zx48::{locate_128_roms, locate_rom, TapeMode, Zx48, Zx48Error};
use boards::machines::zx_snapshot::{is_snapshot, Snapshot, SnapshotError};

use super::{Input, TextView};

/// Frames a key is held and released when typing a line (the chat driver debounces for 5 ms;
/// the release must outlast a scroll of the screen, about 2 frames).
const HOLD: u64 = 3;
const GAP: u64 = 2;
/// Frames of an unchanged screen after which an answer counts as finished.
const SETTLE: u64 = 50;

/// How the session runs.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The 16K 48K ROM image (default: $Z80LM_ZX48_ROM, else 48.rom from PyPI skoolkit); for
    /// the 128K a directory holding 128-0.rom and 128-1.rom (default: $Z80LM_ZX128_ROMS, else
    /// PyPI skoolkit's).
    pub rom: Option<PathBuf>,
    /// A Spectrum 128K instead of a 48K (tapes only).
    pub zx128: bool,
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
    #[error(
        "no 128K ROMs: pass --rom DIR (holding 128-0.rom and 128-1.rom), set Z80LM_ZX128_ROMS, \
         or `pip install skoolkit` (it ships both)"
    )]
    NoRoms128,
    #[error("{}: the 128K takes a tape (.tap, .tzx, .wav); snapshots here are 48K ones", .0.display())]
    Snapshot128(PathBuf),
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
    #[error("{}: not a tape this emulator plays", path.display())]
    Tzx {
        path: PathBuf,
        #[source]
        source: TzxError,
    },
    #[error("{}: not a 48K snapshot", path.display())]
    Snapshot {
        path: PathBuf,
        #[source]
        source: SnapshotError,
    },
    #[error("{}: no tape blocks found", .0.display())]
    NoBlocks(PathBuf),
    /// The program did not load: the ROM reported an error or the tape ran out. `screen` is
    /// the Spectrum's screen at that point (with the ROM's report on it).
    #[error("{}: the program did not load: {why}", path.display())]
    Load {
        path: PathBuf,
        why: String,
        screen: String,
    },
    #[error(transparent)]
    Screen(#[from] std::io::Error),
}

fn read(path: &Path) -> Result<Vec<u8>, EmuError> {
    std::fs::read(path).map_err(|source| EmuError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// Blocks from a `.tap` or `.tzx` file or a `.wav` recording.
pub fn read_tape(path: &Path) -> Result<Vec<Vec<u8>>, EmuError> {
    let bytes = read(path)?;
    let blocks = if bytes.starts_with(b"ZXTape!") {
        parse_tzx(&bytes).map_err(|source| EmuError::Tzx {
            path: path.to_path_buf(),
            source,
        })?
    } else if bytes.starts_with(b"RIFF") {
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

/// What the machine runs: a tape's blocks, or a snapshot's state.
enum Media {
    Tape(Vec<Vec<u8>>),
    Snapshot(Box<Snapshot>),
}

/// A tape (`.tap`, `.wav`) or a 48K snapshot (`.z80`, `.sna`), by the file's extension.
fn read_media(path: &Path) -> Result<Media, EmuError> {
    let name = path.to_string_lossy();
    if !is_snapshot(&name) {
        return Ok(Media::Tape(read_tape(path)?));
    }
    let state = Snapshot::parse(&name, &read(path)?).map_err(|source| EmuError::Snapshot {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(Media::Snapshot(Box::new(state)))
}

/// The ROM images (one for the 48K, two for the 128K) and where they came from.
fn roms(opts: &Options) -> Result<(Vec<Vec<u8>>, PathBuf), EmuError> {
    if !opts.zx128 {
        let path = match &opts.rom {
            Some(p) => p.clone(),
            None => locate_rom().ok_or(EmuError::NoRom)?,
        };
        return Ok((vec![read(&path)?], path));
    }
    let [a, b] = match &opts.rom {
        Some(d) => [d.join("128-0.rom"), d.join("128-1.rom")],
        None => locate_128_roms().ok_or(EmuError::NoRoms128)?,
    };
    let dir = a.parent().map(Path::to_path_buf).unwrap_or_default();
    Ok((vec![read(&a)?, read(&b)?], dir))
}

/// A powered-on 48K with the tape in the deck and `LOAD ""` typed, or with a snapshot's state;
/// a 128K with the tape in the deck and "Tape Loader" chosen from its menu.
fn power_on(
    rom: &[Vec<u8>],
    rom_path: &Path,
    opts: &Options,
    media: &Media,
) -> Result<Zx48, EmuError> {
    let machine = match rom {
        [a, b] => Zx48::new_128(a, b),
        _ => Zx48::new(&rom[0]),
    };
    let mut zx = machine.map_err(|source| EmuError::Rom {
        path: rom_path.to_path_buf(),
        source,
    })?;
    zx.tape_mode = if opts.real_tape {
        TapeMode::Edges
    } else {
        TapeMode::Trap
    };
    match media {
        Media::Tape(blocks) if zx.is_128() => {
            zx.insert_tape(blocks.to_vec());
            zx.run_frames(150); // boot to the menu, "Tape Loader" highlighted
            zx.tap_keys(&[boards::devices::ula::Key::ENTER], 2, 6);
        }
        Media::Tape(blocks) => {
            zx.insert_tape(blocks.to_vec());
            zx.run_frames(100); // boot to the copyright message
            zx.type_load_command();
        }
        Media::Snapshot(state) => zx.load_snapshot(state),
    }
    Ok(zx)
}

/// Why the tape did not load, once loading has stopped (the screen settled): the ROM showed a
/// report (its BASIC loader stopped, e.g. "R Tape loading error" for a block whose checksum is
/// wrong) or the tape ran out while the ROM was still looking for a block. `None` when the
/// program runs.
fn load_fault(zx: &Zx48, media: &Media) -> Option<String> {
    let Media::Tape(blocks) = media else {
        return None;
    };
    let what = if zx.report.is_some() {
        let text = zx.screen_text();
        let report = text.iter().rev().find(|l| !l.trim().is_empty());
        format!(
            "the ROM reports \"{}\"",
            report.map_or("", |l| l.trim()).trim_matches('\u{2591}')
        )
    } else if zx.tape_stalled() {
        "the tape ended while the ROM was still looking for a block".to_string()
    } else {
        return None;
    };
    let bad: Vec<String> = blocks
        .iter()
        .enumerate()
        .filter(|(_, b)| !checksum_ok(b))
        .map(|(i, _)| (i + 1).to_string())
        .collect();
    let why = if !bad.is_empty() {
        format!(
            "; block{} {} of {} {} a wrong checksum",
            if bad.len() == 1 { "" } else { "s" },
            bad.join(", "),
            blocks.len(),
            if bad.len() == 1 { "has" } else { "have" }
        )
    } else if !blocks.iter().any(|b| Header::parse(b).is_some()) {
        "; the tape has no header block".to_string()
    } else {
        String::new()
    };
    Some(format!("{what}{why}"))
}

/// Boots, loads `tape` (or takes a snapshot's state; the footer says "loading…" meanwhile) and follows `input`: each line
/// is typed followed by ENTER and the screen left to settle, Reset powers the machine on again
/// and reloads the tape, Quit stops at once; when the input ends, the session ends. Returns the
/// machine. `tty` redraws the screen on stdout as it changes, with the keys under it.
///
/// A tape that does not load ([`EmuError::Load`]: the ROM's report, e.g. "R Tape loading
/// error", or a tape that ran out) ends a session without a terminal at once; on a terminal
/// the footer says why and the machine stays up (the report on its screen) until Quit, and
/// Reset tries again.
pub fn session(
    tape: &Path,
    opts: &Options,
    input: mpsc::Receiver<Input>,
    tty: bool,
) -> Result<Zx48, EmuError> {
    let (rom, rom_path) = roms(opts)?;
    let media = read_media(tape)?;
    if opts.zx128 && matches!(media, Media::Snapshot(_)) {
        return Err(EmuError::Snapshot128(tape.to_path_buf()));
    }
    let name = tape.file_name().map_or_else(
        || tape.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let mut view = TextView::new(tty, opts.turbo);
    let mut zx = power_on(&rom, &rom_path, opts, &media)?;
    let mut pending = std::collections::VecDeque::new();
    let (mut typing, mut ended) = (Vec::new(), false);
    let load_error = |zx: &Zx48, why: String| EmuError::Load {
        path: tape.to_path_buf(),
        why,
        screen: screen(zx),
    };
    'power: loop {
        // Wait for the program: the tape must finish (or the ROM stop loading it with a
        // report) and the screen settle.
        view.status(format!("loading {name}…"), &[]);
        while !(zx.bus.deck.at_end() || zx.report.is_some()) || !settled(&mut zx, &mut view)? {
            zx.run_frames(10);
            view.pace(zx.frames);
            view.show(zx.screen_text())?;
            // Keys typed while the tape loads wait their turn; Quit does not.
            match input.try_recv() {
                Ok(Input::Quit) => return Ok(zx),
                Ok(Input::End) if !ended => {
                    ended = true;
                    pending.push_back(Ok(Input::End));
                }
                Ok(Input::Typing(t)) => typing = t,
                Ok(i) => pending.push_back(Ok(i)),
                Err(mpsc::TryRecvError::Disconnected) if !ended => {
                    ended = true;
                    pending.push_back(Err(mpsc::TryRecvError::Disconnected));
                }
                Err(_) => {}
            }
        }
        let fault = load_fault(&zx, &media);
        if let (Some(why), false) = (&fault, tty) {
            return Err(load_error(&zx, why.clone()));
        }
        // On a terminal the footer keeps saying why the program did not load.
        let status = fault.as_ref().map_or_else(String::new, |why| {
            format!("the program did not load: {why}")
        });
        view.status(status.clone(), &typing);
        let stop = |zx: Zx48| match &fault {
            Some(why) => Err(load_error(&zx, why.clone())),
            None => Ok(zx),
        };
        loop {
            let next = pending.pop_front().unwrap_or_else(|| input.try_recv());
            match next {
                Ok(Input::Line(line)) => {
                    typing.clear();
                    view.status(status.clone(), &[]);
                    for c in String::from_utf8_lossy(&line)
                        .chars()
                        .filter(|&c| c != '\r')
                        .chain(['\n'])
                    {
                        if zx.type_text(&c.to_string(), HOLD, GAP).is_err() {
                            eprintln!("note: {c:?} has no key on the Spectrum keyboard; left out");
                        }
                    }
                    while !settled(&mut zx, &mut view)? {}
                }
                Ok(Input::Typing(t)) => {
                    view.status(status.clone(), &t);
                    typing = t;
                }
                Ok(Input::Reset) => {
                    // Lines typed before the reset are dropped; the end of the input is not.
                    pending.retain(|p| matches!(p, Ok(Input::End) | Err(_)));
                    zx = power_on(&rom, &rom_path, opts, &media)?;
                    view.restart();
                    continue 'power;
                }
                Ok(Input::Quit | Input::End) | Err(mpsc::TryRecvError::Disconnected) => {
                    return stop(zx)
                }
                Err(mpsc::TryRecvError::Empty) => {
                    zx.run_frames(1);
                    view.pace(zx.frames);
                    view.show(zx.screen_text())?;
                }
            }
        }
    }
}

/// The screen as text, one line per character row, trailing blank rows dropped.
pub fn screen(zx: &Zx48) -> String {
    let mut s = zx.screen_text().join("\n").trim_end().to_string();
    s.push('\n');
    s
}

/// True once the screen has not changed for [`SETTLE`] frames (redrawing it on a terminal).
fn settled(zx: &mut Zx48, view: &mut TextView) -> Result<bool, EmuError> {
    let before = zx.screen_text();
    for _ in 0..SETTLE / 10 {
        zx.run_frames(10);
        view.pace(zx.frames);
        view.show(zx.screen_text())?;
        if zx.screen_text() != before {
            return Ok(false);
        }
    }
    Ok(true)
}
