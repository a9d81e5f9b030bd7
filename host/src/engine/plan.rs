//! The layout planner: model × board memory budget → [`LayoutPlan`]. It decides, from sizes
//! computed up front, which form each layer's weights take, and says why.
//!
//! Forms (both column-major, both skip zero inputs; see z80rom/asm/core/layers.asm):
//! * [`Form::Lists`]: per column, the neuron numbers of its +1, −1 and −2 weights as byte
//!   lists run by an unrolled add block: ~53 T per non-zero weight, ~1 byte per weight.
//! * [`Form::Packed`]: per column, 2-bit codes for every neuron: ~39 T per weight *slot*
//!   (zero or not), out/4 bytes per column. Smaller when more than ~1/4 of weights are non-zero.
//! * [`Form::Gaps`]: the lists' groups with each neuron number as a 4-bit gap from the one
//!   before ([`gap_column`]), run by a decoding kernel: ~70 T per non-zero weight, ~0.5 byte
//!   per weight plus ~1 byte per group and 2-3 per column. Between the two where a layer has ~20-40% non-zero weights.

use super::counters::{self, Counters};
use super::prune::{live_neurons, Neurons};
use crate::model::{Layer, Model};

/// How one layer's weights are stored and run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Lists,
    Packed,
    Gaps,
}

impl Form {
    pub fn name(self) -> &'static str {
        match self {
            Form::Lists => "lists",
            Form::Packed => "packed",
            Form::Gaps => "gaps",
        }
    }

    /// Lists and gaps: per-column streams of groups, reached through page-aligned column
    /// tables and walked with SP (threaded code ending at the layer's column driver).
    pub fn streams(self) -> bool {
        matches!(self, Form::Lists | Form::Gaps)
    }
}

/// What the user asked for (`--layout`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Layout {
    /// The fastest per-layer choice that fits.
    #[default]
    Auto,
    /// The same form for every layer.
    All(Form),
    /// One form per layer.
    PerLayer(Vec<Form>),
}

impl std::str::FromStr for Layout {
    type Err = String;
    fn from_str(s: &str) -> Result<Layout, String> {
        let one = |w: &str| {
            match w {
            "lists" | "fast" => Ok(Form::Lists),
            "packed" | "compact" => Ok(Form::Packed),
            "gaps" => Ok(Form::Gaps),
            _ => Err(format!(
                "unknown layout {w:?}; use auto, lists (fast), packed (compact), gaps (between the two) or one per layer, e.g. packed,lists,lists,lists"
            )),
        }
        };
        match s {
            "auto" => Ok(Layout::Auto),
            _ if s.contains(',') => s
                .split(',')
                .map(one)
                .collect::<Result<_, _>>()
                .map(Layout::PerLayer),
            _ => one(s).map(Layout::All),
        }
    }
}

/// A board's memory for the engine: the image is loaded at `org`; RAM for the sums, lists,
/// buffers and stack ([`BSS_BYTES`], page-aligned) follows the image, or sits at `ram`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budget {
    /// Board name for messages ("cpm").
    pub board: String,
    /// Load address of the image.
    pub org: u16,
    /// First address past the memory the image (and the RAM, when it follows) may use.
    pub top: u32,
    /// Fixed page-aligned RAM address for the engine's RAM, when not right after the image.
    pub ram: Option<u16>,
    /// Spend code on speed (engine::codegen): lists layers' odd-sized groups run through
    /// their own chain of add blocks (10 T less per odd group, ~1.3 KB), and fused layers scan
    /// 16 neurons a round instead of 8 (~40 bytes a layer). Off where code space is tight
    /// (the MSX cartridge's fixed 8K bank, the ZX Spectrum 48K).
    pub fast_code: bool,
}

/// Engine RAM: sums (4 pages), counts, active list, line buffers, stack (core/bss.asm).
pub const BSS_BYTES: u32 = 0xD00;
/// Engine RAM of a plan with fused layers: a second page triple of sums (core/bss.asm).
pub const FUSED_BSS_BYTES: u32 = 0x1000;
/// Engine RAM when every layer from the second on is fused: the second page triple takes the
/// place of the ReLU lists (core/bss.asm, FUSED_ONLY).
pub const FUSED_ONLY_BSS_BYTES: u32 = 0xD00;
/// Most layer-1 baselines: steps 0 to MAX_BASELINES-1 of a response can start from one.
pub const MAX_BASELINES: usize = 5;
/// RAM of one baseline (the 256 low and 256 high bytes of the layer-1 sums).
pub const BASELINE_BYTES: usize = 512;
/// The fused pass's shared code (op_col, fz_huge, oc_high: core/layers.asm), and per layer
/// its set-up, unrolled scan and handler (engine::codegen, fused_layer).
pub const FUSED_CORE_BYTES: usize = 50;
pub const FUSED_LAYER_BYTES: usize = 230;
/// Bytes of the hand-written core and driver (measured; checked again after assembly).
pub const CORE_BYTES: usize = 1_200;
/// The gaps form's decoding kernels (+1, −1, −2; engine::codegen).
pub const GAPS_KERNEL_BYTES: usize = 300;
/// The unrolled add blocks (+1, -1, -2): bytes per pair of adds.
pub const PAIR_BYTES: [usize; 3] = [21, 21, 35];

