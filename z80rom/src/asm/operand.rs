//! Instruction operands: registers, conditions, `(hl)`-style indirections, `(ix+d)`,
//! `(nn)` memory, immediates, and the SM83 forms `(hl+)`, `(hl-)`, `sp+e`, `(0xff00+n)`.
//! An operand wholly inside parentheses is memory; `(1+2)*3` is an immediate.

use super::expr::Expr;
use super::lexer::{Punct, Tok};
use super::parse::{expr_all, lower};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reg {
    A,
    B,
    C,
    D,
    E,
    H,
    L,
    F,
    I,
    R,
    Ixh,
    Ixl,
    Iyh,
    Iyl,
    Af,
    AfAlt,
    Bc,
    De,
    Hl,
    Sp,
    Ix,
    Iy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cond {
    Nz = 0,
    Z = 1,
    Nc = 2,
    // 3 is `c`, parsed as the register C.
    Po = 4,
    Pe = 5,
    P = 6,
    M = 7,
}

impl Cond {
    pub fn code(self) -> u8 {
        self as u8
    }
}

/// One instruction operand.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    Reg(Reg),
    /// `(bc)`, `(de)`, `(hl)`, `(sp)`, `(c)`.
    Ind(Reg),
    /// `(ix+d)` / `(iy+d)`; `(ix)` has displacement 0.
    Idx(Reg, Expr),
    /// `(nn)`.
    Mem(Expr),
    Imm(Expr),
    /// `nz z nc po pe p m` (`c` is [`Reg::C`]).
    Cond(Cond),
    /// SM83 `(hl+)` / `(hli)`.
    HlInc,
    /// SM83 `(hl-)` / `(hld)`.
    HlDec,
    /// SM83 `sp+e`.
    SpOff(Expr),
    /// SM83 `(0xff00+n)`.
    HighMem(Expr),
}

impl Operand {
    /// The expression carried by this operand, if any.
    pub fn expr(&self) -> Option<&Expr> {
        match self {
            Operand::Idx(_, e)
            | Operand::Mem(e)
            | Operand::Imm(e)
            | Operand::SpOff(e)
            | Operand::HighMem(e) => Some(e),
            _ => None,
        }
    }
}

fn reg(s: &str) -> Option<Reg> {
    let mut buf = [0u8; 12];
    let n = if s.len() <= 3 {
        lower(s, &mut buf)?
    } else {
        return None;
    };
    if s.starts_with('.') {
        return None;
    }
    Some(match &buf[..n] {
        b"a" => Reg::A,
        b"b" => Reg::B,
        b"c" => Reg::C,
        b"d" => Reg::D,
        b"e" => Reg::E,
        b"h" => Reg::H,
        b"l" => Reg::L,
        b"f" => Reg::F,
        b"i" => Reg::I,
        b"r" => Reg::R,
        b"ixh" => Reg::Ixh,
        b"ixl" => Reg::Ixl,
        b"iyh" => Reg::Iyh,
        b"iyl" => Reg::Iyl,
        b"af" => Reg::Af,
        b"af'" => Reg::AfAlt,
        b"bc" => Reg::Bc,
        b"de" => Reg::De,
        b"hl" => Reg::Hl,
        b"sp" => Reg::Sp,
        b"ix" => Reg::Ix,
        b"iy" => Reg::Iy,
        _ => return None,
    })
}

fn cond(s: &str) -> Option<Cond> {
    let mut buf = [0u8; 12];
    let n = if s.len() <= 2 {
        lower(s, &mut buf)?
    } else {
        return None;
    };
    Some(match &buf[..n] {
        b"nz" => Cond::Nz,
        b"z" => Cond::Z,
        b"nc" => Cond::Nc,
        b"po" => Cond::Po,
        b"pe" => Cond::Pe,
        b"p" => Cond::P,
        b"m" => Cond::M,
        _ => return None,
    })
}

