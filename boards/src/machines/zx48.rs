//! Emulated ZX Spectrum 48K: Z80 at 3.5 MHz, the 16K Sinclair ROM (supplied by the caller, never
//! shipped), 48K of RAM, the ULA's keyboard matrix, EAR input and 50 Hz frame interrupt, and a
//! cassette deck. [`Zx48::new_128`] makes the same machine a Spectrum 128K / +2 instead.
//!
//! 128K (World of Spectrum FAQ, "128K reference"; Sinclair FAQ wiki, "ZX Spectrum 128"): two
//! 16K ROMs (0: the 128 editor and menu, 1: 48 BASIC) and eight 16K RAM banks. Bank 5 is always
//! at 0x4000 (the screen), bank 2 at 0x8000, and port 0x7FFD (decoded as A15 = 0, A1 = 0) pages
//! any bank at 0xC000 (bits 0-2), picks the ROM (bit 4), the shadow screen in bank 7 (bit 3)
//! and locks the port until reset (bit 5). Banks 1, 3, 5 and 7 are contended, 0, 2, 4 and 6
//! are not; a frame is 70,908 T-states ([`ula::TIMING_128K`]). The AY sound chip is not
//! emulated (its ports read 0xFF).
//!
//! Timing (World of Spectrum FAQ, "48K reference"): a frame is 69,888 T-states; the ULA asserts
//! INT for 32 T-states at the start of each frame, so an interrupt is taken only if the CPU
//! reaches an instruction boundary with interrupts enabled inside that window (the ROM runs in
//! IM 1). Memory contention is emulated ([`ula::contention`]): a memory cycle to 0x4000-0x7FFF,
//! an internal cycle with such an address on the bus, and I/O to the ULA or with such a high
//! byte wait while the ULA draws the screen, at the T-state each cycle starts within its
//! instruction. The border, the beeper and the floating bus are not emulated.
//!
//! Tape: with [`TapeMode::Trap`] the ROM's `LD-BYTES` (0x0556, "The Complete Spectrum ROM
//! Disassembly") is replaced by a copy of the next block: A = expected flag, IX = destination,
//! DE = length, carry set = LOAD (reset = VERIFY); on return carry is set when the flag,
//! length and checksum agree, and the routine exits through `SA/LD-RET` (0x053F) as the ROM
//! does (border restored, interrupts on, BREAK checked). With [`TapeMode::Edges`] the deck
//! plays pulses into the EAR bit and the real ROM code loads them at real speed.
//!
//! A failed load ends as on the machine: a data block whose checksum is wrong makes the ROM
//! report "R Tape loading error" (its `LD-BLOCK`), a header with a wrong checksum is passed
//! over, and a ROM still searching when the tape has run out waits for ever. The machine notes
//! the ROM's reports ([`Zx48::report`]) and an exhausted tape ([`Zx48::tape_stalled`]) so a
//! session can say why nothing loaded.

use thiserror::Error;

use crate::cpu::z80::{Bus, Z80};
use crate::devices::tape::TapeDeck;
use crate::devices::ula::{self, Key, Ula};

/// T-states per frame (and between interrupts) of the 48K ([`Zx48::frame_t`] for either model).
pub const FRAME_T: u64 = ula::TIMING_48K.frame;
/// Bytes of one ROM or RAM bank.
const BANK: usize = 0x4000;
/// Entry of the ROM's `LD-BYTES` and its first four opcodes (INC D; EX AF,AF'; DEC D; DI).
const LD_BYTES: u16 = 0x0556;
const LD_BYTES_CODE: [u8; 4] = [0x14, 0x08, 0x15, 0xF3];
/// `SA/LD-RET`, the common exit of the ROM's tape routines.
const SA_LD_RET: u16 = 0x053F;
/// `MAIN-4`, where the ROM shows a report (ERR_NR holds its code) and `ERR_NR` itself.
const MAIN_4: u16 = 0x1303;
const ERR_NR: usize = 0x5C3A;
/// `LD-BYTES` up to the end of `LD-EDGE-1`: where the ROM waits for pulses.
const LD_ROUTINES: std::ops::Range<u16> = 0x0556..0x0605;
/// The ROM font: 96 glyphs of 8 bytes for codes 0x20..=0x7F.
const FONT: std::ops::Range<usize> = 0x3D00..0x4000;

