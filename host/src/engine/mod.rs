//! The engine generator, the one path every target builds through: model → [`LayoutPlan`]
//! ([`plan`]) → assembly ([`codegen::engine_asm`]) → [`Image`] ([`assemble_image`]) → container
//! ([`targets`], [`tape`]). Every step is a function of the previous value; `build`, `bench`,
//! `run` and the tests use this same path.

pub mod codegen;
pub mod counters;
pub mod plan;
pub mod prune;
pub mod tape;
pub mod targets;

use std::collections::BTreeMap;

pub use codegen::{engine_asm, TargetAsm};
pub use plan::{plan, Budget, Form, Layout, LayoutPlan, PlanError};

use crate::model::Model;

/// Why a build failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error("assembling the generated engine failed: {0}")]
    Asm(String),
    #[error("the image ends at {end:#06x} and its RAM at {ram_end:#06x}, past the top of {board} memory {top:#06x} (short by {short} bytes); {hint}")]
    DoesNotFit {
        board: String,
        end: u32,
        ram_end: u32,
        top: u32,
        short: u32,
        hint: String,
    },
}

/// Where the bytes went: addresses from the assembled symbols.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoryMap {
    pub org: u16,
    /// Core, driver, column functions, add block and kernels.
    pub code: (u16, u16),
    /// Charset, layer descriptors, biases, column tables.
    pub tables: (u16, u16),
    /// Weight streams or packed codes.
    pub weights: (u16, u16),
    /// Engine RAM (sums, lists, buffers, stack).
    pub ram: (u32, u32),
    /// First address past usable memory (CP/M: the TPA top).
    pub top: u32,
}

impl MemoryMap {
    /// Bytes left below `top`: after the image, and after the RAM when the RAM follows it
    /// (on ROM boards the RAM lies above `top`).
    pub fn free(&self) -> u32 {
        let end = if self.ram.0 >= self.top {
            u32::from(self.weights.1)
        } else {
            self.ram.1.max(u32::from(self.weights.1))
        };
        self.top.saturating_sub(end)
    }

    /// The table `z80lm build` prints.
    pub fn render(&self) -> String {
        let row = |name: &str, a: u32, b: u32| {
            format!(
                "  {name:<8} {a:#06x}-{:#06x} {:>6} bytes\n",
                b.saturating_sub(1),
                b - a
            )
        };
        let mut s = String::from("memory map:\n");
        s += &row("code", self.code.0.into(), self.code.1.into());
        s += &row("tables", self.tables.0.into(), self.tables.1.into());
        s += &row("weights", self.weights.0.into(), self.weights.1.into());
        s += &row("ram", self.ram.0, self.ram.1);
        s += &format!(
            "  free     {:>22} bytes\n  top      {:#06x}\n",
            self.free(),
            self.top
        );
        s
    }
}

/// An assembled engine.
#[derive(Debug, Clone)]
pub struct Image {
    pub org: u16,
    pub bytes: Vec<u8>,
    pub symbols: BTreeMap<String, i64>,
    pub map: MemoryMap,
}

impl Image {
    pub fn symbol(&self, name: &str) -> Option<u16> {
        self.symbols.get(name).map(|&v| v as u16)
    }
}

/// Everything a build produced, for printing (`--emit`) and for the container writers.
#[derive(Debug, Clone)]
pub struct Built {
    pub plan: LayoutPlan,
    pub asm: String,
    pub image: Image,
}

impl Built {
    /// The plan report `build` prints: chosen forms, why, per-layer bytes and estimated
    /// T-states.
    pub fn plan_report(&self) -> String {
        self.plan.report()
    }
}

/// Assembles the generated top-level source with the embedded core and drivers, and checks
/// the result against the plan's budget.
pub fn assemble_image(main_asm: &str, plan: &LayoutPlan) -> Result<Image, BuildError> {
    image_of(&assemble_source(main_asm)?, plan)
}

/// Assembles a generated top-level source with the embedded core and drivers.
pub fn assemble_source(main_asm: &str) -> Result<z80rom::asm::Assembly, BuildError> {
    use z80rom::asm::{assemble, Cpu, MemFiles};
    let mut files = MemFiles::new();
    files.insert("main.asm", main_asm);
    for (name, text) in z80rom::engine::SOURCES {
        files.insert(*name, *text);
    }
    assemble(&files, "main.asm", Cpu::Z80).map_err(|e| BuildError::Asm(e.to_string()))
}

