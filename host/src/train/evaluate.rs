//! Exact-match evaluation on the exact integer engine (`model::Engine`, spec §3–§8): the full
//! generated response must equal the expected output byte for byte (or, for a hand-written test
//! case, one of its acceptable replies). Results per expected output ("class"), overall, the
//! macro average over classes, a confusion table, how many replies fall outside a reply
//! vocabulary, and the per-layer accumulator maxima (16-bit overflow check, spec §6). Work is
//! split over rayon in fixed chunks and merged in order, so the result does not depend on the
//! thread count.

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;

use super::dataset::Example;
use crate::model::{Engine, Model};

/// One test line: an input and the replies that count as right (the first is its class).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    pub input: Vec<u8>,
    pub accept: Vec<Vec<u8>>,
}

impl From<&Example> for Case {
    fn from(e: &Example) -> Case {
        Case {
            input: e.input.clone(),
            accept: vec![e.output.clone()],
        }
    }
}

/// Why a test file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CasesError {
    #[error("{file}:{line}: {reason}")]
    Line {
        file: String,
        line: usize,
        reason: String,
    },
    #[error("no test lines in {0} (expected `input<TAB>REPLY[<TAB>REPLY...]`)")]
    Empty(String),
}

/// Parses a hand-written test file: `input<TAB>REPLY[<TAB>another acceptable reply...]` per
/// line, `#` comments and blank lines ignored; inputs and replies are trimmed of spaces.
pub fn parse_cases(file: &str, text: &str) -> Result<Vec<Case>, CasesError> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let err = |reason: &str| CasesError::Line {
            file: file.to_string(),
            line: i + 1,
            reason: reason.to_string(),
        };
        let mut cols = line.split('\t').map(str::trim);
        let input = cols.next().unwrap_or_default();
        let accept: Vec<Vec<u8>> = cols
            .filter(|c| !c.is_empty())
            .map(|c| c.as_bytes().to_vec())
            .collect();
        if input.is_empty() {
            return Err(err("empty input"));
        }
        if accept.is_empty() {
            return Err(err("no reply after a TAB (expected `input<TAB>REPLY`)"));
        }
        if accept
            .iter()
            .any(|a| a.len() > crate::model::encode::MAX_OUT)
        {
            return Err(err("a reply longer than 50 bytes"));
        }
        out.push(Case {
            input: input.as_bytes().to_vec(),
            accept,
        });
    }
    if out.is_empty() {
        return Err(CasesError::Empty(file.to_string()));
    }
    Ok(out)
}

/// Exact-match results.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub total: usize,
    pub correct: usize,
    /// expected output (a case's first reply) -> (predicted output -> count)
    pub confusion: BTreeMap<Vec<u8>, BTreeMap<Vec<u8>, usize>>,
    /// expected output -> lines answered with an acceptable reply
    pub right: BTreeMap<Vec<u8>, usize>,
    /// Replies outside the vocabulary given to [`evaluate_cases`] (reply -> count).
    pub outside: BTreeMap<Vec<u8>, usize>,
    /// Largest |accumulator| per layer over every step taken.
    pub max_abs: Vec<i64>,
    /// (non-zero weight × non-zero input) pairs of every step taken.
    pub pairs: crate::model::Pairs,
}

