//! The Game Boy branch of `z80lm build --target gb`: write the MBC5 cartridge and print the
//! plan (forms, why, the bank of every record) and the memory map.

use std::path::Path;

use anyhow::{Context, Result};

use crate::cli::load_model;
use crate::engine::targets::gameboy;
use crate::engine::Layout;
use crate::files::write_whole;

/// Default output file.
pub const DEFAULT_OUTPUT: &str = "CHAT.gb";
/// Default output file of `--target gbc`.
pub const DEFAULT_OUTPUT_CGB: &str = "CHAT.gbc";

/// `z80lm build --target gb|gbc`: builds `model` and writes the cartridge (default `CHAT.gb`,
/// `CHAT.gbc` for the Game Boy Color build that `opts` asks for).
/// `emit` may hold `plan` (the plan), `asm` (the generated model.asm) and `map` (bank 0 and the
/// header); each goes to stdout when asked for, else (plan and map) to stderr.
pub fn run(
    model: &Path,
    out: &Path,
    layout: &Layout,
    opts: &gameboy::Options,
    emit: &[String],
) -> Result<()> {
    let m = load_model(model)?;
    let image = gameboy::build_with(&m, layout, opts)
        .with_context(|| format!("{}: cannot build a Game Boy cartridge", model.display()))?;
    if emit.iter().any(|e| e == "asm") {
        out!("{}", image.asm);
    }
    write_whole(out, &image.rom)?;
    super::show(emit, "plan", &image.plan.report());
    super::show(emit, "map", &image.report());
    eprintln!("wrote {} ({} bytes)", out.display(), image.rom.len());
    Ok(())
}
