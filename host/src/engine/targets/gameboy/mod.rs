//! The Game Boy target: model -> bank plan -> generated `model.asm` + the SM83 engine
//! (`z80rom/asm/gb/`) -> assembled image -> MBC5 cartridge (`.gb`) with a checked header.
//!
//! The common path: [`budget`] and [`BANKS`] → [`plan`] (the planner's
//! [`plan::plan_banked`]: forms, estimate, each record's bank) → [`model_asm`] (the generated
//! part) + the engine sources → [`build`] (assembled, placed, header written).
//!
//! Layout (decided from sizes before any code is generated): bank 0 holds the engine, the
//! console driver, the font and the page-aligned model tables (charset, per-layer input tables,
//! biases, the unrolled add kernel); banks 1..N hold one weight record per layer input: the
//! output indices whose weight is +1, -1 or -2, in chunks of at most 255 (engine.asm describes
//! the format). A record never straddles a bank. The header follows Pan Docs "The Cartridge
//! Header" and is read back with the emulator's parser (`boards::machines::gameboy::cartridge`).

pub mod keyboard;
pub mod session;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use boards::machines::gameboy::cartridge::{
    self, CartridgeError, Header, HeaderFields, CGB_SUPPORTED, TYPE_MBC5_RAM_BATTERY,
};
use z80rom::asm::{assemble, AsmError, Cpu, Layered, MemFiles};

use crate::engine::plan::{self, BankBudget, BankMap, Budget, Costs, Form, LayoutPlan, PlanError};
use crate::engine::Layout;
use crate::model::Model;

/// Our 5x7 font, drawn as text (`z80rom/asm/gb/font.txt`).
pub const FONT_TXT: &str = z80rom::gb::FONT_TXT;

/// Bytes in one switchable ROM bank.
pub const BANK_BYTES: usize = 0x4000;
/// Banks the engine's one-byte bank tables can address.
pub const MAX_BANKS: usize = 256;
/// RAM size code of our cartridges (0x02: 8 KiB of battery-backed RAM, the saved transcript).
pub const RAM_SIZE_CODE: u8 = 0x02;
/// Cartridge title written into the header.
pub const TITLE: &str = "Z80LM CHAT";

/// What kind of cartridge to build besides the model.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// The Game Boy Color build (`--target gbc`): header 0x143 = 0x80 (runs on a DMG as well),
    /// double speed on a CGB, the speed shown after the banner.
    pub cgb: bool,
}