/// Why a machine could not be made or a screenshot written.
#[derive(Debug, Error)]
pub enum Zx48Error {
    #[error("the 48K ROM must be 16384 bytes, got {0}")]
    RomSize(usize),
    #[error("each 128K ROM must be 16384 bytes, got {0} and {1}")]
    Rom128Size(usize, usize),
    #[error("PNG encoding failed: {0}")]
    Png(#[from] png::EncodingError),
}

/// How the tape reaches the ROM.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TapeMode {
    /// `LD-BYTES` is trapped and each block is copied at once.
    #[default]
    Trap,
    /// The deck plays pulses into EAR (starting when `LD-BYTES` is first entered).
    Edges,
}

/// The 128K's ROMs, its banks not paged in, and the 0x7FFD latch. The 64K address space
/// the CPU sees stays one flat array: paging copies banks in and out of 0xC000 (and the ROM
/// into 0x0000), and while bank 2 or 5 is also paged at 0xC000 every write goes to both of
/// its addresses.
struct Paging {
    roms: [Vec<u8>; 2],
    /// Banks 0-7 while not paged in (2 and 5 live at 0x8000 and 0x4000).
    banks: Vec<Vec<u8>>,
    /// Last value written to 0x7FFD.
    port: u8,
    locked: bool,
}

/// Where bank `b` always is, for banks 2 and 5.
fn fixed_home(b: usize) -> Option<usize> {
    match b {
        5 => Some(0x4000),
        2 => Some(0x8000),
        _ => None,
    }
}

/// Memory, ULA and tape: what the CPU is wired to.
pub struct Zx48Bus {
    mem: Box<[u8; 0x1_0000]>,
    pub ula: Ula,
    pub deck: TapeDeck,
    /// T-state at the start of the current instruction (for the EAR level).
    now: u64,
    /// T-state at which the current frame started (a multiple of the frame length).
    frame_start: u64,
    timing: ula::Timing,
    /// 128K only.
    paging: Option<Box<Paging>>,
    /// The bank at 0xC000 is contended (128K banks 1, 3, 5, 7).
    top_contended: bool,
    /// Home address of bank 2 or 5 while it is also paged at 0xC000, else 0.
    alias: u16,
    /// PC of the current instruction (kept for [`Zx48Bus::watch`]).
    pc: u16,
    /// Off (`None`) unless a test sets it: one branch per write.
    pub watch: Option<Box<super::WriteWatch>>,
}

impl Zx48Bus {
    /// T-state `t` counted from the start of its frame.
    #[inline]
    fn frame_t(&self, t: u64) -> u64 {
        match t.checked_sub(self.frame_start) {
            Some(d) if d < self.timing.frame => d,
            _ => t % self.timing.frame,
        }
    }

    #[inline]
    fn contended(&self, addr: u16) -> bool {
        addr & 0xC000 == 0x4000 || (self.top_contended && addr >= 0xC000)
    }

    /// A write to port 0x7FFD: page the RAM bank and the ROM it names.
    fn page(&mut self, value: u8) {
        let Some(p) = self.paging.as_mut() else {
            return;
        };
        if p.locked {
            return;
        }
        let (old, new) = (usize::from(p.port & 7), usize::from(value & 7));
        if old != new {
            if fixed_home(old).is_none() {
                p.banks[old].copy_from_slice(&self.mem[0xC000..]);
            }
            match fixed_home(new) {
                Some(home) => self.mem.copy_within(home..home + BANK, 0xC000),
                None => self.mem[0xC000..].copy_from_slice(&p.banks[new]),
            }
        }
        if (p.port ^ value) & 0x10 != 0 {
            self.mem[..BANK].copy_from_slice(&p.roms[usize::from(value >> 4 & 1)]);
        }
        p.port = value;
        p.locked = value & 0x20 != 0;
        self.top_contended = new & 1 == 1;
        self.alias = fixed_home(new).map_or(0, |h| h as u16);
    }
}

