//! Where a model fits: a first estimate from packed weight bytes against each board's budget.
//! The layout planner in `build` makes the real decision; this table is what `info` shows.

use crate::model::Model;

/// A target and the bytes it can give to packed weights (code and buffers already taken off).
pub struct Budget {
    pub target: &'static str,
    pub board: &'static str,
    pub weight_bytes: usize,
    pub note: &'static str,
    pub built: bool,
}

/// The boards we know, with a conservative budget for weights.
pub const BUDGETS: &[Budget] = &[
    Budget {
        target: "cpm",
        board: "cpm",
        weight_bytes: 0xE400 - 0x0100 - 8 * 1024,
        note: "TPA 0x0100-0xE3FF, ~8K code+buffers",
        built: true,
    },
    Budget {
        target: "rc2014",
        board: "rc2014-classic",
        weight_bytes: 32 * 1024 - 8 * 1024,
        note: "32K ROM, ~8K code+loader",
        built: false,
    },
    Budget {
        target: "rc2014",
        board: "rc2014-512k",
        weight_bytes: 480 * 1024,
        note: "512K flash in 16K pages",
        built: false,
    },
    Budget {
        target: "gb",
        board: "gb-mbc5",
        weight_bytes: 8 * 1024 * 1024 - 16 * 1024,
        note: "MBC5, 16K banks",
        built: false,
    },
    Budget {
        target: "zx48",
        board: "zx48",
        weight_bytes: 0xFF00 - 0x8000 + 0x3000 - 8 * 1024,
        note: "48K RAM less screen, sysvars, BASIC, ~8K code",
        built: false,
    },
];

/// The table `info` prints.
pub fn fit_table(model: &Model) -> String {
    let packed: usize = model.layers.iter().map(|l| l.packed_bytes()).sum::<usize>()
        + model.layers.iter().map(|l| 2 * l.out).sum::<usize>();
    let mut s = String::from("target  board            weights+biases  budget   fits   status\n");
    for b in BUDGETS {
        let mut fits = if packed <= b.weight_bytes {
            "yes"
        } else {
            "no"
        };
        let mut status = if b.built { "ready" } else { "not yet built" }.to_string();
        if b.target == "cpm" {
            // The layout planner decides for CP/M (build::plan).
            let budget = crate::build::targets::cpm::budget(crate::build::targets::cpm::TPA_TOP);
            match crate::build::plan(model, &budget, &crate::build::Layout::Auto) {
                Ok(p) => {
                    fits = "yes";
                    status = format!(
                        "ready: {} layout, ~{} bytes, ~{} T/char",
                        p.name(),
                        p.est_image,
                        p.est_t_per_step()
                    );
                }
                Err(_) => fits = "no",
            }
        }
        s.push_str(&format!(
            "{:<7} {:<16} {:>14}  {:>7}  {:<5}  {status} ({})\n",
            b.target, b.board, packed, b.weight_bytes, fits, b.note
        ));
    }
    s
}
