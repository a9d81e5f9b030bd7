//! `z80lm build`: model → layout plan → generated assembly → image → container (the library's
//! [`crate::engine`]), writing the files and printing the plan (what was chosen and why) and
//! the memory map. One module per target.

mod cpm;
mod gb;
mod msx;
mod rc2014;
mod tape;
mod zx128;
mod zx48;

use std::path::PathBuf;

use anyhow::Result;

use super::args::{machine, only_for, parse_tpa_top, Machine, RC2014};
use crate::engine::targets::gameboy;
use crate::engine::Layout;

/// Build the inference engine for a target and write the image.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The model file (.npz). Every target takes one model, except rc2014-512k, gb and gbc:
    /// --model may repeat there (--model A.npz --model B.npz ...).
    /// rc2014-512k: each model in flash pages of its own
    /// behind a start-up menu on the serial port (number, name, size in KB, estimated chars
    /// per second); `!` at the chat prompt goes back to the menu, `!` in the menu to the loader.
    /// As many as fit flash pages 1-30; a build that does not fit says which and writes
    /// nothing. gb, gbc: each model in MBC5 ROM banks of its own behind a start menu on the
    /// screen (name, seconds per character; Up/Down and A choose; named by the file, or its
    /// folder when the file is model.npz; the list scrolls past 14); `!` in a chat goes back
    /// to the menu; as many models as 512 banks (8 MiB) hold, at most 255; a build that does
    /// not fit says which and writes nothing.
    #[arg(long, short, env = "Z80LM_MODEL", required = true)]
    pub model: Vec<PathBuf>,
    /// The target [default: cpm]: cpm (a CP/M 2.2 .COM), rc2014 or rc2014-512k (a 512K flash
    /// image: our resident loader, the engine, each layer's weights in its own pages),
    /// rc2014-classic (a 32K ROM, 68B50 ACIA), gb (a Game Boy MBC5 cartridge), gbc (the same
    /// for DMG and Game Boy Color, in double speed on a CGB), zx48 (a ZX
    /// Spectrum 48K .tap with an autostart BASIC loader), zx128 (a Spectrum 128K / +2 .tap
    /// for the menu's Tape Loader, the weights in RAM banks) or msx (an ASCII8 megaROM
    /// cartridge). No CP/M is needed on the ROM boards.
    #[arg(long, short, value_enum, hide_possible_values = true)]
    pub target: Option<Machine>,
    /// The board, by the same names (e.g. --target rc2014 --board rc2014-classic).
    #[arg(long, value_enum, hide_possible_values = true)]
    pub board: Option<Machine>,
    /// Output file, with the target's extension (default: CHAT.COM for cpm, or CHAT.img with
    /// --disk (.img or .dsk) and CHAT.pkg with --package (.pkg or .txt), CHAT.bin for the
    /// RC2014 boards (with CHAT.hex, and CHAT.upl for rc2014-512k), CHAT.gb for gb, CHAT.gbc
    /// (or .gb) for gbc, CHAT.tap
    /// for zx48 and zx128, CHAT.rom for msx). Written whole (through PATH.part, renamed over it); a symbolic link is
    /// followed; a device or FIFO (/dev/stdout, a named pipe) is written through, for the
    /// targets that write one file. zx48: the extension picks the container: .tap (tape), .tzx
    /// (the tape as standard-speed blocks with a description and archive info), .z80 (version
    /// 3 snapshot) or .sna (48K snapshot); a snapshot starts in the chat at once. zx128: .tap
    /// or .tzx.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Weight layout [default: auto]: auto (the fastest mix of the forms that fits; on the
    /// windowed targets rc2014-512k, zx128 and msx lists where a layer's lists fit its window,
    /// else packed), lists (fast), packed (compact), gaps (lists with 4-bit gaps: between the
    /// two), or one per
    /// layer, e.g. packed,lists,gaps,lists. gb takes auto or lists (its weight records live in
    /// ROM banks; it has no packed or gaps kernel).
    #[arg(long)]
    pub layout: Option<Layout>,
    /// cpm: first address past the TPA [default: 0xE400] (0xE400, E400h or decimal).
    #[arg(long, value_parser = parse_tpa_top)]
    pub tpa_top: Option<u32>,
    /// Print to stdout: plan (layout and why; gb: and the bank of every record), asm (the
    /// generated source) or map (memory map; gb: banks, bank 0 use, header). May repeat. Without it the plan and map go to stderr.
    #[arg(long)]
    pub emit: Vec<String>,
    /// zx48, zx128 (.tap, .tzx): also write the tape as a 44.1 kHz WAV for a real Spectrum's EAR socket
    /// (default path: the output with .wav).
    #[arg(long, num_args = 0..=1, value_name = "PATH")]
    pub wav: Option<Option<PathBuf>>,
    /// cpm: write a CP/M disk image holding CHAT.COM (user 0) instead of the bare .COM
    /// (default output CHAT.img). FORMAT is a cpmtools diskdef name: wbw_hd1k (one bare
    /// RomWBW slice), wbw_hd1k_N (slice N of a RomWBW card image: 1 MiB prefix with the 0x2E
    /// partition), wbw_hd512 / wbw_hd512_N (the legacy RomWBW layout), ibm-3740 (8" SSSD),
    /// kpii (Kaypro II).
    #[arg(long, value_name = "FORMAT")]
    pub disk: Option<String>,
    /// cpm, with --disk: add CHAT.COM to this existing image (or card) in place, leaving its
    /// other files alone; nothing is written if the name is taken or it does not fit.
    #[arg(
        long,
        value_name = "IMAGE",
        requires = "disk",
        conflicts_with = "output"
    )]
    pub into: Option<PathBuf>,
    /// cpm: write a package for Grant Searle's DOWNLOAD.COM instead (default output
    /// CHAT.pkg): text to paste at the CP/M prompt. The only kind is "download".
    #[arg(long, value_name = "KIND", conflicts_with = "disk")]
    pub package: Option<String>,
}

