//! A source file, parsed once into [`Line`]s and walked by both passes; keeps its text for
//! the listing.

use super::parse::{parse_line, Body, Line};

/// One source file, parsed once and walked by both passes.
#[derive(Debug)]
pub struct Source {
    pub name: String,
    pub text: String,
    /// Byte range of each line in `text` (index = line number - 1).
    pub spans: Vec<(u32, u32)>,
    pub lines: Vec<Line>,
}

impl Source {
    pub(super) fn parse(name: String, text: String) -> Source {
        let mut spans = Vec::new();
        let mut lines = Vec::new();
        let mut toks = Vec::new();
        let mut start = 0usize;
        for (k, l) in text.split('\n').enumerate() {
            spans.push((start as u32, (start + l.len()) as u32));
            start += l.len() + 1;
            let line = parse_line(l, k as u32 + 1, &mut toks);
            if line.label.is_some() || line.body != Body::Empty {
                lines.push(line);
            }
        }
        Source {
            name,
            text,
            spans,
            lines,
        }
    }

    /// The text of 1-based line `no`.
    pub fn line_text(&self, no: u32) -> &str {
        match self.spans.get((no as usize).wrapping_sub(1)) {
            Some(&(a, b)) => self.text[a as usize..b as usize].trim_end_matches('\r'),
            None => "",
        }
    }
}
