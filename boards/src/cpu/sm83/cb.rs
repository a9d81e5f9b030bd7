//! SM83 0xCB-prefixed opcodes: rotates/shifts/SWAP, BIT, RES, SET (Pan Docs "CPU Instruction
//! Set"). Register forms take 2 M-cycles, `bit n,(hl)` 3, the other `(hl)` forms 4
//! (read-modify-write).

use super::{Bus, Sm83, FLAG_C, FLAG_H, FLAG_Z};

impl Sm83 {
    pub(crate) fn execute_cb<B: Bus>(&mut self, bus: &mut B, op: u8) {
        let x = op >> 6;
        let y = (op >> 3) & 7;
        let z = op & 7;
        let v = self.get_r(bus, z);
        match x {
            0 => {
                let c = self.regs.flag(FLAG_C);
                let (r, out) = match y {
                    0 => (v.rotate_left(1), v & 0x80 != 0),
                    1 => (v.rotate_right(1), v & 1 != 0),
                    2 => ((v << 1) | u8::from(c), v & 0x80 != 0),
                    3 => ((v >> 1) | (u8::from(c) << 7), v & 1 != 0),
                    4 => (v << 1, v & 0x80 != 0),
                    5 => ((v >> 1) | (v & 0x80), v & 1 != 0),
                    6 => (v.rotate_left(4), false),
                    _ => (v >> 1, v & 1 != 0),
                };
                self.regs.f = if r == 0 { FLAG_Z } else { 0 } | if out { FLAG_C } else { 0 };
                self.set_r(bus, z, r);
            }
            1 => {
                self.regs.f =
                    (self.regs.f & FLAG_C) | FLAG_H | if v & (1 << y) == 0 { FLAG_Z } else { 0 };
            }
            2 => self.set_r(bus, z, v & !(1 << y)),
            _ => self.set_r(bus, z, v | (1 << y)),
        }
    }
}
