//! The MSX branch of `z80lm build --target msx`: write the ASCII8 megaROM cartridge (`.rom`)
//! and print the plan and the memory map.

use std::path::Path;

use anyhow::{Context, Result};

use super::show;
use crate::cli::load_model;
use crate::engine::targets::msx;
use crate::engine::Layout;
use crate::files::write_whole;

/// Default output file.
pub const DEFAULT_OUTPUT: &str = "CHAT.rom";

/// `z80lm build --target msx`: builds `model` and writes the cartridge (default `CHAT.rom`).
pub fn run(model: &Path, out: &Path, layout: &Layout, emit: &[String]) -> Result<()> {
    let m = load_model(model)?;
    let cart = msx::build(&m, layout)
        .with_context(|| format!("{}: cannot build an MSX cartridge", model.display()))?;
    if emit.iter().any(|e| e == "asm") {
        out!("{}", cart.built.asm);
    }
    write_whole(out, &cart.rom)?;
    show(emit, "plan", &cart.built.plan_report());
    show(emit, "map", &cart.memory_map());
    eprintln!(
        "wrote {} ({} bytes: an ASCII8 megaROM; run it with `z80lm emu --board msx {}`, or in openMSX with -romtype ASCII8)",
        out.display(),
        cart.rom.len(),
        out.display()
    );
    Ok(())
}
