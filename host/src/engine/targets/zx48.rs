//! ZX Spectrum 48K target: the engine as a `.tap` with an autostart BASIC loader (and, with
//! `--wav`, the same tape as audio), driven by `z80rom/asm/drivers/zx.asm`.
//!
//! Memory (Sinclair BASIC manual ch. 24, "The memory"; the regions of `boards/data/zx48.toml`,
//! which a test keeps in step with the constants here):
//!
//! | range          | what                                                           |
//! |----------------|----------------------------------------------------------------|
//! | 0x0000-0x3FFF  | ROM                                                            |
//! | 0x4000-0x4FFF  | display file, top two thirds: the chat's 32x16 text            |
//! | 0x5000-0x57FF  | bottom third: tables and our console driver (CODE block 3),    |
//! |                | hidden by white-on-white attributes (else 32x24 text)          |
//! | (0x4800-0x57FF | when the image does not fit so: 32x8 text, and the tables, the |
//! |                | driver and the last layer streams in the lower two thirds)     |
//! | 0x5800-0x5DFF  | attributes, printer buffer, system variables, BASIC loader     |
//! | 0x5E00-...     | weights (CODE block 1), contended up to 0x7FFF                 |
//! | ...-0xF1FF     | code (CODE block 2), placed as high as possible                |
//! | 0xF200-0xFEFF  | engine RAM: sums, activations, line buffer, stack (not loaded) |
//! | 0xFF58-0xFFFF  | user-defined graphics (left alone)                             |
//!
//! 0x4000-0x7FFF is contended (the ULA delays the CPU while it draws the screen; the emulated
//! 48K charges it), so the hot code, the sums and the activations sit at 0x8000 and above. Below
//! lie the weight bytes (each read once per use), the tables read once per layer and the
//! display/keyboard driver, whose 1 ms keyboard delay loop stays high (`drivers/zx_delay.asm`).
//!
//! The planner sees one region from 0x5E00 up to the engine RAM (plus what moves to the screen).
//! A layout that does not fit with the 16-row chat is tried with 8 rows: the lists and gaps
//! streams are reached only through their column tables, so the last ones (up to what the
//! middle and bottom thirds leave after the tables and the driver) move behind the driver, out
//! of the weights.
//! The image is generated twice: once contiguous to measure the code and weight sizes, then with
//! the code moved to the top and an `org` before the tables and the weights, so the three parts
//! become three CODE blocks on the tape (the one in the screen last: the ROM prints each
//! header's name in the lower screen).

use thiserror::Error;

use super::super::{
    assemble_image, engine_asm, plan, Budget, BuildError, Built, Form, Layout, PlanError, TargetAsm,
};
use crate::engine::tape::{loader_basic, loader_tape, CodeBlock, Loader, Tape, TapeError};
use crate::model::Model;

/// Load address of the weights: the lowest CLEAR address the one-line loader allows, plus 1.
pub const LOW_ORG: u16 = 0x5E00;
/// Engine RAM (page aligned, [`plan::BSS_BYTES`]), ending below the UDGs at 0xFF58.
pub const BSS: u16 = ((0xFF58 - plan::BSS_BYTES) & 0xFF00) as u16;
/// The bottom third of the display file: 2K the chat screen can give up (16 text rows).
pub const THIRD: u16 = 0x5000;
pub const THIRD_BYTES: u16 = 0x800;
/// The middle third of the display file: with an 8-row chat screen, the tables and driver
/// start here and the tail of the layer streams follows them, up to the attributes.
pub const MIDDLE: u16 = 0x4800;
/// Bytes from [`MIDDLE`] to the attributes.
pub const LOWER_BYTES: u16 = 0x1000;
/// First contention-free address.
pub const UNCONTENDED: u16 = 0x8000;
/// How the generated source includes our driver.
const DRIVER_INCLUDE: &str = "                include \"drivers/zx.asm\"";
/// Tape name of the program.
pub const TAPE_NAME: &str = "z80lm";

