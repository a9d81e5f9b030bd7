//! Splits one source line into tokens: identifiers (with `.` for local labels and `af'`),
//! numbers in the pasmo/z80asm notations (`123`, `0x1F`, `$1F`, `1Fh`, `%1010`, `0b1010`,
//! `1010b`, `17o`/`17q`), strings and character literals with C escapes, and punctuation.
//! A `;` outside a string ends the line.

/// One token. Identifiers borrow the line; strings own their unescaped bytes.
#[derive(Debug, Clone, PartialEq)]
pub enum Tok<'a> {
    Ident(&'a str),
    Num(i64),
    /// Bytes of a `"..."` or `'...'` literal (a one-byte literal is also a number).
    Str(Vec<u8>),
    /// `$` on its own: the current address.
    Dollar,
    P(Punct),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Punct {
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    Amp,
    Pipe,
    Caret,
    Tilde,
    Bang,
    Shl,
    Shr,
    Lt,
    Gt,
    Le,
    Ge,
    EqEq,
    Ne,
    Assign,
    AndAnd,
    OrOr,
    LParen,
    RParen,
    LBrack,
    RBrack,
    Comma,
    Colon,
    Hash,
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c == b'.' || c == b'@' || c == b'?'
}

fn is_ident_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'.' || c == b'@' || c == b'?'
}

/// True when the previous token ends a value (so `%` is modulo, not a binary number).
/// A mnemonic or directive (`dw %101`, `sub %11`) is not a value.
fn ends_value(t: Option<&Tok>) -> bool {
    match t {
        Some(Tok::Ident(s)) => super::parse::keyword(s).is_none(),
        Some(Tok::Num(_) | Tok::Str(_) | Tok::Dollar | Tok::P(Punct::RParen)) => true,
        _ => false,
    }
}

/// Tokenizes `line` into `out` (cleared first).
pub fn lex<'a>(line: &'a str, out: &mut Vec<Tok<'a>>) -> Result<(), String> {
    out.clear();
    let b = line.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\r' | b'\x0c' => i += 1,
            b';' => break,
            b'"' | b'\'' => {
                let (s, next) = lex_string(b, i)?;
                out.push(Tok::Str(s));
                i = next;
            }
            b'0'..=b'9' => {
                let start = i;
                while i < b.len() && b[i].is_ascii_alphanumeric() {
                    i += 1;
                }
                out.push(Tok::Num(parse_number(&line[start..i])?));
            }
            b'$' => {
                if i + 1 < b.len() && b[i + 1].is_ascii_hexdigit() {
                    let start = i + 1;
                    i += 1;
                    while i < b.len() && b[i].is_ascii_alphanumeric() {
                        i += 1;
                    }
                    out.push(Tok::Num(parse_radix(&line[start..i], 16)?));
                } else {
                    out.push(Tok::Dollar);
                    i += 1;
                }
            }
            b'%' if !ends_value(out.last())
                && i + 1 < b.len()
                && (b[i + 1] == b'0' || b[i + 1] == b'1') =>
            {
                let start = i + 1;
                i += 1;
                while i < b.len() && b[i].is_ascii_alphanumeric() {
                    i += 1;
                }
                out.push(Tok::Num(parse_radix(&line[start..i], 2)?));
            }
            c if is_ident_start(c) => {
                let start = i;
                while i < b.len() && is_ident_char(b[i]) {
                    i += 1;
                }
                // `af'` is one register name.
                if i < b.len() && b[i] == b'\'' && line[start..i].eq_ignore_ascii_case("af") {
                    i += 1;
                }
                out.push(Tok::Ident(&line[start..i]));
            }
            _ => {
                let two = if i + 1 < b.len() { b[i + 1] } else { 0 };
                let (p, n) = match (c, two) {
                    (b'<', b'<') => (Punct::Shl, 2),
                    (b'>', b'>') => (Punct::Shr, 2),
                    (b'<', b'=') => (Punct::Le, 2),
                    (b'>', b'=') => (Punct::Ge, 2),
                    (b'=', b'=') => (Punct::EqEq, 2),
                    (b'!', b'=') => (Punct::Ne, 2),
                    (b'<', b'>') => (Punct::Ne, 2),
                    (b'&', b'&') => (Punct::AndAnd, 2),
                    (b'|', b'|') => (Punct::OrOr, 2),
                    (b'+', _) => (Punct::Plus, 1),
                    (b'-', _) => (Punct::Minus, 1),
                    (b'*', _) => (Punct::Star, 1),
                    (b'/', _) => (Punct::Slash, 1),
                    (b'%', _) => (Punct::Percent, 1),
                    (b'&', _) => (Punct::Amp, 1),
                    (b'|', _) => (Punct::Pipe, 1),
                    (b'^', _) => (Punct::Caret, 1),
                    (b'~', _) => (Punct::Tilde, 1),
                    (b'!', _) => (Punct::Bang, 1),
                    (b'<', _) => (Punct::Lt, 1),
                    (b'>', _) => (Punct::Gt, 1),
                    (b'=', _) => (Punct::Assign, 1),
                    (b'(', _) => (Punct::LParen, 1),
                    (b')', _) => (Punct::RParen, 1),
                    (b'[', _) => (Punct::LBrack, 1),
                    (b']', _) => (Punct::RBrack, 1),
                    (b',', _) => (Punct::Comma, 1),
                    (b':', _) => (Punct::Colon, 1),
                    (b'#', _) => (Punct::Hash, 1),
                    _ => {
                        let ch = line[i..].chars().next().unwrap_or('?');
                        return Err(format!("unexpected character '{}'", ch.escape_default()));
                    }
                };
                out.push(Tok::P(p));
                i += n;
            }
        }
    }
    Ok(())
}

