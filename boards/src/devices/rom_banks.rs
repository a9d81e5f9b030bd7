//! Memory decoding for the RC2014 boards: the fixed 32K ROM / 32K RAM split of the Classic, and
//! the 512K ROM + 512K RAM module's four 16K windows (page registers at 0x78-0x7B, 6 bits each,
//! bit 5 selects RAM; bit 0 of port 0x7C enables paging; at reset paging is off and window N shows
//! flash page N). Facts and sources are in `boards/data/rc2014-512k.toml`.

/// Where a CPU address lands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Rom(u32),
    Ram(u32),
}

/// The 512K module's paging registers.
#[derive(Debug, Clone, Default)]
pub struct Paging512k {
    pub regs: [u8; 4],
    pub enabled: bool,
}

impl Paging512k {
    pub const PAGE: u32 = 0x4000;

    /// Decode a CPU address.
    pub fn map(&self, addr: u16) -> Target {
        let window = (addr >> 14) as usize;
        let offset = addr as u32 & (Self::PAGE - 1);
        if !self.enabled {
            return Target::Rom(window as u32 * Self::PAGE + offset);
        }
        let page = self.regs[window] & 0x3F;
        if page & 0x20 != 0 {
            Target::Ram((page as u32 & 0x1F) * Self::PAGE + offset)
        } else {
            Target::Rom(page as u32 * Self::PAGE + offset)
        }
    }

    /// An `OUT` to `port` (low byte): page registers decode A7-A4 = 0111, A3 ignored, A1-A0 select
    /// the window; the enable latch answers when A2 is set. Returns false for other ports.
    pub fn output(&mut self, port: u8, value: u8) -> bool {
        if port & 0xF0 != 0x70 {
            return false;
        }
        if port & 0x04 == 0 {
            self.regs[(port & 3) as usize] = value & 0x3F;
        } else {
            self.enabled = value & 1 != 0;
        }
        true
    }

    pub fn reset(&mut self) {
        *self = Self::default();
    }
}

/// The Classic's fixed map: ROM below 0x8000, RAM above.
pub fn classic_map(addr: u16) -> Target {
    if addr < 0x8000 {
        Target::Rom(addr as u32)
    } else {
        Target::Ram(addr as u32 - 0x8000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reset_shows_the_first_64k_of_flash() {
        let p = Paging512k::default();
        assert_eq!(p.map(0x0000), Target::Rom(0));
        assert_eq!(p.map(0xC123), Target::Rom(0xC123));
    }

    #[test]
    fn pages_and_ram_select() {
        let mut p = Paging512k::default();
        assert!(p.output(0x79, 31));
        assert!(p.output(0x7B, 0x3F));
        assert!(p.output(0x7C, 1));
        assert!(!p.output(0x80, 1));
        assert_eq!(p.map(0x4001), Target::Rom(31 * 0x4000 + 1));
        assert_eq!(p.map(0xFFFF), Target::Ram(31 * 0x4000 + 0x3FFF));
        assert_eq!(p.map(0x0000), Target::Rom(0));
    }
}