/// Bytes of the unrolled add blocks the lists layers need: per weight value a chain as long
/// as its largest even group and, with `odd_chains`, one as long as its largest odd group
/// (else a 4-byte stub per odd size, counted here as a pair).
fn block_bytes(model: &Model, forms: &[Form], odd_chains: bool) -> usize {
    let mut pairs = [0usize; 3];
    let mut odd = [0usize; 3];
    for (l, _) in model
        .layers
        .iter()
        .zip(forms)
        .filter(|(_, &f)| f == Form::Lists)
    {
        for c in 0..l.inp {
            let (p, m, m2) = column_groups(l, c);
            for (b, g) in [p, m, m2].iter().enumerate() {
                let m = if odd_chains && g.len() % 2 == 1 {
                    &mut odd
                } else {
                    &mut pairs
                };
                m[b] = m[b].max(g.len().div_ceil(2));
            }
        }
    }
    (0..3)
        .map(|b| {
            [pairs[b], odd[b]]
                .iter()
                .map(|&n| if n == 0 { 0 } else { n * PAIR_BYTES[b] + 1 })
                .sum::<usize>()
        })
        .sum()
}

/// One layer's share of the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerPlan {
    pub form: Form,
    /// Bytes of weights in this form (streams or codes) plus the column table.
    pub weight_bytes: usize,
    /// Estimated T-states per inference step.
    pub est_t: u64,
}

/// The planner's decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayoutPlan {
    pub budget: Budget,
    pub layers: Vec<LayerPlan>,
    /// Estimated image bytes (checked exactly after assembly); when the RAM follows the image,
    /// plus the RAM that fused layers add beyond [`BSS_BYTES`].
    pub est_image: usize,
    /// Why this layout: one line per decision.
    pub reason: Vec<String>,
    /// Layer-1 baselines in RAM: steps 0..baselines-1 of a response start from the sums of
    /// the query and the blank part of the context window (idea: most of the window is still
    /// the eight spaces it starts as), computed once per response. Set by [`plan`] from the
    /// RAM left over; `engine::build` refines it from the assembled size.
    pub baselines: usize,
    /// Targets with weights in switchable ROM banks ([`plan_banked`]): where each column's
    /// record lives.
    pub banks: Option<BankMap>,
    /// The neurons the engine keeps ([`super::prune`]): `neurons.kept[k][s]` is the model's
    /// neuron behind engine neuron s of layer k, whose sum is at index s of the layer's sums
    /// in RAM. The layers above plan the engine's model, [`LayoutPlan::engine_model`].
    pub neurons: Neurons,
    /// Layer 1 of the engine's model as 8-bit counters ([`super::counters`]), proven for every
    /// input, or why not. The engine uses them when layer 1 is a lists layer and layer 2 a
    /// fused one ([`LayoutPlan::layer1_counters`]).
    pub counters: Result<Counters, String>,
}

impl LayoutPlan {
    /// The model the engine runs: `model` without the neurons the plan leaves out. Its
    /// logits equal the model's for every input (see [`super::prune`]).
    pub fn engine_model(&self, model: &Model) -> Model {
        if self.neurons.all(model) {
            model.clone()
        } else {
            self.neurons.apply(model)
        }
    }

    /// The counter encoding of layer 1's sums, when the engine uses it: proven for the model,
    /// layer 1 in the lists form and layer 2 fused (its scan reads the counters). Otherwise
    /// layer 1 keeps 16-bit sums.
    pub fn layer1_counters(&self) -> Option<&Counters> {
        let forms = self.forms();
        let fused = self.fused();
        (forms.first() == Some(&Form::Lists) && fused.get(1) == Some(&true))
            .then_some(self.counters.as_ref().ok())
            .flatten()
    }

    pub fn forms(&self) -> Vec<Form> {
        self.layers.iter().map(|l| l.form).collect()
    }

    /// Short name: "lists", "packed" or the per-layer list.
    pub fn name(&self) -> String {
        let f = self.forms();
        if f.iter().all(|&x| x == f[0]) {
            f[0].name().to_string()
        } else {
            f.iter().map(|x| x.name()).collect::<Vec<_>>().join(",")
        }
    }

    pub fn est_t_per_step(&self) -> u64 {
        self.layers.iter().map(|l| l.est_t).sum()
    }

    /// The report `build` prints (`--emit plan`): chosen forms, why, per-layer bytes and
    /// estimated T-states, and the bank map of a banked target.
    pub fn report(&self) -> String {
        let mut s = format!("layout: {}\n", self.name());
        for r in &self.reason {
            s += &format!("  {r}\n");
        }
        if self.banks.is_none() {
            match (&self.counters, self.layer1_counters()) {
                (_, Some(c)) => {
                    s += &format!(
                        "  layer 1 in 8-bit counters (proven for every input; active when at most {})\n",
                        c.threshold
                    )
                }
                (Err(why), None) => s += &format!("  layer 1 keeps 16-bit sums: {why}\n"),
                (Ok(_), None) => {
                    s += "  layer 1 keeps 16-bit sums: its 8-bit counters need layer 1 in lists and layer 2 fused\n"
                }
            }
        }
        for (k, l) in self.layers.iter().enumerate() {
            s += &format!(
                "  layer {}: {:<6} {:>6} bytes  ~{:>7} T/step\n",
                k + 1,
                l.form.name(),
                l.weight_bytes,
                l.est_t
            );
        }
        if let Some(b) = &self.banks {
            s += &b.render();
            s.push('\n');
        }
        s
    }

    /// Which layers run fused (see [`fused_layers`]).
    pub fn fused(&self) -> Vec<bool> {
        fused_layers(&self.budget, &self.forms())
    }