/// Why a model cannot become a cartridge.
#[derive(Debug, thiserror::Error)]
pub enum GbError {
    #[error("layer {layer} has {got} inputs; the Game Boy engine handles 1-256")]
    LayerInputs { layer: usize, got: usize },
    #[error(
        "layer {layer} has {got} outputs; the Game Boy engine handles 1-256 (255 for the last)"
    )]
    LayerOutputs { layer: usize, got: usize },
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error("font.txt: {0}")]
    Font(String),
    #[error("assembling the Game Boy engine: {0}")]
    Asm(#[from] AsmError),
    #[error("bank 0 is full: the engine and tables end at {end:#06x}, past 0x4000")]
    Bank0Full { end: usize },
    #[error("cartridge header: {0}")]
    Header(#[from] CartridgeError),
    #[error("{got} models: the start menu lists at most 255")]
    TooManyModels { got: usize },
    #[error("model {name}: {why}")]
    Model { name: String, why: String },
    #[error("model {name} does not fit: it needs {banks} banks (each with its {block}-byte tables) from bank {first}, and an MBC5 cartridge has 512 (8 MiB); nothing written")]
    CartridgeFull {
        name: String,
        banks: usize,
        first: usize,
        block: usize,
    },
}

/// The Game Boy's memory for the planner: bank 0 (0x0000-0x3FFF) holds the fixed part, the
/// engine's RAM is WRAM at 0xC000 (`mem.inc`).
pub fn budget() -> Budget {
    Budget {
        board: "gb".into(),
        org: 0,
        top: BANK_BYTES as u32,
        ram: Some(0xC000),
        // The SM83 engine is hand-written (gb/engine.asm), not generated.
        fast_code: false,
    }
}

/// The weight records go to MBC5 banks 1.. (the engine's bank table holds one byte per input).
pub const BANKS: BankBudget = BankBudget {
    bank_bytes: BANK_BYTES,
    first: 1,
    max_banks: MAX_BANKS,
    forms: &[Form::Lists],
    takes: "auto or lists (fast: every column compiled to add code in ROM banks)",
    note: "every column compiled to add code (a wide and a byte version) in ROM banks",
};

/// SM83 costs of `engine.asm` for the planner's estimate (T-states = M-cycles × 4): per active
/// input ~190 in `acc_list` (its column's RET included) + ~80 more in `finish_hidden` for an
/// active neuron than for a negative one, ~42 per weight (the column code, mostly the byte
/// version), ~100 per neuron (`load_acc` 44, `finish_hidden` 56 for a negative sum).
pub const COSTS: Costs = Costs {
    column: 270.0,
    weight: 42.0,
    input: 0.0,
    neuron: 100.0,
};

/// SM83 opcodes of the column code (Pan Docs "CPU Instruction Set"; cross-checked against our
/// assembler by [`column_asm`] in the tests).
mod op {
    pub const LD_H_N: u8 = 0x26;
    pub const LD_L_N: u8 = 0x2E;
    pub const LD_A_IHL: u8 = 0x7E;
    pub const LD_IHLI_A: u8 = 0x22;
    pub const LD_IHL_A: u8 = 0x77;
    pub const INC_H: u8 = 0x24;
    pub const ADD_A_C: u8 = 0x81;
    pub const ADD_A_E: u8 = 0x83;
    pub const ADC_A_B: u8 = 0x88;
    pub const ADC_A_D: u8 = 0x8A;
    pub const CB: u8 = 0xCB;
    pub const SLA_E: u8 = 0x23;
    pub const RL_D: u8 = 0x12;
    pub const RET: u8 = 0xC9;
    pub const JR_NC: u8 = 0x30;
    pub const JR_C: u8 = 0x38;
    pub const INC_IHL: u8 = 0x34;
    pub const DEC_IHL: u8 = 0x35;
}

/// The page of ACC (mem.inc): neuron j's sum is at ACC + 2j, low byte first.
pub const ACC_PAGE: u8 = 0xC0;

/// What the column code does, step by step: set H to a sum page (`ld h,n`), step H to the next
/// page (`inc h`), add a register pair to the sum of neuron j, double DE, return.
enum ColOp {
    Page(u8),
    NextPage,
    Add { j: u8, de: bool },
    Double,
    Ret,
}

fn column_ops(layer: &crate::model::Layer, i: usize) -> Vec<ColOp> {
    let (pos, neg, neg2) = plan::column_groups(layer, i);
    if pos.is_empty() && neg.is_empty() && neg2.is_empty() {
        return Vec::new();
    }
    let mut ops = Vec::new();
    for (g, de) in [(&pos, false), (&neg, true), (&neg2, true)] {
        if std::ptr::eq(g, &neg2) && !g.is_empty() {
            ops.push(ColOp::Double);
        }
        let mut page = None;
        for &j in g {
            let want = ACC_PAGE + (j >> 7);
            match page {
                Some(p) if p == want => {}
                Some(p) if p + 1 == want => ops.push(ColOp::NextPage),
                _ => ops.push(ColOp::Page(want)),
            }
            page = Some(want);
            ops.push(ColOp::Add { j, de });
        }
    }
    ops.push(ColOp::Ret);
    ops
}

/// The two codes of every column: `Wide` takes any x (16-bit adds), `Byte` is run when
/// 0 < x < 128, so that x, -x and -2x each have a constant high byte (0, 0xFF, 0xFF): the low
/// byte is added and the high byte only changes on a carry (+x) or its absence (-x, -2x).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    Wide,
    Byte,
}

/// The compiled code of column `i` of `layer` (see engine.asm, "Column code contract"): per
/// non-zero weight 8 bytes. Wide: 12 M-cycles (`ld l,2j / ld a,(hl) / add a,c / ld (hl+),a /
/// ld a,(hl) / adc a,b / ld (hl),a`, with E and D for -x and -2x). Byte: 10 M-cycles, 12 when
/// the high byte changes (`ld l,2j / ld a,(hl) / add a,c / ld (hl+),a / jr nc,$+3 /
/// inc (hl)`; `add a,e ... jr c,$+3 / dec (hl)` for -x and -2x). Empty for a column without
/// non-zero weights (its table entries are `col_none`).
pub fn column_code(layer: &crate::model::Layer, i: usize, v: Variant) -> Vec<u8> {
    let mut out = Vec::new();
    for o in column_ops(layer, i) {
        match o {
            ColOp::Page(p) => out.extend([op::LD_H_N, p]),
            ColOp::NextPage => out.push(op::INC_H),
            ColOp::Add { j, de } => {
                out.extend([op::LD_L_N, j.wrapping_mul(2), op::LD_A_IHL]);
                match (v, de) {
                    (Variant::Wide, false) => out.extend([
                        op::ADD_A_C,
                        op::LD_IHLI_A,
                        op::LD_A_IHL,
                        op::ADC_A_B,
                        op::LD_IHL_A,
                    ]),
                    (Variant::Wide, true) => out.extend([
                        op::ADD_A_E,
                        op::LD_IHLI_A,
                        op::LD_A_IHL,
                        op::ADC_A_D,
                        op::LD_IHL_A,
                    ]),
                    (Variant::Byte, false) => {
                        out.extend([op::ADD_A_C, op::LD_IHLI_A, op::JR_NC, 1, op::INC_IHL])
                    }
                    (Variant::Byte, true) => {
                        out.extend([op::ADD_A_E, op::LD_IHLI_A, op::JR_C, 1, op::DEC_IHL])
                    }
                }
            }
            ColOp::Double if v == Variant::Byte => out.extend([op::CB, op::SLA_E]),
            ColOp::Double => out.extend([op::CB, op::SLA_E, op::CB, op::RL_D]),
            ColOp::Ret => out.push(op::RET),
        }
    }
    out
}