/// `--emit` values every target takes.
const EMITS: [&str; 3] = ["plan", "asm", "map"];

/// Refuses an `--emit` value no target knows.
fn check_emit(emit: &[String]) -> Result<()> {
    for e in emit {
        if !EMITS.contains(&e.as_str()) {
            anyhow::bail!("unknown --emit {e:?}; use plan, asm or map");
        }
    }
    Ok(())
}

/// Prints `text` (the plan or the map) to stdout when `--emit` asked for `what`, else to
/// stderr.
fn show(emit: &[String], what: &str, text: &str) {
    if emit.iter().any(|e| e == what) {
        out!("{text}");
    } else {
        eprint!("{text}");
    }
}

/// Whether `path` is a device, FIFO or socket (`/dev/null`, `/dev/stdout`, a named pipe): the
/// build writes through it (it is never replaced) and its name needs no extension.
fn is_special(path: &std::path::Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

/// The output file: `-o` with the extension `m`'s files have, or `m`'s default. A special file
/// (`-o /dev/null`) takes a build that writes one file.
fn output(
    m: Machine,
    container: &cpm::Container,
    given: Option<PathBuf>,
    one_file: bool,
) -> Result<PathBuf> {
    let (default, exts): (&str, &[&str]) = match m {
        Machine::Cpm => match container {
            cpm::Container::Com => (cpm::DEFAULT_OUTPUT, &["com"]),
            cpm::Container::Disk { .. } => (cpm::DEFAULT_DISK, &["img", "dsk"]),
            cpm::Container::Download => (cpm::DEFAULT_PACKAGE, &["pkg", "txt"]),
        },
        Machine::Gb => (gb::DEFAULT_OUTPUT, &["gb"]),
        Machine::Gbc => (gb::DEFAULT_OUTPUT_CGB, &["gbc", "gb"]),
        Machine::Zx48 => (zx48::DEFAULT_OUTPUT, &zx48::EXTENSIONS),
        Machine::Msx => (msx::DEFAULT_OUTPUT, &["rom"]),
        Machine::Zx128 => (zx128::DEFAULT_OUTPUT, &zx128::EXTENSIONS),
        _ => (rc2014::DEFAULT_OUTPUT, &["bin", "rom"]),
    };
    let Some(out) = given else {
        return Ok(PathBuf::from(default));
    };
    if one_file && is_special(&out) {
        return Ok(out);
    }
    let ext = out
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    if !ext.as_deref().is_some_and(|e| exts.contains(&e)) {
        let what = match (m, container) {
            (Machine::Cpm, cpm::Container::Disk { .. }) => "a CP/M disk image",
            (Machine::Cpm, cpm::Container::Download) => "a DOWNLOAD.COM package",
            (Machine::Cpm, _) => "a CP/M program",
            (Machine::Gb, _) => "a Game Boy cartridge",
            (Machine::Gbc, _) => "a Game Boy Color cartridge",
            (Machine::Zx48, _) => "a ZX Spectrum tape or snapshot",
            (Machine::Msx, _) => "an MSX cartridge",
            (Machine::Zx128, _) => "a ZX Spectrum tape",
            (Machine::RcClassic, _) => "a 32K ROM image",
            _ => "a 512K flash image",
        };
        anyhow::bail!(
            "-o {}: {} for {} is a .{} file (e.g. -o {default})",
            out.display(),
            what,
            m.name(),
            match m {
                Machine::Zx48 => "tap, .tzx, .z80 or .sna",
                Machine::Zx128 => "tap or .tzx",
                Machine::Gbc => "gbc or .gb",
                _ => exts[0],
            }
        );
    }
    Ok(out)
}

pub fn run(args: Args) -> Result<()> {
    let m = machine(args.target, args.board, Some(Machine::Cpm))?;
    let with_plan = [
        Machine::Cpm,
        Machine::Rc512k,
        Machine::RcClassic,
        Machine::Zx48,
        Machine::Msx,
        Machine::Gb,
        Machine::Gbc,
        Machine::Zx128,
    ];
    only_for(args.board.is_some(), "--board", m, RC2014)?;
    only_for(args.layout.is_some(), "--layout", m, &with_plan)?;
    only_for(args.tpa_top.is_some(), "--tpa-top", m, &[Machine::Cpm])?;
    only_for(
        args.wav.is_some(),
        "--wav",
        m,
        &[Machine::Zx48, Machine::Zx128],
    )?;
    only_for(args.disk.is_some(), "--disk", m, &[Machine::Cpm])?;
    only_for(args.into.is_some(), "--into", m, &[Machine::Cpm])?;
    only_for(args.package.is_some(), "--package", m, &[Machine::Cpm])?;
    let container = match (args.disk, &args.package) {
        (Some(format), _) => cpm::Container::Disk {
            format,
            into: args.into,
        },
        (None, Some(kind)) if kind == "download" => cpm::Container::Download,
        (None, Some(kind)) => {
            anyhow::bail!("unknown --package {kind:?}; the only kind is download (DOWNLOAD.COM)")
        }
        (None, None) => cpm::Container::Com,
    };
    check_emit(&args.emit)?;
    only_for(
        args.emit.iter().any(|e| e == "plan"),
        "--emit plan",
        m,
        &with_plan,
    )?;
    // The RC2014 builds write the .hex (and .upl) beside the .bin, zx48 --wav the audio beside
    // the tape.
    let one_file = matches!(m, Machine::Cpm | Machine::Gb | Machine::Gbc | Machine::Msx)
        || (matches!(m, Machine::Zx48 | Machine::Zx128) && args.wav.is_none());
    let out = output(m, &container, args.output, one_file)?;
    let layout = args.layout.unwrap_or_default();
    if m == Machine::Rc512k && args.model.len() > 1 {
        return rc2014::run_menu(&args.model, m.name(), &out, &layout, &args.emit);
    }
    if matches!(m, Machine::Gb | Machine::Gbc) {
        let opts = gameboy::Options {
            cgb: m == Machine::Gbc,
        };
        return gb::run(&args.model, &out, &layout, &opts, &args.emit);
    }
    let model = one_model(&args.model, m)?;
    match m {
        Machine::Cpm => cpm::run(model, &out, &layout, args.tpa_top, &args.emit, &container),
        Machine::Zx48 => zx48::run(model, &out, &layout, &args.emit, args.wav),
        Machine::Msx => msx::run(model, &out, &layout, &args.emit),
        Machine::Zx128 => zx128::run(model, &out, &layout, &args.emit, args.wav),
        _ => rc2014::run(model, m.name(), &out, &layout, &args.emit),
    }
}

/// The one model a target takes: several `--model`s are an error naming the target.
fn one_model(models: &[PathBuf], m: Machine) -> Result<&PathBuf> {
    match models {
        [one] => Ok(one),
        _ => anyhow::bail!(
            "--target {} takes one --model (given {})",
            m.name(),
            models.len()
        ),
    }
}
