//! The emulated boards as the page runs them: a slice of T-states at a time (the page decides
//! how many from the wall clock, or as many as fit a frame in "fast" mode), keys queued from the
//! page, the terminal output or the screen handed back, and the T-states of every generated
//! character (from one entry of the engine's `argmax` to the next).

use std::collections::VecDeque;

use boards::console::ScriptedConsole;
use boards::cpu::z80::Bus;
use boards::devices::joypad::Button;
use boards::devices::msx_mapper::{MapperKind, MegaRom};
use boards::devices::ppu::{HEIGHT, WIDTH};
use boards::devices::ula::{self, Key};
use boards::machines::cpm::{Cpm, CpmConfig, Exit};
use boards::machines::gameboy::{GameBoy, GbStop};
use boards::machines::msx::{self, Msx, MsxConfig};
use boards::machines::rc2014::Rc2014;
use boards::machines::zx48::Zx48;
use z80lm::engine::targets::gameboy::keyboard::Cursor;

use crate::image::{chain, Boot, Built, Target};

/// Where a slice left the machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// It ran the whole slice.
    Running = 0,
    /// The CP/M program waits for a key (no T-states pass until one comes).
    Waiting = 1,
    /// The program ended (CP/M warm boot).
    Ended = 2,
}

/// T-states per generated character in the current answer.
#[derive(Debug, Clone, Copy, Default)]
pub struct Steps {
    /// T-state of the last `argmax` entry of this answer.
    last_at: Option<u64>,
    /// T-states of the last whole step, their sum and count over this answer.
    pub last: u64,
    pub sum: u64,
    pub count: u64,
}

impl Steps {
    /// A line was sent: the next answer starts.
    fn new_answer(&mut self) {
        *self = Steps::default();
    }

    /// The engine entered `argmax` at T-state `t`.
    fn argmax_at(&mut self, t: u64) {
        if let Some(prev) = self.last_at {
            self.last = t - prev;
            self.sum += self.last;
            self.count += 1;
        }
        self.last_at = Some(t);
    }
}

/// Frames a Spectrum key is held and then released (as `z80lm emu --board zx48` types).
const ZX_HOLD: u64 = 3;
const ZX_GAP: u64 = 2;
/// Frames from power-on to the ROM's copyright message, when `LOAD ""` is typed.
const ZX_BOOT: u64 = 100;

/// One Spectrum key press in the queue: keys held together for `hold` frames, then none for
/// `gap` frames.
#[derive(Debug, Clone)]
struct ZxPress {
    keys: Vec<Key>,
    hold: u64,
    gap: u64,
}

/// A joypad press of the Game Boy's type-a-line queue and how far it has gone: down until
/// the ROM has read the pad once and a new frame has begun, then up the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PadPhase {
    /// Waiting for a frame boundary to put the next button down.
    Idle,
    Down {
        polled: bool,
        frames: u8,
    },
    Up {
        polled: bool,
        frames: u8,
    },
}

/// Frames a queued press waits for a poll before it goes on anyway (the ROM is answering).
const PAD_PATIENCE: u8 = 4;

/// The MSX key under way: held until C-BIOS's interrupt handler has put a byte in its key
/// buffer (or [`MSX_PATIENCE`] interrupts pass), then up for two interrupts (as
/// `Msx::type_key`, which `z80lm emu --board msx` uses).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MsxPhase {
    Idle,
    Held { put: u16, ints: u16 },
    Up { ints: u8 },
}

/// Interrupts a held MSX key waits for the BIOS to take it (6 s; `z80lm emu`'s limit). C-BIOS
/// starts scanning the keyboard about 5 s after power-on, after the chat's first prompt, so a
/// key typed before then is held until it does.
const MSX_PATIENCE: u16 = 300;

enum Board {
    Cpm {
        cpm: Box<Cpm>,
        console: ScriptedConsole,
        ended: bool,
    },
    Rc(Box<Rc2014>),
    Gb {
        gb: Box<GameBoy>,
        read_pad: u16,
        queue: VecDeque<Button>,
        phase: PadPhase,
        cursor: Option<Cursor>,
    },
    Zx {
        zx: Box<Zx48>,
        queue: VecDeque<ZxPress>,
        /// The press under way and the frame it started.
        current: Option<(ZxPress, u64)>,
    },
    Msx {
        msx: Box<Msx>,
        /// Keys to type (with SHIFT or not).
        queue: VecDeque<(bool, msx::Key)>,
        phase: MsxPhase,
    },
}

