//! RC2014 target: the engine as a ROM image that boots from reset with no CP/M and chats over
//! the board's UART, for the boards in `boards/data/rc2014-*.toml`.
//!
//! * `rc2014-classic` (32K ROM at 0000h, 32K RAM at 8000h, MC68B50 ACIA): one flat image at
//!   0000h in the ROM; the engine's RAM at 8000h. The image must fit 32K.
//! * `rc2014-512k` (512K flash + 512K RAM in 16K pages, SIO/2): an application behind our
//!   resident loader (flash page 0, `z80rom/asm/loader`). The fixed part (code, tables, column
//!   tables, biases) is flash page 1, seen at 0000h; each layer's weights get their own flash
//!   pages from page 2 on, mapped at 4000h-BFFFh (windows 1 and 2) while that layer runs; the
//!   engine's RAM is RAM page 63 at C000h. A layer may hold up to 32K of weights, so the fast
//!   `lists` form fits layers that would not fit the 64K address space together.
//!
//! Memory map of the 512K application:
//!
//! | CPU address   | window | holds                                               |
//! |---------------|--------|-----------------------------------------------------|
//! | 0000h-3FFFh   | 0      | flash page 1: vectors, code, tables (fixed)          |
//! | 4000h-BFFFh   | 1, 2   | flash pages of the running layer's weights          |
//! | C000h-FFFFh   | 3      | RAM page 63: sums, lists, line buffer, stack         |
//!
//! Several models ([`build_menu`]): flash page 1 holds a start-up menu (`z80rom/asm/menu`) that
//! lists them and maps the chosen one's fixed page into window 0; each model is the one-model
//! build above moved to its own fixed page (its layers' pages follow it), with `!` going back to
//! the menu instead of the loader.
//!
//! The `.bin` of a 512K build is the whole flash (loader, application, header) for a chip
//! programmer, `z80lm emu --rom` and `z80lm flash` (which sends only the application).

use boards::desc::{BoardDesc, ConsoleDevice};
use thiserror::Error;

use super::super::codegen::{PageSelect, WeightPages};
use super::super::plan::{self, Form, PlanError};
use super::super::{assemble_source, engine_asm, image_of, Budget, BuildError, Built, Layout};
use super::banked;
use crate::model::Model;

/// Size of one page of the 512K module.
pub const PAGE: usize = 0x4000;
/// The weight window of the 512K application: windows 1 and 2.
pub const WINDOW: u16 = 0x4000;
/// Most bytes of one layer's weights on the 512K board (the two windows).
pub const WINDOW_BYTES: usize = 2 * PAGE;
/// First flash page of the application (page 0 is the loader).
pub const APP_PAGE: usize = 1;
/// Engine RAM of the 512K application (RAM page 63 in window 3).
pub const RAM_512K: u16 = 0xC000;
/// ROM and RAM split of the Classic.
pub const CLASSIC_ROM: u32 = 0x8000;

/// Why an RC2014 build failed.
#[derive(Debug, Error)]
pub enum Rc2014Error {
    #[error("board {0} is not an RC2014 (use rc2014-classic or rc2014-512k)")]
    NotRc2014(String),
    #[error(
        "the model does not fit the rc2014-classic's 32K ROM: the smallest layout ({layout}) needs \
         about {need} bytes, {short} too many. A model with about {fits} bytes of packed weights \
         fits, e.g. hidden sizes 128,96,64 (`z80lm train --hidden 128,96,64 --budget rc2014-classic`, \
         as examples/guess-mini); or build for --board rc2014-512k, which pages each layer's \
         weights in from its 512K flash"
    )]
    ClassicTooSmall {
        layout: String,
        need: usize,
        short: usize,
        fits: usize,
    },
    #[error("layer {layer} in the lists form needs {bytes} bytes, more than the 32K weight window of rc2014-512k; use --layout packed for it (or auto)")]
    LayerTooBig { layer: usize, bytes: usize },
    #[error("the code and tables take {bytes} bytes, more than the 16K fixed page of rc2014-512k")]
    FixedTooBig { bytes: usize },
    #[error("the application needs {pages} flash pages; the loader stores at most {max}")]
    TooManyPages { pages: usize, max: usize },
    #[error(
        "the models do not all fit flash pages 1-{max} of rc2014-512k (the menu takes page 1): {placed}; \
         these do not: {refused}; leave {them} out or build {them} with --layout packed"
    )]
    ModelsDoNotFit {
        max: usize,
        placed: String,
        refused: String,
        them: &'static str,
    },
    /// One model of several did not build (the reason is its source).
    #[error("model {number} ({name})")]
    Model {
        number: usize,
        name: String,
        #[source]
        source: Box<Rc2014Error>,
    },
    #[error("several models need the rc2014-512k board (its flash pages); {0} takes one")]
    OneModelBoard(String),
    #[error("at most {max} models fit one menu (given {given})")]
    TooManyModels { max: usize, given: usize },
    #[error(transparent)]
    Build(#[from] BuildError),
    #[error("assembling the loader: {0}")]
    Loader(String),
}

/// Where one layer's weights went on the 512K board.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerPages {
    pub first_page: usize,
    pub pages: usize,
    pub bytes: usize,
    /// Where the weights start in `first_page`: 0 in a one-model image; in an image with
    /// several models small layers share pages (see [`shared_pages`]).
    pub offset: usize,
}

