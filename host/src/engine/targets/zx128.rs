//! ZX Spectrum 128K / +2 target: the engine as a `.tap` whose BASIC loader runs from the 128's
//! menu ("Tape Loader" types `LOAD ""`), with each layer's weights in a RAM bank paged at
//! 0xC000 through port 0x7FFD, so the fast `lists` layout fits models the 48K cannot hold.
//!
//! Banks (World of Spectrum FAQ, "128K reference": "RAM banks 1, 3, 5 and 7 are contended";
//! on the +2A/+3 it would be 4-7, which this target does not build for): bank 5 is the screen
//! at 0x4000, bank 2 is always at 0x8000, and any bank can be paged at 0xC000. The weights go
//! in the uncontended banks 0, 4 and 6 first (then 1, 3, 7 if they must), several layers to a
//! bank when they fit; a layer longer than 16K starts below 0xC000, in the top of bank 2, and
//! runs on into its bank (the only one that may).
//!
//! | range          | bank | what                                                         |
//! |----------------|------|--------------------------------------------------------------|
//! | 0x4000-0x5AFF  | 5    | screen: the chat's 32x24 text                                 |
//! | 0x5B00-0x5DFF  | 5    | the 128's paging routines and BANKM, system variables, loader |
//! | 0x5E00-...     | 5    | tables, column tables and the display/keyboard driver (CODE)  |
//! | 0x8000-...     | 2    | code (CODE): the bank loader at 0x8000, then the engine        |
//! | ...-...        | 2    | engine RAM: sums, activations, line buffer, stack (page aligned) |
//! | ...-0xBFFF     | 2    | the start of a layer longer than 16K (CODE), if any           |
//! | 0xC000-0xFFFF  | 0,4,6| each layer's weights (CODE blocks the bank loader reads)     |
//!
//! The BASIC loader (`CLEAR 24063`, `LOAD "" CODE` for the blocks in banks 5 and 2, then
//! `RANDOMIZE USR 32768`) runs under 128 BASIC; the bank loader at 0x8000 pages ROM 1 (48
//! BASIC) and each bank in turn, and reads each bank's header and data block with the ROM's
//! `LD-BYTES` (0x0556), as `LOAD "" CODE 49152` would, then starts the chat. On `!` the chat
//! restores the paging BASIC had (BANKM, 0x5B5C) and returns to it.

use thiserror::Error;

use super::super::codegen::{PageSelect, WeightPages};
use super::super::plan::{self, Form};
use super::super::{assemble_source, engine_asm, image_of, Budget, BuildError, Built, Layout};
use super::banked::layer_bytes;
use super::zx48::LOW_ORG;
use crate::engine::tape::{loader_basic, loader_tape, CodeBlock, Loader, Tape, TapeError};
use crate::model::Model;

/// Where a bank is paged.
pub const WINDOW: u16 = 0xC000;
/// Bytes of one bank.
pub const BANK: usize = 0x4000;
/// Bank 2, always at 0x8000: code, engine RAM, the start of a long layer.
pub const FIXED: u16 = 0x8000;
/// Banks for weights, the uncontended ones first (128K/+2: 1, 3, 5, 7 are contended; 2 and 5
/// are fixed at 0x8000 and 0x4000).
pub const BANK_ORDER: [u8; 6] = [0, 4, 6, 1, 3, 7];
/// Port 0x7FFD bit 4: ROM 1, 48 BASIC (its `LD-BYTES` and IM 1 handler).
pub const ROM1: u8 = 0x10;
/// Top of the tables block in bank 5.
pub const LOW_TOP: u16 = 0x8000;
/// Tape name of the program.
pub const TAPE_NAME: &str = "z80lm";

/// Why a ZX Spectrum 128K build failed.
#[derive(Debug, Error)]
pub enum Zx128Error {
    #[error(
        "layer {layer} takes {bytes} bytes of weights as {form}; a bank holds {BANK} and only one \
         layer may start in the {spill} bytes left free in bank 2; use --layout packed for it \
         (or auto)"
    )]
    LayerTooBig {
        layer: usize,
        bytes: usize,
        form: &'static str,
        spill: usize,
    },
    #[error("the weights need more than the six RAM banks of the 128K besides banks 2 and 5")]
    TooManyBanks,
    #[error("the code and engine RAM take {bytes} bytes, more than the 16K of bank 2 at 0x8000")]
    CodeTooBig { bytes: usize },
    #[error(
        "the tables and the display driver take {bytes} bytes, more than the {cap} from \
         {LOW_ORG:#06x} to 0x7fff"
    )]
    TablesTooBig { bytes: usize, cap: usize },
    #[error(transparent)]
    Build(#[from] BuildError),
    #[error("making the tape: {0}")]
    Tape(#[from] TapeError),
}

/// Where one layer's weights went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerBank {
    pub bank: u8,
    /// First address (below 0xC000 when the layer starts in bank 2) and bytes.
    pub org: u16,
    pub bytes: usize,
}

