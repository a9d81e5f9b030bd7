//! Parses one source line into a [`Line`]: an optional label and one statement (instruction
//! with operands, or directive). Parse errors become [`Body::Bad`] so that they are reported
//! only when the line is assembled (not inside a false `if` branch).

use super::expr::{Expr, Parser};
use super::lexer::{lex, Punct, Tok};

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

macro_rules! mnemonics {
    ($($v:ident = $s:literal),* $(,)?) => {
        /// Instruction mnemonics of both CPUs.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Mnem { $($v),* }
        fn mnem(s: &str) -> Option<Mnem> {
            match s { $($s => Some(Mnem::$v),)* _ => None }
        }
        impl Mnem {
            pub fn name(self) -> &'static str {
                match self { $(Mnem::$v => $s),* }
            }
        }
    };
}

mnemonics! {
    Adc = "adc", Add = "add", And = "and", Bit = "bit", Call = "call", Ccf = "ccf", Cp = "cp",
    Cpd = "cpd", Cpdr = "cpdr", Cpi = "cpi", Cpir = "cpir", Cpl = "cpl", Daa = "daa",
    Dec = "dec", Di = "di", Djnz = "djnz", Ei = "ei", Ex = "ex", Exx = "exx", Halt = "halt",
    Im = "im", In = "in", Inc = "inc", Ind = "ind", Indr = "indr", Ini = "ini", Inir = "inir",
    Jp = "jp", Jr = "jr", Ld = "ld", Ldd = "ldd", Lddr = "lddr", Ldi = "ldi", Ldir = "ldir",
    Neg = "neg", Nop = "nop", Or = "or", Otdr = "otdr", Otir = "otir", Out = "out",
    Outd = "outd", Outi = "outi", Pop = "pop", Push = "push", Res = "res", Ret = "ret",
    Reti = "reti", Retn = "retn", Rl = "rl", Rla = "rla", Rlc = "rlc", Rlca = "rlca",
    Rld = "rld", Rr = "rr", Rra = "rra", Rrc = "rrc", Rrca = "rrca", Rrd = "rrd", Rst = "rst",
    Sbc = "sbc", Scf = "scf", Set = "set", Sla = "sla", Sll = "sll", Sl1 = "sl1", Sra = "sra",
    Srl = "srl", Sub = "sub", Xor = "xor", Ldh = "ldh", Ldhl = "ldhl", Swap = "swap",
    Stop = "stop",
}

/// What a line does.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    Empty,
    Instr(Mnem, Vec<Operand>),
    /// `name equ x` / `name = x` (false) or `name defl x` (true: redefinable).
    Equ(Box<str>, Expr, bool),
    Org(Expr),
    Db(Vec<DbItem>),
    Dw(Vec<Expr>),
    Ds(Expr, Option<Expr>),
    Align(Expr, Option<Expr>),
    Include(String),
    Incbin(String, Option<Expr>, Option<Expr>),
    If(Expr),
    Ifdef(Box<str>, bool),
    Else,
    Endif,
    Assert(Expr, Option<String>),
    Cpu(super::Cpu),
    /// `bank n`, or `bank none` (None).
    Bank(Option<Expr>),
    End,
    Bad(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum DbItem {
    Bytes(Vec<u8>),
    Expr(Expr),
}

/// One parsed source line.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub line: u32,
    pub label: Option<Box<str>>,
    pub body: Body,
}

fn lower(s: &str, buf: &mut [u8; 12]) -> Option<usize> {
    let s = s.strip_prefix('.').unwrap_or(s).as_bytes();
    if s.len() > buf.len() {
        return None;
    }
    for (d, c) in buf.iter_mut().zip(s) {
        *d = c.to_ascii_lowercase();
    }
    Some(s.len())
}

fn keyword(s: &str) -> Option<&'static str> {
    const DIRECTIVES: &[&str] = &[
        "org", "db", "defb", "defm", "dm", "byte", "dw", "defw", "word", "ds", "defs", "block",
        "align", "include", "incbin", "binary", "if", "ifdef", "ifndef", "else", "endif", "assert",
        "cpu", "bank", "end", "equ", "defl",
    ];
    let mut buf = [0u8; 12];
    let n = lower(s, &mut buf)?;
    let l = std::str::from_utf8(&buf[..n]).ok()?;
    if !s.starts_with('.') {
        if let Some(m) = mnem(l) {
            return Some(m.name());
        }
    }
    DIRECTIVES.iter().copied().find(|d| *d == l)
}

/// Parses one line (`no` is the 1-based line number). `toks` is a scratch buffer.
pub fn parse_line<'a>(text: &'a str, no: u32, toks: &mut Vec<Tok<'a>>) -> Line {
    let mut label = None;
    let body = match lex(text, toks) {
        Err(e) => Body::Bad(e),
        Ok(()) => parse_toks(text, toks, &mut label).unwrap_or_else(Body::Bad),
    };
    Line {
        line: no,
        label,
        body,
    }
}