fn lex_string(b: &[u8], start: usize) -> Result<(Vec<u8>, usize), String> {
    let quote = b[start];
    let mut s = Vec::new();
    let mut i = start + 1;
    loop {
        if i >= b.len() {
            return Err("unterminated string".into());
        }
        let c = b[i];
        if c == quote {
            // A doubled quote stands for the quote itself ('''' or "a""b").
            if i + 1 < b.len() && b[i + 1] == quote {
                s.push(quote);
                i += 2;
                continue;
            }
            return Ok((s, i + 1));
        }
        if c == b'\\' && i + 1 < b.len() {
            i += 1;
            let e = b[i];
            let v = match e {
                b'n' => b'\n',
                b'r' => b'\r',
                b't' => b'\t',
                b'0' => 0,
                b'a' => 7,
                b'b' => 8,
                b'e' => 27,
                b'\\' | b'"' | b'\'' => e,
                b'x' => {
                    let h = b
                        .get(i + 1..i + 3)
                        .ok_or("bad \\x escape: need two hex digits")?;
                    let h = std::str::from_utf8(h).map_err(|_| "bad \\x escape")?;
                    i += 2;
                    u8::from_str_radix(h, 16).map_err(|_| "bad \\x escape: need two hex digits")?
                }
                _ => return Err(format!("unknown escape '\\{}'", e as char)),
            };
            s.push(v);
            i += 1;
            continue;
        }
        s.push(c);
        i += 1;
    }
}

fn parse_radix(digits: &str, radix: u32) -> Result<i64, String> {
    let digits: String = digits.chars().filter(|&c| c != '_').collect();
    if digits.is_empty() {
        return Err("missing digits in number".into());
    }
    u64::from_str_radix(&digits, radix)
        .ok()
        .filter(|&v| v <= u32::MAX as u64)
        .map(|v| v as i64)
        .ok_or_else(|| format!("bad number '{digits}' (base {radix}, at most 32 bits)"))
}

/// A token that starts with a digit.
fn parse_number(s: &str) -> Result<i64, String> {
    let lower = s.to_ascii_lowercase();
    let l = lower.as_str();
    let r = if let Some(h) = l.strip_suffix('h') {
        parse_radix(h, 16)
    } else if let Some(h) = l.strip_prefix("0x") {
        parse_radix(h, 16)
    } else if let Some(d) = l
        .strip_prefix("0b")
        .filter(|d| d.bytes().all(|c| c == b'0' || c == b'1'))
    {
        parse_radix(d, 2)
    } else if let Some(d) = l
        .strip_suffix('b')
        .filter(|d| d.bytes().all(|c| c == b'0' || c == b'1'))
    {
        parse_radix(d, 2)
    } else if let Some(d) = l.strip_suffix('o').or_else(|| l.strip_suffix('q')) {
        parse_radix(d, 8)
    } else if let Some(d) = l.strip_prefix("0o") {
        parse_radix(d, 8)
    } else {
        parse_radix(l, 10)
    };
    r.map_err(|_| format!("bad number '{s}'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nums(s: &str) -> Vec<i64> {
        let mut v = Vec::new();
        lex(s, &mut v).unwrap();
        v.iter()
            .filter_map(|t| if let Tok::Num(n) = t { Some(*n) } else { None })
            .collect()
    }

    #[test]
    fn number_notations() {
        assert_eq!(
            nums("123,0x1F,$1F,1Fh,0FFH,%1010,0b1010,1010b,17o,0"),
            [123, 31, 31, 31, 255, 10, 10, 10, 15, 0]
        );
        assert_eq!(nums("0bh 0b1h"), [0x0b, 0xb1]);
    }

    #[test]
    fn percent_is_modulo_after_a_value() {
        let mut v = Vec::new();
        lex("7 %10", &mut v).unwrap();
        assert_eq!(v, [Tok::Num(7), Tok::P(Punct::Percent), Tok::Num(10)]);
        lex("x %10", &mut v).unwrap();
        assert_eq!(v, [Tok::Ident("x"), Tok::P(Punct::Percent), Tok::Num(10)]);
        lex("dw %10", &mut v).unwrap();
        assert_eq!(v, [Tok::Ident("dw"), Tok::Num(2)]);
    }

    #[test]
    fn af_prime_strings_and_comments() {
        let mut v = Vec::new();
        lex("ex af,af' ; comment 'x", &mut v).unwrap();
        assert_eq!(
            v,
            [
                Tok::Ident("ex"),
                Tok::Ident("af"),
                Tok::P(Punct::Comma),
                Tok::Ident("af'")
            ]
        );
        lex(r#"db "a;b\n", ';', '\x41'"#, &mut v).unwrap();
        assert_eq!(v[1], Tok::Str(b"a;b\n".to_vec()));
        assert_eq!(v[3], Tok::Str(b";".to_vec()));
        assert_eq!(v[5], Tok::Str(b"A".to_vec()));
        assert!(lex("db \"abc", &mut v).is_err());
        assert!(lex("ld a,99999999999", &mut v).is_err());
    }
}
