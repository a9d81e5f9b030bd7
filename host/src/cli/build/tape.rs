//! What the two Spectrum branches of `z80lm build` (zx48, zx128) share: the `.tzx` with the
//! model's name in its description, and `--wav`, the same tape as audio.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::engine::tape::{tzx, wav, Tape};
use crate::files::write_whole;

/// The model's name for the tape's description: its file's stem, or its folder's for
/// `.../guess/model.npz`.
fn model_name(model: &Path) -> String {
    let stem = |p: &Path| p.file_stem().map(|s| s.to_string_lossy().into_owned());
    match stem(model) {
        Some(s) if s == "model" => model
            .parent()
            .and_then(|p| p.file_name())
            .map_or(s, |d| d.to_string_lossy().into_owned()),
        Some(s) => s,
        None => "model".into(),
    }
}

/// The `.tzx` of `tape` built from `model` in the `layout` form, and what `build` says it holds.
pub fn tzx_file(tape: &Tape, model: &Path, layout: &str) -> Result<(Vec<u8>, String)> {
    let bytes = tzx::chat_tzx(tape, &model_name(model), layout)
        .with_context(|| format!("{}: cannot write the .tzx", model.display()))?;
    let what = format!(
        "{} standard-speed blocks, description, archive info",
        tape.blocks.len()
    );
    Ok((bytes, what))
}

/// `--wav`: writes `tape` as audio to `wav_out`, or beside `out` with `.wav` when no path was
/// given, and says how long it plays.
pub fn write_wav(tape: &Tape, out: &Path, wav_out: Option<PathBuf>) -> Result<()> {
    let path = wav_out.unwrap_or_else(|| out.with_extension("wav"));
    let bytes = wav::to_wav(tape);
    write_whole(&path, &bytes)?;
    let secs = (bytes.len() as u64).saturating_sub(44) / u64::from(wav::SAMPLE_RATE);
    eprintln!(
        "wrote {} ({} bytes, {}:{:02} of audio)",
        path.display(),
        bytes.len(),
        secs / 60,
        secs % 60
    );
    Ok(())
}
