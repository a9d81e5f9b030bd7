//! The Game Boy session behind `z80lm emu --board gb CHAT.gb`: an emulated DMG (or with
//! `--board gbc` a Game Boy Color) runs a cartridge; each line received is typed on the cartridge's on-screen keyboard with joypad
//! presses (the grid of `z80rom/asm/gb/README.md`) and sent with Start. The screen is shown as
//! text, redrawn in place on a terminal with the keys ([`super::KEYS`]) under it.

use std::io::Write;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use boards::devices::joypad::Button;
use boards::devices::ppu::DOTS_PER_FRAME;
use boards::machines::gameboy::cartridge::CartridgeError;
use boards::machines::gameboy::{GameBoy, GbStop, SaveError, CLOCK_HZ};

use super::Input;
use crate::engine::targets::gameboy::keyboard::Cursor;
use crate::engine::targets::gameboy::tile_char;

/// Frames a key is held and then released (the ROM polls once per frame).
const HOLD: u32 = 2;
/// Frames of an unchanged screen after which the answer counts as finished (stdin closed).
const SETTLE: u32 = 120;
/// Frames before the first key (our ROM is ready after a few; other ROMs may need more).
const BOOT: u32 = 30;

/// How the session runs.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// As fast as possible instead of at the DMG's 59.7 frames per second.
    pub turbo: bool,
    /// A Game Boy Color (CGB mode for a cartridge that asks for it) instead of a DMG.
    pub color: bool,
    /// The battery-backed cartridge RAM to start with (a `.sav`); kept across Reset.
    pub save: Option<Vec<u8>>,
}

/// Why a Game Boy session stopped.
#[derive(Debug, thiserror::Error)]
pub enum EmuError {
    #[error("not a cartridge this emulator runs")]
    Cartridge(#[source] CartridgeError),
    #[error("the save file does not fit the cartridge")]
    Save(#[source] SaveError),
    #[error("the emulated Game Boy stopped")]
    Stopped(#[source] GbStop),
    #[error("the ROM touched VRAM/OAM while the PPU had it locked: {0}")]
    VramFault(String),
}

struct Emu {
    gb: GameBoy,
    turbo: bool,
    tty: bool,
    started: Instant,
    frames: u64,
    /// The line being typed at the host keyboard, shown under the screen.
    typing: Vec<u8>,
}

impl Emu {
    /// Runs one frame (paced in real time unless turbo) and redraws the screen on a terminal.
    fn frame(&mut self) -> Result<(), EmuError> {
        let f = self.gb.bus.ppu.frames;
        // Up to the next VBlank; with the LCD off (no VBlank) one frame's worth of T-states
        // (twice as many in double speed).
        let frame_t = u64::from(DOTS_PER_FRAME) * self.gb.clock_hz() / CLOCK_HZ;
        match self.gb.run_until(frame_t, |g| g.bus.ppu.frames != f) {
            Ok(()) | Err(GbStop::Budget(_)) => {}
            Err(e) => return Err(EmuError::Stopped(e)),
        }
        if let Some(fault) = self.gb.faults().first() {
            return Err(EmuError::VramFault(fault.to_string()));
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
            let text = screen(&self.gb).replace('\n', "\r\n");
            print!("\x1b[H{text}{}", super::footer("", &self.typing));
            let _ = std::io::stdout().flush();
        }
        Ok(())
    }

    fn press(&mut self, b: Button) -> Result<(), EmuError> {
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

/// WRAM addresses of the start menu's chosen model and model count (gb/mem.inc M_SEL,
/// M_COUNT).
const M_SEL: u16 = 0xC6A7;
const M_COUNT: u16 = 0xC6A9;

/// When the screen shows the start menu of a several-model cartridge, the presses that choose
/// model `line` (its number, 1 = the first: Up or Down from the `>` mark, then A), or why the
/// line is not a model's number. `None` when the menu is not on the screen.
fn menu_choice(gb: &GameBoy, line: &[u8]) -> Option<Result<Vec<Button>, String>> {
    let rows = gb.screen_text(tile_char);
    if rows.first()?.trim_end() != "z80lm: pick a model" {
        return None;
    }
    let (at, count) = (
        usize::from(gb.bus.peek(M_SEL)),
        usize::from(gb.bus.peek(M_COUNT)),
    );
    let want = std::str::from_utf8(line)
        .ok()
        .and_then(|t| t.trim().parse::<usize>().ok())
        .filter(|&k| (1..=count).contains(&k));
    let Some(k) = want else {
        return Some(Err(format!(
            "the start menu: type a model's number, 1-{count}"
        )));
    };
    let (button, n) = if k > at {
        (Button::Down, k - 1 - at)
    } else {
        (Button::Up, at - (k - 1))
    };
    let mut presses = vec![button; n];
    presses.push(Button::A);
    Some(Ok(presses))
}

/// Boots the cartridge `rom` and follows `input`: each line is typed and sent, Reset powers
/// the machine on again, Quit stops at once; when the input ends it runs until the screen has
/// not changed for a while. Returns the machine. `tty` redraws the screen on stdout as it runs.
pub fn drive(
    rom: Vec<u8>,
    opts: &Options,
    input: mpsc::Receiver<Input>,
    tty: bool,
) -> Result<GameBoy, EmuError> {
    let power_on = |rom: Vec<u8>, save: Option<&[u8]>| {
        let mut gb = if opts.color {
            GameBoy::new_cgb(rom)
        } else {
            GameBoy::new(rom)
        }
        .map_err(EmuError::Cartridge)?;
        if let Some(s) = save {
            gb.load_save(s).map_err(EmuError::Save)?;
        }
        Ok::<_, EmuError>(gb)
    };
    let gb = power_on(rom.clone(), opts.save.as_deref())?;
    let mut emu = Emu {
        gb,
        turbo: opts.turbo,
        tty,
        started: Instant::now(),
        frames: 0,
        typing: Vec::new(),
    };
    for _ in 0..BOOT {
        emu.frame()?;
    }
    let mut cursor = Cursor::default();
    let mut eof = false;
    let (mut last, mut still) = (String::new(), 0);
    loop {
        if !eof {
            match input.try_recv() {
                Ok(Input::Line(line)) => {
                    emu.typing.clear();
                    if let Some(presses) = menu_choice(&emu.gb, &line) {
                        // The start menu of a several-model cartridge: the line is a number.
                        match presses {
                            Ok(p) => {
                                for b in p {
                                    emu.press(b)?;
                                }
                            }
                            Err(why) => eprintln!("{why}"),
                        }
                        continue;
                    }
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
                Ok(Input::Typing(t)) => emu.typing = t,
                Ok(Input::Reset) => {
                    // The battery keeps the cartridge RAM across the power cycle.
                    let save = emu.gb.save_ram().map(<[u8]>::to_vec);
                    emu.gb = power_on(rom.clone(), save.as_deref())?;
                    cursor = Cursor::default();
                    for _ in 0..BOOT {
                        emu.frame()?;
                    }
                    continue;
                }
                Ok(Input::Quit) => break,
                Ok(Input::End) | Err(mpsc::TryRecvError::Disconnected) => eof = true,
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
