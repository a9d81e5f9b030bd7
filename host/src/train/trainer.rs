//! The QAT training loop: teacher-forced tokens, Adam on the shadow weights, the progressive
//! quantization schedule, the overflow penalty and best-integer-accuracy checkpointing.
//!
//! Schedule. α (the share of quantization in the forward weights, see `quant`) rises linearly
//! from 0 to 1 over the first `ramp` share of the batches and stays at 1; the sparsity dead zone
//! rises with it. The learning rate follows a cosine from `lr` down to `lr/20`.
//!
//! Checkpoints. After every epoch the fully quantized model is checked with the exact integer
//! semantics (`check`, equivalent to `Engine::respond`) on the training examples; the best one
//! that does not wrap a 16-bit accumulator (and, with `--sparsity`, has reached the full target)
//! is kept and handed to [`Progress::best`].
//!
//! Determinism. A batch is cut into a fixed number of shards (independent of the thread count);
//! each shard sums its gradient in its own buffer, and the buffers are added in shard order. So
//! the same seed and data give bit-identical weights with any `--threads`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use rayon::prelude::*;

use super::check::Checker;
use super::dataset::{windows, Example};
use super::net::{activation_costs, step, LossCfg, Net, Scratch, Token};
use super::quant::{dead_zone, ste, CLIP};
use super::rng::Rng;
use crate::model::encode::{context_buckets, query_buckets, UNIT};
use crate::model::{Model, MAX_OUT};

/// Fixed shard count per batch (see Determinism above).
const SHARDS: usize = 8;

/// Cost-aware training (`max_pairs`). The loss gets `λ·Σ c_j·y_j` over the active hidden
/// neurons, c_j = the non-zero weights of neuron j's column in the next layer (what it costs a
/// sparse engine to be active; `net::activation_costs`). λ is 0 while quantization and the
/// weight sparsity are phased in (they cut the pairs on their own, and a penalty on top of
/// them during the ramp killed the network in trials); after the first epoch at the full
/// ramp that is still above the target, λ starts at `LAMBDA0` and is steered after every epoch by the pairs the integer model
/// takes per step on the training examples: ×`LAMBDA_UP` while above the target,
/// ÷`LAMBDA_DOWN` once below 90% of it. Only epochs at or under the target (and at the full
/// sparsity, without overflow) can be kept.
const LAMBDA0: f32 = 1e-5;
const LAMBDA_UP: f32 = 1.5;
const LAMBDA_DOWN: f32 = 1.25;

/// The next λ after an epoch that took `pairs` per step against `target`.
pub fn cost_lambda(lambda: f32, pairs: f64, target: f64) -> f32 {
    if pairs > target {
        lambda * LAMBDA_UP
    } else if pairs < 0.9 * target {
        lambda / LAMBDA_DOWN
    } else {
        lambda
    }
}

/// Training settings.
#[derive(Debug, Clone)]
pub struct Config {
    pub hidden: Vec<usize>,
    pub epochs: usize,
    pub seed: u64,
    /// Tokens (teacher-forced steps) per batch.
    pub batch: usize,
    pub lr: f32,
    /// Target share of zero weights (0 = plain rounding).
    pub sparsity: f32,
    /// Share of the batches over which quantization is phased in.
    pub ramp: f32,
    pub loss: LossCfg,
    /// Cost target: mean (non-zero weight × non-zero input) pairs per step outside layer 1's
    /// query half ([`crate::model::Pairs::per_step`]), or None. See `cost_lambda`.
    pub max_pairs: Option<f64>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            hidden: vec![256, 192, 128],
            epochs: 30,
            seed: 1,
            batch: 256,
            lr: 0.01,
            sparsity: 0.0,
            ramp: 0.5,
            loss: LossCfg {
                temperature: 16.0,
                limit: 16000.0,
                overflow_weight: 1.0,
            },
            max_pairs: None,
        }
    }
}

