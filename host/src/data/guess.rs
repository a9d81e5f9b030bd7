//! The 20-questions generator behind `z80lm data guess --secret NAME [--table FILE]`.
//!
//! The knowledge table (`guess_table.toml`, written for this project; its header explains the
//! format) holds attributes in families (what kind of thing, where it is found, materials,
//! colours, parts, uses, users, power, history, ...), each with phrases by grammatical kind, the
//! question templates that turn a phrase into the ways players ask, ranked scales (size, weight,
//! price) with reference things, and objects with their YES / MAYBE attributes and scale ranges.
//! For a secret every question gets YES / NO / MAYBE, a guess of one of the secret's names gets
//! WIN, a guess of anything else NO, and a request for a hint NO. Each line is then varied with
//! fillers, punctuation, capitals and typos (see [`super::phrasing`]).

use std::collections::{BTreeMap, HashSet};

use serde::Deserialize;

use super::phrasing::{typo, vary, Style};
use crate::train::dataset::Example;
use crate::train::rng::Rng;

/// The table shipped with z80lm.
pub const BUILTIN_TABLE: &str = include_str!("guess_table.toml");

/// Why a table or a request could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GuessError {
    #[error("knowledge table: {0}")]
    Syntax(String),
    #[error("knowledge table: {0}")]
    Table(String),
    #[error("unknown secret {0:?}; the table has: {1}")]
    UnknownSecret(String, String),
}

/// A three-valued answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
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

/// Question templates by grammatical kind (see the table's header).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Templates {
    pub subjects: Vec<String>,
    pub objects: Vec<String>,
    pub is: Vec<String>,
    pub you_is: Vec<String>,
    pub has: Vec<String>,
    pub you_has: Vec<String>,
    pub does: Vec<String>,
    pub you_does: Vec<String>,
    pub act: Vec<String>,
    pub you_act: Vec<String>,
    #[serde(rename = "where")]
    pub where_: Vec<String>,
    pub you_where: Vec<String>,
    pub users: Vec<String>,
    pub you_users: Vec<String>,
    pub guess: Vec<String>,
    pub nonguess: Vec<String>,
}

/// An attribute: its family and its phrases by kind.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attribute {
    pub name: String,
    pub family: String,
    #[serde(default)]
    pub is: Vec<String>,
    #[serde(default)]
    pub has: Vec<String>,
    #[serde(default)]
    pub does: Vec<String>,
    #[serde(default)]
    pub act: Vec<String>,
    #[serde(default, rename = "where")]
    pub where_: Vec<String>,
    #[serde(default)]
    pub users: Vec<String>,
    #[serde(default)]
    pub ask: Vec<String>,
}

/// A reference thing on a scale.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    pub at: f64,
    pub names: Vec<String>,
}

/// A plain question answered against a fixed point of a scale ("is it big").
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Level {
    pub more: Option<f64>,
    pub less: Option<f64>,
    pub margin: f64,
    pub is: Vec<String>,
}

/// A ranked scale (size, weight, price) with its comparison questions.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scale {
    pub name: String,
    pub refs: Vec<Reference>,
    pub more: Vec<String>,
    pub less: Vec<String>,
    #[serde(default)]
    pub levels: Vec<Level>,
}

/// Defaults shared by the objects of a kind.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Kind {
    pub name: String,
    #[serde(default)]
    pub yes: Vec<String>,
    #[serde(default)]
    pub maybe: Vec<String>,
}

/// An object as written in the table (any other key must be a scale's range, checked in
/// [`Table::answers`]).
#[derive(Debug, Clone, Deserialize)]
pub struct ObjectDef {
    pub names: Vec<String>,
    pub kind: String,
    #[serde(default)]
    pub yes: Vec<String>,
    #[serde(default)]
    pub maybe: Vec<String>,
    #[serde(default)]
    pub no: Vec<String>,
    /// Scale name -> [lo, hi] (the `size`, `weight`, `price` keys).
    #[serde(flatten)]
    pub ranges: BTreeMap<String, [f64; 2]>,
}

