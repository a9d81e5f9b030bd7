//! Z80 instruction encoding, following the Zilog Z80 CPU User Manual (UM0080) opcode tables,
//! plus the common undocumented forms: `ixh ixl iyh iyl` operands, `sll`/`sl1`, `in f,(c)`,
//! `in (c)` and `out (c),0`.

use super::enc::{alu_code, cc, r8, rp_af, rp_sp, with_r8, Enc, Fix, R8};
use super::expr::Expr;
use super::parse::{Mnem, Operand as O, Reg};

fn ix_prefix(op: &O) -> Option<u8> {
    match op {
        O::Reg(Reg::Ix) => Some(0xDD),
        O::Reg(Reg::Iy) => Some(0xFD),
        _ => None,
    }
}

/// `(hl)`, `(ix)`, `(iy)` (and the bare `hl`, `ix`, `iy`) for `jp`: the prefix.
fn jp_ind(op: &O) -> Option<u8> {
    match op {
        O::Ind(Reg::Hl) | O::Reg(Reg::Hl) => Some(0),
        O::Idx(Reg::Ix, Expr::Num(0)) | O::Reg(Reg::Ix) => Some(0xDD),
        O::Idx(Reg::Iy, Expr::Num(0)) | O::Reg(Reg::Iy) => Some(0xFD),
        _ => None,
    }
}

fn r_code(op: &O) -> Option<u8> {
    match r8(op, 0) {
        Some(R8::R(c)) => Some(c),
        _ => None,
    }
}

