//! The ZX Spectrum 128K branch of `z80lm build --target zx128`: write the tape (`.tap` or
//! `.tzx`, and with `--wav` the same tape as audio), and print the plan and the memory map with
//! each layer's bank.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::show;
use crate::cli::load_model;
use crate::engine::tape::{tzx, wav};
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
        print!("{}", zx.built.asm);
    }
    let blocks = zx.tape.blocks.len();
    let (bytes, what) = if ext == "tzx" {
        let stem = |p: &Path| p.file_stem().map(|s| s.to_string_lossy().into_owned());
        let name = match stem(model) {
            Some(s) if s == "model" => model
                .parent()
                .and_then(|p| p.file_name())
                .map_or(s, |d| d.to_string_lossy().into_owned()),
            Some(s) => s,
            None => "model".into(),
        };
        let bytes = tzx::chat_tzx(&zx.tape, &name, &zx.built.plan.name())
            .with_context(|| format!("{}: cannot write the .tzx", model.display()))?;
        (
            bytes,
            format!("{blocks} standard-speed blocks, description, archive info"),
        )
    } else {
        (zx.tape.to_tap(), format!("{blocks} blocks"))
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