/// The parsed knowledge table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Table {
    #[serde(default)]
    pub decoys: Vec<String>,
    pub templates: Templates,
    #[serde(rename = "attribute")]
    pub attributes: Vec<Attribute>,
    #[serde(rename = "scale", default)]
    pub scales: Vec<Scale>,
    #[serde(rename = "kind", default)]
    pub kinds: Vec<Kind>,
    #[serde(rename = "object")]
    pub objects: Vec<ObjectDef>,
}

/// An object's answers: one per attribute (by index) and its range on each scale (by index).
#[derive(Debug, Clone, PartialEq)]
pub struct Answers {
    pub attributes: Vec<Answer>,
    pub ranges: Vec<[f64; 2]>,
}

impl Table {
    pub fn builtin() -> Result<Table, GuessError> {
        Table::parse(BUILTIN_TABLE)
    }

    /// Parses and checks a table: every name an object or kind lists is an attribute (or
    /// `@family`), every kind exists, every object has a range on every scale.
    pub fn parse(text: &str) -> Result<Table, GuessError> {
        let t: Table = toml::from_str(text).map_err(|e| GuessError::Syntax(e.to_string()))?;
        if t.objects.is_empty() || t.attributes.is_empty() {
            return Err(GuessError::Table(
                "needs at least one [[attribute]] and one [[object]]".into(),
            ));
        }
        let mut seen = HashSet::new();
        for a in &t.attributes {
            if !seen.insert(a.name.as_str()) {
                return Err(GuessError::Table(format!(
                    "attribute {:?} is defined twice",
                    a.name
                )));
            }
            let n = a.is.len()
                + a.has.len()
                + a.does.len()
                + a.act.len()
                + a.where_.len()
                + a.users.len()
                + a.ask.len();
            if n == 0 {
                return Err(GuessError::Table(format!(
                    "attribute {:?} has no phrases",
                    a.name
                )));
            }
        }
        let mut names = HashSet::new();
        for o in &t.objects {
            if o.names.is_empty() {
                return Err(GuessError::Table("an object without names".into()));
            }
            for n in &o.names {
                if !names.insert(n.to_ascii_lowercase()) {
                    return Err(GuessError::Table(format!(
                        "object name {n:?} is used twice"
                    )));
                }
            }
            t.answers(o)?;
        }
        Ok(t)
    }

    /// Canonical names of all objects, comma separated (for messages and `--list`).
    pub fn secrets(&self) -> String {
        let names: Vec<&str> = self.objects.iter().map(|o| o.names[0].as_str()).collect();
        names.join(", ")
    }

    /// The object one of whose names is `secret` (case and surrounding space ignored).
    pub fn find(&self, secret: &str) -> Result<&ObjectDef, GuessError> {
        let s = secret.trim().to_ascii_lowercase();
        self.objects
            .iter()
            .find(|o| o.names.iter().any(|n| n.to_ascii_lowercase() == s))
            .ok_or_else(|| GuessError::UnknownSecret(secret.to_string(), self.secrets()))
    }

    /// Attribute indices a list entry names: one attribute, or every attribute of `@family`.
    fn expand(&self, entry: &str, who: &str) -> Result<Vec<usize>, GuessError> {
        let found: Vec<usize> = match entry.strip_prefix('@') {
            Some(fam) => (0..self.attributes.len())
                .filter(|&k| self.attributes[k].family == fam)
                .collect(),
            None => (0..self.attributes.len())
                .filter(|&k| self.attributes[k].name == entry)
                .collect(),
        };
        if found.is_empty() {
            return Err(GuessError::Table(format!(
                "{who}: unknown attribute {entry:?}"
            )));
        }
        Ok(found)
    }

