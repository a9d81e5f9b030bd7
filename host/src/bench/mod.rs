//! Benchmarks on emulated machines: T-states per generated character of our engine (exact
//! emulator timings, not wall time), per model over a vectors file's prompts, per layer, with
//! image sizes; upstream GUESS.COM on CP/M for comparison ([`upstream`]); the Game Boy's
//! T-states per step ([`gb`]). `z80lm bench` prints [`render`] of a [`Report`].

pub mod gb;
// Through the MSX emulator session (`emu`), which WebAssembly builds leave out.
#[cfg(not(target_family = "wasm"))]
pub mod msx;
pub mod zx48;

use std::path::{Path, PathBuf};

use boards::cpu::z80::Bus;
use boards::desc::BoardDesc;
use boards::machines::cpm::{CpmConfig, CpmError};
use serde::Serialize;

use crate::engine::targets::cpm::{com_bytes, Session};
use crate::engine::targets::{self, rc2014};
use crate::engine::{BuildError, Layout};
use crate::model::{infer, load_file, LoadError, Model};

/// A prompt and the response it must give.
pub type Vector = (Vec<u8>, Vec<u8>);

/// Why a benchmark could not run.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error("cannot read {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("{}: no prompts for {name}: {} not found; give --prompts FILE.tsv", model.display(), tsv.display())]
    NoPrompts {
        model: PathBuf,
        name: String,
        tsv: PathBuf,
    },
    #[error(transparent)]
    Build(#[from] BuildError),
    #[error("{name}: cannot build for {board}")]
    Rc2014Build {
        name: String,
        board: String,
        #[source]
        source: Box<rc2014::Rc2014Error>,
    },
    #[error("image lacks {0}")]
    Symbol(&'static str),
    #[error(transparent)]
    Cpm(#[from] CpmError),
    #[error(transparent)]
    Rc2014(#[from] rc2014::SessionError),
    #[error(transparent)]
    Gb(#[from] crate::engine::targets::gameboy::GbError),
    #[error(transparent)]
    GbSession(#[from] crate::engine::targets::gameboy::session::SessionError),
    #[error("{name}: cannot build for zx48")]
    Zx48Build {
        name: String,
        #[source]
        source: Box<targets::zx48::Zx48Error>,
    },
    #[error("{name}: cannot build for zx128")]
    Zx128Build {
        name: String,
        #[source]
        source: Box<targets::zx128::Zx128Error>,
    },
    #[error(
        "no 48K ROM: set Z80LM_ZX48_ROM to a 16K ROM file, or `pip install skoolkit` (it ships 48.rom)"
    )]
    NoZxRom,
    #[error(
        "no 128K ROMs: set Z80LM_ZX128_ROMS to a directory holding 128-0.rom and 128-1.rom, or \
         `pip install skoolkit` (it ships both)"
    )]
    NoZx128Roms,
    #[error("{}", .0.display())]
    ZxRom(PathBuf, #[source] boards::machines::zx48::Zx48Error),
    #[error("the ZX Spectrum tape: {0}")]
    ZxTape(#[source] boards::devices::tape::TapeError),
    #[error("{0}: no answer on the emulated Spectrum to {1:?}")]
    ZxNoAnswer(String, String),
    #[error("{name}: cannot build for msx")]
    MsxBuild {
        name: String,
        #[source]
        source: Box<targets::msx::MsxError>,
    },
    #[cfg(not(target_family = "wasm"))]
    #[error(transparent)]
    Msx(#[from] crate::emu::msx::EmuError),
}

#[derive(Debug, Serialize, Default, Clone)]
pub struct Stat {
    pub mean: f64,
    pub min: u64,
    pub max: u64,
    pub n: usize,
}

impl Stat {
    pub fn of(v: &[u64]) -> Stat {
        if v.is_empty() {
            return Stat::default();
        }
        Stat {
            mean: v.iter().sum::<u64>() as f64 / v.len() as f64,
            min: *v.iter().min().unwrap_or(&0),
            max: *v.iter().max().unwrap_or(&0),
            n: v.len(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ModelResult {
    pub model: String,
    pub layout: String,
    pub image_bytes: usize,
    pub weight_bytes: usize,
    pub ram_bytes: u32,
    pub prompts: usize,
    pub chars: usize,
    /// T-states between consecutive response characters (one inference step each).
    pub t_per_char: Stat,
    /// T-states from the end of the typed line to the end of the response, per character.
    pub t_per_char_with_query: f64,
    /// Mean T-states per step spent up to each layer's sums (index 0: the query half of
    /// layer 1, once per prompt; 1: context encoding + layer 1; 2..: ReLU + layer k).
    pub t_per_layer: Vec<f64>,
    pub mismatches: usize,
    /// A board with a clock and a UART (rc2014): wall time and what the UART adds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub board: Option<BoardTiming>,
}

/// Wall time at the board's clock, and the UART's share, for a ROM board.
#[derive(Debug, Serialize, Clone)]
pub struct BoardTiming {
    pub board: String,
    pub clock_hz: u32,
    /// T-states one byte takes on the serial line (10 bits at the line rate).
    pub uart_t_per_byte: u64,
    /// `t_per_char.mean` in milliseconds at `clock_hz`.
    pub ms_per_char: f64,
    /// `t_per_char_with_query` in milliseconds at `clock_hz`.
    pub ms_per_char_with_query: f64,
    /// T-states con_out spent polling a transmitter still busy with the previous byte, per
    /// interval of `t_per_char` (included in it).
    pub uart_wait_t_per_char: f64,
    /// The same over whole exchanges, per prompt (included in `t_per_char_with_query`: the
    /// echo's CR LF and the CR LF "> " after the response go out back to back).
    pub uart_wait_t_per_prompt: f64,
}

#[derive(Debug, Serialize)]
pub struct Upstream {
    pub com: String,
    pub bytes: usize,
    pub prompts: Vec<String>,
    pub t_per_char: Stat,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub models: Vec<ModelResult>,
    pub upstream: Option<Upstream>,
    /// GUESS.COM mean / our guess mean.
    pub ratio: Option<f64>,
}

/// `(prompt, response)` pairs of a vectors file (`#` lines are comments).
pub fn vectors(path: &Path) -> Result<Vec<Vector>, BenchError> {
    let text = std::fs::read(path).map_err(|source| BenchError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(text
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty() && l[0] != b'#')
        .filter_map(|l| {
            l.iter()
                .position(|&b| b == b'\t')
                .map(|t| (l[..t].to_vec(), l[t + 1..].to_vec()))
        })
        .collect())
}

/// One model to run, with its prompts and the responses they must give.
#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    /// The file the model came from.
    pub path: PathBuf,
    pub model: Model,
    pub vectors: Vec<Vector>,
}

/// The prompts every target runs: the cpm bench's selection (no empty line, no `!` command).
fn benched(vectors: &[Vector]) -> impl Iterator<Item = &Vector> {
    vectors
        .iter()
        .filter(|(p, _)| !p.is_empty() && p[0] != b'!')
}

/// The name a model file is shown under: its directory for `.../NAME/model.npz`, else its stem.
pub fn model_name(path: &Path) -> String {
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned());
    match (stem.as_deref(), path.parent().and_then(Path::file_name)) {
        (Some("model"), Some(dir)) => dir.to_string_lossy().into_owned(),
        (Some(s), _) => s.to_string(),
        (None, _) => path.display().to_string(),
    }
}

/// The upstream models `names` under `shared` (`data/<name>/model.npz`), each with the
/// responses of `vectors/<name>.tsv`.
pub fn shared_cases(shared: &Path, names: &[String]) -> Result<Vec<Case>, BenchError> {
    let mut out = Vec::new();
    for name in names {
        let path = shared.join("data").join(name).join("model.npz");
        let model = load_file(&path)?;
        let vectors = vectors(&shared.join("vectors").join(format!("{name}.tsv")))?;
        out.push(Case {
            name: name.clone(),
            path,
            model,
            vectors,
        });
    }
    Ok(out)
}

/// Model files, each with the prompts of `prompts` (default: `vectors/<name>.tsv` under
/// `shared`) and the responses the host reference engine gives them.
pub fn file_cases(
    files: &[PathBuf],
    prompts: Option<&Path>,
    shared: &Path,
) -> Result<Vec<Case>, BenchError> {
    let mut out = Vec::new();
    for path in files {
        let name = model_name(path);
        let model = load_file(path)?;
        let tsv = prompts.map_or_else(
            || shared.join("vectors").join(format!("{name}.tsv")),
            Path::to_path_buf,
        );
        if !tsv.exists() {
            return Err(BenchError::NoPrompts {
                model: path.clone(),
                name,
                tsv,
            });
        }
        let vectors = vectors(&tsv)?
            .into_iter()
            .map(|(p, _)| {
                let want = infer::respond(&model, &p);
                (p, want)
            })
            .collect();
        out.push(Case {
            name,
            path: path.clone(),
            model,
            vectors,
        });
    }
    Ok(out)
}

/// Our CP/M engine of `case` on the emulated CP/M machine: T-states per generated character
/// and per layer, over the case's prompts.
pub fn cpm(case: &Case, layout: &Layout) -> Result<ModelResult, BenchError> {
    let model = &case.model;
    let built = targets::cpm::build(model, layout, None)?;
    let com = com_bytes(&built.image);
    let hook = built
        .image
        .symbol("acc_ready")
        .ok_or(BenchError::Symbol("acc_ready"))?;
    let cur = usize::from(
        built
            .image
            .symbol("cur_layer")
            .ok_or(BenchError::Symbol("cur_layer"))?,
    );
    let (mut s, _) = Session::boot(&com, b"", CpmConfig::default())?;
    let nl = model.layers.len();
    let (mut steps, mut layer_t) = (0usize, vec![0u64; nl + 1]);
    let (mut intervals, mut chars, mut busy, mut bad, mut prompts) = (Vec::new(), 0, 0, 0, 0);
    for (p, want) in benched(&case.vectors) {
        prompts += 1;
        let mut keys = p.clone();
        keys.push(b'\r');
        let mut last = Some(s.cpm.cpu.cycles);
        let r = s.send_watch(&keys, hook, |t, mem| {
            let k = usize::from(mem[cur]);
            if let Some(prev) = last {
                layer_t[k] += t - prev;
                if k == nl {
                    steps += 1;
                }
            }
            last = Some(t);
        })?;
        if r.response() != want.as_slice() {
            bad += 1;
        }
        chars += r.response().len();
        busy += r.end - r.start;
        intervals.extend(r.intervals());
    }
    let map = &built.image.map;
    Ok(ModelResult {
        model: case.name.clone(),
        layout: built.plan.name(),
        image_bytes: com.len(),
        weight_bytes: usize::from(map.weights.1 - map.weights.0),
        ram_bytes: map.ram.1 - map.ram.0,
        prompts,
        chars,
        t_per_char: Stat::of(&intervals),
        t_per_char_with_query: busy as f64 / chars.max(1) as f64,
        t_per_layer: per_layer(&layer_t, prompts, steps),
        mismatches: bad,
        board: None,
    })
}

/// Mean T-states per step up to each layer's sums (index 0 once per prompt).
fn per_layer(layer_t: &[u64], prompts: usize, steps: usize) -> Vec<f64> {
    layer_t
        .iter()
        .enumerate()
        .map(|(k, &t)| t as f64 / if k == 0 { prompts.max(1) } else { steps.max(1) } as f64)
        .collect()
}

/// The ROM image of `case` on the emulated RC2014 `desc`, measured as [`cpm`] does on CP/M. Time starts when the engine reads the line's CR from the UART (the line itself
/// arrives at the line rate before that, as typed) and ends when it writes the next prompt.
pub fn rc2014(case: &Case, desc: &BoardDesc, layout: &Layout) -> Result<ModelResult, BenchError> {
    let model = &case.model;
    let rom = rc2014::build(model, desc, layout).map_err(|e| BenchError::Rc2014Build {
        name: case.name.clone(),
        board: desc.name.clone(),
        source: Box::new(e),
    })?;
    let (s, _) = rc2014::Session::boot(desc, &rom.rom, rom.built.image.symbol("con_out"))?;
    rc2014_measure(case, desc, &rom, s)
}

/// Several models in one rc2014-512k image behind its start-up menu (`build --model A --model
/// B ...`): each chosen from the menu on a freshly powered board and measured as [`rc2014`]
/// measures a one-model image. The rows are named `NAME (menu N)`.
pub fn rc2014_menu(
    cases: &[Case],
    desc: &BoardDesc,
    layout: &Layout,
) -> Result<Vec<ModelResult>, BenchError> {
    let named: Vec<(String, Model)> = cases
        .iter()
        .map(|c| (c.name.clone(), c.model.clone()))
        .collect();
    let menu = rc2014::build_menu(&named, desc, layout).map_err(|e| BenchError::Rc2014Build {
        name: format!("{} models", cases.len()),
        board: desc.name.clone(),
        source: Box::new(e),
    })?;
    let mut out = Vec::new();
    for (i, (case, m)) in cases.iter().zip(&menu.models).enumerate() {
        let mut board = boards::machines::rc2014::Rc2014::new(desc, &menu.rom)
            .map_err(rc2014::SessionError::from)?;
        rc2014::run_until(&mut board, menu.listing.as_bytes(), rc2014::EXCHANGE_LIMIT)?;
        board.send(format!("{}\r", i + 1).as_bytes());
        rc2014::run_until(&mut board, b"> ", rc2014::EXCHANGE_LIMIT)?;
        let s = rc2014::Session::on(board, m.build.built.image.symbol("con_out"));
        let mut r = rc2014_measure(case, desc, &m.build, s)?;
        r.model = format!("{} (menu {})", case.name, i + 1);
        out.push(r);
    }
    Ok(out)
}

/// Measures the engine of `rom` running in `s` (at its prompt) over `case`'s prompts.
fn rc2014_measure(
    case: &Case,
    desc: &BoardDesc,
    rom: &rc2014::RomBuild,
    mut s: rc2014::Session,
) -> Result<ModelResult, BenchError> {
    let model = &case.model;
    let image = &rom.built.image;
    let hook = image
        .symbol("acc_ready")
        .ok_or(BenchError::Symbol("acc_ready"))?;
    let cur = image
        .symbol("cur_layer")
        .ok_or(BenchError::Symbol("cur_layer"))?;
    let nl = model.layers.len();
    let (mut steps, mut layer_t) = (0usize, vec![0u64; nl + 1]);
    let (mut intervals, mut chars, mut busy, mut bad, mut prompts) = (Vec::new(), 0, 0, 0, 0);
    let (mut wait_char, mut wait_all) = (0u64, 0u64);
    for (p, want) in benched(&case.vectors) {
        prompts += 1;
        let mut hits = Vec::new();
        let r = s.ask(p, Some(hook), |t, bus| hits.push((t, bus.read(cur))))?;
        let mut last = r.start;
        for (t, k) in hits {
            let k = usize::from(k);
            layer_t[k] += t.saturating_sub(last);
            if k == nl {
                steps += 1;
            }
            last = t;
        }
        if r.response() != want.as_slice() {
            bad += 1;
        }
        chars += r.response().len();
        busy += r.end - r.start;
        intervals.extend(r.intervals());
        let (a, b) = r.response_span();
        if b > a + 1 {
            wait_char += r.uart_busy_in(r.times[a] + 1, r.times[b - 1]);
        }
        wait_all += r.uart_busy_in(r.start, r.end);
    }
    let map = &image.map;
    let weight_bytes = if rom.pages.is_empty() {
        usize::from(map.weights.1 - map.weights.0)
    } else {
        rom.pages.iter().map(|p| p.bytes).sum()
    };
    let t_per_char = Stat::of(&intervals);
    let t_per_char_with_query = busy as f64 / chars.max(1) as f64;
    let ms = |t: f64| t * 1000.0 / f64::from(desc.clock_hz);
    let board = BoardTiming {
        board: desc.name.clone(),
        clock_hz: desc.clock_hz,
        uart_t_per_byte: s.m.cycles_per_char(),
        ms_per_char: ms(t_per_char.mean),
        ms_per_char_with_query: ms(t_per_char_with_query),
        uart_wait_t_per_char: wait_char as f64 / intervals.len().max(1) as f64,
        uart_wait_t_per_prompt: wait_all as f64 / prompts.max(1) as f64,
    };
    Ok(ModelResult {
        model: case.name.clone(),
        layout: rom.built.plan.name(),
        image_bytes: rom.app.len(),
        weight_bytes,
        ram_bytes: map.ram.1 - map.ram.0,
        prompts,
        chars,
        t_per_char,
        t_per_char_with_query,
        t_per_layer: per_layer(&layer_t, prompts, steps),
        mismatches: bad,
        board: Some(board),
    })
}

/// Where upstream GUESS.COM is under `shared`.
pub fn upstream_com(shared: &Path) -> PathBuf {
    shared.join("data/guess/GUESS.COM")
}

/// Upstream GUESS.COM ([`upstream_com`]) on the emulated CP/M machine over the first `n` short
/// prompts of the guess vectors; `None` when it is not there.
pub fn upstream(shared: &Path, n: usize) -> Result<Option<Upstream>, BenchError> {
    let path = upstream_com(shared);
    let Ok(com) = std::fs::read(&path) else {
        return Ok(None);
    };
    let vecs = vectors(&shared.join("vectors/guess.tsv"))?;
    let prompts: Vec<Vec<u8>> = vecs
        .into_iter()
        .map(|v| v.0)
        .filter(|p| !p.is_empty() && p.len() < 60)
        .take(n)
        .collect();
    let (mut s, _) = Session::boot(&com, b"", CpmConfig::default())?;
    let mut iv = Vec::new();
    for p in &prompts {
        let mut keys = p.clone();
        keys.push(b'\r');
        iv.extend(s.send(&keys)?.intervals());
    }
    Ok(Some(Upstream {
        com: path.display().to_string(),
        bytes: com.len(),
        prompts: prompts
            .iter()
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .collect(),
        t_per_char: Stat::of(&iv),
    }))
}

/// The table `bench` prints.
pub fn render(r: &Report) -> String {
    let w = r.models.iter().map(|m| m.model.len()).fold(9, usize::max);
    let timed: Vec<(&str, &BoardTiming)> = r
        .models
        .iter()
        .filter_map(|m| m.board.as_ref().map(|b| (m.model.as_str(), b)))
        .collect();
    let mut s = String::new();
    if let Some((_, b)) = timed.first() {
        s += &format!(
            "{}: Z80 at {} Hz, {} T-states per byte on the console UART; exact T-states on the emulated board\n\n",
            b.board, b.clock_hz, b.uart_t_per_byte
        );
    }
    s += &format!(
        "{:<w$} layout  image  weights  prompts chars   T/char mean      min      max  T/char incl. query{}\n",
        "model",
        if timed.is_empty() {
            ""
        } else {
            "  ms/char  ms incl. query"
        }
    );
    for m in &r.models {
        s += &format!(
            "{:<w$} {:<7} {:>6} {:>8} {:>8} {:>5} {:>12.0} {:>8} {:>8} {:>19.0}{}{}\n",
            m.model,
            m.layout,
            m.image_bytes,
            m.weight_bytes,
            m.prompts,
            m.chars,
            m.t_per_char.mean,
            m.t_per_char.min,
            m.t_per_char.max,
            m.t_per_char_with_query,
            m.board.as_ref().map_or(String::new(), |b| format!(
                " {:>8.1} {:>15.1}",
                b.ms_per_char, b.ms_per_char_with_query
            )),
            if m.mismatches > 0 {
                format!("  ({} MISMATCHES)", m.mismatches)
            } else {
                String::new()
            }
        );
    }
    s += "\nT-states per step up to each layer's sums (q = query half of layer 1, once per prompt):\n";
    for m in &r.models {
        let parts: Vec<String> = m
            .t_per_layer
            .iter()
            .enumerate()
            .map(|(k, t)| {
                if k == 0 {
                    format!("q {t:.0}")
                } else {
                    format!("L{k} {t:.0}")
                }
            })
            .collect();
        s += &format!("  {:<w$} {}\n", m.model, parts.join("  "));
    }
    if let Some((_, b)) = timed.first() {
        s += &format!(
            "\nT/char: T-states between consecutive response bytes: one step (context encoding, all\n\
             layers, argmax) and con_out, which first waits for the UART's transmitter (a byte\n\
             takes {} T on the line). incl. query: from the engine reading the line's CR from the\n\
             UART to its writing the next prompt, per response character: the query half of layer\n\
             1, the final EOS step, the echo's CR LF and the CR LF \"> \" after the response. The\n\
             typed line reaches the board at the line rate before that (its keys are read and\n\
             echoed as they come) and is not counted. ms: wall time at {} Hz.\n",
            b.uart_t_per_byte, b.clock_hz
        );
        s += "Transmitter waits included above (T-states con_out polled a busy UART):\n";
        for (name, b) in &timed {
            s += &format!(
                "  {name:<w$} {:.0} per char, {:.0} per prompt\n",
                b.uart_wait_t_per_char, b.uart_wait_t_per_prompt
            );
        }
    }
    if let Some(u) = &r.upstream {
        s += &format!(
            "\nupstream GUESS.COM ({} bytes) on {} prompts ({}): {:.0} T/char mean (min {}, max {}, {} intervals)\n",
            u.bytes,
            u.prompts.len(),
            u.prompts.join(" | "),
            u.t_per_char.mean,
            u.t_per_char.min,
            u.t_per_char.max,
            u.t_per_char.n
        );
    }
    if let Some(x) = r.ratio {
        s += &format!("ratio GUESS.COM / our guess engine: {x:.1}x fewer T-states per char\n");
    }
    s
}