/// Encodes one Z80 instruction.
pub fn encode(m: Mnem, ops: &[O]) -> Result<Enc, String> {
    use Mnem::*;
    let ed = |b: u8| Ok(Enc::new(&[0xED, b]));
    let one = |b: u8| Ok(Enc::new(&[b]));
    let r = match (m, ops) {
        (Nop, []) => one(0x00),
        (Halt, []) => one(0x76),
        (Di, []) => one(0xF3),
        (Ei, []) => one(0xFB),
        (Exx, []) => one(0xD9),
        (Daa, []) => one(0x27),
        (Cpl, []) => one(0x2F),
        (Ccf, []) => one(0x3F),
        (Scf, []) => one(0x37),
        (Rlca, []) => one(0x07),
        (Rrca, []) => one(0x0F),
        (Rla, []) => one(0x17),
        (Rra, []) => one(0x1F),
        (Neg, []) => ed(0x44),
        (Retn, []) => ed(0x45),
        (Reti, []) => ed(0x4D),
        (Rld, []) => ed(0x6F),
        (Rrd, []) => ed(0x67),
        (Ldi, []) => ed(0xA0),
        (Ldir, []) => ed(0xB0),
        (Ldd, []) => ed(0xA8),
        (Lddr, []) => ed(0xB8),
        (Cpi, []) => ed(0xA1),
        (Cpir, []) => ed(0xB1),
        (Cpd, []) => ed(0xA9),
        (Cpdr, []) => ed(0xB9),
        (Ini, []) => ed(0xA2),
        (Inir, []) => ed(0xB2),
        (Ind, []) => ed(0xAA),
        (Indr, []) => ed(0xBA),
        (Outi, []) => ed(0xA3),
        (Otir, []) => ed(0xB3),
        (Outd, []) => ed(0xAB),
        (Otdr, []) => ed(0xBB),
        (Ld, [a, b]) => ld(a, b),
        (Add | Adc | Sub | Sbc | And | Xor | Or | Cp, _) => alu(m, ops),
        (Inc | Dec, [x]) => inc_dec(m == Dec, x),
        (Rlc | Rrc | Rl | Rr | Sla | Sra | Sll | Sl1 | Srl, [x]) => {
            let base = match m {
                Rlc => 0x00,
                Rrc => 0x08,
                Rl => 0x10,
                Rr => 0x18,
                Sla => 0x20,
                Sra => 0x28,
                Sll | Sl1 => 0x30,
                _ => 0x38,
            };
            cb_op(x, 0, base)
        }
        (Bit | Res | Set, [O::Imm(_), x]) => {
            let base = match m {
                Bit => 0x40,
                Res => 0x80,
                _ => 0xC0,
            };
            cb_op(x, 1, base).map(|e| {
                let at = e.len - 1;
                e.fix(at, Fix::Bit, 0)
            })
        }
        (Jp, [O::Imm(_)]) => Ok(Enc::new(&[0xC3]).fix(1, Fix::U16, 0)),
        (Jp, [c, O::Imm(_)]) if cc(c).is_some() => {
            Ok(Enc::new(&[0xC2 | cc(c).unwrap_or(0) << 3]).fix(1, Fix::U16, 1))
        }
        (Jp, [x]) if jp_ind(x).is_some() => match jp_ind(x) {
            Some(0) | None => one(0xE9),
            Some(p) => Ok(Enc::new(&[p, 0xE9])),
        },
        (Call, [O::Imm(_)]) => Ok(Enc::new(&[0xCD]).fix(1, Fix::U16, 0)),
        (Call, [c, O::Imm(_)]) if cc(c).is_some() => {
            Ok(Enc::new(&[0xC4 | cc(c).unwrap_or(0) << 3]).fix(1, Fix::U16, 1))
        }
        (Jr, [O::Imm(_)]) => Ok(Enc::new(&[0x18]).fix(1, Fix::Rel, 0)),
        (Jr, [c, O::Imm(_)]) if cc(c).is_some_and(|c| c < 4) => {
            Ok(Enc::new(&[0x20 | cc(c).unwrap_or(0) << 3]).fix(1, Fix::Rel, 1))
        }
        (Djnz, [O::Imm(_)]) => Ok(Enc::new(&[0x10]).fix(1, Fix::Rel, 0)),
        (Ret, []) => one(0xC9),
        (Ret, [c]) if cc(c).is_some() => one(0xC0 | cc(c).unwrap_or(0) << 3),
        (Rst, [O::Imm(_)]) => Ok(Enc::new(&[0xC7]).fix(0, Fix::Rst, 0)),
        (Im, [O::Imm(_)]) => Ok(Enc::new(&[0xED, 0x46]).fix(1, Fix::Im, 0)),
        (Push | Pop, [x]) => {
            let base = if m == Push { 0xC5 } else { 0xC1 };
            match (rp_af(x), ix_prefix(x)) {
                (Some(q), _) => one(base | q << 4),
                (_, Some(p)) => Ok(Enc::new(&[p, base | 0x20])),
                _ => Err(()),
            }
        }
        (Ex, [O::Reg(Reg::De), O::Reg(Reg::Hl)]) => one(0xEB),
        (Ex, [O::Reg(Reg::Af), O::Reg(Reg::AfAlt)]) => one(0x08),
        (Ex, [O::Ind(Reg::Sp), O::Reg(Reg::Hl)]) => one(0xE3),
        (Ex, [O::Ind(Reg::Sp), x]) if ix_prefix(x).is_some() => {
            Ok(Enc::new(&[ix_prefix(x).unwrap_or(0xDD), 0xE3]))
        }
        (In, [O::Reg(Reg::A), O::Mem(_)]) => Ok(Enc::new(&[0xDB]).fix(1, Fix::U8, 1)),
        (In, [O::Reg(Reg::F), O::Ind(Reg::C)]) | (In, [O::Ind(Reg::C)]) => ed(0x70),
        (In, [x, O::Ind(Reg::C)]) if r_code(x).is_some() => ed(0x40 | r_code(x).unwrap_or(0) << 3),
        (Out, [O::Mem(_), O::Reg(Reg::A)]) => Ok(Enc::new(&[0xD3]).fix(1, Fix::U8, 0)),
        (Out, [O::Ind(Reg::C), O::Imm(Expr::Num(0))]) => ed(0x71),
        (Out, [O::Ind(Reg::C), x]) if r_code(x).is_some() => ed(0x41 | r_code(x).unwrap_or(0) << 3),
        (Ldh | Ldhl | Swap | Stop, _) => {
            return Err(format!(
                "'{}' is an SM83 instruction (use 'cpu sm83')",
                m.name()
            ))
        }
        _ => Err(()),
    };
    r.map_err(|()| bad_operands(m, ops))
}

