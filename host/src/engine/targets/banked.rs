//! What the targets with a bank window for the weights share (RC2014 512K, MSX, ZX 128K): the
//! bytes a layer's weights take in each form, the plan where every layer has the window to
//! itself, and pass 1 of the two-pass build that measures each layer before its banks are
//! known.

use z80rom::asm::Assembly;

use super::super::plan::{self, stream_bytes, Form, LayoutPlan};
use super::super::{Budget, BuildError, Layout};
use crate::model::Model;

/// Bytes of layer `k`'s weights in `form`: its lists streams, or its packed codes.
pub fn layer_bytes(model: &Model, k: usize, form: Form) -> usize {
    let l = &model.layers[k];
    match form {
        Form::Lists => (0..l.inp).map(|c| stream_bytes(l, c)).sum(),
        Form::Gaps => (0..l.inp).map(|c| plan::gap_stream_bytes(l, c)).sum(),
        Form::Packed => l.inp * plan::packed_rows(l) / 4,
    }
}

/// The form of each layer: for auto, lists for every layer whose streams fit `window` bytes
/// (each layer has the window to itself), packed for the others.
pub fn forms(model: &Model, layout: &Layout, window: usize) -> Vec<Form> {
    let n = model.layers.len();
    match layout {
        Layout::Auto => (0..n)
            .map(|k| {
                if layer_bytes(model, k, Form::Lists) <= window {
                    Form::Lists
                } else {
                    Form::Packed
                }
            })
            .collect(),
        Layout::All(f) => vec![*f; n],
        Layout::PerLayer(v) => v.clone(),
    }
}

/// The plan for `forms`, with `budget` for the fixed part (the weights live in the window, not
/// in it) and each layer's reason naming the window; or the first layer (numbered from 1) and
/// its bytes when its weights do not fit `window`.
pub fn plan_windowed(
    model: &Model,
    forms: &[Form],
    budget: Budget,
    window: usize,
) -> Result<Result<LayoutPlan, (usize, usize)>, BuildError> {
    let mut unbounded = budget.clone();
    unbounded.top = 0x10_0000;
    let mut plan = plan::plan(model, &unbounded, &Layout::PerLayer(forms.to_vec()))?;
    plan.budget = budget;
    plan.reason = forms
        .iter()
        .enumerate()
        .map(|(k, f)| {
            let lists = layer_bytes(model, k, Form::Lists);
            format!(
                "layer {}: {} (its lists streams take {lists} bytes of the {window}-byte weight window)",
                k + 1,
                f.name()
            )
        })
        .collect();
    for (k, &f) in forms.iter().enumerate() {
        let bytes = layer_bytes(model, k, f);
        if bytes > window {
            return Ok(Err((k + 1, bytes)));
        }
    }
    Ok(Ok(plan))
}

/// Pass 1: the bytes of each of the `n` layers' weights in the trial assembly (from `wl_k` to
/// `wl_k_end`), laid in consecutive banks of `bank` bytes from bank `first`: (first bank,
/// banks, bytes) per layer.
pub fn consecutive_banks(
    trial: &Assembly,
    n: usize,
    bank: usize,
    first: usize,
) -> Vec<(usize, usize, usize)> {
    let mut next = first;
    (1..=n)
        .map(|k| {
            let sym = |s: String| trial.symbol(&s).unwrap_or(0) as usize;
            let bytes = sym(format!("wl_{k}_end")) - sym(format!("wl_{k}"));
            let banks = bytes.div_ceil(bank).max(1);
            next += banks;
            (next - banks, banks, bytes)
        })
        .collect()
}
