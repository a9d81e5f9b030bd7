//! The input encoders (spec §4 query trigrams, §5 context n-grams). Pure functions of bytes; they
//! never panic on any input.

/// Amount one n-gram occurrence adds to its bucket.
pub const UNIT: i16 = 32;
/// Bytes of output history the context sees.
pub const CTX: usize = 8;
/// Bytes of an input line that count.
pub const MAX_QUERY: usize = 62;
/// Most bytes one response can have.
pub const MAX_OUT: usize = 50;

/// A–Z to a–z; every other byte unchanged (spec §4.4).
pub fn fold(b: u8) -> u8 {
    if b.is_ascii_uppercase() {
        b + 0x20
    } else {
        b
    }
}

/// The 16-bit polynomial hash `h = (h·31 + c) & 0xFFFF` from a seed.
pub fn hash(seed: u16, bytes: &[u8]) -> u16 {
    bytes
        .iter()
        .fold(seed, |h, &c| h.wrapping_mul(31).wrapping_add(u16::from(c)))
}

/// The query bytes that get hashed: cap at 62, skip leading spaces, fold (spec §4.1–4.4).
pub fn query_bytes(line: &[u8]) -> Vec<u8> {
    let capped = &line[..line.len().min(MAX_QUERY)];
    let start = capped
        .iter()
        .position(|&b| b != b' ')
        .unwrap_or(capped.len());
    capped[start..].iter().map(|&b| fold(b)).collect()
}

/// Query buckets (`h & 127`) of each trigram of the padded query, in order (spec §4.5–4.6).
pub fn query_buckets(line: &[u8]) -> Vec<u8> {
    let q = query_bytes(line);
    if q.is_empty() {
        return Vec::new();
    }
    let mut t = Vec::with_capacity(q.len() + 2);
    t.push(b' ');
    t.extend_from_slice(&q);
    t.push(b' ');
    t.windows(3).map(|w| (hash(0, w) & 127) as u8).collect()
}

/// The query half of the input vector (indices 0…127).
pub fn query_input(line: &[u8]) -> [i16; 128] {
    let mut x = [0i16; 128];
    for b in query_buckets(line) {
        x[usize::from(b)] += UNIT;
    }
    x
}

/// The start window: eight spaces.
pub const START_WINDOW: [u8; CTX] = [b' '; CTX];

/// Context buckets (0…127, add 128 for the input index) of the 21 n-grams of a window (spec §5).
pub fn context_buckets(w: &[u8; CTX]) -> Vec<u8> {
    let mut out = Vec::with_capacity(21);
    for n in 1..=3 {
        for p in 0..=CTX - n {
            out.push((hash(7 * p as u16, &w[p..p + n]) & 127) as u8);
        }
    }
    out
}

/// The context half of the input vector (indices 128…255, here 0…127).
pub fn context_input(w: &[u8; CTX]) -> [i16; 128] {
    let mut x = [0i16; 128];
    for b in context_buckets(w) {
        x[usize::from(b)] += UNIT;
    }
    x
}

/// Shifts an emitted byte into the window (spec §5).
pub fn push_window(w: &mut [u8; CTX], b: u8) {
    w.rotate_left(1);
    w[CTX - 1] = fold(b);
}