/// What happened in one epoch.
#[derive(Debug, Clone, PartialEq)]
pub struct EpochStats {
    pub epoch: usize,
    pub seconds: f64,
    pub loss: f64,
    /// Share of teacher-forced steps the float forward got right.
    pub float_acc: f64,
    /// Exact-match accuracy of the integer model on the training examples.
    pub int_acc: f64,
    /// Exact-match accuracy on the held-out examples, if any.
    pub held_acc: Option<f64>,
    pub max_abs: Vec<i64>,
    pub zeros: f64,
    pub alpha: f32,
    /// Mean pairs per step outside layer 1's query half, on the training examples'
    /// teacher-forced steps (see [`crate::model::Pairs`]).
    pub pairs: f64,
    /// The activation-cost weight λ used in this epoch (0 without a cost target).
    pub lambda: f32,
    pub best: bool,
}

/// Progress reports; every method has a no-op default.
pub trait Progress {
    fn start(&mut self, _epochs: usize, _batches_per_epoch: usize) {}
    fn batch(&mut self, _epoch: usize, _batch: usize, _loss: f64) {}
    fn epoch(&mut self, _stats: &EpochStats) {}
    /// A new best model (save it: training may be interrupted).
    fn best(&mut self, _model: &Model) {}
}

/// Progress that ignores everything.
pub struct Quiet;
impl Progress for Quiet {}

/// Why training could not run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrainError {
    #[error("no training examples")]
    NoData,
    #[error("output byte {0:?} is not in the resumed model's charset {1:?}")]
    NotInCharset(char, String),
    #[error("--hidden {0:?} differs from the resumed model's hidden sizes {1:?}")]
    Architecture(Vec<usize>, Vec<usize>),
    #[error("a hidden layer size must be 1 to 4096, got {0}")]
    BadWidth(usize),
}

/// The result: the best model, its epoch (0 = the resumed model itself) and the history.
pub struct Outcome {
    pub best: Option<Model>,
    pub best_epoch: usize,
    pub best_acc: f64,
    pub history: Vec<EpochStats>,
    pub interrupted: bool,
}

/// Teacher-forced tokens of examples for a charset (spec §5 windows, §8 loop).
pub fn tokens(examples: &[Example], charset: &[u8]) -> Result<Vec<Token>, TrainError> {
    let eos = charset.len() - 1;
    let mut index = [None; 256];
    for (k, &c) in charset[..eos].iter().enumerate() {
        index[usize::from(c)] = Some(k as u16);
    }
    let mut out = Vec::new();
    for e in examples {
        let mut q: Vec<(u16, f32)> = Vec::new();
        add_buckets(&mut q, query_buckets(&e.input).into_iter().map(u16::from));
        let steps = if e.output.len() >= MAX_OUT {
            MAX_OUT
        } else {
            e.output.len() + 1
        };
        for (t, w) in windows(&e.output).iter().take(steps).enumerate() {
            let target = match e.output.get(t) {
                Some(&c) => index[usize::from(c)].ok_or_else(|| {
                    TrainError::NotInCharset(c as char, String::from_utf8_lossy(charset).into())
                })?,
                None => eos as u16,
            };
            let mut x = q.clone();
            add_buckets(
                &mut x,
                context_buckets(w).into_iter().map(|b| 128 + u16::from(b)),
            );
            out.push(Token { x, target });
        }
    }
    Ok(out)
}

fn add_buckets(x: &mut Vec<(u16, f32)>, buckets: impl Iterator<Item = u16>) {
    for b in buckets {
        match x.iter_mut().find(|(i, _)| *i == b) {
            Some(e) => e.1 += f32::from(UNIT),
            None => x.push((b, f32::from(UNIT))),
        }
    }
}

struct Adam {
    m: Net,
    v: Net,
    t: i32,
}