/// Both codes of column `i`, as placed in its bank: the wide code, then the byte code.
pub fn column_record(layer: &crate::model::Layer, i: usize) -> Vec<u8> {
    let mut r = column_code(layer, i, Variant::Wide);
    r.extend(column_code(layer, i, Variant::Byte));
    r
}

/// The same column code as assembly text (what [`column_code`] encodes), for `--emit asm`
/// readers and the test that assembles it.
pub fn column_asm(layer: &crate::model::Layer, i: usize, v: Variant) -> String {
    let mut s = String::new();
    for o in column_ops(layer, i) {
        match o {
            ColOp::Page(p) => {
                let _ = writeln!(s, "        ld h,high(ACC)+{}", p - ACC_PAGE);
            }
            ColOp::NextPage => s += "        inc h\n",
            ColOp::Add { j, de } => {
                let (lo, hi) = if de { ("e", "d") } else { ("c", "b") };
                let _ = write!(
                    s,
                    "        ld l,{}\n        ld a,(hl)\n        add a,{lo}\n        ld (hl+),a\n",
                    j.wrapping_mul(2)
                );
                match (v, de) {
                    (Variant::Wide, _) => {
                        let _ = write!(
                            s,
                            "        ld a,(hl)\n        adc a,{hi}\n        ld (hl),a\n"
                        );
                    }
                    (Variant::Byte, false) => s += "        jr nc,$+3\n        inc (hl)\n",
                    (Variant::Byte, true) => s += "        jr c,$+3\n        dec (hl)\n",
                }
            }
            ColOp::Double if v == Variant::Byte => s += "        sla e\n",
            ColOp::Double => s += "        sla e\n        rl d\n",
            ColOp::Ret => s += "        ret\n",
        }
    }
    s
}

/// Plans the cartridge for `model` through the common planner ([`plan::plan_banked`]): the
/// engine's limits first, then the forms `layout` asks for and every record's bank.
pub fn plan(model: &Model, layout: &Layout) -> Result<LayoutPlan, GbError> {
    let last = model.layers.len() - 1;
    for (k, l) in model.layers.iter().enumerate() {
        if !(1..=256).contains(&l.inp) {
            return Err(GbError::LayerInputs {
                layer: k + 1,
                got: l.inp,
            });
        }
        let max_out = if k == last { 255 } else { 256 };
        if !(1..=max_out).contains(&l.out) {
            return Err(GbError::LayerOutputs {
                layer: k + 1,
                got: l.out,
            });
        }
    }
    Ok(plan::plan_banked(
        model,
        &budget(),
        &BANKS,
        layout,
        &COSTS,
        &|_, l, i| column_record(l, i).len(),
    )?)
}

/// The font as `FONT:` + 8 bytes per glyph for codes 0x20-0x7F, from `font.txt`.
pub fn font_asm(txt: &str) -> Result<String, GbError> {
    let rows: Vec<&str> = txt
        .lines()
        .filter(|l| !l.starts_with(';') && !l.trim().is_empty())
        .collect();
    if rows.len() != 42 {
        return Err(GbError::Font(format!(
            "{} pixel rows, expected 6 bands x 7",
            rows.len()
        )));
    }
    let mut glyphs = vec![[0u8; 8]; 96];
    for (n, row) in rows.iter().enumerate() {
        let (band, r) = (n / 7, n % 7);
        let cells: Vec<&str> = row.split_whitespace().collect();
        if cells.len() != 16 || cells.iter().any(|c| c.len() != 5) {
            return Err(GbError::Font(format!(
                "row {}: expected 16 cells of 5 pixels",
                n + 1
            )));
        }
        for (c, cell) in cells.iter().enumerate() {
            let mut bits = 0u8;
            for (x, p) in cell.bytes().enumerate() {
                match p {
                    b'#' => bits |= 0x40 >> x,
                    b'.' => {}
                    _ => {
                        return Err(GbError::Font(format!(
                            "row {}: pixel {:?}",
                            n + 1,
                            p as char
                        )))
                    }
                }
            }
            glyphs[band * 16 + c][r] = bits;
        }
    }
    let mut s = String::from("; generated from font.txt\nFONT:\n");
    for (i, g) in glyphs.iter().enumerate() {
        let bytes: Vec<String> = g.iter().map(|b| format!("0x{b:02X}")).collect();
        let _ = writeln!(s, "        db {}   ; {:#04x}", bytes.join(","), 0x20 + i);
    }
    Ok(s)
}

/// The character tile `t` shows with this font: the glyph itself (0x20-0x7E), the keyboard's
/// space key (0x7F) as a space, inverted tiles (cursor) as their glyph, anything else as '?'.
pub fn tile_char(t: u8) -> char {
    match t {
        0x20..=0x7E => t as char,
        0x7F | 0xFF => ' ',
        0xA0..=0xFE => (t - 0x80) as char,
        _ => '?',
    }
}

fn db_lines(s: &mut String, bytes: &[u8]) {
    for chunk in bytes.chunks(16) {
        let v: Vec<String> = chunk.iter().map(|b| b.to_string()).collect();
        let _ = writeln!(s, "        db {}", v.join(","));
    }
}

