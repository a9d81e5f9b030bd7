//! MSX target: the engine as a megaROM cartridge (`.rom`) with the ASCII8 mapper, for any MSX
//! with 16K of RAM or more. It starts at boot (the "AB" header's INIT), talks through the BIOS
//! (CHGET, CHPUT, text mode by INITXT: `z80rom/asm/drivers/msx.asm`) and keeps its sums in the
//! RAM of page 3.
//!
//! Why ASCII8 and not ASCII16: ASCII8 switches 8K banks in four windows (4000h, 6000h, 8000h,
//! A000h; registers written at 6000h, 6800h, 7000h, 7800h), so the fixed part (header, code,
//! tables: 7-8K for the models here) takes one 8K window and a layer's weights get the other
//! three, 24K. ASCII16 has two 16K windows: a layer gets 16K, and the 18-19K of lists of the
//! upstream guess model's layer 2 and the upstream tinychat's layer 1 would have to be
//! packed (about twice the T-states for those layers). Both are common flash-cartridge mappers.
//!
//! Memory map while a layer runs:
//!
//! | CPU address   | slot            | holds                                            |
//! |---------------|-----------------|--------------------------------------------------|
//! | 0000h-3FFFh   | main ROM        | BIOS (CHGET, CHPUT, INITXT, interrupt handler)   |
//! | 4000h-5FFFh   | cartridge       | bank 0: header, code, tables, column tables      |
//! | 6000h-BFFFh   | cartridge       | banks of the running layer's weights (24K)       |
//! | C000h-...     | RAM (page 3)    | engine RAM: sums, lists, line, stack             |
//! | F380h-FFFFh   | RAM (page 3)    | BIOS work area (left alone)                      |
//!
//! At boot the BIOS selects the cartridge's slot for page 1 only; the INIT code puts page 2 in
//! the same slot (RSLREG, EXPTBL/SLTTBL, ENASLT: the usual sequence for 32K and larger ROMs).
//! The RAM is the 16K of page 3 that every MSX has (the engine uses C000h up to at most DA00h),
//! so 16K of RAM is the minimum.

use thiserror::Error;

use super::super::codegen::{PageSelect, WeightPages};
use super::super::TargetAsm;
use super::super::{assemble_source, engine_asm, image_of, Budget, BuildError, Built, Layout};
use super::banked;
use crate::model::Model;

/// One bank of the ASCII8 mapper.
pub const BANK: usize = 0x2000;
/// Where the cartridge starts (page 1) and its fixed bank ends.
pub const ORG: u16 = 0x4000;
pub const FIXED_END: u32 = 0x6000;
/// The weight window: banks 1-3 of the mapper, 6000h-BFFFh.
pub const WINDOW: u16 = 0x6000;
pub const WINDOW_BYTES: usize = 3 * BANK;
/// Engine RAM (page 3, which every MSX has).
pub const RAM: u16 = 0xC000;
/// The BIOS work area starts here (no disk ROM runs: the cartridge never returns to the BIOS).
pub const SYSTEM_AREA: u32 = 0xF380;
/// Smallest cartridge image (a power of two, as ROM loaders and flash tools expect).
pub const MIN_ROM: usize = 0x8000;
/// Largest ASCII8 image: 256 banks.
pub const MAX_ROM: usize = 256 * BANK;

/// Why an MSX build failed.
#[derive(Debug, Error)]
pub enum MsxError {
    #[error("layer {layer} in the lists form needs {bytes} bytes, more than the 24K weight window of the MSX cartridge; use --layout packed for it (or auto)")]
    LayerTooBig { layer: usize, bytes: usize },
    #[error("the code and tables take {bytes} bytes, more than the cartridge's fixed 8K bank (4000h-5FFFh); a model with smaller lists layers (or --layout packed) needs less code")]
    FixedTooBig { bytes: usize },
    #[error(
        "the cartridge needs {bytes} bytes, more than the {MAX_ROM} an ASCII8 mapper addresses"
    )]
    TooBig { bytes: usize },
    #[error("the engine RAM ends at {end:#06x}, inside the BIOS work area at {SYSTEM_AREA:#06x}")]
    RamTooBig { end: u32 },
    #[error(transparent)]
    Build(#[from] BuildError),
}

/// Where one layer's weights went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerBanks {
    pub first_bank: usize,
    pub banks: usize,
    pub bytes: usize,
}

/// A built MSX cartridge.
#[derive(Debug, Clone)]
pub struct MsxBuild {
    pub built: Built,
    /// The `.rom`: bank 0 first, padded with FFh to a power of two.
    pub rom: Vec<u8>,
    pub banks: Vec<LayerBanks>,
}