    /// The answers of one object: its kind's defaults, then its own `no`, `yes`, `maybe`.
    pub fn answers(&self, o: &ObjectDef) -> Result<Answers, GuessError> {
        let who = format!("object {:?}", o.names[0]);
        let kind = self
            .kinds
            .iter()
            .find(|k| k.name == o.kind)
            .ok_or_else(|| GuessError::Table(format!("{who}: unknown kind {:?}", o.kind)))?;
        let mut attributes = vec![Answer::No; self.attributes.len()];
        let lists = [
            (&kind.yes, Answer::Yes),
            (&kind.maybe, Answer::Maybe),
            (&o.no, Answer::No),
            (&o.yes, Answer::Yes),
            (&o.maybe, Answer::Maybe),
        ];
        for (list, ans) in lists {
            for entry in list {
                for k in self.expand(entry, &who)? {
                    attributes[k] = ans;
                }
            }
        }
        let mut ranges = Vec::new();
        for s in &self.scales {
            let r = o
                .ranges
                .get(&s.name)
                .ok_or_else(|| GuessError::Table(format!("{who}: no `{} = [lo, hi]`", s.name)))?;
            if r[0] > r[1] {
                return Err(GuessError::Table(format!(
                    "{who}: {} range {r:?} has lo above hi",
                    s.name
                )));
            }
            ranges.push(*r);
        }
        if let Some(k) = o
            .ranges
            .keys()
            .find(|k| !self.scales.iter().any(|s| &s.name == *k))
        {
            return Err(GuessError::Table(format!("{who}: unknown key {k:?}")));
        }
        Ok(Answers { attributes, ranges })
    }
}

/// Generator settings.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub seed: u64,
    /// Questions drawn per attribute whose answer is NO (YES and MAYBE ones get at least twice
    /// as many, so the labels stay balanced).
    pub per_attribute: usize,
    /// Chance of a typo in a line.
    pub typo: f32,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            seed: 1,
            per_attribute: 16,
            typo: 0.2,
        }
    }
}

/// Fills `{s}`, `{o}`, `{p}` and `{r}` in a template.
fn fill(rng: &mut Rng, tpl: &str, t: &Templates, p: &str, r: &str) -> String {
    let mut out = tpl.replace("{p}", p).replace("{r}", r);
    if out.contains("{s}") {
        out = out.replace("{s}", rng_pick(rng, &t.subjects));
    }
    if out.contains("{o}") {
        out = out.replace("{o}", rng_pick(rng, &t.objects));
    }
    out
}

/// One way to ask about an attribute, drawn at random over its phrases (each phrase kind with
/// its templates; a quarter of the time addressed to "you").
fn ask(rng: &mut Rng, t: &Templates, a: &Attribute) -> String {
    let kinds: [(&Vec<String>, &Vec<String>, &Vec<String>); 7] = [
        (&a.is, &t.is, &t.you_is),
        (&a.has, &t.has, &t.you_has),
        (&a.does, &t.does, &t.you_does),
        (&a.act, &t.act, &t.you_act),
        (&a.where_, &t.where_, &t.you_where),
        (&a.users, &t.users, &t.you_users),
        (&a.ask, &a.ask, &a.ask),
    ];
    let total: usize = kinds.iter().map(|k| k.0.len()).sum();
    let mut i = rng.below(total);
    for (phrases, tpl, you) in kinds {
        if i >= phrases.len() {
            i -= phrases.len();
            continue;
        }
        let p = &phrases[i];
        if std::ptr::eq(phrases, tpl) {
            return fill(rng, p, t, "", "");
        }
        if rng.chance(0.25) {
            // "you" templates carry their own subject; an object pronoun in the phrase is "you".
            let tp = rng_pick(rng, you).to_string();
            return fill(rng, &tp, t, &p.replace("{o}", "you"), "");
        }
        let tp = rng_pick(rng, tpl).to_string();
        let p = p.replace("{o}", rng_pick(rng, &t.objects));
        return fill(rng, &tp, t, &p, "");
    }
    unreachable!("index below the phrase count")
}

fn rng_pick<'a>(rng: &mut Rng, v: &'a [String]) -> &'a str {
    rng.pick(v).as_str()
}

/// The answer of a comparison "more than r" (or "less than r") for a range.
fn compare(range: [f64; 2], r: f64, more: bool) -> Answer {
    let [lo, hi] = range;
    match more {
        true if lo > r => Answer::Yes,
        true if hi < r => Answer::No,
        false if hi < r => Answer::Yes,
        false if lo > r => Answer::No,
        _ => Answer::Maybe,
    }
}

