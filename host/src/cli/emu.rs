//! `z80lm emu`: run an emulated RC2014 with its serial port on a pseudo-terminal.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use boards::desc::BoardDesc;
use boards::devices::sst39sf040::Sst39sf040;
use boards::machines::rc2014::{serve, Rc2014, ServeOptions};

/// Run an emulated board. RC2014 boards get their UART on a pseudo-terminal (the path is printed). Connect with
/// `z80lm term --port PATH`, `z80lm flash --port PATH`, picocom, minicom or screen. The line is
/// paced at the board's baud rate in real time; a client set to another rate sees garbage, as on
/// a real serial line. Three Ctrl-\ (0x1C) bytes in a row press the
/// reset button. On rc2014-512k the flash is kept in a state file, so a reflashed image survives
/// a restart. Ctrl-C stops the emulator.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Board: rc2014-classic, rc2014-512k, gb-mbc5 (alias gb) or zx48.
    #[arg(long, env = "Z80LM_BOARD")]
    pub board: String,
    /// ROM image. rc2014-classic: the 32K ROM (required). rc2014-512k: any file `z80lm
    /// build` writes (`.bin`, `.hex`, `.upl`) or an application to store behind the built-in
    /// loader; it replaces the flash state. Without it the state file is resumed, or (with
    /// none) the flash holds only the loader.
    #[arg(long)]
    pub rom: Option<PathBuf>,
    /// rc2014-512k flash state file: resumed when no --rom is given, saved on every change (so
    /// what `z80lm flash` wrote survives a restart).
    #[arg(long, default_value = "rc2014-512k.flash")]
    pub state: PathBuf,
    /// Also create this symlink to the pty (a stable name for scripts).
    #[arg(long)]
    pub link: Option<PathBuf>,
    /// Run as fast as possible instead of in real time (the UART stays paced in emulated time).
    #[arg(long)]
    pub fast: bool,
    /// Game Boy options (--board gb-mbc5; zx48 uses --turbo and --screenshot too).
    #[command(flatten)]
    pub gb: super::emu_gb::GbArgs,
    /// zx48: the tape to load, `.tap` or a `.wav` recording (--rom is then the 48K ROM,
    /// default: $Z80LM_ZX48_ROM or 48.rom from PyPI skoolkit). gb: the cartridge, as --rom.
    pub tape: Option<PathBuf>,
    /// zx48: load the tape through the ROM's own pulse loader at real speed (minutes) instead
    /// of trapping LD-BYTES.
    #[arg(long)]
    pub real_tape: bool,
}

pub fn run(args: Args) -> Result<()> {
    let board = if args.board == "gb" {
        "gb-mbc5"
    } else {
        args.board.as_str()
    };
    let desc = BoardDesc::builtin(board)?;
    if desc.name == "zx48" {
        let tape = args
            .tape
            .as_deref()
            .context("a tape is required: z80lm emu --board zx48 CHAT.tap")?;
        let zx = super::emu_zx48::Zx48Args {
            rom: args.rom.clone(),
            real_tape: args.real_tape,
            turbo: args.gb.turbo,
            screenshot: args.gb.screenshot.clone(),
        };
        return super::emu_zx48::run(tape, &zx);
    }
    if desc.cpu == boards::desc::Cpu::Sm83 {
        let rom = args
            .rom
            .as_deref()
            .or(args.tape.as_deref())
            .context("a cartridge is required: z80lm emu --board gb CHAT.gb")?;
        return super::emu_gb::run(rom, &args.gb);
    }
    let mut machine = match (desc.flash.is_some(), &args.rom) {
        (false, None) => bail!(
            "--rom is required for {} (its ROM is not flashable)",
            desc.name
        ),
        (false, Some(rom)) => {
            let bytes =
                std::fs::read(rom).with_context(|| format!("{}: cannot read", rom.display()))?;
            Rc2014::new(&desc, &bytes)?
        }
        (true, None) if args.state.exists() => {
            let flash = Sst39sf040::load(&args.state, desc.clock_hz).with_context(|| {
                format!("{}: cannot load the flash state", args.state.display())
            })?;
            eprintln!("flash state: {} (loaded)", args.state.display());
            Rc2014::with_flash(&desc, flash)?
        }
        (true, rom) => {
            let loader = z80rom::loader::build()?;
            let flash = match rom {
                None => z80rom::loader::flash_image(&loader, None),
                Some(path) => {
                    let bytes = std::fs::read(path)
                        .with_context(|| format!("{}: cannot read", path.display()))?;
                    crate::build::targets::rc2014::flash_from_file(&bytes, &loader)
                        .with_context(|| path.display().to_string())?
                }
            };
            let how = if args.state.exists() {
                "replaced by --rom"
            } else {
                "new"
            };
            eprintln!("flash state: {} ({how})", args.state.display());
            let mut m = Rc2014::new(&desc, &flash)?;
            // Saved now, not only when the flash is next written: a restart without --rom
            // resumes this image.
            if let Some(f) = m.flash_mut() {
                f.save(&args.state).with_context(|| {
                    format!("{}: cannot save the flash state", args.state.display())
                })?;
            }
            m
        }
    };
    let mut pty = crate::flash::pty::Pty::open(desc.console.baud.unwrap_or(115_200))
        .context("cannot create a pseudo-terminal")?;
    let path = pty.path().to_path_buf();
    if let Some(link) = &args.link {
        let _ = std::fs::remove_file(link);
        std::os::unix::fs::symlink(&path, link)
            .with_context(|| format!("{}: cannot create the symlink", link.display()))?;
    }
    println!("{}", path.display());
    eprintln!(
        "{}: serial port on {} at {} baud; Ctrl-\\ x3 on the line presses reset; Ctrl-C stops",
        desc.name,
        path.display(),
        desc.console.baud.unwrap_or(0)
    );
    let stop = Arc::new(AtomicBool::new(false));
    let s = stop.clone();
    ctrlc::set_handler(move || s.store(true, std::sync::atomic::Ordering::Relaxed))
        .context("cannot install the Ctrl-C handler")?;
    let opts = ServeOptions {
        realtime: !args.fast,
        state_file: desc.flash.is_some().then(|| args.state.clone()),
        ..ServeOptions::default()
    };
    let result = serve(&mut machine, &mut pty, &opts, &stop);
    if let Some(link) = &args.link {
        let _ = std::fs::remove_file(link);
    }
    result.map_err(Into::into)
}
