//! Z80 arithmetic, logic, rotate and shift operations with their flags.
//!
//! Flag rules follow UM0080 for the documented bits and "The Undocumented
//! Z80 Documented" (S. Young) §4 for X (bit 3) and Y (bit 5): for 8-bit ALU
//! results they are copies of the result bits, for `CP` of the operand, for
//! 16-bit adds of the high byte of the result.

use super::{FLAG_C, FLAG_H, FLAG_N, FLAG_PV, FLAG_X, FLAG_Y, FLAG_Z, Z80};

const fn build_sz() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let v = i as u8;
        t[i] = (v & 0xa8) | if v == 0 { FLAG_Z } else { 0 };
        i += 1;
    }
    t
}

const fn build_szp() -> [u8; 256] {
    let mut t = build_sz();
    let mut i = 0;
    while i < 256 {
        if (i as u8).count_ones() & 1 == 0 {
            t[i] |= FLAG_PV;
        }
        i += 1;
    }
    t
}

/// S, Z, X, Y of a byte.
pub(super) static SZ: [u8; 256] = build_sz();
/// S, Z, X, Y and even parity (P/V) of a byte.
pub(super) static SZP: [u8; 256] = build_szp();

impl Z80 {
    /// 8-bit ALU operation `op` (0..7: ADD ADC SUB SBC AND XOR OR CP) on A.
    #[inline(always)]
    pub(super) fn alu(&mut self, op: u8, v: u8) {
        match op & 7 {
            0 => self.add8(v, 0),
            1 => self.add8(v, self.f & FLAG_C),
            2 => self.a = self.sub8(v, 0),
            3 => self.a = self.sub8(v, self.f & FLAG_C),
            4 => {
                self.a &= v;
                self.f = SZP[self.a as usize] | FLAG_H;
            }
            5 => {
                self.a ^= v;
                self.f = SZP[self.a as usize];
            }
            6 => {
                self.a |= v;
                self.f = SZP[self.a as usize];
            }
            _ => {
                self.sub8(v, 0);
                // CP: X and Y come from the operand, not the result.
                self.f = (self.f & !(FLAG_X | FLAG_Y)) | (v & (FLAG_X | FLAG_Y));
            }
        }
    }

    #[inline(always)]
    fn add8(&mut self, v: u8, carry: u8) {
        let a = self.a;
        let r16 = u16::from(a) + u16::from(v) + u16::from(carry);
        let r = r16 as u8;
        let mut f = SZ[r as usize] | ((a ^ v ^ r) & FLAG_H);
        if (a ^ v) & 0x80 == 0 && (a ^ r) & 0x80 != 0 {
            f |= FLAG_PV;
        }
        if r16 > 0xff {
            f |= FLAG_C;
        }
        self.a = r;
        self.f = f;
    }

    /// A - v - carry; sets flags and returns the result (A unchanged).
    #[inline(always)]
    pub(super) fn sub8(&mut self, v: u8, carry: u8) -> u8 {
        let a = self.a;
        let r16 = u16::from(a)
            .wrapping_sub(u16::from(v))
            .wrapping_sub(u16::from(carry));
        let r = r16 as u8;
        let mut f = SZ[r as usize] | ((a ^ v ^ r) & FLAG_H) | FLAG_N;
        if (a ^ v) & 0x80 != 0 && (a ^ r) & 0x80 != 0 {
            f |= FLAG_PV;
        }
        if r16 > 0xff {
            f |= FLAG_C;
        }
        self.f = f;
        r
    }

    #[inline(always)]
    pub(super) fn inc8(&mut self, v: u8) -> u8 {
        let r = v.wrapping_add(1);
        let mut f = (self.f & FLAG_C) | SZ[r as usize];
        if r & 0x0f == 0 {
            f |= FLAG_H;
        }
        if r == 0x80 {
            f |= FLAG_PV;
        }
        self.f = f;
        r
    }

    #[inline(always)]
    pub(super) fn dec8(&mut self, v: u8) -> u8 {
        let r = v.wrapping_sub(1);
        let mut f = (self.f & FLAG_C) | SZ[r as usize] | FLAG_N;
        if v & 0x0f == 0 {
            f |= FLAG_H;
        }
        if r == 0x7f {
            f |= FLAG_PV;
        }
        self.f = f;
        r
    }

    /// ADD rr,rr: S, Z, P/V kept; H from bit 11; X/Y from the high byte.
    #[inline(always)]
    pub(super) fn add16(&mut self, a: u16, b: u16) -> u16 {
        let r32 = u32::from(a) + u32::from(b);
        let r = r32 as u16;
        let mut f = (self.f & (0x80 | FLAG_Z | FLAG_PV)) | (((r >> 8) as u8) & (FLAG_X | FLAG_Y));
        if (a ^ b ^ r) & 0x1000 != 0 {
            f |= FLAG_H;
        }
        if r32 > 0xffff {
            f |= FLAG_C;
        }
        self.wz = a.wrapping_add(1);
        self.f = f;
        r
    }

