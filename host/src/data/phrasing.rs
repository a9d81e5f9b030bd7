//! Surface variation shared by the generators: filler prefixes, trailing punctuation, a capital
//! first letter and keyboard typos, all drawn from a seeded [`Rng`].

use crate::train::rng::Rng;

/// Neighbouring keys on a QWERTY keyboard, for substitution typos.
const NEIGHBOURS: &[(u8, &[u8])] = &[
    (b'a', b"qsz"),
    (b'b', b"vn"),
    (b'c', b"xv"),
    (b'd', b"sf"),
    (b'e', b"wr"),
    (b'f', b"dg"),
    (b'g', b"fh"),
    (b'h', b"gj"),
    (b'i', b"uo"),
    (b'j', b"hk"),
    (b'k', b"jl"),
    (b'l', b"k"),
    (b'm', b"n"),
    (b'n', b"bm"),
    (b'o', b"ip"),
    (b'p', b"o"),
    (b'q', b"w"),
    (b'r', b"et"),
    (b's', b"ad"),
    (b't', b"ry"),
    (b'u', b"yi"),
    (b'v', b"cb"),
    (b'w', b"qe"),
    (b'x', b"zc"),
    (b'y', b"tu"),
    (b'z', b"x"),
];

/// One random typo: swap two adjacent letters, drop one, double one, or hit a neighbouring key.
/// Text without letters is returned unchanged.
pub fn typo(rng: &mut Rng, s: &str) -> String {
    let mut b = s.as_bytes().to_vec();
    let letters: Vec<usize> = (0..b.len())
        .filter(|&i| b[i].is_ascii_lowercase())
        .collect();
    if letters.len() < 3 {
        return s.to_string();
    }
    let i = *rng.pick(&letters);
    match rng.below(4) {
        0 if i + 1 < b.len() && b[i + 1].is_ascii_lowercase() => b.swap(i, i + 1),
        1 => {
            b.remove(i);
        }
        2 => b.insert(i, b[i]),
        _ => {
            if let Some((_, n)) = NEIGHBOURS.iter().find(|(c, _)| *c == b[i]) {
                b[i] = *rng.pick(n);
            } else {
                b.remove(i);
            }
        }
    }
    String::from_utf8_lossy(&b).into_owned()
}

/// How much variation to add to each phrasing.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// Chance of one typo.
    pub typo: f32,
    /// Chance of a filler word in front.
    pub filler: f32,
    /// Chance of a trailing question mark (for questions).
    pub question: f32,
}

const FILLERS: &[&str] = &[
    "um ",
    "so ",
    "ok ",
    "hmm ",
    "well ",
    "and ",
    "hey ",
    "ok so ",
    "alright ",
    "right ",
    "uh ",
    "next question ",
    "and um ",
    "ok next ",
    "question ",
    "then ",
    "hmmm ",
    "erm ",
    "oh ",
    "oh ok ",
];

/// Words people add at the end of a line.
const TAILS: &[&str] = &[" then", " lol", " haha", " tho", " ok", " hmm", " right"];

/// A varied rendering of `base` (lower-case text).
pub fn vary(rng: &mut Rng, base: &str, style: Style) -> String {
    let mut s = String::new();
    if rng.chance(style.filler) {
        s.push_str(rng.pick::<&str>(FILLERS));
    }
    s.push_str(base);
    if rng.chance(style.typo) {
        s = typo(rng, &s);
    }
    if rng.chance(style.filler / 4.0) {
        s.push_str(rng.pick::<&str>(TAILS));
    }
    if rng.chance(style.question) {
        s.push_str(rng.pick::<&str>(&["?", "?", " ?", "??", "???", "!", "."]));
    }
    if rng.chance(0.15) {
        let mut c = s.into_bytes();
        c[0] = c[0].to_ascii_uppercase();
        s = String::from_utf8_lossy(&c).into_owned();
    } else if rng.chance(0.04) {
        s = s.to_ascii_uppercase();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_change_one_thing_and_are_seeded() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        for _ in 0..50 {
            let x = typo(&mut a, "can you sit on it");
            assert_eq!(x, typo(&mut b, "can you sit on it"));
            let d = x.len() as i64 - "can you sit on it".len() as i64;
            assert!(d.abs() <= 1, "{x}");
        }
        assert_eq!(typo(&mut a, "?!"), "?!");
    }
}