    /// Bytes of engine RAM (core/bss.asm), baselines included.
    pub fn bss_bytes(&self) -> u32 {
        let fixed = fixed_bss_bytes(&self.fused());
        if self.baselines == 0 {
            fixed
        } else {
            fixed + (BASELINE_BYTES * self.baselines) as u32
        }
    }
}

/// Engine RAM before the baselines: see core/bss.asm.
pub fn fixed_bss_bytes(fused: &[bool]) -> u32 {
    if fused.len() > 1 && fused[1..].iter().all(|&f| f) {
        FUSED_ONLY_BSS_BYTES
    } else if fused.contains(&true) {
        FUSED_BSS_BYTES
    } else {
        BSS_BYTES
    }
}

/// How many baselines fit: in `free` bytes after the image when the RAM follows it, else in
/// the 64K above the fixed RAM (none on the ZX Spectrum, whose engine RAM ends at the UDGs).
pub fn baselines_that_fit(budget: &Budget, fused: &[bool], free: usize) -> usize {
    let room = match budget.ram {
        None => free,
        Some(r) => 0x1_0000usize.saturating_sub(usize::from(r) + fixed_bss_bytes(fused) as usize),
    };
    (room / BASELINE_BYTES).min(MAX_BASELINES)
}

/// Layers 2.. in the lists form run fused with the ReLU of the layer before (its sums scanned
/// once, each active neuron's column run at once: core/layers.asm), when the board has RAM for
/// the second page pair of sums ([`FUSED_BSS_BYTES`] below 64K); otherwise through an active list.
pub fn fused_layers(budget: &Budget, forms: &[Form]) -> Vec<bool> {
    let room = budget
        .ram
        .is_none_or(|r| u32::from(r) + FUSED_BSS_BYTES <= 0x1_0000);
    forms
        .iter()
        .enumerate()
        .map(|(k, &f)| room && k > 0 && f == Form::Lists)
        .collect()
}

/// Why no plan exists.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("layer {layer} has {found} {what}; the engine handles at most 256")]
    TooWide {
        layer: usize,
        found: usize,
        what: &'static str,
    },
    #[error("{board} has no {form} kernel: its --layout takes {takes}")]
    FormNotTaken {
        board: String,
        form: &'static str,
        takes: &'static str,
    },
    #[error("the weight records need {needed} banks of {bank_bytes} bytes; {board} addresses at most {max}")]
    TooManyBanks {
        board: String,
        needed: usize,
        bank_bytes: usize,
        max: usize,
    },
    #[error("--layout lists {given} forms but the model has {layers} layers")]
    FormCount { given: usize, layers: usize },
    #[error("the {layout} layout needs about {need} bytes but {board} has {have} (short by {short}); {hint}")]
    DoesNotFit {
        layout: String,
        board: String,
        need: usize,
        have: usize,
        short: usize,
        hint: String,
    },
}

/// The threaded stream of one column in the lists form: its size in bytes (0 = empty column).
pub fn stream_bytes(layer: &Layer, col: usize) -> usize {
    let (pos, neg, neg2) = column_groups(layer, col);
    if pos.is_empty() && neg.is_empty() && neg2.is_empty() {
        return 0;
    }
    let group = |g: &Vec<u8>| {
        if g.is_empty() {
            0
        } else {
            2 + g.len() + g.len() % 2
        }
    };
    group(&pos) + group(&neg) + group(&neg2) + 2
}

/// One group of the gaps form: the ascending neuron numbers `group` as 4-bit gaps, two to a
/// byte (low nibble first), each from the neuron before (the first from −1, so every gap is
/// 1..15 and each adds). A byte with a zero low nibble is an escape: 0x00 ends the group,
/// n << 4 moves 8n neurons on without an add (gaps above 15; always a whole byte, so a pending
/// low nibble is closed with a zero high nibble, which adds nothing).
pub fn gap_bytes(group: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(group.len() / 2 + 2);
    let mut prev = -1i32;
    let mut low: Option<u8> = None;
    for &j in group {
        let mut gap = i32::from(j) - prev;
        prev = i32::from(j);
        while gap > 15 {
            if let Some(lo) = low.take() {
                out.push(lo);
            }
            let n = ((gap - 8) / 8).min(15);
            out.push((n as u8) << 4);
            gap -= 8 * n;
        }
        match low.take() {
            None => low = Some(gap as u8),
            Some(lo) => out.push(lo | (gap as u8) << 4),
        }
    }
    out.extend(low);
    out.push(0);
    out
}

/// One column of the gaps form: its +1, −1 and −2 groups ([`gap_bytes`], an empty one is its
/// end byte alone) one after the other, padded to whole words (the kernel reads two bytes with
/// POP DE, chains from one group's kernel to the next at each end byte and after the third
/// goes to the column driver).
pub fn gap_column(pos: &[u8], neg: &[u8], neg2: &[u8]) -> Vec<u8> {
    let mut out = gap_bytes(pos);
    out.extend(gap_bytes(neg));
    out.extend(gap_bytes(neg2));
    if out.len() % 2 == 1 {
        out.push(0);
    }
    out
}

/// The stream of one column in the gaps form: its size in bytes (0 = empty column).
pub fn gap_stream_bytes(layer: &Layer, col: usize) -> usize {
    let (pos, neg, neg2) = column_groups(layer, col);
    if pos.is_empty() && neg.is_empty() && neg2.is_empty() {
        return 0;
    }
    2 + gap_column(&pos, &neg, &neg2).len()
}