impl Bus for Zx48Bus {
    const WAITS: bool = true;

    #[inline]
    fn wait(&mut self, addr: u16, t: u64) -> u32 {
        if self.contended(addr) {
            ula::contention_at(&self.timing, self.frame_t(t))
        } else {
            0
        }
    }

    #[inline]
    fn wait_internal(&mut self, addr: u16, t: u64, n: u32) -> u32 {
        if !self.contended(addr) {
            return 0;
        }
        let mut now = t;
        for _ in 0..n {
            now += u64::from(ula::contention_at(&self.timing, self.frame_t(now))) + 1;
        }
        (now - t) as u32 - n
    }

    fn io_time(&mut self, port: u16, t: u64) -> u32 {
        let high = self.contended(port);
        ula::io_cycle_at(&self.timing, port, high, self.frame_t(t))
    }

    #[inline]
    fn read(&mut self, addr: u16) -> u8 {
        self.mem[usize::from(addr)]
    }

    #[inline]
    fn write(&mut self, addr: u16, value: u8) {
        if let Some(w) = &mut self.watch {
            w.write(self.pc, addr, value);
        }
        if addr >= 0x4000 {
            self.mem[usize::from(addr)] = value;
            if self.alias != 0 {
                if addr >= 0xC000 {
                    self.mem[usize::from(addr - 0xC000 + self.alias)] = value;
                } else if addr & 0xC000 == self.alias {
                    self.mem[usize::from(addr - self.alias + 0xC000)] = value;
                }
            }
        }
    }

    fn input(&mut self, port: u16) -> u8 {
        if port & 1 == 0 {
            self.ula.ear_in = self.deck.ear(self.now);
            self.ula.read_port(port)
        } else {
            0xFF // nothing else on the bus (the floating bus is not emulated)
        }
    }

    fn output(&mut self, port: u16, value: u8) {
        if port & 1 == 0 {
            self.ula.write_port(value);
        }
        if port & 0x8002 == 0 {
            self.page(value);
        }
    }
}

/// A ZX Spectrum 48K.
pub struct Zx48 {
    pub cpu: Z80,
    pub bus: Zx48Bus,
    pub tape_mode: TapeMode,
    /// T-state at which the next frame (and INT) starts.
    next_frame: u64,
    /// Frames completed since power-on.
    pub frames: u64,
    /// Addresses whose execution is logged with the value of A (e.g. a console output routine).
    watch: Vec<u16>,
    watch_log: Vec<(u16, u8)>,
    /// Number of blocks loaded through the `LD-BYTES` trap.
    pub trapped_blocks: usize,
    /// The code of the last report the ROM showed since power-on (`ERR_NR` at `MAIN-4`: 0xFF
    /// is "0 OK", 0x1A "R Tape loading error"), e.g. a BASIC loader stopped by an error.
    pub report: Option<u8>,
    /// The `LD-BYTES` trap asked for a block after the last one.
    tape_starved: bool,
}

impl Zx48 {
    /// Power on with `rom` (the 16,384-byte 48K ROM) and cleared RAM.
    pub fn new(rom: &[u8]) -> Result<Self, Zx48Error> {
        if rom.len() != 0x4000 {
            return Err(Zx48Error::RomSize(rom.len()));
        }
        let mut mem = Box::new([0u8; 0x1_0000]);
        mem[..0x4000].copy_from_slice(rom);
        Ok(Self::with_bus(Zx48Bus {
            mem,
            ula: Ula::default(),
            deck: TapeDeck::default(),
            now: 0,
            frame_start: 0,
            timing: ula::TIMING_48K,
            paging: None,
            top_contended: false,
            alias: 0,
            pc: 0,
            watch: None,
        }))
    }