pub fn bad_operands(m: Mnem, ops: &[O]) -> String {
    if ops.is_empty() {
        format!("'{}' needs operands", m.name())
    } else {
        format!("invalid operands for '{}'", m.name())
    }
}

/// CB-prefixed operation on `x` (operand index `i`): `CB op|r` or `DD CB d op|6`.
fn cb_op(x: &O, i: usize, base: u8) -> Result<Enc, ()> {
    match r8(x, i) {
        Some(R8::R(c)) => Ok(Enc::new(&[0xCB, base | c])),
        Some(R8::M(0, _)) => Ok(Enc::new(&[0xCB, base | 6])),
        Some(R8::M(p, Some(i))) => Ok(Enc::new(&[p, 0xCB, 0, base | 6]).fix(2, Fix::S8, i)),
        _ => Err(()),
    }
}

fn ld(a: &O, b: &O) -> Result<Enc, ()> {
    use R8::*;
    if let (Some(d), Some(s)) = (r8(a, 0), r8(b, 1)) {
        let op = |x: u8, y: u8| 0x40 | x << 3 | y;
        let hl = |c: u8| c == 4 || c == 5;
        return match (d, s) {
            (R(x), R(y)) => Ok(Enc::new(&[op(x, y)])),
            (R(x), Half(y, p)) if !hl(x) => Ok(Enc::new(&[p, op(x, y)])),
            (Half(x, p), R(y)) if !hl(y) => Ok(Enc::new(&[p, op(x, y)])),
            (Half(x, p), Half(y, q)) if p == q => Ok(Enc::new(&[p, op(x, y)])),
            (R(x), M(..)) => Ok(with_r8(s, |_| op(x, 6))),
            (M(..), R(y)) => Ok(with_r8(d, |_| op(6, y))),
            _ => Err(()),
        };
    }
    if let (Some(d), O::Imm(_)) = (r8(a, 0), b) {
        let e = with_r8(d, |c| 0x06 | c << 3);
        let at = e.len;
        return Ok(e.fix(at, Fix::U8, 1));
    }
    let rp = rp_sp(a);
    Ok(match (a, b) {
        (O::Reg(Reg::A), O::Ind(Reg::Bc)) => Enc::new(&[0x0A]),
        (O::Reg(Reg::A), O::Ind(Reg::De)) => Enc::new(&[0x1A]),
        (O::Reg(Reg::A), O::Mem(_)) => Enc::new(&[0x3A]).fix(1, Fix::U16, 1),
        (O::Ind(Reg::Bc), O::Reg(Reg::A)) => Enc::new(&[0x02]),
        (O::Ind(Reg::De), O::Reg(Reg::A)) => Enc::new(&[0x12]),
        (O::Mem(_), O::Reg(Reg::A)) => Enc::new(&[0x32]).fix(1, Fix::U16, 0),
        (O::Reg(Reg::A), O::Reg(Reg::I)) => Enc::new(&[0xED, 0x57]),
        (O::Reg(Reg::A), O::Reg(Reg::R)) => Enc::new(&[0xED, 0x5F]),
        (O::Reg(Reg::I), O::Reg(Reg::A)) => Enc::new(&[0xED, 0x47]),
        (O::Reg(Reg::R), O::Reg(Reg::A)) => Enc::new(&[0xED, 0x4F]),
        (O::Reg(Reg::Sp), O::Reg(Reg::Hl)) => Enc::new(&[0xF9]),
        (O::Reg(Reg::Sp), x) if ix_prefix(x).is_some() => {
            Enc::new(&[ix_prefix(x).unwrap_or(0), 0xF9])
        }
        (_, O::Imm(_)) if rp.is_some() => {
            Enc::new(&[0x01 | rp.unwrap_or(0) << 4]).fix(1, Fix::U16, 1)
        }
        (x, O::Imm(_)) if ix_prefix(x).is_some() => {
            Enc::new(&[ix_prefix(x).unwrap_or(0), 0x21]).fix(2, Fix::U16, 1)
        }
        (O::Reg(Reg::Hl), O::Mem(_)) => Enc::new(&[0x2A]).fix(1, Fix::U16, 1),
        (_, O::Mem(_)) if rp.is_some() => {
            Enc::new(&[0xED, 0x4B | rp.unwrap_or(0) << 4]).fix(2, Fix::U16, 1)
        }
        (x, O::Mem(_)) if ix_prefix(x).is_some() => {
            Enc::new(&[ix_prefix(x).unwrap_or(0), 0x2A]).fix(2, Fix::U16, 1)
        }
        (O::Mem(_), O::Reg(Reg::Hl)) => Enc::new(&[0x22]).fix(1, Fix::U16, 0),
        (O::Mem(_), x) if rp_sp(x).is_some() => {
            Enc::new(&[0xED, 0x43 | rp_sp(x).unwrap_or(0) << 4]).fix(2, Fix::U16, 0)
        }
        (O::Mem(_), x) if ix_prefix(x).is_some() => {
            Enc::new(&[ix_prefix(x).unwrap_or(0), 0x22]).fix(2, Fix::U16, 0)
        }
        _ => return Err(()),
    })
}

