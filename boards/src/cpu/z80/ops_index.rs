//! DD/FD-prefixed Z80 opcodes: HL replaced by IX/IY, H/L by the undocumented
//! halves IXH/IXL (IYH/IYL), and (HL) by (IX+d).
//!
//! Per Young §3.7, a DD/FD prefix in front of an opcode that does not use
//! H, L or HL is an extra 4-T-state fetch (R counts it) and the opcode runs
//! as usual; a prefix followed by another DD/FD/ED prefix is likewise just
//! 4 T-states. `LD H,(IX+d)` and `LD (IX+d),L` use the real H and L.
//!
//! T-states (UM0080 and Young): LD IX,nn 14; LD (nn),IX / LD IX,(nn) 20;
//! INC/DEC IX 10; ADD IX,rr 15; INC/DEC/LD r,n on IXH/IXL 8/8/11; other
//! IXH/IXL register forms 8; LD r,(IX+d) / LD (IX+d),r / ALU (IX+d) /
//! LD (IX+d),n 19; INC/DEC (IX+d) 23; PUSH IX 15; POP IX 14; EX (SP),IX 23;
//! JP (IX) 8; LD SP,IX 10; DDCB forms see `ops_cb`.

use super::{Bus, Z80};

impl Z80 {
    /// Handle a DD (`is_ix`) or FD prefix that has just been fetched.
    pub(super) fn exec_index_prefix<B: Bus>(&mut self, bus: &mut B, is_ix: bool) -> u32 {
        let op = self.fetch_op(bus);
        let mut x = if is_ix { self.ix } else { self.iy };
        let t = match op {
            0xdd => return 4 + self.exec_index_prefix(bus, true),
            0xfd => return 4 + self.exec_index_prefix(bus, false),
            0xed => return 4 + self.exec_main(bus, op),
            0xcb => {
                let addr = self.index_addr(bus, x);
                let op2 = self.fetch8(bus);
                self.idle(bus, self.pc.wrapping_sub(1), 2);
                return self.exec_index_cb(bus, addr, op2);
            }
            0x09 | 0x19 | 0x29 | 0x39 => {
                self.idle_ir(bus, 7);
                let v = match op >> 4 {
                    0 => self.bc(),
                    1 => self.de(),
                    2 => x,
                    _ => self.sp,
                };
                x = self.add16(x, v);
                15
            }
            0x21 => {
                x = self.fetch16(bus);
                14
            }
            0x22 => {
                let addr = self.fetch16(bus);
                self.write16(bus, addr, x);
                self.wz = addr.wrapping_add(1);
                20
            }
            0x2a => {
                let addr = self.fetch16(bus);
                x = self.read16(bus, addr);
                self.wz = addr.wrapping_add(1);
                20
            }
            0x23 => {
                self.idle_ir(bus, 2);
                x = x.wrapping_add(1);
                10
            }
            0x2b => {
                self.idle_ir(bus, 2);
                x = x.wrapping_sub(1);
                10
            }
            0x24 | 0x2c => {
                let r = (op >> 3) & 7;
                let v = self.inc8(xreg(x, r, self));
                set_xreg(&mut x, r, v, self);
                8
            }
            0x25 | 0x2d => {
                let r = (op >> 3) & 7;
                let v = self.dec8(xreg(x, r, self));
                set_xreg(&mut x, r, v, self);
                8
            }
            0x26 | 0x2e => {
                let v = self.fetch8(bus);
                set_xreg(&mut x, (op >> 3) & 7, v, self);
                11
            }
            0x34 => {
                let addr = self.index_addr_idle(bus, x);
                let v = self.rd(bus, addr);
                self.idle(bus, addr, 1);
                let r = self.inc8(v);
                self.wr(bus, addr, r);
                23
            }
            0x35 => {
                let addr = self.index_addr_idle(bus, x);
                let v = self.rd(bus, addr);
                self.idle(bus, addr, 1);
                let r = self.dec8(v);
                self.wr(bus, addr, r);
                23
            }
            0x36 => {
                let addr = self.index_addr(bus, x);
                let v = self.fetch8(bus);
                self.idle(bus, self.pc.wrapping_sub(1), 2);
                self.wr(bus, addr, v);
                19
            }
            0x46 | 0x4e | 0x56 | 0x5e | 0x66 | 0x6e | 0x7e => {
                let addr = self.index_addr_idle(bus, x);
                let v = self.rd(bus, addr);
                self.set_reg8((op >> 3) & 7, v);
                19
            }
            0x70..=0x75 | 0x77 => {
                let addr = self.index_addr_idle(bus, x);
                self.wr(bus, addr, self.reg8(op & 7));
                19
            }
            0x44 | 0x45 | 0x4c | 0x4d | 0x54 | 0x55 | 0x5c | 0x5d | 0x7c | 0x7d | 0x60..=0x6f => {
                // LD r,r' where H/L stand for IXH/IXL (0x66/0x6e/0x76 handled above).
                let v = xreg(x, op & 7, self);
                set_xreg(&mut x, (op >> 3) & 7, v, self);
                8
            }
            0x86 | 0x8e | 0x96 | 0x9e | 0xa6 | 0xae | 0xb6 | 0xbe => {
                let addr = self.index_addr_idle(bus, x);
                let v = self.rd(bus, addr);
                self.alu(op >> 3, v);
                19
            }
            0x84 | 0x85 | 0x8c | 0x8d | 0x94 | 0x95 | 0x9c | 0x9d | 0xa4 | 0xa5 | 0xac | 0xad
            | 0xb4 | 0xb5 | 0xbc | 0xbd => {
                let v = xreg(x, op & 7, self);
                self.alu(op >> 3, v);
                8
            }
            0xe1 => {
                x = self.pop(bus);
                14
            }
            0xe5 => {
                self.idle_ir(bus, 1);
                self.push(bus, x);
                15
            }
            0xe3 => {
                let v = self.ex_sp(bus, x);
                x = v;
                self.wz = v;
                23
            }
            0xe9 => {
                self.pc = x;
                8
            }
            0xf9 => {
                self.idle_ir(bus, 2);
                self.sp = x;
                10
            }
            // Not affected by the prefix: the prefix costs 4 T-states.
            _ => return 4 + self.exec_main(bus, op),
        };
        if is_ix {
            self.ix = x;
        } else {
            self.iy = x;
        }
        t
    }

