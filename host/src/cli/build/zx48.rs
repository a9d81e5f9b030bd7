//! The ZX Spectrum 48K branch of `z80lm build --target zx48`: write the tape (`.tap`, and with
//! `--wav` the same tape as audio) and print the plan and the memory map.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::show;
use crate::cli::load_model;
use crate::engine::tape::wav;
use crate::engine::targets::zx48;
use crate::engine::Layout;
use crate::files::write_whole;

/// Default output file.
pub const DEFAULT_OUTPUT: &str = "CHAT.tap";

/// `z80lm build --target zx48`: builds `model` and writes the tape (default `CHAT.tap`); `wav`
/// also writes it as audio (default path: the output with `.wav`). `emit` may hold `plan`,
/// `asm` (print the generated source) and `map`.
pub fn run(
    model: &Path,
    out: &Path,
    layout: &Layout,
    emit: &[String],
    wav_out: Option<Option<PathBuf>>,
) -> Result<()> {
    let m = load_model(model)?;
    let zx = zx48::build(&m, layout)
        .with_context(|| format!("{}: cannot build a ZX Spectrum 48K tape", model.display()))?;
    if emit.iter().any(|e| e == "asm") {
        print!("{}", zx.built.asm);
    }
    let tap = zx.tape.to_tap();
    write_whole(out, &tap)?;
    show(emit, "plan", &zx.built.plan_report());
    show(emit, "map", &zx.memory_map());
    eprintln!(
        "wrote {} ({} bytes, {} blocks)",
        out.display(),
        tap.len(),
        zx.tape.blocks.len()
    );
    if let Some(path) = wav_out {
        let path = path.unwrap_or_else(|| out.with_extension("wav"));
        let bytes = wav::to_wav(&zx.tape);
        write_whole(&path, &bytes)?;
        let secs = (bytes.len() as u64).saturating_sub(44) / u64::from(wav::SAMPLE_RATE);
        eprintln!(
            "wrote {} ({} bytes, {}:{:02} of audio)",
            path.display(),
            bytes.len(),
            secs / 60,
            secs % 60
        );
    }
    Ok(())
}