/// Writes the model's page-aligned tables: the charset, then per layer its column table (five
/// pages) and biases; labels carry `p` (empty on a one-model cartridge). `bank_of` gives the
/// bank byte of a column label.
fn tables_asm(s: &mut String, model: &Model, p: &str, bank_of: &dyn Fn(&str) -> String) {
    let _ = writeln!(s, "        align 256\n{p}CHARSET:");
    db_lines(s, &model.charset);
    let label = |k: usize, l: &crate::model::Layer, i: usize, v: Variant| match (
        column_ops(l, i).is_empty(),
        v,
    ) {
        (true, _) => "col_none".to_string(),
        (false, Variant::Wide) => format!("{p}c{}_{i}", k + 1),
        (false, Variant::Byte) => format!("{p}b{}_{i}", k + 1),
    };
    for (k, l) in model.layers.iter().enumerate() {
        let _ = writeln!(
            s,
            "\n; layer {}: column table (pages: bank, wide code low, high, byte code low, high),\n; biases (low, high)",
            k + 1
        );
        let _ = writeln!(s, "        align 256\n{p}L{}_TAB:", k + 1);
        for (part, v) in [
            ("bank", Variant::Wide),
            ("low", Variant::Wide),
            ("high", Variant::Wide),
            ("low", Variant::Byte),
            ("high", Variant::Byte),
        ] {
            let names: Vec<String> = (0..l.inp)
                .map(|i| {
                    let x = label(k, l, i, v);
                    if part == "bank" {
                        bank_of(&x)
                    } else {
                        format!("{part}({x})")
                    }
                })
                .collect();
            for chunk in names.chunks(8) {
                let _ = writeln!(s, "        db {}", chunk.join(","));
            }
            let _ = writeln!(s, "        align 256");
        }
        let _ = writeln!(s, "{p}L{}_BIAS:", k + 1);
        let bytes: Vec<u8> = l.bias.iter().flat_map(|&b| b.to_le_bytes()).collect();
        db_lines(s, &bytes);
    }
}

/// Writes `finish_layers` (labels with `p`).
fn finish_asm(s: &mut String, model: &Model, p: &str) {
    let last = model.layers.len() - 1;
    let _ = writeln!(
        s,
        "\n; finish_layers: layer-1 activation, then layers 2..L; logits end up in X_LO/X_HI.\n; Clobbers: all."
    );
    let _ = writeln!(s, "{p}finish_layers:");
    for (k, l) in model.layers.iter().enumerate() {
        if k > 0 {
            let _ = writeln!(
                s,
                "        ld de,{p}L{0}_BIAS\n        ld b,{1}\n        call load_acc\n        ld a,high({p}L{0}_TAB)\n        call acc_list",
                k + 1,
                l.out & 0xFF
            );
        }
        let finish = if k == last {
            "jp finish_logits"
        } else {
            "call finish_hidden"
        };
        let _ = writeln!(s, "        ld b,{}\n        {finish}", l.out & 0xFF);
    }
}

/// Writes the column code of every bank in `banks` (labels with `p`), each bank's code from
/// `org`.
fn columns_asm(s: &mut String, model: &Model, banks: &BankMap, p: &str, org: usize) {
    for b in &banks.banks {
        let _ = writeln!(s, "\n        bank {}\n        org {org:#06x}", b.bank);
        for (k, places) in banks.places.iter().enumerate() {
            for (i, _) in places
                .iter()
                .enumerate()
                .filter(|(_, pl)| pl.bank == b.bank && pl.bytes > 0)
            {
                let l = &model.layers[k];
                let _ = writeln!(s, "{p}c{}_{i}:", k + 1);
                db_lines(s, &column_code(l, i, Variant::Wide));
                let _ = writeln!(s, "{p}b{}_{i}:", k + 1);
                db_lines(s, &column_code(l, i, Variant::Byte));
            }
        }
    }
}

const COLUMN_NOTE: &str = "\n; Column code (engine.asm, \"Column code contract\"), as bytes: per weight\n; ld l,2j / ld a,(hl) / add a,c|e / ld (hl+),a / ld a,(hl) / adc a,b|d / ld (hl),a;\n; ld h,high(ACC) / inc h for the sum pages, sla e / rl d before the -2 weights, ret (c*),\n; then the byte code for 0 < x < 128 (b*): ld l,2j / ld a,(hl) / add a,c|e / ld (hl+),a /\n; jr nc|c,$+3 / inc|dec (hl).";