/// Lays layers of `bytes` each from flash page `first` on, each right after the one before
/// where the whole layer still fits the two-page weight window from its first page, else from
/// the next page: (first page, pages touched, offset in the first page) per layer.
pub fn shared_pages(bytes: &[usize], first: usize) -> Vec<(usize, usize, usize)> {
    let mut at = first * PAGE;
    bytes
        .iter()
        .map(|&b| {
            if at % PAGE + b > WINDOW_BYTES {
                at = at.div_ceil(PAGE) * PAGE;
            }
            let (page, offset) = (at / PAGE, at % PAGE);
            at += b;
            (page, (offset + b.max(1)).div_ceil(PAGE), offset)
        })
        .collect()
}

/// A built RC2014 image.
#[derive(Debug, Clone)]
pub struct RomBuild {
    pub built: Built,
    /// The application: the whole ROM on the Classic; flash pages 1.. on the 512K board.
    pub app: Vec<u8>,
    /// What the `.bin` holds: the 32K ROM (Classic) or the 512K flash (loader, app, header).
    pub rom: Vec<u8>,
    /// 512K board: each layer's flash pages.
    pub pages: Vec<LayerPages>,
}

impl RomBuild {
    /// The memory map `z80lm build` prints.
    pub fn memory_map(&self) -> String {
        let map = self.built.image.map.render();
        if self.pages.is_empty() {
            return map;
        }
        // Paged: the weights are in the flash pages, each layer's mapped at 0x4000 while it
        // runs; the fixed part keeps only an empty-column stub, which is not worth a row.
        let mut s = String::new();
        for line in map.lines() {
            if !line.starts_with("  weights") {
                s += line;
                s.push('\n');
                continue;
            }
            for (k, p) in self.pages.iter().enumerate() {
                let last = p.first_page + p.pages - 1;
                let pages = if p.pages > 1 {
                    format!("pages {}-{last}", p.first_page)
                } else {
                    format!("page {}", p.first_page)
                };
                s += &format!(
                    "  {:<8} {:#06x}-{:#06x} {:>6} bytes  weights, flash {pages}\n",
                    format!("layer {}", k + 1),
                    0x4000 + p.offset,
                    0x4000 + p.offset + p.bytes.max(1) - 1,
                    p.bytes
                );
            }
        }
        let base = self.pages[0].first_page - 1;
        let last = base + self.app.len().div_ceil(PAGE) - 1;
        if base == APP_PAGE {
            s += &format!(
                "  application: {} bytes in flash pages 1-{last}, behind the loader in page 0\n",
                self.app.len(),
            );
        } else {
            s += &format!(
                "  model: {} bytes in flash pages {base}-{last}, started by the menu in page {APP_PAGE}\n",
                self.app.len(),
            );
        }
        s
    }
}

fn is_paged(desc: &BoardDesc) -> bool {
    desc.banking.is_some() && desc.flash.is_some()
}

/// The console equates of `desc` (the SIO/2 or the 68B50 ACIA, with its ports).
fn console_equates(desc: &BoardDesc) -> String {
    let ports = desc.console.ports.clone().unwrap_or_default();
    let ctl = ports.control.unwrap_or(0x80);
    let data = ports.data.unwrap_or(ctl + 1);
    match desc.console.device {
        ConsoleDevice::Sio => format!(
            "RC2014_SIO      equ 1\nSIO_CTL         equ {ctl:#04x}\nSIO_DATA        equ {data:#04x}\n"
        ),
        _ => format!("ACIA_CTL        equ {ctl:#04x}\nACIA_DATA       equ {data:#04x}\n"),
    }
}

/// The page register of window `w` of a paged board, and the RAM page the loader leaves in
/// window 3 (the top one).
fn window_port(b: &boards::desc::Banking, w: usize) -> u16 {
    b.windows
        .get(w)
        .and_then(|w| w.port)
        .unwrap_or(0x78 + w as u16)
}

/// The lines before the engine: console and paging equates, reset and interrupt vectors. With
/// `menu`, the engine of an image with several models: its '!' maps that flash page (the
/// start-up menu) instead of the loader's.
fn prologue(desc: &BoardDesc, menu: Option<u8>) -> String {
    let mut s = console_equates(desc);
    let mut init = String::new();
    if let Some(b) = &desc.banking {
        let port = |w: usize| window_port(b, w);
        let ram_top = b.first_ram_page + b.ram_pages - 1;
        if let Some(page) = menu {
            s += &format!("MENU_PAGE       equ {page}\n");
        }
        s += &format!(
            "RC2014_PAGED    equ 1\nPAGE0_PORT      equ {:#04x}\nWEIGHT_PAGE_PORT equ {:#04x}\n",
            port(0),
            port(1)
        );
        // The loader leaves RAM page 63 in window 3; say so again rather than rely on it.
        init = format!(
            "                ld a,{ram_top}\n                out ({:#04x}),a\n",
            port(3)
        );
    }
    s += "                org 0000h\nrom_reset:      di\n                jp rom_start\n";
    s += "                ds 38h-$\n                ei                          ; IM 1: interrupts stay off\n                reti\n";
    s += "                ds 66h-$\n                retn                        ; NMI\n";
    s += &format!("rom_start:\n{init}                jp start\n");
    s
}

fn target_asm(
    desc: &BoardDesc,
    pages: Option<WeightPages>,
    menu: Option<u8>,
) -> super::super::TargetAsm {
    super::super::TargetAsm {
        prologue: prologue(desc, menu),
        driver: "drivers/rc2014.asm".into(),
        pages,
    }
}

