//! SM83 (Game Boy CPU) instruction encoding, following the Pan Docs "CPU Instruction Set"
//! opcode table. Same operand syntax as Z80 mode, plus `(hl+)`/`(hli)`, `(hl-)`/`(hld)`,
//! `ldi`/`ldd` with operands, `ldh`, `(c)` / `(0xff00+c)`, `(0xff00+n)`, `sp+e`, `ldhl`.

use super::enc::{alu_code, cc, r8, rp_af, rp_sp, with_r8, Enc, Fix, R8};
use super::parse::{Mnem, Operand as O, Reg};

/// `b c d e h l (hl) a` only (no index registers on the SM83).
fn r(op: &O) -> Option<R8> {
    match r8(op, 0)? {
        x @ (R8::R(_) | R8::M(0, _)) => Some(x),
        _ => None,
    }
}

/// Encodes one SM83 instruction.
pub fn encode(m: Mnem, ops: &[O]) -> Result<Enc, String> {
    use Mnem::*;
    let one = |b: u8| Ok(Enc::new(&[b]));
    let a = O::Reg(Reg::A);
    let res: Result<Enc, ()> = match (m, ops) {
        (Nop, []) => one(0x00),
        (Stop, []) => Ok(Enc::new(&[0x10, 0x00])),
        (Halt, []) => one(0x76),
        (Di, []) => one(0xF3),
        (Ei, []) => one(0xFB),
        (Daa, []) => one(0x27),
        (Cpl, []) => one(0x2F),
        (Ccf, []) => one(0x3F),
        (Scf, []) => one(0x37),
        (Rlca, []) => one(0x07),
        (Rrca, []) => one(0x0F),
        (Rla, []) => one(0x17),
        (Rra, []) => one(0x1F),
        (Reti, []) => one(0xD9),
        (Ret, []) => one(0xC9),
        (Ret, [c]) if cc(c).is_some_and(|c| c < 4) => one(0xC0 | cc(c).unwrap_or(0) << 3),
        (Ld, [x, y]) => ld(x, y),
        (Ldi | Ldd, [x, y]) => {
            let base = if m == Ldi { 0x22 } else { 0x32 };
            match (x, y) {
                (O::Ind(Reg::Hl), O::Reg(Reg::A)) => one(base),
                (O::Reg(Reg::A), O::Ind(Reg::Hl)) => one(base | 0x08),
                _ => Err(()),
            }
        }
        (Ldh, [x, y]) => match (x, y) {
            (O::Mem(_) | O::HighMem(_), O::Reg(Reg::A)) => Ok(Enc::new(&[0xE0]).fix(1, Fix::High, 0)),
            (O::Reg(Reg::A), O::Mem(_) | O::HighMem(_)) => Ok(Enc::new(&[0xF0]).fix(1, Fix::High, 1)),
            (O::Ind(Reg::C), O::Reg(Reg::A)) => one(0xE2),
            (O::Reg(Reg::A), O::Ind(Reg::C)) => one(0xF2),
            _ => Err(()),
        },
        (Ldhl, [O::Reg(Reg::Sp), O::Imm(_)]) => Ok(Enc::new(&[0xF8]).fix(1, Fix::S8, 1)),
        (Add, [O::Reg(Reg::Hl), x]) => rp_sp(x).map(|p| Enc::new(&[0x09 | p << 4])).ok_or(()),
        (Add, [O::Reg(Reg::Sp), O::Imm(_)]) => Ok(Enc::new(&[0xE8]).fix(1, Fix::S8, 1)),
        (Add | Adc | Sub | Sbc | And | Xor | Or | Cp, _) => {
            let code = alu_code(m).unwrap_or(0);
            let (x, i) = match ops {
                [f, x] if *f == a => (x, 1),
                [x] => (x, 0),
                _ => return Err(bad(m, ops)),
            };
            match x {
                O::Imm(_) => Ok(Enc::new(&[0xC6 | code << 3]).fix(1, Fix::U8, i)),
                _ => r(x).map(|x| with_r8(x, |c| 0x80 | code << 3 | c)).ok_or(()),
            }
        }
        (Inc | Dec, [x]) => {
            let d = (m == Dec) as u8;
            match (r(x), rp_sp(x)) {
                (Some(x), _) => Ok(with_r8(x, |c| 0x04 | c << 3 | d)),
                (_, Some(p)) => one(0x03 | p << 4 | d << 3),
                _ => Err(()),
            }
        }
        (Rlc | Rrc | Rl | Rr | Sla | Sra | Swap | Srl, [x]) => {
            let base = match m {
                Rlc => 0x00,
                Rrc => 0x08,
                Rl => 0x10,
                Rr => 0x18,
                Sla => 0x20,
                Sra => 0x28,
                Swap => 0x30,
                _ => 0x38,
            };
            r(x).map(|x| with_r8(x, |c| base | c)).map(cb).ok_or(())
        }
        (Bit | Res | Set, [O::Imm(_), x]) => {
            let base = match m {
                Bit => 0x40,
                Res => 0x80,
                _ => 0xC0,
            };
            r(x).map(|x| cb(with_r8(x, |c| base | c)).fix(1, Fix::Bit, 0)).ok_or(())
        }
        (Jp, [O::Imm(_)]) => Ok(Enc::new(&[0xC3]).fix(1, Fix::U16, 0)),
        (Jp, [c, O::Imm(_)]) if cc(c).is_some_and(|c| c < 4) => {
            Ok(Enc::new(&[0xC2 | cc(c).unwrap_or(0) << 3]).fix(1, Fix::U16, 1))
        }
        (Jp, [O::Ind(Reg::Hl) | O::Reg(Reg::Hl)]) => one(0xE9),
        (Call, [O::Imm(_)]) => Ok(Enc::new(&[0xCD]).fix(1, Fix::U16, 0)),
        (Call, [c, O::Imm(_)]) if cc(c).is_some_and(|c| c < 4) => {
            Ok(Enc::new(&[0xC4 | cc(c).unwrap_or(0) << 3]).fix(1, Fix::U16, 1))
        }
        (Jr, [O::Imm(_)]) => Ok(Enc::new(&[0x18]).fix(1, Fix::Rel, 0)),
        (Jr, [c, O::Imm(_)]) if cc(c).is_some_and(|c| c < 4) => {
            Ok(Enc::new(&[0x20 | cc(c).unwrap_or(0) << 3]).fix(1, Fix::Rel, 1))
        }
        (Rst, [O::Imm(_)]) => Ok(Enc::new(&[0xC7]).fix(0, Fix::Rst, 0)),
        (Push | Pop, [x]) => {
            let base = if m == Push { 0xC5 } else { 0xC1 };
            rp_af(x).map(|q| Enc::new(&[base | q << 4])).ok_or(())
        }
        (Ex | Exx | Djnz | In | Out | Im | Neg | Retn | Rld | Rrd | Ldir | Lddr | Cpi | Cpir
        | Cpd | Cpdr | Ini | Inir | Ind | Indr | Outi | Otir | Outd | Otdr | Sll | Sl1, _) => {
            return Err(format!("'{}' is not an SM83 instruction", m.name()))
        }
        (Ldi | Ldd, []) => {
            return Err(format!(
                "'{}' without operands is a Z80 block instruction; on the SM83 write '{} (hl),a' or '{} a,(hl)'",
                m.name(),
                m.name(),
                m.name()
            ))
        }
        _ => Err(()),
    };
    res.map_err(|()| bad(m, ops))
}