impl MsxBuild {
    /// The memory map `z80lm build --target msx` prints.
    pub fn memory_map(&self) -> String {
        let map = self.built.image.map.render();
        let mut s = String::from("memory map (MSX, ASCII8 megaROM):\n");
        for line in map.lines().skip(1) {
            if line.starts_with("  top") {
                continue;
            }
            if line.starts_with("  free") {
                s += &format!(
                    "  free     {:>22} bytes of the fixed bank 0 (4000h-5FFFh)\n",
                    self.built.image.map.free()
                );
                continue;
            }
            if !line.starts_with("  weights") {
                s += line;
                s.push('\n');
                continue;
            }
            for (k, b) in self.banks.iter().enumerate() {
                let last = b.first_bank + b.banks - 1;
                let banks = if b.banks > 1 {
                    format!("banks {}-{last}", b.first_bank)
                } else {
                    format!("bank {}", b.first_bank)
                };
                s += &format!(
                    "  {:<8} {WINDOW:#06x}-{:#06x} {:>6} bytes  weights, {banks}\n",
                    format!("layer {}", k + 1),
                    usize::from(WINDOW) + b.bytes.max(1) - 1,
                    b.bytes
                );
            }
        }
        s += &format!(
            "  cartridge: {} bytes ({} banks of 8K), ASCII8 mapper; RAM needed: 16K (page 3)\n",
            self.rom.len(),
            self.rom.len() / BANK
        );
        s
    }
}

/// The cartridge header and INIT code, before the engine.
fn prologue() -> String {
    "MSX_ASCII8      equ 1
ASCII8_4000     equ 6000h                   ; ASCII8 bank registers (Technical Data Book)
ASCII8_6000     equ 6800h
ASCII8_8000     equ 7000h
ASCII8_A000     equ 7800h
RSLREG          equ 0138h                   ; BIOS: A = primary slot register
ENASLT          equ 0024h                   ; BIOS: slot A (F000SSPP) into the page of H
EXPTBL          equ 0FCC1h                  ; bit 7: primary slot n is expanded
SLTTBL          equ 0FCC5h                  ; secondary slot register of slot n
                org 4000h
                db \"AB\"                     ; cartridge ID
                dw msx_init                 ; INIT
                dw 0,0,0                    ; STATEMENT, DEVICE, TEXT: none
                ds 4010h-$,0                ; reserved
;; msx_init - the BIOS calls this at boot with the cartridge in page 1. Bank 0 stays at 4000h;
;; page 2 (8000h-BFFFh) goes to the cartridge's slot (and subslot), as page 1. Never returns.
msx_init:       di
                xor a
                ld (ASCII8_4000),a          ; bank 0 at 4000h (the header: already there)
                call RSLREG
                rrca
                rrca
                and 3                       ; C = our primary slot (page 1)
                ld c,a
                ld b,0
                ld hl,EXPTBL
                add hl,bc
                ld a,(hl)
                and 80h                     ; expanded?
                or c
                ld c,a
                inc hl
                inc hl
                inc hl
                inc hl                      ; SLTTBL+slot
                ld a,(hl)
                and 0Ch                     ; subslot of page 1
                or c
                ld h,80h
                call ENASLT                 ; page 2 := the same slot
                jp start
"
    .into()
}

fn target_asm(pages: Option<WeightPages>) -> TargetAsm {
    TargetAsm {
        prologue: prologue(),
        driver: "drivers/msx.asm".into(),
        pages,
    }
}

/// The planner's budget: the fixed bank from 4000h, the RAM at C000h.
pub fn budget() -> Budget {
    Budget {
        board: "msx".into(),
        org: ORG,
        top: FIXED_END,
        ram: Some(RAM),
        // The code lives in the fixed 8K bank, which has no room for the faster, longer code.
        fast_code: false,
    }
}

