//! Sinclair BASIC (ZX Spectrum 48K) line tokeniser, for the autostart loader on a tape.
//!
//! A stored program line is: line number (big-endian u16), length of the rest (little-endian u16,
//! counting the final ENTER), the tokenised text, and 0x0D. Keywords are single bytes 0xA5..=0xFF
//! (the 48K ROM's token table, "RND" .. "COPY"). A number literal keeps its ASCII digits and is
//! followed by the hidden number marker 0x0E and its 5-byte form; integers 0..=65535 use the
//! "small integer" form `00 00 lo hi 00` (ZX Spectrum manual, chapter 24; 48K ROM `LINE-SCAN`).
//!
//! The tokeniser is deliberately small: keywords are matched case-insensitively outside string
//! literals and after REM nothing is tokenised; alphabetic keywords must stand as whole words.
//! Spaces between tokens are dropped (the ROM's listing puts them back).

use thiserror::Error;

/// The 48K token table in code order: token byte = 0xA5 + index.
const TOKENS: [&str; 91] = [
    "RND",
    "INKEY$",
    "PI",
    "FN",
    "POINT",
    "SCREEN$",
    "ATTR",
    "AT",
    "TAB",
    "VAL$",
    "CODE",
    "VAL",
    "LEN",
    "SIN",
    "COS",
    "TAN",
    "ASN",
    "ACS",
    "ATN",
    "LN",
    "EXP",
    "INT",
    "SQR",
    "SGN",
    "ABS",
    "PEEK",
    "IN",
    "USR",
    "STR$",
    "CHR$",
    "NOT",
    "BIN",
    "OR",
    "AND",
    "<=",
    ">=",
    "<>",
    "LINE",
    "THEN",
    "TO",
    "STEP",
    "DEF FN",
    "CAT",
    "FORMAT",
    "MOVE",
    "ERASE",
    "OPEN #",
    "CLOSE #",
    "MERGE",
    "VERIFY",
    "BEEP",
    "CIRCLE",
    "INK",
    "PAPER",
    "FLASH",
    "BRIGHT",
    "INVERSE",
    "OVER",
    "OUT",
    "LPRINT",
    "LLIST",
    "STOP",
    "READ",
    "DATA",
    "RESTORE",
    "NEW",
    "BORDER",
    "CONTINUE",
    "DIM",
    "REM",
    "FOR",
    "GO TO",
    "GO SUB",
    "INPUT",
    "LOAD",
    "LIST",
    "LET",
    "PAUSE",
    "NEXT",
    "POKE",
    "PRINT",
    "PLOT",
    "RUN",
    "SAVE",
    "RANDOMIZE",
    "IF",
    "CLS",
    "DRAW",
    "CLEAR",
    "RETURN",
    "COPY",
];

/// First token byte (RND).
const FIRST_TOKEN: u8 = 0xA5;
/// REM: the rest of the line is not tokenised.
const REM: u8 = 0xEA;
/// Hidden number marker that precedes the 5-byte form of a literal.
const NUMBER_MARKER: u8 = 0x0E;

/// Why a BASIC line could not be tokenised.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum BasicError {
    #[error("BASIC line number {0} is out of range (1..=9999)")]
    LineNumber(u32),
    #[error("BASIC line {line}: unterminated string literal")]
    UnterminatedString { line: u16 },
    #[error(
        "BASIC line {line}: number {text:?} is not an integer 0..=65535 (only those are supported)"
    )]
    Number { line: u16, text: String },
    #[error("BASIC line {line}: byte 0x{byte:02X} is not printable ASCII")]
    NotAscii { line: u16, byte: u8 },
    #[error("BASIC line {line} is {len} bytes long; the limit is 65535")]
    TooLong { line: u16, len: usize },
}

/// Tokenise one line of text such as `10 CLEAR 24575: LOAD "" CODE`.
/// Returns the stored form: number, length, body, 0x0D.
pub fn tokenise_line(text: &str) -> Result<Vec<u8>, BasicError> {
    let text = text.trim();
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let number: u32 = text[..digits].parse().unwrap_or(0);
    if !(1..=9999).contains(&number) {
        return Err(BasicError::LineNumber(number));
    }
    let line = number as u16;
    let body = tokenise_body(line, text[digits..].trim_start().as_bytes())?;
    let len = body.len() + 1;
    if len > usize::from(u16::MAX) {
        return Err(BasicError::TooLong { line, len });
    }
    let mut out = Vec::with_capacity(len + 4);
    out.extend_from_slice(&line.to_be_bytes());
    out.extend_from_slice(&(len as u16).to_le_bytes());
    out.extend_from_slice(&body);
    out.push(0x0D);
    Ok(out)
}

/// Tokenise a whole program, one line of text per element.
pub fn tokenise_program<S: AsRef<str>>(lines: &[S]) -> Result<Vec<u8>, BasicError> {
    let mut out = Vec::new();
    for l in lines {
        out.extend(tokenise_line(l.as_ref())?);
    }
    Ok(out)
}

