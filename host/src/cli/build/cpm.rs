//! The CP/M branch of `z80lm build --target cpm`: write the `.COM` and print the plan and the
//! memory map.

use std::path::Path;

use anyhow::Result;

use super::show;
use crate::cli::load_model;
use crate::engine::targets::cpm;
use crate::engine::Layout;
use crate::files::write_whole;

/// Default output file.
pub const DEFAULT_OUTPUT: &str = "CHAT.COM";

/// `z80lm build --target cpm`: builds `model` for a TPA ending at `tpa_top` and writes the
/// `.COM` (default `CHAT.COM`). `emit` may hold `plan`, `asm` (print the generated source) and
/// `map`.
pub fn run(
    model: &Path,
    out: &Path,
    layout: &Layout,
    tpa_top: Option<u32>,
    emit: &[String],
) -> Result<()> {
    let model = load_model(model)?;
    let built = cpm::build(&model, layout, tpa_top)?;
    if emit.iter().any(|e| e == "asm") {
        print!("{}", built.asm);
    }
    let bytes = cpm::com_bytes(&built.image);
    write_whole(out, &bytes)?;
    // The plan and the map go to stderr, or to stdout when asked for with --emit.
    show(emit, "plan", &built.plan_report());
    show(emit, "map", &built.image.map.render());
    eprintln!("wrote {} ({} bytes)", out.display(), bytes.len());
    Ok(())
}