/// Bytes of packed weights and biases a Classic can hold (for `train --budget`): the ROM less
/// the code, add blocks and tables of a typical build.
pub const CLASSIC_WEIGHT_BUDGET: usize = 32 * 1024 - 6 * 1024;

/// Plan, generate and assemble for an RC2014 board.
pub fn build(model: &Model, desc: &BoardDesc, layout: &Layout) -> Result<RomBuild, Rc2014Error> {
    if !desc.name.starts_with("rc2014") {
        return Err(Rc2014Error::NotRc2014(desc.name.clone()));
    }
    if is_paged(desc) {
        build_paged(model, desc, layout, APP_PAGE, None)
    } else {
        build_classic(model, desc, layout)
    }
}

fn build_classic(
    model: &Model,
    desc: &BoardDesc,
    layout: &Layout,
) -> Result<RomBuild, Rc2014Error> {
    let budget = Budget {
        board: desc.name.clone(),
        org: 0,
        top: CLASSIC_ROM,
        ram: Some(CLASSIC_ROM as u16),
        fast_code: true,
    };
    // `need`: the planner's estimate under a budget `slack` bytes below the ROM's end, which
    // is the estimate's own error found by assembling; the real need is that much more.
    let too_small = |need: usize, slack: usize| {
        // The smallest layout: what the planner would need with every layer packed.
        let packed = plan::plan(
            model,
            &Budget {
                top: 0x10_0000,
                ..budget.clone()
            },
            &Layout::All(Form::Packed),
        );
        let (layout, need) = match packed {
            Ok(p) if p.est_image < need => ("packed".to_string(), p.est_image + slack),
            _ => ("as asked".to_string(), need + slack),
        };
        Rc2014Error::ClassicTooSmall {
            layout,
            need,
            short: need.saturating_sub(CLASSIC_ROM as usize).max(1),
            fits: CLASSIC_WEIGHT_BUDGET,
        }
    };
    // Auto has tried every layout when it gives up: then say what would fit. An explicit
    // --layout that does not fit gets the planner's own message (another layout may). The
    // planner estimates sizes; when the assembled image of its choice is larger than the ROM,
    // auto plans again for a ROM smaller by the difference (and a little more).
    let auto = *layout == Layout::Auto;
    let mut slack = 0usize;
    let (mut plan, asm, image) = loop {
        let smaller = Budget {
            top: CLASSIC_ROM - slack as u32,
            ..budget.clone()
        };
        let mut plan = match plan::plan(model, &smaller, layout) {
            Ok(p) => p,
            Err(PlanError::DoesNotFit { need, .. }) if auto => return Err(too_small(need, slack)),
            Err(e) => return Err(BuildError::from(e).into()),
        };
        plan.budget = budget.clone();
        let asm = engine_asm(model, &plan, &target_asm(desc, None, None));
        match image_of(&assemble_source(&asm)?, &plan) {
            Ok(image) => break (plan, asm, image),
            Err(BuildError::DoesNotFit { end, .. }) if auto && slack < CLASSIC_ROM as usize / 2 => {
                slack += (end as usize).saturating_sub(CLASSIC_ROM as usize) + 64;
            }
            Err(BuildError::DoesNotFit { end, .. }) if auto => {
                return Err(too_small(end as usize, 0))
            }
            Err(e) => return Err(e.into()),
        }
    };
    if slack > 0 {
        plan.reason.push(format!(
            "planned for {} bytes: the assembled image came out larger than estimated",
            CLASSIC_ROM as usize - slack
        ));
    }
    let mut rom = image.bytes.clone();
    rom.resize(CLASSIC_ROM as usize, 0xFF);
    Ok(RomBuild {
        app: image.bytes.clone(),
        rom,
        built: Built { plan, asm, image },
        pages: Vec::new(),
    })
}