/// The neuron numbers with weight +1, −1 and −2 in column `col`.
pub fn column_groups(layer: &Layer, col: usize) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let (mut pos, mut neg, mut neg2) = (Vec::new(), Vec::new(), Vec::new());
    for j in 0..layer.out {
        match layer.weights[j * layer.inp + col] {
            1 => pos.push(j as u8),
            -1 => neg.push(j as u8),
            -2 => neg2.push(j as u8),
            _ => {}
        }
    }
    (pos, neg, neg2)
}

/// Neurons per packed column, padded to whole POP DE words (8 codes).
pub fn packed_rows(layer: &Layer) -> usize {
    layer.out.div_ceil(8) * 8
}

fn layer_bytes(layer: &Layer, form: Form) -> usize {
    let table = match form {
        Form::Lists => {
            (if layer.inp <= 128 { 256 } else { 512 })
                + (0..layer.inp)
                    .map(|c| stream_bytes(layer, c))
                    .sum::<usize>()
        }
        Form::Packed => layer.inp * packed_rows(layer) / 4,
        Form::Gaps => {
            (if layer.inp <= 128 { 256 } else { 512 })
                + (0..layer.inp)
                    .map(|c| gap_stream_bytes(layer, c))
                    .sum::<usize>()
        }
    };
    table + 2 * layer.out + 20
}

/// Estimated T-states per step of one layer given how often each input is non-zero.
fn layer_t(layer: &Layer, form: Form, active: &[f64]) -> u64 {
    let mut t = 0.0;
    for (c, &p) in active.iter().enumerate() {
        if p == 0.0 {
            continue;
        }
        let nnz = (0..layer.out)
            .filter(|&j| layer.weights[j * layer.inp + c] != 0)
            .count() as f64;
        let per_col = match form {
            Form::Lists => 180.0 + 41.0 * nnz + 40.0,
            Form::Gaps => 180.0 + 72.0 * nnz + 70.0,
            Form::Packed => {
                140.0
                    + 39.0 * packed_rows(layer) as f64
                    + 40.0 * nnz
                    + 3.0 * packed_rows(layer) as f64
            }
        };
        t += p * per_col;
    }
    // bias copy and ReLU scan
    (t + 80.0 * layer.out as f64) as u64
}

/// How often each input of each layer is non-zero, over a few probe prompts run on the
/// host reference (layer 1: the context half only, the query half is once per response).
fn activity(model: &Model) -> Vec<Vec<f64>> {
    const PROBES: &[&[u8]] = &[
        b"hello",
        b"is it a chair",
        b"are you a robot",
        b"what is it",
        b"yes",
        b"",
    ];
    let mut freq: Vec<Vec<f64>> = model.layers.iter().map(|l| vec![0.0; l.inp]).collect();
    let mut steps = 0.0;
    for p in PROBES {
        let q = crate::model::query_input(p);
        let mut w = crate::model::encode::START_WINDOW;
        for _ in 0..3 {
            let mut x: Vec<i16> = q.to_vec();
            x.extend_from_slice(&crate::model::context_input(&w));
            steps += 1.0;
            for (k, layer) in model.layers.iter().enumerate() {
                for (i, &v) in x.iter().enumerate() {
                    if v != 0 && (k > 0 || i >= 128) {
                        freq[k][i] += 1.0;
                    }
                }
                x = (0..layer.out)
                    .map(|j| {
                        let s = layer
                            .row(j)
                            .iter()
                            .zip(&x)
                            .fold(layer.bias[j], |a, (&wt, &v)| {
                                a.wrapping_add(i16::from(wt).wrapping_mul(v))
                            });
                        (s >> 2).max(0)
                    })
                    .collect();
            }
            let next = x
                .iter()
                .enumerate()
                .fold(0, |b, (i, &v)| if v > x[b] { i } else { b });
            crate::model::encode::push_window(&mut w, model.charset[next]);
        }
    }
    freq.iter_mut()
        .for_each(|f| f.iter_mut().for_each(|v| *v /= steps));
    freq
}

fn make(model: &Model, budget: &Budget, forms: &[Form], act: &[Vec<f64>]) -> LayoutPlan {
    let layers: Vec<LayerPlan> = model
        .layers
        .iter()
        .zip(forms)
        .zip(act)
        .map(|((l, &form), a)| LayerPlan {
            form,
            weight_bytes: layer_bytes(l, form),
            est_t: layer_t(l, form, a),
        })
        .collect();
    let block = block_bytes(model, forms, budget.fast_code);
    let kernels = if forms.contains(&Form::Packed) {
        350
    } else {
        0
    } + if forms.contains(&Form::Gaps) {
        GAPS_KERNEL_BYTES
    } else {
        0
    };
    let fused = fused_layers(budget, forms);
    let nfused = fused.iter().filter(|&&f| f).count();
    let ram_extra = if budget.ram.is_none() {
        fixed_bss_bytes(&fused).saturating_sub(BSS_BYTES) as usize
    } else {
        0
    };
    let fused_bytes = if nfused > 0 {
        FUSED_CORE_BYTES + nfused * FUSED_LAYER_BYTES + ram_extra
    } else {
        0
    };
    // Column tables of lists layers are page-aligned halves: up to 255 bytes of alignment.
    let align = if forms.iter().any(|f| f.streams()) {
        255
    } else {
        0
    };
    let est_image = CORE_BYTES
        + block
        + kernels
        + fused_bytes
        + align
        + model.charset.len()
        + 14 * model.layers.len()
        + layers.iter().map(|l| l.weight_bytes).sum::<usize>();
    LayoutPlan {
        budget: budget.clone(),
        layers,
        est_image,
        reason: Vec::new(),
        baselines: 0,
        banks: None,
        neurons: Neurons {
            kept: model.layers.iter().map(|l| (0..l.out).collect()).collect(),
            dead: vec![Vec::new(); model.layers.len()],
            unused: vec![Vec::new(); model.layers.len()],
        },
        counters: counters::prove(&model.layers[0]),
    }
}

