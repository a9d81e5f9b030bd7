//! `z80lm data lint FILE`: what a dataset lets a model learn, before training on it.
//!
//! * conflicts: the same input (as the model sees it: case folded, spec §4) with different
//!   outputs;
//! * class balance: the share of the most and least frequent outputs;
//! * distinct replies and the longest reply;
//! * bucket collisions: inputs with different outputs whose query encodings (the 128 hashed
//!   trigram buckets, spec §4) are identical, so no model can tell them apart;
//! * the accuracy ceiling those imply: the share of lines a perfect model could get right
//!   when every group of identical encodings gets its most frequent output.
//!
//! Each figure has a threshold in [`Limits`]; [`Lint::failures`] lists the ones that fail.

use std::collections::BTreeMap;

use crate::model::encode::query_input;
use crate::train::dataset::Example;

/// Thresholds a dataset must meet.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Most lines one output may have, as a share of all lines.
    pub max_class_share: f64,
    /// Most distinct outputs.
    pub max_replies: usize,
    /// Longest output in bytes.
    pub max_reply_len: usize,
    /// Lowest accuracy ceiling.
    pub min_ceiling: f64,
    /// Most conflicting inputs (the same folded input with different outputs).
    pub max_conflicts: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_class_share: 0.6,
            max_replies: 64,
            max_reply_len: 12,
            min_ceiling: 0.99,
            max_conflicts: 0,
        }
    }
}

/// An input seen with more than one output, with the outputs and their counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub inputs: Vec<String>,
    pub outputs: BTreeMap<String, usize>,
}

/// The figures of one dataset.
#[derive(Debug, Clone, PartialEq)]
pub struct Lint {
    pub lines: usize,
    /// output -> lines, most frequent first
    pub classes: Vec<(String, usize)>,
    pub longest_reply: String,
    /// The same folded input with different outputs.
    pub conflicts: Vec<Conflict>,
    /// Different folded inputs with identical query encodings and different outputs.
    pub collisions: Vec<Conflict>,
    /// Share of lines a perfect model could answer right.
    pub ceiling: f64,
    pub limits: Limits,
}

fn group(
    examples: &[Example],
    key: impl Fn(&Example) -> Vec<u8>,
) -> BTreeMap<Vec<u8>, Vec<&Example>> {
    let mut m: BTreeMap<Vec<u8>, Vec<&Example>> = BTreeMap::new();
    for e in examples {
        m.entry(key(e)).or_default().push(e);
    }
    m
}

fn conflict(members: &[&Example]) -> Option<Conflict> {
    let mut outputs: BTreeMap<String, usize> = BTreeMap::new();
    let mut inputs: Vec<String> = Vec::new();
    for e in members {
        *outputs
            .entry(String::from_utf8_lossy(&e.output).into_owned())
            .or_default() += 1;
        let i = String::from_utf8_lossy(&e.input).into_owned();
        if !inputs.contains(&i) {
            inputs.push(i);
        }
    }
    (outputs.len() > 1).then_some(Conflict { inputs, outputs })
}

/// Measures a dataset against `limits`.
pub fn lint(examples: &[Example], limits: Limits) -> Lint {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for e in examples {
        *counts
            .entry(String::from_utf8_lossy(&e.output).into_owned())
            .or_default() += 1;
    }
    let mut classes: Vec<(String, usize)> = counts.into_iter().collect();
    classes.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let longest_reply = classes
        .iter()
        .map(|c| c.0.clone())
        .max_by_key(|c| c.len())
        .unwrap_or_default();
    let folded = group(examples, |e| e.input.to_ascii_lowercase());
    let conflicts: Vec<Conflict> = folded.values().filter_map(|m| conflict(m)).collect();
    let encoded = group(examples, |e| {
        query_input(&e.input)
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect()
    });
    let mut collisions = Vec::new();
    let mut best = 0usize;
    for members in encoded.values() {
        let mut per: BTreeMap<&[u8], usize> = BTreeMap::new();
        for e in members {
            *per.entry(&e.output).or_default() += 1;
        }
        best += per.values().max().copied().unwrap_or(0);
        if let Some(c) = conflict(members) {
            // Only different inputs: the same input twice is already a conflict.
            if c.inputs.len() > 1 {
                let distinct: std::collections::BTreeSet<Vec<u8>> = members
                    .iter()
                    .map(|e| e.input.to_ascii_lowercase())
                    .collect();
                if distinct.len() > 1 {
                    collisions.push(c);
                }
            }
        }
    }
    Lint {
        lines: examples.len(),
        classes,
        longest_reply,
        conflicts,
        collisions,
        ceiling: if examples.is_empty() {
            0.0
        } else {
            best as f64 / examples.len() as f64
        },
        limits,
    }
}

