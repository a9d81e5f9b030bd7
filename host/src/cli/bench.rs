//! `z80lm bench`: T-states per generated character of our engine on an emulated machine (exact
//! Z80 timings), per model over the public vector prompts, per layer, with image sizes (the
//! library's [`crate::bench`]):
//! * `--target cpm`: the CP/M engine on the emulated CP/M machine, and upstream GUESS.COM on a
//!   fixed subset of the same prompts, with the ratio;
//! * `--target rc2014`: the ROM image on the emulated RC2014 (512K or Classic), typed to over
//!   its UART at the line rate, with the same measurements and the wall time at its clock;
//! * `--target gb`: T-states per inference step on the emulated Game Boy; `gbc` the Game Boy
//!   Color build on the emulated CGB in double speed;
//! * `--target zx48`: the tape on the emulated ZX Spectrum 48K (memory contention emulated), each
//!   prompt typed on its keyboard, measured as on CP/M; `--target zx128` the same on the
//!   emulated 128K.

use std::path::PathBuf;

use anyhow::Result;
use boards::desc::BoardDesc;

use super::args::{machine, only_for, supported, Machine, RC2014};
use super::{warn_model, Failed, EXIT_FAILED};
use crate::bench::{self, render, upstream_com, Case, Report};
use crate::engine::Layout;

/// Benchmark the engine on an emulated machine (exact T-states, not wall time); on CP/M
/// against upstream GUESS.COM.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The machine [default: cpm]: cpm (emulated CP/M 2.2, with GUESS.COM alongside), rc2014 or
    /// rc2014-512k, rc2014-classic (the ROM image on the emulated board, typed to over its
    /// UART), gb (emulated DMG), gbc (the Game Boy Color build on the emulated CGB in double
    /// speed, T-states at 8.39 MHz), zx48 (the tape on the emulated ZX Spectrum 48K with memory
    /// contention, typed on its keyboard; needs the 48K ROM, see `emu`) or zx128 (the same on
    /// the emulated 128K, with its two ROMs).
    #[arg(long, value_enum, hide_possible_values = true)]
    pub target: Option<Machine>,
    /// The board, by the same names (e.g. --target rc2014 --board rc2014-classic).
    #[arg(long, value_enum, hide_possible_values = true)]
    pub board: Option<Machine>,
    /// Shared data directory with data/<model>/model.npz, vectors/<model>.tsv and
    /// data/guess/GUESS.COM.
    #[arg(long, default_value = "../shared")]
    pub shared: PathBuf,
    /// Models to run (names under data/), checked against the responses in their vectors.
    #[arg(long, value_delimiter = ',', default_value = "guess,tinychat")]
    pub models: Vec<String>,
    /// Model files to run instead of --models (named after their directory for model.npz,
    /// else after the file); their responses are checked against the host reference engine.
    #[arg(long = "model", value_name = "NPZ", value_delimiter = ',')]
    pub model_files: Vec<PathBuf>,
    /// Prompts for --model files: the prompt column of this vectors file (default:
    /// vectors/<name>.tsv under --shared).
    #[arg(long, value_name = "TSV")]
    pub prompts: Option<PathBuf>,
    /// Weight layout for our engine (auto, lists, packed, gaps or per layer; not gb) [default: auto].
    #[arg(long)]
    pub layout: Option<Layout>,
    /// Prompts of the guess vectors that GUESS.COM runs (it spends ~40 M T-states per char;
    /// cpm only) [default: 3].
    #[arg(long)]
    pub upstream_prompts: Option<usize>,
    /// rc2014-512k, gb, gbc: build every model into one image behind the start-up menu (as
    /// `build --model A --model B ...` does) and measure each chosen from the menu (rows "NAME
    /// (menu N)"), to compare with the one-model images.
    #[arg(long)]
    pub menu: bool,
    /// Write the results as JSON to this file ("-" for stdout instead of the table).
    #[arg(long)]
    pub json: Option<PathBuf>,
}

/// `--target gb|gbc`: T-states per inference step on the emulated Game Boy (gb's bench), or of
/// the Game Boy Color build on the emulated CGB in double speed.
fn run_gb(cases: &[Case], color: bool, menu: bool) -> Result<()> {
    let prompts: Vec<Vec<Vec<u8>>> = cases
        .iter()
        .map(|c| c.vectors.iter().map(|v| v.0.clone()).collect())
        .collect();
    let (names, results): (Vec<String>, Vec<bench::gb::GbBench>) = if menu {
        let named: Vec<(String, &crate::model::Model)> =
            cases.iter().map(|c| (c.name.clone(), &c.model)).collect();
        let r = bench::gb::bench_menu(&named, &prompts, color)?;
        let names = cases
            .iter()
            .enumerate()
            .map(|(k, c)| format!("{} (menu {})", c.name, k + 1))
            .collect();
        (names, r)
    } else {
        let mut r = Vec::new();
        for (c, p) in cases.iter().zip(&prompts) {
            r.push(bench::gb::bench_on(&c.model, p, color)?);
        }
        (cases.iter().map(|c| c.name.clone()).collect(), r)
    };
    for (name, b) in names.iter().zip(&results) {
        outln!(
            "{:<9} {:<3} {} prompts, {} steps, {} T-states per step at {:.2} MHz ({:.3} s), engine {}",
            name,
            if color { "gbc" } else { "gb" },
            b.prompts,
            b.steps,
            b.per_step(),
            b.clock_hz as f64 / 1e6,
            b.seconds_per_step(),
            b.engine_per_step()
        );
    }
    Ok(())
}

