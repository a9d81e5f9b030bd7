//! Dead-neuron pruning (issue 17, idea 4): the engine leaves out hidden neurons whose output
//! cannot change a logit, proven for every input the spec allows, so the logits — and every
//! response — stay exactly those of the model.
//!
//! A hidden neuron j of layer k is left out when either
//! * it is **dead**: its output `y = max(wrap16(acc) >> 2, 0)` is 0 for every input. Interval
//!   arithmetic bounds acc: layer 1's inputs are n-gram counts × 32 (spec §4, §5) with at most
//!   62 query trigrams (the query inputs sum to ≤ 1984) and 21 context n-grams (≤ 672), so
//!   `acc ≤ b + 1984·max(0, max w over the query columns) + 672·max(0, max w over the context
//!   columns)`, and likewise from below; a later layer's inputs lie in `0..=u_i` where `u_i` is
//!   the proven bound of the neuron before (0 for a dead one). A neuron is dead when its bound
//!   is at most 3 and no wrap is possible (the whole interval within −32768..32767); where a
//!   wrap is possible its bound is 8191, the most any activation can be.
//! * it is **unused**: no neuron the engine keeps in layer k + 1 has a non-zero weight from
//!   it (checked from the last layer down, so chains of unused neurons go too).
//!
//! Either way its activation contributes 0 to everything kept, so removing its row from layer
//! k and its column from layer k + 1 leaves every kept sum — and so the logits — unchanged.
//! The last layer (the logits) is never pruned. A hidden layer keeps at least one neuron.

use crate::model::{Layer, Model};

/// Most that the query inputs of layer 1 add up to: 62 trigrams × 32 (spec §4).
pub const QUERY_TOTAL: i64 = 62 * 32;
/// Most that the context inputs of layer 1 add up to: 21 n-grams × 32 (spec §5).
pub const CONTEXT_TOTAL: i64 = 21 * 32;
/// Query inputs of layer 1 (indices 0..128); the rest are context inputs.
const QUERY_INPUTS: usize = 128;

/// Which neurons of each layer the engine keeps, and why the others went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Neurons {
    /// Per layer, the model's neuron number of each engine neuron, ascending: engine neuron s
    /// of layer k is neuron `kept[k][s]` of the model, and its sum sits at index s of the
    /// layer's sums in the engine's RAM.
    pub kept: Vec<Vec<usize>>,
    /// Per layer, the neurons left out because their output is 0 for every input.
    pub dead: Vec<Vec<usize>>,
    /// Per layer, the (not dead) neurons left out because nothing kept reads them.
    pub unused: Vec<Vec<usize>>,
}

/// Bounds of every neuron's unwrapped sum for every allowed input, per layer: (low, high).
pub fn sum_bounds(model: &Model) -> Vec<Vec<(i64, i64)>> {
    let last = model.layers.len() - 1;
    let mut out = Vec::with_capacity(model.layers.len());
    // Upper bound of each input of the current layer (layer 1: by the totals instead).
    let mut upper: Vec<i64> = Vec::new();
    for (k, l) in model.layers.iter().enumerate() {
        let mut b = Vec::with_capacity(l.out);
        for j in 0..l.out {
            let row = l.row(j);
            let bias = i64::from(l.bias[j]);
            let (lo, hi) = if k == 0 {
                let half = |r: &[i8], total: i64| {
                    let max = r.iter().map(|&w| i64::from(w)).max().unwrap_or(0).max(0);
                    let min = r.iter().map(|&w| i64::from(w)).min().unwrap_or(0).min(0);
                    (min * total, max * total)
                };
                let split = QUERY_INPUTS.min(row.len());
                let q = half(&row[..split], QUERY_TOTAL);
                let c = half(&row[split..], CONTEXT_TOTAL);
                (bias + q.0 + c.0, bias + q.1 + c.1)
            } else {
                let mut lo = bias;
                let mut hi = bias;
                for (&w, &u) in row.iter().zip(&upper) {
                    let v = i64::from(w) * u;
                    if v > 0 {
                        hi += v;
                    } else {
                        lo += v;
                    }
                }
                (lo, hi)
            };
            b.push((lo, hi));
        }
        if k < last {
            upper = b
                .iter()
                .map(|&(lo, hi)| {
                    if lo < i64::from(i16::MIN) || hi > i64::from(i16::MAX) {
                        8191
                    } else {
                        hi.div_euclid(4).max(0)
                    }
                })
                .collect();
        }
        out.push(b);
    }
    out
}

