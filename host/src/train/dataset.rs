//! Training data: `input|OUTPUT` lines, one example per line (`.txt` or gzip-compressed `.gz`).
//!
//! Rules: the line terminator (LF or CR LF) is dropped; blank lines and lines whose first non-space
//! byte is `#` are ignored; the line is split at its *last* `|`; both halves are trimmed of spaces
//! and tabs. The input is matched case-insensitively (the spec §4 encoder folds A–Z); the output is
//! kept byte for byte and must be 1…50 bytes (spec §1 MAX_OUT) without NUL (EOS) or `|`.
//! A malformed line is reported with `file:line` and skipped, or rejected in strict mode.
//!
//! Also here: the fixed held-out split (by content, independent of the training seed) and the
//! teacher-forced step sequence of one example (spec §5 context window, §8 generation loop).

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::model::encode::{hash, push_window, CTX, MAX_OUT, START_WINDOW};

/// One training example.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    pub input: Vec<u8>,
    pub output: Vec<u8>,
}

/// A line that could not be used, with where it is and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    pub file: String,
    pub line: usize,
    pub reason: String,
}

impl std::fmt::Display for Malformed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.reason)
    }
}

/// Why a dataset could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DataError {
    #[error("cannot read {0}: {1}")]
    Io(String, String),
    #[error("{0} (strict mode rejects malformed lines; drop --strict to skip them)")]
    Malformed(Malformed),
    #[error("no examples in {0} (expected lines like `is it alive|NO`)")]
    Empty(String),
    #[error("the outputs use {0} distinct bytes; a model supports at most 254 plus EOS")]
    TooManySymbols(usize),
}

/// Examples from one or more files plus the lines that were skipped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dataset {
    pub examples: Vec<Example>,
    pub skipped: Vec<Malformed>,
}

impl Dataset {
    /// Loads and concatenates files in order. `.gz` files are decompressed.
    pub fn load(paths: &[PathBuf], strict: bool) -> Result<Dataset, DataError> {
        let mut all = Dataset::default();
        for p in paths {
            let bytes = read_maybe_gz(p)?;
            let d = parse(&p.display().to_string(), &bytes, strict)?;
            all.examples.extend(d.examples);
            all.skipped.extend(d.skipped);
        }
        if all.examples.is_empty() {
            let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
            return Err(DataError::Empty(names.join(", ")));
        }
        Ok(all)
    }

    /// The output alphabet: the distinct output bytes in ascending order, then 0x00 for EOS
    /// (spec §2: EOS is the last index).
    pub fn charset(&self) -> Result<Vec<u8>, DataError> {
        let mut seen = [false; 256];
        for e in &self.examples {
            for &b in &e.output {
                seen[usize::from(b)] = true;
            }
        }
        let mut cs: Vec<u8> = (1u8..=255).filter(|&b| seen[usize::from(b)]).collect();
        if cs.len() > 254 {
            return Err(DataError::TooManySymbols(cs.len()));
        }
        cs.push(0);
        Ok(cs)
    }

    /// Splits into (train, held-out) with about `percent`% held out. The split depends only on
    /// the example's text, so duplicates land on the same side and every run splits alike.
    pub fn split(&self, percent: u32) -> (Vec<Example>, Vec<Example>) {
        let (mut train, mut held) = (Vec::new(), Vec::new());
        for e in &self.examples {
            if percent > 0 && held_out(e, percent) {
                held.push(e.clone());
            } else {
                train.push(e.clone());
            }
        }
        (train, held)
    }
}

/// Whether an example falls in the held-out `percent`% (a content hash, FNV-1a over the folded
/// input and the output).
pub fn held_out(e: &Example, percent: u32) -> bool {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in e
        .input
        .iter()
        .map(|b| b.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .iter()
    {
        h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
    }
    h = (h ^ u64::from(b'|')).wrapping_mul(0x100_0000_01b3);
    for &b in &e.output {
        h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
    }
    (h % 100) < u64::from(percent)
}

fn read_maybe_gz(p: &Path) -> Result<Vec<u8>, DataError> {
    let name = p.display().to_string();
    let raw = std::fs::read(p).map_err(|e| DataError::Io(name.clone(), e.to_string()))?;
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .map_err(|e| DataError::Io(name, format!("bad gzip data: {e}")))?;
        Ok(out)
    } else {
        Ok(raw)
    }
}

