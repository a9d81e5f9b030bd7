//! MBC5 cartridge controller (Pan Docs "MBC5"): up to 8 MiB ROM in 16 KiB banks and 128 KiB RAM
//! in 8 KiB banks.
//!
//! Writes to ROM space are controller registers: 0x0000–0x1FFF RAM enable (0x0A in the low
//! nibble enables), 0x2000–0x2FFF the low 8 bits of the ROM bank, 0x3000–0x3FFF bit 8,
//! 0x4000–0x5FFF the RAM bank (0–15). Unlike MBC1, bank 0 can be mapped at 0x4000.
//! A bank number beyond the ROM wraps modulo the bank count, as the address lines do.

pub struct Mbc5 {
    rom: Vec<u8>,
    ram: Vec<u8>,
    rom_bank: u16,
    ram_bank: u8,
    ram_enabled: bool,
    /// Number of writes to the ROM bank registers (for statistics).
    pub bank_switches: u64,
}

impl Mbc5 {
    /// `rom` must be a non-empty multiple of 16 KiB (the machine checks the header first).
    pub fn new(rom: Vec<u8>, ram_size: usize) -> Self {
        Mbc5 {
            rom,
            ram: vec![0; ram_size],
            rom_bank: 1,
            ram_bank: 0,
            ram_enabled: false,
            bank_switches: 0,
        }
    }

    fn banks(&self) -> usize {
        (self.rom.len() / 0x4000).max(1)
    }

    /// The cartridge RAM (what a battery keeps, and what emulators save as a `.sav` file).
    pub fn ram(&self) -> &[u8] {
        &self.ram
    }

    /// Mutable cartridge RAM (loading a save file).
    pub fn ram_mut(&mut self) -> &mut [u8] {
        &mut self.ram
    }

    /// The ROM bank mapped at 0x4000–0x7FFF.
    pub fn rom_bank(&self) -> u16 {
        self.rom_bank
    }

    pub fn read_0000_3fff(&self, addr: u16) -> u8 {
        self.rom.get(usize::from(addr)).copied().unwrap_or(0xFF)
    }

    pub fn read_4000_7fff(&self, addr: u16) -> u8 {
        let bank = usize::from(self.rom_bank) % self.banks();
        self.rom
            .get(bank * 0x4000 + usize::from(addr - 0x4000))
            .copied()
            .unwrap_or(0xFF)
    }

    pub fn write_0000_7fff(&mut self, addr: u16, v: u8) {
        match addr {
            0x0000..=0x1FFF => self.ram_enabled = v & 0x0F == 0x0A,
            0x2000..=0x2FFF => {
                self.rom_bank = (self.rom_bank & 0x100) | u16::from(v);
                self.bank_switches += 1;
            }
            0x3000..=0x3FFF => {
                self.rom_bank = (self.rom_bank & 0xFF) | (u16::from(v & 1) << 8);
                self.bank_switches += 1;
            }
            0x4000..=0x5FFF => self.ram_bank = v & 0x0F,
            _ => {}
        }
    }

    fn ram_index(&self, addr: u16) -> Option<usize> {
        if !self.ram_enabled || self.ram.is_empty() {
            return None;
        }
        Some((usize::from(self.ram_bank) * 0x2000 + usize::from(addr - 0xA000)) % self.ram.len())
    }

    pub fn read_a000_bfff(&self, addr: u16) -> u8 {
        self.ram_index(addr).map_or(0xFF, |i| self.ram[i])
    }

    pub fn write_a000_bfff(&mut self, addr: u16, v: u8) {
        if let Some(i) = self.ram_index(addr) {
            self.ram[i] = v;
        }
    }
}
