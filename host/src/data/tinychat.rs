//! The tinychat corpus behind `z80lm data tinychat`: a terse chatbot written as intents
//! (`tinychat_intents.txt`, authored for this project), each a reply and the phrases that get it.
//! Every phrase is written once plainly and several times varied (see [`super::phrasing`]).

use std::collections::HashSet;

use super::phrasing::{vary, Style};
use crate::train::dataset::Example;
use crate::train::rng::Rng;

/// The intents shipped with z80lm.
pub const BUILTIN_INTENTS: &str = include_str!("tinychat_intents.txt");

/// A problem in the intents text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChatError {
    #[error("intents line {line}: {reason}")]
    Intents { line: usize, reason: String },
}

/// Generator settings.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub seed: u64,
    /// Varied copies per phrase (the plain phrase is always included once).
    pub variants: usize,
    pub typo: f32,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            seed: 1,
            variants: 12,
            typo: 0.2,
        }
    }
}

/// (phrase, reply) pairs from the intents text, with `{list}` expanded.
pub fn intents(text: &str) -> Result<Vec<(String, String)>, ChatError> {
    let mut lists: Vec<(String, Vec<String>)> = Vec::new();
    let mut rules: Vec<(usize, String, String)> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        // Split at the first ": " so replies like "?" and "WHY?" are allowed.
        let (head, body) = line.split_once(": ").ok_or_else(|| ChatError::Intents {
            line: i + 1,
            reason: "expected `REPLY: phrase; phrase`".into(),
        })?;
        let items = body
            .split(';')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty());
        if let Some(name) = head.strip_prefix('=') {
            lists.push((name.to_string(), items.collect()));
        } else {
            let bad = head
                .bytes()
                .find(|b| !(b.is_ascii_uppercase() || b.is_ascii_digit() || b" !?".contains(b)));
            if let Some(b) = bad {
                return Err(ChatError::Intents {
                    line: i + 1,
                    reason: format!(
                        "reply {head:?} uses {:?}; replies use A-Z 0-9 space ! ?",
                        b as char
                    ),
                });
            }
            for p in items {
                rules.push((i + 1, head.to_string(), p));
            }
        }
    }
    let mut out = Vec::new();
    for (line, reply, phrase) in rules {
        match (phrase.find('{'), phrase.find('}')) {
            (Some(a), Some(b)) if a < b => {
                let name = &phrase[a + 1..b];
                let list =
                    lists
                        .iter()
                        .find(|(n, _)| n == name)
                        .ok_or_else(|| ChatError::Intents {
                            line,
                            reason: format!("no list ={name}"),
                        })?;
                for item in &list.1 {
                    let text = format!("{}{}{}", &phrase[..a], item, &phrase[b + 1..]);
                    out.push((text, reply.clone()));
                }
            }
            _ => out.push((phrase, reply)),
        }
    }
    Ok(out)
}

/// The corpus: every phrase plainly and `variants` times varied, deduplicated, seeded order.
pub fn generate(text: &str, opt: Options) -> Result<Vec<Example>, ChatError> {
    let mut rng = Rng::new(opt.seed);
    let style = Style {
        typo: opt.typo,
        filler: 0.25,
        question: 0.3,
    };
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (phrase, reply) in intents(text)? {
        let mut push = |s: String| {
            if seen.insert(s.to_ascii_lowercase()) {
                out.push(Example {
                    input: s.into_bytes(),
                    output: reply.as_bytes().to_vec(),
                });
            }
        };
        push(phrase.clone());
        for _ in 0..opt.variants {
            push(vary(&mut rng, &phrase, style));
        }
    }
    rng.shuffle(&mut out);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_corpus_has_a_few_thousand_lines() {
        let ex = generate(BUILTIN_INTENTS, Options::default()).unwrap();
        assert!((2000..6000).contains(&ex.len()), "{}", ex.len());
        let hello = ex.iter().find(|e| e.input == b"hello").unwrap();
        assert_eq!(hello.output, b"HI");
        let music = ex.iter().find(|e| e.input == b"do you like music").unwrap();
        assert_eq!(music.output, b"YES!");
    }

    #[test]
    fn bad_reply_is_reported_with_its_line() {
        let e = intents("# c\nhi: hello\n").unwrap_err();
        assert!(
            e.to_string().starts_with("intents line 2: reply \"hi\""),
            "{e}"
        );
    }
}