/// A board running a build.
pub struct Machine {
    pub target: Target,
    board: Board,
    argmax: Option<u16>,
    pub steps: Steps,
    /// Terminal bytes not yet taken by the page.
    output: Vec<u8>,
    /// The screen as RGBA (Game Boy 160×144, Spectrum 256×192).
    rgba: Vec<u8>,
}

/// Plain RAM for stepping the CP/M program between BDOS calls (as `cpm::Session::send_watch`).
struct Ram<'a>(&'a mut [u8; 0x10000]);

impl Bus for Ram<'_> {
    fn read(&mut self, addr: u16) -> u8 {
        self.0[usize::from(addr)]
    }
    fn write(&mut self, addr: u16, value: u8) {
        self.0[usize::from(addr)] = value;
    }
    fn input(&mut self, _port: u16) -> u8 {
        0xff
    }
    fn output(&mut self, _port: u16, _value: u8) {}
}

/// The DMG's four shades, lightest first (a green LCD).
const DMG: [[u8; 3]; 4] = [
    [0xE0, 0xF0, 0xC8],
    [0x88, 0xB0, 0x70],
    [0x34, 0x68, 0x56],
    [0x08, 0x18, 0x20],
];

impl Machine {
    /// Powers on a board with `built` (`rom48`: the Spectrum's ROM, which is not shipped;
    /// `cbios`: the MSX's main and logo ROMs).
    pub fn boot(
        built: &Built,
        rom48: Option<&[u8]>,
        cbios: Option<(&[u8], &[u8])>,
    ) -> Result<Machine, String> {
        let board = match &built.boot {
            Boot::Com(com) => {
                let mut cpm = Box::new(Cpm::new(CpmConfig::default()));
                cpm.load_com(com, b"").map_err(|e| chain(&e))?;
                Board::Cpm {
                    cpm,
                    console: ScriptedConsole::new(b""),
                    ended: false,
                }
            }
            Boot::Rom(desc, rom) => {
                Board::Rc(Box::new(Rc2014::new(desc, rom).map_err(|e| chain(&e))?))
            }
            Boot::Cart { rom, read_pad } => Board::Gb {
                gb: Box::new(GameBoy::new(rom.clone()).map_err(|e| chain(&e))?),
                read_pad: *read_pad,
                queue: VecDeque::new(),
                phase: PadPhase::Idle,
                cursor: Some(Cursor::default()),
            },
            Boot::Tape(blocks) => {
                let rom = rom48.ok_or(
                    "the ZX Spectrum needs its 48K ROM (48.rom, 16384 bytes): choose it first",
                )?;
                let mut zx = Box::new(Zx48::new(rom).map_err(|e| chain(&e))?);
                zx.insert_tape(blocks.clone());
                // LOAD "" once the ROM has booted: J (LOAD in K mode), SYMBOL SHIFT + P twice,
                // ENTER; each held 2 frames and released 6 (the ROM's repeat needs 5).
                let (j, p) = (Key { row: 6, bit: 3 }, Key { row: 5, bit: 0 });
                let press = |keys: Vec<Key>, hold, gap| ZxPress { keys, hold, gap };
                let queue = VecDeque::from(vec![
                    press(vec![], 0, ZX_BOOT),
                    press(vec![j], 2, 6),
                    press(vec![Key::SYMBOL_SHIFT, p], 2, 6),
                    press(vec![Key::SYMBOL_SHIFT, p], 2, 6),
                    press(vec![Key::ENTER], 2, 6),
                ]);
                Board::Zx {
                    zx,
                    queue,
                    current: None,
                }
            }
            Boot::MsxCart(rom) => {
                let (main, logo) =
                    cbios.ok_or("the MSX needs C-BIOS (its main and logo ROMs): none was given")?;
                let cart = MegaRom::new(MapperKind::Ascii8, rom.clone());
                let msx = Msx::new(main, Some(logo), Some(cart), MsxConfig::default())
                    .map_err(|e| chain(&e))?;
                Board::Msx {
                    msx: Box::new(msx),
                    queue: VecDeque::new(),
                    phase: MsxPhase::Idle,
                }
            }
        };
        let (w, h) = match built.target {
            Target::Gb => (WIDTH, HEIGHT),
            Target::Zx48 => (256, 192),
            _ => (0, 0),
        };
        Ok(Machine {
            target: built.target,
            board,
            argmax: built.argmax,
            steps: Steps::default(),
            output: Vec::new(),
            rgba: vec![0xFF; w * h * 4],
        })
    }

