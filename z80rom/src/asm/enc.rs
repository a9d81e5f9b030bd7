//! The value-independent result of encoding one instruction: opcode bytes with holes, and
//! fix-ups that say which operand expression fills which hole and how it is checked.
//! Encoding happens without knowing any symbol value, so sizes are known in pass 1.

use super::parse::{Operand, Reg};

/// How an operand value is checked and stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fix {
    /// A byte `n`: -128..=255.
    U8,
    /// An index displacement or SM83 `e`: -128..=127.
    S8,
    /// A word `nn`, little-endian: -32768..=65535.
    U16,
    /// A relative jump target (`jr`, `djnz`): stored as target - address after the instruction.
    Rel,
    /// A bit number 0..=7, OR-ed into the opcode byte as `b << 3`.
    Bit,
    /// An `rst` address 0x00, 0x08, .. 0x38, OR-ed into the opcode byte.
    Rst,
    /// An `im` mode 0..=2, selecting the second opcode byte.
    Im,
    /// An SM83 high-page address: 0..=0xFF or 0xFF00..=0xFFFF, stored as its low byte.
    High,
}

/// Bytes plus up to two fix-ups `(byte offset, kind, operand index)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Enc {
    pub bytes: [u8; 4],
    pub len: u8,
    pub fix: [(u8, Fix, u8); 2],
    pub nfix: u8,
}

impl Enc {
    pub fn new(b: &[u8]) -> Enc {
        let mut bytes = [0; 4];
        bytes[..b.len()].copy_from_slice(b);
        Enc {
            bytes,
            len: b.len() as u8,
            fix: [(0, Fix::U8, 0); 2],
            nfix: 0,
        }
    }

    /// Adds a fix-up; `U16` holes take two bytes, the others one.
    pub fn fix(mut self, off: u8, kind: Fix, op: usize) -> Enc {
        self.fix[self.nfix as usize] = (off, kind, op as u8);
        self.nfix += 1;
        let end = off + if kind == Fix::U16 { 2 } else { 1 };
        self.len = self.len.max(end);
        self
    }

    pub fn fixes(&self) -> &[(u8, Fix, u8)] {
        &self.fix[..self.nfix as usize]
    }
}

/// An 8-bit operand in the `r` encoding slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum R8 {
    /// b c d e h l a: codes 0-5, 7.
    R(u8),
    /// ixh ixl iyh iyl: code 4/5 with a DD/FD prefix.
    Half(u8, u8),
    /// `(hl)` (prefix 0), or `(ix+d)`/`(iy+d)` (prefix DD/FD, displacement in operand `i`).
    M(u8, Option<usize>),
}

/// Classifies operand `i` as an 8-bit register or `(hl)`-like memory operand.
pub fn r8(op: &Operand, i: usize) -> Option<R8> {
    Some(match op {
        Operand::Reg(r) => match r {
            Reg::B => R8::R(0),
            Reg::C => R8::R(1),
            Reg::D => R8::R(2),
            Reg::E => R8::R(3),
            Reg::H => R8::R(4),
            Reg::L => R8::R(5),
            Reg::A => R8::R(7),
            Reg::Ixh => R8::Half(4, 0xDD),
            Reg::Ixl => R8::Half(5, 0xDD),
            Reg::Iyh => R8::Half(4, 0xFD),
            Reg::Iyl => R8::Half(5, 0xFD),
            _ => return None,
        },
        Operand::Ind(Reg::Hl) => R8::M(0, None),
        Operand::Idx(Reg::Ix, _) => R8::M(0xDD, Some(i)),
        Operand::Idx(Reg::Iy, _) => R8::M(0xFD, Some(i)),
        _ => return None,
    })
}

/// `bc de hl sp` as the 2-bit `dd` field.
pub fn rp_sp(op: &Operand) -> Option<u8> {
    match op {
        Operand::Reg(Reg::Bc) => Some(0),
        Operand::Reg(Reg::De) => Some(1),
        Operand::Reg(Reg::Hl) => Some(2),
        Operand::Reg(Reg::Sp) => Some(3),
        _ => None,
    }
}

/// `bc de hl af` as the 2-bit `qq` field (push/pop).
pub fn rp_af(op: &Operand) -> Option<u8> {
    match op {
        Operand::Reg(Reg::Bc) => Some(0),
        Operand::Reg(Reg::De) => Some(1),
        Operand::Reg(Reg::Hl) => Some(2),
        Operand::Reg(Reg::Af) => Some(3),
        _ => None,
    }
}

/// A condition operand (`c` is parsed as a register) as its 3-bit code.
pub fn cc(op: &Operand) -> Option<u8> {
    match op {
        Operand::Cond(c) => Some(c.code()),
        Operand::Reg(Reg::C) => Some(3),
        _ => None,
    }
}

/// One `(hl)`-slot operand with an opcode `op | code`: `[prefix] op [d]`.
pub fn with_r8(x: R8, op: impl Fn(u8) -> u8) -> Enc {
    match x {
        R8::R(c) => Enc::new(&[op(c)]),
        R8::Half(c, p) => Enc::new(&[p, op(c)]),
        R8::M(0, _) => Enc::new(&[op(6)]),
        R8::M(p, Some(i)) => Enc::new(&[p, op(6)]).fix(2, Fix::S8, i),
        R8::M(p, None) => Enc::new(&[p, op(6), 0]),
    }
}

/// Mnemonic-independent ALU code (`add adc sub sbc and xor or cp`: 0..=7).
pub fn alu_code(m: super::parse::Mnem) -> Option<u8> {
    use super::parse::Mnem::*;
    Some(match m {
        Add => 0,
        Adc => 1,
        Sub => 2,
        Sbc => 3,
        And => 4,
        Xor => 5,
        Or => 6,
        Cp => 7,
        _ => return None,
    })
}
