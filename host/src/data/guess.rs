//! The 20-questions generator behind `z80lm data guess --secret NAME`.
//!
//! The knowledge table (`guess_table.txt`, written for this project) lists attributes with the
//! questions that ask about them, and objects with the attributes that are YES or MAYBE for them.
//! For a secret object every attribute question gets YES / NO / MAYBE, a guess of the secret (or
//! one of its aliases) gets WIN, and a guess of anything else gets NO. Each question is written
//! several times with fillers, punctuation, capitals and typos (see [`super::phrasing`]).

use std::collections::HashSet;

use super::phrasing::{vary, Style};
use crate::train::dataset::Example;
use crate::train::rng::Rng;

/// The table shipped with z80lm.
pub const BUILTIN_TABLE: &str = include_str!("guess_table.txt");

/// Why a table or a request could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GuessError {
    #[error("knowledge table line {line}: {reason}")]
    Table { line: usize, reason: String },
    #[error("unknown secret {0:?}; the table has: {1}")]
    UnknownSecret(String, String),
}

/// A three-valued answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Yes,
    No,
    Maybe,
}

impl Answer {
    pub fn label(self) -> &'static str {
        match self {
            Answer::Yes => "YES",
            Answer::No => "NO",
            Answer::Maybe => "MAYBE",
        }
    }
}

/// An attribute and the questions that ask about it.
#[derive(Debug, Clone)]
pub struct Attribute {
    pub name: String,
    pub questions: Vec<String>,
}

/// An object: its names (first = canonical) and its answer for each attribute (by index).
#[derive(Debug, Clone)]
pub struct Object {
    pub names: Vec<String>,
    pub answers: Vec<Answer>,
}

/// The parsed knowledge table.
#[derive(Debug, Clone)]
pub struct Table {
    pub attributes: Vec<Attribute>,
    pub objects: Vec<Object>,
    pub decoys: Vec<String>,
}

impl Table {
    pub fn builtin() -> Result<Table, GuessError> {
        Table::parse(BUILTIN_TABLE)
    }

    /// Parses the table format described at the top of `guess_table.txt`.
    pub fn parse(text: &str) -> Result<Table, GuessError> {
        let mut t = Table {
            attributes: Vec::new(),
            objects: Vec::new(),
            decoys: Vec::new(),
        };
        let mut rows: Vec<(usize, &str, &str)> = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            let err = |reason: &str| GuessError::Table {
                line: i + 1,
                reason: reason.to_string(),
            };
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(rest) = line.strip_prefix('~') {
                t.decoys.extend(rest.split_whitespace().map(str::to_string));
            } else if let Some(rest) = line.strip_prefix('@') {
                let (name, qs) = rest
                    .split_once(':')
                    .ok_or_else(|| err("expected @name: q; q"))?;
                let questions: Vec<String> = qs
                    .split(';')
                    .map(|q| q.trim().to_string())
                    .filter(|q| !q.is_empty())
                    .collect();
                if questions.is_empty() {
                    return Err(err("attribute without questions"));
                }
                t.attributes.push(Attribute {
                    name: name.trim().to_string(),
                    questions,
                });
            } else {
                let (names, attrs) = line
                    .split_once(':')
                    .ok_or_else(|| err("expected `name, alias: attr attr?`"))?;
                rows.push((i + 1, names, attrs));
            }
        }
        for (line, names, attrs) in rows {
            let mut answers = vec![Answer::No; t.attributes.len()];
            for a in attrs.split_whitespace() {
                let (name, ans) = match a.strip_suffix('?') {
                    Some(n) => (n, Answer::Maybe),
                    None => (a, Answer::Yes),
                };
                let k = t
                    .attributes
                    .iter()
                    .position(|x| x.name == name)
                    .ok_or_else(|| GuessError::Table {
                        line,
                        reason: format!("unknown attribute {name:?}"),
                    })?;
                answers[k] = ans;
            }
            t.objects.push(Object {
                names: names.split(',').map(|n| n.trim().to_string()).collect(),
                answers,
            });
        }
        Ok(t)
    }

    /// Canonical names of all objects, comma separated (for messages and `--list`).
    pub fn secrets(&self) -> String {
        let names: Vec<&str> = self.objects.iter().map(|o| o.names[0].as_str()).collect();
        names.join(", ")
    }

    pub fn find(&self, secret: &str) -> Result<&Object, GuessError> {
        let s = secret.trim().to_ascii_lowercase();
        self.objects
            .iter()
            .find(|o| o.names.contains(&s))
            .ok_or_else(|| GuessError::UnknownSecret(secret.to_string(), self.secrets()))
    }
}

