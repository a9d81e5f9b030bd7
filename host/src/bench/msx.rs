//! The MSX cartridge on the emulated MSX1 with C-BIOS (`crate::emu::msx`), measured as
//! [`super::zx48`] does on the Spectrum: the BIOS boots the cartridge, each prompt is typed on
//! the keyboard matrix key by key, then RETURN. Every byte the engine passes to the BIOS's
//! CHPUT is logged with the T-state it happens at (the M1 wait state of the MSX included).

use boards::machines::msx::MsxConfig;

use super::{benched, per_layer, BenchError, Case, ModelResult, Stat};
use crate::emu::msx::{typable, Session};
use crate::engine::targets::msx;
use crate::engine::{intervals, response_span, Layout};

/// Our MSX cartridge of `case` on the emulated MSX1 (64K, 50 Hz): T-states between consecutive
/// response bytes (one step, including CHPUT drawing the character), and from the echo of the
/// line's RETURN to the CR ending the response, per character. Prompts that cannot be typed on
/// the MSX keyboard are left out.
pub fn bench(case: &Case, layout: &Layout) -> Result<ModelResult, BenchError> {
    let cart = msx::build(&case.model, layout).map_err(|e| BenchError::MsxBuild {
        name: case.name.clone(),
        source: Box::new(e),
    })?;
    let image = &cart.built.image;
    let hook = image
        .symbol("acc_ready")
        .ok_or(BenchError::Symbol("acc_ready"))?;
    let (mut s, _) = Session::boot(&cart.rom, MsxConfig::default())?;
    s.msx.watch(hook);
    let n = case.model.layers.len();
    let (mut prompts, mut chars, mut busy, mut bad, mut steps) = (0, 0, 0, 0, 0);
    let mut layer_t = vec![0u64; n + 1];
    let mut all_intervals = Vec::new();
    for (p, want) in benched(&case.vectors).filter(|(p, _)| typable(p)) {
        prompts += 1;
        let r = s.ask(p)?;
        let (start, end) = response_span(&r.output);
        if &r.output[start..end] != want.as_slice() {
            bad += 1;
        }
        chars += end - start;
        let enter = r.times[start - 2];
        busy += r.times[end] - enter;
        all_intervals.extend(intervals(&r.output, &r.times));
        // acc_ready: the query half once, then layers 1..n per step; each layer's share is
        // the time since the hook before it (from the echo's CR for the first).
        let mut last = enter;
        for (i, t) in r.hooks.iter().enumerate() {
            let k = if i == 0 { 0 } else { (i - 1) % n + 1 };
            layer_t[k] += t - last;
            if k == n {
                steps += 1;
            }
            last = *t;
        }
    }
    let map = &image.map;
    let weight_bytes: usize = cart.banks.iter().map(|b| b.bytes).sum();
    Ok(ModelResult {
        model: case.name.clone(),
        layout: cart.built.plan.name(),
        image_bytes: cart.rom.len(),
        weight_bytes,
        ram_bytes: map.ram.1 - map.ram.0,
        prompts,
        chars,
        t_per_char: Stat::of(&all_intervals),
        t_per_char_with_query: busy as f64 / chars.max(1) as f64,
        t_per_layer: per_layer(&layer_t, prompts, steps),
        mismatches: bad,
        board: None,
    })
}