impl Lint {
    /// Share of the most frequent output.
    pub fn top_share(&self) -> f64 {
        self.classes
            .first()
            .map_or(0.0, |c| c.1 as f64 / self.lines.max(1) as f64)
    }

    /// One line per threshold that fails.
    pub fn failures(&self) -> Vec<String> {
        let l = &self.limits;
        let mut f = Vec::new();
        if self.conflicts.len() > l.max_conflicts {
            f.push(format!(
                "{} inputs have conflicting outputs (at most {} allowed)",
                self.conflicts.len(),
                l.max_conflicts
            ));
        }
        if self.top_share() > l.max_class_share {
            f.push(format!(
                "output {:?} has {:.1}% of the lines (at most {:.1}%)",
                self.classes[0].0,
                100.0 * self.top_share(),
                100.0 * l.max_class_share
            ));
        }
        if self.classes.len() > l.max_replies {
            f.push(format!(
                "{} distinct replies (at most {})",
                self.classes.len(),
                l.max_replies
            ));
        }
        if self.longest_reply.len() > l.max_reply_len {
            f.push(format!(
                "reply {:?} has {} characters (at most {})",
                self.longest_reply,
                self.longest_reply.len(),
                l.max_reply_len
            ));
        }
        if self.ceiling < l.min_ceiling {
            f.push(format!(
                "accuracy ceiling {:.2}% (at least {:.2}%)",
                100.0 * self.ceiling,
                100.0 * l.min_ceiling
            ));
        }
        f
    }

    /// The report `data lint` prints (up to `show` examples of each problem).
    pub fn render(&self, show: usize) -> String {
        let mut s = format!(
            "{} lines, {} distinct replies\n",
            self.lines,
            self.classes.len()
        );
        let bal: Vec<String> = self
            .classes
            .iter()
            .map(|(c, n)| format!("{c} {:.1}%", 100.0 * *n as f64 / self.lines.max(1) as f64))
            .collect();
        s.push_str(&format!("classes: {}\n", bal.join(", ")));
        s.push_str(&format!(
            "longest reply: {:?} ({} characters)\n",
            self.longest_reply,
            self.longest_reply.len()
        ));
        let show_list = |s: &mut String, what: &str, list: &[Conflict]| {
            s.push_str(&format!("{what}: {}\n", list.len()));
            for c in list.iter().take(show) {
                let outs: Vec<String> =
                    c.outputs.iter().map(|(o, n)| format!("{o} x{n}")).collect();
                s.push_str(&format!("  {:?} -> {}\n", c.inputs, outs.join(", ")));
            }
        };
        show_list(&mut s, "conflicting inputs", &self.conflicts);
        show_list(
            &mut s,
            "different inputs in the same trigram buckets with different outputs",
            &self.collisions,
        );
        s.push_str(&format!("accuracy ceiling: {:.2}%\n", 100.0 * self.ceiling));
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(i: &str, o: &str) -> Example {
        Example {
            input: i.as_bytes().to_vec(),
            output: o.as_bytes().to_vec(),
        }
    }

    #[test]
    fn conflicts_collisions_and_ceiling() {
        let data = vec![
            ex("is it alive", "NO"),
            ex("Is it ALIVE", "YES"),
            ex("is it big", "MAYBE"),
            ex("can you sit on it", "YES"),
            ex("hello", "A VERY LONG REPLY"),
        ];
        let l = lint(&data, Limits::default());
        assert_eq!(l.conflicts.len(), 1);
        assert_eq!(l.conflicts[0].outputs.len(), 2);
        assert!((l.ceiling - 0.8).abs() < 1e-9, "{}", l.ceiling);
        let f = l.failures();
        assert!(
            f.iter().any(|x| x.starts_with("1 inputs have conflicting")),
            "{f:?}"
        );
        assert!(f.iter().any(|x| x.contains("17 characters")), "{f:?}");
        assert!(
            f.iter().any(|x| x.starts_with("accuracy ceiling 80.00%")),
            "{f:?}"
        );
        // Punctuation outside the trigram alphabet can make different lines encode alike.
        let same = query_input(b"is it alive") == query_input(b"is it alive?");
        let l = lint(
            &[ex("is it alive", "NO"), ex("is it alive?", "YES")],
            Limits::default(),
        );
        assert_eq!(l.collisions.len(), usize::from(same));
        let clean = lint(&[ex("a b c", "NO"), ex("x y z", "YES")], Limits::default());
        assert!(clean.failures().is_empty(), "{:?}", clean.failures());
    }
}
