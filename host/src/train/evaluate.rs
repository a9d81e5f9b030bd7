//! Exact-match evaluation on the exact integer engine (`model::Engine`, spec §3–§8): the full
//! generated response must equal the expected output byte for byte. Results per expected output
//! ("class"), overall, a confusion table, and the per-layer accumulator maxima (16-bit overflow
//! check, spec §6). Work is split over rayon in fixed chunks and merged in order, so the result
//! does not depend on the thread count.

use std::collections::BTreeMap;

use rayon::prelude::*;

use super::dataset::Example;
use crate::model::{Engine, Model};

/// Exact-match results.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub total: usize,
    pub correct: usize,
    /// expected output -> (predicted output -> count)
    pub confusion: BTreeMap<Vec<u8>, BTreeMap<Vec<u8>, usize>>,
    /// Largest |accumulator| per layer over every step taken.
    pub max_abs: Vec<i64>,
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

    fn merge(&mut self, o: Report) {
        self.total += o.total;
        self.correct += o.correct;
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
    }

    /// (class, correct, total) per expected output, most frequent first.
    pub fn per_class(&self) -> Vec<(Vec<u8>, usize, usize)> {
        let mut v: Vec<(Vec<u8>, usize, usize)> = self
            .confusion
            .iter()
            .map(|(k, row)| {
                (
                    k.clone(),
                    row.get(k).copied().unwrap_or(0),
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
            "expected", "total", "exact", "acc%"
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
        s
    }
}

/// Runs every example through the integer engine.
pub fn evaluate(model: &Model, examples: &[Example]) -> Report {
    let parts: Vec<Report> = examples
        .par_chunks(256)
        .map(|chunk| {
            let mut engine = Engine::new(model);
            let mut r = Report::default();
            for e in chunk {
                let got = engine.respond(&e.input);
                r.total += 1;
                if got == e.output {
                    r.correct += 1;
                }
                *r.confusion
                    .entry(e.output.clone())
                    .or_default()
                    .entry(got)
                    .or_default() += 1;
            }
            r.max_abs = engine.overflow.max_abs.clone();
            r
        })
        .collect();
    let mut all = Report::default();
    for p in parts {
        all.merge(p);
    }
    all
}
