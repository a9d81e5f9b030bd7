//! The CP/M branch of `z80lm build --target cpm`: write the `.COM` (or a disk image holding it,
//! or a DOWNLOAD.COM package of it) and print the plan and the memory map.

use std::path::{Path, PathBuf};

use anyhow::Result;

use super::show;
use crate::cli::load_model;
use crate::cpmdisk::{self, CpmName, DiskFormat};
use crate::engine::targets::cpm;
use crate::engine::Layout;
use crate::files::write_whole;

/// Default output file.
pub const DEFAULT_OUTPUT: &str = "CHAT.COM";
/// Default output file of `--disk`.
pub const DEFAULT_DISK: &str = "CHAT.img";
/// Default output file of `--package download`.
pub const DEFAULT_PACKAGE: &str = "CHAT.pkg";
/// The name CHAT.COM has on the CP/M side.
const CPM_NAME: &str = "CHAT.COM";

/// What the `.COM` goes into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Container {
    /// The bare `.COM`.
    Com,
    /// A CP/M disk image of `format`: a new one at the output, or `into` an existing one.
    Disk {
        format: String,
        into: Option<PathBuf>,
    },
    /// A package for DOWNLOAD.COM.
    Download,
}

/// `z80lm build --target cpm`: builds `model` for a TPA ending at `tpa_top` and writes the
/// `.COM` (default `CHAT.COM`), or puts it in `container`. `emit` may hold `plan`, `asm`
/// (print the generated source) and `map`.
pub fn run(
    model: &Path,
    out: &Path,
    layout: &Layout,
    tpa_top: Option<u32>,
    emit: &[String],
    container: &Container,
) -> Result<()> {
    // A format name is checked before the (slower) build.
    let format = match container {
        Container::Disk { format, .. } => Some(DiskFormat::by_name(format)?),
        _ => None,
    };
    let model = load_model(model)?;
    let built = cpm::build(&model, layout, tpa_top)?;
    if emit.iter().any(|e| e == "asm") {
        out!("{}", built.asm);
    }
    let bytes = cpm::com_bytes(&built.image);
    let name = CpmName::parse(CPM_NAME)?;
    let written = match (container, &format) {
        (
            Container::Disk {
                into: Some(img), ..
            },
            Some(fmt),
        ) => {
            let added = cpmdisk::add_to_image(img, fmt, 0, &name, &bytes)?;
            format!(
                "added {CPM_NAME} to {} ({fmt}, {} bytes in {} blocks; {} KiB free)",
                img.display(),
                bytes.len(),
                added.blocks,
                added.free_bytes / 1024
            )
        }
        (Container::Disk { into: None, .. }, Some(fmt)) => {
            let added = cpmdisk::create_image(out, fmt, 0, &name, &bytes)?;
            format!(
                "wrote {} ({fmt} image, {} bytes: {CPM_NAME} in user 0, {} bytes in {} blocks; {} KiB free)",
                out.display(),
                cpmdisk::new_image_len(fmt),
                bytes.len(),
                added.blocks,
                added.free_bytes / 1024
            )
        }
        (Container::Download, _) => {
            let pkg = crate::download::package(&name, 0, &bytes)?;
            write_whole(out, &pkg)?;
            format!(
                "wrote {} (DOWNLOAD.COM package of {CPM_NAME}, {} bytes; paste it at the CP/M prompt)",
                out.display(),
                pkg.len()
            )
        }
        _ => {
            write_whole(out, &bytes)?;
            format!("wrote {} ({} bytes)", out.display(), bytes.len())
        }
    };
    // The plan and the map go to stderr, or to stdout when asked for with --emit.
    show(emit, "plan", &built.plan_report());
    show(emit, "map", &built.image.map.render());
    eprintln!("{written}");
    Ok(())
}
