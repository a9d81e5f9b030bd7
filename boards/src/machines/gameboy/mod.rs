//! An emulated DMG Game Boy: SM83 core, MBC5 cartridge, PPU, joypad, timer and link port wired
//! on one timed bus (Pan Docs "Memory Map"). Starts at 0x0100 in the post-boot-ROM state (no
//! boot ROM needed). Every M-cycle advances the devices by 4 dots, so LCD modes, LY and the VRAM
//! lock are exact against the instruction stream; locked accesses are collected as faults.
//!
//! [`GameBoy::new_cgb`] is a Game Boy Color running a cartridge whose header asks for CGB mode:
//! the CGB boot state (A = 0x11), KEY1 and the STOP speed switch (Pan Docs "CGB Registers"), in
//! double speed the PPU advancing 2 dots per M-cycle while the timer and the link port keep
//! their rate per M-cycle (they run from the CPU clock); VRAM bank 1 (VBK) and the background
//! palette RAM (BCPS/BCPD). Not emulated: WRAM banks (SVBK), HDMA, object palettes; the screen
//! is drawn with the DMG shades.

pub mod cartridge;
pub mod screen;

use crate::cpu::sm83::{Bus, Regs, Sm83, Sm83Stop};
use crate::devices::gb_serial::Serial;
use crate::devices::gb_timer::Timer;
use crate::devices::joypad::{Button, Joypad};
use crate::devices::mbc5::Mbc5;
use crate::devices::ppu::{AccessFault, Ppu};
pub use cartridge::{CartridgeError, Header};

/// T-states per second of the DMG clock.
pub const CLOCK_HZ: u64 = 4_194_304;
/// T-states per second of a CGB in double speed.
pub const DOUBLE_SPEED_HZ: u64 = 2 * CLOCK_HZ;
/// M-cycles the CPU pauses in a speed switch (Pan Docs "CGB Registers: KEY1").
pub const SPEED_SWITCH_M_CYCLES: u32 = 2050;

/// Why a save file does not fit the cartridge.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SaveError {
    #[error("the cartridge has no battery-backed RAM")]
    NoBattery,
    #[error("the save file has {got} bytes; the cartridge's RAM has {want}")]
    Size { got: usize, want: usize },
}

/// Why the machine stopped running.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GbStop {
    #[error(transparent)]
    Cpu(#[from] Sm83Stop),
    #[error("budget of {0} T-states spent")]
    Budget(u64),
}

/// Everything the CPU can address.
pub struct GbBus {
    pub cart: Mbc5,
    pub ppu: Ppu,
    pub joypad: Joypad,
    pub timer: Timer,
    pub serial: Serial,
    wram: Vec<u8>,
    hram: [u8; 0x7F],
    ie: u8,
    iflag: u8,
    /// A CGB in CGB mode.
    pub cgb: bool,
    /// KEY1 bit 7: the CPU runs at twice the clock.
    pub double_speed: bool,
    /// KEY1 bit 0: the next STOP switches speed.
    key1_armed: bool,
    /// Off (`None`) unless a test sets it: one branch per write (the instruction's PC is the
    /// PPU's `cpu_pc`).
    pub watch: Option<Box<super::WriteWatch>>,
}

impl GbBus {
    fn tick(&mut self) {
        let mut irq = self.ppu.tick(if self.double_speed { 2 } else { 4 });
        irq |= self.timer.tick(4);
        irq |= self.serial.tick(4);
        self.iflag |= irq;
    }

    fn read_io(&mut self, addr: u16) -> u8 {
        match addr {
            0xFF00 => self.joypad.read(),
            0xFF01 | 0xFF02 => self.serial.read(addr),
            0xFF04..=0xFF07 => self.timer.read(addr),
            0xFF0F => 0xE0 | self.iflag,
            0xFF40..=0xFF4B => self.ppu.read_reg(addr),
            0xFF4D if self.cgb => {
                0x7E | u8::from(self.double_speed) << 7 | u8::from(self.key1_armed)
            }
            0xFF4F | 0xFF68 | 0xFF69 if self.cgb => self.ppu.read_cgb_reg(addr),
            0xFF80..=0xFFFE => self.hram[usize::from(addr - 0xFF80)],
            0xFFFF => self.ie,
            _ => 0xFF,
        }
    }

