//! Emulated MSX1: a Z80 at 3.579545 MHz with the MSX's extra wait state in every M1 (opcode
//! fetch) cycle, four primary slots with slot 3 expanded (port A8h, the subslot register at
//! FFFFh), the cartridge's ASCII8/ASCII16 mapper, the 8255 PPI with the keyboard matrix (ports
//! A9h/AAh), a TMS9918A/TMS9929A VDP (ports 98h/99h; its text read back, its frame interrupt at
//! 50 or 60 Hz), and an AY-3-8910 register file (ports A0h-A2h, sound not made).
//!
//! The BIOS is the caller's (C-BIOS, see [`locate_cbios`]; never shipped with z80lm): the
//! main ROM (32K) in slot 0 at 0000h, the logo ROM (16K) at 8000h of slot 0 when given, as in
//! openMSX's `C-BIOS_MSX1` machine. The cartridge is slot 1, slot 2 is empty, and slot 3 is
//! expanded with the RAM in subslot 3-0 (16K at C000h, 32K from 8000h or 64K), so the BIOS's
//! slot search goes through the subslot register as on most MSX machines.
//!
//! Sources: "MSX Technical Data Book" (slots, PPI, keyboard matrix of the international
//! layout), the TMS9918A data manual, openMSX's machine and mapper descriptions for C-BIOS.

use std::path::PathBuf;

use crate::cpu::z80::{Bus, Z80};
use crate::devices::msx_mapper::MegaRom;
use crate::devices::tms9918::Vdp;

/// The CPU clock (NTSC colour burst).
pub const CLOCK_HZ: u64 = 3_579_545;
/// T-states per frame: 228 per line, 313 lines at 50 Hz (TMS9929A), 262 at 60 Hz (TMS9918A).
pub const FRAME_T_50: u64 = 228 * 313;
pub const FRAME_T_60: u64 = 228 * 262;
/// BIOS system variables: the key buffer's put pointer and get pointer (Technical Data Book).
pub const PUTPNT: u16 = 0xF3F8;
pub const GETPNT: u16 = 0xF3FA;
/// BIOS entries the sessions watch.
pub const CHGET: u16 = 0x009F;
pub const CHPUT: u16 = 0x00A2;

/// Why a machine could not be made.
#[derive(Debug, thiserror::Error)]
pub enum MsxError {
    #[error("the MSX main ROM must be 32768 bytes, got {0}")]
    BiosSize(usize),
    #[error("the logo ROM must be 16384 bytes, got {0}")]
    LogoSize(usize),
    #[error("RAM must be 16, 32 or 64 KB, not {0}")]
    Ram(u32),
}

/// The machine's make-up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MsxConfig {
    /// 16, 32 or 64 (KB): the top of the address space in slot 3-0.
    pub ram_kb: u32,
    /// 50 (TMS9929A) or 60 (TMS9918A) frames a second.
    pub hz: u32,
}

impl Default for MsxConfig {
    /// As openMSX's `C-BIOS_MSX1`: 64K, 50 Hz.
    fn default() -> Self {
        MsxConfig { ram_kb: 64, hz: 50 }
    }
}

/// What a page of the address space reads from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Src {
    Bios,
    Logo,
    Cart,
    Ram,
    Empty,
}

/// A key of the international matrix: row (0-10) and bit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key {
    pub row: u8,
    pub bit: u8,
}

impl Key {
    pub const SHIFT: Key = Key { row: 6, bit: 0 };
    pub const CTRL: Key = Key { row: 6, bit: 1 };
    pub const BS: Key = Key { row: 7, bit: 5 };
    pub const RETURN: Key = Key { row: 7, bit: 7 };
    pub const SPACE: Key = Key { row: 8, bit: 0 };