/// A built 128K engine.
#[derive(Debug, Clone)]
pub struct Zx128Build {
    pub built: Built,
    /// Tables, column tables and driver in bank 5: first address and one past the last.
    pub tables: (u16, u16),
    /// Code in bank 2 (entry point first) and one past the last.
    pub code: (u16, u16),
    /// Engine RAM in bank 2.
    pub ram: (u16, u16),
    pub layers: Vec<LayerBank>,
    /// The 16K image of each bank used for weights (only its used length), in tape order.
    pub banks: Vec<(u8, Vec<u8>)>,
    pub loader: Loader,
    pub tape: Tape,
}

/// Bytes of a bank the weights may use: the assembler's labels end at 0xFFFF, so the end of a
/// layer (one past its last byte) must be too.
const CAP: usize = BANK - 1;

/// Bank for each layer of `bytes`, in [`BANK_ORDER`] first fit; one layer longer than a bank
/// may start up to `spill` bytes below 0xC000 in an empty bank.
fn assign(bytes: &[usize], spill: usize, forms: &[Form]) -> Result<Vec<LayerBank>, Zx128Error> {
    let mut used = [0usize; 8];
    let mut spilled = false;
    let mut out = Vec::with_capacity(bytes.len());
    for (k, &b) in bytes.iter().enumerate() {
        let fit = BANK_ORDER
            .iter()
            .find(|&&bank| used[usize::from(bank)] + b <= CAP);
        if let Some(&bank) = fit {
            let at = &mut used[usize::from(bank)];
            out.push(LayerBank {
                bank,
                org: WINDOW + *at as u16,
                bytes: b,
            });
            *at += b;
            continue;
        }
        let empty = BANK_ORDER
            .iter()
            .find(|&&bank| used[usize::from(bank)] == 0);
        match empty {
            Some(&bank) if !spilled && b <= CAP + spill => {
                spilled = true;
                used[usize::from(bank)] = CAP;
                out.push(LayerBank {
                    bank,
                    org: WINDOW - (b - CAP) as u16,
                    bytes: b,
                });
            }
            None if b <= CAP => return Err(Zx128Error::TooManyBanks),
            _ => {
                return Err(Zx128Error::LayerTooBig {
                    layer: k + 1,
                    bytes: b,
                    form: forms[k].name(),
                    spill: if spilled { 0 } else { spill },
                })
            }
        }
    }
    Ok(out)
}