/// Generator settings.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub seed: u64,
    /// Varied copies per question (the plain question is always included once).
    pub variants: usize,
    /// Chance of a typo in a varied copy.
    pub typo: f32,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            seed: 1,
            variants: 4,
            typo: 0.2,
        }
    }
}

/// Ways to guess an object; `{}` is the noun, `{a}` the article.
const GUESSES: &[&str] = &[
    "is it {a} {}",
    "is it {}",
    "is it the {}",
    "it is {a} {}",
    "its {a} {}",
    "it's {a} {}",
    "{}",
    "{a} {}",
    "i think it is {a} {}",
    "i think its {a} {}",
    "i guess {a} {}",
    "my guess is {a} {}",
    "are you {a} {}",
    "you are {a} {}",
    "it must be {a} {}",
    "is the answer {a} {}",
    "could it be {a} {}",
    "is your thing {a} {}",
];

fn guess_text(template: &str, noun: &str) -> String {
    let article = if noun.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    template.replace("{a}", article).replace("{}", noun)
}

/// All examples for one secret, deduplicated, in a seeded order.
pub fn generate(table: &Table, secret: &str, opt: Options) -> Result<Vec<Example>, GuessError> {
    let target = table.find(secret)?;
    let mut rng = Rng::new(opt.seed);
    let style = Style {
        typo: opt.typo,
        filler: 0.3,
        question: 0.4,
    };
    let mut lines: Vec<(String, &'static str)> = Vec::new();
    let mut add = |rng: &mut Rng, base: &str, label: &'static str, copies: usize| {
        lines.push((base.to_string(), label));
        for _ in 0..copies {
            lines.push((vary(rng, base, style), label));
        }
    };
    for (k, attr) in table.attributes.iter().enumerate() {
        let label = target.answers[k].label();
        for q in &attr.questions {
            add(&mut rng, q, label, opt.variants);
        }
    }
    let mut nouns: Vec<(&str, bool)> = Vec::new();
    for o in &table.objects {
        let is_secret = std::ptr::eq(o, target);
        nouns.extend(o.names.iter().map(|n| (n.as_str(), is_secret)));
    }
    nouns.extend(table.decoys.iter().map(|d| (d.as_str(), false)));
    for (noun, is_secret) in nouns {
        for t in GUESSES {
            let text = guess_text(t, noun);
            if is_secret {
                add(&mut rng, &text, "WIN", 3 * opt.variants);
            } else {
                // One plain and one varied copy per template keeps NO from swamping the rest.
                let copies = usize::from(rng.chance(0.5));
                add(&mut rng, &text, "NO", copies);
            }
        }
    }
    let mut seen = HashSet::new();
    let mut out: Vec<Example> = lines
        .into_iter()
        .filter(|(i, _)| seen.insert(i.to_ascii_lowercase()))
        .map(|(i, o)| Example {
            input: i.into_bytes(),
            output: o.as_bytes().to_vec(),
        })
        .collect();
    rng.shuffle(&mut out);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_table_parses_and_labels_chair() {
        let t = Table::builtin().unwrap();
        assert!(t.objects.len() >= 30 && t.attributes.len() >= 30);
        let ex = generate(&t, "chair", Options::default()).unwrap();
        let label = |q: &str| {
            ex.iter()
                .find(|e| e.input == q.as_bytes())
                .map(|e| String::from_utf8_lossy(&e.output).into_owned())
        };
        assert_eq!(label("is it a chair").as_deref(), Some("WIN"));
        assert_eq!(label("is it alive").as_deref(), Some("NO"));
        assert_eq!(label("can you sit on it").as_deref(), Some("YES"));
        assert_eq!(label("is it made of metal").as_deref(), Some("MAYBE"));
        assert_eq!(label("is it a table").as_deref(), Some("NO"));
        let again = generate(&t, "chair", Options::default()).unwrap();
        assert_eq!(ex, again);
    }

    #[test]
    fn unknown_secret_lists_choices_and_bad_attribute_is_reported() {
        let t = Table::builtin().unwrap();
        let e = generate(&t, "spaceship", Options::default()).unwrap_err();
        assert!(e.to_string().contains("chair, table"), "{e}");
        let bad = Table::parse("@a: is it a\nthing: b\n").unwrap_err();
        assert_eq!(
            bad.to_string(),
            "knowledge table line 2: unknown attribute \"b\""
        );
    }
}