fn is_ident(t: Option<&Tok>, name: &str) -> bool {
    matches!(t, Some(Tok::Ident(s)) if s.eq_ignore_ascii_case(name))
}

pub(super) fn operand(t: &[Tok]) -> Result<Operand, String> {
    if let [Tok::Ident(s)] = t {
        if let Some(r) = reg(s) {
            return Ok(Operand::Reg(r));
        }
        if let Some(c) = cond(s) {
            return Ok(Operand::Cond(c));
        }
    }
    if let Some(Tok::P(Punct::Hash)) = t.first() {
        return Ok(Operand::Imm(expr_all(&t[1..])?));
    }
    if let Some(Tok::P(open @ (Punct::LParen | Punct::LBrack))) = t.first() {
        let close = if *open == Punct::LParen {
            Punct::RParen
        } else {
            Punct::RBrack
        };
        let mut depth = 0;
        let mut end = None;
        for (k, tok) in t.iter().enumerate() {
            match tok {
                Tok::P(Punct::LParen | Punct::LBrack) => depth += 1,
                Tok::P(p @ (Punct::RParen | Punct::RBrack)) => {
                    depth -= 1;
                    if depth == 0 {
                        if *p != close {
                            return Err("mismatched brackets".into());
                        }
                        end = Some(k);
                        break;
                    }
                }
                _ => {}
            }
        }
        if end == Some(t.len() - 1) {
            return indirect(&t[1..t.len() - 1]);
        }
        if *open == Punct::LBrack {
            return Err("'[' must enclose the whole operand".into());
        }
    }
    if is_ident(t.first(), "sp") && matches!(t.get(1), Some(Tok::P(Punct::Plus | Punct::Minus))) {
        return Ok(Operand::SpOff(expr_all(&t[1..])?));
    }
    Ok(Operand::Imm(expr_all(t)?))
}

fn indirect(inner: &[Tok]) -> Result<Operand, String> {
    // sdas style `(#n)`.
    let inner = match inner {
        [Tok::P(Punct::Hash), rest @ ..] => rest,
        _ => inner,
    };
    if let [Tok::Ident(s)] = inner {
        match reg(s) {
            Some(r @ (Reg::Bc | Reg::De | Reg::Hl | Reg::Sp | Reg::C)) => {
                return Ok(Operand::Ind(r))
            }
            Some(r @ (Reg::Ix | Reg::Iy)) => return Ok(Operand::Idx(r, Expr::Num(0))),
            Some(_) => return Err(format!("'({s})' is not an addressing mode")),
            None if s.eq_ignore_ascii_case("hli") => return Ok(Operand::HlInc),
            None if s.eq_ignore_ascii_case("hld") => return Ok(Operand::HlDec),
            None => {}
        }
    }
    if let [Tok::Ident(s), Tok::P(p)] = inner {
        if s.eq_ignore_ascii_case("hl") {
            match p {
                Punct::Plus => return Ok(Operand::HlInc),
                Punct::Minus => return Ok(Operand::HlDec),
                _ => {}
            }
        }
    }
    if let Some(Tok::Ident(s)) = inner.first() {
        if let Some(r @ (Reg::Ix | Reg::Iy)) = reg(s) {
            return match inner.get(1) {
                Some(Tok::P(Punct::Plus | Punct::Minus)) => {
                    Ok(Operand::Idx(r, expr_all(&inner[1..])?))
                }
                _ => Err(format!("expected '+' or '-' after '{s}'")),
            };
        }
    }
    // `(0xff00+c)` and `(0xff00+n)` (SM83 high page).
    if let [Tok::Num(0xFF00), Tok::P(Punct::Plus), rest @ ..] = inner {
        if let [Tok::Ident(s)] = rest {
            if reg(s) == Some(Reg::C) {
                return Ok(Operand::Ind(Reg::C));
            }
        }
        return Ok(Operand::HighMem(expr_all(rest)?));
    }
    Ok(Operand::Mem(expr_all(inner)?))
}