pub fn run(args: Args) -> Result<()> {
    let m = machine(args.target, args.board, Some(Machine::Cpm))?;
    supported(
        "bench",
        m,
        &[
            Machine::Cpm,
            Machine::Rc512k,
            Machine::RcClassic,
            Machine::Gb,
            Machine::Gbc,
            Machine::Zx48,
            Machine::Zx128,
            Machine::Msx,
        ],
    )?;
    only_for(args.board.is_some(), "--board", m, RC2014)?;
    only_for(
        args.layout.is_some(),
        "--layout",
        m,
        &[
            Machine::Cpm,
            Machine::Rc512k,
            Machine::RcClassic,
            Machine::Zx48,
            Machine::Zx128,
            Machine::Msx,
        ],
    )?;
    only_for(
        args.upstream_prompts.is_some(),
        "--upstream-prompts",
        m,
        &[Machine::Cpm],
    )?;
    only_for(
        args.menu,
        "--menu",
        m,
        &[Machine::Rc512k, Machine::Gb, Machine::Gbc],
    )?;
    let board: Option<BoardDesc> = if m.is_rc2014() { Some(m.desc()?) } else { None };
    let layout = args.layout.clone().unwrap_or_default();
    if args.model_files.is_empty() && !args.shared.is_dir() {
        anyhow::bail!(
            "{}: no such directory; bench runs the upstream models and checks them against the \
             public vectors, both from the shared data directory (data/<model>/model.npz, \
             vectors/<model>.tsv): give --shared DIR, or your own --model FILE.npz with \
             --prompts FILE.tsv",
            args.shared.display()
        );
    }
    let cases = if args.model_files.is_empty() {
        bench::shared_cases(&args.shared, &args.models)?
    } else {
        bench::file_cases(&args.model_files, args.prompts.as_deref(), &args.shared)?
    };
    for c in &cases {
        warn_model(&c.path, &c.model);
    }
    if matches!(m, Machine::Gb | Machine::Gbc) {
        return run_gb(&cases, m == Machine::Gbc, args.menu);
    }
    let models = if let (true, Some(desc)) = (args.menu, &board) {
        bench::rc2014_menu(&cases, desc, &layout)?
    } else {
        let mut models = Vec::new();
        for c in &cases {
            models.push(match &board {
                Some(desc) => bench::rc2014(c, desc, &layout)?,
                None if m == Machine::Zx48 => bench::zx48::bench(c, &layout)?,
                None if m == Machine::Zx128 => bench::zx48::bench_128(c, &layout)?,
                None if m == Machine::Msx => bench::msx::bench(c, &layout)?,
                None => bench::cpm(c, &layout)?,
            });
        }
        models
    };
    let n_upstream = args.upstream_prompts.unwrap_or(3);
    let upstream = if n_upstream > 0 && m == Machine::Cpm {
        let u = bench::upstream(&args.shared, n_upstream)?;
        if u.is_none() {
            eprintln!(
                "skipping upstream: {} not found",
                upstream_com(&args.shared).display()
            );
        }
        u
    } else {
        None
    };
    // Only against the upstream guess model (not a --model file that happens to be called so).
    let ratio = upstream.as_ref().and_then(|u| {
        models
            .iter()
            .find(|m| m.model == "guess" && args.model_files.is_empty())
            .map(|m| u.t_per_char.mean / m.t_per_char.mean.max(1.0))
    });
    let report = Report {
        models,
        upstream,
        ratio,
    };
    match &args.json {
        Some(p) if p.as_os_str() == "-" => outln!("{}", serde_json::to_string_pretty(&report)?),
        Some(p) => {
            std::fs::write(p, serde_json::to_string_pretty(&report)?)?;
            out!("{}", render(&report));
        }
        None => out!("{}", render(&report)),
    }
    if report.models.iter().any(|m| m.mismatches > 0) {
        return Err(Failed(
            EXIT_FAILED,
            if args.model_files.is_empty() {
                "some responses differ from the vectors"
            } else {
                "some responses differ from the host reference engine"
            }
            .into(),
        )
        .into());
    }
    Ok(())
}