    /// Power on a Spectrum 128K / +2 with its two ROMs (`rom0`: the 128 editor and menu,
    /// `rom1`: 48 BASIC; 16,384 bytes each), bank 0 at 0xC000, ROM 0 in, RAM cleared.
    pub fn new_128(rom0: &[u8], rom1: &[u8]) -> Result<Self, Zx48Error> {
        if rom0.len() != BANK || rom1.len() != BANK {
            return Err(Zx48Error::Rom128Size(rom0.len(), rom1.len()));
        }
        let mut mem = Box::new([0u8; 0x1_0000]);
        mem[..BANK].copy_from_slice(rom0);
        Ok(Self::with_bus(Zx48Bus {
            mem,
            ula: Ula::default(),
            deck: TapeDeck::default(),
            now: 0,
            frame_start: 0,
            timing: ula::TIMING_128K,
            paging: Some(Box::new(Paging {
                roms: [rom0.to_vec(), rom1.to_vec()],
                banks: vec![vec![0; BANK]; 8],
                port: 0,
                locked: false,
            })),
            top_contended: false,
            alias: 0,
            pc: 0,
            watch: None,
        }))
    }

    fn with_bus(bus: Zx48Bus) -> Self {
        let frame = bus.timing.frame;
        Zx48 {
            cpu: Z80::new(),
            bus,
            tape_mode: TapeMode::Trap,
            next_frame: frame,
            frames: 0,
            watch: Vec::new(),
            watch_log: Vec::new(),
            trapped_blocks: 0,
            report: None,
            tape_starved: false,
        }
    }

    /// T-states per frame: 69,888 on the 48K, 70,908 on the 128K.
    pub fn frame_t(&self) -> u64 {
        self.bus.timing.frame
    }

    /// True for a 128K machine.
    pub fn is_128(&self) -> bool {
        self.bus.paging.is_some()
    }

    /// 128K: the last value written to port 0x7FFD (None on the 48K).
    pub fn port_7ffd(&self) -> Option<u8> {
        self.bus.paging.as_ref().map(|p| p.port)
    }

    /// 128K: the 16K of RAM bank `n` (0-7), wherever it is paged; None on the 48K.
    pub fn ram_bank(&self, n: usize) -> Option<&[u8]> {
        let p = self.bus.paging.as_ref()?;
        let n = n & 7;
        Some(match fixed_home(n) {
            Some(home) => &self.bus.mem[home..home + BANK],
            None if usize::from(p.port & 7) == n => &self.bus.mem[0xC000..],
            None => &p.banks[n],
        })
    }

    /// The 6,912 bytes of pixels and attributes the ULA shows: bank 5 at 0x4000, or on the
    /// 128K with bit 3 of 0x7FFD set, the shadow screen at the start of bank 7.
    fn screen(&self) -> &[u8] {
        let shadow = self.port_7ffd().is_some_and(|p| p & 8 != 0);
        match self.ram_bank(7) {
            Some(b) if shadow => &b[..0x1B00],
            _ => &self.bus.mem[0x4000..0x5B00],
        }
    }

    /// The ROM font: in the 48 BASIC ROM (ROM 1 on the 128K, whichever ROM is paged in).
    fn font(&self) -> &[u8] {
        match &self.bus.paging {
            Some(p) => &p.roms[1][FONT],
            None => &self.bus.mem[FONT],
        }
    }

    /// Take the state of a 48K snapshot (RAM, registers, border), the frame counter moved to
    /// the snapshot's position in its frame. The ROM stays.
    pub fn load_snapshot(&mut self, s: &super::zx_snapshot::Snapshot) {
        self.bus.mem[0x4000..].copy_from_slice(&s.ram);
        // The clock moves on to the snapshot's T-state in the frame after the current one.
        let frame_start = self.next_frame;
        let frame = self.frame_t();
        self.cpu = s.cpu.clone();
        self.cpu.cycles = frame_start + u64::from(s.frame_t) % frame;
        self.next_frame = frame_start + frame;
        self.bus.ula.write_port(s.border & 7);
    }

    /// Put a tape (blocks of flag, payload, checksum) in the deck, rewound.
    pub fn insert_tape(&mut self, blocks: Vec<Vec<u8>>) {
        self.bus.deck = TapeDeck::new(blocks);
        self.tape_starved = false;
    }

    /// True when the tape has run out while the ROM still waits for a block (as a real 48K
    /// would for ever): the trap was asked for a block past the end, or, loading from pulses,
    /// the CPU is in the ROM's loading routines with nothing left to play.
    pub fn tape_stalled(&self) -> bool {
        self.bus.deck.at_end()
            && (self.tape_starved
                || (self.tape_mode == TapeMode::Edges && LD_ROUTINES.contains(&self.cpu.pc)))
    }