/// The 512K build of one model whose fixed part is flash page `base` (its layers' pages follow
/// it); `menu`: the flash page its '!' goes back to (an image with several models). `app` is
/// the model's pages from `base` on; `rom` the whole flash with only this model stored, which
/// the loader boots when `base` is [`APP_PAGE`].
fn build_paged(
    model: &Model,
    desc: &BoardDesc,
    layout: &Layout,
    base: usize,
    menu: Option<u8>,
) -> Result<RomBuild, Rc2014Error> {
    let n = model.layers.len();
    // Each layer has the whole weight window to itself.
    let forms = banked::forms(model, layout, WINDOW_BYTES);
    let budget = Budget {
        board: desc.name.clone(),
        org: 0,
        top: PAGE as u32,
        ram: Some(RAM_512K),
        fast_code: true,
    };
    let plan = match banked::plan_windowed(model, &forms, budget, WINDOW_BYTES)? {
        Ok(plan) => plan,
        Err((layer, bytes)) => return Err(Rc2014Error::LayerTooBig { layer, bytes }),
    };
    // Pass 1 measures each layer's weights; pass 2 has their pages.
    let generate = |first_page: Vec<u8>, org: Vec<u16>| {
        let pages = WeightPages {
            org,
            first_page,
            select: PageSelect::PortPair,
        };
        let asm = engine_asm(model, &plan, &target_asm(desc, Some(pages), menu));
        assemble_source(&asm).map(|a| (asm, a))
    };
    let (_, trial) = generate(vec![0; n], vec![WINDOW; n])?;
    let mut layers: Vec<LayerPages> = banked::consecutive_banks(&trial, n, PAGE, base + 1)
        .into_iter()
        .map(|(first_page, pages, bytes)| LayerPages {
            first_page,
            pages,
            bytes,
            offset: 0,
        })
        .collect();
    if menu.is_some() {
        // Several models: small layers share pages, so more models fit the flash. The weights'
        // addresses change, not the code that reads them (nor its T-states).
        let bytes: Vec<usize> = layers.iter().map(|l| l.bytes).collect();
        for (l, (page, pages, offset)) in layers.iter_mut().zip(shared_pages(&bytes, base + 1)) {
            (l.first_page, l.pages, l.offset) = (page, pages, offset);
        }
    }
    let next = layers.last().map_or(base + 1, |l| l.first_page + l.pages);
    let max_pages = z80rom::loader::MAX_IMAGE / PAGE;
    // An image with several models checks all of them together (build_menu).
    if menu.is_none() && next - base > max_pages {
        return Err(Rc2014Error::TooManyPages {
            pages: next - base,
            max: max_pages,
        });
    }
    let (asm, assembly) = generate(
        layers.iter().map(|l| l.first_page as u8).collect(),
        layers.iter().map(|l| WINDOW + l.offset as u16).collect(),
    )?;
    let image = match image_of(&assembly, &plan) {
        Ok(i) => i,
        Err(BuildError::DoesNotFit { end, .. }) => {
            return Err(Rc2014Error::FixedTooBig {
                bytes: end as usize,
            })
        }
        Err(e) => return Err(e.into()),
    };
    let app = assembly.place(0xFF, |bank, addr| match bank {
        None => (usize::from(addr) < PAGE).then_some(usize::from(addr)),
        Some(k) => {
            let l = &layers[k as usize - 1];
            Some((l.first_page - base) * PAGE + usize::from(addr - WINDOW))
        }
    });
    let rom = if menu.is_none() {
        let loader = z80rom::loader::build().map_err(|e| Rc2014Error::Loader(e.to_string()))?;
        z80rom::loader::flash_image(&loader, Some(&app))
    } else {
        Vec::new()
    };
    Ok(RomBuild {
        built: Built { plan, asm, image },
        app,
        rom,
        pages: layers,
    })
}

/// One model of a 512K image with several models.
#[derive(Debug, Clone)]
pub struct MenuModel {
    /// As the menu lists it.
    pub name: String,
    /// The model's engine: `app` is its pages from `first_page` on.
    pub build: RomBuild,
    /// Its fixed flash page (the engine's code, mapped at 0000h); its layers follow.
    pub first_page: usize,
    /// Flash pages it takes.
    pub pages: usize,
    /// Bytes it uses in them (fixed part and weights).
    pub bytes: usize,
    /// T-states per generated character: the planner's estimate.
    pub est_t: u64,
}

/// A 512K image with several models behind a start-up menu in flash page 1.
#[derive(Debug, Clone)]
pub struct MenuBuild {
    pub models: Vec<MenuModel>,
    /// The menu's generated source.
    pub menu_asm: String,
    /// What the menu prints before its prompt.
    pub listing: String,
    /// The application: flash pages 1.. (the menu, then each model's pages).
    pub app: Vec<u8>,
    /// The whole flash: loader, application, header.
    pub rom: Vec<u8>,
}

/// The flash page of the menu in an image with several models.
pub const MENU_PAGE: usize = APP_PAGE;
/// Most models one menu lists.
pub const MAX_MODELS: usize = 29;

impl MenuBuild {
    /// The plan `z80lm build` prints: each model's pages and its plan.
    pub fn plan_report(&self) -> String {
        let mut s = format!(
            "{} models behind a start-up menu in flash page {MENU_PAGE}:\n",
            self.models.len()
        );
        for (i, m) in self.models.iter().enumerate() {
            s += &format!(
                "model {} ({}): flash pages {}-{} ({} pages)\n",
                i + 1,
                m.name,
                m.first_page,
                m.first_page + m.pages - 1,
                m.pages
            );
            for line in m.build.built.plan_report().lines() {
                s += &format!("  {line}\n");
            }
        }
        s
    }

    /// The memory map `z80lm build` prints: the menu's page, then each model's map.
    pub fn memory_map(&self) -> String {
        let used = self.app.len().min(PAGE);
        let menu_bytes = self.app[..used]
            .iter()
            .rposition(|&b| b != 0xFF)
            .map_or(0, |i| i + 1);
        let mut s = format!(
            "menu: {menu_bytes} bytes in flash page {MENU_PAGE} at 0x0000; its page-switch stub in RAM page 63 at 0xc000\n"
        );
        for (i, m) in self.models.iter().enumerate() {
            s += &format!("model {} ({}):\n", i + 1, m.name);
            s += &m.build.memory_map();
        }
        s += &format!(
            "  application: {} bytes in flash pages 1-{}, behind the loader in page 0\n",
            self.app.len(),
            self.app.len().div_ceil(PAGE)
        );
        s
    }
}

/// The name a menu lists: printable ASCII, at most 20 bytes.
fn menu_name(name: &str, number: usize) -> String {
    let s: String = name
        .chars()
        .filter(|c| c.is_ascii_graphic() || *c == ' ')
        .take(20)
        .collect();
    if s.trim().is_empty() {
        format!("model {number}")
    } else {
        s
    }
}

