//! The Game Boy branch of `z80lm build --target gb`: write the MBC5 cartridge and print the
//! plan (forms, why, the bank of every record) and the memory map.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::cli::load_model;
use crate::engine::targets::gameboy;
use crate::engine::Layout;
use crate::files::write_whole;
use crate::model::Model;

/// Default output file.
pub const DEFAULT_OUTPUT: &str = "CHAT.gb";
/// Default output file of `--target gbc`.
pub const DEFAULT_OUTPUT_CGB: &str = "CHAT.gbc";

/// `z80lm build --target gb|gbc`: builds `models` (one: today's cartridge; several: each in
/// its own banks behind a start menu) and writes the cartridge (default `CHAT.gb`, `CHAT.gbc`
/// for the Game Boy Color build that `opts` asks for).
/// `emit` may hold `plan` (the plan), `asm` (the generated model.asm) and `map` (bank 0, the
/// banks and the header); each goes to stdout when asked for, else (plan and map) to stderr.
/// Nothing is written when a model does not fit.
pub fn run(
    models: &[PathBuf],
    out: &Path,
    layout: &Layout,
    opts: &gameboy::Options,
    emit: &[String],
) -> Result<()> {
    let loaded = models
        .iter()
        .map(|p| load_model(p))
        .collect::<Result<Vec<_>>>()?;
    let image = if let [model] = models {
        gameboy::build_with(&loaded[0], layout, opts)
            .with_context(|| format!("{}: cannot build a Game Boy cartridge", model.display()))?
    } else {
        let names = gameboy::model_names(models);
        let named: Vec<(String, &Model)> = names.into_iter().zip(loaded.iter()).collect();
        gameboy::build_models(&named, layout, opts).with_context(|| {
            format!(
                "cannot build a Game Boy cartridge of {} models",
                models.len()
            )
        })?
    };
    if emit.iter().any(|e| e == "asm") {
        out!("{}", image.asm);
    }
    write_whole(out, &image.rom)?;
    super::show(emit, "plan", &image.plan_report());
    super::show(emit, "map", &image.report());
    eprintln!("wrote {} ({} bytes)", out.display(), image.rom.len());
    Ok(())
}