    fn write_io(&mut self, addr: u16, v: u8) {
        match addr {
            0xFF00 => self.joypad.write(v),
            0xFF01 | 0xFF02 => self.serial.write(addr, v),
            0xFF04..=0xFF07 => self.timer.write(addr, v),
            0xFF0F => self.iflag = v & 0x1F,
            0xFF46 => self.oam_dma(v),
            0xFF40..=0xFF4B => self.ppu.write_reg(addr, v),
            0xFF4D if self.cgb => self.key1_armed = v & 1 != 0,
            0xFF4F | 0xFF68 | 0xFF69 if self.cgb => self.ppu.write_cgb_reg(addr, v),
            0xFF80..=0xFFFE => self.hram[usize::from(addr - 0xFF80)] = v,
            0xFFFF => self.ie = v,
            _ => {} // sound and unused registers
        }
    }

    /// OAM DMA copies 160 bytes from `page`·0x100 to OAM (done at once here; the 160 M-cycles the
    /// CPU must wait in HRAM are the program's business).
    fn oam_dma(&mut self, page: u8) {
        for i in 0..0xA0u16 {
            let v = self.peek(u16::from(page) << 8 | i);
            self.ppu.oam[usize::from(i)] = v;
        }
    }

    /// Reads memory without timing or access checks (debuggers, tests, DMA).
    pub fn peek(&self, addr: u16) -> u8 {
        match addr {
            0x0000..=0x3FFF => self.cart.read_0000_3fff(addr),
            0x4000..=0x7FFF => self.cart.read_4000_7fff(addr),
            0x8000..=0x9FFF => self.ppu.vram[usize::from(addr - 0x8000)],
            0xA000..=0xBFFF => self.cart.read_a000_bfff(addr),
            0xC000..=0xFDFF => self.wram[usize::from(addr & 0x1FFF)],
            0xFE00..=0xFE9F => self.ppu.oam[usize::from(addr - 0xFE00)],
            0xFF80..=0xFFFE => self.hram[usize::from(addr - 0xFF80)],
            _ => 0xFF,
        }
    }
}

impl Bus for GbBus {
    fn read(&mut self, addr: u16) -> u8 {
        let v = match addr {
            0x8000..=0x9FFF => self.ppu.read_vram(addr),
            0xFE00..=0xFE9F => self.ppu.read_oam(addr),
            0xFEA0..=0xFEFF => 0xFF,
            0xFF00..=0xFFFF => self.read_io(addr),
            _ => self.peek(addr),
        };
        self.tick();
        v
    }

    fn write(&mut self, addr: u16, v: u8) {
        if let Some(w) = &mut self.watch {
            w.write(self.ppu.cpu_pc, addr, v);
        }
        match addr {
            0x0000..=0x7FFF => self.cart.write_0000_7fff(addr, v),
            0x8000..=0x9FFF => self.ppu.write_vram(addr, v),
            0xA000..=0xBFFF => self.cart.write_a000_bfff(addr, v),
            0xC000..=0xFDFF => self.wram[usize::from(addr & 0x1FFF)] = v,
            0xFE00..=0xFE9F => self.ppu.write_oam(addr, v),
            0xFEA0..=0xFEFF => {}
            _ => self.write_io(addr, v),
        }
        self.tick();
    }

    fn idle(&mut self) {
        self.tick();
    }

    fn pending_interrupts(&self) -> u8 {
        self.ie & self.iflag & 0x1F
    }

    fn acknowledge_interrupt(&mut self, bit: u8) {
        self.iflag &= !(1 << bit);
    }

    fn speed_switch(&mut self) -> Option<u32> {
        if !(self.cgb && self.key1_armed) {
            return None;
        }
        self.key1_armed = false;
        self.double_speed = !self.double_speed;
        Some(SPEED_SWITCH_M_CYCLES)
    }
}

/// A Game Boy with a cartridge inserted.
pub struct GameBoy {
    pub cpu: Sm83,
    pub bus: GbBus,
    pub header: Header,
}