    /// The key (and whether SHIFT goes with it) that types `c` on the international
    /// keyboard; None when no key does.
    pub fn for_char(c: char) -> Option<(bool, Key)> {
        const ROWS: [&[u8; 8]; 3] = [b"01234567", b"89-=\\[];", b"'`,./\0ab"];
        const SHIFTED: [&[u8; 8]; 3] = [b")!@#$%^&", b"*(_+|{}:", b"\"~<>?\0\0\0"];
        let k = |row: usize, bit: usize| Key {
            row: row as u8,
            bit: bit as u8,
        };
        match c {
            '\r' | '\n' => return Some((false, Key::RETURN)),
            ' ' => return Some((false, Key::SPACE)),
            '\u{8}' => return Some((false, Key::BS)),
            'a'..='z' | 'A'..='Z' => {
                let i = (c.to_ascii_lowercase() as u8 - b'a') as usize + 6;
                return Some((c.is_ascii_uppercase(), k(2 + i / 8, i % 8)));
            }
            '\0' => return None,
            _ => {}
        }
        let b = u8::try_from(c).ok()?;
        for (table, shift) in [(ROWS, false), (SHIFTED, true)] {
            for (row, keys) in table.iter().enumerate() {
                if let Some(bit) = keys.iter().position(|&x| x == b) {
                    return Some((shift, k(row, bit)));
                }
            }
        }
        None
    }
}

/// Memory, slots and I/O devices: what the CPU is wired to.
pub struct MsxBus {
    bios: Vec<u8>,
    logo: Option<Vec<u8>>,
    pub cart: Option<MegaRom>,
    ram: Box<[u8; 0x1_0000]>,
    ram_kb: u32,
    /// Primary slot register (PPI port A): 2 bits per page.
    pub primary: u8,
    /// Subslot register of the expanded slot 3.
    pub sub3: u8,
    map: [Src; 4],
    pub vdp: Vdp,
    /// Keyboard matrix rows, a 0 bit for each key held.
    pub keys: [u8; 11],
    /// PPI port C: keyboard row (bits 0-3), cassette and click bits.
    ppi_c: u8,
    psg_addr: u8,
    psg: [u8; 16],
    /// PC of the current instruction (kept for [`MsxBus::watch`]).
    pc: u16,
    /// Off (`None`) unless a test sets it: one branch per write.
    pub watch: Option<Box<super::WriteWatch>>,
}

impl MsxBus {
    fn remap(&mut self) {
        for p in 0..4 {
            let ps = self.primary >> (2 * p) & 3;
            self.map[p] = match ps {
                0 if p < 2 => Src::Bios,
                0 if p == 2 && self.logo.is_some() => Src::Logo,
                1 if (1..3).contains(&p) && self.cart.is_some() => Src::Cart,
                3 if self.sub3 >> (2 * p) & 3 == 0 && p as u32 >= 4 - self.ram_kb / 16 => Src::Ram,
                _ => Src::Empty,
            };
        }
    }

    fn subslot_register(&self, addr: u16) -> bool {
        addr == 0xFFFF && self.primary >> 6 == 3
    }
}

impl Bus for MsxBus {
    const WAITS: bool = true;

    #[inline]
    fn wait(&mut self, _addr: u16, _t: u64) -> u32 {
        0
    }

    #[inline]
    fn wait_m1(&mut self, _addr: u16, _t: u64) -> u32 {
        1
    }

    #[inline]
    fn wait_internal(&mut self, _addr: u16, _t: u64, _n: u32) -> u32 {
        0
    }

    #[inline]
    fn read(&mut self, addr: u16) -> u8 {
        match self.map[usize::from(addr >> 14)] {
            Src::Ram if self.subslot_register(addr) => !self.sub3,
            Src::Ram => self.ram[usize::from(addr)],
            Src::Bios => self.bios[usize::from(addr)],
            Src::Logo => self
                .logo
                .as_ref()
                .map_or(0xFF, |l| l[usize::from(addr & 0x3FFF)]),
            Src::Cart => self.cart.as_ref().map_or(0xFF, |c| c.read(addr)),
            Src::Empty if self.subslot_register(addr) => !self.sub3,
            Src::Empty => 0xFF,
        }
    }

    #[inline]
    fn write(&mut self, addr: u16, value: u8) {
        if let Some(w) = &mut self.watch {
            w.write(self.pc, addr, value);
        }
        if self.subslot_register(addr) {
            self.sub3 = value;
            self.remap();
            return;
        }
        match self.map[usize::from(addr >> 14)] {
            Src::Ram => self.ram[usize::from(addr)] = value,
            Src::Cart => {
                if let Some(c) = self.cart.as_mut() {
                    c.write(addr, value);
                }
            }
            _ => {}
        }
    }