impl Adam {
    fn update(&mut self, net: &mut Net, g: &Net, lr: f32) {
        const B1: f32 = 0.9;
        const B2: f32 = 0.999;
        self.t += 1;
        let c1 = 1.0 - B1.powi(self.t);
        let c2 = 1.0 - B2.powi(self.t);
        for k in 0..net.layers() {
            let groups = [
                (
                    &mut net.w[k],
                    &g.w[k],
                    &mut self.m.w[k],
                    &mut self.v.w[k],
                    lr,
                    true,
                ),
                (
                    &mut net.b[k],
                    &g.b[k],
                    &mut self.m.b[k],
                    &mut self.v.b[k],
                    lr * 20.0,
                    false,
                ),
            ];
            for (p, g, m, v, lr, is_w) in groups {
                for i in 0..p.len() {
                    let gi = if is_w { g[i] * ste(p[i]) } else { g[i] };
                    m[i] = B1 * m[i] + (1.0 - B1) * gi;
                    v[i] = B2 * v[i] + (1.0 - B2) * gi * gi;
                    p[i] -= lr * (m[i] / c1) / ((v[i] / c2).sqrt() + 1e-8);
                    if is_w {
                        p[i] = p[i].clamp(CLIP.0, CLIP.1);
                    }
                }
            }
        }
    }
}