impl GameBoy {
    /// Checks the header as a DMG does (see [`cartridge::parse_bootable`]: a wrong global
    /// checksum is no reason to refuse) and powers on at 0x0100.
    pub fn new(rom: Vec<u8>) -> Result<Self, CartridgeError> {
        Self::power_on(rom, false)
    }

    /// The same cartridge in a Game Boy Color: in CGB mode when its header's CGB flag asks for
    /// it (else as a DMG, which is all this machine knows of the CGB's DMG mode).
    pub fn new_cgb(rom: Vec<u8>) -> Result<Self, CartridgeError> {
        Self::power_on(rom, true)
    }

    fn power_on(rom: Vec<u8>, color: bool) -> Result<Self, CartridgeError> {
        let header = cartridge::parse_bootable(&rom)?;
        let cgb = color && header.cgb();
        let ram = header.ram_bytes()?;
        let bus = GbBus {
            cart: Mbc5::new(rom, ram),
            ppu: Ppu::new(),
            joypad: Joypad::new(),
            timer: Timer::new(),
            serial: Serial::default(),
            wram: vec![0; 0x2000],
            hram: [0; 0x7F],
            ie: 0,
            iflag: 0x01,
            cgb,
            double_speed: false,
            key1_armed: false,
            watch: None,
        };
        Ok(GameBoy {
            cpu: Sm83::new(if cgb {
                Regs::post_boot_cgb()
            } else {
                Regs::post_boot_dmg()
            }),
            bus,
            header,
        })
    }

    /// T-states since power-on (CPU clocks: in double speed twice as many per second).
    pub fn cycles(&self) -> u64 {
        self.cpu.cycles
    }

    /// The CPU's clock now: [`CLOCK_HZ`], or [`DOUBLE_SPEED_HZ`] in double speed.
    pub fn clock_hz(&self) -> u64 {
        if self.bus.double_speed {
            DOUBLE_SPEED_HZ
        } else {
            CLOCK_HZ
        }
    }

    /// Runs one instruction (or HALT cycle, or interrupt dispatch).
    pub fn step(&mut self) -> Result<u32, GbStop> {
        self.bus.ppu.cpu_pc = self.cpu.regs.pc;
        Ok(self.cpu.step(&mut self.bus)?)
    }

    /// Runs for `t` T-states.
    pub fn run_for(&mut self, t: u64) -> Result<(), GbStop> {
        let end = self.cpu.cycles + t;
        while self.cpu.cycles < end {
            self.step()?;
        }
        Ok(())
    }

    /// Runs until `done(self)` holds, checking after every instruction; fails after `budget`
    /// T-states.
    pub fn run_until(
        &mut self,
        budget: u64,
        mut done: impl FnMut(&GameBoy) -> bool,
    ) -> Result<(), GbStop> {
        let end = self.cpu.cycles + budget;
        while !done(self) {
            if self.cpu.cycles >= end {
                return Err(GbStop::Budget(budget));
            }
            self.step()?;
        }
        Ok(())
    }

    /// Presses (`down`) or releases a joypad key.
    pub fn set_button(&mut self, b: Button, down: bool) {
        self.bus.iflag |= self.bus.joypad.set(b, down);
    }

    /// The battery-backed cartridge RAM, as emulators write it to a `.sav` file (None when the
    /// header names no battery).
    pub fn save_ram(&self) -> Option<&[u8]> {
        self.header.battery().then(|| self.bus.cart.ram())
    }

    /// Loads a save file into the cartridge RAM, as when a cartridge whose battery kept it is
    /// switched on; it must be exactly the RAM's size.
    pub fn load_save(&mut self, save: &[u8]) -> Result<(), SaveError> {
        if !self.header.battery() {
            return Err(SaveError::NoBattery);
        }
        let ram = self.bus.cart.ram_mut();
        if save.len() != ram.len() {
            return Err(SaveError::Size {
                got: save.len(),
                want: ram.len(),
            });
        }
        ram.copy_from_slice(save);
        Ok(())
    }

    /// VRAM/OAM accesses made while the PPU had them locked.
    pub fn faults(&self) -> &[AccessFault] {
        &self.bus.ppu.faults
    }

    /// Bytes sent out of the link port.
    pub fn serial_sent(&self) -> &[u8] {
        &self.bus.serial.sent
    }
}
