//! Unprefixed Z80 opcodes (00..FF) and dispatch to the CB/DD/ED/FD groups.
//!
//! T-states (UM0080, no wait states):
//!
//! | instruction                    | T        | instruction              | T       |
//! |--------------------------------|----------|--------------------------|---------|
//! | LD r,r' / ALU r / INC r        | 4        | LD r,(HL) / ALU (HL)     | 7       |
//! | LD r,n / ALU n                 | 7        | LD (HL),n                | 10      |
//! | INC/DEC (HL)                   | 11       | INC/DEC rr               | 6       |
//! | LD rr,nn / JP nn / JP cc,nn    | 10       | ADD HL,rr                | 11      |
//! | LD (nn),HL / LD HL,(nn)        | 16       | LD (nn),A / LD A,(nn)    | 13      |
//! | JR e                           | 12       | JR cc,e taken / not      | 12 / 7  |
//! | DJNZ taken / not               | 13 / 8   | CALL nn                  | 17      |
//! | CALL cc taken / not            | 17 / 10  | RET                      | 10      |
//! | RET cc taken / not             | 11 / 5   | RST p                    | 11      |
//! | PUSH rr / POP rr               | 11 / 10  | EX (SP),HL               | 19      |
//! | IN A,(n) / OUT (n),A           | 11       | LD SP,HL                 | 6       |
//! | JP (HL), EX, EXX, DI, EI, HALT | 4        | rotates of A, DAA, ...   | 4       |

use super::{Bus, Z80};