    fn input(&mut self, port: u16) -> u8 {
        match port & 0xFF {
            0x98 => self.vdp.read_data(),
            0x99 => self.vdp.read_status(),
            0xA2 => match self.psg_addr {
                14 => 0x3F, // joystick port: nothing pressed; bit 6: international layout
                r => self.psg[usize::from(r & 15)],
            },
            0xA8 => self.primary,
            0xA9 => self
                .keys
                .get(usize::from(self.ppi_c & 0x0F))
                .copied()
                .unwrap_or(0xFF),
            0xAA => self.ppi_c,
            _ => 0xFF,
        }
    }

    fn output(&mut self, port: u16, value: u8) {
        match port & 0xFF {
            0x98 => self.vdp.write_data(value),
            0x99 => self.vdp.write_control(value),
            0xA0 => self.psg_addr = value & 15,
            0xA1 => self.psg[usize::from(self.psg_addr)] = value,
            0xA8 => {
                self.primary = value;
                self.remap();
            }
            0xAA => self.ppi_c = value,
            0xAB if value & 0x80 == 0 => {
                let bit = 1 << (value >> 1 & 7);
                if value & 1 == 1 {
                    self.ppi_c |= bit;
                } else {
                    self.ppi_c &= !bit;
                }
            }
            _ => {}
        }
    }
}

/// An MSX1.
pub struct Msx {
    pub cpu: Z80,
    pub bus: MsxBus,
    frame_t: u64,
    next_frame: u64,
    /// Frames begun and interrupts accepted since power-on.
    pub frames: u64,
    pub interrupts: u64,
    watch: Vec<u16>,
    /// (address, A, T-state) each time the PC reached a watched address.
    watch_log: Vec<(u16, u8, u64)>,
}

impl Msx {
    /// Power on with the main ROM `bios` (32K), an optional logo ROM (16K), a cartridge (or
    /// none) and cleared RAM.
    pub fn new(
        bios: &[u8],
        logo: Option<&[u8]>,
        cart: Option<MegaRom>,
        cfg: MsxConfig,
    ) -> Result<Msx, MsxError> {
        if bios.len() != 0x8000 {
            return Err(MsxError::BiosSize(bios.len()));
        }
        if let Some(l) = logo {
            if l.len() != 0x4000 {
                return Err(MsxError::LogoSize(l.len()));
            }
        }
        if ![16, 32, 64].contains(&cfg.ram_kb) {
            return Err(MsxError::Ram(cfg.ram_kb));
        }
        let frame_t = if cfg.hz == 60 { FRAME_T_60 } else { FRAME_T_50 };
        let mut bus = MsxBus {
            bios: bios.to_vec(),
            logo: logo.map(<[u8]>::to_vec),
            cart,
            ram: Box::new([0; 0x1_0000]),
            ram_kb: cfg.ram_kb,
            primary: 0,
            sub3: 0,
            map: [Src::Empty; 4],
            vdp: Vdp::default(),
            keys: [0xFF; 11],
            ppi_c: 0,
            psg_addr: 0,
            psg: [0; 16],
            pc: 0,
            watch: None,
        };
        bus.remap();
        Ok(Msx {
            cpu: Z80::new(),
            bus,
            frame_t,
            next_frame: frame_t,
            frames: 0,
            interrupts: 0,
            watch: Vec::new(),
            watch_log: Vec::new(),
        })
    }

    /// Log (A, T-state) each time the PC reaches `addr` (e.g. [`CHPUT`]).
    pub fn watch(&mut self, addr: u16) {
        self.watch.push(addr);
    }

    /// Take what [`Msx::watch`] logged so far.
    pub fn take_watch_log(&mut self) -> Vec<(u16, u8, u64)> {
        std::mem::take(&mut self.watch_log)
    }

    /// A byte as the CPU sees it now (slots as selected).
    pub fn peek(&mut self, addr: u16) -> u8 {
        self.bus.read(addr)
    }

    /// A word of the RAM in page 3 (where the BIOS keeps its variables).
    pub fn ram_word(&self, addr: u16) -> u16 {
        let a = usize::from(addr);
        u16::from_le_bytes([self.bus.ram[a], self.bus.ram[(a + 1) & 0xFFFF]])
    }

