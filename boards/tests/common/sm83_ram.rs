//! A flat 64 KiB RAM bus for SM83 tests, with IE/IF at 0xFFFF/0xFF0F.

use boards::cpu::sm83::Bus;

pub struct Ram(pub Vec<u8>);

impl Bus for Ram {
    fn read(&mut self, addr: u16) -> u8 {
        self.0[addr as usize]
    }
    fn write(&mut self, addr: u16, value: u8) {
        self.0[addr as usize] = value;
    }
    fn idle(&mut self) {}
    fn pending_interrupts(&self) -> u8 {
        self.0[0xFFFF] & self.0[0xFF0F] & 0x1F
    }
    fn acknowledge_interrupt(&mut self, bit: u8) {
        self.0[0xFF0F] &= !(1 << bit);
    }
}