/// The lines before the engine: the bank loader at 0x8000 with its table of banks (each: the
/// 0x7FFD value, then 0 at the end), and the 1 ms delay, which must not be in contended memory.
fn prologue(banks: &[u8]) -> String {
    let mut table = String::new();
    for b in banks {
        table += &format!("                db {:#04x}\n", ROM1 | b);
    }
    // The same size whatever the number of banks: pass 1 measures the code with it.
    for _ in banks.len()..BANK_ORDER.len() {
        table += "                db 0\n";
    }
    format!(
        "ZX_ROWS         equ 24
ZX_DELAY_HIGH   equ 1
ZX128_PAGED     equ 1
                org {FIXED:#06x}
;; zx128_boot - RANDOMIZE USR enters here from the BASIC loader: page ROM 1 and each bank of
;; zx128_banks at C000h in turn, and load the bank's header and data blocks from tape with the
;; ROM's LD-BYTES (0556h) as LOAD \"\" CODE 49152 would; then start the chat. A block that does
;; not load gives BASIC's \"R Tape loading error\". In: BANKM (5B5Ch) as 128 BASIC left it.
;; Out: never returns (sys_exit goes back to BASIC). Clobbers: all. T: the tape's.
zx128_boot:     ld a,(5B5Ch)
                ld (zx128_bankm),a
                ld hl,zx128_banks
zb_next:        ld a,(hl)
                or a
                jp z,zx_entry
                inc hl
                push hl
                di
                ld (5B5Ch),a                ; BANKM, which 128 BASIC's paging routines read
                ld bc,7FFDh
                out (c),a
                ld ix,zx128_hdr             ; the CODE header (17 bytes, not checked)
                ld de,17
                xor a
                scf
                call 0556h
                jr nc,zb_error
                ld ix,(zx128_hdr+13)        ; its start address, 49152
                ld de,(zx128_hdr+11)        ; and length
                ld a,0FFh
                scf
                call 0556h
                jr nc,zb_error
                pop hl
                jr zb_next
zb_error:       rst 8
                db 1Ah                      ; R Tape loading error
zx128_banks:
{table}                db 0
zx128_bankm:    db {ROM1:#04x}
zx128_hdr:      ds 17
                include \"drivers/zx_delay.asm\"
"
    )
}

/// The whole source: code at 0x8000 (`prologue` first), then the tables and the driver from
/// 0x5E00, and each layer's weights in `bank k` at its address.
fn source(model: &Model, plan: &plan::LayoutPlan, pages: WeightPages, banks: &[u8]) -> String {
    const DRIVER: &str = "                include \"drivers/zx.asm\"";
    let target = super::super::TargetAsm {
        prologue: prologue(banks),
        driver: "drivers/zx.asm".into(),
        pages: Some(pages),
    };
    engine_asm(model, plan, &target)
        .replacen(DRIVER, "", 1)
        .replacen(
            "\ntables_start:",
            &format!("\nzx_high_end:\n                org {LOW_ORG:#06x}\ntables_start:"),
            1,
        )
        .replacen(
            "\nweights_start:",
            &format!("\n{DRIVER}\nweights_start:"),
            1,
        )
}

/// Plan, place the layers in banks, generate, assemble and put on a tape.
pub fn build(model: &Model, layout: &Layout) -> Result<Zx128Build, Zx128Error> {
    let n = model.layers.len();
    let mut forms: Vec<Form> = match layout {
        Layout::Auto => vec![Form::Lists; n],
        Layout::All(f) => vec![*f; n],
        Layout::PerLayer(v) => v.clone(),
    };
    // Auto: lists everywhere, then packed for the longest lists layer until the banks hold
    // them all.
    loop {
        match build_forms(model, &forms, layout) {
            Err(Zx128Error::LayerTooBig { .. } | Zx128Error::TooManyBanks)
                if *layout == Layout::Auto && forms.contains(&Form::Lists) =>
            {
                let k = (0..n)
                    .filter(|&k| forms[k] == Form::Lists)
                    .max_by_key(|&k| layer_bytes(model, k, Form::Lists))
                    .unwrap_or(0);
                forms[k] = Form::Packed;
            }
            r => return r,
        }
    }
}

fn build_forms(model: &Model, forms: &[Form], asked: &Layout) -> Result<Zx128Build, Zx128Error> {
    let n = model.layers.len();
    let budget = Budget {
        board: "zx128".into(),
        org: FIXED,
        top: u32::from(WINDOW),
        ram: Some(FIXED),
        fast_code: true,
    };
    let unbounded = Budget {
        top: 0x100_0000,
        ..budget.clone()
    };
    let mut plan = plan::plan(model, &unbounded, &Layout::PerLayer(forms.to_vec()))
        .map_err(BuildError::from)?;
    plan.budget = budget;
    // Pass 1 measures the code and each layer's weights (their sizes do not depend on the
    // pages, the addresses of the weights or of the engine RAM).
    let trial_pages = WeightPages {
        org: vec![0x4000; n],
        first_page: vec![ROM1; n],
        select: PageSelect::Zx7ffd,
    };
    let mut most = plan.baselines;
    loop {
        plan.baselines = most;
        let trial = assemble_source(&source(model, &plan, trial_pages.clone(), &[]))?;
        let sym = |a: &z80rom::asm::Assembly, s: &str| a.symbol(s).unwrap_or(0) as usize;
        let bytes: Vec<usize> = (1..=n)
            .map(|k| sym(&trial, &format!("wl_{k}_end")) - sym(&trial, &format!("wl_{k}")))
            .collect();
        let high_end = sym(&trial, "zx_high_end");
        let ram = (high_end + 255) & !255;
        let ram_end = ram + plan.bss_bytes() as usize;
        if ram_end > usize::from(WINDOW) {
            if most > 0 {
                most -= 1;
                continue;
            }
            return Err(Zx128Error::CodeTooBig {
                bytes: ram_end - usize::from(FIXED),
            });
        }
        let spill = usize::from(WINDOW) - ram_end;
        let layers = match assign(&bytes, spill, forms) {
            Ok(l) => l,
            // Fewer layer-1 baselines leave more of bank 2 for a long layer.
            Err(Zx128Error::LayerTooBig { .. }) if most > 0 && spill < usize::from(WINDOW) => {
                most -= 1;
                continue;
            }
            Err(e) => return Err(e),
        };
        plan.budget.ram = Some(ram as u16);
        plan.reason = reasons(model, forms, asked, &layers, most);
        return finish(model, plan, layers);
    }
}

/// What `build` prints about the choice.
fn reasons(
    model: &Model,
    forms: &[Form],
    asked: &Layout,
    layers: &[LayerBank],
    baselines: usize,
) -> Vec<String> {
    let mut r: Vec<String> = layers
        .iter()
        .enumerate()
        .map(|(k, l)| {
            let lists = layer_bytes(model, k, Form::Lists);
            let why = match (forms[k], asked) {
                (Form::Packed, Layout::Auto) => {
                    format!(" (its lists streams, {lists} bytes, do not fit the banks left)")
                }
                _ => String::new(),
            };
            let contended = if l.bank % 2 == 1 { ", contended" } else { "" };
            format!(
                "layer {}: {} in bank {}{contended}{why}",
                k + 1,
                forms[k].name(),
                l.bank
            )
        })
        .collect();
    if baselines > 0 {
        r.push(format!(
            "layer-1 baselines for the first {baselines} steps of a response ({} bytes of RAM)",
            baselines * plan::BASELINE_BYTES
        ));
    }
    r
}

fn finish(
    model: &Model,
    plan: plan::LayoutPlan,
    layers: Vec<LayerBank>,
) -> Result<Zx128Build, Zx128Error> {
    let mut banks: Vec<u8> = Vec::new();
    for l in &layers {
        if !banks.contains(&l.bank) {
            banks.push(l.bank);
        }
    }
    let pages = WeightPages {
        org: layers.iter().map(|l| l.org).collect(),
        first_page: layers.iter().map(|l| ROM1 | l.bank).collect(),
        select: PageSelect::Zx7ffd,
    };
    let asm = source(model, &plan, pages, &banks);
    let assembly = assemble_source(&asm)?;
    let mut image_plan = plan.clone();
    image_plan.budget.top = 0x1_0000;
    let image = image_of(&assembly, &image_plan)?;
    let sym = |s: &str| image.symbol(s).unwrap_or(0);
    let code = (FIXED, sym("zx_high_end"));
    let tables = (sym("tables_start"), sym("image_end"));
    let ram = (sym("bss"), sym("bss_end"));
    if tables.1 > LOW_TOP || tables.1 < tables.0 {
        return Err(Zx128Error::TablesTooBig {
            bytes: usize::from(tables.1.wrapping_sub(tables.0)),
            cap: usize::from(LOW_TOP - LOW_ORG),
        });
    }
    let slice = |(a, b): (u16, u16)| {
        let (a0, b0) = (usize::from(a - image.org), usize::from(b - image.org));
        CodeBlock {
            start: a,
            data: image.bytes[a0..b0].to_vec(),
        }
    };
    let mut blocks = vec![slice(tables), slice(code)];
    // Each bank's bytes; a layer that starts in bank 2 gives its first part to a CODE block
    // the BASIC loader reads.
    let mut bank_img: Vec<(u8, Vec<u8>)> = banks.iter().map(|&b| (b, Vec::new())).collect();
    for (k, l) in layers.iter().enumerate() {
        let (org, bytes) = assembly.flat_bank(Some(k as u32 + 1), 0);
        if bytes.is_empty() {
            continue;
        }
        debug_assert_eq!(org, l.org);
        let below = usize::from(WINDOW.saturating_sub(org)).min(bytes.len());
        if below > 0 {
            blocks.push(CodeBlock {
                start: org,
                data: bytes[..below].to_vec(),
            });
        }
        let at = usize::from(org.max(WINDOW) - WINDOW);
        let img = &mut bank_img
            .iter_mut()
            .find(|(b, _)| *b == l.bank)
            .expect("assigned bank")
            .1;
        if img.len() < at + bytes.len() - below {
            img.resize(at + bytes.len() - below, 0);
        }
        img[at..at + bytes.len() - below].copy_from_slice(&bytes[below..]);
    }
    let loader = Loader {
        name: TAPE_NAME.into(),
        clear: LOW_ORG - 1,
        entry: FIXED,
        blocks,
    };
    let mut tape = loader_tape(&loader)?;
    for (b, data) in &bank_img {
        tape.push_code(&format!("{TAPE_NAME} b{b}"), WINDOW, data)?;
    }
    Ok(Zx128Build {
        built: Built { plan, asm, image },
        tables,
        code,
        ram,
        layers,
        banks: bank_img,
        loader,
        tape,
    })
}

impl Zx128Build {
    /// The memory map `z80lm build --target zx128` prints.
    pub fn memory_map(&self) -> String {
        let mut s = String::from("memory map (ZX Spectrum 128K):\n");
        let row = |s: &mut String, a: u32, b: u32, bank: &str, what: &str| {
            *s += &format!(
                "  {a:#06x}-{:#06x} {:>6} bytes  {bank:<7} {what}\n",
                b.max(a + 1) - 1,
                b - a
            );
        };
        row(&mut s, 0x4000, 0x5B00, "bank 5", "screen: 32x24 text");
        row(
            &mut s,
            0x5B00,
            u32::from(LOW_ORG),
            "bank 5",
            "128K paging routines, system variables, BASIC loader, its stack",
        );
        let (t, c, r) = (self.tables, self.code, self.ram);
        row(
            &mut s,
            t.0.into(),
            t.1.into(),
            "bank 5",
            "tables, column tables, display/keyboard driver (contended)",
        );
        row(
            &mut s,
            c.0.into(),
            c.1.into(),
            "bank 2",
            "code: bank loader, engine",
        );
        row(
            &mut s,
            r.0.into(),
            r.1.into(),
            "bank 2",
            "sums, activations, line, stack (not on tape)",
        );
        for (k, l) in self.layers.iter().enumerate() {
            let end = u32::from(l.org) + l.bytes as u32;
            let contended = if l.bank % 2 == 1 { ", contended" } else { "" };
            let what = if l.org < WINDOW {
                format!(
                    "layer {} weights from bank 2 on into bank {}{contended}",
                    k + 1,
                    l.bank
                )
            } else {
                format!("layer {} weights{contended}", k + 1)
            };
            row(
                &mut s,
                l.org.into(),
                end,
                &format!("bank {}", l.bank),
                &what,
            );
        }
        s += &format!("  loader: {}\n", loader_basic(&self.loader));
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The board description in `boards/data/zx128.toml` says what this target builds for:
    /// bank 5 from the tables' address, the fixed bank 2 at 0x8000 where the code starts, one
    /// 16K window at 0xC000 paged through 7FFDh.
    #[test]
    fn the_board_description_matches_the_target() {
        let desc = boards::desc::BoardDesc::builtin("zx128").unwrap();
        assert_eq!(desc.region("tables").unwrap().start, u32::from(LOW_ORG));
        assert_eq!(desc.region("tables").unwrap().end(), u32::from(LOW_TOP));
        assert_eq!(desc.region("code").unwrap().start, u32::from(FIXED));
        assert_eq!(desc.image.entry, u32::from(FIXED));
        let paged = desc.region("paged").unwrap();
        assert_eq!(
            (paged.start, paged.size as usize),
            (u32::from(WINDOW), BANK)
        );
        let b = desc.banking.as_ref().unwrap();
        assert_eq!(b.windows[0].port, Some(0x7FFD));
        assert!(BANK_ORDER.iter().all(|&k| u32::from(k) < b.ram_pages));
    }

    #[test]
    fn layers_fill_uncontended_banks_first_and_one_may_start_in_bank_2() {
        let forms = [Form::Lists; 4];
        let l = assign(&[14_320, 18_580, 9_756, 1_206], 3_000, &forms).unwrap();
        let got: Vec<(u8, u16)> = l.iter().map(|l| (l.bank, l.org)).collect();
        assert_eq!(
            got,
            [
                (0, 0xC000),
                (4, 0xC000 - (18_580 - 16_383)),
                (6, 0xC000),
                (0, 0xC000 + 14_320)
            ]
        );
        // Only one layer may start in bank 2, and not further down than the room there.
        assert!(matches!(
            assign(&[17_000, 17_000], 3_000, &forms[..2]),
            Err(Zx128Error::LayerTooBig { layer: 2, .. })
        ));
        assert!(matches!(
            assign(&[20_000], 3_000, &forms[..1]),
            Err(Zx128Error::LayerTooBig { layer: 1, .. })
        ));
        // Seven full banks: the sixth bank is contended, the seventh does not exist.
        let full = assign(&[16_383; 6], 0, &[Form::Packed; 6]).unwrap();
        let order: Vec<u8> = full.iter().map(|l| l.bank).collect();
        assert_eq!(order, BANK_ORDER);
        assert!(matches!(
            assign(&[16_383; 7], 0, &[Form::Packed; 7]),
            Err(Zx128Error::TooManyBanks)
        ));
    }
}