    /// Execute one instruction, then start a frame and take the VDP interrupt when due.
    /// The interrupt acknowledge is an M1 cycle too: one wait state.
    pub fn step(&mut self) -> u32 {
        if !self.watch.is_empty() && self.watch.contains(&self.cpu.pc) {
            self.watch_log
                .push((self.cpu.pc, self.cpu.a, self.cpu.cycles));
        }
        self.bus.pc = self.cpu.pc;
        let mut t = self.cpu.step(&mut self.bus);
        if self.cpu.cycles >= self.next_frame {
            self.next_frame += self.frame_t;
            self.frames += 1;
            self.bus.vdp.frame();
        }
        if self.bus.vdp.int_line() {
            let i = self.cpu.interrupt(&mut self.bus, 0xFF);
            if i > 0 {
                self.cpu.cycles += 1;
                t += i + 1;
                self.interrupts += 1;
            }
        }
        t
    }

    /// Run for at least `t_states` T-states.
    pub fn run_for(&mut self, t_states: u64) {
        let until = self.cpu.cycles + t_states;
        while self.cpu.cycles < until {
            self.step();
        }
    }

    /// Run until `n` more frames have begun.
    pub fn run_frames(&mut self, n: u64) {
        let until = self.frames + n;
        while self.frames < until {
            self.step();
        }
    }

    /// Run until `stop` says so or `limit` T-states have passed; true when it stopped.
    pub fn run_until(&mut self, limit: u64, mut stop: impl FnMut(&Msx) -> bool) -> bool {
        let until = self.cpu.cycles + limit;
        while self.cpu.cycles < until {
            if stop(self) {
                return true;
            }
            self.step();
        }
        stop(self)
    }

    pub fn press(&mut self, k: Key) {
        self.bus.keys[usize::from(k.row)] &= !(1 << k.bit);
    }

    pub fn release_all(&mut self) {
        self.bus.keys = [0xFF; 11];
    }

    /// Type one key (with SHIFT): held until the BIOS has put a byte in its key buffer (or
    /// `limit` T-states pass: false), then released until two more interrupts have run, so
    /// the BIOS's scan sees it up before the next key.
    pub fn type_key(&mut self, shift: bool, k: Key, limit: u64) -> bool {
        let put = self.ram_word(PUTPNT);
        if shift {
            self.press(Key::SHIFT);
        }
        self.press(k);
        let seen = self.run_until(limit, |m| m.ram_word(PUTPNT) != put);
        self.release_all();
        let ints = self.interrupts + 2;
        self.run_until(limit, |m| m.interrupts >= ints);
        seen
    }

    /// Type `text` key by key ([`Msx::type_key`]); the first character that has no key, or
    /// that the BIOS did not take within `limit` T-states, is the error.
    pub fn type_text(&mut self, text: &str, limit: u64) -> Result<(), char> {
        for c in text.chars() {
            let (shift, k) = Key::for_char(c).ok_or(c)?;
            if !self.type_key(shift, k, limit) {
                return Err(c);
            }
        }
        Ok(())
    }

    /// The screen as 24 lines of text (see [`Vdp::screen_text`]).
    pub fn screen_text(&self) -> Vec<String> {
        self.bus.vdp.screen_text()
    }

    /// Whether the program has just called the BIOS's CHGET with no key in the buffer: it
    /// waits for one.
    pub fn calls_chget_idle(&self) -> bool {
        self.cpu.pc == CHGET && self.ram_word(PUTPNT) == self.ram_word(GETPNT)
    }
}

/// The C-BIOS ROMs of `C-BIOS_MSX1`: the main ROM and the logo ROM, from `$Z80LM_CBIOS_DIR`
/// or the Debian package `cbios` (`/usr/share/cbios`). C-BIOS is free to redistribute, but
/// z80lm takes it from the package at run time.
pub fn locate_cbios() -> Option<(PathBuf, PathBuf)> {
    let dirs: Vec<PathBuf> = std::env::var_os("Z80LM_CBIOS_DIR")
        .map(PathBuf::from)
        .into_iter()
        .chain([PathBuf::from("/usr/share/cbios")])
        .collect();
    dirs.into_iter().find_map(|d| {
        let main = d.join("cbios_main_msx1.rom");
        let logo = d.join("cbios_logo_msx1.rom");
        (main.is_file() && logo.is_file()).then_some((main, logo))
    })
}
