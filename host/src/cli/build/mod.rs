//! `z80lm build`: model → layout plan → generated assembly → image → container (the library's
//! [`crate::engine`]), writing the files and printing the plan (what was chosen and why) and
//! the memory map. One module per target.

mod cpm;
mod gb;
mod rc2014;
mod zx48;

use std::path::PathBuf;

use anyhow::Result;

use super::parse_addr;
use crate::engine::Layout;

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

/// `--emit` values every target takes.
const EMITS: [&str; 3] = ["plan", "asm", "map"];

/// Refuses an `--emit` value no target knows.
fn check_emit(emit: &[String]) -> Result<()> {
    for e in emit {
        if !EMITS.contains(&e.as_str()) {
            anyhow::bail!("unknown --emit {e:?}; use plan, asm or map");
        }
    }
    Ok(())
}

/// Prints `text` (the plan or the map) to stdout when `--emit` asked for `what`, else to
/// stderr.
fn show(emit: &[String], what: &str, text: &str) {
    if emit.iter().any(|e| e == what) {
        print!("{text}");
    } else {
        eprint!("{text}");
    }
}

pub fn run(args: Args) -> Result<()> {
    if args.target == "zx48" {
        if args.tpa_top.is_some() {
            anyhow::bail!("--tpa-top is for --target cpm");
        }
        let out = args.output.as_deref();
        return zx48::run(&args.model, out, &args.layout, &args.emit, args.wav);
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
        return rc2014::run(
            &args.model,
            &args.board,
            args.output.as_deref(),
            &args.layout,
            &args.emit,
        );
    }
    if args.target == "gb" {
        return gb::run(&args.model, args.output.as_deref(), &args.emit);
    }
    if args.target != "cpm" {
        anyhow::bail!(
            "unknown target {:?}; supported: cpm, rc2014, gb, zx48",
            args.target
        );
    }
    cpm::run(
        &args.model,
        args.output.as_deref(),
        &args.layout,
        args.tpa_top,
        &args.emit,
    )
}
