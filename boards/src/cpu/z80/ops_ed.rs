//! ED-prefixed Z80 opcodes: 16-bit ADC/SBC, LD rr,(nn), I/O on (C), NEG,
//! RETN/RETI, IM, LD I/R, RRD/RLD and the block instructions.
//!
//! T-states (UM0080): IN r,(C) / OUT (C),r 12; ADC/SBC HL,rr 15;
//! LD (nn),rr / LD rr,(nn) 20; NEG / IM 8; RETN / RETI 14; LD I,A / LD R,A /
//! LD A,I / LD A,R 9; RRD / RLD 18; LDI LDD CPI CPD INI IND OUTI OUTD 16;
//! the repeating forms 21 while they repeat and 16 on the last iteration.
//! Undefined ED opcodes are 8-T-state NOPs (Young §3.6), as are the
//! mirrors: NEG (44 4C ..), RETN (55 5D 65 6D 75 7D), IM (4E = IM 0 etc).
//!
//! Undocumented flags of the block instructions follow Young §4.2-4.3:
//! LDI X/Y from bits 3/1 of (value + A); CPI X/Y from bits 3/1 of
//! (A - value - H); INI/OUTI N from bit 7 of the value, H and C from the
//! carry of (value + C±1 or L), P from the parity of ((that sum & 7) ^ B).
//! MEMPTR: LDIR/CPIR set it to PC+1 while repeating; INI/IND/OUTI/OUTD and
//! their repeating forms set it to BC±1 with B already decremented (as the
//! kosarev/z80 reference core does; the memptr_eng notes give BC before
//! the decrement for INI/IND).

use super::alu::{SZ, SZP};
use super::{Bus, FLAG_C, FLAG_H, FLAG_N, FLAG_PV, FLAG_S, FLAG_X, FLAG_Y, FLAG_Z, Z80};

impl Z80 {
    /// Execute ED-prefixed opcode `op` (prefix and opcode already fetched).
    pub(super) fn exec_ed<B: Bus>(&mut self, bus: &mut B, op: u8) -> u32 {
        match op {
            0x40..=0x7f => self.exec_ed_x1(bus, op),
            0xa0..=0xa3 | 0xa8..=0xab | 0xb0..=0xb3 | 0xb8..=0xbb => self.exec_block(bus, op),
            _ => 8,
        }
    }

    fn exec_ed_x1<B: Bus>(&mut self, bus: &mut B, op: u8) -> u32 {
        let y = (op >> 3) & 7;
        match op & 7 {
            0 => {
                let bc = self.bc();
                let v = self.port_in(bus, bc);
                self.wz = bc.wrapping_add(1);
                self.f = SZP[v as usize] | (self.f & FLAG_C);
                if y != 6 {
                    self.set_reg8(y, v);
                }
                12
            }
            1 => {
                let bc = self.bc();
                let v = if y == 6 { 0 } else { self.reg8(y) };
                self.port_out(bus, bc, v);
                self.wz = bc.wrapping_add(1);
                12
            }
            2 => {
                self.idle_ir(bus, 7);
                let hl = self.hl();
                let rr = self.rp(y >> 1);
                let v = if y & 1 == 0 {
                    self.sbc16(hl, rr)
                } else {
                    self.adc16(hl, rr)
                };
                self.set_hl(v);
                15
            }
            3 => {
                let addr = self.fetch16(bus);
                if y & 1 == 0 {
                    let v = self.rp(y >> 1);
                    self.write16(bus, addr, v);
                } else {
                    let v = self.read16(bus, addr);
                    self.set_rp(y >> 1, v);
                }
                self.wz = addr.wrapping_add(1);
                20
            }
            4 => {
                self.neg();
                8
            }
            5 => {
                // RETN and RETI both copy IFF2 into IFF1.
                self.iff1 = self.iff2;
                self.pc = self.pop(bus);
                self.wz = self.pc;
                14
            }
            6 => {
                self.im = match y & 3 {
                    0 | 1 => 0,
                    2 => 1,
                    _ => 2,
                };
                8
            }
            _ if y < 4 => {
                self.idle_ir(bus, 1);
                match y {
                    0 => self.i = self.a,
                    1 => self.r = self.a,
                    _ => {
                        self.a = if y == 2 { self.i } else { self.r };
                        let pv = if self.iff2 { FLAG_PV } else { 0 };
                        self.f = SZ[self.a as usize] | pv | (self.f & FLAG_C);
                    }
                }
                9
            }
            _ => match y {
                4 | 5 => {
                    let hl = self.hl();
                    let v = self.rd(bus, hl);
                    self.idle(bus, hl, 4);
                    let a = self.a;
                    let (mem, na) = if y == 4 {
                        ((a << 4) | (v >> 4), (a & 0xf0) | (v & 0x0f))
                    } else {
                        ((v << 4) | (a & 0x0f), (a & 0xf0) | (v >> 4))
                    };
                    self.wr(bus, hl, mem);
                    self.a = na;
                    self.f = SZP[na as usize] | (self.f & FLAG_C);
                    self.wz = hl.wrapping_add(1);
                    18
                }
                _ => 8,
            },
        }
    }

