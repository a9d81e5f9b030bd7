//! The RC2014 branch of `z80lm build --target rc2014 --board BOARD`: write the ROM image as
//! `.bin` and Intel HEX (and, for the 512K board, the loader's upload for any XMODEM sender),
//! and print the plan and the memory map.

use std::path::Path;

use anyhow::{Context, Result};
use boards::desc::BoardDesc;

use super::show;
use crate::cli::load_model;
use crate::engine::targets::rc2014;
use crate::engine::Layout;
use crate::files::write_whole;

/// Default output file.
pub const DEFAULT_OUTPUT: &str = "CHAT.bin";

/// `z80lm build --target rc2014`: builds `model` for `board` and writes `output` (default
/// `CHAT.bin`), the same image as Intel HEX beside it (`.hex`), and for rc2014-512k the
/// loader's upload (`.upl`: 16-byte header + application, for `sx -k` or any XMODEM sender).
pub fn run(model: &Path, board: &str, out: &Path, layout: &Layout, emit: &[String]) -> Result<()> {
    let desc = BoardDesc::builtin(board)?;
    let m = load_model(model)?;
    let rom = rc2014::build(&m, &desc, layout)
        .with_context(|| format!("{}: cannot build for {}", model.display(), desc.name))?;
    if emit.iter().any(|e| e == "asm") {
        out!("{}", rom.built.asm);
    }
    let hex_path = out.with_extension("hex");
    let hex = rc2014::intel_hex(&rom.rom).context("cannot write the Intel HEX")?;
    write_whole(out, &rom.rom)?;
    write_whole(&hex_path, hex.as_bytes())?;
    show(emit, "plan", &rom.built.plan_report());
    show(emit, "map", &rom.memory_map());
    if desc.flash.is_some() {
        write_flash_files(out, &desc, &rom.rom, &rom.app)?;
    } else {
        eprintln!(
            "wrote {} ({} bytes, {} used: burn it into the 32K ROM) and {} (Intel HEX)",
            out.display(),
            rom.rom.len(),
            rom.app.len(),
            hex_path.display()
        );
    }
    Ok(())
}

/// `z80lm build --target rc2014-512k --model A.npz --model B.npz ...`: several models behind
/// a start-up menu in one image; the same files as [`run`]. Nothing is written when one does
/// not build or they do not all fit.
pub fn run_menu(
    models: &[std::path::PathBuf],
    board: &str,
    out: &Path,
    layout: &Layout,
    emit: &[String],
) -> Result<()> {
    let desc = BoardDesc::builtin(board)?;
    let mut named = Vec::new();
    for path in models {
        named.push((crate::bench::model_name(path), load_model(path)?));
    }
    let rom = rc2014::build_menu(&named, &desc, layout)
        .with_context(|| format!("{} models: cannot build for {}", models.len(), desc.name))?;
    if emit.iter().any(|e| e == "asm") {
        out!("{}", rom.menu_asm);
        for m in &rom.models {
            out!("{}", m.build.built.asm);
        }
    }
    let hex = rc2014::intel_hex(&rom.rom).context("cannot write the Intel HEX")?;
    write_whole(out, &rom.rom)?;
    write_whole(&out.with_extension("hex"), hex.as_bytes())?;
    show(emit, "plan", &rom.plan_report());
    show(emit, "map", &rom.memory_map());
    write_flash_files(out, &desc, &rom.rom, &rom.app)
}

/// Writes the 512K build's upload beside `out` (the `.bin` and `.hex` are written) and says
/// what was written.
fn write_flash_files(out: &Path, desc: &BoardDesc, rom: &[u8], app: &[u8]) -> Result<()> {
    let hex_path = out.with_extension("hex");
    let upl = out.with_extension("upl");
    write_whole(&upl, &z80rom::loader::upload(app))?;
    eprintln!(
        "wrote {} ({} bytes: loader, application, header; for a chip programmer or `z80lm emu --rom`)",
        out.display(),
        rom.len()
    );
    eprintln!(
        "wrote {} (Intel HEX) and {} ({} bytes: the loader's upload for any XMODEM sender, e.g. sx -k)",
        hex_path.display(),
        upl.display(),
        app.len() + z80rom::loader::HEADER_LEN
    );
    eprintln!(
        "flash it with: z80lm flash --board {} --port PORT {}",
        desc.name,
        out.display()
    );
    Ok(())
}