/// `db` lines for `bytes` (numbers, so any byte is safe in them).
fn db_lines(bytes: &[u8]) -> String {
    bytes
        .chunks(16)
        .map(|c| {
            let v: Vec<String> = c.iter().map(|b| b.to_string()).collect();
            format!("                db {}\n", v.join(","))
        })
        .collect()
}

/// Builds several models into one rc2014-512k image: a start-up menu in flash page 1 lists
/// them (number, name, size, speed) and starts the one chosen; each model's engine has its own
/// fixed page and layer pages after the menu, and its '!' comes back to the menu (whose '!'
/// goes to the loader). `models` are (name, model). Fails, naming them, when they do not all
/// fit pages 1-30.
pub fn build_menu(
    models: &[(String, Model)],
    desc: &BoardDesc,
    layout: &Layout,
) -> Result<MenuBuild, Rc2014Error> {
    if !desc.name.starts_with("rc2014") {
        return Err(Rc2014Error::NotRc2014(desc.name.clone()));
    }
    let Some(banking) = desc.banking.as_ref().filter(|_| is_paged(desc)) else {
        return Err(Rc2014Error::OneModelBoard(desc.name.clone()));
    };
    if models.len() > MAX_MODELS {
        return Err(Rc2014Error::TooManyModels {
            max: MAX_MODELS,
            given: models.len(),
        });
    }
    let max_pages = z80rom::loader::MAX_IMAGE / PAGE;
    let mut built = Vec::new();
    let mut next = MENU_PAGE + 1;
    for (i, (name, model)) in models.iter().enumerate() {
        let name = menu_name(name, i + 1);
        let wrap = |e: Rc2014Error| Rc2014Error::Model {
            number: i + 1,
            name: name.clone(),
            source: Box::new(e),
        };
        let build = build_paged(model, desc, layout, next, Some(MENU_PAGE as u8)).map_err(wrap)?;
        let pages = build.app.len().div_ceil(PAGE);
        let bytes =
            build.built.image.bytes.len() + build.pages.iter().map(|p| p.bytes).sum::<usize>();
        let est_t = build.built.plan.est_t_per_step();
        built.push(MenuModel {
            name,
            build,
            first_page: next,
            pages,
            bytes,
            est_t,
        });
        next += pages;
    }
    // Which fit, in order: a model that does not is named with its pages and the pages free.
    let (mut free, mut placed, mut refused) = (max_pages - 1, Vec::new(), Vec::new());
    for (i, m) in built.iter().enumerate() {
        if m.pages <= free {
            free -= m.pages;
            placed.push(format!("{} ({}) {} pages", i + 1, m.name, m.pages));
        } else {
            refused.push(format!(
                "{} ({}) needs {} pages, {free} free",
                i + 1,
                m.name,
                m.pages
            ));
        }
    }
    if !refused.is_empty() {
        return Err(Rc2014Error::ModelsDoNotFit {
            max: max_pages,
            placed: if placed.is_empty() {
                "no model fits".into()
            } else {
                format!("{} fit", placed.join(", "))
            },
            them: if refused.len() == 1 { "it" } else { "them" },
            refused: refused.join("; "),
        });
    }
    let clock = f64::from(desc.clock_hz);
    let mut listing = format!("\r\nz80lm: {} models\r\n", built.len());
    for (i, m) in built.iter().enumerate() {
        let cps = clock / m.est_t.max(1) as f64;
        listing += &format!(
            "{:>3}  {:<20} {:>4} KB  {:>6.1} chars/s est.\r\n",
            i + 1,
            m.name,
            m.bytes.div_ceil(1024),
            cps
        );
    }
    let prompt = format!("model (1-{}, ! loader): ", built.len());
    let port = |w: usize| window_port(banking, w);
    let ram_top = banking.first_ram_page + banking.ram_pages - 1;
    let mut asm = console_equates(desc);
    asm += &format!(
        "PAGE0_PORT      equ {:#04x}\nPAGE3_PORT      equ {:#04x}\nRAM_TOP_PAGE    equ {ram_top}\nMENU_MODELS     equ {}\n",
        port(0),
        port(3),
        built.len()
    );
    asm += "                org 0000h\nrom_reset:      di\n                jp menu_start\n";
    asm += "                ds 38h-$\n                ei                          ; IM 1: interrupts stay off\n                reti\n";
    asm += "                ds 66h-$\n                retn                        ; NMI\n";
    asm += "                include \"menu/menu.asm\"\n";
    asm += if matches!(desc.console.device, ConsoleDevice::Sio) {
        "                include \"drivers/sio.asm\"\n"
    } else {
        "                include \"drivers/acia.asm\"\n"
    };
    let mut text = listing.clone().into_bytes();
    text.push(0);
    asm += "menu_text:\n";
    asm += &db_lines(&text);
    let mut p = format!("\r\n{prompt}").into_bytes();
    p.push(0);
    asm += "menu_prompt:\n";
    asm += &db_lines(&p);
    asm += "menu_pages:\n";
    asm += &db_lines(&built.iter().map(|m| m.first_page as u8).collect::<Vec<_>>());
    let assembly = assemble_source(&asm)?;
    let (org, menu) = assembly.flat(0xFF);
    if org != 0 || menu.len() > PAGE {
        return Err(Rc2014Error::FixedTooBig { bytes: menu.len() });
    }
    let mut app = menu;
    app.resize(PAGE, 0xFF);
    for m in &built {
        app.resize((m.first_page - APP_PAGE) * PAGE, 0xFF);
        app.extend_from_slice(&m.build.app);
    }
    let loader = z80rom::loader::build().map_err(|e| Rc2014Error::Loader(e.to_string()))?;
    let rom = z80rom::loader::flash_image(&loader, Some(&app));
    Ok(MenuBuild {
        models: built,
        menu_asm: asm,
        listing: format!("{listing}\r\n{prompt}"),
        app,
        rom,
    })
}