    /// ADC HL,rr.
    pub(super) fn adc16(&mut self, a: u16, b: u16) -> u16 {
        let c = u32::from(self.f & FLAG_C);
        let r32 = u32::from(a) + u32::from(b) + c;
        let r = r32 as u16;
        let mut f = (((r >> 8) as u8) & (0x80 | FLAG_X | FLAG_Y)) | if r == 0 { FLAG_Z } else { 0 };
        if (a ^ b ^ r) & 0x1000 != 0 {
            f |= FLAG_H;
        }
        if (a ^ b) & 0x8000 == 0 && (a ^ r) & 0x8000 != 0 {
            f |= FLAG_PV;
        }
        if r32 > 0xffff {
            f |= FLAG_C;
        }
        self.wz = a.wrapping_add(1);
        self.f = f;
        r
    }

    /// SBC HL,rr.
    pub(super) fn sbc16(&mut self, a: u16, b: u16) -> u16 {
        let c = u32::from(self.f & FLAG_C);
        let r32 = u32::from(a).wrapping_sub(u32::from(b)).wrapping_sub(c);
        let r = r32 as u16;
        let mut f = (((r >> 8) as u8) & (0x80 | FLAG_X | FLAG_Y))
            | if r == 0 { FLAG_Z } else { 0 }
            | FLAG_N;
        if (a ^ b ^ r) & 0x1000 != 0 {
            f |= FLAG_H;
        }
        if (a ^ b) & 0x8000 != 0 && (a ^ r) & 0x8000 != 0 {
            f |= FLAG_PV;
        }
        if r32 > 0xffff {
            f |= FLAG_C;
        }
        self.wz = a.wrapping_add(1);
        self.f = f;
        r
    }

    /// CB-prefixed rotate/shift `op` (0..7: RLC RRC RL RR SLA SRA SLL SRL).
    #[inline(always)]
    pub(super) fn rot(&mut self, op: u8, v: u8) -> u8 {
        let (r, c) = match op & 7 {
            0 => (v.rotate_left(1), v >> 7),
            1 => (v.rotate_right(1), v & 1),
            2 => ((v << 1) | (self.f & FLAG_C), v >> 7),
            3 => ((v >> 1) | ((self.f & FLAG_C) << 7), v & 1),
            4 => (v << 1, v >> 7),
            5 => ((v >> 1) | (v & 0x80), v & 1),
            6 => ((v << 1) | 1, v >> 7),
            _ => (v >> 1, v & 1),
        };
        self.f = SZP[r as usize] | c;
        r
    }

    /// RLCA RRCA RLA RRA (`op` 0..3): S, Z, P/V kept.
    #[inline(always)]
    pub(super) fn rot_a(&mut self, op: u8) {
        let a = self.a;
        let (r, c) = match op & 3 {
            0 => (a.rotate_left(1), a >> 7),
            1 => (a.rotate_right(1), a & 1),
            2 => ((a << 1) | (self.f & FLAG_C), a >> 7),
            _ => ((a >> 1) | ((self.f & FLAG_C) << 7), a & 1),
        };
        self.a = r;
        self.f = (self.f & (0x80 | FLAG_Z | FLAG_PV)) | (r & (FLAG_X | FLAG_Y)) | c;
    }

    /// BIT n,v. `xy` supplies the X/Y bits (the value itself for registers,
    /// the high byte of WZ or of the effective address for memory forms).
    #[inline(always)]
    pub(super) fn bit(&mut self, n: u8, v: u8, xy: u8) {
        let r = v & (1 << n);
        let mut f = (self.f & FLAG_C) | FLAG_H | (xy & (FLAG_X | FLAG_Y)) | (r & 0x80);
        if r == 0 {
            f |= FLAG_Z | FLAG_PV;
        }
        self.f = f;
    }

    /// DAA per "The Undocumented Z80 Documented" §4.7.
    pub(super) fn daa(&mut self) {
        let a = self.a;
        let f = self.f;
        let mut diff = 0u8;
        let mut carry = f & FLAG_C;
        if f & FLAG_H != 0 || a & 0x0f > 9 {
            diff |= 0x06;
        }
        if carry != 0 || a > 0x99 {
            diff |= 0x60;
            carry = FLAG_C;
        }
        let r = if f & FLAG_N != 0 {
            a.wrapping_sub(diff)
        } else {
            a.wrapping_add(diff)
        };
        let h = (a ^ r) & FLAG_H;
        self.a = r;
        self.f = SZP[r as usize] | h | (f & FLAG_N) | carry;
    }

    pub(super) fn cpl(&mut self) {
        self.a = !self.a;
        self.f = (self.f & (0x80 | FLAG_Z | FLAG_PV | FLAG_C))
            | FLAG_H
            | FLAG_N
            | (self.a & (FLAG_X | FLAG_Y));
    }

    pub(super) fn scf(&mut self) {
        self.f = (self.f & (0x80 | FLAG_Z | FLAG_PV)) | (self.a & (FLAG_X | FLAG_Y)) | FLAG_C;
    }

    pub(super) fn ccf(&mut self) {
        let c = self.f & FLAG_C;
        self.f = (self.f & (0x80 | FLAG_Z | FLAG_PV))
            | (self.a & (FLAG_X | FLAG_Y))
            | if c != 0 { FLAG_H } else { FLAG_C };
    }

    pub(super) fn neg(&mut self) {
        let v = self.a;
        self.a = 0;
        self.a = self.sub8(v, 0);
    }
}
