//! Dataset generators: our own training data, written from tables and templates in this crate
//! (`guess`: a 20-questions game from a knowledge table; `tinychat`: a terse chatbot corpus).
//! Both are deterministic for a seed and emit `input|OUTPUT` lines (see `train::dataset`);
//! `lint` measures what a dataset lets a model learn.
//! Nothing here is derived from the upstream project's data.

pub mod guess;
pub mod lint;
pub mod phrasing;
pub mod tinychat;

use crate::train::dataset::Example;

/// Renders examples as dataset text with a header saying what generated them.
pub fn to_text(header: &str, examples: &[Example]) -> String {
    let mut s = String::new();
    for line in header.lines() {
        s.push_str("# ");
        s.push_str(line);
        s.push('\n');
    }
    for e in examples {
        s.push_str(&String::from_utf8_lossy(&e.input));
        s.push('|');
        s.push_str(&String::from_utf8_lossy(&e.output));
        s.push('\n');
    }
    s
}