/// Bytes available to the image under `budget`.
pub fn capacity(budget: &Budget) -> usize {
    let top = budget.top as usize;
    let ram = if budget.ram.is_none() {
        BSS_BYTES as usize + 255
    } else {
        0
    };
    top.saturating_sub(usize::from(budget.org) + ram)
}

/// Chooses the layout: the requested one, or (auto) the fastest per-layer choice that fits,
/// for the model without the neurons that cannot change a logit ([`super::prune`]).
pub fn plan(model: &Model, budget: &Budget, layout: &Layout) -> Result<LayoutPlan, PlanError> {
    check_widths(model)?;
    let neurons = live_neurons(model);
    let mut p = plan_model(&neurons.apply(model), budget, layout)?;
    if let Some(r) = neurons.reason() {
        p.reason.insert(0, r);
    }
    p.neurons = neurons;
    Ok(p)
}

fn check_widths(model: &Model) -> Result<(), PlanError> {
    for (k, l) in model.layers.iter().enumerate() {
        if l.out > 256 {
            return Err(PlanError::TooWide {
                layer: k + 1,
                found: l.out,
                what: "outputs",
            });
        }
        if l.inp > 256 {
            return Err(PlanError::TooWide {
                layer: k + 1,
                found: l.inp,
                what: "inputs",
            });
        }
    }
    Ok(())
}

/// [`plan`] for the model the engine runs.
fn plan_model(model: &Model, budget: &Budget, layout: &Layout) -> Result<LayoutPlan, PlanError> {
    let n = model.layers.len();
    let act = activity(model);
    let have = capacity(budget);
    let fail = |p: &LayoutPlan, hint: String| PlanError::DoesNotFit {
        layout: p.name(),
        board: budget.board.clone(),
        need: p.est_image,
        have,
        short: p.est_image.saturating_sub(have),
        hint,
    };
    let forms = match layout {
        Layout::All(f) => vec![*f; n],
        Layout::PerLayer(v) if v.len() == n => v.clone(),
        Layout::PerLayer(v) => {
            return Err(PlanError::FormCount {
                given: v.len(),
                layers: n,
            })
        }
        Layout::Auto => {
            let mut p = make(model, budget, &vec![Form::Lists; n], &act);
            let mut reason = vec![format!(
                "lists for every layer (fastest, ~{} T/step) needs ~{} bytes; {} has {}",
                p.est_t_per_step(),
                p.est_image,
                budget.board,
                have
            )];
            if p.est_image > have {
                // Sizes do not add up layer by layer (packing one layer can cost bytes while
                // packing two saves them), so try every per-layer choice: a model has few layers.
                // Up to 6 layers each may be lists, gaps (about half the bytes of lists for
                // sparse layers at ~1.5x their time) or packed; more layers choose between lists
                // and packed, and layers past the 12th stay packed.
                let lists = p;
                let mut best: Option<LayoutPlan> = None;
                let choices: &[Form] = if n <= 6 {
                    &[Form::Lists, Form::Gaps, Form::Packed]
                } else {
                    &[Form::Lists, Form::Packed]
                };
                let base = choices.len();
                for code in 0..base.pow(n.min(12) as u32) {
                    let forms: Vec<Form> = (0..n)
                        .map(|k| {
                            if k >= 12 {
                                Form::Packed
                            } else {
                                choices[code / base.pow(k as u32) % base]
                            }
                        })
                        .collect();
                    let q = make(model, budget, &forms, &act);
                    let better = best.as_ref().is_none_or(|b| {
                        (q.est_t_per_step(), q.est_image) < (b.est_t_per_step(), b.est_image)
                    });
                    if q.est_image <= have && better {
                        best = Some(q);
                    }
                }
                let Some(q) = best else {
                    return Err(fail(
                        &lists,
                        "no layout of this model fits; a smaller model is needed".into(),
                    ));
                };
                for (k, form) in q.forms().iter().enumerate() {
                    if *form != Form::Lists {
                        reason.push(format!(
                            "layer {} {}: {} bytes instead of {} as lists",
                            k + 1,
                            form.name(),
                            layer_bytes(&model.layers[k], *form),
                            layer_bytes(&model.layers[k], Form::Lists)
                        ));
                    }
                }
                p = q;
            }
            reason.push(format!(
                "chose {} (~{} T/step, ~{} bytes)",
                p.name(),
                p.est_t_per_step(),
                p.est_image
            ));
            p.reason = reason;
            set_baselines(&mut p, have);
            return Ok(p);
        }
    };
    let mut p = make(model, budget, &forms, &act);
    if p.est_image > have {
        let packed = make(model, budget, &vec![Form::Packed; n], &act);
        let hint = if packed.est_image <= have {
            format!("--layout auto or packed fits (~{} bytes)", packed.est_image)
        } else {
            "no layout of this model fits; a smaller model is needed".into()
        };
        return Err(fail(&p, hint));
    }
    p.reason = vec![format!(
        "{} as requested (~{} T/step, ~{} bytes of {})",
        p.name(),
        p.est_t_per_step(),
        p.est_image,
        have
    )];
    set_baselines(&mut p, have);
    Ok(p)
}