impl Report {
    pub fn accuracy(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            self.correct as f64 / self.total as f64
        }
    }

    /// Whether any accumulator left the 16-bit range (and so wrapped).
    pub fn wrapped(&self) -> bool {
        self.max_abs.iter().any(|&m| m > i64::from(i16::MAX))
    }

    /// The mean of the per-class accuracies (every class counts the same).
    pub fn macro_accuracy(&self) -> f64 {
        let classes = self.per_class();
        if classes.is_empty() {
            return 0.0;
        }
        let sum: f64 = classes
            .iter()
            .map(|(_, ok, n)| *ok as f64 / (*n).max(1) as f64)
            .sum();
        sum / classes.len() as f64
    }

    /// The lowest per-class accuracy and its class.
    pub fn worst_class(&self) -> Option<(Vec<u8>, f64)> {
        self.per_class()
            .into_iter()
            .map(|(c, ok, n)| (c, ok as f64 / n.max(1) as f64))
            .min_by(|a, b| a.1.total_cmp(&b.1))
    }

    /// Replies outside the vocabulary, in total.
    pub fn outside_total(&self) -> usize {
        self.outside.values().sum()
    }

    fn merge(&mut self, o: Report) {
        self.total += o.total;
        self.correct += o.correct;
        for (k, n) in o.right {
            *self.right.entry(k).or_default() += n;
        }
        for (k, n) in o.outside {
            *self.outside.entry(k).or_default() += n;
        }
        for (k, row) in o.confusion {
            let mine = self.confusion.entry(k).or_default();
            for (p, n) in row {
                *mine.entry(p).or_default() += n;
            }
        }
        if self.max_abs.len() < o.max_abs.len() {
            self.max_abs.resize(o.max_abs.len(), 0);
        }
        for (m, v) in self.max_abs.iter_mut().zip(o.max_abs) {
            *m = (*m).max(v);
        }
        self.pairs.merge(&o.pairs);
    }

    /// (class, correct, total) per expected output, most frequent first.
    pub fn per_class(&self) -> Vec<(Vec<u8>, usize, usize)> {
        let mut v: Vec<(Vec<u8>, usize, usize)> = self
            .confusion
            .iter()
            .map(|(k, row)| {
                (
                    k.clone(),
                    self.right.get(k).copied().unwrap_or(0),
                    row.values().sum(),
                )
            })
            .collect();
        v.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
        v
    }

    /// A text table: one row per expected class (at most `max_classes`, the rest summed as
    /// "(other)"), columns for the same classes plus "(other)" for any other response.
    pub fn table(&self, max_classes: usize) -> String {
        let classes: Vec<Vec<u8>> = self
            .per_class()
            .into_iter()
            .take(max_classes)
            .map(|c| c.0)
            .collect();
        let show = |c: &[u8]| {
            if c.is_empty() {
                "(empty)".to_string()
            } else {
                String::from_utf8_lossy(c).into_owned()
            }
        };
        let width = classes
            .iter()
            .map(|c| show(c).len())
            .max()
            .unwrap_or(5)
            .max(8);
        let mut s = format!(
            "{:<width$} {:>7} {:>7} {:>7}  |",
            "expected", "total", "right", "acc%"
        );
        for c in &classes {
            s.push_str(&format!(" {:>w$}", show(c), w = show(c).len().max(5)));
        }
        s.push_str("  (other)\n");
        let mut rest = (0usize, 0usize);
        for (k, ok, total) in self.per_class() {
            let row = &self.confusion[&k];
            if !classes.contains(&k) {
                rest.0 += ok;
                rest.1 += total;
                continue;
            }
            let pct = 100.0 * ok as f64 / total.max(1) as f64;
            s.push_str(&format!(
                "{:<width$} {total:>7} {ok:>7} {pct:>7.1}  |",
                show(&k)
            ));
            let mut other = total;
            for c in &classes {
                let n = row.get(c).copied().unwrap_or(0);
                other -= n;
                s.push_str(&format!(" {:>w$}", n, w = show(c).len().max(5)));
            }
            s.push_str(&format!("  {other:>7}\n"));
        }
        if rest.1 > 0 {
            let pct = 100.0 * rest.0 as f64 / rest.1 as f64;
            s.push_str(&format!(
                "{:<width$} {:>7} {:>7} {pct:>7.1}\n",
                "(other)", rest.1, rest.0
            ));
        }
        s.push_str(&format!(
            "{:<width$} {:>7} {:>7} {:>7.1}\n",
            "overall",
            self.total,
            self.correct,
            100.0 * self.accuracy()
        ));
        s.push_str(&format!(
            "{:<width$} {:>7} {:>7} {:>7.1}\n",
            "macro",
            self.per_class().len(),
            "classes",
            100.0 * self.macro_accuracy()
        ));
        s
    }
}

/// Runs every example through the integer engine (a reply is right when it is the output).
pub fn evaluate(model: &Model, examples: &[Example]) -> Report {
    let cases: Vec<Case> = examples.iter().map(Case::from).collect();
    evaluate_cases(model, &cases, None)
}

/// Runs every case through the integer engine: a reply is right when it is one of the case's
/// acceptable replies; with a `vocab`, replies that are none of its entries are counted in
/// [`Report::outside`].
pub fn evaluate_cases(model: &Model, cases: &[Case], vocab: Option<&BTreeSet<Vec<u8>>>) -> Report {
    let parts: Vec<Report> = cases
        .par_chunks(256)
        .map(|chunk| {
            let mut engine = Engine::new(model);
            let mut r = Report::default();
            for c in chunk {
                let got = engine.respond(&c.input);
                let class = c.accept[0].clone();
                r.total += 1;
                if c.accept.contains(&got) {
                    r.correct += 1;
                    *r.right.entry(class.clone()).or_default() += 1;
                }
                if vocab.is_some_and(|v| !v.contains(&got)) {
                    *r.outside.entry(got.clone()).or_default() += 1;
                }
                *r.confusion
                    .entry(class)
                    .or_default()
                    .entry(got)
                    .or_default() += 1;
            }
            r.max_abs = engine.overflow.max_abs.clone();
            r.pairs = engine.pairs;
            r
        })
        .collect();
    let mut all = Report::default();
    for p in parts {
        all.merge(p);
    }
    all
}
