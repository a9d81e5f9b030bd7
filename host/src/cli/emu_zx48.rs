//! `z80lm emu --board zx48 CHAT.tap`: an emulated ZX Spectrum 48K with the real ROM (from
//! `--rom`, `$Z80LM_ZX48_ROM` or the PyPI package skoolkit) boots, `LOAD ""` is typed, the tape
//! (`.tap`, or a `.wav` recording decoded back to blocks) loads, and each line read from stdin
//! is typed on the Spectrum's keyboard followed by ENTER. The screen is shown as text: redrawn
//! in place on a terminal, or printed once at the end when stdout is not a terminal.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use boards::devices::tape::{decode_wav, parse_tap};
use boards::machines::zx48::{locate_rom, TapeMode, Zx48};

/// Frames a key is held and released when typing a line (the chat driver debounces for 5 ms;
/// the release must outlast a scroll of the screen, about 2 frames).
const HOLD: u64 = 3;
const GAP: u64 = 2;
/// Frames of an unchanged screen after which an answer counts as finished.
const SETTLE: u64 = 50;

/// Options of the ZX Spectrum 48K emulator.
#[derive(clap::Args, Debug, Clone)]
pub struct Zx48Args {
    /// The 16K 48K ROM image (default: $Z80LM_ZX48_ROM, else 48.rom from PyPI skoolkit).
    #[arg(long)]
    pub rom: Option<PathBuf>,
    /// Load the tape through the ROM's own pulse-reading loader at real speed (minutes)
    /// instead of trapping LD-BYTES.
    #[arg(long)]
    pub real_tape: bool,
    /// Run as fast as possible instead of at the Spectrum's 50 frames per second.
    #[arg(long)]
    pub turbo: bool,
    /// Write a PNG of the screen when the emulator stops.
    #[arg(long, value_name = "PNG")]
    pub screenshot: Option<PathBuf>,
}

/// Blocks from a `.tap` file or a `.wav` recording.
pub fn read_tape(path: &Path) -> Result<Vec<Vec<u8>>> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let blocks = if bytes.starts_with(b"RIFF") {
        decode_wav(&bytes).with_context(|| format!("{}: not a tape recording", path.display()))?
    } else {
        parse_tap(&bytes).with_context(|| format!("{}: not a .tap file", path.display()))?
    };
    if blocks.is_empty() {
        bail!("{}: no tape blocks found", path.display());
    }
    Ok(blocks)
}

/// Boot, load `tape`, then type stdin's lines until it ends and the screen settles.
pub fn run(tape: &Path, args: &Zx48Args) -> Result<()> {
    let tty = std::io::stdout().is_terminal();
    let zx = session(tape, args, stdin_lines(), tty)?;
    if !tty {
        print!("{}", screen(&zx));
    }
    if let Some(png) = &args.screenshot {
        let bytes = zx.screenshot_png()?;
        std::fs::write(png, bytes).with_context(|| format!("cannot write {}", png.display()))?;
        eprintln!("wrote {}", png.display());
    }
    Ok(())
}

/// The emulator session behind [`run`]: boot, load `tape`, type each of `lines` followed by
/// ENTER, waiting for the screen to settle after each, and return the machine. `tty` redraws
/// the screen on stdout as it changes.
pub fn session(
    tape: &Path,
    args: &Zx48Args,
    lines: impl Iterator<Item = String>,
    tty: bool,
) -> Result<Zx48> {
    let rom_path = match &args.rom {
        Some(p) => p.clone(),
        None => locate_rom().context(
            "no 48K ROM: pass --rom FILE, set Z80LM_ZX48_ROM, or `pip install skoolkit` (it ships 48.rom)",
        )?,
    };
    let rom =
        std::fs::read(&rom_path).with_context(|| format!("cannot read {}", rom_path.display()))?;
    let mut zx = Zx48::new(&rom).with_context(|| rom_path.display().to_string())?;
    zx.tape_mode = if args.real_tape {
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
        turbo: args.turbo,
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

fn screen(zx: &Zx48) -> String {
    let mut s = zx.screen_text().join("\n").trim_end().to_string();
    s.push('\n');
    s
}

/// True once the screen has not changed for [`SETTLE`] frames (redrawing it on a terminal).
fn settled(zx: &mut Zx48, view: &mut View) -> Result<bool> {
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
    fn show(&mut self, zx: &Zx48) -> Result<()> {
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
