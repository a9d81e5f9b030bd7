//! A source file, parsed once into [`Line`]s and walked by both passes; keeps its text for
//! the listing.

use std::sync::Arc;

use super::lexer::Tok;
use super::parse::{parse_line, Block, Body, Line};

/// The body lines of a `macro`/`rept` starting at `raw[from]`, up to its matching
/// `endm`/`endr` (None if there is none), and the index after that end line.
fn collect<'a>(raw: &[&'a str], from: usize, toks: &mut Vec<Tok<'a>>) -> (Option<Block>, usize) {
    let mut depth = 1;
    let mut lines = Vec::new();
    for (j, l) in raw.iter().enumerate().skip(from) {
        match parse_line(l, 0, toks).body {
            Body::MacroStart(..) | Body::ReptStart(_) => depth += 1,
            Body::EndBlock => {
                depth -= 1;
                if depth == 0 {
                    return (
                        Some(Block {
                            params: Vec::new(),
                            lines,
                        }),
                        j + 1,
                    );
                }
            }
            _ => {}
        }
        lines.push((j as u32 + 1, l.to_string()));
    }
    (None, raw.len())
}

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
        let raw: Vec<&str> = text.split('\n').collect();
        let mut spans = Vec::with_capacity(raw.len());
        let mut start = 0usize;
        for l in &raw {
            spans.push((start as u32, (start + l.len()) as u32));
            start += l.len() + 1;
        }
        let mut lines = Vec::with_capacity(raw.len());
        let mut toks = Vec::new();
        let mut k = 0;
        while k < raw.len() {
            let mut line = parse_line(raw[k], k as u32 + 1, &mut toks);
            k += 1;
            match line.body {
                Body::MacroStart(..) | Body::ReptStart(_) => {
                    let (block, next) = collect(&raw, k, &mut toks);
                    k = next;
                    let body = std::mem::replace(&mut line.body, Body::Empty);
                    line.body = match (body, block) {
                        (Body::MacroStart(name, params), Some(mut b)) => {
                            b.params = params;
                            Body::Macro(name, Arc::new(b))
                        }
                        (Body::ReptStart(n), Some(b)) => Body::Rept(n, Arc::new(b)),
                        (Body::MacroStart(..), None) => Body::Bad("'macro' without 'endm'".into()),
                        _ => Body::Bad("'rept' without 'endr'".into()),
                    };
                }
                Body::EndBlock => {
                    line.body = Body::Bad("'endm'/'endr' without 'macro'/'rept'".into())
                }
                _ => {}
            }
            if line.label.is_some() || line.body != Body::Empty {
                lines.push(line);
            }
        }
        drop(toks);
        drop(raw);
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
