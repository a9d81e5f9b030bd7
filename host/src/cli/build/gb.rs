//! The Game Boy branch of `z80lm build --target gb`: write the MBC5 cartridge and print its
//! bank map.

use std::path::Path;

use anyhow::{Context, Result};

use crate::cli::load_model;
use crate::engine::targets::gameboy;
use crate::files::write_whole;

/// Default output file.
pub const DEFAULT_OUTPUT: &str = "CHAT.gb";

/// `z80lm build --target gb`: builds `model` and writes the cartridge (default `CHAT.gb`).
/// `emit` may hold `asm` (print the generated model.asm) and `map` (print the bank map to
/// stdout instead of stderr).
pub fn run(model: &Path, out: &Path, emit: &[String]) -> Result<()> {
    let m = load_model(model)?;
    let image = gameboy::build(&m)
        .with_context(|| format!("{}: cannot build a Game Boy cartridge", model.display()))?;
    if emit.iter().any(|e| e == "asm") {
        print!("{}", gameboy::model_asm(&m, &image.plan)?);
    }
    write_whole(out, &image.rom)?;
    super::show(emit, "map", &image.report());
    eprintln!("wrote {} ({} bytes)", out.display(), image.rom.len());
    Ok(())
}