/// Parses the text of one file named `file` (used in messages).
pub fn parse(file: &str, text: &[u8], strict: bool) -> Result<Dataset, DataError> {
    let mut d = Dataset::default();
    for (i, raw) in text.split(|&b| b == b'\n').enumerate() {
        let line = raw.strip_suffix(b"\r").unwrap_or(raw);
        let body = trim(line);
        if body.is_empty() || body[0] == b'#' {
            continue;
        }
        match parse_line(body) {
            Ok(e) => d.examples.push(e),
            Err(reason) => {
                let m = Malformed {
                    file: file.to_string(),
                    line: i + 1,
                    reason,
                };
                if strict {
                    return Err(DataError::Malformed(m));
                }
                d.skipped.push(m);
            }
        }
    }
    Ok(d)
}

fn trim(s: &[u8]) -> &[u8] {
    let ws = |b: &u8| *b == b' ' || *b == b'\t';
    let start = s.iter().position(|b| !ws(b)).unwrap_or(s.len());
    let end = s.iter().rposition(|b| !ws(b)).map_or(start, |e| e + 1);
    &s[start..end.max(start)]
}

fn parse_line(body: &[u8]) -> Result<Example, String> {
    let Some(bar) = body.iter().rposition(|&b| b == b'|') else {
        return Err("no `|` between input and output (expected `input|OUTPUT`)".into());
    };
    let input = trim(&body[..bar]);
    let output = trim(&body[bar + 1..]);
    if input.is_empty() {
        return Err("empty input before `|`".into());
    }
    if output.is_empty() {
        return Err("empty output after `|`".into());
    }
    if output.len() > MAX_OUT {
        return Err(format!(
            "output has {} bytes; a response has at most {MAX_OUT}",
            output.len()
        ));
    }
    if output.contains(&0) {
        return Err("output contains a NUL byte (reserved for EOS)".into());
    }
    Ok(Example {
        input: input.to_vec(),
        output: output.to_vec(),
    })
}

/// The context windows of an example's teacher-forced steps: step t sees the first t output
/// bytes (spec §5) and must produce output byte t, or EOS after the last one.
pub fn windows(output: &[u8]) -> Vec<[u8; CTX]> {
    let mut w = START_WINDOW;
    let mut all = Vec::with_capacity(output.len() + 1);
    all.push(w);
    for &b in output {
        push_window(&mut w, b);
        all.push(w);
    }
    all
}

/// A short stable fingerprint of a dataset (for logs and the checkpoint note).
pub fn fingerprint(examples: &[Example]) -> u16 {
    examples.iter().fold(0u16, |h, e| {
        hash(hash(h, &e.input), &e.output).wrapping_mul(31)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_comments_blanks_and_reports_malformed() {
        let text = b"# header\n\nis it alive|NO\r\n  Is It A Chair | WIN \nbroken line\nx|\n";
        let d = parse("t.txt", text, false).unwrap();
        assert_eq!(d.examples.len(), 2);
        assert_eq!(d.examples[1].input, b"Is It A Chair");
        assert_eq!(d.examples[1].output, b"WIN");
        assert_eq!(d.skipped.len(), 2);
        assert_eq!(d.skipped[0].to_string().split(": ").next(), Some("t.txt:5"));
        assert_eq!(d.skipped[1].line, 6);
        let err = parse("t.txt", text, true).unwrap_err();
        assert!(err.to_string().starts_with("t.txt:5: no `|`"), "{err}");
    }

    #[test]
    fn splits_at_last_bar_and_builds_windows() {
        let d = parse("t", b"a|b|YES", false).unwrap();
        assert_eq!(d.examples[0].input, b"a|b");
        let w = windows(b"YES");
        assert_eq!(w.len(), 4);
        assert_eq!(&w[3], b"     yes");
    }
}