/// Generates `model.asm`: model constants, page-aligned tables (charset, each layer's column
/// table and biases), `finish_layers`, the font and the compiled column code in banks 1..N.
pub fn model_asm(model: &Model, plan: &LayoutPlan) -> Result<String, GbError> {
    let banks = plan
        .banks
        .as_ref()
        .expect("a Game Boy plan places its records");
    let n = model.classes();
    let mut s = String::new();
    let _ = writeln!(
        s,
        "; generated by z80lm build --target gb (engine::targets::gameboy): model constants,\n; tables, finish_layers and the column code. Do not edit.\n"
    );
    let _ = writeln!(
        s,
        "L1_OUT  equ {}\nNCLASS  equ {n}\nEOS     equ {}\n",
        model.layers[0].out & 0xFF,
        model.eos()
    );
    let _ = writeln!(
        s,
        "        assert ACC == {0:#06x}, \"the column code addresses the sums at {0:#06x}\"",
        u16::from(ACC_PAGE) << 8
    );
    tables_asm(&mut s, model, "", &|x| format!("bank({x})"));
    finish_asm(&mut s, model, "");
    s.push('\n');
    s.push_str(&font_asm(FONT_TXT)?);
    let _ = writeln!(s, "{COLUMN_NOTE}");
    columns_asm(&mut s, model, banks, "", BANK_BYTES);
    Ok(s)
}

/// A built cartridge.
#[derive(Debug, Clone)]
pub struct GbImage {
    pub rom: Vec<u8>,
    pub header: Header,
    pub plan: LayoutPlan,
    /// The generated `model.asm`.
    pub asm: String,
    pub symbols: BTreeMap<String, i64>,
    /// Bytes of bank 0 in use (code and tables).
    pub bank0_used: usize,
    /// The models of a cartridge with several (empty for one model: `plan` is its plan).
    pub models: Vec<CartModel>,
}

/// One model of a several-model cartridge.
#[derive(Debug, Clone)]
pub struct CartModel {
    /// The name the menu shows.
    pub name: String,
    pub plan: LayoutPlan,
    /// Its banks: `first..=last` (never both sides of bank 256).
    pub first: usize,
    pub last: usize,
    /// Bytes at 0x4000 of each of its banks that hold its `respond`, `finish_layers` and tables
    /// (reserved, the column code follows).
    pub block: usize,
    /// T-states per inference step measured on the emulated DMG with its one-model cartridge,
    /// prompt [`SPEED_PROMPT`].
    pub step_t: u64,
    /// Output classes (the logits `argmax` reads).
    pub nclass: usize,
}

impl CartModel {
    /// Seconds per generated character at the DMG's clock (4,194,304 Hz), from `step_t`.
    pub fn seconds_per_char(&self) -> f64 {
        self.step_t as f64 / boards::machines::gameboy::CLOCK_HZ as f64
    }
}

impl GbImage {
    /// The record banks (every Game Boy plan has them).
    pub fn banks(&self) -> &BankMap {
        self.plan
            .banks
            .as_ref()
            .expect("a Game Boy plan places its records")
    }

    /// The plan `build` prints: the one model's, or each model's with its banks and measured
    /// speed.
    pub fn plan_report(&self) -> String {
        if self.models.is_empty() {
            return self.plan.report();
        }
        let mut s = format!(
            "{} models, each in its own banks (start menu: Up/Down, A; '!' in a chat goes back)\n",
            self.models.len()
        );
        for (k, m) in self.models.iter().enumerate() {
            let _ = writeln!(
                s,
                "model {}: {} (banks {}-{}; {} bytes of respond, finish_layers and tables at 0x4000 of each; {} T/step measured on {:?}, ~{:.2} s per character at 4.19 MHz)",
                k + 1,
                m.name,
                m.first,
                m.last,
                m.block,
                m.step_t,
                String::from_utf8_lossy(SPEED_PROMPT),
                m.seconds_per_char()
            );
            // The lines about the whole ROM (bank 0, its size) are the cartridge's, in the map.
            for line in m.plan.report().lines() {
                if line.starts_with("ROM:") || line.starts_with("   0 ") {
                    continue;
                }
                let line = line.split("; the ROM is").next().unwrap_or(line);
                let _ = writeln!(s, "  {line}");
            }
        }
        s
    }

    /// The memory map `build` prints: bank 0 use, the record banks (the plan lists what each
    /// holds) and the header fields.
    pub fn report(&self) -> String {
        let h = &self.header;
        let last = self.banks().banks.last().map_or(1, |b| b.bank);
        let records = if self.models.is_empty() {
            format!(
                "banks 1-{last}: weight records ({} bytes; the plan says which)\n",
                self.banks().banks.iter().map(|b| b.used).sum::<usize>()
            )
        } else {
            self.models
                .iter()
                .enumerate()
                .map(|(k, m)| {
                    format!(
                        "banks {}-{}: model {} {:?}: {} bytes of tables at 0x4000 of each, {} bytes of weight records\n",
                        m.first,
                        m.last,
                        k + 1,
                        m.name,
                        m.block,
                        m.plan.banks.as_ref().map_or(0, |b| b.banks.iter().map(|u| u.used).sum::<usize>())
                    )
                })
                .collect()
        };
        format!(
            "bank 0: {} of 16384 bytes ({})\n{records}header: title {:?}, type {:#04x} (MBC5+RAM+BATTERY, 8 KiB: the transcript), CGB flag {:#04x}{}, ROM size code {} ({} KiB), checksums {:#04x} / {:#06x}\n",
            self.bank0_used,
            if self.models.is_empty() {
                "engine, driver, font, tables"
            } else {
                "engine, driver, font, menu"
            },
            h.title,
            h.cartridge_type,
            h.cgb_flag,
            if h.cgb() { " (DMG and CGB; double speed on a CGB)" } else { " (DMG)" },
            h.rom_size_code,
            self.rom.len() / 1024,
            h.header_checksum,
            h.global_checksum
        )
    }
}

