//! MSX megaROM mappers (cartridge slot, 4000h-BFFFh): ASCII8, four 8K windows at 4000h, 6000h,
//! 8000h and A000h whose banks are written at 6000h, 6800h, 7000h and 7800h; ASCII16, two 16K
//! windows at 4000h and 8000h written at 6000h and 7000h (each register answers in its 2K
//! block). Bank numbers wrap at the ROM's size. All banks are 0 at power-on, as openMSX has
//! them.

/// Which mapper.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapperKind {
    Ascii8,
    Ascii16,
}

/// A megaROM cartridge.
pub struct MegaRom {
    pub kind: MapperKind,
    rom: Vec<u8>,
    /// Bank of each 8K window (ASCII16: window pairs hold bank*2 and bank*2+1).
    banks: [usize; 4],
    /// Writes to the bank registers so far (for tests and benchmarks).
    pub switches: u64,
}

impl MegaRom {
    /// The cartridge with `rom` (padded with FFh to whole banks).
    pub fn new(kind: MapperKind, mut rom: Vec<u8>) -> MegaRom {
        let bank = match kind {
            MapperKind::Ascii8 => 0x2000,
            MapperKind::Ascii16 => 0x4000,
        };
        let len = rom.len().div_ceil(bank).max(1) * bank;
        rom.resize(len, 0xFF);
        let mut m = MegaRom {
            kind,
            rom,
            banks: [0; 4],
            switches: 0,
        };
        m.set(0, 0);
        m.set(2, 0);
        m
    }

    fn set(&mut self, window: usize, bank: u8) {
        let n8 = self.rom.len() / 0x2000;
        match self.kind {
            MapperKind::Ascii8 => self.banks[window] = usize::from(bank) % n8,
            MapperKind::Ascii16 => {
                let b = usize::from(bank) % (n8 / 2);
                self.banks[window] = 2 * b;
                self.banks[window + 1] = 2 * b + 1;
            }
        }
    }

    /// A read in 4000h-BFFFh (FFh elsewhere).
    #[inline]
    pub fn read(&self, addr: u16) -> u8 {
        if !(0x4000..0xC000).contains(&addr) {
            return 0xFF;
        }
        let w = usize::from(addr - 0x4000) >> 13;
        self.rom[self.banks[w] * 0x2000 + usize::from(addr & 0x1FFF)]
    }

    /// A write: 6000h-7FFFh selects banks; anything else is ignored (ROM).
    pub fn write(&mut self, addr: u16, v: u8) {
        if !(0x6000..0x8000).contains(&addr) {
            return;
        }
        match self.kind {
            MapperKind::Ascii8 => self.set(usize::from(addr - 0x6000) >> 11, v),
            MapperKind::Ascii16 => match addr & 0xF800 {
                0x6000 => self.set(0, v),
                0x7000 => self.set(2, v),
                _ => return,
            },
        }
        self.switches += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rom(banks: usize) -> Vec<u8> {
        (0..banks * 0x2000).map(|i| (i / 0x2000) as u8).collect()
    }

    #[test]
    fn ascii8_switches_each_window() {
        let mut m = MegaRom::new(MapperKind::Ascii8, rom(16));
        assert_eq!(m.read(0x4000), 0);
        m.write(0x6800, 3);
        m.write(0x7000, 4);
        m.write(0x7FFF, 5);
        assert_eq!(
            [
                m.read(0x4000),
                m.read(0x6000),
                m.read(0x9FFF),
                m.read(0xA000)
            ],
            [0, 3, 4, 5]
        );
        m.write(0x7800, 17); // wraps at 16 banks
        assert_eq!(m.read(0xBFFF), 1);
        assert_eq!(m.read(0xC000), 0xFF);
    }

    #[test]
    fn ascii16_switches_16k_windows() {
        let mut m = MegaRom::new(MapperKind::Ascii16, rom(8));
        m.write(0x7000, 2);
        assert_eq!([m.read(0x8000), m.read(0xA000)], [4, 5]);
        m.write(0x6800, 3); // not a register in ASCII16
        assert_eq!(m.read(0x6000), 1);
    }
}