    /// The 64K address space (ROM at 0x0000).
    pub fn memory(&self) -> &[u8] {
        &self.bus.mem[..]
    }

    /// Write bytes into RAM (ROM writes are ignored, as on the machine).
    pub fn poke(&mut self, addr: u16, bytes: &[u8]) {
        for (i, &b) in bytes.iter().enumerate() {
            self.bus.write(addr.wrapping_add(i as u16), b);
        }
    }

    /// Log the value of A each time the PC reaches `addr`.
    pub fn watch(&mut self, addr: u16) {
        self.watch.push(addr);
    }

    /// Take the (address, A) pairs logged by [`Zx48::watch`] so far.
    pub fn take_watch_log(&mut self) -> Vec<(u16, u8)> {
        std::mem::take(&mut self.watch_log)
    }

    /// Execute one instruction (after the tape trap, watches and a due interrupt).
    pub fn step(&mut self) -> u32 {
        let pc = self.cpu.pc;
        if pc == LD_BYTES && self.memory()[0x0556..0x055A] == LD_BYTES_CODE {
            match self.tape_mode {
                TapeMode::Trap => {
                    self.trap_ld_bytes();
                    return 0;
                }
                TapeMode::Edges => self.bus.deck.play(self.cpu.cycles),
            }
        }
        // On the 128K only ROM 1 (48 BASIC) has MAIN-4 there.
        if pc == MAIN_4 && self.bus.paging.as_ref().is_none_or(|p| p.port & 0x10 != 0) {
            self.report = Some(self.bus.mem[ERR_NR]);
        }
        if !self.watch.is_empty() && self.watch.contains(&pc) {
            self.watch_log.push((pc, self.cpu.a));
        }
        self.bus.now = self.cpu.cycles;
        self.bus.pc = pc;
        let frame = self.bus.timing.frame;
        self.bus.frame_start = self.next_frame - frame;
        let mut t = self.cpu.step(&mut self.bus);
        if self.cpu.cycles >= self.next_frame {
            let late = self.cpu.cycles - self.next_frame;
            self.next_frame += frame;
            self.frames += 1;
            if late < self.bus.timing.int_length {
                t += self.cpu.interrupt(&mut self.bus, 0xFF);
            }
        }
        t
    }

    /// Run until `frames` more frames have started.
    pub fn run_frames(&mut self, frames: u64) {
        let until = self.frames + frames;
        while self.frames < until {
            self.step();
        }
    }

    /// Run for at least `t_states` T-states.
    pub fn run_for(&mut self, t_states: u64) {
        let until = self.cpu.cycles + t_states;
        while self.cpu.cycles < until {
            self.step();
        }
    }

    /// Hold `keys` for `hold` frames, then release everything for `gap` frames.
    pub fn tap_keys(&mut self, keys: &[Key], hold: u64, gap: u64) {
        for &k in keys {
            self.bus.ula.press(k);
        }
        self.run_frames(hold);
        self.bus.ula.release_all();
        self.run_frames(gap);
    }

    /// Type `LOAD ""` and ENTER into the ROM's editor in K mode (J is LOAD, SYMBOL SHIFT + P
    /// the quote), holding each key 2 frames and releasing it 6: the ROM's KEYBOARD routine
    /// needs 5 frames without a key before the same key counts again.
    pub fn type_load_command(&mut self) {
        let (j, p) = (Key { row: 6, bit: 3 }, Key { row: 5, bit: 0 });
        self.tap_keys(&[j], 2, 6);
        self.tap_keys(&[Key::SYMBOL_SHIFT, p], 2, 6);
        self.tap_keys(&[Key::SYMBOL_SHIFT, p], 2, 6);
        self.tap_keys(&[Key::ENTER], 2, 6);
    }

