//! The ZX Spectrum 128K branch of `z80lm build --target zx128`: write the tape (`.tap` or
//! `.tzx`, and with `--wav` the same tape as audio), and print the plan and the memory map with
//! each layer's bank.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::show;
use crate::cli::load_model;
use crate::engine::targets::zx128;
use crate::engine::Layout;
use crate::files::write_whole;

/// Default output file.
pub const DEFAULT_OUTPUT: &str = "CHAT.tap";
/// Output extensions, one per container.
pub const EXTENSIONS: [&str; 2] = ["tap", "tzx"];

/// `z80lm build --target zx128`: builds `model` and writes the tape `out`'s extension names;
/// `wav` also writes it as audio (default path: the output with `.wav`). `emit` may hold
/// `plan`, `asm` and `map`.
pub fn run(
    model: &Path,
    out: &Path,
    layout: &Layout,
    emit: &[String],
    wav_out: Option<Option<PathBuf>>,
) -> Result<()> {
    let ext = out
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let m = load_model(model)?;
    let zx = zx128::build(&m, layout)
        .with_context(|| format!("{}: cannot build a ZX Spectrum 128K tape", model.display()))?;
    if emit.iter().any(|e| e == "asm") {
        out!("{}", zx.built.asm);
    }
    let (bytes, what) = if ext == "tzx" {
        super::tape::tzx_file(&zx.tape, model, &zx.built.plan.name())?
    } else {
        (zx.tape.to_tap(), format!("{} blocks", zx.tape.blocks.len()))
    };
    write_whole(out, &bytes)?;
    show(emit, "plan", &zx.built.plan_report());
    show(emit, "map", &zx.memory_map());
    eprintln!(
        "wrote {} ({} bytes, {what}); on the 128K or +2 choose Tape Loader from the menu",
        out.display(),
        bytes.len()
    );
    if let Some(path) = wav_out {
        super::tape::write_wav(&zx.tape, out, path)?;
    }
    Ok(())
}