/// Intel HEX of a ROM image (32-byte data records, extended linear address records past 64K;
/// rows that are all 0xFF, erased flash, are left out).
pub fn intel_hex(rom: &[u8]) -> Result<String, ihex::WriterError> {
    use ihex::Record;
    let mut records = Vec::new();
    let mut segment = None;
    for (i, row) in rom.chunks(32).enumerate() {
        if row.iter().all(|&b| b == 0xFF) {
            continue;
        }
        let addr = i * 32;
        let upper = (addr >> 16) as u16;
        if segment != Some(upper) && (upper != 0 || segment.is_some()) {
            records.push(Record::ExtendedLinearAddress(upper));
        }
        segment = Some(upper);
        records.push(Record::Data {
            offset: addr as u16,
            value: row.to_vec(),
        });
    }
    records.push(Record::EndOfFile);
    ihex::create_object_file_representation(&records)
}

/// Most emulated T-states [`Session::boot`] or one [`Session::ask`] may take (about 4.5
/// minutes at 7.3728 MHz).
pub const EXCHANGE_LIMIT: u64 = 2_000_000_000;

/// Why a session on the emulated board stopped.
#[derive(Debug, Error)]
pub enum SessionError {
    #[error(transparent)]
    Machine(#[from] boards::machines::rc2014::MachineError),
    #[error("no {want:?} within {limit} T-states; the board said {said:?}")]
    NoPrompt {
        want: String,
        limit: u64,
        said: String,
    },
}

/// What the board wrote in one exchange, with the T-state of each byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub output: Vec<u8>,
    /// The T-state at which each output byte was written to the UART (the start of its OUT).
    pub times: Vec<u64>,
    /// When the host put the line on the wire.
    pub sent: u64,
    /// When the engine read the line's last byte (the CR) from the UART: the end of the typed
    /// line as the engine sees it.
    pub start: u64,
    /// When the engine wrote the last byte of the next prompt.
    pub end: u64,
    /// Each `con_out` call: the T-state it was entered and the T-states it spent polling a
    /// transmitter that was still busy with the previous byte.
    pub uart_busy: Vec<(u64, u64)>,
}

impl Reply {
    /// The response line: the bytes after the echoed line's CR LF, up to the CR LF that ends
    /// the response (as [`super::cpm::Reply::response`]).
    pub fn response(&self) -> &[u8] {
        let (a, b) = self.response_span();
        &self.output[a..b]
    }

    /// Byte range of [`Reply::response`] in `output`.
    pub fn response_span(&self) -> (usize, usize) {
        super::super::response_span(&self.output)
    }

    /// T-states between consecutive response bytes (the steady cost of one step).
    pub fn intervals(&self) -> Vec<u64> {
        super::super::intervals(&self.output, &self.times)
    }

    /// T-states spent waiting for the transmitter by the `con_out` calls entered in
    /// `from..=to`.
    pub fn uart_busy_in(&self, from: u64, to: u64) -> u64 {
        self.uart_busy
            .iter()
            .filter(|(t, _)| (from..=to).contains(t))
            .map(|(_, b)| b)
            .sum()
    }
}

/// Runs `m` in slices of about 1 ms of emulated time until it has taken every byte sent and
/// what it printed since ends with `suffix`; gives up after `limit` T-states.
pub fn run_until(
    m: &mut boards::machines::rc2014::Rc2014,
    suffix: &[u8],
    limit: u64,
) -> Result<Vec<u8>, SessionError> {
    let slice = u64::from(m.clock_hz / 1000).max(1);
    let end = m.cpu.cycles + limit;
    let mut out = Vec::new();
    while !(out.ends_with(suffix) && m.pending_input() == 0) {
        if m.cpu.cycles >= end {
            return Err(SessionError::NoPrompt {
                want: String::from_utf8_lossy(suffix).into_owned(),
                limit,
                said: String::from_utf8_lossy(&out).into_owned(),
            });
        }
        m.run(slice)?;
        out.extend(m.take_output());
    }
    Ok(out)
}

/// An engine ROM running on an emulated RC2014, typed to over its UART at the line rate.
pub struct Session {
    pub m: boards::machines::rc2014::Rc2014,
    con_out: Option<u16>,
}

impl Session {
    /// A session on a board already running an engine at its prompt (e.g. one chosen from the
    /// start-up menu of an image with several models); `con_out` as for [`Session::boot`].
    pub fn on(m: boards::machines::rc2014::Rc2014, con_out: Option<u16>) -> Session {
        Session { m, con_out }
    }

    /// Powers up `desc` with `rom` (the `.bin`) and runs to the engine's first prompt (through
    /// the resident loader's key window on the 512K board). `con_out` is the engine's console
    /// output routine (its symbol), for [`Reply::uart_busy`]. Returns the session and the
    /// banner.
    pub fn boot(
        desc: &BoardDesc,
        rom: &[u8],
        con_out: Option<u16>,
    ) -> Result<(Session, Vec<u8>), SessionError> {
        let m = boards::machines::rc2014::Rc2014::new(desc, rom)?;
        let mut s = Session { m, con_out };
        let out = run_until(&mut s.m, b"> ", EXCHANGE_LIMIT)?;
        Ok((s, out))
    }