/// The generated `build.inc` (main.asm includes it first): the build's switches.
pub fn build_inc(opts: &Options) -> String {
    build_inc_for(opts, 1)
}

/// [`build_inc`] of a cartridge with `models` models (more than one: the start menu).
fn build_inc_for(opts: &Options, models: usize) -> String {
    format!(
        "; generated by z80lm build (engine::targets::gameboy): the build's switches.\nCGB     equ {}         ; 1: the Game Boy Color build (double speed on a CGB)\nMODELS  equ {models}         ; models on the cartridge (more than 1: the start menu)\n",
        u8::from(opts.cgb)
    )
}

/// Builds the (DMG) cartridge for `model`: plan, generate, assemble, place, header.
pub fn build(model: &Model, layout: &Layout) -> Result<GbImage, GbError> {
    build_with(model, layout, &Options::default())
}

/// Builds the cartridge for `model` as `opts` says.
/// Assembles the engine's sources (`z80rom::gb`) under the `generated` files (model.asm,
/// build.inc), checks that bank 0 fits, and places every bank at its offset in the ROM
/// (padded with 0xFF, not yet to the header's size). Returns the ROM, the symbols and the
/// bytes bank 0 uses.
fn assemble_rom(generated: &MemFiles) -> Result<AssembledRom, GbError> {
    let mut engine = MemFiles::new();
    for &(name, text) in z80rom::gb::SOURCES {
        engine.insert(name, text);
    }
    let files = Layered::new(generated, &engine);
    let asm = assemble(&files, "main.asm", Cpu::Sm83)?;
    let bank0_used = asm
        .chunks
        .iter()
        .filter(|c| c.bank.unwrap_or(0) == 0)
        .map(|c| c.addr as usize + c.bytes.len())
        .max()
        .unwrap_or(0);
    if bank0_used > BANK_BYTES {
        return Err(GbError::Bank0Full { end: bank0_used });
    }
    let rom = asm.place(0xFF, |bank, addr| match bank.unwrap_or(0) {
        0 => Some(usize::from(addr)),
        b => usize::from(addr)
            .checked_sub(BANK_BYTES)
            .map(|o| b as usize * BANK_BYTES + o),
    });
    Ok(AssembledRom {
        rom,
        symbols: asm.symbols,
        bank0_used,
    })
}

/// What [`assemble_rom`] returns.
struct AssembledRom {
    rom: Vec<u8>,
    symbols: BTreeMap<String, i64>,
    bank0_used: usize,
}

/// The cartridge header every build writes: MBC5 + RAM + battery, and the CGB flag of `opts`.
fn write_header(rom: &mut [u8], opts: &Options) -> Result<Header, GbError> {
    Ok(cartridge::write_header_fields(
        rom,
        &HeaderFields {
            title: TITLE,
            cartridge_type: TYPE_MBC5_RAM_BATTERY,
            cgb_flag: if opts.cgb { CGB_SUPPORTED } else { 0 },
            ram_size_code: RAM_SIZE_CODE,
        },
    )?)
}

pub fn build_with(model: &Model, layout: &Layout, opts: &Options) -> Result<GbImage, GbError> {
    let plan = plan(model, layout)?;
    let asm_text = model_asm(model, &plan)?;
    let generated = MemFiles::new()
        .with("model.asm", asm_text.clone())
        .with("build.inc", build_inc(opts));
    let AssembledRom {
        mut rom,
        symbols,
        bank0_used,
    } = assemble_rom(&generated)?;
    let rom_banks = plan.banks.as_ref().map_or(2, BankMap::rom_banks);
    rom.resize(rom_banks * BANK_BYTES, 0xFF);
    let header = write_header(&mut rom, opts)?;
    Ok(GbImage {
        rom,
        header,
        plan,
        asm: asm_text,
        symbols,
        bank0_used,
        models: Vec::new(),
    })
}

/// Banks an MBC5 cartridge has at most (8 MiB).
pub const MBC5_BANKS: usize = 512;
/// Models the start menu lists (one byte numbers them; 14 rows show at a time, scrolled).
pub const MAX_MODELS: usize = 255;
/// Characters of a model's name in the menu.
pub const NAME_CHARS: usize = 11;
/// The prompt a model's speed is measured with for the menu (its one-model cartridge on the
/// emulated DMG): one prompt's exact T-states, other prompts take more or less.
pub const SPEED_PROMPT: &[u8] = b"hello";

/// Bytes reserved at 0x4000 in each bank of a model on a several-model cartridge: its
/// `respond` and `finish_layers` (at most 128 + 18 per layer, rounded up to pages), its
/// charset page, and per layer the five table pages and the biases (rounded up to pages).
pub fn block_bytes(model: &Model) -> usize {
    let pages = |b: usize| b.div_ceil(256) * 256;
    pages(128 + 18 * model.layers.len())
        + 256
        + model
            .layers
            .iter()
            .map(|l| 5 * 256 + pages(2 * l.out))
            .sum::<usize>()
}

