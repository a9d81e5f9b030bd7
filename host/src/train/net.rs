//! The float shadow network used by QAT and its forward/backward pass for one teacher-forced step.
//!
//! Layout: weights are stored transposed, `in × out` (row `i` holds input `i`'s weights to every
//! output), so a sparse input touches whole contiguous rows: `acc += x[i] · row(i)` is an axpy over
//! `out` floats that the compiler vectorises. The first layer's input has at most 62 query + 21
//! context non-zero entries of 256, and after ReLU about 60–80% of hidden activations are zero
//! (spec §13), so every layer's forward and backward visits only the non-zero inputs: by count,
//! roughly a quarter of the multiply-adds of dense loops for the 256-256-192-128 default.
//! Why not ndarray/candle: with this much sparsity the work is short axpys over contiguous rows,
//! which plain loops vectorise well; a dense GEMM library would do 3–4× the arithmetic. Measured:
//! one epoch over the upstream guess data (26k examples, about 100k steps) takes about 22 s on the
//! 2-core machine (both cores, `--threads 2`), including the exact integer check of the epoch.
//!
//! The forward pass mirrors the integer engine (spec §6): `acc = b + Σ w·x`,
//! `y = max(floor(acc / 4), 0)` on hidden layers, logits `acc / 4`. With fully quantized weights
//! and biases (α = 1) every value is an integer held exactly in f32, so the float forward equals
//! the engine except that it does not wrap; the overflow penalty keeps |acc| below the limit.

use super::quant::{effective, quantize, quantize_bias};
use super::rng::Rng;
use crate::model::{Layer, Model, INPUTS};

/// Shadow parameters: per layer `w` (in × out, transposed) and `b` (out), in integer units.
#[derive(Debug, Clone, PartialEq)]
pub struct Net {
    /// Layer widths: 256, hidden…, N.
    pub sizes: Vec<usize>,
    pub w: Vec<Vec<f32>>,
    pub b: Vec<Vec<f32>>,
}

impl Net {
    /// Random initialisation: weights uniform in ±0.87 (std 0.5, about 40% round to zero), zero
    /// biases. With inputs of 32 per n-gram this keeps activations in the tens at every depth.
    pub fn init(hidden: &[usize], classes: usize, rng: &mut Rng) -> Net {
        let mut sizes = vec![INPUTS];
        sizes.extend_from_slice(hidden);
        sizes.push(classes);
        let mut w = Vec::new();
        let mut b = Vec::new();
        for k in 0..sizes.len() - 1 {
            let n = sizes[k] * sizes[k + 1];
            w.push((0..n).map(|_| (rng.unit() * 2.0 - 1.0) * 0.87).collect());
            b.push(vec![0.0; sizes[k + 1]]);
        }
        Net { sizes, w, b }
    }

    /// Shadow weights equal to a model's integer weights (fine-tuning starts here).
    pub fn from_model(m: &Model) -> Net {
        let mut sizes = vec![INPUTS];
        let mut w = Vec::new();
        let mut b = Vec::new();
        for l in &m.layers {
            sizes.push(l.out);
            let mut t = vec![0.0; l.inp * l.out];
            for j in 0..l.out {
                for (i, &v) in l.row(j).iter().enumerate() {
                    t[i * l.out + j] = f32::from(v);
                }
            }
            w.push(t);
            b.push(l.bias.iter().map(|&v| f32::from(v)).collect());
        }
        Net { sizes, w, b }
    }

    /// The integer model for dead zones `t` (one per layer).
    pub fn to_model(&self, charset: &[u8], t: &[f32]) -> Model {
        let mut layers = Vec::new();
        for (k, &tk) in t.iter().enumerate().take(self.w.len()) {
            let (inp, out) = (self.sizes[k], self.sizes[k + 1]);
            let mut weights = vec![0i8; inp * out];
            for i in 0..inp {
                for j in 0..out {
                    weights[j * inp + i] = quantize(self.w[k][i * out + j], tk);
                }
            }
            layers.push(Layer {
                out,
                inp,
                weights,
                bias: self.b[k].iter().map(|&v| quantize_bias(v)).collect(),
            });
        }
        Model {
            layers,
            charset: charset.to_vec(),
            warning: None,
        }
    }

    pub fn layers(&self) -> usize {
        self.w.len()
    }

    /// Forward weights and biases for progress `alpha` and dead zones `t`.
    pub fn effective(&self, t: &[f32], alpha: f32) -> Net {
        let mut e = self.clone();
        for (k, &tk) in t.iter().enumerate().take(self.layers()) {
            effective(&self.w[k], tk, alpha, &mut e.w[k]);
            for (o, &v) in e.b[k].iter_mut().zip(&self.b[k]) {
                *o = v + alpha * (f32::from(quantize_bias(v)) - v);
            }
        }
        e
    }

