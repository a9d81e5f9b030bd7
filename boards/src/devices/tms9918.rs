//! TI TMS9918A/TMS9929A video display processor, as the MSX1 uses it (ports 98h data, 99h
//! control; TI "TMS9918A/TMS9928A/TMS9929A Video Display Processors" data manual, section 2):
//! 16K of VRAM behind an auto-incrementing address, eight write-only registers, the status
//! register with the frame flag, and the interrupt output. The picture itself is not drawn;
//! [`Vdp::screen_text`] reads the name table back as text in the text and graphic 1 modes.

/// The VDP's state.
pub struct Vdp {
    pub vram: Box<[u8; 0x4000]>,
    pub regs: [u8; 8],
    /// Status: F (bit 7, frame flag), 5S, C, fifth-sprite number.
    pub status: u8,
    addr: u16,
    /// The read-ahead buffer.
    buffer: u8,
    /// First byte of a two-byte control write, when one is pending.
    latch: Option<u8>,
}

impl Default for Vdp {
    fn default() -> Self {
        Vdp {
            vram: Box::new([0; 0x4000]),
            regs: [0; 8],
            status: 0,
            addr: 0,
            buffer: 0,
            latch: None,
        }
    }
}

impl Vdp {
    /// A byte written to port 98h: into VRAM at the address, which moves on.
    pub fn write_data(&mut self, v: u8) {
        self.latch = None;
        self.vram[usize::from(self.addr)] = v;
        self.buffer = v;
        self.addr = (self.addr + 1) & 0x3FFF;
    }

    /// A read of port 98h: the read-ahead buffer, refilled from the next address.
    pub fn read_data(&mut self) -> u8 {
        self.latch = None;
        let v = self.buffer;
        self.buffer = self.vram[usize::from(self.addr)];
        self.addr = (self.addr + 1) & 0x3FFF;
        v
    }

    /// A byte written to port 99h: the first of two is kept; the second says what they are
    /// (10rrrrrr... register write, 01: VRAM write address, 00: VRAM read address).
    pub fn write_control(&mut self, v: u8) {
        match self.latch.take() {
            None => self.latch = Some(v),
            Some(lo) if v & 0x80 != 0 => self.regs[usize::from(v & 7)] = lo,
            Some(lo) => {
                self.addr = u16::from(lo) | u16::from(v & 0x3F) << 8;
                if v & 0x40 == 0 {
                    self.buffer = self.vram[usize::from(self.addr)];
                    self.addr = (self.addr + 1) & 0x3FFF;
                }
            }
        }
    }

    /// A read of port 99h: the status, whose frame flag (and so the interrupt) it clears.
    pub fn read_status(&mut self) -> u8 {
        self.latch = None;
        let s = self.status;
        self.status &= 0x1F;
        s
    }

    /// The start of the vertical blanking: the frame flag is set.
    pub fn frame(&mut self) {
        self.status |= 0x80;
    }

    /// The interrupt output: the frame flag with interrupts enabled (register 1 bit 5).
    pub fn int_line(&self) -> bool {
        self.status & 0x80 != 0 && self.regs[1] & 0x20 != 0
    }

    /// Text mode (M1, register 1 bit 4): 40 columns.
    pub fn text_mode(&self) -> bool {
        self.regs[1] & 0x10 != 0
    }

    /// The name table as 24 lines of text: 40 columns in text mode, 32 in the graphic
    /// modes, each byte 20h-7Eh as that ASCII character (the BIOS fonts put them there) and
    /// any other byte (the cursor, graphics) as a space. Trailing spaces are kept.
    pub fn screen_text(&self) -> Vec<String> {
        let cols = if self.text_mode() { 40 } else { 32 };
        let base = usize::from(self.regs[2] & 0x0F) * 0x400;
        (0..24)
            .map(|row| {
                (0..cols)
                    .map(|c| {
                        let b = self.vram[(base + row * cols + c) & 0x3FFF];
                        if (0x20..0x7F).contains(&b) {
                            char::from(b)
                        } else {
                            ' '
                        }
                    })
                    .collect()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_registers_status_and_readback() {
        let mut v = Vdp::default();
        // Register 1 := F0h (text mode, interrupts on), register 2 := 0 (names at 0).
        for b in [0xF0, 0x81, 0x00, 0x82] {
            v.write_control(b);
        }
        assert!(v.text_mode());
        // Write "hi" at 0000h, read it back through the read-ahead buffer.
        v.write_control(0x00);
        v.write_control(0x40);
        v.write_data(b'h');
        v.write_data(b'i');
        v.write_control(0x00);
        v.write_control(0x00);
        assert_eq!((v.read_data(), v.read_data()), (b'h', b'i'));
        assert!(v.screen_text()[0].starts_with("hi "));
        assert!(!v.int_line());
        v.frame();
        assert!(v.int_line());
        assert_eq!(v.read_status() & 0x80, 0x80);
        assert!(!v.int_line());
    }
}