impl Z80 {
    /// Execute unprefixed opcode `op` (already fetched) and return T-states.
    #[inline(always)]
    pub(super) fn exec_main<B: Bus>(&mut self, bus: &mut B, op: u8) -> u32 {
        match op {
            0x00 => 4,
            // LD rr,nn
            0x01 | 0x11 | 0x21 | 0x31 => {
                let v = self.fetch16(bus);
                self.set_rp(op >> 4, v);
                10
            }
            0x02 => {
                let addr = self.bc();
                self.wr(bus, addr, self.a);
                self.wz = u16::from_le_bytes([addr.wrapping_add(1) as u8, self.a]);
                7
            }
            0x12 => {
                let addr = self.de();
                self.wr(bus, addr, self.a);
                self.wz = u16::from_le_bytes([addr.wrapping_add(1) as u8, self.a]);
                7
            }
            0x0a => {
                let addr = self.bc();
                self.a = self.rd(bus, addr);
                self.wz = addr.wrapping_add(1);
                7
            }
            0x1a => {
                let addr = self.de();
                self.a = self.rd(bus, addr);
                self.wz = addr.wrapping_add(1);
                7
            }
            // INC rr / DEC rr
            0x03 | 0x13 | 0x23 | 0x33 => {
                self.idle_ir(bus, 2);
                let v = self.rp(op >> 4).wrapping_add(1);
                self.set_rp(op >> 4, v);
                6
            }
            0x0b | 0x1b | 0x2b | 0x3b => {
                self.idle_ir(bus, 2);
                let v = self.rp(op >> 4).wrapping_sub(1);
                self.set_rp(op >> 4, v);
                6
            }
            // INC r / DEC r / LD r,n
            0x34 => {
                let hl = self.hl();
                let v = self.rd(bus, hl);
                self.idle(bus, hl, 1);
                let r = self.inc8(v);
                self.wr(bus, hl, r);
                11
            }
            0x35 => {
                let hl = self.hl();
                let v = self.rd(bus, hl);
                self.idle(bus, hl, 1);
                let r = self.dec8(v);
                self.wr(bus, hl, r);
                11
            }
            0x36 => {
                let v = self.fetch8(bus);
                self.wr(bus, self.hl(), v);
                10
            }
            0x04 | 0x0c | 0x14 | 0x1c | 0x24 | 0x2c | 0x3c => {
                let r = (op >> 3) & 7;
                let v = self.inc8(self.reg8(r));
                self.set_reg8(r, v);
                4
            }
            0x05 | 0x0d | 0x15 | 0x1d | 0x25 | 0x2d | 0x3d => {
                let r = (op >> 3) & 7;
                let v = self.dec8(self.reg8(r));
                self.set_reg8(r, v);
                4
            }
            0x06 | 0x0e | 0x16 | 0x1e | 0x26 | 0x2e | 0x3e => {
                let v = self.fetch8(bus);
                self.set_reg8((op >> 3) & 7, v);
                7
            }
            0x07 | 0x0f | 0x17 | 0x1f => {
                self.rot_a(op >> 3);
                4
            }
            0x08 => {
                let af = self.af();
                self.set_af(self.af_alt);
                self.af_alt = af;
                4
            }
            // ADD HL,rr
            0x09 | 0x19 | 0x29 | 0x39 => {
                self.idle_ir(bus, 7);
                let v = self.add16(self.hl(), self.rp(op >> 4));
                self.set_hl(v);
                11
            }
            0x10 => {
                self.idle_ir(bus, 1);
                let d = self.fetch8(bus) as i8;
                self.b = self.b.wrapping_sub(1);
                if self.b != 0 {
                    self.idle(bus, self.pc.wrapping_sub(1), 5);
                    self.pc = self.pc.wrapping_add(d as u16);
                    self.wz = self.pc;
                    13
                } else {
                    8
                }
            }
            0x18 => {
                let d = self.fetch8(bus) as i8;
                self.idle(bus, self.pc.wrapping_sub(1), 5);
                self.pc = self.pc.wrapping_add(d as u16);
                self.wz = self.pc;
                12
            }
            0x20 | 0x28 | 0x30 | 0x38 => {
                let d = self.fetch8(bus) as i8;
                if self.cond((op >> 3) & 3) {
                    self.idle(bus, self.pc.wrapping_sub(1), 5);
                    self.pc = self.pc.wrapping_add(d as u16);
                    self.wz = self.pc;
                    12
                } else {
                    7
                }
            }
            0x22 => {
                let addr = self.fetch16(bus);
                self.write16(bus, addr, self.hl());
                self.wz = addr.wrapping_add(1);
                16
            }
            0x2a => {
                let addr = self.fetch16(bus);
                let v = self.read16(bus, addr);
                self.set_hl(v);
                self.wz = addr.wrapping_add(1);
                16
            }
            0x32 => {
                let addr = self.fetch16(bus);
                self.wr(bus, addr, self.a);
                self.wz = u16::from_le_bytes([addr.wrapping_add(1) as u8, self.a]);
                13
            }
            0x3a => {
                let addr = self.fetch16(bus);
                self.a = self.rd(bus, addr);
                self.wz = addr.wrapping_add(1);
                13
            }
            0x27 => {
                self.daa();
                4
            }
            0x2f => {
                self.cpl();
                4
            }
            0x37 => {
                self.scf();
                4
            }
            0x3f => {
                self.ccf();
                4
            }
            0x76 => {
                self.halted = true;
                4
            }
            // LD r,(HL)
            0x46 | 0x4e | 0x56 | 0x5e | 0x66 | 0x6e | 0x7e => {
                let v = self.rd(bus, self.hl());
                self.set_reg8((op >> 3) & 7, v);
                7
            }
            // LD (HL),r
            0x70..=0x77 => {
                self.wr(bus, self.hl(), self.reg8(op & 7));
                7
            }
            0x40..=0x7f => {
                let v = self.reg8(op & 7);
                self.set_reg8((op >> 3) & 7, v);
                4
            }
            0x86 | 0x8e | 0x96 | 0x9e | 0xa6 | 0xae | 0xb6 | 0xbe => {
                let v = self.rd(bus, self.hl());
                self.alu(op >> 3, v);
                7
            }
            0x80..=0xbf => {
                self.alu(op >> 3, self.reg8(op & 7));
                4
            }
            // RET cc
            0xc0 | 0xc8 | 0xd0 | 0xd8 | 0xe0 | 0xe8 | 0xf0 | 0xf8 => {
                self.idle_ir(bus, 1);
                if self.cond(op >> 3) {
                    self.pc = self.pop(bus);
                    self.wz = self.pc;
                    11
                } else {
                    5
                }
            }
            // POP rr (AF at 0xF1)
            0xc1 | 0xd1 | 0xe1 => {
                let v = self.pop(bus);
                self.set_rp((op >> 4) & 3, v);
                10
            }
            0xf1 => {
                let v = self.pop(bus);
                self.set_af(v);
                10
            }
            // JP cc,nn
            0xc2 | 0xca | 0xd2 | 0xda | 0xe2 | 0xea | 0xf2 | 0xfa => {
                let addr = self.fetch16(bus);
                self.wz = addr;
                if self.cond(op >> 3) {
                    self.pc = addr;
                }
                10
            }
            0xc3 => {
                let addr = self.fetch16(bus);
                self.wz = addr;
                self.pc = addr;
                10
            }
            // CALL cc,nn
            0xc4 | 0xcc | 0xd4 | 0xdc | 0xe4 | 0xec | 0xf4 | 0xfc => {
                let addr = self.fetch16(bus);
                self.wz = addr;
                if self.cond(op >> 3) {
                    self.idle(bus, self.pc.wrapping_sub(1), 1);
                    let pc = self.pc;
                    self.push(bus, pc);
                    self.pc = addr;
                    17
                } else {
                    10
                }
            }
            0xc5 | 0xd5 | 0xe5 => {
                self.idle_ir(bus, 1);
                let v = self.rp((op >> 4) & 3);
                self.push(bus, v);
                11
            }
            0xf5 => {
                self.idle_ir(bus, 1);
                let v = self.af();
                self.push(bus, v);
                11
            }
            0xc6 | 0xce | 0xd6 | 0xde | 0xe6 | 0xee | 0xf6 | 0xfe => {
                let v = self.fetch8(bus);
                self.alu(op >> 3, v);
                7
            }
            0xc7 | 0xcf | 0xd7 | 0xdf | 0xe7 | 0xef | 0xf7 | 0xff => {
                self.idle_ir(bus, 1);
                let pc = self.pc;
                self.push(bus, pc);
                self.pc = u16::from(op & 0x38);
                self.wz = self.pc;
                11
            }
            0xc9 => {
                self.pc = self.pop(bus);
                self.wz = self.pc;
                10
            }
            0xcb => {
                let op2 = self.fetch_op(bus);
                self.exec_cb(bus, op2)
            }
            0xcd => {
                let addr = self.fetch16(bus);
                self.wz = addr;
                self.idle(bus, self.pc.wrapping_sub(1), 1);
                let pc = self.pc;
                self.push(bus, pc);
                self.pc = addr;
                17
            }
            0xd3 => {
                let n = self.fetch8(bus);
                let port = u16::from_le_bytes([n, self.a]);
                self.port_out(bus, port, self.a);
                self.wz = u16::from_le_bytes([n.wrapping_add(1), self.a]);
                11
            }
            0xdb => {
                let n = self.fetch8(bus);
                let port = u16::from_le_bytes([n, self.a]);
                self.a = self.port_in(bus, port);
                self.wz = port.wrapping_add(1);
                11
            }
            0xd9 => {
                let bc = self.bc();
                let de = self.de();
                let hl = self.hl();
                self.set_bc(self.bc_alt);
                self.set_de(self.de_alt);
                self.set_hl(self.hl_alt);
                self.bc_alt = bc;
                self.de_alt = de;
                self.hl_alt = hl;
                4
            }
            0xdd => self.exec_index_prefix(bus, true),
            0xfd => self.exec_index_prefix(bus, false),
            0xe3 => {
                let v = self.ex_sp(bus, self.hl());
                self.set_hl(v);
                self.wz = v;
                19
            }
            0xe9 => {
                self.pc = self.hl();
                4
            }
            0xeb => {
                std::mem::swap(&mut self.d, &mut self.h);
                std::mem::swap(&mut self.e, &mut self.l);
                4
            }
            0xed => {
                let op2 = self.fetch_op(bus);
                self.exec_ed(bus, op2)
            }
            0xf3 => {
                self.iff1 = false;
                self.iff2 = false;
                4
            }
            0xfb => {
                self.iff1 = true;
                self.iff2 = true;
                self.ei_delay = true;
                4
            }
            0xf9 => {
                self.idle_ir(bus, 2);
                self.sp = self.hl();
                6
            }
        }
    }

    /// `EX (SP),rr`: the old top of the stack; `v` goes there.
    #[inline(always)]
    pub(super) fn ex_sp<B: Bus>(&mut self, bus: &mut B, v: u16) -> u16 {
        let sp = self.sp;
        let old = self.read16(bus, sp);
        self.idle(bus, sp.wrapping_add(1), 1);
        self.write16_hi_first(bus, sp, v);
        self.idle(bus, sp, 2);
        old
    }

    /// Register pair by its 2-bit code (BC DE HL SP).
    #[inline(always)]
    pub(super) fn rp(&self, code: u8) -> u16 {
        match code & 3 {
            0 => self.bc(),
            1 => self.de(),
            2 => self.hl(),
            _ => self.sp,
        }
    }

    #[inline(always)]
    pub(super) fn set_rp(&mut self, code: u8, v: u16) {
        match code & 3 {
            0 => self.set_bc(v),
            1 => self.set_de(v),
            2 => self.set_hl(v),
            _ => self.sp = v,
        }
    }
}