/// The neurons the engine keeps (see the module text).
pub fn live_neurons(model: &Model) -> Neurons {
    let n = model.layers.len();
    let bounds = sum_bounds(model);
    let dead: Vec<Vec<usize>> = (0..n)
        .map(|k| {
            if k + 1 == n {
                return Vec::new();
            }
            bounds[k]
                .iter()
                .enumerate()
                .filter(|(_, &(lo, hi))| lo >= i64::from(i16::MIN) && hi <= 3)
                .map(|(j, _)| j)
                .collect()
        })
        .collect();
    let mut kept: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut unused: Vec<Vec<usize>> = vec![Vec::new(); n];
    kept[n - 1] = (0..model.layers[n - 1].out).collect();
    for k in (0..n - 1).rev() {
        let next = &model.layers[k + 1];
        for j in 0..model.layers[k].out {
            if dead[k].binary_search(&j).is_ok() {
                continue;
            }
            if kept[k + 1].iter().any(|&r| next.row(r)[j] != 0) {
                kept[k].push(j);
            } else {
                unused[k].push(j);
            }
        }
        if kept[k].is_empty() {
            // A layer of no neurons cannot be built; any neuron is exact to keep.
            kept[k].push(0);
            unused[k].retain(|&j| j != 0);
        }
    }
    let mut dead = dead;
    for k in 0..n {
        dead[k].retain(|j| !kept[k].contains(j));
    }
    Neurons { kept, dead, unused }
}

impl Neurons {
    /// Whether every neuron is kept.
    pub fn all(&self, model: &Model) -> bool {
        self.kept
            .iter()
            .zip(&model.layers)
            .all(|(k, l)| k.len() == l.out)
    }

    /// The model the engine runs: the kept rows of each layer, and of each layer after the
    /// first the columns of the kept neurons before it. Its logits equal the model's for
    /// every allowed input.
    pub fn apply(&self, model: &Model) -> Model {
        let mut layers = Vec::with_capacity(model.layers.len());
        for (k, l) in model.layers.iter().enumerate() {
            let cols: Vec<usize> = if k == 0 {
                (0..l.inp).collect()
            } else {
                self.kept[k - 1].clone()
            };
            let rows = &self.kept[k];
            let mut weights = Vec::with_capacity(rows.len() * cols.len());
            for &r in rows {
                let row = l.row(r);
                weights.extend(cols.iter().map(|&c| row[c]));
            }
            layers.push(Layer {
                out: rows.len(),
                inp: cols.len(),
                weights,
                bias: rows.iter().map(|&r| l.bias[r]).collect(),
            });
        }
        Model {
            layers,
            charset: model.charset.clone(),
            warning: model.warning.clone(),
        }
    }

    /// What the planner says about it, if anything was left out.
    pub fn reason(&self) -> Option<String> {
        let parts: Vec<String> = self
            .dead
            .iter()
            .zip(&self.unused)
            .enumerate()
            .filter(|(_, (d, u))| !d.is_empty() || !u.is_empty())
            .map(|(k, (d, u))| {
                format!(
                    "layer {}: {} never active, {} unread",
                    k + 1,
                    d.len(),
                    u.len()
                )
            })
            .collect();
        (!parts.is_empty()).then(|| {
            format!(
                "left out neurons that cannot change a logit (proven for every input): {}",
                parts.join("; ")
            )
        })
    }

