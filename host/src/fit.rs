//! Where a model fits: each target's real build (the CP/M layout planner; the RC2014, Game Boy
//! and ZX Spectrum builders), next to the packed weight bytes against each board's budget.
//! `info` shows the table; `train --budget` checks an architecture against [`BUDGETS`].

use boards::desc::BoardDesc;

use crate::engine::targets::{gameboy, msx, rc2014, zx128, zx48};
use crate::engine::Layout;
use crate::model::Model;

/// A target and the bytes it can give to packed weights (code and buffers already taken off).
pub struct Budget {
    pub target: &'static str,
    pub board: &'static str,
    pub weight_bytes: usize,
    pub note: &'static str,
}

/// The boards we know, with a conservative budget for weights.
pub const BUDGETS: &[Budget] = &[
    Budget {
        target: "cpm",
        board: "cpm",
        weight_bytes: 0xE400 - 0x0100 - 8 * 1024,
        note: "TPA 0x0100-0xE3FF less code, tables and RAM",
    },
    Budget {
        target: "rc2014",
        board: "rc2014-classic",
        weight_bytes: rc2014::CLASSIC_WEIGHT_BUDGET,
        note: "32K ROM, ~6K code+tables",
    },
    Budget {
        target: "rc2014",
        board: "rc2014-512k",
        // Flash pages behind the loader, less the page of code and tables.
        weight_bytes: z80rom::loader::MAX_IMAGE - rc2014::PAGE,
        note: "512K flash in 16K pages, ≤32K per layer",
    },
    Budget {
        target: "gb",
        board: "gb-mbc5",
        weight_bytes: 8 * 1024 * 1024 - 16 * 1024,
        note: "MBC5, 16K banks",
    },
    Budget {
        target: "zx48",
        board: "zx48",
        // 0x5E00 up to the engine's RAM less ~4K of code, plus what the tables and driver
        // (~1.25K) leave of the screen's lower two thirds with an 8-row chat.
        weight_bytes: (zx48::BSS - zx48::LOW_ORG) as usize - 4 * 1024 + zx48::LOWER_BYTES as usize
            - 1280,
        note: "0x5E00 up to the engine's RAM less ~4K code, and part of the screen",
    },
    Budget {
        target: "zx128",
        board: "zx128",
        weight_bytes: 6 * (zx128::BANK - 1),
        note: "6 RAM banks paged at 0xC000 (0, 4, 6 uncontended), ≤16K per layer",
    },
    Budget {
        target: "msx",
        board: "msx",
        weight_bytes: msx::MAX_ROM - msx::BANK,
        note: "ASCII8 megaROM in 8K banks, ≤24K per layer",
    },
];

/// The first line of an error, for a table cell.
fn first_line(e: &dyn std::fmt::Display) -> String {
    e.to_string().lines().next().unwrap_or_default().to_string()
}

/// What the target's real build makes of `model`: whether it fits, and a status.
fn status(model: &Model, b: &Budget) -> (bool, String) {
    match b.target {
        "cpm" => {
            // The real CP/M build, as `build --target cpm` makes and reports it.
            let t = crate::engine::targets::cpm::TPA_TOP;
            match crate::engine::targets::cpm::build(model, &Layout::Auto, None) {
                Ok(b) => {
                    let m = &b.image.map;
                    (
                        true,
                        format!(
                            "ready: {} layout, {} bytes + {} of RAM, {} free below {t:#06x}, ~{} T/char",
                            b.plan.name(),
                            b.image.bytes.len(),
                            m.ram.1 - m.ram.0,
                            m.free(),
                            b.plan.est_t_per_step()
                        ),
                    )
                }
                Err(crate::engine::BuildError::Plan(e)) => {
                    (false, format!("does not fit: {}", first_line(&e)))
                }
                Err(e @ crate::engine::BuildError::DoesNotFit { .. }) => {
                    (false, format!("does not fit: {}", first_line(&e)))
                }
                Err(e) => (false, format!("cannot build: {}", first_line(&e))),
            }
        }
        "rc2014" => {
            let desc = match BoardDesc::builtin(b.board) {
                Ok(d) => d,
                Err(e) => return (false, first_line(&e)),
            };
            match rc2014::build(model, &desc, &Layout::Auto) {
                Ok(r) if r.pages.is_empty() => (
                    true,
                    format!(
                        "ready: {} layout, {} of {} ROM bytes",
                        r.built.plan.name(),
                        r.app.len(),
                        r.rom.len()
                    ),
                ),
                Ok(r) => (
                    true,
                    format!(
                        "ready: {} layout, {} bytes in flash pages 1-{}",
                        r.built.plan.name(),
                        r.app.len(),
                        r.app.len().div_ceil(rc2014::PAGE)
                    ),
                ),
                Err(rc2014::Rc2014Error::ClassicTooSmall { need, short, .. }) => (
                    false,
                    format!("does not fit: ~{need} bytes, {short} more than the 32K ROM"),
                ),
                Err(e) => (false, format!("cannot build: {}", first_line(&e))),
            }
        }
        "gb" => match gameboy::build(model, &Layout::Auto) {
            Ok(img) => (
                true,
                format!(
                    "ready: {} ROM bytes ({} banks)",
                    img.rom.len(),
                    img.banks().rom_banks()
                ),
            ),
            Err(e) => (false, format!("cannot build: {}", first_line(&e))),
        },
        "zx48" => match zx48::build(model, &Layout::Auto) {
            Ok(z) => (
                true,
                format!(
                    "ready: {} layout, {} bytes of weights",
                    z.built.plan.name(),
                    z.weights.1 - z.weights.0
                ),
            ),
            Err(e @ (zx48::Zx48Error::DoesNotFit(_) | zx48::Zx48Error::TooBig { .. })) => {
                (false, format!("does not fit: {}", first_line(&e)))
            }
            Err(e) => (false, format!("cannot build: {}", first_line(&e))),
        },
        "zx128" => match zx128::build(model, &Layout::Auto) {
            Ok(z) => {
                let banks: Vec<String> = z.banks.iter().map(|(b, _)| b.to_string()).collect();
                (
                    true,
                    format!(
                        "ready: {} layout, {} bytes of weights in banks {}",
                        z.built.plan.name(),
                        z.layers.iter().map(|l| l.bytes).sum::<usize>(),
                        banks.join(", ")
                    ),
                )
            }
            Err(
                e @ (zx128::Zx128Error::LayerTooBig { .. }
                | zx128::Zx128Error::TooManyBanks
                | zx128::Zx128Error::CodeTooBig { .. }
                | zx128::Zx128Error::TablesTooBig { .. }),
            ) => (false, format!("does not fit: {}", first_line(&e))),
            Err(e) => (false, format!("cannot build: {}", first_line(&e))),
        },
        "msx" => match msx::build(model, &Layout::Auto) {
            Ok(m) => (
                true,
                format!(
                    "ready: {} layout, {} ROM bytes ({} banks)",
                    m.built.plan.name(),
                    m.rom.len(),
                    m.rom.len() / msx::BANK
                ),
            ),
            Err(
                e @ (msx::MsxError::LayerTooBig { .. }
                | msx::MsxError::FixedTooBig { .. }
                | msx::MsxError::TooBig { .. }
                | msx::MsxError::RamTooBig { .. }),
            ) => (false, format!("does not fit: {}", first_line(&e))),
            Err(e) => (false, format!("cannot build: {}", first_line(&e))),
        },
        _ => (false, "unknown target".into()),
    }
}