fn alu(m: Mnem, ops: &[O]) -> Result<Enc, ()> {
    let code = alu_code(m).ok_or(())?;
    match (m, ops) {
        (Mnem::Add, [O::Reg(Reg::Hl), x]) => {
            return rp_sp(x).map(|p| Enc::new(&[0x09 | p << 4])).ok_or(())
        }
        (Mnem::Adc, [O::Reg(Reg::Hl), x]) => {
            return rp_sp(x).map(|p| Enc::new(&[0xED, 0x4A | p << 4])).ok_or(())
        }
        (Mnem::Sbc, [O::Reg(Reg::Hl), x]) => {
            return rp_sp(x).map(|p| Enc::new(&[0xED, 0x42 | p << 4])).ok_or(())
        }
        (Mnem::Add, [a, x]) if ix_prefix(a).is_some() => {
            let p = ix_prefix(a).unwrap_or(0);
            let pp = match x {
                O::Reg(Reg::Bc) => 0,
                O::Reg(Reg::De) => 1,
                O::Reg(Reg::Sp) => 3,
                x if ix_prefix(x) == Some(p) => 2,
                _ => return Err(()),
            };
            return Ok(Enc::new(&[p, 0x09 | pp << 4]));
        }
        _ => {}
    }
    let (x, i) = match ops {
        [O::Reg(Reg::A), x] => (x, 1),
        [x] => (x, 0),
        _ => return Err(()),
    };
    match x {
        O::Imm(_) => Ok(Enc::new(&[0xC6 | code << 3]).fix(1, Fix::U8, i)),
        _ => r8(x, i)
            .map(|r| with_r8(r, |c| 0x80 | code << 3 | c))
            .ok_or(()),
    }
}

fn inc_dec(dec: bool, x: &O) -> Result<Enc, ()> {
    let d = dec as u8;
    if let Some(r) = r8(x, 0) {
        return Ok(with_r8(r, |c| 0x04 | c << 3 | d));
    }
    if let Some(p) = rp_sp(x) {
        return Ok(Enc::new(&[0x03 | p << 4 | d << 3]));
    }
    ix_prefix(x)
        .map(|p| Enc::new(&[p, 0x23 | d << 3]))
        .ok_or(())
}
