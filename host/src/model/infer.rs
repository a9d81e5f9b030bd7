//! The exact integer reference engine (spec §6–§8): 16-bit wrapping accumulators, floor shift by 2,
//! ReLU on hidden layers, first-max argmax, EOS, the 50-byte cap. Also the per-layer overflow
//! report (largest |accumulator| before wrapping) and per-step traces.

use super::encode::{context_input, push_window, query_input, MAX_OUT, START_WINDOW};
use super::Model;

/// Largest |unwrapped accumulator| seen per layer, and whether any wrapped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overflow {
    pub max_abs: Vec<i64>,
}

impl Overflow {
    pub fn wrapped(&self) -> bool {
        self.max_abs.iter().any(|&m| m > i64::from(i16::MAX))
    }

    fn note(&mut self, layer: usize, v: i64) {
        if self.max_abs.len() <= layer {
            self.max_abs.resize(layer + 1, 0);
        }
        self.max_abs[layer] = self.max_abs[layer].max(v.abs());
    }
}

/// (non-zero weight × non-zero input) pairs over inference steps: the multiply-adds a sparse
/// engine cannot skip, so the work per step of the Z80 engines (issue 17 item 8).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pairs {
    pub steps: u64,
    /// Totals: layer 1's query half (inputs 0..127), layer 1's context half, then layers 2..L.
    pub sums: Vec<u64>,
}

impl Pairs {
    /// Counts one step: `per[0]` query half, `per[1]` context half of layer 1, then layers 2...
    pub fn add_step(&mut self, per: &[u64]) {
        if self.sums.len() < per.len() {
            self.sums.resize(per.len(), 0);
        }
        for (s, &p) in self.sums.iter_mut().zip(per) {
            *s += p;
        }
        self.steps += 1;
    }

    pub fn merge(&mut self, o: &Pairs) {
        if self.sums.len() < o.sums.len() {
            self.sums.resize(o.sums.len(), 0);
        }
        for (s, &p) in self.sums.iter_mut().zip(&o.sums) {
            *s += p;
        }
        self.steps += o.steps;
    }

    /// Mean pairs per step of each part (query half, context half, layers 2..).
    pub fn means(&self) -> Vec<f64> {
        let n = self.steps.max(1) as f64;
        self.sums.iter().map(|&s| s as f64 / n).collect()
    }

    /// Mean pairs per step outside layer 1's query half: the Z80 engines add the query half
    /// once per prompt, the rest at every step, so this is what a generated character costs.
    pub fn per_step(&self) -> f64 {
        self.means().iter().skip(1).sum()
    }

    /// One line: the per-step mean and its parts.
    pub fn summary(&self) -> String {
        let m = self.means();
        let mut parts = Vec::new();
        if let Some(c) = m.get(1) {
            parts.push(format!("fc1 context {c:.0}"));
        }
        for (k, v) in m.iter().enumerate().skip(2) {
            parts.push(format!("fc{k} {v:.0}"));
        }
        format!(
            "{:.0} per step ({}) + fc1 query half {:.0} (once per prompt on the Z80 engines), {} steps",
            self.per_step(),
            parts.join(", "),
            m.first().copied().unwrap_or(0.0),
            self.steps
        )
    }
}

/// One generation step: the logits and the chosen index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub logits: Vec<i16>,
    pub chosen: usize,
    /// Non-zero activations per hidden layer.
    pub active: Vec<usize>,
}

/// Runs a model and keeps statistics over everything it answered.
pub struct Engine<'m> {
    pub model: &'m Model,
    pub overflow: Overflow,
    /// (non-zero weight × non-zero input) pairs of every step taken.
    pub pairs: Pairs,
    columns: Vec<Vec<u32>>,
}

impl<'m> Engine<'m> {
    pub fn new(model: &'m Model) -> Self {
        Engine {
            model,
            overflow: Overflow::default(),
            pairs: Pairs::default(),
            columns: model.layers.iter().map(|l| l.column_nonzero()).collect(),
        }
    }