fn is_equ(t: Option<&Tok>) -> Option<bool> {
    match t {
        Some(Tok::P(Punct::Assign)) => Some(false),
        Some(Tok::Ident(s)) if s.eq_ignore_ascii_case("equ") => Some(false),
        Some(Tok::Ident(s)) if s.eq_ignore_ascii_case("defl") => Some(true),
        _ => None,
    }
}

fn parse_toks(text: &str, t: &[Tok], label: &mut Option<Box<str>>) -> Result<Body, String> {
    if t.is_empty() {
        return Ok(Body::Empty);
    }
    let col0 = !text.starts_with([' ', '\t']);
    let mut i = 0;
    // `name equ x` / `name = x` / `name defl x`, with or without a colon.
    if let Tok::Ident(name) = t[0] {
        let after = if t.get(1) == Some(&Tok::P(Punct::Colon)) {
            2
        } else {
            1
        };
        if let Some(defl) = is_equ(t.get(after)) {
            let e = expr_all(&t[after + 1..])?;
            return Ok(Body::Equ(name.into(), e, defl));
        }
        if after == 2 {
            *label = Some(name.into());
            i = 2;
            if t.get(2) == Some(&Tok::P(Punct::Colon)) {
                i = 3;
            }
        } else if col0 && keyword(name).is_none() {
            *label = Some(name.into());
            i = 1;
        }
    }
    let Some(tok) = t.get(i) else {
        return Ok(Body::Empty);
    };
    let Tok::Ident(word) = tok else {
        return Err("expected an instruction or directive".into());
    };
    let Some(kw) = keyword(word) else {
        return Err(format!("unknown instruction or directive '{word}'"));
    };
    let rest = &t[i + 1..];
    if let Some(m) = mnem(kw) {
        let mut ops = Vec::with_capacity(2);
        for part in split_commas(rest)? {
            ops.push(operand(part)?);
        }
        return Ok(Body::Instr(m, ops));
    }
    let args = split_commas(rest)?;
    let n = args.len();
    let want = |lo: usize, hi: usize| -> Result<(), String> {
        if n < lo || n > hi {
            let what = if lo == hi {
                format!("{lo}")
            } else {
                format!("{lo} to {hi}")
            };
            Err(format!("'{kw}' takes {what} operand(s), found {n}"))
        } else {
            Ok(())
        }
    };
    let opt =
        |k: usize| -> Result<Option<Expr>, String> { args.get(k).map(|a| expr_all(a)).transpose() };
    Ok(match kw {
        "org" => {
            want(1, 1)?;
            Body::Org(expr_all(args[0])?)
        }
        "db" | "defb" | "defm" | "dm" | "byte" => {
            want(1, usize::MAX)?;
            let mut items = Vec::with_capacity(n);
            for a in &args {
                match a {
                    [Tok::Str(s)] => items.push(DbItem::Bytes(s.clone())),
                    _ => items.push(DbItem::Expr(expr_all(a)?)),
                }
            }
            Body::Db(items)
        }
        "dw" | "defw" | "word" => {
            want(1, usize::MAX)?;
            Body::Dw(args.iter().map(|a| expr_all(a)).collect::<Result<_, _>>()?)
        }
        "ds" | "defs" | "block" => {
            want(1, 2)?;
            Body::Ds(expr_all(args[0])?, opt(1)?)
        }
        "align" => {
            want(1, 2)?;
            Body::Align(expr_all(args[0])?, opt(1)?)
        }
        "include" => {
            want(1, 1)?;
            Body::Include(file_name(args[0])?)
        }
        "incbin" | "binary" => {
            want(1, 3)?;
            Body::Incbin(file_name(args[0])?, opt(1)?, opt(2)?)
        }
        "if" => {
            want(1, 1)?;
            Body::If(expr_all(args[0])?)
        }
        "ifdef" | "ifndef" => match rest {
            [Tok::Ident(s)] => Body::Ifdef((*s).into(), kw == "ifndef"),
            _ => return Err(format!("'{kw}' takes one symbol name")),
        },
        "else" => {
            want(0, 0)?;
            Body::Else
        }
        "endif" => {
            want(0, 0)?;
            Body::Endif
        }
        "end" => Body::End,
        "assert" => {
            want(1, 2)?;
            let msg = match args.get(1) {
                None => None,
                Some([Tok::Str(s)]) => Some(String::from_utf8_lossy(s).into_owned()),
                Some(_) => return Err("assert message must be a \"string\"".into()),
            };
            Body::Assert(expr_all(args[0])?, msg)
        }
        "cpu" => match rest {
            [Tok::Ident(s)] if s.eq_ignore_ascii_case("z80") => Body::Cpu(super::Cpu::Z80),
            [Tok::Ident(s)]
                if s.eq_ignore_ascii_case("sm83") || s.eq_ignore_ascii_case("gbz80") =>
            {
                Body::Cpu(super::Cpu::Sm83)
            }
            _ => return Err("cpu takes z80 or sm83".into()),
        },
        "bank" => match rest {
            [Tok::Ident(s)] if s.eq_ignore_ascii_case("none") => Body::Bank(None),
            _ => {
                want(1, 1)?;
                Body::Bank(Some(expr_all(args[0])?))
            }
        },
        "equ" | "defl" => return Err(format!("'{kw}' needs a name before it")),
        _ => return Err(format!("unknown directive '{kw}'")),
    })
}