    /// LDI/LDD/CPI/CPD/INI/IND/OUTI/OUTD and their repeating forms.
    fn exec_block<B: Bus>(&mut self, bus: &mut B, op: u8) -> u32 {
        let dec = op & 0x08 != 0;
        let repeat = op & 0x10 != 0;
        let step: u16 = if dec { 0xffff } else { 1 };
        let hl = self.hl();
        match op & 3 {
            0 => {
                let v = self.rd(bus, hl);
                let de = self.de();
                self.wr(bus, de, v);
                self.idle(bus, de, 2);
                self.set_hl(hl.wrapping_add(step));
                self.set_de(de.wrapping_add(step));
                let bc = self.bc().wrapping_sub(1);
                self.set_bc(bc);
                let n = v.wrapping_add(self.a);
                let mut f =
                    (self.f & (FLAG_S | FLAG_Z | FLAG_C)) | (n & FLAG_X) | ((n << 4) & FLAG_Y);
                if bc != 0 {
                    f |= FLAG_PV;
                }
                self.f = f;
                if repeat && bc != 0 {
                    self.idle(bus, de, 5);
                    return self.block_repeat();
                }
                16
            }
            1 => {
                let v = self.rd(bus, hl);
                self.idle(bus, hl, 5);
                let a = self.a;
                let r = a.wrapping_sub(v);
                let h = (a ^ v ^ r) & FLAG_H;
                let n = r.wrapping_sub(h >> 4);
                self.set_hl(hl.wrapping_add(step));
                let bc = self.bc().wrapping_sub(1);
                self.set_bc(bc);
                self.wz = self.wz.wrapping_add(step);
                let mut f = (self.f & FLAG_C)
                    | FLAG_N
                    | (SZ[r as usize] & (FLAG_S | FLAG_Z))
                    | h
                    | (n & FLAG_X)
                    | ((n << 4) & FLAG_Y);
                if bc != 0 {
                    f |= FLAG_PV;
                }
                self.f = f;
                if repeat && bc != 0 && r != 0 {
                    self.idle(bus, hl, 5);
                    return self.block_repeat();
                }
                16
            }
            2 => {
                self.idle_ir(bus, 1);
                let v = self.port_in(bus, self.bc());
                self.wr(bus, hl, v);
                self.b = self.b.wrapping_sub(1);
                // MEMPTR from BC after the decrement, as kosarev/z80 does.
                self.wz = self.bc().wrapping_add(step);
                self.set_hl(hl.wrapping_add(step));
                let k = u16::from(v) + u16::from(self.c.wrapping_add(step as u8));
                self.block_io_flags(v, k);
                if repeat && self.b != 0 {
                    self.idle(bus, hl, 5);
                    return self.block_io_repeat();
                }
                16
            }
            _ => {
                self.idle_ir(bus, 1);
                let v = self.rd(bus, hl);
                self.b = self.b.wrapping_sub(1);
                let bc = self.bc();
                self.port_out(bus, bc, v);
                self.wz = bc.wrapping_add(step);
                self.set_hl(hl.wrapping_add(step));
                let k = u16::from(v) + u16::from(self.l);
                self.block_io_flags(v, k);
                if repeat && self.b != 0 {
                    self.idle(bus, bc, 5);
                    return self.block_io_repeat();
                }
                16
            }
        }
    }

    #[inline(always)]
    fn block_io_flags(&mut self, v: u8, k: u16) {
        let mut f = SZ[self.b as usize] | ((v >> 6) & FLAG_N);
        if k > 0xff {
            f |= FLAG_H | FLAG_C;
        }
        f |= SZP[(((k as u8) & 7) ^ self.b) as usize] & FLAG_PV;
        self.f = f;
    }

    /// Repeat INIR/INDR/OTIR/OTDR: PC back to the first byte, MEMPTR kept.
    #[inline(always)]
    fn block_io_repeat(&mut self) -> u32 {
        self.pc = self.pc.wrapping_sub(2);
        21
    }

    /// Repeat LDIR/LDDR/CPIR/CPDR: PC back to the first byte, MEMPTR =
    /// PC + 1, 21 T-states.
    #[inline(always)]
    fn block_repeat(&mut self) -> u32 {
        self.pc = self.pc.wrapping_sub(2);
        self.wz = self.pc.wrapping_add(1);
        21
    }
}
