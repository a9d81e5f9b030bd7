//! `z80lm emu --board gb CHAT.gb`: an emulated DMG Game Boy runs a cartridge; each line read
//! from stdin is typed on the cartridge's on-screen keyboard with joypad presses (the grid of
//! `z80rom/asm/gb/README.md`) and sent with Start. The screen is shown as text: redrawn in place
//! on a terminal, or printed once at the end when stdout is not a terminal.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use boards::devices::joypad::Button;
use boards::devices::ppu::DOTS_PER_FRAME;
use boards::machines::gameboy::{GameBoy, GbStop};

use crate::build::targets::gameboy::keyboard::Cursor;
use crate::build::targets::gameboy::tile_char;

/// Frames a key is held and then released (the ROM polls once per frame).
const HOLD: u32 = 2;
/// Frames of an unchanged screen after which the answer counts as finished (stdin closed).
const SETTLE: u32 = 120;
/// Frames before the first key (our ROM is ready after a few; other ROMs may need more).
const BOOT: u32 = 30;

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

struct Emu {
    gb: GameBoy,
    turbo: bool,
    tty: bool,
    started: Instant,
    frames: u64,
}

impl Emu {
    /// Runs one frame (paced in real time unless turbo) and redraws the screen on a terminal.
    fn frame(&mut self) -> Result<()> {
        let f = self.gb.bus.ppu.frames;
        // Up to the next VBlank; with the LCD off (no VBlank) one frame's worth of T-states.
        match self
            .gb
            .run_until(u64::from(DOTS_PER_FRAME), |g| g.bus.ppu.frames != f)
        {
            Ok(()) | Err(GbStop::Budget(_)) => {}
            Err(e) => return Err(e).context("the emulated Game Boy stopped"),
        }
        if let Some(fault) = self.gb.faults().first() {
            bail!("the ROM touched VRAM/OAM while the PPU had it locked: {fault}");
        }
        self.frames += 1;
        if !self.turbo {
            let due = Duration::from_secs_f64(
                self.frames as f64 * f64::from(DOTS_PER_FRAME) / 4_194_304.0,
            );
            if let Some(wait) = due.checked_sub(self.started.elapsed()) {
                std::thread::sleep(wait);
            }
        }
        if self.tty && self.frames & 3 == 0 {
            print!("\x1b[H{}", screen(&self.gb));
            let _ = std::io::stdout().flush();
        }
        Ok(())
    }

    fn press(&mut self, b: Button) -> Result<()> {
        self.gb.set_button(b, true);
        for _ in 0..HOLD {
            self.frame()?;
        }
        self.gb.set_button(b, false);
        for _ in 0..HOLD {
            self.frame()?;
        }
        Ok(())
    }
}

/// The 20×18 text grid of the screen, framed.
pub fn screen(gb: &GameBoy) -> String {
    let mut s = String::from("+--------------------+\n");
    for row in gb.screen_text(tile_char) {
        s += &format!("|{row}|\n");
    }
    s + "+--------------------+\n"
}

pub fn stdin_lines() -> mpsc::Receiver<Option<Vec<u8>>> {
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
    let gb = drive(bytes, args, stdin_lines(), tty)?;
    if !tty {
        print!("{}", screen(&gb));
    }
    if let Some(png) = &args.screenshot {
        let bytes = gb.screenshot_png()?;
        std::fs::write(png, bytes).with_context(|| format!("cannot write {}", png.display()))?;
    }
    Ok(())
}

/// Boots the cartridge `rom`, types each line received (None = end of input) and runs until
/// the input has ended and the screen has not changed for a while; returns the machine.
pub fn drive(
    rom: Vec<u8>,
    args: &GbArgs,
    lines: mpsc::Receiver<Option<Vec<u8>>>,
    tty: bool,
) -> Result<GameBoy> {
    let gb = GameBoy::new(rom).context("not a cartridge this emulator runs")?;
    let mut emu = Emu {
        gb,
        turbo: args.turbo,
        tty,
        started: Instant::now(),
        frames: 0,
    };
    for _ in 0..BOOT {
        emu.frame()?;
    }
    let mut cursor = Cursor::default();
    let mut eof = false;
    let (mut last, mut still) = (String::new(), 0);
    loop {
        if !eof {
            match lines.try_recv() {
                Ok(Some(line)) => {
                    for &b in &line {
                        match cursor.type_byte(b) {
                            Some(presses) => {
                                for p in presses {
                                    emu.press(p)?;
                                }
                            }
                            None => {
                                eprintln!("byte {b:#04x} is not on the on-screen keyboard; skipped")
                            }
                        }
                    }
                    emu.press(Button::Start)?;
                    continue;
                }
                Ok(None) | Err(mpsc::TryRecvError::Disconnected) => eof = true,
                Err(mpsc::TryRecvError::Empty) => {}
            }
        }
        emu.frame()?;
        if eof {
            let now = screen(&emu.gb);
            still = if now == last { still + 1 } else { 0 };
            last = now;
            if still >= SETTLE {
                break;
            }
        }
    }
    Ok(emu.gb)
}
