//! Fast exact-match check of an integer model for checkpointing, equivalent to comparing
//! `model::Engine::respond` with the expected output (spec §3–§8).
//!
//! Why it is equivalent: greedy generation reproduces the expected output exactly when, and only
//! when, every teacher-forced step (window = the expected bytes so far) picks the expected byte,
//! and then EOS — unless the output already has MAX_OUT bytes, where generation stops without an
//! EOS step. So it suffices to run the teacher-forced steps, stopping at the first miss.
//!
//! Speed: integer weights are kept transposed as i32 rows, the query part of layer 1 is computed
//! once per example, and zero inputs/activations are skipped. Arithmetic is i32 (no overflow:
//! |acc| ≤ 256 · 2 · 8191 + 32768), reduced with wrap16 at the end of each layer as the spec
//! allows. A test compares it with the engine on every example.

use rayon::prelude::*;

use super::dataset::{windows, Example};
use crate::model::encode::{context_buckets, query_buckets, UNIT};
use crate::model::{Model, Pairs, MAX_OUT};

/// A model prepared for fast teacher-forced checks.
pub struct Checker {
    sizes: Vec<usize>,
    w: Vec<Vec<i32>>,
    b: Vec<Vec<i32>>,
    index: [Option<u16>; 256],
    eos: usize,
    /// Non-zero weights of each input column, per layer (pairs per non-zero input).
    columns: Vec<Vec<u32>>,
}

/// Exact matches and the largest |accumulator| per layer over the steps taken.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckResult {
    pub correct: usize,
    pub total: usize,
    pub max_abs: Vec<i64>,
    /// (non-zero weight × non-zero input) pairs of the teacher-forced steps taken.
    pub pairs: Pairs,
}

impl CheckResult {
    pub fn accuracy(&self) -> f64 {
        self.correct as f64 / self.total.max(1) as f64
    }

    pub fn wrapped(&self) -> bool {
        self.max_abs.iter().any(|&m| m > i64::from(i16::MAX))
    }
}

impl Checker {
    pub fn new(m: &Model) -> Checker {
        let mut sizes = vec![crate::model::INPUTS];
        let (mut w, mut b) = (Vec::new(), Vec::new());
        for l in &m.layers {
            sizes.push(l.out);
            let mut t = vec![0i32; l.inp * l.out];
            for j in 0..l.out {
                for (i, &v) in l.row(j).iter().enumerate() {
                    t[i * l.out + j] = i32::from(v);
                }
            }
            w.push(t);
            b.push(l.bias.iter().map(|&v| i32::from(v)).collect());
        }
        let mut index = [None; 256];
        for (k, &c) in m.charset[..m.eos()].iter().enumerate().rev() {
            index[usize::from(c)] = Some(k as u16);
        }
        Checker {
            sizes,
            w,
            b,
            index,
            eos: m.eos(),
            columns: m.layers.iter().map(|l| l.column_nonzero()).collect(),
        }
    }

    /// Whether the engine's response to `e.input` is exactly `e.output`; updates `max_abs`
    /// and counts the pairs of the steps taken.
    pub fn exact(&self, e: &Example, max_abs: &mut [i64], pairs: &mut Pairs) -> bool {
        let nl = self.w.len();
        let out1 = self.sizes[1];
        let mut q = self.b[0].clone();
        let distinct = |b: &mut Vec<usize>| {
            b.sort_unstable();
            b.dedup();
        };
        let mut qb: Vec<usize> = query_buckets(&e.input)
            .into_iter()
            .map(usize::from)
            .collect();
        distinct(&mut qb);
        let mut per = vec![0u64; nl + 1];
        per[0] = qb.iter().map(|&i| u64::from(self.columns[0][i])).sum();
        for bucket in query_buckets(&e.input) {
            let i = usize::from(bucket);
            for (a, &wv) in q.iter_mut().zip(&self.w[0][i * out1..(i + 1) * out1]) {
                *a += i32::from(UNIT) * wv;
            }
        }
        let wins = windows(&e.output);
        let steps = if e.output.len() >= MAX_OUT {
            MAX_OUT
        } else {
            e.output.len() + 1
        };
        let mut x: Vec<i32> = Vec::new();
        for (t, w) in wins.iter().take(steps).enumerate() {
            let mut acc = q.clone();
            let mut cb: Vec<usize> = context_buckets(w)
                .into_iter()
                .map(|b| 128 + usize::from(b))
                .collect();
            distinct(&mut cb);
            per[1] = cb.iter().map(|&i| u64::from(self.columns[0][i])).sum();
            for bucket in context_buckets(w) {
                let i = 128 + usize::from(bucket);
                for (a, &wv) in acc.iter_mut().zip(&self.w[0][i * out1..(i + 1) * out1]) {
                    *a += i32::from(UNIT) * wv;
                }
            }
            for (k, slot) in max_abs.iter_mut().enumerate().take(nl) {
                if k > 0 {
                    let out = self.sizes[k + 1];
                    acc = self.b[k].clone();
                    per[k + 1] = 0;
                    for (i, &xi) in x.iter().enumerate() {
                        if xi != 0 {
                            per[k + 1] += u64::from(self.columns[k][i]);
                            for (a, &wv) in acc.iter_mut().zip(&self.w[k][i * out..(i + 1) * out]) {
                                *a += xi * wv;
                            }
                        }
                    }
                }
                let m = acc.iter().map(|a| i64::from(a.abs())).max().unwrap_or(0);
                *slot = (*slot).max(m);
                let hidden = k + 1 < nl;
                x = acc
                    .iter()
                    .map(|&a| {
                        let v = i32::from((a as i16) >> 2);
                        if hidden {
                            v.max(0)
                        } else {
                            v
                        }
                    })
                    .collect();
            }
            pairs.add_step(&per);
            let mut best = 0;
            for (i, &z) in x.iter().enumerate() {
                if z > x[best] {
                    best = i;
                }
            }
            let want = match e.output.get(t) {
                Some(&c) => self.index[usize::from(c)].map(usize::from),
                None => Some(self.eos),
            };
            if want != Some(best) {
                return false;
            }
        }
        true
    }

    /// Checks every example (in fixed chunks over rayon, merged in order).
    pub fn check(&self, examples: &[Example]) -> CheckResult {
        let nl = self.w.len();
        let parts: Vec<CheckResult> = examples
            .par_chunks(512)
            .map(|chunk| {
                let mut r = CheckResult {
                    max_abs: vec![0; nl],
                    ..Default::default()
                };
                for e in chunk {
                    r.total += 1;
                    r.correct += usize::from(self.exact(e, &mut r.max_abs, &mut r.pairs));
                }
                r
            })
            .collect();
        let mut all = CheckResult {
            max_abs: vec![0; nl],
            ..Default::default()
        };
        for p in parts {
            all.correct += p.correct;
            all.total += p.total;
            for (a, b) in all.max_abs.iter_mut().zip(p.max_abs) {
                *a = (*a).max(b);
            }
            all.pairs.merge(&p.pairs);
        }
        all
    }
}
