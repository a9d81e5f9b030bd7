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
}

impl<'m> Engine<'m> {
    pub fn new(model: &'m Model) -> Self {
        Engine {
            model,
            overflow: Overflow::default(),
        }
    }

    /// Forward pass over a full 256-entry input; returns the logits and non-zero counts per hidden layer.
    pub fn forward(&mut self, x0: &[i16]) -> (Vec<i16>, Vec<usize>) {
        let mut x: Vec<i16> = x0.to_vec();
        let last = self.model.layers.len() - 1;
        let mut active = Vec::new();
        for (k, layer) in self.model.layers.iter().enumerate() {
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
