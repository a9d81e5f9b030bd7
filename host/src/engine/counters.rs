//! Layer-1 sums as 8-bit counters (issue 17, idea 1), with the proof that they are exact.
//!
//! Layer 1's inputs are n-gram counts × 32 (spec §4, §5), so neuron j's sum is
//! `acc_j = b_j + 32·S_j` with `S_j = Σ_i W[j][i] · count_i`. With at most 62 query trigrams
//! and 21 context n-grams, `S_j` lies in `lo_j..=hi_j`, where `lo_j = 62·min(0, least query
//! weight) + 21·min(0, least context weight)` and `hi_j` likewise with the largest weights
//! (every allowed input, not only the public vectors).
//!
//! When `b_j + 32·lo_j` and `b_j + 32·hi_j` both lie within −32768..32767 the sum never wraps,
//! so `y_j = max((b_j + 32·S_j) >> 2, 0) = max(8·S_j + (b_j >> 2), 0)`, which is above 0
//! exactly when `S_j ≥ m_j = ⌈(1 − (b_j >> 2)) / 8⌉`. The engine keeps the counter
//! `c_j = (K_j − S_j) mod 256` with `K_j = T + m_j`: a weight +1 is `dec (hl)`, −1 `inc (hl)`,
//! −2 two `inc (hl)`, once per count. T is one threshold for the whole layer, the largest
//! `hi_j − m_j` (at least 0). If also `m_j − lo_j ≤ 255 − T` for every neuron, then every
//! reachable `K_j − S_j` lies in 0..=255, so the counter is that value itself, and
//! * neuron j is active (y > 0) exactly when `c_j ≤ T`, one compare with one constant, and
//! * then `y_j = 8·(T − c_j) + e_j` with `e_j = 8·m_j + (b_j >> 2)`, which is 1..=8.
//!
//! The counters are exact modulo 256 in any order of adds, and the value of the whole sum is in
//! range, so intermediate values (the query half, the baselines) may be anything: decoded with
//! [`Counters::sum`] they are the 16-bit sums the spec defines. When a neuron fails either
//! condition, [`prove`] says why and the engine keeps 16-bit sums for layer 1.

use crate::model::Layer;

/// Most query trigrams one prompt has (spec §4: MAX_QUERY).
pub const QUERY_NGRAMS: i64 = 62;
/// Context n-grams per step (spec §5: 8 + 7 + 6).
pub const CONTEXT_NGRAMS: i64 = 21;
/// Query inputs of layer 1 (indices 0..128); the rest are context inputs.
const QUERY_INPUTS: usize = 128;

/// The proven counter encoding of one model's layer 1 (see the module text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counters {
    /// T: neuron j is active exactly when its counter is at most T.
    pub threshold: u8,
    /// Per engine neuron, K_j: the counter is `(K_j − S_j) mod 256`, so the counters start
    /// (before any input) at `K_j mod 256`.
    pub start: Vec<i64>,
    /// Per engine neuron, e_j (1..=8): an active neuron's activation is `8·(T − c_j) + e_j`.
    pub extra: Vec<u8>,
    /// Per engine neuron, its bias b_j.
    pub bias: Vec<i16>,
}

impl Counters {
    /// The 16-bit sum `b_j + 32·S_j` (spec §6) of neuron j whose counter holds `c`, for any
    /// input the spec allows (its query half and partial context sums too).
    pub fn sum(&self, j: usize, c: u8) -> i16 {
        let s = self.start[j] - i64::from(c);
        (i64::from(self.bias[j]) + 32 * s) as i16
    }

    /// The counter of neuron j for the 16-bit sum `acc` (the inverse of [`Counters::sum`]).
    pub fn counter(&self, j: usize, acc: i16) -> u8 {
        let s = (i64::from(acc) - i64::from(self.bias[j])).div_euclid(32);
        (self.start[j] - s).rem_euclid(256) as u8
    }

    /// The counters before any input: `K_j mod 256`.
    pub fn start_bytes(&self) -> Vec<u8> {
        self.start
            .iter()
            .map(|&k| k.rem_euclid(256) as u8)
            .collect()
    }
}