    /// Read displacement d and return IX+d (also into WZ).
    #[inline(always)]
    fn index_addr<B: Bus>(&mut self, bus: &mut B, x: u16) -> u16 {
        let d = self.fetch8(bus) as i8;
        let addr = x.wrapping_add(d as u16);
        self.wz = addr;
        addr
    }

    /// [`Z80::index_addr`] and the 5 T-states of adding d (d's address on the bus).
    #[inline(always)]
    fn index_addr_idle<B: Bus>(&mut self, bus: &mut B, x: u16) -> u16 {
        let addr = self.index_addr(bus, x);
        self.idle(bus, self.pc.wrapping_sub(1), 5);
        addr
    }
}

/// Register `code` with H/L meaning the high/low half of index register `x`.
#[inline(always)]
fn xreg(x: u16, code: u8, cpu: &Z80) -> u8 {
    match code & 7 {
        4 => (x >> 8) as u8,
        5 => x as u8,
        c => cpu.reg8(c),
    }
}

#[inline(always)]
fn set_xreg(x: &mut u16, code: u8, v: u8, cpu: &mut Z80) {
    match code & 7 {
        4 => *x = (*x & 0x00ff) | (u16::from(v) << 8),
        5 => *x = (*x & 0xff00) | u16::from(v),
        c => cpu.set_reg8(c, v),
    }
}
