//! The tinychat corpus behind `z80lm data tinychat`: a terse chatbot written as intents
//! (`tinychat_intents.txt`, authored for this project), each a reply and the phrases that get it,
//! plus small sums and differences ("what is 2+3" -> 5). Every phrase is written once plainly and
//! several times varied (see [`super::phrasing`]).

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

/// The longest reply an intent may have (terse is the point; `data lint` checks it too).
pub const MAX_REPLY: usize = 12;

const NUMBERS: [&str; 11] = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
];

/// Ways to ask for a sum; `{a}` and `{b}` are the numbers (digits or words).
const PLUS: &[&str] = &[
    "what is {a}+{b}",
    "what is {a} + {b}",
    "whats {a}+{b}",
    "what's {a} plus {b}",
    "{a}+{b}",
    "{a} + {b}",
    "{a} plus {b}",
    "how much is {a}+{b}",
    "how much is {a} and {b}",
    "{a}+{b}=?",
    "what does {a}+{b} make",
    "add {a} and {b}",
    "can you add {a} and {b}",
    "what is {a} plus {b}",
    "{a} and {b} makes",
    "calculate {a}+{b}",
    "what's {a}+{b}",
];
const MINUS: &[&str] = &[
    "what is {a}-{b}",
    "what is {a} - {b}",
    "whats {a}-{b}",
    "what's {a} minus {b}",
    "{a}-{b}",
    "{a} - {b}",
    "{a} minus {b}",
    "how much is {a}-{b}",
    "what is {a} take away {b}",
    "{a}-{b}=?",
    "what is {a} minus {b}",
    "{b} from {a}",
    "calculate {a}-{b}",
];

/// Small sums (1 to 6 plus 1 to 6, up to 10) and differences (up to 10 minus 1 to 3), each
/// asked `copies` ways: the sums people try on a chatbot, few enough to learn.
pub fn arithmetic(rng: &mut Rng, copies: usize) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for a in 1..=10usize {
        for b in 1..=6usize {
            let sum = (a <= 6 && a + b <= 10).then_some(a + b);
            let diff = (b <= 3 && a > b).then(|| a - b);
            let asks: [(&[&str], Option<usize>); 2] = [(PLUS, sum), (MINUS, diff)];
            for (tpls, result) in asks {
                let Some(r) = result else { continue };
                for _ in 0..copies {
                    let words = rng.chance(0.3);
                    let num = |n: usize| {
                        if words {
                            NUMBERS[n].to_string()
                        } else {
                            n.to_string()
                        }
                    };
                    let q = rng
                        .pick(tpls)
                        .replace("{a}", &num(a))
                        .replace("{b}", &num(b));
                    out.push((q, r.to_string()));
                }
            }
        }
    }
    out
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

/// (phrase, reply, expanded from a list) from the intents text, with `{list}` expanded.
pub fn intents(text: &str) -> Result<Vec<(String, String, bool)>, ChatError> {
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
            if head.len() > MAX_REPLY {
                return Err(ChatError::Intents {
                    line: i + 1,
                    reason: format!("reply {head:?} is longer than {MAX_REPLY} characters"),
                });
            }
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
                    out.push((text, reply.clone(), true));
                }
            }
            _ => out.push((phrase, reply, false)),
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
    // Phrases from a list and sums are many alike lines: fewer varied copies each.
    let few = opt.variants.div_ceil(4);
    let mut all: Vec<(String, String, usize)> = intents(text)?
        .into_iter()
        .map(|(p, r, listed)| (p, r, if listed { few } else { opt.variants }))
        .collect();
    all.extend(
        arithmetic(&mut rng, 2)
            .into_iter()
            .map(|(p, r)| (p, r, few)),
    );
    for (phrase, reply, copies) in all {
        let mut push = |s: String| {
            if seen.insert(s.to_ascii_lowercase()) {
                out.push(Example {
                    input: s.into_bytes(),
                    output: reply.as_bytes().to_vec(),
                });
            }
        };
        push(phrase.clone());
        // A typo in a short line ("ok", "hiya") makes another word: none there.
        let letters = phrase.bytes().filter(u8::is_ascii_alphabetic).count();
        let style = Style {
            typo: if letters < 6 { 0.0 } else { style.typo },
            ..style
        };
        for _ in 0..copies {
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
        assert!((5000..12000).contains(&ex.len()), "{}", ex.len());
        let hello = ex.iter().find(|e| e.input == b"hello").unwrap();
        assert_eq!(hello.output, b"HI");
        let music = ex.iter().find(|e| e.input == b"do you like music").unwrap();
        assert_eq!(music.output, b"YES");
        assert!(ex.iter().all(|e| e.output.len() <= MAX_REPLY));
        let mut rng = Rng::new(3);
        for (q, r) in arithmetic(&mut rng, 2) {
            let nums: Vec<usize> = q
                .split(|c: char| !c.is_ascii_alphanumeric())
                .filter_map(|w| {
                    w.parse()
                        .ok()
                        .or_else(|| NUMBERS.iter().position(|n| *n == w))
                })
                .collect();
            let r: usize = r.parse().unwrap();
            assert_eq!(nums.len(), 2, "{q}");
            let want = if q.contains('+')
                || q.contains("plus")
                || q.contains("add")
                || q.contains("and")
            {
                nums[0] + nums[1]
            } else if q.contains(" from ") {
                nums[1] - nums[0]
            } else {
                nums[0] - nums[1]
            };
            assert_eq!(r, want, "{q}");
        }
    }

    #[test]
    fn no_phrase_has_two_replies() {
        let mut seen = std::collections::HashMap::new();
        for (p, r, _) in intents(BUILTIN_INTENTS).unwrap() {
            if let Some(other) = seen.insert(p.to_ascii_lowercase(), r.clone()) {
                assert_eq!(other, r, "{p:?} has two replies");
            }
        }
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