    /// A zeroed gradient of the same shape.
    pub fn zeros_like(&self) -> Net {
        Net {
            sizes: self.sizes.clone(),
            w: self.w.iter().map(|v| vec![0.0; v.len()]).collect(),
            b: self.b.iter().map(|v| vec![0.0; v.len()]).collect(),
        }
    }

    /// `self += o`, element by element.
    pub fn add(&mut self, o: &Net) {
        for (a, b) in self
            .w
            .iter_mut()
            .zip(&o.w)
            .chain(self.b.iter_mut().zip(&o.b))
        {
            for (x, y) in a.iter_mut().zip(b) {
                *x += y;
            }
        }
    }

    pub fn fill_zero(&mut self) {
        for v in self.w.iter_mut().chain(self.b.iter_mut()) {
            v.fill(0.0);
        }
    }
}

/// Loss settings for one step.
#[derive(Debug, Clone, Copy)]
pub struct LossCfg {
    /// Softmax temperature on logits (integer logits are in the tens to hundreds).
    pub temperature: f32,
    /// |acc| above this is penalised.
    pub limit: f32,
    /// Weight of the squared overflow penalty.
    pub overflow_weight: f32,
}

/// One teacher-forced step: sparse input (index, value) and the target class.
#[derive(Debug, Clone)]
pub struct Token {
    pub x: Vec<(u16, f32)>,
    pub target: u16,
}

/// Per-thread buffers.
#[derive(Debug, Default)]
pub struct Scratch {
    acc: Vec<Vec<f32>>,
    act: Vec<Vec<f32>>,
    nz: Vec<Vec<u16>>,
    dacc: Vec<Vec<f32>>,
    p: Vec<f32>,
}

#[inline]
fn axpy(y: &mut [f32], a: f32, x: &[f32]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += a * xi;
    }
}

#[inline]
fn dot(a: &[f32], b: &[f32]) -> f32 {
    // Four partial sums: fixed order (deterministic) and vectorisable.
    let mut s = [0.0f32; 4];
    let n = a.len() / 4 * 4;
    for i in (0..n).step_by(4) {
        for k in 0..4 {
            s[k] += a[i + k] * b[i + k];
        }
    }
    let mut t = (s[0] + s[1]) + (s[2] + s[3]);
    for i in n..a.len() {
        t += a[i] * b[i];
    }
    t
}

/// The activation cost of every hidden neuron for [`step`]: `lambda` × the non-zero weights of
/// its column in the next layer (the adds it costs a sparse engine when it is active), × 1/4
/// (d act / d acc). `e` holds the effective weights; a weight counts as non-zero from |w| ≥ 0.5.
pub fn activation_costs(e: &Net, lambda: f32) -> Vec<Vec<f32>> {
    (1..e.layers())
        .map(|k| {
            let out = e.sizes[k + 1];
            e.w[k]
                .chunks(out)
                .map(|row| lambda * 0.25 * row.iter().filter(|w| w.abs() >= 0.5).count() as f32)
                .collect()
        })
        .collect()
}