/// The unbanked part of `asm` as an [`Image`], checked against the plan's budget.
pub fn image_of(asm: &z80rom::asm::Assembly, plan: &LayoutPlan) -> Result<Image, BuildError> {
    let (org, bytes) = asm.flat(0);
    let sym = |n: &str| {
        asm.symbol(n)
            .map(|v| v as u32)
            .ok_or_else(|| BuildError::Asm(format!("generated source lacks {n}")))
    };
    let map = MemoryMap {
        org,
        code: (sym("code_start")? as u16, sym("tables_start")? as u16),
        tables: (sym("tables_start")? as u16, sym("weights_start")? as u16),
        weights: (sym("weights_start")? as u16, sym("image_end")? as u16),
        ram: (sym("bss")?, sym("bss_end")?),
        top: plan.budget.top,
    };
    let end = u32::from(org) + bytes.len() as u32;
    let high = end.max(if plan.budget.ram.is_none() {
        map.ram.1
    } else {
        0
    });
    if high > plan.budget.top {
        let short = high - plan.budget.top;
        return Err(BuildError::DoesNotFit {
            board: plan.budget.board.clone(),
            end,
            ram_end: map.ram.1,
            top: plan.budget.top,
            short,
            hint: "try --layout packed, or auto".into(),
        });
    }
    Ok(Image {
        org,
        bytes,
        symbols: asm.symbols.clone(),
        map,
    })
}

/// Where the response is in what an engine wrote for one exchange: after the echoed line's
/// CR LF, up to the CR LF that ends the response (the prompt after it is not part of it).
pub fn response_span(output: &[u8]) -> (usize, usize) {
    let start = output
        .windows(2)
        .position(|w| w == b"\r\n")
        .map_or(0, |p| p + 2);
    let end = output[start..]
        .windows(2)
        .position(|w| w == b"\r\n")
        .map_or(output.len(), |p| start + p);
    (start, end)
}

/// T-states between consecutive response bytes of one exchange (the steady cost of one
/// inference step), from the output and the T-state at which each byte was written.
pub fn intervals(output: &[u8], times: &[u64]) -> Vec<u64> {
    let (a, b) = response_span(output);
    times[a..b].windows(2).map(|w| w[1] - w[0]).collect()
}

/// The whole path for one target: plan, generate, assemble.
pub fn build(
    model: &Model,
    budget: &Budget,
    layout: &Layout,
    target: &TargetAsm,
) -> Result<Built, BuildError> {
    let plan = plan::plan(model, budget, layout)?;
    let asm = engine_asm(model, &plan, target);
    let first = assemble_image(&asm, &plan);
    if budget.ram.is_some() {
        let image = first?;
        return Ok(Built { plan, asm, image });
    }
    // The RAM follows the image: the planner's estimate set the baselines; the assembled size
    // says exactly how many fit (one more slot also adds a few bytes of code and lists).
    let exact = |image: &Image, plan: &LayoutPlan| {
        let fixed = plan::fixed_bss_bytes(&plan.fused());
        let free =
            plan.budget.top.saturating_sub(image.map.ram.0 + fixed) as usize / plan::BASELINE_BYTES;
        free.clamp(plan.baselines, plan::MAX_BASELINES)
    };
    let want = match &first {
        Ok(image) => exact(image, &plan),
        Err(BuildError::DoesNotFit { .. }) if plan.baselines > 0 => 0,
        Err(e) => return Err(e.clone()),
    };
    if want == plan.baselines {
        let image = first?;
        return Ok(Built { plan, asm, image });
    }
    // Each slot adds a few bytes of code and lists: the most that fit, counting down.
    let mut tries: Vec<usize> = (plan.baselines + 1..=want).rev().collect();
    if want == 0 {
        tries.push(0);
    }
    for n in tries {
        let mut again = plan.clone();
        again.baselines = n;
        again.reason.retain(|r| !r.starts_with("layer-1 baselines"));
        if n > 0 {
            again.reason.push(format!(
                "layer-1 baselines for the first {n} steps of a response ({} bytes of RAM)",
                n * plan::BASELINE_BYTES
            ));
        }
        let asm2 = engine_asm(model, &again, target);
        if let Ok(image) = assemble_image(&asm2, &again) {
            return Ok(Built {
                plan: again,
                asm: asm2,
                image,
            });
        }
    }
    let image = first?;
    Ok(Built { plan, asm, image })
}