    /// Type text in the ROM's L mode or into our chat driver: each character with its shift
    /// (see [`Key::for_char`]). Returns the first character that has no key.
    pub fn type_text(&mut self, text: &str, hold: u64, gap: u64) -> Result<(), char> {
        for c in text.chars() {
            let (shift, key) = Key::for_char(c).ok_or(c)?;
            match shift {
                Some(s) => self.tap_keys(&[s, key], hold, gap),
                None => self.tap_keys(&[key], hold, gap),
            }
        }
        Ok(())
    }

    /// The screen as 24 lines of up to 32 characters (see [`ula::screen_text`]).
    pub fn screen_text(&self) -> Vec<String> {
        ula::screen_text(self.screen(), self.font())
    }

    /// The screen (without border) as a 256x192 RGB PNG file.
    pub fn screenshot_png(&self) -> Result<Vec<u8>, Zx48Error> {
        let rgb = ula::screen_rgb(self.screen());
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, 256, 192);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.write_header()?.write_image_data(&rgb)?;
        Ok(out)
    }

    /// `LD-BYTES` done at once from the next tape block (see the module header).
    fn trap_ld_bytes(&mut self) {
        let want_flag = self.cpu.a;
        let load = self.cpu.f & 1 == 1;
        let mut ix = self.cpu.ix;
        let mut de = self.cpu.de();
        let block = self.bus.deck.next_block().map(<[u8]>::to_vec);
        self.tape_starved |= block.is_none();
        let ok = match block {
            Some(block) if block.len() >= 2 && block[0] == want_flag => {
                let mut parity = block[0];
                let mut i = 1;
                let mut same = true;
                while de > 0 && i < block.len() {
                    let b = block[i];
                    if load {
                        self.bus.write(ix, b);
                    } else {
                        same &= self.bus.read(ix) == b;
                    }
                    parity ^= b;
                    ix = ix.wrapping_add(1);
                    de -= 1;
                    i += 1;
                }
                // The byte after the last one wanted is the checksum.
                let checksum_ok = block.get(i).is_some_and(|&c| parity ^ c == 0);
                de == 0 && checksum_ok && same
            }
            _ => false,
        };
        self.trapped_blocks += 1;
        self.cpu.ix = ix;
        self.cpu.set_de(de);
        self.cpu.f = if ok { self.cpu.f | 1 } else { self.cpu.f & !1 };
        self.cpu.pc = SA_LD_RET;
        self.cpu.cycles += 1000; // nominal; the real load takes seconds
    }
}

/// Where the 48K ROM is on this machine: `$Z80LM_ZX48_ROM`, else `48.rom` inside the PyPI
/// package `skoolkit` (asked of `python3`). The ROM is Amstrad's and is never shipped with z80lm.
pub fn locate_rom() -> Option<std::path::PathBuf> {
    if let Some(p) = std::env::var_os("Z80LM_ZX48_ROM") {
        return Some(p.into());
    }
    skoolkit_resource("48.rom")
}

/// Where the two 128K ROMs are (ROM 0, the 128 editor, and ROM 1, 48 BASIC):
/// `$Z80LM_ZX128_ROMS` (a directory holding `128-0.rom` and `128-1.rom`), else the ones inside
/// the PyPI package `skoolkit`. Amstrad's, never shipped with z80lm.
pub fn locate_128_roms() -> Option<[std::path::PathBuf; 2]> {
    let pair = |a: std::path::PathBuf, b: std::path::PathBuf| {
        (a.is_file() && b.is_file()).then_some([a, b])
    };
    if let Some(d) = std::env::var_os("Z80LM_ZX128_ROMS") {
        let d = std::path::PathBuf::from(d);
        return pair(d.join("128-0.rom"), d.join("128-1.rom"));
    }
    pair(
        skoolkit_resource("128-0.rom")?,
        skoolkit_resource("128-1.rom")?,
    )
}

/// A file in the `resources` directory of the PyPI package `skoolkit`, if it is installed.
fn skoolkit_resource(name: &str) -> Option<std::path::PathBuf> {
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import skoolkit, os; print(os.path.dirname(skoolkit.__file__))",
        ])
        .output()
        .ok()?;
    let dir = String::from_utf8(out.stdout).ok()?;
    let rom = std::path::Path::new(dir.trim())
        .join("resources")
        .join(name);
    rom.is_file().then_some(rom)
}
