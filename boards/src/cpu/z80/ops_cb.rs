//! CB-prefixed Z80 opcodes (rotates, shifts, BIT/RES/SET) and their DDCB/FDCB
//! indexed forms.
//!
//! T-states (UM0080): register forms 8; `BIT n,(HL)` 12; other `(HL)` forms
//! 15; `BIT n,(IX+d)` 20; other `(IX+d)` forms 23. Undocumented (Young §3.5):
//! a DDCB/FDCB opcode whose register field is not 6 also copies the result
//! into that register; `SLL` (CB 30..37) shifts a 1 into bit 0. `BIT` takes
//! X/Y from the register (register form), from WZ's high byte (`(HL)` form)
//! or from the high byte of IX+d (indexed form).

use super::{Bus, Z80};

impl Z80 {
    /// Execute CB-prefixed opcode `op` (prefix and opcode already fetched).
    #[inline(always)]
    pub(super) fn exec_cb<B: Bus>(&mut self, bus: &mut B, op: u8) -> u32 {
        let reg = op & 7;
        let n = (op >> 3) & 7;
        if reg == 6 {
            let hl = self.hl();
            let v = self.rd(bus, hl);
            self.idle(bus, hl, 1);
            match op >> 6 {
                0 => {
                    let r = self.rot(n, v);
                    self.wr(bus, hl, r);
                    15
                }
                1 => {
                    let xy = (self.wz >> 8) as u8;
                    self.bit(n, v, xy);
                    12
                }
                2 => {
                    self.wr(bus, hl, v & !(1 << n));
                    15
                }
                _ => {
                    self.wr(bus, hl, v | (1 << n));
                    15
                }
            }
        } else {
            let v = self.reg8(reg);
            match op >> 6 {
                0 => {
                    let r = self.rot(n, v);
                    self.set_reg8(reg, r);
                }
                1 => self.bit(n, v, v),
                2 => self.set_reg8(reg, v & !(1 << n)),
                _ => self.set_reg8(reg, v | (1 << n)),
            }
            8
        }
    }

    /// Execute a DDCB/FDCB opcode: `addr` is IX+d or IY+d; the displacement
    /// and the opcode byte have been read (they are not M1 cycles, so R
    /// counts only the two prefixes).
    pub(super) fn exec_index_cb<B: Bus>(&mut self, bus: &mut B, addr: u16, op: u8) -> u32 {
        let reg = op & 7;
        let n = (op >> 3) & 7;
        self.wz = addr;
        let v = self.rd(bus, addr);
        self.idle(bus, addr, 1);
        let r = match op >> 6 {
            0 => self.rot(n, v),
            1 => {
                self.bit(n, v, (addr >> 8) as u8);
                return 20;
            }
            2 => v & !(1 << n),
            _ => v | (1 << n),
        };
        self.wr(bus, addr, r);
        if reg != 6 {
            self.set_reg8(reg, r);
        }
        23
    }
}