/// The weight budget shown for `b`: for CP/M what the real build leaves to weights (its weight
/// bytes plus what stays free below the TPA top, the numbers `build` prints), else `b`'s.
fn budget_of(model: &Model, b: &Budget) -> usize {
    if b.target == "cpm" {
        if let Ok(built) = crate::engine::targets::cpm::build(model, &Layout::Auto, None) {
            let m = &built.image.map;
            return usize::from(m.weights.1 - m.weights.0) + m.free() as usize;
        }
    }
    b.weight_bytes
}

/// The table `info` prints.
pub fn fit_table(model: &Model) -> String {
    let packed: usize = model.layers.iter().map(|l| l.packed_bytes()).sum::<usize>()
        + model.layers.iter().map(|l| 2 * l.out).sum::<usize>();
    let mut s = String::from("target  board            weights+biases  budget   fits   status\n");
    for b in BUDGETS {
        let (fits, status) = status(model, b);
        s.push_str(&format!(
            "{:<7} {:<16} {:>14}  {:>7}  {:<5}  {status} ({})\n",
            b.target,
            b.board,
            packed,
            budget_of(model, b),
            if fits { "yes" } else { "no" },
            b.note
        ));
    }
    s
}

/// A stand-in model of the given layer sizes (`sizes[0]` inputs, then each layer's outputs) with
/// about `density` of its weights non-zero, spread evenly, half of each neuron's +1 and half -1,
/// for asking the builders whether an architecture can be built before training it.
pub fn stand_in(sizes: &[usize], charset: &[u8], density: f64) -> Model {
    let every = (1.0 / density.clamp(0.01, 1.0)).round().max(1.0) as usize;
    let layers = sizes
        .windows(2)
        .map(|w| {
            let (inp, out) = (w[0], w[1]);
            // Signs alternate along each neuron's non-zero weights, so that every neuron can
            // be active, as in a trained model (the planner leaves out neurons it proves never
            // active: a stand-in of such neurons would fit where a trained model does not).
            let weights = (0..inp * out)
                .map(|k| {
                    let at = k * 7 + k / inp;
                    match (at % every, at / every % 2) {
                        (0, 0) => 1,
                        (0, _) => -1,
                        _ => 0,
                    }
                })
                .collect();
            crate::model::Layer {
                out,
                inp,
                weights,
                bias: vec![0; out],
            }
        })
        .collect();
    Model {
        layers,
        charset: charset.to_vec(),
        warning: None,
    }
}

/// Each board and whether the target's real build takes `model`, with its status line.
pub fn boards_for(model: &Model) -> Vec<(&'static Budget, bool, String)> {
    BUDGETS
        .iter()
        .map(|b| {
            let (fits, s) = status(model, b);
            (b, fits, s)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    /// Every neuron of a stand-in can be active: the planner leaves none out, so the builders
    /// are asked about the whole architecture.
    #[test]
    fn a_stand_in_keeps_every_neuron() {
        for density in [0.25, 0.5, 1.0] {
            let m = super::stand_in(&[256, 64, 32, 8], b"abcdefg\0", density);
            let kept = crate::engine::prune::live_neurons(&m).apply(&m);
            let widths: Vec<usize> = kept.layers.iter().map(|l| l.out).collect();
            assert_eq!(widths, [64, 32, 8], "density {density}");
        }
    }
}