    /// Sends `line` and a CR, and runs one instruction at a time until the engine has read
    /// the whole line and printed its next prompt (CR LF "> "), timing every output byte.
    /// `at(cycles, bus)` is called each time the PC reaches `watch` (e.g. the engine's
    /// acc_ready hook).
    pub fn ask(
        &mut self,
        line: &[u8],
        watch: Option<u16>,
        mut at: impl FnMut(u64, &mut boards::machines::rc2014::Rc2014Bus),
    ) -> Result<Reply, SessionError> {
        let mut keys = line.to_vec();
        keys.push(b'\r');
        let m = &mut self.m;
        let _ = m.take_output();
        m.send(&keys);
        let sent = m.cpu.cycles;
        let limit = sent + EXCHANGE_LIMIT;
        let wait = self.con_out.map(|a| a.wrapping_add(1));
        let (mut output, mut times, mut uart_busy) = (Vec::new(), Vec::new(), Vec::new());
        // The current con_out call: when it was entered and its first and last status polls.
        let mut call: Option<(u64, Option<(u64, u64)>)> = None;
        let flush = |call: &mut Option<(u64, Option<(u64, u64)>)>, v: &mut Vec<(u64, u64)>| {
            if let Some((t, polls)) = call.take() {
                v.push((t, polls.map_or(0, |(a, b)| b - a)));
            }
        };
        let mut start = None;
        loop {
            let t = m.cpu.cycles;
            let pc = m.cpu.pc;
            if Some(pc) == self.con_out {
                flush(&mut call, &mut uart_busy);
                call = Some((t, None));
            } else if Some(pc) == wait {
                // Each pass of the wait loop starts with the status read: the time from the
                // first to the last read of one call is time spent on a busy transmitter.
                if let Some((_, polls)) = &mut call {
                    *polls = Some(polls.map_or((t, t), |(a, _)| (a, t)));
                }
            }
            m.run(1)?;
            for b in m.take_output() {
                output.push(b);
                times.push(t);
            }
            if start.is_none() && m.pending_input() == 0 {
                start = Some(t);
            }
            if watch == Some(m.cpu.pc) {
                at(m.cpu.cycles, &mut m.bus);
            }
            if let Some(start) = start {
                if output.ends_with(b"\r\n> ") {
                    flush(&mut call, &mut uart_busy);
                    return Ok(Reply {
                        end: *times.last().unwrap_or(&t),
                        output,
                        times,
                        sent,
                        start,
                        uart_busy,
                    });
                }
            }
            if m.cpu.cycles >= limit {
                return Err(SessionError::NoPrompt {
                    want: "\r\n> ".into(),
                    limit: EXCHANGE_LIMIT,
                    said: String::from_utf8_lossy(&output).into_owned(),
                });
            }
        }
    }
}

/// Why a file is not a 512K board image.
#[derive(Debug, Error)]
pub enum ImageFileError {
    #[error("Intel HEX: {0}")]
    Hex(String),
    #[error("an upload whose header does not match its image (length or CRC-32): rebuild it")]
    BadUpload,
    #[error("{len} bytes is neither a 512K flash image nor an application of at most {max} bytes (see kicad-notes/troubleshooting.md#image-too-large)")]
    TooLarge { len: usize, max: usize },
    #[error(
        "an empty file: nothing to flash (`z80lm build --target rc2014-512k` writes the image)"
    )]
    Empty,
    #[error("{0}, not a file `z80lm build` writes for rc2014-512k (its .bin, .hex or .upl); --raw sends it as an application anyway")]
    NotAnImage(String),
    #[error("a 512K flash image without a valid stored application (erased or cut short?): rebuild it with `z80lm build --target rc2014-512k`")]
    NoApplication,
}

/// True when `bytes` start with a Game Boy cartridge header (the logo's first bytes at 0x104).
pub fn is_game_boy_cartridge(bytes: &[u8]) -> bool {
    bytes.len() >= 0x150 && bytes[0x104..0x108] == [0xCE, 0xED, 0x66, 0x66]
}

/// What a file that is no 512K build output looks like, for the error that refuses it.
pub fn looks_like(bytes: &[u8]) -> String {
    const FLASH: usize = 0x8_0000;
    let printable = |b: &u8| b.is_ascii_graphic() || b" \t\r\n".contains(b);
    let loader = z80rom::loader::build().unwrap_or_default();
    let head = bytes.len().min(256);
    if bytes.is_empty() {
        "an empty file".into()
    } else if head >= 16 && bytes.len() < FLASH && loader.get(..head) == Some(&bytes[..head]) {
        format!(
            "the first {} bytes of a 512K flash image (a whole one is {FLASH}: cut short?)",
            bytes.len()
        )
    } else if is_game_boy_cartridge(bytes) {
        "a Game Boy cartridge".into()
    } else if bytes.starts_with(b"PK\x03\x04") {
        "a zip archive (a model? `z80lm build --target rc2014-512k` makes the image)".into()
    } else if boards::devices::tape::parse_tap(bytes).is_ok_and(|b| b[0].len() == 19) {
        "a ZX Spectrum tape".into()
    } else if bytes.iter().all(printable) {
        format!("{} bytes of text", bytes.len())
    } else {
        format!("{} bytes of binary data", bytes.len())
    }
}