/// Plan, generate and assemble the cartridge. Auto takes the fast lists form for every layer
/// whose streams fit the 24K window (each layer has the window to itself).
pub fn build(model: &Model, layout: &Layout) -> Result<MsxBuild, MsxError> {
    let n = model.layers.len();
    let forms = banked::forms(model, layout, WINDOW_BYTES);
    let plan = match banked::plan_windowed(model, &forms, budget(), WINDOW_BYTES)? {
        Ok(plan) => plan,
        Err((layer, bytes)) => return Err(MsxError::LayerTooBig { layer, bytes }),
    };
    // Pass 1 measures each layer's weights; pass 2 has their banks.
    let generate = |first_page: Vec<u8>| {
        let pages = WeightPages {
            org: vec![WINDOW; n],
            first_page,
            select: PageSelect::PortPair,
        };
        let asm = engine_asm(model, &plan, &target_asm(Some(pages)));
        assemble_source(&asm).map(|a| (asm, a))
    };
    let (_, trial) = generate(vec![0; n])?;
    let layers: Vec<LayerBanks> = banked::consecutive_banks(&trial, n, BANK, 1)
        .into_iter()
        .map(|(first_bank, banks, bytes)| LayerBanks {
            first_bank,
            banks,
            bytes,
        })
        .collect();
    let next = layers.last().map_or(1, |l| l.first_bank + l.banks);
    let size = (next * BANK).next_power_of_two().max(MIN_ROM);
    if size > MAX_ROM {
        return Err(MsxError::TooBig { bytes: next * BANK });
    }
    let (asm, assembly) = generate(layers.iter().map(|l| l.first_bank as u8).collect())?;
    let image = match image_of(&assembly, &plan) {
        Ok(i) => i,
        Err(BuildError::DoesNotFit { end, .. }) => {
            return Err(MsxError::FixedTooBig {
                bytes: (end - u32::from(ORG)) as usize,
            })
        }
        Err(e) => return Err(e.into()),
    };
    if image.map.ram.1 > SYSTEM_AREA {
        return Err(MsxError::RamTooBig {
            end: image.map.ram.1,
        });
    }
    let mut rom = assembly.place(0xFF, |bank, addr| match bank {
        None => (addr >= ORG && u32::from(addr) < FIXED_END).then(|| usize::from(addr - ORG)),
        Some(k) => {
            let l = &layers[k as usize - 1];
            Some(l.first_bank * BANK + usize::from(addr - WINDOW))
        }
    });
    rom.resize(size, 0xFF);
    Ok(MsxBuild {
        built: Built { plan, asm, image },
        rom,
        banks: layers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Layer;

    /// A small model 256 → 32 → 16 → 4 with a fixed weight pattern.
    fn model() -> Model {
        let layer = |out: usize, inp: usize| Layer {
            out,
            inp,
            weights: (0..out * inp)
                .map(|i| [0, 1, 0, -1, -2, 0, 0][i % 7])
                .collect(),
            bias: vec![1; out],
        };
        Model {
            layers: vec![layer(32, 256), layer(16, 32), layer(4, 16)],
            charset: b"abc\0".to_vec(),
            warning: None,
        }
    }

    #[test]
    fn cartridge_has_the_header_and_each_layer_in_its_banks() {
        let cart = build(&model(), &Layout::Auto).unwrap();
        assert_eq!(&cart.rom[..2], b"AB");
        let init = u16::from_le_bytes([cart.rom[2], cart.rom[3]]);
        assert_eq!(Some(init), cart.built.image.symbol("msx_init"));
        assert!(cart.rom.len().is_power_of_two() && cart.rom.len() >= MIN_ROM);
        // Layer k's weights start its first bank, as the descriptor says.
        let mut next = 1;
        for (k, b) in cart.banks.iter().enumerate() {
            assert_eq!(b.first_bank, next, "layer {}", k + 1);
            next += b.banks;
            let at = cart.built.image.symbol(&format!("wl_{}", k + 1)).unwrap();
            assert_eq!(at, WINDOW);
        }
        assert!(cart.memory_map().contains("bank 1"));
        assert!(cart.built.image.map.ram.1 <= SYSTEM_AREA);
    }

    /// The board description in `boards/data/msx.toml` says what this target builds for: the
    /// fixed bank and the weight window where the build puts them, INIT where execution starts,
    /// the engine RAM inside the RAM region below the BIOS work area, the ASCII8 registers the
    /// prologue writes.
    #[test]
    fn the_board_description_matches_the_cartridge() {
        let desc = boards::desc::BoardDesc::builtin("msx").unwrap();
        let region = |n: &str| desc.region(n).unwrap();
        assert_eq!(region("fixed").start, u32::from(ORG));
        assert_eq!(region("fixed").end(), FIXED_END);
        assert_eq!(region("weights-6000").start, u32::from(WINDOW));
        assert_eq!(
            region("weights-a000").end(),
            u32::from(WINDOW) + WINDOW_BYTES as u32
        );
        assert_eq!(region("ram").start, u32::from(RAM));
        assert_eq!(region("work-area").start, SYSTEM_AREA);
        let cart = build(&model(), &Layout::Auto).unwrap();
        let (lo, hi) = cart.built.image.map.ram;
        assert!(lo >= region("ram").start && hi <= region("ram").end());
        assert_eq!(
            cart.built.image.symbol("msx_init").map(u32::from),
            Some(desc.image.entry)
        );
        let banking = desc.banking.as_ref().unwrap();
        assert_eq!(banking.rom_page_size as usize, BANK);
        assert_eq!(banking.rom_pages as usize * BANK, MAX_ROM);
        for w in &banking.windows {
            let reg = format!("ASCII8_{:04X}", w.start);
            let line = prologue()
                .lines()
                .find(|l| l.starts_with(&reg))
                .unwrap()
                .to_string();
            assert!(line.contains(&format!("{:X}h", w.select[0])), "{line}");
        }
    }
}