/// Sets [`LayoutPlan::baselines`] from the RAM the estimate leaves, and says so.
fn set_baselines(p: &mut LayoutPlan, have: usize) {
    p.baselines = baselines_that_fit(&p.budget, &p.fused(), have.saturating_sub(p.est_image));
    if p.baselines > 0 {
        p.reason.push(format!(
            "layer-1 baselines for the first {} steps of a response ({} bytes of RAM)",
            p.baselines,
            p.baselines * BASELINE_BYTES
        ));
    }
}

/// A board whose weights live in switchable ROM banks (the Game Boy's MBC5): the fixed part
/// (engine, tables) is in bank 0 and checked after assembly; each column's record is placed
/// whole in one bank from `first` on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankBudget {
    /// Bytes in one bank.
    pub bank_bytes: usize,
    /// First bank for records.
    pub first: usize,
    /// Banks the board (or the engine's bank tables) can address, the fixed bank included.
    pub max_banks: usize,
    /// The forms the target's engine has kernels for, and how `--layout` names them.
    pub forms: &'static [Form],
    pub takes: &'static str,
    /// What the target makes of its form, for the plan's reasons.
    pub note: &'static str,
}

/// The target's cost model for the estimate: T-states per active column, per non-zero weight
/// of an active column, per input visited (zero or not) and per neuron (bias load, ReLU).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Costs {
    pub column: f64,
    pub weight: f64,
    pub input: f64,
    pub neuron: f64,
}

/// Where one column's record lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    pub bank: usize,
    /// Offset in the bank.
    pub offset: usize,
    pub bytes: usize,
}

/// One switchable bank: what it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankUse {
    pub bank: usize,
    pub used: usize,
    /// (layer from 0, first input, last input) ranges stored here.
    pub ranges: Vec<(usize, usize, usize)>,
}

/// Every column record's bank and offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankMap {
    pub bank_bytes: usize,
    /// `places[layer][input]`.
    pub places: Vec<Vec<Place>>,
    pub banks: Vec<BankUse>,
}

impl BankMap {
    /// Banks in the ROM: the fixed bank + the record banks, rounded up to a power of two (at
    /// least 2).
    pub fn rom_banks(&self) -> usize {
        (self.banks.last().map_or(0, |b| b.bank) + 1)
            .next_power_of_two()
            .max(2)
    }

    /// The printable bank map.
    pub fn render(&self) -> String {
        let mut s = String::from("bank  used   contents\n");
        s += "   0     -   engine, console driver, font, model tables\n";
        for b in &self.banks {
            let what: Vec<String> = b
                .ranges
                .iter()
                .map(|(l, a, z)| format!("layer {} inputs {a}-{z}", l + 1))
                .collect();
            s += &format!("{:4} {:5}   {}\n", b.bank, b.used, what.join(", "));
        }
        s += &format!(
            "ROM: {} banks of {} KiB ({} KiB)",
            self.rom_banks(),
            self.bank_bytes / 1024,
            self.rom_banks() * self.bank_bytes / 1024
        );
        s
    }
}

/// Packs records of the given sizes (`sizes[layer][input]`) into banks from `first` on, in
/// order, a record never straddling two banks.
pub fn place_in_banks(sizes: &[Vec<usize>], bank_bytes: usize, first: usize) -> BankMap {
    let mut places = Vec::new();
    let mut banks: Vec<BankUse> = Vec::new();
    let (mut bank, mut offset) = (first, 0usize);
    for (k, layer) in sizes.iter().enumerate() {
        let mut ps = Vec::new();
        for (i, &bytes) in layer.iter().enumerate() {
            if offset + bytes > bank_bytes {
                bank += 1;
                offset = 0;
            }
            if banks.last().map(|b| b.bank) != Some(bank) {
                banks.push(BankUse {
                    bank,
                    used: 0,
                    ranges: Vec::new(),
                });
            }
            let b = banks.last_mut().expect("pushed above");
            b.used = offset + bytes;
            match b.ranges.last_mut() {
                Some(r) if r.0 == k => r.2 = i,
                _ => b.ranges.push((k, i, i)),
            }
            ps.push(Place {
                bank,
                offset,
                bytes,
            });
            offset += bytes;
        }
        places.push(ps);
    }
    BankMap {
        bank_bytes,
        places,
        banks,
    }
}