/// The 512K flash contents a file from `z80lm build` stands for: the flash itself (`.bin`), its
/// Intel HEX (`.hex`) or the loader upload (`.upl`), or with `raw` any file as a bare
/// application; the last two stored behind `loader` as the loader would store them. Without
/// `raw` anything else is refused saying what it looks like.
pub fn flash_from_file(bytes: &[u8], loader: &[u8], raw: bool) -> Result<Vec<u8>, ImageFileError> {
    use z80rom::loader::{flash_image, uploaded_image, MAGIC, MAX_IMAGE};
    const FLASH: usize = 0x8_0000;
    if bytes.is_empty() {
        return Err(ImageFileError::Empty);
    }
    if bytes.first() == Some(&b':') {
        let text = std::str::from_utf8(bytes)
            .map_err(|_| ImageFileError::Hex("the file is not text".into()))?;
        return from_intel_hex(text, FLASH).map_err(ImageFileError::Hex);
    }
    // A 512K Game Boy cartridge has the flash's size too: its header says what it is.
    if bytes.len() == FLASH && (raw || !is_game_boy_cartridge(bytes)) {
        return Ok(bytes.to_vec());
    }
    if let Some(app) = uploaded_image(bytes) {
        return Ok(flash_image(loader, Some(app)));
    }
    if bytes.starts_with(MAGIC) {
        return Err(ImageFileError::BadUpload);
    }
    if !raw {
        return Err(ImageFileError::NotAnImage(looks_like(bytes)));
    }
    if bytes.len() > MAX_IMAGE {
        return Err(ImageFileError::TooLarge {
            len: bytes.len(),
            max: MAX_IMAGE,
        });
    }
    Ok(flash_image(loader, Some(bytes)))
}

/// A ROM image of `size` bytes from Intel HEX text (as [`intel_hex`] writes it, or any writer
/// using data, end-of-file and extended linear/segment address records); bytes no record names
/// are 0xFF. Errors name the record.
pub fn from_intel_hex(text: &str, size: usize) -> Result<Vec<u8>, String> {
    use ihex::Record;
    let mut rom = vec![0xFF; size];
    let mut base = 0usize;
    for (n, rec) in ihex::Reader::new(text).enumerate() {
        match rec.map_err(|e| format!("record {}: {e}", n + 1))? {
            Record::Data { offset, value } => {
                let at = base + usize::from(offset);
                let end = at + value.len();
                let dst = rom.get_mut(at..end).ok_or_else(|| {
                    format!(
                        "record {}: data at {at:#x}-{:#x} lies past the {size}-byte ROM",
                        n + 1,
                        end - 1
                    )
                })?;
                dst.copy_from_slice(&value);
            }
            Record::ExtendedLinearAddress(upper) => base = usize::from(upper) << 16,
            Record::ExtendedSegmentAddress(seg) => base = usize::from(seg) << 4,
            Record::EndOfFile => return Ok(rom),
            _ => {}
        }
    }
    Err("the Intel HEX ends without its end-of-file record".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_layers_share_pages_and_none_leaves_its_window() {
        // guess's layers (lists): 8,362 + 7,138 + 3,596 + 556 bytes fit pages 2-3.
        assert_eq!(
            shared_pages(&[8362, 7138, 3596, 556], 2),
            vec![(2, 1, 0), (2, 1, 8362), (2, 2, 15500), (3, 1, 2712)]
        );
        // The second layer fits the window from page 6 (3,616 + 20,000 bytes); the third, a
        // whole window, would run past the two pages mapped from page 7 and starts page 8.
        assert_eq!(
            shared_pages(&[20_000, 20_000, 32_768, 1], 5),
            vec![(5, 2, 0), (6, 2, 3616), (8, 2, 0), (10, 1, 0)]
        );
        for (page, pages, offset) in shared_pages(&[16_000, 16_385, 100, 32_000, 7], 1) {
            assert!(
                page >= 1 && offset < PAGE && pages <= 2,
                "{page} {pages} {offset}"
            );
        }
    }

    #[test]
    fn intel_hex_reads_back_as_written() {
        let mut rom = vec![0xFF; 0x2_0000];
        rom[5] = 1;
        rom[0x1_7FFF] = 2;
        let hex = intel_hex(&rom).unwrap();
        assert_eq!(from_intel_hex(&hex, rom.len()).unwrap(), rom);
        assert!(from_intel_hex(&hex, 0x1_0000)
            .unwrap_err()
            .contains("past the"));
        let cut = &hex[..hex.len() - 12];
        assert!(from_intel_hex(cut, rom.len()).is_err());
    }

    #[test]
    fn intel_hex_has_extended_addresses_and_skips_erased_rows() {
        let mut rom = vec![0xFF; 0x2_0000];
        rom[0] = 0xF3;
        rom[0x1_0040] = 0xAA;
        let hex = intel_hex(&rom).unwrap();
        let lines: Vec<&str> = hex.lines().collect();
        assert_eq!(lines.len(), 4, "{hex}");
        assert!(lines[0].starts_with(":20000000F3FF"));
        assert_eq!(lines[1], ":020000040001F9");
        assert!(lines[2].starts_with(":20004000AA"));
        assert_eq!(lines[3], ":00000001FF");
    }
}