/// Plans the banks of every model of a several-model cartridge: each model's records after
/// its block in its own banks, in order from bank 1, a model that would cross bank 256 moved
/// to start there (the engine writes the low 8 bits of a bank number; the menu sets bit 8).
/// Returns (plan, first bank, block bytes) per model.
pub fn plan_models(
    models: &[(String, &Model)],
    layout: &Layout,
) -> Result<Vec<(LayoutPlan, usize, usize)>, GbError> {
    if models.len() > MAX_MODELS {
        return Err(GbError::TooManyModels { got: models.len() });
    }
    let mut out = Vec::new();
    let mut next = 1;
    for (name, m) in models {
        plan(m, layout).map_err(|e| GbError::Model {
            name: name.clone(),
            why: e.to_string(),
        })?;
        let block = block_bytes(m);
        let bb = |first| BankBudget {
            bank_bytes: BANK_BYTES - block,
            first,
            max_banks: MBC5_BANKS,
            ..BANKS
        };
        let sizes = |p: &LayoutPlan| p.banks.as_ref().map_or(0, |b| b.banks.len());
        let try_at = |first| {
            plan::plan_banked(m, &budget(), &bb(first), layout, &COSTS, &|_, l, i| {
                column_record(l, i).len()
            })
        };
        let n = match try_at(1) {
            Ok(p) => sizes(&p),
            Err(e) => {
                return Err(GbError::Model {
                    name: name.clone(),
                    why: e.to_string(),
                })
            }
        };
        let mut first = next;
        if first < 256 && first + n > 256 {
            first = 256;
        }
        if n > 256 || first + n > MBC5_BANKS {
            return Err(GbError::CartridgeFull {
                name: name.clone(),
                banks: n,
                first,
                block,
            });
        }
        let mut p = try_at(first).map_err(|e| GbError::Model {
            name: name.clone(),
            why: e.to_string(),
        })?;
        if let Some(b) = p.banks.as_mut() {
            b.bank_bytes = BANK_BYTES;
        }
        next = first + n;
        out.push((p, first, block));
    }
    Ok(out)
}

/// The menu names: each path's [`crate::bench::model_name`] (its folder for
/// `.../NAME/model.npz`, else its stem), printable ASCII, at most [`NAME_CHARS`]
/// characters, a repeated name numbered.
pub fn model_names(paths: &[std::path::PathBuf]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for p in paths {
        let raw = crate::bench::model_name(p);
        let mut name: String = raw
            .chars()
            .map(|c| if (' '..='~').contains(&c) { c } else { '?' })
            .take(NAME_CHARS)
            .collect();
        if name.trim().is_empty() {
            name = format!("model {}", names.len() + 1);
        }
        let mut k = 2;
        let base = name.clone();
        while names.contains(&name) {
            let tail = format!("~{k}");
            name = base
                .chars()
                .take(NAME_CHARS - tail.len())
                .collect::<String>()
                + &tail;
            k += 1;
        }
        names.push(name);
    }
    names
}

/// A model's menu row: mark column, space, name (11 columns), speed (7, right-aligned: `~` and
/// seconds per character at the DMG's clock, one prompt's measure).
fn menu_row(name: &str, seconds: f64) -> String {
    let speed = format!("~{seconds:.2}");
    format!("  {name:<w$}{speed:>7}", w = NAME_CHARS)
}