fn tokenise_body(line: u16, src: &[u8]) -> Result<Vec<u8>, BasicError> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < src.len() {
        let c = src[i];
        if !(0x20..0x7F).contains(&c) {
            return Err(BasicError::NotAscii { line, byte: c });
        }
        if c == b'"' {
            let end = src[i + 1..]
                .iter()
                .position(|&b| b == b'"')
                .ok_or(BasicError::UnterminatedString { line })?;
            out.extend_from_slice(&src[i..i + end + 2]);
            i += end + 2;
            continue;
        }
        if c == b' ' {
            i += 1;
            continue;
        }
        let prev_is_word = i > 0 && src[i - 1].is_ascii_alphanumeric();
        if let Some((token, len)) = match_keyword(&src[i..], prev_is_word) {
            out.push(token);
            i += len;
            if token == REM {
                while i < src.len() && src[i] == b' ' {
                    i += 1;
                }
                out.extend_from_slice(&src[i..]);
                break;
            }
            continue;
        }
        if c.is_ascii_digit() && !prev_is_word {
            let len = src[i..]
                .iter()
                .take_while(|b| b.is_ascii_digit() || **b == b'.')
                .count();
            let lit = &src[i..i + len];
            let text = String::from_utf8_lossy(lit).into_owned();
            let value: u16 = text
                .parse()
                .map_err(|_| BasicError::Number { line, text })?;
            out.extend_from_slice(lit);
            out.push(NUMBER_MARKER);
            out.extend_from_slice(&small_integer(value));
            i += len;
            continue;
        }
        out.push(c);
        i += 1;
    }
    Ok(out)
}

/// Longest keyword at the start of `s`. Alphabetic keywords must be whole words.
fn match_keyword(s: &[u8], prev_is_word: bool) -> Option<(u8, usize)> {
    let mut best: Option<(u8, usize)> = None;
    for (k, kw) in TOKENS.iter().enumerate() {
        let kw = kw.as_bytes();
        if s.len() < kw.len() || !s[..kw.len()].eq_ignore_ascii_case(kw) {
            continue;
        }
        let alpha = kw[0].is_ascii_alphabetic();
        let last_alpha = kw[kw.len() - 1].is_ascii_alphabetic();
        let next_is_word = s.get(kw.len()).is_some_and(|b| b.is_ascii_alphanumeric());
        if alpha && (prev_is_word || (last_alpha && next_is_word)) {
            continue;
        }
        if best.is_none_or(|(_, l)| kw.len() > l) {
            best = Some((FIRST_TOKEN + k as u8, kw.len()));
        }
    }
    best
}

/// The 5-byte "small integer" form of 0..=65535.
pub fn small_integer(v: u16) -> [u8; 5] {
    let [lo, hi] = v.to_le_bytes();
    [0, 0, lo, hi, 0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_table_ends_at_copy() {
        assert_eq!(FIRST_TOKEN as usize + TOKENS.len() - 1, 0xFF);
        assert_eq!(FIRST_TOKEN + 69, REM);
        assert_eq!(TOKENS[(REM - FIRST_TOKEN) as usize], "REM");
    }

    #[test]
    fn loader_line_tokenises_as_the_rom_stores_it() {
        let got = tokenise_line(r#"10 CLEAR 24575: LOAD "" CODE : RANDOMIZE USR 24576"#).unwrap();
        let mut want = vec![0, 10];
        let body: Vec<u8> = [
            &[0xFD][..],
            b"24575",
            &[0x0E, 0, 0, 0xFF, 0x5F, 0],
            b":",
            &[0xEF],
            b"\"\"",
            &[0xAF, b':', 0xF9, 0xC0],
            b"24576",
            &[0x0E, 0, 0, 0x00, 0x60, 0],
            &[0x0D],
        ]
        .concat();
        want.extend_from_slice(&(body.len() as u16).to_le_bytes());
        want.extend(body);
        assert_eq!(got, want);
    }

    #[test]
    fn keywords_inside_words_strings_and_rem_are_left_alone() {
        let got = tokenise_line(r#"20 PRINT "LOAD": LET tot=1: REM GO TO 5"#).unwrap();
        let body = &got[4..];
        assert_eq!(body[0], 0xF5);
        assert_eq!(&body[1..7], b"\"LOAD\"");
        assert!(body.windows(3).any(|w| w == b"tot"), "{body:02X?}");
        let rem = body.iter().position(|&b| b == REM).unwrap();
        assert_eq!(&body[rem + 1..], b"GO TO 5\r");
    }

    #[test]
    fn two_word_keywords_and_operators() {
        let got = tokenise_line("30 GO TO 10: IF a<>b THEN GO SUB 9").unwrap();
        assert_eq!(got[4], 0xEC);
        assert!(got.contains(&0xC9) && got.contains(&0xCB) && got.contains(&0xED));
    }

    #[test]
    fn bad_lines_are_rejected_with_the_reason() {
        assert_eq!(tokenise_line("0 CLS"), Err(BasicError::LineNumber(0)));
        assert_eq!(tokenise_line("CLS"), Err(BasicError::LineNumber(0)));
        assert_eq!(
            tokenise_line("10 PRINT \"x"),
            Err(BasicError::UnterminatedString { line: 10 })
        );
        assert!(matches!(
            tokenise_line("10 PAUSE 70000"),
            Err(BasicError::Number { line: 10, .. })
        ));
        assert!(matches!(
            tokenise_line("10 PAUSE 1.5"),
            Err(BasicError::Number { .. })
        ));
    }
}