/// The plan of a banked target: the forms its engine takes (`--layout` is checked against
/// `banks.forms`), estimated T-states from `costs`, and every column record (`record_bytes`:
/// layer from 0, layer, input → bytes) placed in a bank.
pub fn plan_banked(
    model: &Model,
    budget: &Budget,
    banks: &BankBudget,
    layout: &Layout,
    costs: &Costs,
    record_bytes: &dyn Fn(usize, &Layer, usize) -> usize,
) -> Result<LayoutPlan, PlanError> {
    let n = model.layers.len();
    let forms = match layout {
        Layout::Auto => vec![banks.forms[0]; n],
        Layout::All(f) => vec![*f; n],
        Layout::PerLayer(v) if v.len() == n => v.clone(),
        Layout::PerLayer(v) => {
            return Err(PlanError::FormCount {
                given: v.len(),
                layers: n,
            })
        }
    };
    if let Some(f) = forms.iter().find(|f| !banks.forms.contains(f)) {
        return Err(PlanError::FormNotTaken {
            board: budget.board.clone(),
            form: f.name(),
            takes: banks.takes,
        });
    }
    let sizes: Vec<Vec<usize>> = model
        .layers
        .iter()
        .enumerate()
        .map(|(k, l)| (0..l.inp).map(|i| record_bytes(k, l, i)).collect())
        .collect();
    let map = place_in_banks(&sizes, banks.bank_bytes, banks.first);
    if map.rom_banks() > banks.max_banks {
        return Err(PlanError::TooManyBanks {
            board: budget.board.clone(),
            needed: map.rom_banks(),
            bank_bytes: banks.bank_bytes,
            max: banks.max_banks,
        });
    }
    let act = activity(model);
    let layers: Vec<LayerPlan> = model
        .layers
        .iter()
        .zip(&forms)
        .zip(&act)
        .zip(&sizes)
        .map(|(((l, &form), a), sz)| {
            let mut t = costs.neuron * l.out as f64;
            for (c, &p) in a.iter().enumerate() {
                let nnz = (0..l.out)
                    .filter(|&j| l.weights[j * l.inp + c] != 0)
                    .count() as f64;
                t += costs.input + p * (costs.column + costs.weight * nnz);
            }
            LayerPlan {
                form,
                weight_bytes: sz.iter().sum(),
                est_t: t as u64,
            }
        })
        .collect();
    let rom = map.rom_banks() * banks.bank_bytes;
    let mut p = LayoutPlan {
        budget: budget.clone(),
        layers,
        est_image: rom,
        reason: Vec::new(),
        baselines: 0,
        banks: None,
        // The SM83 engine runs every neuron.
        neurons: Neurons {
            kept: model.layers.iter().map(|l| (0..l.out).collect()).collect(),
            dead: vec![Vec::new(); model.layers.len()],
            unused: vec![Vec::new(); model.layers.len()],
        },
        counters: Err("the SM83 engine keeps 16-bit sums".into()),
    };
    p.reason = vec![
        format!(
            "{} for every layer ({}: {}; ~{} T/step)",
            p.name(),
            if matches!(layout, Layout::Auto) && banks.forms.len() == 1 {
                "the one form this engine has"
            } else {
                "as requested"
            },
            banks.note,
            p.est_t_per_step()
        ),
        format!(
            "column records in banks {}-{}, none straddling two; the ROM is {} banks ({} KiB)",
            banks.first,
            map.banks.last().map_or(banks.first, |b| b.bank),
            map.rom_banks(),
            rom / 1024
        ),
    ];
    p.banks = Some(map);
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Layer;

    /// A model 256 → 64 → 32 → 5 with a deterministic weight pattern (~30% non-zero).
    fn model() -> Model {
        let mut seed = 12345u32;
        let mut layer = |out: usize, inp: usize| {
            let weights = (0..out * inp)
                .map(|_| {
                    seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                    [0, 0, 1, -1, 0, -2, 0, 0, 1, 0][(seed >> 16) as usize % 10]
                })
                .collect();
            Layer {
                out,
                inp,
                weights,
                bias: (0..out).map(|j| j as i16 % 7 - 3).collect(),
            }
        };
        let layers = vec![layer(64, 256), layer(32, 64), layer(5, 32)];
        Model {
            layers,
            charset: b"ABCD\0".to_vec(),
            warning: None,
        }
    }

    fn budget(top: u32) -> Budget {
        Budget {
            board: "test".into(),
            org: 0x100,
            top,
            ram: None,
            fast_code: true,
        }
    }

    #[test]
    fn roomy_budget_gets_lists_everywhere() {
        let p = plan(&model(), &budget(0xE400), &Layout::Auto).unwrap();
        assert_eq!(p.forms(), vec![Form::Lists; 3]);
        assert!(p.est_image <= capacity(&p.budget));
    }

    #[test]
    fn tight_budget_shrinks_some_layers_and_says_why() {
        let m = model();
        let lists = plan(&m, &budget(0xE400), &Layout::All(Form::Lists)).unwrap();
        let packed = plan(&m, &budget(0xE400), &Layout::All(Form::Packed)).unwrap();
        assert!(packed.est_image < lists.est_image);
        assert!(packed.est_t_per_step() > lists.est_t_per_step());
        // Just too small for all-lists: the planner puts some layer in gaps or packed and
        // explains it.
        let top = 0x100 + lists.est_image as u32 + BSS_BYTES + 255 - 1;
        let p = plan(&m, &budget(top), &Layout::Auto).unwrap();
        assert!(
            p.forms().iter().any(|&f| f != Form::Lists),
            "{:?}",
            p.forms()
        );
        assert!(p.est_image <= capacity(&p.budget));
        assert!(
            p.reason
                .iter()
                .any(|r| r.contains("instead of") && r.contains("as lists")),
            "{:?}",
            p.reason
        );
    }

    #[test]
    fn too_small_says_by_how_much() {
        let err = plan(&model(), &budget(0x2000), &Layout::Auto).unwrap_err();
        let PlanError::DoesNotFit {
            need, have, short, ..
        } = err.clone()
        else {
            panic!("{err}")
        };
        assert_eq!(short, need - have);
        assert!(err.to_string().contains("short by"), "{err}");
        let err = plan(&model(), &budget(0x2000), &Layout::All(Form::Lists)).unwrap_err();
        assert!(matches!(err, PlanError::DoesNotFit { .. }));
    }

    #[test]
    fn layout_names_parse() {
        assert_eq!("auto".parse::<Layout>(), Ok(Layout::Auto));
        assert_eq!("packed".parse::<Layout>(), Ok(Layout::All(Form::Packed)));
        assert_eq!("gaps".parse::<Layout>(), Ok(Layout::All(Form::Gaps)));
        assert_eq!(
            "gaps,lists".parse::<Layout>(),
            Ok(Layout::PerLayer(vec![Form::Gaps, Form::Lists]))
        );
        assert_eq!(
            "packed,lists".parse::<Layout>(),
            Ok(Layout::PerLayer(vec![Form::Packed, Form::Lists]))
        );
        assert!("fastest"
            .parse::<Layout>()
            .unwrap_err()
            .contains("auto, lists"));
        assert!(matches!(
            plan(
                &model(),
                &budget(0xE400),
                &Layout::PerLayer(vec![Form::Lists])
            ),
            Err(PlanError::FormCount {
                given: 1,
                layers: 3
            })
        ));
    }

    #[test]
    fn same_model_same_image() {
        let m = model();
        let b = budget(0xE400);
        let t = super::super::targets::cpm::target_asm();
        let a = super::super::build(&m, &b, &Layout::Auto, &t).unwrap();
        let c = super::super::build(&m, &b, &Layout::Auto, &t).unwrap();
        assert_eq!(a.image.bytes, c.image.bytes);
        assert!(a.image.map.render().contains("weights"));
    }

    #[test]
    fn banked_records_never_straddle_and_packed_is_refused() {
        let sizes = vec![vec![6000, 6000, 6000], vec![16384, 1]];
        let map = place_in_banks(&sizes, 16384, 1);
        let got: Vec<(usize, usize)> = map
            .places
            .iter()
            .flatten()
            .map(|p| (p.bank, p.offset))
            .collect();
        assert_eq!(got, [(1, 0), (1, 6000), (2, 0), (3, 0), (4, 0)]);
        assert_eq!(map.rom_banks(), 8);
        assert!(map.render().contains("   2  6000   layer 1 inputs 2-2\n"));
        let banks = BankBudget {
            bank_bytes: 16384,
            first: 1,
            max_banks: 256,
            forms: &[Form::Lists],
            takes: "auto or lists",
            note: "test",
        };
        let costs = Costs {
            column: 1.0,
            weight: 1.0,
            input: 1.0,
            neuron: 1.0,
        };
        let b = budget(0x4000);
        let bytes = |_: usize, l: &Layer, c: usize| stream_bytes(l, c) + 1;
        let p = plan_banked(&model(), &b, &banks, &Layout::Auto, &costs, &bytes).unwrap();
        assert_eq!(p.forms(), vec![Form::Lists; 3]);
        assert!(p.report().contains("ROM: 2 banks"), "{}", p.report());
        let err = plan_banked(
            &model(),
            &b,
            &banks,
            &Layout::All(Form::Packed),
            &costs,
            &bytes,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "test has no packed kernel: its --layout takes auto or lists"
        );
        let tight = BankBudget {
            max_banks: 1,
            ..banks
        };
        assert!(matches!(
            plan_banked(&model(), &b, &tight, &Layout::Auto, &costs, &bytes),
            Err(PlanError::TooManyBanks { needed: 2, .. })
        ));
    }

    /// What the gaps kernels (engine::codegen::gaps_kernel) do with a column's bytes: the
    /// neurons each of the three groups adds into, in order; the bytes must end at the word
    /// after the third end mark.
    fn run_gaps(bytes: &[u8]) -> [Vec<u8>; 3] {
        let mut groups: [Vec<u8>; 3] = Default::default();
        let (mut g, mut l) = (0, 0xFFu8);
        for (i, &b) in bytes.iter().enumerate() {
            let (lo, hi) = (b & 15, b >> 4);
            if b == 0 {
                g += 1;
                l = 0xFF;
                if g == 3 {
                    assert_eq!(
                        bytes.len(),
                        (i | 1) + 1,
                        "the column ends its word: {bytes:?}"
                    );
                    return groups;
                }
                continue;
            }
            if lo == 0 {
                l = l.wrapping_add(8 * hi);
                continue;
            }
            l = l.wrapping_add(lo);
            groups[g].push(l);
            if hi != 0 {
                l = l.wrapping_add(hi);
                groups[g].push(l);
            }
        }
        panic!("no third end mark in {bytes:?}");
    }

    #[test]
    fn gap_codes_run_back_to_their_groups() {
        let mut groups: Vec<Vec<u8>> = vec![
            vec![0],
            vec![255],
            vec![0, 255],
            vec![14],
            vec![15],
            vec![16],
            vec![0, 16, 32, 48],
            vec![134],
            vec![135],
            vec![136],
            vec![143, 144],
            (0..=255).collect(),
            (0..=255).step_by(15).collect(),
            (0..=255).step_by(16).collect(),
            (0..=255).step_by(17).collect(),
            (7..=255).step_by(120).collect(),
        ];
        let mut seed = 99u32;
        for density in [2u32, 5, 20, 34, 60, 95] {
            for _ in 0..200 {
                let g: Vec<u8> = (0..=255u8)
                    .filter(|_| {
                        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                        (seed >> 16) % 100 < density
                    })
                    .collect();
                if !g.is_empty() {
                    groups.push(g);
                }
            }
        }
        let none: Vec<u8> = Vec::new();
        for (i, g) in groups.iter().enumerate() {
            let other = &groups[(i * 7 + 3) % groups.len()];
            for column in [
                [g, &none, &none],
                [&none, g, &none],
                [&none, &none, g],
                [g, other, g],
                [other, &none, g],
            ] {
                let bytes = gap_column(column[0], column[1], column[2]);
                let want = column.map(|g| g.clone());
                assert_eq!(run_gaps(&bytes), want, "{bytes:?}");
            }
        }
        // Dense groups take about half a byte per neuron.
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(gap_column(&all, &none, &none).len(), 132);
    }
}
