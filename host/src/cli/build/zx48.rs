//! The ZX Spectrum 48K branch of `z80lm build --target zx48`: write the tape (`.tap` or `.tzx`,
//! and with `--wav` the same tape as audio) or a snapshot (`.z80`, `.sna`: the machine as the tape's
//! loader leaves it, see [`crate::engine::tape::snapshot`]), and print the plan and the memory
//! map.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::show;
use crate::cli::load_model;
use crate::engine::tape::{sna, snapshot, z80};
use crate::engine::targets::zx48;
use crate::engine::Layout;
use crate::files::write_whole;

/// Default output file.
pub const DEFAULT_OUTPUT: &str = "CHAT.tap";
/// Output extensions, one per container.
pub const EXTENSIONS: [&str; 4] = ["tap", "tzx", "z80", "sna"];

/// `z80lm build --target zx48`: builds `model` and writes the container `out`'s extension names
/// (default `CHAT.tap`); `wav` also writes the tape as audio (default path: the output with
/// `.wav`). `emit` may hold `plan`, `asm` (print the generated source) and `map`.
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
    if wav_out.is_some() && ext != "tap" && ext != "tzx" {
        anyhow::bail!(
            "--wav writes the tape as audio: build the tape with -o NAME.tap or NAME.tzx (not .{ext})"
        );
    }
    let m = load_model(model)?;
    let zx = zx48::build(&m, layout)
        .with_context(|| format!("{}: cannot build a ZX Spectrum 48K tape", model.display()))?;
    if emit.iter().any(|e| e == "asm") {
        out!("{}", zx.built.asm);
    }
    let (bytes, what) = match ext.as_str() {
        "z80" | "sna" => {
            let state = snapshot::at_usr(&zx.loader)
                .with_context(|| format!("{}: cannot make the snapshot", model.display()))?;
            if ext == "z80" {
                (z80::to_z80(&state), "version 3 .z80 snapshot".to_string())
            } else {
                (sna::to_sna(&state), "48K .sna snapshot".to_string())
            }
        }
        "tzx" => super::tape::tzx_file(&zx.tape, model, &zx.built.plan.name())?,
        _ => (zx.tape.to_tap(), format!("{} blocks", zx.tape.blocks.len())),
    };
    write_whole(out, &bytes)?;
    show(emit, "plan", &zx.built.plan_report());
    show(emit, "map", &zx.memory_map());
    eprintln!("wrote {} ({} bytes, {what})", out.display(), bytes.len());
    if let Some(path) = wav_out {
        super::tape::write_wav(&zx.tape, out, path)?;
    }
    Ok(())
}