    /// T-states since power-on.
    pub fn cycles(&self) -> u64 {
        match &self.board {
            Board::Cpm { cpm, .. } => cpm.cpu.cycles,
            Board::Rc(m) => m.cpu.cycles,
            Board::Gb { gb, .. } => gb.cycles(),
            Board::Zx { zx, .. } => zx.cpu.cycles,
            Board::Msx { msx, .. } => msx.cpu.cycles,
        }
    }

    /// Runs about `budget` T-states (the instruction that crosses it is finished).
    pub fn run(&mut self, budget: u64) -> Result<Status, String> {
        let argmax = self.argmax;
        let steps = &mut self.steps;
        match &mut self.board {
            Board::Cpm {
                cpm,
                console,
                ended,
            } => {
                if *ended {
                    return Ok(Status::Ended);
                }
                let top = cpm.config().tpa_top;
                let end = cpm.cpu.cycles + budget;
                let status = loop {
                    if cpm.cpu.pc >= top {
                        // A BDOS/BIOS call: the machine serves it (and maybe one instruction
                        // more).
                        match cpm.run(console, 1).map_err(|e| chain(&e))? {
                            Exit::Budget => {}
                            Exit::InputExhausted => break Status::Waiting,
                            Exit::WarmBoot => {
                                *ended = true;
                                break Status::Ended;
                            }
                        }
                    } else {
                        cpm.cpu.step(&mut Ram(&mut cpm.mem));
                    }
                    if Some(cpm.cpu.pc) == argmax {
                        steps.argmax_at(cpm.cpu.cycles);
                    }
                    if cpm.cpu.cycles >= end {
                        break Status::Running;
                    }
                };
                self.output.extend_from_slice(console.output());
                console.clear_output();
                Ok(status)
            }
            Board::Rc(m) => {
                let end = m.cpu.cycles + budget;
                while m.cpu.cycles < end {
                    m.run(1).map_err(|e| chain(&e))?;
                    if Some(m.cpu.pc) == argmax {
                        steps.argmax_at(m.cpu.cycles);
                    }
                }
                self.output.extend(m.take_output());
                Ok(Status::Running)
            }
            Board::Gb {
                gb,
                read_pad,
                queue,
                phase,
                ..
            } => {
                let end = gb.cycles() + budget;
                let poll = *read_pad;
                let mut frame = gb.bus.ppu.frames;
                while gb.cycles() < end {
                    let stop = gb.run_until(end - gb.cycles(), |g| {
                        let pc = g.cpu.regs.pc;
                        Some(pc) == argmax || pc == poll || g.bus.ppu.frames != frame
                    });
                    match stop {
                        Ok(()) => {}
                        Err(GbStop::Budget(_)) => break,
                        Err(e) => return Err(chain(&e)),
                    }
                    let pc = gb.cpu.regs.pc;
                    if Some(pc) == argmax {
                        steps.argmax_at(gb.cycles());
                    }
                    if pc == poll {
                        if let PadPhase::Down { polled, .. } | PadPhase::Up { polled, .. } = phase {
                            *polled = true;
                        }
                    }
                    if gb.bus.ppu.frames != frame {
                        frame = gb.bus.ppu.frames;
                        pad_frame(gb, queue, phase);
                    }
                    // On past the instruction that stopped the run (a frame it completes is
                    // seen at once by the next run).
                    if Some(pc) == argmax || pc == poll {
                        gb.step().map_err(|e| chain(&e))?;
                    }
                }
                if let Some(f) = gb.faults().first() {
                    return Err(format!(
                        "the ROM touched VRAM/OAM while the PPU had it locked: {f}"
                    ));
                }
                Ok(Status::Running)
            }
            Board::Zx { zx, queue, current } => {
                let end = zx.cpu.cycles + budget;
                while zx.cpu.cycles < end {
                    let frame = zx.frames;
                    zx.step();
                    if Some(zx.cpu.pc) == argmax {
                        steps.argmax_at(zx.cpu.cycles);
                    }
                    if zx.frames != frame {
                        zx_frame(zx, queue, current);
                    }
                }
                Ok(Status::Running)
            }
            Board::Msx { msx, queue, phase } => {
                let end = msx.cpu.cycles + budget;
                while msx.cpu.cycles < end {
                    let ints = msx.interrupts;
                    msx.step();
                    if Some(msx.cpu.pc) == argmax {
                        steps.argmax_at(msx.cpu.cycles);
                    }
                    if msx.interrupts != ints {
                        msx_interrupt(msx, queue, phase);
                    }
                }
                Ok(Status::Running)
            }
        }
    }