    /// Forward pass over a full 256-entry input; returns the logits and non-zero counts per hidden layer.
    pub fn forward(&mut self, x0: &[i16]) -> (Vec<i16>, Vec<usize>) {
        let mut x: Vec<i16> = x0.to_vec();
        let last = self.model.layers.len() - 1;
        let mut active = Vec::new();
        let mut pairs = vec![0u64; self.model.layers.len() + 1];
        for (k, layer) in self.model.layers.iter().enumerate() {
            for (i, (&xi, &n)) in x.iter().zip(&self.columns[k]).enumerate() {
                if xi != 0 {
                    pairs[if k == 0 && i < 128 { 0 } else { k + 1 }] += u64::from(n);
                }
            }
            let mut y = Vec::with_capacity(layer.out);
            for j in 0..layer.out {
                let mut acc = i64::from(layer.bias[j]);
                for (w, &xi) in layer.row(j).iter().zip(&x) {
                    acc += i64::from(*w) * i64::from(xi);
                }
                self.overflow.note(k, acc);
                let v = (acc as i16) >> 2; // wrap16, then floor division by 4
                y.push(if k < last { v.max(0) } else { v });
            }
            if k < last {
                active.push(y.iter().filter(|&&v| v != 0).count());
            }
            x = y;
        }
        self.pairs.add_step(&pairs);
        (x, active)
    }

    /// `respond(model, line)` (spec §3), calling `on_step` after each inference step.
    pub fn respond_traced(&mut self, line: &[u8], mut on_step: impl FnMut(&Step)) -> Vec<u8> {
        let q = query_input(line);
        let mut w = START_WINDOW;
        let mut out = Vec::new();
        let eos = self.model.eos();
        let mut x = [0i16; 256];
        x[..128].copy_from_slice(&q);
        while out.len() < MAX_OUT {
            x[128..].copy_from_slice(&context_input(&w));
            let (logits, active) = self.forward(&x);
            let chosen = argmax(&logits);
            on_step(&Step {
                logits,
                chosen,
                active,
            });
            if chosen == eos {
                break;
            }
            let b = self.model.charset[chosen];
            out.push(b);
            push_window(&mut w, b);
        }
        out
    }

    pub fn respond(&mut self, line: &[u8]) -> Vec<u8> {
        self.respond_traced(line, |_| {})
    }
}

/// Index of the largest value; the lowest index wins ties (spec §7).
pub fn argmax(v: &[i16]) -> usize {
    let mut best = 0;
    for (i, &x) in v.iter().enumerate() {
        if x > v[best] {
            best = i;
        }
    }
    best
}

/// The response of `model` to one input line (spec §3).
pub fn respond(model: &Model, line: &[u8]) -> Vec<u8> {
    Engine::new(model).respond(line)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Layer;

    /// Pairs by hand: 256 → 2 → 2; layer 1 has 3 non-zero weights in query column 5, 1 in
    /// context column 200 and 1 in query column 7; layer 2 reads neuron 0 with 2 weights.
    #[test]
    fn pairs_count_non_zero_weights_of_non_zero_inputs() {
        let mut w1 = vec![0i8; 2 * 256];
        w1[5] = 1;
        w1[256 + 5] = -1;
        w1[200] = 1;
        w1[7] = -2;
        let m = Model {
            layers: vec![
                Layer {
                    out: 2,
                    inp: 256,
                    weights: w1,
                    bias: vec![0, 40],
                },
                Layer {
                    out: 2,
                    inp: 2,
                    weights: vec![1, 0, -1, 0],
                    bias: vec![0, 0],
                },
            ],
            charset: b"a\0".to_vec(),
            warning: None,
        };
        let mut e = Engine::new(&m);
        let mut x = [0i16; 256];
        x[5] = 32;
        x[200] = 64;
        x[9] = 32; // a column of zeros: no pairs
        e.forward(&x);
        // Query half: column 5 (2 weights); context: column 200 (1); layer 2: neuron 0 is
        // 32 + 64 = 96 -> y = 24 (2 weights), neuron 1 is 40 - 32 = 8 -> y = 2 (0 weights).
        assert_eq!(e.pairs.sums, vec![2, 1, 2]);
        assert_eq!(e.pairs.steps, 1);
        assert_eq!(e.pairs.per_step(), 3.0);
        assert!(e
            .pairs
            .summary()
            .starts_with("3 per step (fc1 context 1, fc2 2)"));
    }
}