/// Forward and backward for one token with effective parameters `e`; adds the gradient to `g`.
/// `act_cost` (empty for none, else from [`activation_costs`]) adds `λ·c_j·y_j` to the loss for
/// every active hidden neuron j: an L1 pull towards fewer active neurons, weighted by what each
/// costs. Returns (cross-entropy loss, whether the floored logits' argmax is the target).
pub fn step(
    e: &Net,
    tok: &Token,
    cfg: &LossCfg,
    act_cost: &[Vec<f32>],
    s: &mut Scratch,
    g: &mut Net,
) -> (f32, bool) {
    let nl = e.layers();
    if s.acc.len() != nl {
        s.acc = e.sizes[1..].iter().map(|&n| vec![0.0; n]).collect();
        s.act = s.acc.clone();
        s.dacc = s.acc.clone();
        s.nz = e.sizes[1..]
            .iter()
            .map(|&n| Vec::with_capacity(n))
            .collect();
    }
    // Forward.
    for k in 0..nl {
        let out = e.sizes[k + 1];
        let (before, after) = s.act.split_at_mut(k);
        let acc = &mut s.acc[k];
        acc.copy_from_slice(&e.b[k]);
        if k == 0 {
            for &(i, v) in &tok.x {
                let i = usize::from(i);
                axpy(acc, v, &e.w[0][i * out..(i + 1) * out]);
            }
        } else {
            let prev = &before[k - 1];
            for &i in &s.nz[k - 1] {
                let i = usize::from(i);
                axpy(acc, prev[i], &e.w[k][i * out..(i + 1) * out]);
            }
        }
        let act = &mut after[0];
        if k + 1 < nl {
            let nz = &mut s.nz[k];
            nz.clear();
            for (j, (a, &v)) in act.iter_mut().zip(acc.iter()).enumerate() {
                *a = (v * 0.25).floor().max(0.0);
                if *a > 0.0 {
                    nz.push(j as u16);
                }
            }
        } else {
            for (a, &v) in act.iter_mut().zip(acc.iter()) {
                *a = v * 0.25;
            }
        }
    }
    // Loss on the last layer.
    let logits = &s.act[nl - 1];
    let target = usize::from(tok.target);
    let mut best = 0;
    for (i, &z) in logits.iter().enumerate() {
        if z.floor() > logits[best].floor() {
            best = i;
        }
    }
    let m = logits.iter().fold(f32::MIN, |a, &b| a.max(b));
    s.p.clear();
    s.p.extend(logits.iter().map(|&z| ((z - m) / cfg.temperature).exp()));
    let sum: f32 = s.p.iter().sum();
    let loss = -(s.p[target] / sum).max(1e-30).ln();
    let penalty = |acc: f32| {
        let over = acc.abs() - cfg.limit;
        if over > 0.0 {
            2.0 * cfg.overflow_weight * over / (cfg.limit * cfg.limit) * acc.signum()
        } else {
            0.0
        }
    };
    for (j, d) in s.dacc[nl - 1].iter_mut().enumerate() {
        let grad = (s.p[j] / sum - f32::from(u8::from(j == target))) / cfg.temperature;
        *d = grad * 0.25 + penalty(s.acc[nl - 1][j]);
    }
    // Backward.
    for k in (0..nl).rev() {
        let out = e.sizes[k + 1];
        let (lower, upper) = s.dacc.split_at_mut(k);
        let dacc = &upper[0];
        for (gb, d) in g.b[k].iter_mut().zip(dacc) {
            *gb += d;
        }
        if k == 0 {
            for &(i, v) in &tok.x {
                let i = usize::from(i);
                axpy(&mut g.w[0][i * out..(i + 1) * out], v, dacc);
            }
            break;
        }
        let prev = &s.act[k - 1];
        let dprev = &mut lower[k - 1];
        for (d, &a) in dprev.iter_mut().zip(&s.acc[k - 1]) {
            *d = penalty(a);
        }
        for &i in &s.nz[k - 1] {
            let i = usize::from(i);
            let row = i * out..(i + 1) * out;
            axpy(&mut g.w[k][row.clone()], prev[i], dacc);
            dprev[i] += dot(&e.w[k][row], dacc) * 0.25;
            if let Some(c) = act_cost.get(k - 1) {
                dprev[i] += c[i];
            }
        }
    }
    (loss, best == target)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each hidden neuron costs λ/4 per non-zero weight of its column in the next layer.
    #[test]
    fn activation_costs_count_next_layer_weights() {
        let mut rng = Rng::new(5);
        let mut net = Net::init(&[3], 2, &mut rng);
        // Layer 2 (3 inputs × 2 outputs, transposed): input 0 has two weights, 1 one, 2 none.
        net.w[1] = vec![1.0, -2.0, 0.4, 0.6, 0.0, -0.3];
        let c = activation_costs(&net, 2.0);
        assert_eq!(c, vec![vec![1.0, 0.5, 0.0]]);
    }

    /// The analytic gradient of one weight matches a finite difference of the loss.
    #[test]
    fn gradient_matches_finite_difference() {
        let mut rng = Rng::new(3);
        let net = Net::init(&[16, 8], 5, &mut rng);
        let tok = Token {
            x: vec![(3, 32.0), (40, 64.0), (130, 32.0), (200, 32.0)],
            target: 2,
        };
        // A large temperature keeps floor() steps away from the probe.
        let cfg = LossCfg {
            temperature: 8.0,
            limit: 1e9,
            overflow_weight: 0.0,
        };
        let mut g = net.zeros_like();
        let mut s = Scratch::default();
        step(&net, &tok, &cfg, &[], &mut s, &mut g);
        let (k, idx) = (2, 3);
        let analytic = g.w[k][idx];
        let loss_at = |d: f32| {
            let mut n = net.clone();
            n.w[k][idx] += d;
            step(
                &n,
                &tok,
                &cfg,
                &[],
                &mut Scratch::default(),
                &mut net.zeros_like(),
            )
            .0
        };
        let h = 0.01;
        let numeric = (loss_at(h) - loss_at(-h)) / (2.0 * h);
        assert!(
            (analytic - numeric).abs() < 0.05 * numeric.abs().max(0.05),
            "analytic {analytic} numeric {numeric}"
        );
    }
}