/// Trains on `train` (checkpointing on it), reporting `held` accuracy each epoch. `init` resumes
/// from a model (its charset and architecture are kept; α starts at 1). `stop` ends training
/// after the current batch (Ctrl-C).
pub fn train(
    train: &[Example],
    held: &[Example],
    charset: &[u8],
    cfg: &Config,
    init: Option<&Model>,
    progress: &mut dyn Progress,
    stop: &AtomicBool,
) -> Result<Outcome, TrainError> {
    if train.is_empty() {
        return Err(TrainError::NoData);
    }
    if let Some(&w) = cfg.hidden.iter().find(|&&w| w == 0 || w > 4096) {
        return Err(TrainError::BadWidth(w));
    }
    let mut rng = Rng::new(cfg.seed);
    let charset = init.map_or(charset, |m| &m.charset[..]);
    let mut net = match init {
        Some(m) => {
            let hidden: Vec<usize> = m.layers[..m.layers.len() - 1]
                .iter()
                .map(|l| l.out)
                .collect();
            if hidden != cfg.hidden {
                return Err(TrainError::Architecture(cfg.hidden.clone(), hidden));
            }
            Net::from_model(m)
        }
        None => Net::init(&cfg.hidden, charset.len(), &mut rng),
    };
    let mut toks = tokens(train, charset)?;
    let batches = toks.len().div_ceil(cfg.batch);
    let total = (batches * cfg.epochs).max(1);
    let ramp_steps = if init.is_some() {
        0.0
    } else {
        cfg.ramp * total as f32
    };
    let mut adam = Adam {
        m: net.zeros_like(),
        v: net.zeros_like(),
        t: 0,
    };
    let mut grads: Vec<Net> = (0..SHARDS).map(|_| net.zeros_like()).collect();
    let mut scratch: Vec<Scratch> = (0..SHARDS).map(|_| Scratch::default()).collect();
    let mut out = Outcome {
        best: None,
        best_epoch: 0,
        best_acc: -1.0,
        history: Vec::new(),
        interrupted: false,
    };
    let mut dz = vec![0.5f32; net.layers()];
    let mut lambda = 0.0f32;
    let within =
        |r: &super::check::CheckResult| cfg.max_pairs.is_none_or(|t| r.pairs.per_step() <= t);
    if let Some(m) = init {
        // The resumed model is the one to beat (and is written at once) only if it already
        // meets the sparsity target, as every kept epoch must.
        let r = Checker::new(m).check(train);
        let weights: usize = m.layers.iter().map(|l| l.weights.len()).sum();
        let nonzero: usize = m.layers.iter().map(|l| l.nonzero()).sum();
        let zeros = 1.0 - nonzero as f64 / weights.max(1) as f64;
        let meets = cfg.sparsity <= 0.0 || zeros + 0.005 >= f64::from(cfg.sparsity);
        if !r.wrapped() && meets && within(&r) {
            out.best = Some(m.clone());
            out.best_acc = r.accuracy();
            progress.best(m);
        }
    }
    progress.start(cfg.epochs, batches);
    let mut global = 0usize;
    let started = Instant::now();
    for epoch in 1..=cfg.epochs {
        rng.shuffle(&mut toks);
        let (mut loss_sum, mut right) = (0.0f64, 0usize);
        let mut alpha = 1.0;
        for (bi, batch) in toks.chunks(cfg.batch).enumerate() {
            if stop.load(Ordering::Relaxed) {
                out.interrupted = true;
                return Ok(out);
            }
            alpha = if ramp_steps > 0.0 {
                (global as f32 / ramp_steps).min(1.0)
            } else {
                1.0
            };
            if bi % 32 == 0 {
                for (k, d) in dz.iter_mut().enumerate() {
                    *d = dead_zone(&net.w[k], cfg.sparsity * alpha);
                }
            }
            let eff = net.effective(&dz, alpha);
            let costs = if lambda > 0.0 {
                activation_costs(&eff, lambda)
            } else {
                Vec::new()
            };
            let per = batch.len().div_ceil(SHARDS);
            let stats: Vec<(f64, usize)> = grads
                .par_iter_mut()
                .zip(scratch.par_iter_mut())
                .enumerate()
                .map(|(s, (g, sc))| {
                    g.fill_zero();
                    let (mut l, mut r) = (0.0f64, 0usize);
                    let lo = (s * per).min(batch.len());
                    let hi = ((s + 1) * per).min(batch.len());
                    for tok in &batch[lo..hi] {
                        let (loss, ok) = step(&eff, tok, &cfg.loss, &costs, sc, g);
                        l += f64::from(loss);
                        r += usize::from(ok);
                    }
                    (l, r)
                })
                .collect();
            let (first, rest) = grads.split_at_mut(1);
            for g in rest.iter() {
                first[0].add(g);
            }
            for (l, r) in stats {
                loss_sum += l;
                right += r;
            }
            let progress_share = global as f32 / total as f32;
            let lr = cfg.lr
                * (0.05 + 0.95 * 0.5 * (1.0 + (std::f32::consts::PI * progress_share).cos()));
            adam.update(&mut net, &first[0], lr);
            global += 1;
            progress.batch(
                epoch,
                bi,
                loss_sum / ((bi + 1) * cfg.batch).min(toks.len()) as f64,
            );
        }
        for (k, d) in dz.iter_mut().enumerate() {
            *d = dead_zone(&net.w[k], cfg.sparsity * alpha);
        }
        let model = net.to_model(charset, &dz);
        let checker = Checker::new(&model);
        let r = checker.check(train);
        let held_acc = (!held.is_empty()).then(|| checker.check(held).accuracy());
        // With a sparsity target, only models at the full target are eligible.
        // With a cost target, only models within it.
        let eligible = (cfg.sparsity <= 0.0 || alpha >= 1.0) && within(&r);
        let is_best = eligible && !r.wrapped() && r.accuracy() > out.best_acc;
        let weights: usize = model.layers.iter().map(|l| l.weights.len()).sum();
        let nonzero: usize = model.layers.iter().map(|l| l.nonzero()).sum();
        let stats = EpochStats {
            epoch,
            seconds: started.elapsed().as_secs_f64(),
            loss: loss_sum / toks.len() as f64,
            float_acc: right as f64 / toks.len() as f64,
            int_acc: r.accuracy(),
            held_acc,
            max_abs: r.max_abs.clone(),
            zeros: 1.0 - nonzero as f64 / weights as f64,
            alpha,
            pairs: r.pairs.per_step(),
            lambda,
            best: is_best,
        };
        if let Some(t) = cfg.max_pairs {
            if alpha >= 1.0 {
                lambda = if lambda > 0.0 {
                    cost_lambda(lambda, r.pairs.per_step(), t)
                } else if r.pairs.per_step() > t {
                    LAMBDA0
                } else {
                    0.0
                };
            }
        }
        progress.epoch(&stats);
        out.history.push(stats);
        if is_best {
            out.best_acc = r.accuracy();
            out.best_epoch = epoch;
            progress.best(&model);
            out.best = Some(model);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cost_lambda_steers_towards_the_target() {
        assert!(cost_lambda(1.0, 2500.0, 2000.0) > 1.0);
        assert_eq!(cost_lambda(1.0, 1900.0, 2000.0), 1.0);
        assert!(cost_lambda(1.0, 1000.0, 2000.0) < 1.0);
    }
}