fn bad(m: Mnem, ops: &[O]) -> String {
    let uses_index = ops.iter().any(|o| {
        matches!(
            o,
            O::Idx(..) | O::Reg(Reg::Ix | Reg::Iy | Reg::Ixh | Reg::Ixl | Reg::Iyh | Reg::Iyl)
        )
    });
    if uses_index {
        "the SM83 has no IX/IY registers".into()
    } else {
        super::z80::bad_operands(m, ops)
    }
}

/// Puts a CB prefix before a one-byte `(hl)`-slot opcode.
fn cb(e: Enc) -> Enc {
    Enc::new(&[0xCB, e.bytes[0]])
}

fn ld(x: &O, y: &O) -> Result<Enc, ()> {
    if let (Some(d), Some(s)) = (r(x), r(y)) {
        return match (d, s) {
            (R8::M(..), R8::M(..)) => Err(()),
            _ => {
                let code = |v: R8| match v {
                    R8::R(c) => c,
                    _ => 6,
                };
                Ok(Enc::new(&[0x40 | code(d) << 3 | code(s)]))
            }
        };
    }
    if let (Some(d), O::Imm(_)) = (r(x), y) {
        return Ok(with_r8(d, |c| 0x06 | c << 3).fix(1, Fix::U8, 1));
    }
    let one = |b: u8| Ok(Enc::new(&[b]));
    match (x, y) {
        (O::Ind(Reg::Bc), O::Reg(Reg::A)) => one(0x02),
        (O::Ind(Reg::De), O::Reg(Reg::A)) => one(0x12),
        (O::HlInc, O::Reg(Reg::A)) => one(0x22),
        (O::HlDec, O::Reg(Reg::A)) => one(0x32),
        (O::Reg(Reg::A), O::Ind(Reg::Bc)) => one(0x0A),
        (O::Reg(Reg::A), O::Ind(Reg::De)) => one(0x1A),
        (O::Reg(Reg::A), O::HlInc) => one(0x2A),
        (O::Reg(Reg::A), O::HlDec) => one(0x3A),
        (O::Ind(Reg::C), O::Reg(Reg::A)) => one(0xE2),
        (O::Reg(Reg::A), O::Ind(Reg::C)) => one(0xF2),
        (O::HighMem(_), O::Reg(Reg::A)) => Ok(Enc::new(&[0xE0]).fix(1, Fix::High, 0)),
        (O::Reg(Reg::A), O::HighMem(_)) => Ok(Enc::new(&[0xF0]).fix(1, Fix::High, 1)),
        (O::Mem(_), O::Reg(Reg::A)) => Ok(Enc::new(&[0xEA]).fix(1, Fix::U16, 0)),
        (O::Reg(Reg::A), O::Mem(_)) => Ok(Enc::new(&[0xFA]).fix(1, Fix::U16, 1)),
        (O::Mem(_), O::Reg(Reg::Sp)) => Ok(Enc::new(&[0x08]).fix(1, Fix::U16, 0)),
        (O::Reg(Reg::Sp), O::Reg(Reg::Hl)) => one(0xF9),
        (O::Reg(Reg::Hl), O::SpOff(_)) => Ok(Enc::new(&[0xF8]).fix(1, Fix::S8, 1)),
        (p, O::Imm(_)) if rp_sp(p).is_some() => {
            Ok(Enc::new(&[0x01 | rp_sp(p).unwrap_or(0) << 4]).fix(1, Fix::U16, 1))
        }
        _ => Err(()),
    }
}
