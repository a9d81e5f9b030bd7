//! Random typed lines for the property tests (issue 15): a seeded generator of raw key lines
//! (printable, control bytes, over-long) and a model of the engines' line editor
//! (`z80rom/asm/core/chat.asm` `read_line`, spec §9), so the expected answer of a raw line is the
//! host reference applied to what the editor leaves of it.

/// Bytes of a line that count (spec §9); the editor drops the rest without echo.
pub const MAX_QUERY: usize = 62;

/// How many random lines a property test types: `Z80LM_RANDOM_LINES`, else `default`.
pub fn count(default: usize) -> usize {
    match std::env::var("Z80LM_RANDOM_LINES") {
        Ok(v) => v
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("Z80LM_RANDOM_LINES={v:?} is not a count")),
        Err(_) => default,
    }
}

/// A small seeded generator (xorshift64*): the same seed types the same lines.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() >> 33) as usize % n
    }

    fn pick(&mut self, bytes: &[u8]) -> u8 {
        bytes[self.below(bytes.len())]
    }
}

const WORDS: &[&str] = &[
    "is", "it", "a", "chair", "alive", "table", "dog", "hello", "what", "IS", "Blue", "?", "the",
];

/// The editing keys of the line editor: BS, DEL, ^U, ^X.
const EDIT: &[u8] = &[0x08, 0x7f, 0x15, 0x18];

/// One random raw line without its terminator. `printable_only`: bytes 0x20-0x7E alone (a
/// keyboard with no control keys); else control bytes (the editing keys, ^C, TAB, NUL, ESC ...)
/// and bytes 0x80-0xFF appear too. Never CR or LF (they end the line). About one line in eight
/// is over-long (63-300 bytes), a few are empty or start with `!`.
pub fn random_line(rng: &mut Rng, printable_only: bool) -> Vec<u8> {
    let kind = rng.below(16);
    let len = match kind {
        0 => 0,
        1 | 2 => MAX_QUERY + 1 + rng.below(240),
        3 => MAX_QUERY - 2 + rng.below(4),
        _ => 1 + rng.below(40),
    };
    let mut line = Vec::with_capacity(len);
    if kind == 4 {
        line.push(b'!');
    }
    while line.len() < len {
        match rng.below(10) {
            0..=3 => {
                line.extend_from_slice(WORDS[rng.below(WORDS.len())].as_bytes());
                line.push(b' ');
            }
            4..=6 => line.push(0x20 + rng.below(0x5f) as u8),
            _ if printable_only => line.push(b' '),
            7 => line.push(rng.pick(EDIT)),
            8 => {
                // Any byte but the terminators; ^C (exit) rarely.
                let b = rng.below(256) as u8;
                if b != b'\r' && b != b'\n' && (b != 3 || rng.below(8) == 0) {
                    line.push(b);
                }
            }
            _ => line.push(rng.pick(&[0x00, 0x01, 0x09, 0x1b, 0x7e, 0x80, 0xc3, 0xa9, 0xff])),
        }
    }
    line.truncate(len);
    line
}

/// What the engine does with a typed line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing left: prompt again.
    Empty,
    /// `!` first: the line ends (CR LF), then back to the system.
    Exit,
    /// ^C typed: back to the system at once, the line not ended.
    Interrupt,
    /// The query `respond` answers.
    Query(Vec<u8>),
}

/// A raw line as the line editor leaves it, with what it echoes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edited {
    /// The bytes written while the line is typed, up to (not including) the CR LF that ends
    /// it: each stored byte, and BS, space, BS for each one taken back. On ^C, up to the ^C.
    pub echo: Vec<u8>,
    pub outcome: Outcome,
}

/// The line editor (chat.asm `read_line`, spec §9) applied to `keys`, one line without its
/// terminator: BS and DEL erase a byte, ^U and ^X the line, ^C exits at once (unended), bytes past
/// [`MAX_QUERY`] are dropped unechoed, every other byte is stored and echoed. The line then
/// counts as empty, an exit (first byte `!`), or a query.
pub fn edit(keys: &[u8]) -> Edited {
    let mut line: Vec<u8> = Vec::new();
    let mut echo = Vec::new();
    for &k in keys {
        match k {
            0x08 | 0x7f => erase(&mut line, &mut echo, 1),
            0x15 | 0x18 => erase(&mut line, &mut echo, usize::MAX),
            0x03 => {
                return Edited {
                    echo,
                    outcome: Outcome::Interrupt,
                }
            }
            _ if line.len() < MAX_QUERY => {
                line.push(k);
                echo.push(k);
            }
            _ => {}
        }
    }
    let outcome = match line.first() {
        None => Outcome::Empty,
        Some(b'!') => Outcome::Exit,
        Some(_) => Outcome::Query(line),
    };
    Edited { echo, outcome }
}

fn erase(line: &mut Vec<u8>, echo: &mut Vec<u8>, n: usize) {
    for _ in 0..n.min(line.len()) {
        line.pop();
        echo.extend_from_slice(b"\x08 \x08");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editor_model() {
        let e = edit(b"is it a chaxx\x08\x7fir");
        assert_eq!(e.outcome, Outcome::Query(b"is it a chair".to_vec()));
        assert!(e.echo.ends_with(b"x\x08 \x08\x08 \x08ir"));
        assert_eq!(edit(b"junk\x15").outcome, Outcome::Empty);
        assert_eq!(edit(b"\x08\x18").echo, b"");
        assert_eq!(edit(b"ab\x03cd").echo, b"ab");
        assert_eq!(edit(b"ab\x03cd").outcome, Outcome::Interrupt);
        assert_eq!(edit(b"!x").outcome, Outcome::Exit);
        assert_eq!(edit(b" !").outcome, Outcome::Query(b" !".to_vec()));
        let long = [b'y'; 100];
        assert_eq!(edit(&long).echo.len(), MAX_QUERY);
        let mut cut = edit(&[&long[..], b"\x08z"].concat());
        assert_eq!(cut.echo.split_off(MAX_QUERY), b"\x08 \x08z");
    }

    #[test]
    fn generator_is_seeded_and_mixed() {
        let a: Vec<_> = (0..200)
            .map({
                let mut r = Rng::new(7);
                move |_| random_line(&mut r, false)
            })
            .collect();
        let mut r = Rng::new(7);
        assert!(a.iter().all(|l| *l == random_line(&mut r, false)));
        assert!(a.iter().any(|l| l.len() > MAX_QUERY));
        assert!(a
            .iter()
            .any(|l| l.iter().any(|&b| !(0x20..0x7f).contains(&b))));
        assert!(a.iter().all(|l| !l.contains(&b'\r') && !l.contains(&b'\n')));
        let mut r = Rng::new(7);
        assert!((0..200).all(|_| random_line(&mut r, true)
            .iter()
            .all(|&b| (0x20..0x7f).contains(&b))));
    }
}
