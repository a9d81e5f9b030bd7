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

use boards::machines::gameboy::cartridge::{self, CartridgeError, Header, TYPE_MBC5};
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
/// Cartridge title written into the header.
pub const TITLE: &str = "Z80LM CHAT";

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
}

/// The Game Boy's memory for the planner: bank 0 (0x0000-0x3FFF) holds the fixed part, the
/// engine's RAM is WRAM at 0xC000 (`mem.inc`).
pub fn budget() -> Budget {
    Budget {
        board: "gb".into(),
        org: 0,
        top: BANK_BYTES as u32,
        ram: Some(0xC000),
    }
}

/// The weight records go to MBC5 banks 1.. (the engine's bank table holds one byte per input).
pub const BANKS: BankBudget = BankBudget {
    bank_bytes: BANK_BYTES,
    first: 1,
    max_banks: MAX_BANKS,
    forms: &[Form::Lists],
    takes: "auto or lists (weight records in ROM banks)",
};

/// SM83 costs of `engine.asm` for the planner's estimate (T-states = M-cycles × 4): per
/// non-zero input ~190 + 100 per chunk (~3 chunks), 60 per weight (the unrolled adds), 60 per
/// input visited by `accumulate`, ~160 per neuron (`load_acc` + `finish_hidden`).
pub const COSTS: Costs = Costs {
    column: 490.0,
    weight: 60.0,
    input: 60.0,
    neuron: 160.0,
};

/// The HRAM addresses of the three chunk kinds, for weights +1, -1 and -2 (mem.inc V_PLUS,
/// V_MINUS, V_MINUS2).
const KINDS: [u8; 3] = [0x80, 0x82, 0x84];

/// The weight record of input `i` of `layer`: the neurons of its +1, -1 and -2 weights, as the
/// Z80 lists form groups them ([`crate::engine::plan::column_groups`]).
pub fn record(layer: &crate::model::Layer, i: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let (pos, neg, neg2) = crate::engine::plan::column_groups(layer, i);
    for (js, kind) in [pos, neg, neg2].iter().zip(KINDS) {
        for chunk in js.chunks(255) {
            out.push(chunk.len() as u8);
            out.push(kind);
            out.extend_from_slice(chunk);
        }
    }
    out.push(0);
    out
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
        &|_, l, i| record(l, i).len(),
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

/// Generates `model.asm`: model constants, page-aligned tables, the unrolled add kernel,
/// `finish_layers`, the font and the banked weight records.
pub fn model_asm(model: &Model, plan: &LayoutPlan) -> Result<String, GbError> {
    let banks = plan
        .banks
        .as_ref()
        .expect("a Game Boy plan places its records");
    let n = model.classes();
    let last = model.layers.len() - 1;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "; generated by z80lm build --target gb: model constants, tables and weights\n"
    );
    let _ = writeln!(
        s,
        "L1_OUT equ {}\nNCLASS equ {n}\nEOS equ {}\n",
        model.layers[0].out & 0xFF,
        model.eos()
    );
    let _ = writeln!(s, "        align 256\nCHARSET:");
    db_lines(&mut s, &model.charset);
    // Unrolled adds: 255 copies of `acc[(hl+)] += bc`, 10 bytes / 15 M-cycles each.
    let _ = writeln!(s, "        align 256\nADD_ENTRY:");
    for hi in [false, true] {
        for k in 0..256 {
            let f = if hi { "high" } else { "low" };
            let _ = writeln!(s, "        db {f}(adds_end - {})", 10 * k.min(255));
        }
    }
    for (k, l) in model.layers.iter().enumerate() {
        let _ = writeln!(s, "        align 256\nL{}_TAB:", k + 1);
        for part in ["bank", "low", "high"] {
            for i in 0..l.inp {
                let _ = writeln!(s, "        db {part}(r{}_{i})", k + 1);
            }
            let _ = writeln!(s, "        align 256");
        }
        let _ = writeln!(s, "L{}_BIAS:", k + 1);
        let lo: Vec<u8> = l.bias.iter().map(|&b| b as u16 as u8).collect();
        let hi: Vec<u8> = l.bias.iter().map(|&b| ((b as u16) >> 8) as u8).collect();
        db_lines(&mut s, &lo);
        let _ = writeln!(s, "        align 256");
        db_lines(&mut s, &hi);
    }
    let _ = writeln!(
        s,
        "\n; adds: acc[j] += bc for the next `count` indices j at (hl); ends in jp chunks"
    );
    let _ = writeln!(s, "adds:");
    for _ in 0..255 {
        let _ = writeln!(s, "        ld a,(hl+)\n        ld e,a\n        ld a,(de)\n        add a,c\n        ld (de),a\n        inc d\n        ld a,(de)\n        adc a,b\n        ld (de),a\n        dec d");
    }
    let _ = writeln!(s, "adds_end:\n        jp chunks\n");
    let _ = writeln!(
        s,
        "; finish_layers: layer-1 activation, then layers 2..L; logits end up in X"
    );
    let _ = writeln!(s, "finish_layers:");
    for (k, l) in model.layers.iter().enumerate() {
        if k > 0 {
            let _ = writeln!(
                s,
                "        ld d,high(L{0}_BIAS)\n        ld b,{1}\n        call load_acc",
                k + 1,
                l.out & 0xFF
            );
            let _ = writeln!(
                s,
                "        xor a\n        ldh (H_I),a\n        ld a,{}\n        ldh (H_END),a",
                l.inp & 0xFF
            );
            let _ = writeln!(
                s,
                "        ld a,high(L{}_TAB)\n        ldh (H_TAB),a\n        call accumulate",
                k + 1
            );
        }
        let finish = if k == last {
            "finish_logits"
        } else {
            "finish_hidden"
        };
        let _ = writeln!(s, "        ld b,{}\n        call {finish}", l.out & 0xFF);
    }
    let _ = writeln!(s, "        ret\n");
    s.push_str(&font_asm(FONT_TXT)?);
    for b in &banks.banks {
        let _ = writeln!(s, "\n        bank {}\n        org 0x4000", b.bank);
        for (k, places) in banks.places.iter().enumerate() {
            for (i, _) in places.iter().enumerate().filter(|(_, p)| p.bank == b.bank) {
                let _ = writeln!(s, "r{}_{i}:", k + 1);
                db_lines(&mut s, &record(&model.layers[k], i));
            }
        }
    }
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
}