/// The answer of a level question ("is it big") for a range.
fn level(range: [f64; 2], l: &Level) -> Answer {
    let [lo, hi] = range;
    if let Some(at) = l.more {
        if lo >= at {
            Answer::Yes
        } else if hi <= at - l.margin {
            Answer::No
        } else {
            Answer::Maybe
        }
    } else if let Some(at) = l.less {
        if hi <= at {
            Answer::Yes
        } else if lo >= at + l.margin {
            Answer::No
        } else {
            Answer::Maybe
        }
    } else {
        Answer::Maybe
    }
}

fn article(noun: &str) -> &'static str {
    if noun.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

fn guess_text(template: &str, noun: &str) -> String {
    template.replace("{a}", article(noun)).replace("{n}", noun)
}

/// The (question, label) pairs for a secret before surface variation, in table order.
pub fn questions(
    table: &Table,
    secret: &str,
    opt: Options,
    rng: &mut Rng,
) -> Result<Vec<(String, &'static str)>, GuessError> {
    let target = table.find(secret)?;
    let ans = table.answers(target)?;
    let t = &table.templates;
    let mut out: Vec<(String, &'static str)> = Vec::new();
    // YES and MAYBE attributes are asked `boost` times as often as NO ones (at least twice), so
    // that they make about 45% of the attribute questions even for a secret with few of them.
    let no = ans.attributes.iter().filter(|&&a| a == Answer::No).count();
    let other = (ans.attributes.len() - no).max(1);
    let boost = ((0.45 * no as f64) / (0.55 * other as f64))
        .round()
        .max(2.0) as usize;
    for (a, &answer) in table.attributes.iter().zip(&ans.attributes) {
        let n = match answer {
            Answer::No => opt.per_attribute,
            _ => boost * opt.per_attribute,
        };
        for _ in 0..n {
            out.push((ask(rng, t, a), answer.label()));
        }
    }
    for (s, &range) in table.scales.iter().zip(&ans.ranges) {
        for r in &s.refs {
            for (tpls, more) in [(&s.more, true), (&s.less, false)] {
                let answer = compare(range, r.at, more).label();
                for _ in 0..opt.per_attribute.div_ceil(2).max(1) {
                    let tpl = rng_pick(rng, tpls).to_string();
                    let name = rng_pick(rng, &r.names).to_string();
                    out.push((fill(rng, &tpl, t, "", &name), answer));
                }
            }
        }
        for l in &s.levels {
            let answer = level(range, l).label();
            for _ in 0..opt.per_attribute {
                let p = rng_pick(rng, &l.is).to_string();
                let tpls = if rng.chance(0.2) { &t.you_is } else { &t.is };
                let tpl = rng_pick(rng, tpls).to_string();
                let q = fill(rng, &tpl, t, &p, "");
                out.push((q, answer));
            }
        }
    }
    // Guesses: every template for each of the secret's names (and misspelled names), a few
    // for every other object and decoy.
    for o in &table.objects {
        let is_secret = std::ptr::eq(o, target);
        for name in &o.names {
            if is_secret {
                for tpl in &t.guess {
                    out.push((guess_text(tpl, name), "WIN"));
                    for _ in 0..2 {
                        let bad = typo(rng, name);
                        out.push((guess_text(rng_pick(rng, &t.guess), &bad), "WIN"));
                    }
                }
            } else {
                for _ in 0..3 {
                    let tpl = rng_pick(rng, &t.guess).to_string();
                    out.push((guess_text(&tpl, name), "NO"));
                }
            }
        }
    }
    for d in &table.decoys {
        for _ in 0..3 {
            let tpl = rng_pick(rng, &t.guess).to_string();
            out.push((guess_text(&tpl, d), "NO"));
        }
    }
    for q in &t.nonguess {
        for _ in 0..3 {
            out.push((q.clone(), "NO"));
        }
    }
    Ok(out)
}

/// All examples for one secret: every question once plainly or varied (fillers, punctuation,
/// capitals, typos), deduplicated (the first label of a line wins), in a seeded order.
pub fn generate(table: &Table, secret: &str, opt: Options) -> Result<Vec<Example>, GuessError> {
    let mut rng = Rng::new(opt.seed);
    let qs = questions(table, secret, opt, &mut rng)?;
    let style = Style {
        typo: opt.typo,
        filler: 0.25,
        question: 0.45,
    };
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (q, label) in qs {
        let line = if rng.chance(0.3) {
            q
        } else {
            vary(&mut rng, &q, style)
        };
        if seen.insert(line.to_ascii_lowercase()) {
            out.push(Example {
                input: line.into_bytes(),
                output: label.as_bytes().to_vec(),
            });
        }
    }
    rng.shuffle(&mut out);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(secret: &str) -> Vec<Example> {
        generate(&Table::builtin().unwrap(), secret, Options::default()).unwrap()
    }

    #[test]
    fn builtin_table_is_large_and_answers_chair_and_elephant() {
        let t = Table::builtin().unwrap();
        assert!(t.objects.len() >= 40 && t.attributes.len() >= 100);
        let chair = t.answers(t.find("chair").unwrap()).unwrap();
        let get = |a: &Answers, name: &str| {
            let k = t.attributes.iter().position(|x| x.name == name).unwrap();
            a.attributes[k]
        };
        assert_eq!(get(&chair, "sit"), Answer::Yes);
        assert_eq!(get(&chair, "alive"), Answer::No);
        assert_eq!(get(&chair, "wood"), Answer::Maybe);
        assert_eq!(get(&chair, "kitchen"), Answer::Yes);
        let elephant = t.answers(t.find("Elephant").unwrap()).unwrap();
        assert_eq!(get(&elephant, "animal"), Answer::Yes);
        assert_eq!(get(&elephant, "sit"), Answer::No);
        // Sizes: a chair is bigger than a microwave and smaller than a person.
        let size = &t.scales[0];
        assert_eq!(compare(chair.ranges[0], 4.0, true), Answer::Yes);
        assert_eq!(compare(chair.ranges[0], 5.0, false), Answer::Yes);
        assert_eq!(compare(elephant.ranges[0], 5.0, true), Answer::Yes);
        assert_eq!(level(chair.ranges[0], &size.levels[2]), Answer::No);
    }

    #[test]
    fn generated_lines_are_balanced_seeded_and_never_win_on_a_hint() {
        for secret in ["chair", "elephant"] {
            let ex = labels(secret);
            assert_eq!(ex, labels(secret));
            let n = |l: &str| ex.iter().filter(|e| e.output == l.as_bytes()).count();
            let yes_maybe = (n("YES") + n("MAYBE")) as f64 / ex.len() as f64;
            assert!((0.35..0.55).contains(&yes_maybe), "{secret}: {yes_maybe}");
            assert!(n("WIN") > 50, "{secret}");
            let lines = |word: &str| -> Vec<&Example> {
                ex.iter()
                    .filter(|e| {
                        e.input
                            .to_ascii_lowercase()
                            .windows(word.len())
                            .any(|w| w == word.as_bytes())
                    })
                    .collect()
            };
            let hints = lines("hint");
            assert!(hints.len() > 5, "{secret}");
            assert!(hints.iter().all(|e| e.output == b"NO"), "{secret}");
            let guesses = lines(&format!("it {} {secret}", article(secret)));
            assert!(!guesses.is_empty(), "{secret}");
            assert!(guesses.iter().all(|e| e.output == b"WIN"), "{secret}");
        }
    }

    #[test]
    fn bad_tables_say_what_is_wrong() {
        let t = Table::builtin().unwrap();
        let e = generate(&t, "spaceship", Options::default()).unwrap_err();
        assert!(e.to_string().contains("chair, table"), "{e}");
        let bad = BUILTIN_TABLE.replace(
            "\"sit\", \"back\", \"legs\"",
            "\"sitt\", \"back\", \"legs\"",
        );
        let e = Table::parse(&bad).unwrap_err();
        assert_eq!(
            e.to_string(),
            "knowledge table: object \"chair\": unknown attribute \"sitt\""
        );
        let e = Table::parse("decoys = 3").unwrap_err();
        assert!(e.to_string().starts_with("knowledge table: "), "{e}");
    }
}