fn file_name(t: &[Tok]) -> Result<String, String> {
    match t {
        [Tok::Str(s)] => Ok(String::from_utf8_lossy(s).into_owned()),
        _ => Err("expected a file name in quotes".into()),
    }
}

/// Splits at commas outside parentheses. No tokens gives no parts.
fn split_commas<'t, 'a>(t: &'t [Tok<'a>]) -> Result<Vec<&'t [Tok<'a>]>, String> {
    let mut parts = Vec::new();
    if t.is_empty() {
        return Ok(parts);
    }
    let mut depth = 0i32;
    let mut start = 0;
    for (k, tok) in t.iter().enumerate() {
        match tok {
            Tok::P(Punct::LParen | Punct::LBrack) => depth += 1,
            Tok::P(Punct::RParen | Punct::RBrack) => depth -= 1,
            Tok::P(Punct::Comma) if depth == 0 => {
                parts.push(&t[start..k]);
                start = k + 1;
            }
            _ => {}
        }
    }
    parts.push(&t[start..]);
    if parts.iter().any(|p| p.is_empty()) {
        return Err("empty operand".into());
    }
    Ok(parts)
}

/// Parses a whole token slice as one expression.
pub fn expr_all(t: &[Tok]) -> Result<Expr, String> {
    let mut p = Parser::new(t);
    let e = p.expr()?;
    match p.peek() {
        None => Ok(e),
        Some(tok) => Err(format!("unexpected {} after expression", describe(tok))),
    }
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Ident(s) => format!("'{s}'"),
        Tok::Num(n) => format!("number {n}"),
        Tok::Str(_) => "string".into(),
        Tok::Dollar => "'$'".into(),
        Tok::P(p) => format!("'{}'", super::expr::punct_str(*p)),
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

fn operand(t: &[Tok]) -> Result<Operand, String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Line {
        let mut t = Vec::new();
        parse_line(s, 1, &mut t)
    }

    #[test]
    fn labels_and_equates() {
        assert_eq!(p("start: nop").label.as_deref(), Some("start"));
        assert_eq!(p("start nop").label.as_deref(), Some("start"));
        assert_eq!(p(" nop").label, None);
        assert_eq!(p("nop").label, None);
        assert_eq!(p(".loop: djnz .loop").label.as_deref(), Some(".loop"));
        assert_eq!(
            p("size equ 4").body,
            Body::Equ("size".into(), Expr::Num(4), false)
        );
        assert_eq!(
            p("size: equ 4").body,
            Body::Equ("size".into(), Expr::Num(4), false)
        );
        assert_eq!(
            p("  n = 4").body,
            Body::Equ("n".into(), Expr::Num(4), false)
        );
        assert_eq!(
            p("n defl 5").body,
            Body::Equ("n".into(), Expr::Num(5), true)
        );
    }

    #[test]
    fn operands() {
        let Body::Instr(m, ops) = p(" ld (ix-3),(1+2)*3").body else {
            panic!()
        };
        assert_eq!(m, Mnem::Ld);
        assert!(matches!(ops[0], Operand::Idx(Reg::Ix, _)));
        assert!(matches!(ops[1], Operand::Imm(_)));
        let Body::Instr(_, ops) = p(" jp nz,(hl)").body else {
            panic!()
        };
        assert_eq!(ops, [Operand::Cond(Cond::Nz), Operand::Ind(Reg::Hl)]);
        let Body::Instr(_, ops) = p(" ld a,(hl+)").body else {
            panic!()
        };
        assert_eq!(ops[1], Operand::HlInc);
        let Body::Instr(_, ops) = p(" LD HL,SP+5").body else {
            panic!()
        };
        assert_eq!(ops[1], Operand::SpOff(Expr::Num(5)));
        assert!(matches!(p(" ld a,(ix*2)").body, Body::Bad(_)));
        assert!(matches!(p(" frob a").body, Body::Bad(_)));
    }
}