/// Bounds (lo, hi) of `S_j = Σ W[j][i] · count_i` over every allowed input.
pub fn count_bounds(layer: &Layer, j: usize) -> (i64, i64) {
    let row = layer.row(j);
    let split = QUERY_INPUTS.min(row.len());
    let half = |r: &[i8], total: i64| {
        let max = r.iter().map(|&w| i64::from(w)).max().unwrap_or(0).max(0);
        let min = r.iter().map(|&w| i64::from(w)).min().unwrap_or(0).min(0);
        (min * total, max * total)
    };
    let q = half(&row[..split], QUERY_NGRAMS);
    let c = half(&row[split..], CONTEXT_NGRAMS);
    (q.0 + c.0, q.1 + c.1)
}

/// The counter encoding of `layer` (layer 1 of the engine's model), or why there is none.
pub fn prove(layer: &Layer) -> Result<Counters, String> {
    let mut rows = Vec::with_capacity(layer.out);
    for j in 0..layer.out {
        let (lo, hi) = count_bounds(layer, j);
        let b = i64::from(layer.bias[j]);
        if b + 32 * lo < i64::from(i16::MIN) || b + 32 * hi > i64::from(i16::MAX) {
            return Err(format!(
                "neuron {j}'s sum can wrap (bias {b}, counts × weights {lo}..{hi})"
            ));
        }
        let b4 = b >> 2;
        let m = -(b4 - 1).div_euclid(8);
        rows.push((lo, hi, b, b4, m));
    }
    let t = rows.iter().map(|r| r.1 - r.4).max().unwrap_or(0).max(0);
    if t > 255 {
        return Err(format!("counts above the threshold need {t} > 255 values"));
    }
    if let Some((j, r)) = rows.iter().enumerate().find(|(_, r)| r.4 - r.0 > 255 - t) {
        return Err(format!(
            "neuron {j}'s counts × weights {}..{} with threshold {} need {} values, more than 256",
            r.0,
            r.1,
            r.4,
            t + r.4 - r.0 + 1
        ));
    }
    Ok(Counters {
        threshold: t as u8,
        start: rows.iter().map(|r| t + r.4).collect(),
        extra: rows.iter().map(|r| (8 * r.4 + r.3) as u8).collect(),
        bias: rows.iter().map(|r| r.2 as i16).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(rows: &[(Vec<(usize, i8)>, i16)]) -> Layer {
        let mut weights = vec![0i8; rows.len() * 256];
        for (j, (ws, _)) in rows.iter().enumerate() {
            for &(i, w) in ws {
                weights[j * 256 + i] = w;
            }
        }
        Layer {
            out: rows.len(),
            inp: 256,
            weights,
            bias: rows.iter().map(|r| r.1).collect(),
        }
    }

    /// Every (S, bias) the bounds allow: the counter's compare and activation are the spec's.
    #[test]
    fn counters_give_the_spec_activation_over_the_whole_range() {
        let l = layer(&[
            (vec![(3, 1), (200, 1)], 7),
            (vec![(3, -2), (9, 1), (130, -2), (131, 1)], 0),
            (vec![(5, -1), (140, 1)], -8),
            (vec![(5, 1)], -5),
        ]);
        let c = prove(&l).expect("proof");
        for j in 0..l.out {
            let (lo, hi) = count_bounds(&l, j);
            for s in lo..=hi {
                let acc = (i64::from(l.bias[j]) + 32 * s) as i16;
                let y = (acc >> 2).max(0);
                let ctr = c.counter(j, acc);
                assert_eq!(c.sum(j, ctr), acc, "neuron {j}, S = {s}");
                assert_eq!(ctr <= c.threshold, y > 0, "neuron {j}, S = {s}");
                if y > 0 {
                    let got = 8 * i64::from(c.threshold - ctr) + i64::from(c.extra[j]);
                    assert_eq!(got, i64::from(y), "neuron {j}, S = {s}");
                }
            }
        }
    }

    #[test]
    fn a_sum_that_can_wrap_or_too_wide_a_range_is_refused() {
        let wrap = layer(&[(vec![(3, 1)], 32_000)]);
        assert!(prove(&wrap).unwrap_err().contains("wrap"));
        // One neuron reaching 83 above its threshold, another 177 below its own.
        let wide = layer(&[
            (vec![(3, 1), (140, 1)], 4),
            (vec![(3, -2), (4, 1), (140, -2)], -300),
        ]);
        assert!(prove(&wide).unwrap_err().contains("more than 256"));
    }
}