/// Builds a cartridge with several models and the start menu (`models.len() > 1`; one model
/// builds [`build_with`]'s image). Each model's speed is measured first on its one-model
/// cartridge on the emulated DMG ([`SPEED_PROMPT`]).
pub fn build_models(
    models: &[(String, &Model)],
    layout: &Layout,
    opts: &Options,
) -> Result<GbImage, GbError> {
    if models.len() == 1 {
        return build_with(models[0].1, layout, opts);
    }
    let plans = plan_models(models, layout)?;
    let mut speeds = Vec::new();
    for (name, m) in models {
        let one = build_with(m, layout, &Options::default())?;
        let mut sess = session::Session::boot(&one).map_err(|e| GbError::Model {
            name: name.clone(),
            why: format!("measuring its speed: {e}"),
        })?;
        let a = sess.ask(SPEED_PROMPT).map_err(|e| GbError::Model {
            name: name.clone(),
            why: format!("measuring its speed: {e}"),
        })?;
        speeds.push(a.tstates / u64::from(a.steps.max(1)));
    }
    let mut s = String::new();
    let _ = writeln!(
        s,
        "; generated by z80lm build --target gb (engine::targets::gameboy): {} models, the menu's\n; rows and banks, each model's respond, finish_layers, tables and column code. Do not edit.\n",
        models.len()
    );
    let _ = writeln!(
        s,
        "        assert ACC == {0:#06x}, \"the column code addresses the sums at {0:#06x}\"",
        u16::from(ACC_PAGE) << 8
    );
    let _ = writeln!(
        s,
        "respond equ 0x4000          ; each model's, in its banks"
    );
    s.push_str(&font_asm(FONT_TXT)?);
    let _ = writeln!(s, "\n; the menu: one row of 20 characters per model, then its first bank (low, bit 8)\nMENU_TEXT:");
    for ((name, _), t) in models.iter().zip(&speeds) {
        let row = menu_row(name, *t as f64 / boards::machines::gameboy::CLOCK_HZ as f64);
        let _ = writeln!(
            s,
            "        db \"{}\"",
            row.replace('"', "'").replace('\\', "/")
        );
    }
    let _ = writeln!(s, "MENU_BANK:");
    for (_, first, _) in &plans {
        let _ = writeln!(s, "        db {}, {}", first & 0xFF, first >> 8);
    }
    let _ = writeln!(s, "{COLUMN_NOTE}");
    for (k, ((_, m), (p, first, block))) in models.iter().zip(&plans).enumerate() {
        let pre = format!("m{}_", k + 1);
        let banks = p
            .banks
            .as_ref()
            .expect("a Game Boy plan places its records");
        let _ = writeln!(
            s,
            "\n; model {}: respond, finish_layers and tables at 0x4000 (copied to each of its banks)\n        bank {first}\n        org 0x4000\n{pre}respond:\n        assert {pre}respond == respond\n        respond_body {pre}CHARSET, {pre}L1_BIAS, {pre}L1_TAB, {}, {pre}finish_layers, {}, {}",
            k + 1,
            m.layers[0].out & 0xFF,
            m.classes(),
            m.eos()
        );
        finish_asm(&mut s, m, &pre);
        // col_none is in bank 0: its entries name the model's first bank, so that the next
        // table read after calling it still finds the model's tables at 0x4000.
        tables_asm(&mut s, m, &pre, &|x| {
            if x == "col_none" {
                format!("{}", first & 0xFF)
            } else {
                format!("low(bank({x}))")
            }
        });
        let _ = writeln!(
            s,
            "{pre}BLOCK_END:\n        assert {pre}BLOCK_END <= 0x4000 + {block}, \"model {}'s tables pass its reserved {block} bytes\"",
            k + 1
        );
        columns_asm(&mut s, m, banks, &pre, BANK_BYTES + block);
    }
    let generated = MemFiles::new()
        .with("model.asm", s.clone())
        .with("build.inc", build_inc_for(opts, models.len()));
    let AssembledRom {
        mut rom,
        symbols,
        bank0_used,
    } = assemble_rom(&generated)?;
    let last = plans
        .iter()
        .map(|(p, first, _)| {
            p.banks
                .as_ref()
                .map_or(*first, |b| b.banks.last().map_or(*first, |u| u.bank))
        })
        .max()
        .unwrap_or(1);
    let rom_banks = (last + 1).next_power_of_two().max(2);
    rom.resize(rom_banks * BANK_BYTES, 0xFF);
    let mut cart = Vec::new();
    for (k, ((name, m), ((p, first, block), t))) in
        models.iter().zip(plans.into_iter().zip(speeds)).enumerate()
    {
        let banks = p
            .banks
            .as_ref()
            .expect("a Game Boy plan places its records");
        let last = banks.banks.last().map_or(first, |u| u.bank);
        // The block, assembled in the first bank, goes to the same place in the others.
        let end = symbols[&format!("m{}_BLOCK_END", k + 1)] as usize - BANK_BYTES;
        let src = first * BANK_BYTES;
        let bytes = rom[src..src + end].to_vec();
        for b in first + 1..=last {
            rom[b * BANK_BYTES..b * BANK_BYTES + end].copy_from_slice(&bytes);
        }
        cart.push(CartModel {
            name: name.clone(),
            plan: p,
            first,
            last,
            block,
            step_t: t,
            nclass: m.classes(),
        });
    }
    let header = write_header(&mut rom, opts)?;
    Ok(GbImage {
        rom,
        header,
        plan: cart[0].plan.clone(),
        asm: s,
        symbols,
        bank0_used,
        models: cart,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Layer;

    /// The column code's bytes are what our assembler makes of the same instructions.
    #[test]
    fn column_code_is_what_the_assembler_makes_of_column_asm() {
        let out = 256;
        let mut weights = vec![0i8; out * 3];
        for j in 0..out {
            weights[j * 3] = [1, -1, -2, 0, 1][j % 5];
            weights[j * 3 + 1] = match j {
                200 => -2,
                130 => -1,
                _ => 0,
            };
        }
        let l = Layer {
            out,
            inp: 3,
            weights,
            bias: vec![0; out],
        };
        for v in [Variant::Wide, Variant::Byte] {
            for i in 0..3 {
                let text = format!(
                    "        cpu sm83\nACC equ 0xC000\n        org 0x4000\n{}",
                    column_asm(&l, i, v)
                );
                let files = MemFiles::new().with("c.asm", text);
                let asm = assemble(&files, "c.asm", Cpu::Sm83).unwrap();
                assert_eq!(asm.flat(0).1, column_code(&l, i, v), "column {i} {v:?}");
            }
            assert!(column_code(&l, 2, v).is_empty());
            assert!(column_asm(&l, 0, v).contains("inc h"));
        }
    }
}