    /// The engine's sums of each layer from the model's (`sums[k][j]` = neuron j of layer
    /// k): how a test reads the engine's RAM against the reference.
    pub fn engine_sums(&self, sums: &[Vec<i16>]) -> Vec<Vec<i16>> {
        self.kept
            .iter()
            .zip(sums)
            .map(|(kept, s)| kept.iter().map(|&j| s[j]).collect())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::infer::Engine;

    fn layer(out: usize, inp: usize, f: impl Fn(usize, usize) -> i8, bias: &[i16]) -> Layer {
        let mut weights = Vec::new();
        for j in 0..out {
            for i in 0..inp {
                weights.push(f(j, i));
            }
        }
        Layer {
            out,
            inp,
            weights,
            bias: (0..out).map(|j| bias[j % bias.len()]).collect(),
        }
    }

    /// 256 → 6 → 4 → 3: neuron 0 of layer 1 has only negative weights and bias 3 (dead),
    /// neuron 1 bias 4 and no weights (always 1, kept), neuron 2 is read by nothing (unused),
    /// neuron 3 is read only by layer-2 neuron 3, which is dead (so 3 is unused too).
    fn crafted() -> Model {
        let l1 = layer(
            6,
            256,
            |j, i| match j {
                0 => -((i % 3 == 0) as i8),
                1 => 0,
                _ => [1, 0, -1, 0, -2][(i * 7 + j) % 5],
            },
            &[3, 4, 0, 1, -2, 5],
        );
        let l2 = layer(
            4,
            6,
            |j, i| match (j, i) {
                (_, 2) => 0,
                (3, 3) => -1,
                (3, _) => 0,
                (_, 3) => 0,
                _ => [1, -1, 1, -2][(i + j) % 4],
            },
            &[2, -1, 1, 0],
        );
        let l3 = layer(3, 4, |j, i| [1, -1, -2, 0][(i + 2 * j) % 4], &[0, 1, -1]);
        Model {
            layers: vec![l1, l2, l3],
            charset: b"ab\0".to_vec(),
            warning: None,
        }
    }

    #[test]
    fn dead_and_unused_neurons_are_found() {
        let m = crafted();
        let n = live_neurons(&m);
        assert_eq!(n.dead[0], vec![0]);
        assert!(n.kept[0].contains(&1));
        assert_eq!(n.unused[0], vec![2, 3]);
        assert_eq!(n.dead[1], vec![3]);
        assert_eq!(n.kept[2], vec![0, 1, 2]);
        assert!(!n.all(&m));
        assert!(n
            .reason()
            .unwrap()
            .contains("layer 1: 1 never active, 2 unread"));
    }

    #[test]
    fn pruned_model_has_the_same_logits() {
        let m = crafted();
        let n = live_neurons(&m);
        let p = n.apply(&m);
        let mut seed = 7u64;
        for _ in 0..300 {
            let mut x = [0i16; 256];
            // Any counts within the spec's totals.
            for (range, total) in [(0..128, 62), (128..256, 21)] {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let grams = (seed >> 33) as usize % (total + 1);
                for _ in 0..grams {
                    seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
                    let i = range.start + (seed >> 33) as usize % 128;
                    x[i] += 32;
                }
            }
            let (a, _) = Engine::new(&m).forward(&x);
            let (b, _) = Engine::new(&p).forward(&x);
            assert_eq!(a, b);
        }
    }

    #[test]
    fn a_wrap_that_may_happen_keeps_the_neuron() {
        // 256 → 2 → 2: layer 2 neuron 0 has bias -32000 and one -2 weight from a neuron that
        // can reach 8191: its sum may wrap to a large positive value, so it is not dead.
        let l1 = layer(2, 256, |_, _| 1, &[7]);
        let l2 = layer(
            2,
            2,
            |j, i| if j == 0 && i == 0 { -2 } else { 1 },
            &[-32000, 0],
        );
        let l3 = layer(2, 2, |_, _| 1, &[0]);
        let m = Model {
            layers: vec![l1, l2, l3],
            charset: b"a\0".to_vec(),
            warning: None,
        };
        let n = live_neurons(&m);
        assert!(n.dead.iter().all(|d| d.is_empty()), "{n:?}");
        assert!(n.all(&m));
    }
}