impl GbImage {
    /// The record banks (every Game Boy plan has them).
    pub fn banks(&self) -> &BankMap {
        self.plan
            .banks
            .as_ref()
            .expect("a Game Boy plan places its records")
    }

    /// The memory map `build` prints: bank 0 use, the record banks (the plan lists what each
    /// holds) and the header fields.
    pub fn report(&self) -> String {
        let h = &self.header;
        let last = self.banks().banks.last().map_or(1, |b| b.bank);
        format!(
            "bank 0: {} of 16384 bytes (engine, driver, font, tables)\nbanks 1-{last}: weight records ({} bytes; the plan says which)\nheader: title {:?}, type {:#04x} (MBC5), ROM size code {} ({} KiB), checksums {:#04x} / {:#06x}\n",
            self.bank0_used,
            self.banks().banks.iter().map(|b| b.used).sum::<usize>(),
            h.title,
            h.cartridge_type,
            h.rom_size_code,
            self.rom.len() / 1024,
            h.header_checksum,
            h.global_checksum
        )
    }
}

/// Builds the cartridge for `model`: plan, generate, assemble, place, header.
pub fn build(model: &Model, layout: &Layout) -> Result<GbImage, GbError> {
    let plan = plan(model, layout)?;
    let asm_text = model_asm(model, &plan)?;
    let generated = MemFiles::new().with("model.asm", asm_text.clone());
    let mut engine = MemFiles::new();
    for &(name, text) in z80rom::gb::SOURCES {
        engine.insert(name, text);
    }
    let files = Layered::new(&generated, &engine);
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
    let mut rom = asm.place(0xFF, |bank, addr| match bank.unwrap_or(0) {
        0 => Some(usize::from(addr)),
        b => usize::from(addr)
            .checked_sub(BANK_BYTES)
            .map(|o| b as usize * BANK_BYTES + o),
    });
    let rom_banks = plan.banks.as_ref().map_or(2, BankMap::rom_banks);
    rom.resize(rom_banks * BANK_BYTES, 0xFF);
    let header = cartridge::write_header(&mut rom, TITLE, TYPE_MBC5)?;
    Ok(GbImage {
        rom,
        header,
        plan,
        asm: asm_text,
        symbols: asm.symbols.clone(),
        bank0_used,
    })
}