/// Why a ZX Spectrum build failed.
#[derive(Debug, Error)]
pub enum Zx48Error {
    #[error(
        "{0}\nThe ZX Spectrum 48K has {cap} bytes for code and weights ({LOW_ORG:#06x}-{last:#06x}) \
         and up to 4096 in the screen's lower two thirds (2048 with a 16-row chat, all with 8 rows) \
         for the tables, the {driver}-byte display and keyboard driver and layer streams; train a model that fits with `z80lm train --budget zx48`",
        driver = driver_bytes(),
        cap = BSS - LOW_ORG,
        last = BSS - 1
    )]
    DoesNotFit(BuildError),
    #[error(
        "the image needs {need} bytes in {LOW_ORG:#06x}-{last:#06x} (weights {weights}, code {code}) \
         but the ZX Spectrum 48K has {cap}; train a model that fits with `z80lm train --budget zx48`",
        cap = BSS - LOW_ORG,
        last = BSS - 1
    )]
    TooBig { need: u32, weights: u16, code: u16 },
    #[error(transparent)]
    Build(#[from] BuildError),
    #[error("making the tape: {0}")]
    Tape(#[from] TapeError),
}

/// The memory budget the planner sees.
pub fn budget() -> Budget {
    Budget {
        board: "zx48".into(),
        org: LOW_ORG,
        top: u32::from(BSS),
        ram: Some(BSS),
        // Every byte of the 48K goes to the weights' fastest forms (no fused layers here).
        fast_code: false,
    }
}

/// Bytes of the console driver `drivers/zx.asm`, assembled on its own.
pub fn driver_bytes() -> u16 {
    let src = "start:\n                include \"drivers/zx.asm\"\n";
    let mut files = z80rom::asm::MemFiles::new();
    files.insert("main.asm", src);
    for (name, text) in z80rom::engine::SOURCES {
        files.insert(*name, *text);
    }
    z80rom::asm::assemble(&files, "main.asm", z80rom::asm::Cpu::Z80)
        .map(|a| a.flat(0).1.len() as u16)
        .unwrap_or(1024)
}

/// The code that starts the image at `code_org` (a jump to the driver's entry), for a chat
/// screen of `rows` text rows. With 16 rows the driver moves into the screen's contended bottom
/// third, so its 1 ms delay loop stays here, above 0x8000.
///
/// With fewer than 24 rows the tables and the driver live in the display file, which BASIC
/// writes to after `!` (its "0 OK" report, a CLS): then the entry first adds up their bytes
/// (16 bits, ~45 T a byte, ~0.05 s) and, unless the sum is still `guard_sum` (the built
/// image's, see [`guard_sum`]), stops with BASIC's own report "R Tape loading error" instead
/// of running code that is no longer there.
pub fn target_asm(code_org: u16, rows: u16, guard_sum: u16) -> TargetAsm {
    let (delay, guard) = if rows < 24 {
        (
            "ZX_DELAY_HIGH   equ 1\n                include \"drivers/zx_delay.asm\"\n",
            format!(
                "                ld hl,tables_start      ; the display file's part of the image\n\
                 \x20               ld bc,zx_tables_end-tables_start\n\
                 \x20               ld de,0\n\
                 zx_guard:       ld a,e\n                add a,(hl)\n                ld e,a\n\
                 \x20               jr nc,zx_guard_c\n                inc d\n\
                 zx_guard_c:     inc hl\n                dec bc\n                ld a,b\n\
                 \x20               or c\n                jr nz,zx_guard\n\
                 \x20               ld hl,{guard_sum:#06x}\n                or a\n\
                 \x20               sbc hl,de\n                jp z,zx_entry\n\
                 \x20               rst 8                   ; overwritten: BASIC's report\n\
                 \x20               db 1Ah                  ; \"R Tape loading error\"\n"
            ),
        )
    } else {
        ("", "                jp zx_entry\n".to_string())
    };
    TargetAsm {
        prologue: format!(
            "ZX_ROWS         equ {rows}\n                org {code_org:#06x}\n{guard}{delay}"
        ),
        driver: "drivers/zx.asm".into(),
        pages: None,
    }
}

/// The 16-bit sum of the image's bytes from `tables_start` to `zx_tables_end` (the part in the
/// display file), which the entry checks ([`target_asm`]).
pub fn guard_sum(image: &super::super::Image) -> u16 {
    let at = |n: &str| usize::from(image.symbol(n).unwrap_or(0) - image.org);
    image.bytes[at("tables_start")..at("zx_tables_end")]
        .iter()
        .fold(0u16, |s, &b| s.wrapping_add(u16::from(b)))
}

/// A built ZX Spectrum engine: the image, where its parts are, and the tape.
#[derive(Debug, Clone)]
pub struct Zx48Build {
    pub built: Built,
    /// Weights: first address and one past the last.
    pub weights: (u16, u16),
    /// Code (and the tables when they are not in the screen): first address (the entry
    /// point) and one past the last.
    pub code: (u16, u16),
    /// Charset, layer table and biases (and, in the screen's bottom third, the driver).
    pub tables: (u16, u16),
    /// Text rows of the chat screen: 16 when the tables use the bottom third, else 24.
    pub text_rows: u16,
    pub loader: Loader,
    pub tape: Tape,
}

/// Plan, generate, assemble (twice, see the module header) and put on a tape.
///
/// With [`Layout::Auto`] the per-layer forms are tried from the fastest estimate down and the
/// first whose assembled image fits is kept: the planner's size estimate must hold for any
/// model (it counts add blocks for the longest lists there could be), while the real add blocks
/// of a given model are often much smaller, and the 48K has no bytes to spare.
pub fn build(model: &Model, layout: &Layout) -> Result<Zx48Build, Zx48Error> {
    let n = model.layers.len();
    if *layout != Layout::Auto || n > 8 {
        return build_forms(model, layout, false);
    }
    let everything = Budget {
        top: 0x100_0000,
        ..budget()
    };
    // Every per-layer choice of lists, gaps and packed (gaps only up to 6 layers).
    let choices: &[Form] = if n <= 6 {
        &[Form::Lists, Form::Gaps, Form::Packed]
    } else {
        &[Form::Lists, Form::Packed]
    };
    let base = choices.len() as u32;
    let mut candidates: Vec<(u64, Vec<Form>)> = (0u32..base.pow(n as u32))
        .map(|mut code| {
            let forms: Vec<Form> = (0..n)
                .map(|_| {
                    let f = choices[(code % base) as usize];
                    code /= base;
                    f
                })
                .collect();
            let est = plan::plan(model, &everything, &Layout::PerLayer(forms.clone()))
                .map_or(u64::MAX, |p| p.est_t_per_step());
            (est, forms)
        })
        .collect();
    candidates.sort_by_key(|c| c.0);
    let mut tried = Vec::new();
    for (est, forms) in candidates {
        let name = Layout::PerLayer(forms.clone());
        match build_forms(model, &name, true) {
            Ok(mut zx) => {
                let plan = &mut zx.built.plan;
                let mut reason: Vec<String> = tried;
                reason.push(format!(
                    "chose {} (~{est} T/step): the fastest estimate whose assembled image fits",
                    plan.name()
                ));
                plan.reason = reason;
                return Ok(zx);
            }
            Err(Zx48Error::TooBig { need, .. }) => {
                let forms: Vec<&str> = forms.iter().map(|f| f.name()).collect();
                tried.push(format!(
                    "{} (~{est} T/step) needs {need} bytes of weights and code in \
                     {LOW_ORG:#06x}-{:#06x}, which holds {} (beside the screen's part)",
                    forms.join(","),
                    BSS - 1,
                    BSS - LOW_ORG
                ));
            }
            Err(_) => {}
        }
    }
    build_forms(model, layout, false)
}

/// [`build`] with the forms `layout` names; `exact`: judge the fit by the assembled image
/// alone, not by the planner's estimate first. The chat keeps 16 text rows when the image
/// fits with them; otherwise, when a layer takes the lists form, it gets 8 rows and the tail
/// of the layer streams moves into the middle third of the display file ([`place`]).
fn build_forms(model: &Model, layout: &Layout, exact: bool) -> Result<Zx48Build, Zx48Error> {
    match place(model, layout, exact, false) {
        Err(Zx48Error::TooBig { .. } | Zx48Error::DoesNotFit(_)) if has_lists(model, layout) => {
            place(model, layout, exact, true)
        }
        r => r,
    }
}

/// True if `layout` puts some layer of `model` in the lists or gaps form (whose streams can
/// move).
fn has_lists(model: &Model, layout: &Layout) -> bool {
    match layout {
        Layout::Auto => true,
        Layout::All(f) => f.streams(),
        Layout::PerLayer(f) => f.iter().take(model.layers.len()).any(|f| f.streams()),
    }
}

/// Where the streams moved into the screen begin: the first `st_` label of the tail of the
/// weights (streams only, up to `image_end`) that takes at most `room` bytes in `trial`, or
/// None when no stream fits. Streams are only reached through their column tables, so any
/// of them can live anywhere.
fn spill_cut(asm: &str, trial: &super::super::Image, room: u16) -> Option<String> {
    let end = trial.symbol("image_end")?;
    let mut best = None;
    let before = &asm[..asm.find("\nimage_end:")?];
    for line in before.lines().rev() {
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        if let Some(label) = t.strip_suffix(':').filter(|l| l.starts_with("st_")) {
            let at = trial.symbol(label)?;
            if end - at > room {
                break;
            }
            best = Some(label.to_string());
            continue;
        }
        if !(t.starts_with("db ") || t.starts_with("dw ")) {
            break;
        }
    }
    best
}

/// [`build_forms`] with the chat screen at 16 rows (`eight` false: the tables and driver in
/// the bottom third) or 8 (the tables, driver and as many streams as fit in the lower two
/// thirds, from [`MIDDLE`]).
fn place(model: &Model, layout: &Layout, exact: bool, eight: bool) -> Result<Zx48Build, Zx48Error> {
    // The tables (charset, layer table, biases) and our console driver move into the screen's
    // bottom third when they fit there; otherwise the driver stays with the code. The planner's
    // size estimate counts a small console driver, so plan with the real split, then assemble
    // against the real top.
    let driver = usize::from(driver_bytes());
    let tables = model.charset.len()
        + 14 * model.layers.len()
        + 2 * model.layers.iter().map(|l| l.out).sum::<usize>();
    let (screen, screen_bytes) = if eight {
        (MIDDLE, LOWER_BYTES)
    } else {
        (THIRD, THIRD_BYTES)
    };
    let third = tables + driver <= usize::from(screen_bytes);
    let mut planning = budget();
    if third {
        // With 8 rows, what the tables and driver leave of the lower two thirds takes streams.
        let spill = usize::from(screen_bytes) - tables - driver;
        planning.top += (tables + if eight { spill } else { 0 }) as u32;
    } else {
        planning.top -= driver as u32;
    }
    let eight = eight && third;
    let rows = match (third, eight) {
        (true, true) => 8,
        (true, false) => 16,
        _ => 24,
    };
    if exact {
        planning.top = 0x100_0000;
    }
    let mut plan = plan::plan(model, &planning, layout).map_err(|e| match e {
        e @ PlanError::DoesNotFit { .. } => Zx48Error::DoesNotFit(e.into()),
        e => Zx48Error::Build(e.into()),
    })?;
    plan.budget = budget();
    let fit = |e: BuildError| match e {
        e @ BuildError::DoesNotFit { .. } => Zx48Error::DoesNotFit(e),
        e => Zx48Error::Build(e),
    };
    // The whole layout for code at `code_org`: the tables (with the driver) in the screen's
    // bottom third or after the code, the weights from LOW_ORG.
    // `cut`: the first stream label that moves after the driver (8 rows).
    let source = |code_org: u16, cut: Option<&str>, sum: u16| {
        let mut asm = engine_asm(model, &plan, &target_asm(code_org, rows, sum));
        let mut moved = String::new();
        if let Some(cut) = cut {
            let (a, b) = (
                asm.find(&format!("\n{cut}:\n")).expect("the cut label"),
                asm.find("\nimage_end:").expect("image_end"),
            );
            moved = asm[a..b].to_string();
            asm.replace_range(a..b, "");
        }
        if third {
            // The driver follows the tables, just before the weights.
            asm = asm.replacen(DRIVER_INCLUDE, "", 1).replacen(
                "\nweights_start:",
                &format!("\n{DRIVER_INCLUDE}{moved}\nzx_tables_end:\nweights_start:"),
                1,
            );
            let org = format!("\nzx_high_end:\n                org {screen:#06x}\ntables_start:");
            asm = asm.replacen("\ntables_start:", &org, 1);
        } else {
            asm = asm.replacen("\nweights_start:", "\nzx_high_end:\nweights_start:", 1);
        }
        let org = format!("\n                org {LOW_ORG:#06x}\nweights_start:");
        asm.replacen("\nweights_start:", &org, 1)
    };
    // A trial with the code at 0 measures the parts: the weights are already at their address,
    // so their page alignments are the final ones, and the code and tables hold no alignment.
    let mut unbounded = plan.clone();
    unbounded.budget.top = 0x1_0000;
    let mut trial = assemble_image(&source(0, None, 0), &unbounded).map_err(fit)?;
    let sym = |img: &super::super::Image, n: &str| img.symbol(n).unwrap_or(0);
    let mut cut = None;
    if eight {
        let used = sym(&trial, "zx_tables_end") - sym(&trial, "tables_start");
        cut = LOWER_BYTES
            .checked_sub(used)
            .and_then(|room| spill_cut(&source(0, None, 0), &trial, room));
        if cut.is_some() {
            trial = assemble_image(&source(0, cut.as_deref(), 0), &unbounded).map_err(fit)?;
        }
    }
    let high_len = sym(&trial, "zx_high_end");
    let tables_end = if third {
        "zx_tables_end"
    } else {
        "zx_high_end"
    };
    let tables_len = sym(&trial, tables_end) - sym(&trial, "tables_start");
    let weights_len = sym(&trial, "image_end") - sym(&trial, "weights_start");
    if third && tables_len > screen_bytes {
        let msg = format!(
            "tables and driver take {tables_len} bytes, not the {} planned",
            tables + driver
        );
        return Err(BuildError::Asm(msg).into());
    }
    let need = u32::from(weights_len) + u32::from(high_len);
    if need > u32::from(BSS - LOW_ORG) {
        return Err(Zx48Error::TooBig {
            need,
            weights: weights_len,
            code: high_len,
        });
    }
    let code_org = BSS - high_len;
    // Twice when the tables are in the display file: the entry's check needs their sum.
    let mut asm = source(code_org, cut.as_deref(), 0);
    let mut image = assemble_image(&asm, &plan).map_err(fit)?;
    if third {
        asm = source(code_org, cut.as_deref(), guard_sum(&image));
        image = assemble_image(&asm, &plan).map_err(fit)?;
    }
    let weights = (sym(&image, "weights_start"), sym(&image, "image_end"));
    let code = (code_org, code_org + high_len);
    let tables = (
        sym(&image, "tables_start"),
        sym(&image, "tables_start") + tables_len,
    );
    let slice = |(a, b): (u16, u16)| {
        let (a0, b0) = (usize::from(a - image.org), usize::from(b - image.org));
        CodeBlock {
            start: a,
            data: image.bytes[a0..b0].to_vec(),
        }
    };
    // The screen block goes last: the ROM prints each header's name in the lower screen.
    let mut blocks = vec![slice(weights), slice(code)];
    if third {
        blocks.push(slice(tables));
    }
    let loader = Loader {
        name: TAPE_NAME.into(),
        clear: LOW_ORG - 1,
        entry: code.0,
        blocks,
    };
    let tape = loader_tape(&loader)?;
    Ok(Zx48Build {
        built: Built { plan, asm, image },
        weights,
        code,
        tables,
        text_rows: rows,
        loader,
        tape,
    })
}

impl Zx48Build {
    /// The memory map `z80lm build --target zx48` prints, in address order.
    pub fn memory_map(&self) -> String {
        let m = &self.built.image.map;
        let (w, c, t) = (self.weights, self.code, self.tables);
        let text = format!("display file and attributes: 32x{} text", self.text_rows);
        let mut rows: Vec<(u32, u32, &str, String)> = vec![
            (0x4000, u32::from(t.0), "screen", text.clone()),
            (u32::from(LOW_ORG), 0, "", String::new()),
            (w.0.into(), w.1.into(), "weights", String::new()),
            (
                m.ram.0,
                m.ram.1,
                "ram",
                "sums, activations, line, stack (not on tape)".into(),
            ),
            (
                0xFF58,
                0x1_0000,
                "udg",
                "user-defined graphics (left alone)".into(),
            ),
        ];
        if self.text_rows < 24 {
            let note = if self.text_rows == 16 {
                "+ display/keyboard driver, in the screen's bottom third (hidden)"
            } else {
                "+ display/keyboard driver + the last layer streams, in the screen's lower two thirds (hidden)"
            };
            rows.push((t.0.into(), t.1.into(), "tables", note.into()));
            rows.push((0x5800, 0x5B00, "attrs", "attributes".into()));
            rows.push((c.0.into(), c.1.into(), "code", String::new()));
        } else {
            rows[0].1 = 0x5B00;
            rows.push((c.0.into(), t.0.into(), "code", String::new()));
            rows.push((t.0.into(), c.1.into(), "tables", String::new()));
        }
        rows.retain(|r| !r.2.is_empty());
        rows.push((
            0x5B00,
            u32::from(LOW_ORG),
            "system",
            "printer buffer, system variables, BASIC loader, its stack".into(),
        ));
        rows.sort_by_key(|r| r.0);
        let mut s = String::from("memory map (ZX Spectrum 48K):\n");
        let mut at = 0x4000;
        for (a, b, name, note) in rows {
            if a > at && at >= u32::from(LOW_ORG) {
                s += &format!("  {at:#06x}-{:#06x} {:>6} bytes  free\n", a - 1, a - at);
            }
            let note = if a < u32::from(UNCONTENDED) && a >= u32::from(LOW_ORG) {
                "contended 0x4000-0x7FFF"
            } else {
                &note
            };
            s += &format!(
                "  {a:#06x}-{:#06x} {:>6} bytes  {name:<8} {note}\n",
                b - 1,
                b - a
            );
            at = at.max(b);
        }
        s += &format!("  loader: {}\n", loader_basic(&self.loader));
        s
    }
}
