//! `z80lm build`: model → layout plan → generated assembly → image → container, printing the
//! plan (what was chosen and why) and the memory map.

use std::path::PathBuf;

use anyhow::Result;

use super::info::load_model;
use crate::build::{self, targets, Built, Layout};
use crate::model::Model;

/// Build the inference engine for a target and write the image.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The model file (.npz).
    #[arg(long, short, env = "Z80LM_MODEL")]
    pub model: PathBuf,
    /// The target: cpm (a CP/M 2.2 .COM), rc2014 (a ROM image that boots with no CP/M, see
    /// --board), gb (a Game Boy MBC5 cartridge) or zx48 (a ZX Spectrum 48K .tap with an
    /// autostart BASIC loader).
    #[arg(long, short, default_value = "cpm")]
    pub target: String,
    /// rc2014: the board, rc2014-512k (512K flash behind our resident loader; weights paged in
    /// layer by layer) or rc2014-classic (32K ROM, 68B50 ACIA).
    #[arg(long, env = "Z80LM_BOARD", default_value = "rc2014-512k")]
    pub board: String,
    /// Output file (default: CHAT.COM for cpm, CHAT.bin for rc2014 (with CHAT.hex, and
    /// CHAT.upl for rc2014-512k), CHAT.gb for gb, CHAT.tap for zx48).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Weight layout: auto (fastest that fits), lists (fast), packed (compact), or one per
    /// layer, e.g. packed,lists,lists,lists.
    #[arg(long, default_value = "auto")]
    pub layout: Layout,
    /// CP/M: first address past the TPA (hex like 0xE400 or decimal).
    #[arg(long, value_parser = parse_addr)]
    pub tpa_top: Option<u32>,
    /// Print to stdout: plan (layout and why), asm (the generated source) or map (memory map).
    /// May repeat. Without it the plan and map go to stderr.
    #[arg(long)]
    pub emit: Vec<String>,
    /// zx48: also write the tape as a 44.1 kHz WAV for a real Spectrum's EAR socket (default
    /// path: the output with .wav).
    #[arg(long, num_args = 0..=1, value_name = "PATH")]
    pub wav: Option<Option<PathBuf>>,
}

/// Parses `0xE400`, `E400h` or `58368`.
pub fn parse_addr(s: &str) -> Result<u32, String> {
    let t = s.trim();
    let v = if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        u32::from_str_radix(h, 16)
    } else if let Some(h) = t.strip_suffix('h').or_else(|| t.strip_suffix('H')) {
        u32::from_str_radix(h, 16)
    } else {
        t.parse()
    };
    match v {
        Ok(v) if (0x200..=0x10000).contains(&v) => Ok(v),
        _ => Err(format!("{s:?} is not an address in 0x200..0x10000")),
    }
}

/// Builds a CP/M .COM of `model` (the path `run`, `bench` and the tests use).
pub fn build_cpm(model: &Model, layout: &Layout, tpa_top: Option<u32>) -> Result<Built> {
    let budget = targets::cpm::budget(tpa_top.unwrap_or(targets::cpm::TPA_TOP));
    Ok(build::build(
        model,
        &budget,
        layout,
        &targets::cpm::target_asm(),
    )?)
}

/// The plan report: chosen forms, why, per-layer bytes and estimated T-states.
pub fn plan_report(built: &Built) -> String {
    let p = &built.plan;
    let mut s = format!("layout: {}\n", p.name());
    for r in &p.reason {
        s += &format!("  {r}\n");
    }
    for (k, l) in p.layers.iter().enumerate() {
        s += &format!(
            "  layer {}: {:<6} {:>6} bytes  ~{:>7} T/step\n",
            k + 1,
            l.form.name(),
            l.weight_bytes,
            l.est_t
        );
    }
    s
}

pub fn run(args: Args) -> Result<()> {
    if args.target == "zx48" {
        if args.tpa_top.is_some() {
            anyhow::bail!("--tpa-top is for --target cpm");
        }
        let out = args.output.as_deref();
        return super::build_zx48::run(&args.model, out, &args.layout, &args.emit, args.wav);
    }
    if args.wav.is_some() {
        anyhow::bail!(
            "--wav is for --target zx48 (a tape); the {} target has none",
            args.target
        );
    }
    if args.target == "rc2014" {
        if args.tpa_top.is_some() {
            anyhow::bail!("--tpa-top is for --target cpm");
        }
        return super::build_rc2014::run(
            &args.model,
            &args.board,
            args.output.as_deref(),
            &args.layout,
            &args.emit,
        );
    }
    if args.target == "gb" {
        return super::build_gb::run(&args.model, args.output.as_deref(), &args.emit);
    }
    if args.target != "cpm" {
        anyhow::bail!(
            "unknown target {:?}; supported: cpm, rc2014, gb, zx48",
            args.target
        );
    }
    for e in &args.emit {
        if !["plan", "asm", "map"].contains(&e.as_str()) {
            anyhow::bail!("unknown --emit {e:?}; use plan, asm or map");
        }
    }
    let model = load_model(&args.model)?;
    let built = build_cpm(&model, &args.layout, args.tpa_top)?;
    if args.emit.iter().any(|e| e == "asm") {
        print!("{}", built.asm);
    }
    let out = args.output.unwrap_or_else(|| PathBuf::from("CHAT.COM"));
    let bytes = targets::cpm::com_bytes(&built.image);
    super::write_whole(&out, &bytes)?;
    // The plan and the map go to stderr, or to stdout when asked for with --emit.
    for (what, text) in [
        ("plan", plan_report(&built)),
        ("map", built.image.map.render()),
    ] {
        if args.emit.iter().any(|e| e == what) {
            print!("{text}");
        } else {
            eprint!("{text}");
        }
    }
    eprintln!("wrote {} ({} bytes)", out.display(), bytes.len());
    Ok(())
}
