//! Parses one source line into a [`Line`]: an optional label and one statement (instruction
//! with operands, or directive). Parse errors become [`Body::Bad`] so that they are reported
//! only when the line is assembled (not inside a false `if` branch).

use super::expr::{Expr, Parser};
use std::sync::Arc;

use super::lexer::{lex, Punct, Tok};
pub use super::macros::Block;
use super::operand::operand;
pub use super::operand::{Operand, Reg};

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
    ElseIf(Expr),
    Else,
    Endif,
    Assert(Expr, Option<String>),
    Cpu(super::Cpu),
    /// `bank n`, or `bank none` (None).
    Bank(Option<Expr>),
    /// `phase addr`: following code runs at `addr` but is stored at the current address.
    Phase(Expr),
    Dephase,
    End,
    /// `name macro p1, p2` (replaced by [`Body::Macro`] once its body is collected).
    MacroStart(Box<str>, Vec<Box<str>>),
    /// `rept n` (replaced by [`Body::Rept`] once its body is collected).
    ReptStart(Expr),
    /// `endm` / `endr`.
    EndBlock,
    Macro(Box<str>, Arc<Block>),
    Rept(Expr, Arc<Block>),
    /// An unknown word in instruction position: a macro call with its raw arguments.
    Call(Box<str>, Vec<String>),
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

pub(super) fn lower(s: &str, buf: &mut [u8; 12]) -> Option<usize> {
    let s = s.strip_prefix('.').unwrap_or(s).as_bytes();
    if s.len() > buf.len() {
        return None;
    }
    for (d, c) in buf.iter_mut().zip(s) {
        *d = c.to_ascii_lowercase();
    }
    Some(s.len())
}

pub(super) fn keyword(s: &str) -> Option<&'static str> {
    const DIRECTIVES: &[&str] = &[
        "org", "db", "defb", "defm", "dm", "byte", "dw", "defw", "word", "ds", "defs", "block",
        "align", "include", "incbin", "binary", "if", "ifdef", "ifndef", "else", "endif", "assert",
        "cpu", "bank", "end", "equ", "defl", "macro", "endm", "rept", "endr", "elseif", "phase",
        "dephase", "unphase",
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
        if matches!(t.get(after), Some(Tok::Ident(m)) if m.eq_ignore_ascii_case("macro")) {
            return macro_header(name, &t[after + 1..]);
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
        // Perhaps a macro: keep the raw argument text for substitution.
        let at = (word.as_ptr() as usize).wrapping_sub(text.as_ptr() as usize);
        let rest = text.get(at + word.len()..).unwrap_or("");
        return Ok(Body::Call((*word).into(), super::macros::split_args(rest)));
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
        "elseif" => {
            want(1, 1)?;
            Body::ElseIf(expr_all(args[0])?)
        }
        "else" => {
            want(0, 0)?;
            Body::Else
        }
        "endif" => {
            want(0, 0)?;
            Body::Endif
        }
        "end" => Body::End,
        "phase" => {
            want(1, 1)?;
            Body::Phase(expr_all(args[0])?)
        }
        "dephase" | "unphase" => {
            want(0, 0)?;
            Body::Dephase
        }
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
        "macro" => match rest {
            [Tok::Ident(name), Tok::P(Punct::Comma), params @ ..]
            | [Tok::Ident(name), params @ ..] => return macro_header(name, params),
            _ => return Err("'macro' needs a name".into()),
        },
        "endm" | "endr" => Body::EndBlock,
        "rept" => {
            want(1, 1)?;
            Body::ReptStart(expr_all(args[0])?)
        }
        "equ" | "defl" => return Err(format!("'{kw}' needs a name before it")),
        _ => return Err(format!("unknown directive '{kw}'")),
    })
}

fn macro_header(name: &str, params: &[Tok]) -> Result<Body, String> {
    let mut names = Vec::new();
    for p in split_commas(params)? {
        match p {
            [Tok::Ident(n)] if !n.contains('.') => names.push(Box::from(*n)),
            _ => return Err(format!("macro '{name}': parameters must be plain names")),
        }
    }
    Ok(Body::MacroStart(name.into(), names))
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

#[cfg(test)]
mod tests {
    use super::super::operand::Cond;
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
        assert!(
            matches!(p(" frob a, (b)").body, Body::Call(n, a) if &*n == "frob" && a == ["a", "(b)"])
        );
    }
}