    /// A key typed on the page: a byte for the CP/M console, the RC2014's serial line or the
    /// Spectrum's keyboard (Enter is 13, Backspace 8); for the Game Boy a byte typed on its
    /// on-screen keyboard with joypad presses (13 presses Start). Returns false if the byte
    /// has no key there.
    pub fn key(&mut self, b: u8) -> bool {
        if b == b'\r' || b == b'\n' {
            self.steps.new_answer();
        }
        match &mut self.board {
            Board::Cpm { console, .. } => console.push_input(&[if b == b'\n' { b'\r' } else { b }]),
            Board::Rc(m) => m.send(&[if b == b'\n' { b'\r' } else { b }]),
            Board::Gb { queue, cursor, .. } => {
                if b == b'\r' || b == b'\n' {
                    queue.push_back(Button::Start);
                    return true;
                }
                let Some(presses) = cursor.as_mut().and_then(|c| c.type_byte(b)) else {
                    return false;
                };
                queue.extend(presses);
            }
            Board::Zx { queue, .. } => {
                let c = if b == b'\r' { '\n' } else { char::from(b) };
                let Some((shift, key)) = Key::for_char(c) else {
                    return false;
                };
                queue.push_back(ZxPress {
                    keys: shift.into_iter().chain([key]).collect(),
                    hold: ZX_HOLD,
                    gap: ZX_GAP,
                });
            }
            Board::Msx { queue, .. } => {
                let Some(k) = msx::Key::for_char(char::from(b)) else {
                    return false;
                };
                queue.push_back(k);
            }
        }
        true
    }

    /// A Game Boy button pressed (`down`) or released on the page's joypad. The type-a-line
    /// queue no longer knows where the keyboard's cursor is after this.
    pub fn button(&mut self, b: Button, down: bool) {
        if let Board::Gb { gb, cursor, .. } = &mut self.board {
            if !matches!(b, Button::A | Button::Start) {
                *cursor = None;
            }
            gb.set_button(b, down);
        }
    }

    /// Whether typed bytes can still be turned into Game Boy presses (the cursor was not moved
    /// by hand), or the board is not a Game Boy.
    pub fn can_type(&self) -> bool {
        !matches!(&self.board, Board::Gb { cursor: None, .. })
    }

    /// Keys queued and not yet pressed on the board (Game Boy and Spectrum; the serial line's
    /// for the RC2014; the console's for CP/M).
    pub fn pending_keys(&mut self) -> usize {
        match &mut self.board {
            Board::Cpm { console, .. } => console.pending_input(),
            Board::Rc(m) => m.pending_input(),
            Board::Gb { queue, phase, .. } => queue.len() + usize::from(*phase != PadPhase::Idle),
            Board::Zx { queue, current, .. } => queue.len() + usize::from(current.is_some()),
            Board::Msx { queue, phase, .. } => queue.len() + usize::from(*phase != MsxPhase::Idle),
        }
    }

