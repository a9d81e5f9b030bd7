//! The CP/M engine on the emulated CP/M 2.2 machine with every fault check on (writes
//! outside the TPA, stack below the engine's floor, execution outside its code).

use boards::machines::cpm::{CpmError, Exit, DEFAULT_TPA_TOP};
use z80lm::engine::targets::cpm::{checked_config, com_bytes, Reply, Session};
use z80lm::engine::{self, targets, Built, Layout, LayoutPlan};
use z80lm::model::Model;

/// Builds a CP/M .COM with the real build path (as `z80lm build --target cpm`).
pub fn build_com(model: &Model, layout: &Layout) -> Built {
    let budget = targets::cpm::budget(targets::cpm::TPA_TOP);
    engine::build(model, &budget, layout, &targets::cpm::target_asm()).expect("build")
}

/// A booted engine: prompts typed, replies read.
pub struct Engine {
    pub built: Built,
    pub session: Session,
    /// What the engine printed before its first prompt.
    pub banner: Reply,
}

impl Engine {
    /// Builds and boots with an empty command tail (chat mode).
    pub fn boot(model: &Model, layout: &Layout) -> Engine {
        Engine::boot_built(build_com(model, layout), b"")
    }

    /// Boots a built image with a command tail (as the CCP passes it: upper case, leading space).
    pub fn boot_built(built: Built, tail: &[u8]) -> Engine {
        let com = com_bytes(&built.image);
        let cfg = checked_config(&built.image, DEFAULT_TPA_TOP);
        let (session, banner) = Session::boot(&com, tail, cfg).expect("boot without faults");
        Engine {
            built,
            session,
            banner,
        }
    }

    /// Types raw keys and runs until the engine waits for input or exits.
    pub fn keys(&mut self, keys: &[u8]) -> Result<Reply, CpmError> {
        self.session.send(keys)
    }

    /// Types one line (CR-terminated) and returns the response line; panics on a fault.
    pub fn ask(&mut self, line: &[u8]) -> Vec<u8> {
        let mut k = line.to_vec();
        k.push(b'\r');
        let r = self
            .keys(&k)
            .unwrap_or_else(|e| panic!("fault on {:?}: {e}", String::from_utf8_lossy(line)));
        assert_eq!(
            r.exit,
            Exit::InputExhausted,
            "engine did not prompt again after {:?}",
            String::from_utf8_lossy(line)
        );
        assert!(
            r.output.ends_with(b"\r\n> "),
            "no prompt after the response: {:?}",
            String::from_utf8_lossy(&r.output)
        );
        r.response().to_vec()
    }

    /// Address of an engine symbol.
    pub fn symbol(&self, name: &str) -> u16 {
        self.built
            .image
            .symbol(name)
            .unwrap_or_else(|| panic!("image lacks {name}"))
    }
}

/// The layer sums (wrapped 16-bit accumulators, spec §6) the host reference computes for one
/// step, layer by layer; index 0 is the query half of layer 1 (bias + query columns).
/// The sums an engine built with `plan` holds in RAM at each `acc_ready` hook, from the
/// reference's ([`reference_sums`]: entry 0 the query half of layer 1, entry k ≥ 1 layer k):
/// per layer, the sums of the neurons the plan keeps, in the engine's order
/// (`LayoutPlan::neurons`, see `engine::prune`). Panics if a neuron the plan left out as never
/// active has an activation above 0 here (its proof would be wrong).
pub fn engine_sums(plan: &LayoutPlan, sums: &[Vec<i16>]) -> Vec<Vec<i16>> {
    let n = &plan.neurons;
    let last = n.kept.len() - 1;
    for (k, dead) in n.dead.iter().enumerate().take(last) {
        for &j in dead {
            assert!(
                sums[k + 1][j] >> 2 <= 0,
                "layer {} neuron {j} was proven never active, but its sum is {}",
                k + 1,
                sums[k + 1][j]
            );
        }
    }
    sums.iter()
        .enumerate()
        .map(|(e, s)| n.kept[e.max(1) - 1].iter().map(|&j| s[j]).collect())
        .collect()
}

/// The sums of `n` neurons at hook `k` (0 = the query half of layer 1, k >= 1 layer k) as an
/// engine built with `plan` stores them from page `page`: 16-bit sums in a page pair (low bytes,
/// then high bytes a page up), or, for layer 1 with counters (`LayoutPlan::layer1_counters`),
/// one 8-bit counter per neuron, decoded as the plan documents (`Counters::sum`).
pub fn sums_at(plan: &LayoutPlan, mem: &[u8; 0x10000], page: u8, k: usize, n: usize) -> Vec<i16> {
    let lo = usize::from(page) << 8;
    match plan.layer1_counters() {
        Some(c) if k <= 1 => (0..n).map(|j| c.sum(j, mem[lo + j])).collect(),
        _ => (0..n)
            .map(|j| i16::from_le_bytes([mem[lo + j], mem[lo + 0x100 + j]]))
            .collect(),
    }
}

pub fn reference_sums(model: &Model, x0: &[i16]) -> Vec<Vec<i16>> {
    let mut sums = Vec::new();
    let l1 = &model.layers[0];
    sums.push(
        (0..l1.out)
            .map(|j| {
                (0..128).fold(l1.bias[j], |a, i| {
                    a.wrapping_add(i16::from(l1.row(j)[i]).wrapping_mul(x0[i]))
                })
            })
            .collect(),
    );
    let mut x = x0.to_vec();
    let last = model.layers.len() - 1;
    for (k, l) in model.layers.iter().enumerate() {
        let acc: Vec<i16> = (0..l.out)
            .map(|j| {
                l.row(j).iter().zip(&x).fold(l.bias[j], |a, (&w, &v)| {
                    a.wrapping_add(i16::from(w).wrapping_mul(v))
                })
            })
            .collect();
        x = acc
            .iter()
            .map(|&a| if k < last { (a >> 2).max(0) } else { a >> 2 })
            .collect();
        sums.push(acc);
    }
    sums
}
