//! A scripted chat with the cartridge on the emulated Game Boy: boot, type a line on the
//! on-screen keyboard with joypad presses, wait for the answer and read it back from the screen.
//! Used by the HIL tests, `z80lm bench --target gb` and as the reference for other emulators.
//!
//! Presses follow the ROM's polls: a key goes down when VBlank starts and stays down until the
//! ROM has read the joypad once (it polls once per VBlank while it waits for keys, but a poll
//! comes a frame late when drawing a key took longer than the rest of a frame); then it is
//! released until the ROM has read it again, so every press is seen exactly once.

use boards::devices::joypad::Button;
use boards::devices::ppu::DOTS_PER_FRAME;
use boards::machines::gameboy::{screen, GameBoy, GbStop, CLOCK_HZ};

use super::keyboard::Cursor;
use super::{tile_char, GbImage};

/// Rows of the transcript on screen (ui.asm TROWS).
pub const TRANSCRIPT_ROWS: usize = 13;
/// WRAM address of OUT_N, the byte count of the last response (mem.inc).
pub const OUT_N: u16 = 0xC690;

/// Why a scripted chat failed.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("the emulated Game Boy stopped: {0}")]
    Stopped(#[from] GbStop),
    #[error("cartridge: {0}")]
    Cartridge(#[from] boards::machines::gameboy::CartridgeError),
    #[error("save file: {0}")]
    Save(#[from] boards::machines::gameboy::SaveError),
    #[error("the image lacks the symbol {0}")]
    Symbol(&'static str),
    #[error("byte {0:#04x} is not on the on-screen keyboard (printable ASCII only)")]
    NotTypeable(u8),
    #[error("the ROM touched VRAM/OAM while the PPU had it locked: {0}")]
    VramFault(String),
    #[error("no prompt row found on the screen:\n{0}")]
    NoPrompt(String),
    #[error("no model {0} on this cartridge (it has {1})")]
    NoModel(usize, usize),
}

/// One answered line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The response as the screen shows it (rows joined, padded rows trimmed to `len`).
    pub text: Vec<u8>,
    /// T-states from the Start press until the ROM waits for the next line.
    pub tstates: u64,
    /// Inference steps: bytes + 1 for the final EOS step (none after a 50-byte response).
    pub steps: u32,
    /// The logits of every step, read from WRAM (X pages) when the engine enters `argmax`.
    pub logits: Vec<Vec<i16>>,
    /// T-states of the engine alone: from `respond`'s entry to the first `argmax`, and from
    /// each `push_window` to the next `argmax` (no screen or link-port output in between, so
    /// no waits on the LCD's or the link's timing).
    pub engine_tstates: u64,
}

/// The emulated Game Boy running a built cartridge, with the keyboard cursor tracked.
pub struct Session {
    pub gb: GameBoy,
    cursor: Cursor,
    read_line: u16,
    read_pad: u16,
    argmax: u16,
    respond: u16,
    push_window: u16,
    nclass: usize,
    /// A several-model cartridge: each model's classes, and where the menu keeps its choice.
    models: Vec<usize>,
    m_sel: u16,
}

/// WRAM address of M_SEL, the model chosen in the start menu (mem.inc).
pub const M_SEL: u16 = 0xC6A7;

impl Session {
    /// Powers on a DMG and runs until the ROM waits for the first line.
    pub fn boot(image: &GbImage) -> Result<Self, SessionError> {
        Self::boot_on(image, false)
    }

    /// Powers on a DMG, or a Game Boy Color when `color`, and runs until the ROM waits for the
    /// first line.
    pub fn boot_on(image: &GbImage, color: bool) -> Result<Self, SessionError> {
        Self::boot_with(image, color, None)
    }

    /// [`Session::boot_on`] with the cartridge RAM as a battery kept it (`save`, a `.sav`).
    pub fn boot_with(
        image: &GbImage,
        color: bool,
        save: Option<&[u8]>,
    ) -> Result<Self, SessionError> {
        let mut s = Self::power_on(image, color, save)?;
        s.run_to_read_line(40 * u64::from(DOTS_PER_FRAME))?;
        Ok(s)
    }

    /// Powers on a cartridge with several models (DMG, or a Game Boy Color when `color`; the
    /// cartridge RAM from `save`) and runs until the start menu reads the joypad.
    pub fn boot_menu(
        image: &GbImage,
        color: bool,
        save: Option<&[u8]>,
    ) -> Result<Self, SessionError> {
        let mut s = Self::power_on(image, color, save)?;
        s.run_to_poll(40 * u64::from(DOTS_PER_FRAME))?;
        Ok(s)
    }

    fn power_on(image: &GbImage, color: bool, save: Option<&[u8]>) -> Result<Self, SessionError> {
        let mut gb = if color {
            GameBoy::new_cgb(image.rom.clone())?
        } else {
            GameBoy::new(image.rom.clone())?
        };
        if let Some(save) = save {
            gb.load_save(save)?;
        }
        let sym = |name: &'static str| {
            image
                .symbols
                .get(name)
                .copied()
                .ok_or(SessionError::Symbol(name))
        };
        let models: Vec<usize> = image.models.iter().map(|m| m.nclass).collect();
        Ok(Session {
            gb,
            cursor: Cursor::default(),
            read_line: sym("read_line")? as u16,
            read_pad: sym("read_pad")? as u16,
            argmax: sym("argmax")? as u16,
            respond: sym("respond")? as u16,
            push_window: sym("push_window")? as u16,
            nclass: match models.first() {
                Some(&n) => n,
                None => sym("NCLASS")? as usize,
            },
            m_sel: if models.is_empty() {
                0
            } else {
                sym("M_SEL")? as u16
            },
            models,
        })
    }

    /// In the start menu of a several-model cartridge: moves the mark to model `k` (0-based)
    /// with Down presses, presses A and runs until the chat waits for the first line.
    pub fn choose(&mut self, k: usize) -> Result<(), SessionError> {
        let n = self.models.len();
        if k >= n {
            return Err(SessionError::NoModel(k + 1, n));
        }
        let at = usize::from(self.gb.bus.peek(self.m_sel));
        let downs = (k + n - at % n) % n;
        self.press_all(&vec![Button::Down; downs])?;
        self.nclass = self.models[k];
        self.next_frame()?;
        self.gb.set_button(Button::A, true);
        self.until_polled()?;
        self.gb.set_button(Button::A, false);
        self.run_to_read_line(200 * self.frame_t())?;
        // The screen as shown: the chat's first frame (the LCD was off for a cleared transcript).
        self.next_frame()?;
        self.next_frame()
    }

    /// The model the start menu has marked (0-based; M_SEL).
    pub fn marked(&self) -> usize {
        usize::from(self.gb.bus.peek(self.m_sel))
    }

    /// In a chat of a several-model cartridge: types `!` and Start and runs until the start
    /// menu reads the joypad.
    pub fn back_to_menu(&mut self) -> Result<(), SessionError> {
        self.type_text(b"!")?;
        self.gb.set_button(Button::Start, true);
        self.until_polled()?;
        self.gb.set_button(Button::Start, false);
        self.run_to_poll(20 * self.frame_t())?;
        self.next_frame()
    }

    /// Runs until the ROM reads the joypad (`read_pad`).
    fn run_to_poll(&mut self, budget: u64) -> Result<(), SessionError> {
        let poll = self.read_pad;
        self.gb.step()?;
        self.gb.run_until(budget, |g| g.cpu.regs.pc == poll)?;
        self.check_faults()
    }

    /// CPU T-states per frame at the current speed (twice the dots in double speed).
    fn frame_t(&self) -> u64 {
        u64::from(DOTS_PER_FRAME) * self.gb.clock_hz() / CLOCK_HZ
    }

    fn check_faults(&self) -> Result<(), SessionError> {
        match self.gb.faults().first() {
            Some(f) => Err(SessionError::VramFault(f.to_string())),
            None => Ok(()),
        }
    }

    /// Runs until the CPU enters `read_line`; returns the logits seen at each `argmax` entry
    /// and the engine's T-states ([`Answer::engine_tstates`]).
    fn run_to_read_line(&mut self, budget: u64) -> Result<(Vec<Vec<i16>>, u64), SessionError> {
        let (target, argmax, n) = (self.read_line, self.argmax, self.nclass);
        let (respond, push_window) = (self.respond, self.push_window);
        let mut logits = Vec::new();
        let (mut mark, mut engine) = (None, 0);
        self.gb.step()?;
        self.gb.run_until(budget, |g| {
            let pc = g.cpu.regs.pc;
            if pc == respond || pc == push_window {
                mark = Some(g.cycles());
            }
            if pc == argmax {
                if let Some(m) = mark.take() {
                    engine += g.cycles() - m;
                }
                let v = (0..n as u16)
                    .map(|j| i16::from_le_bytes([g.bus.peek(0xC200 + j), g.bus.peek(0xC300 + j)]));
                logits.push(v.collect());
            }
            g.cpu.regs.pc == target
        })?;
        self.check_faults()?;
        Ok((logits, engine))
    }

    /// Runs to the start of the next VBlank.
    fn next_frame(&mut self) -> Result<(), SessionError> {
        let f = self.gb.bus.ppu.frames;
        let budget = 2 * self.frame_t();
        self.gb.run_until(budget, |g| g.bus.ppu.frames != f)?;
        Ok(())
    }

    /// Runs until the ROM has read the joypad once and on to the next VBlank, so that a change
    /// made then meets the following poll. Gives up quietly after a few frames without a poll
    /// (the ROM is answering, or the chat has ended).
    fn until_polled(&mut self) -> Result<(), SessionError> {
        let poll = self.read_pad;
        let budget = 4 * self.frame_t();
        match self.gb.run_until(budget, |g| g.cpu.regs.pc == poll) {
            Ok(()) => self.next_frame(),
            Err(GbStop::Budget(_)) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Presses each button until the ROM has seen it, then releases it until the ROM has seen
    /// that too (see the module's note).
    pub fn press_all(&mut self, presses: &[Button]) -> Result<(), SessionError> {
        // Start at a frame boundary: a key goes down just before the ROM's VBlank poll.
        self.next_frame()?;
        for &b in presses {
            self.gb.set_button(b, true);
            self.until_polled()?;
            self.gb.set_button(b, false);
            self.until_polled()?;
        }
        self.check_faults()
    }

    /// Types `line` (printable ASCII) and sends it; returns the answer read from the screen.
    pub fn ask(&mut self, line: &[u8]) -> Result<Answer, SessionError> {
        self.type_text(line)?;
        self.send()
    }

    /// Types `text` (printable ASCII) on the keyboard without sending it.
    pub fn type_text(&mut self, text: &[u8]) -> Result<(), SessionError> {
        let mut presses = Vec::new();
        for &b in text {
            presses.extend(
                self.cursor
                    .type_byte(b)
                    .ok_or(SessionError::NotTypeable(b))?,
            );
        }
        self.press_all(&presses)
    }

    /// Presses Start and waits until the ROM reads the next line; returns the answer.
    pub fn send(&mut self) -> Result<Answer, SessionError> {
        let start = self.gb.cycles();
        // Start stays down until the ROM waits for the next line (nothing polls the joypad
        // while it answers), so that the whole answer, from `respond`'s entry on, runs under
        // run_to_read_line's watch.
        self.gb.set_button(Button::Start, true);
        let run = self.run_to_read_line(2_000_000_000);
        self.gb.set_button(Button::Start, false);
        let (logits, engine_tstates) = run?;
        let tstates = self.gb.cycles() - start;
        let len = usize::from(self.gb.bus.peek(OUT_N));
        let text = self.response_on_screen(len)?;
        let steps = if len >= 50 {
            len as u32
        } else {
            len as u32 + 1
        };
        Ok(Answer {
            text,
            tstates,
            steps,
            logits,
            engine_tstates,
        })
    }

    /// The transcript rows currently on screen, as text.
    pub fn transcript(&self) -> Vec<String> {
        let mut rows = self.gb.screen_text(tile_char);
        rows.truncate(TRANSCRIPT_ROWS);
        rows
    }

    /// The last `len` response bytes as shown: the rows above the last "> " prompt row.
    fn response_on_screen(&self, len: usize) -> Result<Vec<u8>, SessionError> {
        let rows = self.transcript();
        let prompt = rows
            .iter()
            .rposition(|r| r.starts_with("> ") && r[2..].trim().is_empty())
            .ok_or_else(|| SessionError::NoPrompt(rows.join("\n")))?;
        let nrows = len.div_ceil(screen::COLS).max(1);
        if prompt < nrows {
            return Err(SessionError::NoPrompt(rows.join("\n")));
        }
        let text: String = rows[prompt - nrows..prompt].concat();
        Ok(text.bytes().take(len).collect())
    }
}