    /// Terminal output since the last call.
    pub fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.output)
    }

    /// The screen as RGBA with its width and height (0×0 for the terminal boards).
    pub fn screen(&mut self) -> (&[u8], usize, usize) {
        match &self.board {
            Board::Gb { gb, .. } => {
                for (px, &shade) in self.rgba.chunks_exact_mut(4).zip(&gb.bus.ppu.frame) {
                    px[..3].copy_from_slice(&DMG[usize::from(shade & 3)]);
                    px[3] = 0xFF;
                }
                (&self.rgba, WIDTH, HEIGHT)
            }
            Board::Zx { zx, .. } => {
                let rgb = ula::screen_rgb(&zx.memory()[0x4000..0x5B00]);
                for (px, c) in self.rgba.chunks_exact_mut(4).zip(rgb.chunks_exact(3)) {
                    px[..3].copy_from_slice(c);
                    px[3] = 0xFF;
                }
                (&self.rgba, 256, 192)
            }
            _ => (&[], 0, 0),
        }
    }

    /// The screen as text rows (Game Boy: through the cartridge's font; Spectrum: through the
    /// ROM's), for the page's tests and screen readers.
    pub fn screen_text(&self) -> String {
        match &self.board {
            Board::Gb { gb, .. } => gb
                .screen_text(z80lm::engine::targets::gameboy::tile_char)
                .join("\n"),
            Board::Zx { zx, .. } => zx.screen_text().join("\n"),
            Board::Msx { msx, .. } => msx.screen_text().join("\n"),
            _ => String::new(),
        }
    }
}

/// A new Game Boy frame began: the type-a-line queue moves on (see [`PadPhase`]).
fn pad_frame(gb: &mut GameBoy, queue: &mut VecDeque<Button>, phase: &mut PadPhase) {
    *phase = match *phase {
        PadPhase::Idle => match queue.front() {
            Some(&b) => {
                gb.set_button(b, true);
                PadPhase::Down {
                    polled: false,
                    frames: 0,
                }
            }
            None => PadPhase::Idle,
        },
        PadPhase::Down { polled, frames } if polled || frames >= PAD_PATIENCE => {
            if let Some(b) = queue.pop_front() {
                gb.set_button(b, false);
            }
            PadPhase::Up {
                polled: false,
                frames: 0,
            }
        }
        PadPhase::Up { polled, frames } if polled || frames >= PAD_PATIENCE => {
            match queue.front() {
                Some(&b) => {
                    gb.set_button(b, true);
                    PadPhase::Down {
                        polled: false,
                        frames: 0,
                    }
                }
                None => PadPhase::Idle,
            }
        }
        PadPhase::Down { polled, frames } => PadPhase::Down {
            polled,
            frames: frames + 1,
        },
        PadPhase::Up { polled, frames } => PadPhase::Up {
            polled,
            frames: frames + 1,
        },
    };
}

/// The MSX took an interrupt (C-BIOS scans the keyboard in its handler): the key queue moves
/// on (see [`MsxPhase`]).
fn msx_interrupt(m: &mut Msx, queue: &mut VecDeque<(bool, msx::Key)>, phase: &mut MsxPhase) {
    *phase = match *phase {
        MsxPhase::Held { put, ints } if m.ram_word(msx::PUTPNT) != put || ints >= MSX_PATIENCE => {
            m.release_all();
            MsxPhase::Up { ints: 0 }
        }
        MsxPhase::Held { put, ints } => MsxPhase::Held {
            put,
            ints: ints + 1,
        },
        MsxPhase::Up { ints } if ints + 1 < 2 => MsxPhase::Up { ints: ints + 1 },
        MsxPhase::Up { .. } | MsxPhase::Idle => MsxPhase::Idle,
    };
    if *phase == MsxPhase::Idle {
        if let Some((shift, k)) = queue.pop_front() {
            if shift {
                m.press(msx::Key::SHIFT);
            }
            m.press(k);
            *phase = MsxPhase::Held {
                put: m.ram_word(msx::PUTPNT),
                ints: 0,
            };
        }
    }
}

/// A new Spectrum frame began: the key queue moves on.
fn zx_frame(zx: &mut Zx48, queue: &mut VecDeque<ZxPress>, current: &mut Option<(ZxPress, u64)>) {
    let now = zx.frames;
    if let Some((press, start)) = current {
        if now == *start + press.hold {
            zx.bus.ula.release_all();
        }
        if now >= *start + press.hold + press.gap {
            *current = None;
        }
    }
    if current.is_none() {
        if let Some(press) = queue.pop_front() {
            for &k in &press.keys {
                zx.bus.ula.press(k);
            }
            *current = Some((press, now));
        }
    }
}
