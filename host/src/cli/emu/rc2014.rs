//! `z80lm emu --board rc2014-classic|rc2014-512k`: the board's UART on a pseudo-terminal,
//! paced at its baud rate, until Ctrl-C. Linux only (with the `pty` feature): elsewhere `emu`
//! says so and what runs instead.

use std::path::Path;

use anyhow::Result;
use boards::desc::BoardDesc;

use super::Args;

/// Without a pty the serial port has nowhere to go.
#[cfg(not(all(target_os = "linux", feature = "pty")))]
pub fn run(desc: &BoardDesc, _image: Option<&Path>, _args: &Args) -> Result<()> {
    anyhow::bail!(
        "--board {}: the emulated serial port is a Linux pseudo-terminal, and this build has none \
         (built for {} or without the `pty` feature); `z80lm bench --target rc2014` runs the \
         engine on the emulated board here, and `emu --board gb|zx48` runs",
        desc.name,
        std::env::consts::OS
    )
}

#[cfg(all(target_os = "linux", feature = "pty"))]
pub fn run(desc: &BoardDesc, image: Option<&Path>, args: &Args) -> Result<()> {
    use std::sync::atomic::AtomicBool;
    use std::sync::Arc;

    use anyhow::Context;
    use boards::machines::rc2014::{serve, ServeOptions};

    use crate::emu::rc2014::machine;

    let state_file = match &args.state {
        Some(p) => Some(p.clone()),
        None if desc.flash.is_some() => Some(crate::emu::rc2014::default_state(&desc.name)?),
        None => None,
    };
    let (mut machine, state) = machine(desc, image, state_file.as_deref())?;
    if let Some(file) = &state_file {
        eprintln!(
            "flash state: {} ({}; --state FILE keeps it elsewhere)",
            file.display(),
            state.describe()
        );
    }
    let mut pty = crate::flash::pty::Pty::open(desc.console.baud.unwrap_or(115_200))
        .context("cannot create a pseudo-terminal")?;
    let path = pty.path().to_path_buf();
    // Before the pty is announced: from then on a signal stops it cleanly.
    let stop = Arc::new(AtomicBool::new(false));
    let s = stop.clone();
    // Ctrl-C, SIGTERM and SIGHUP (ctrlc's termination feature) stop it the same clean way.
    ctrlc::set_handler(move || s.store(true, std::sync::atomic::Ordering::Relaxed))
        .context("cannot install the Ctrl-C handler")?;
    if let Some(link) = &args.link {
        // Only a link an emulator left (to a pseudo-terminal) is replaced.
        if let Ok(m) = std::fs::symlink_metadata(link) {
            let stale = m.file_type().is_symlink()
                && std::fs::read_link(link).is_ok_and(|t| t.starts_with("/dev/pts"));
            if !stale {
                anyhow::bail!(
                    "--link {}: already exists and is not a link to a pseudo-terminal; give a new name",
                    link.display()
                );
            }
            std::fs::remove_file(link)
                .with_context(|| format!("--link {}: cannot replace it", link.display()))?;
        }
        std::os::unix::fs::symlink(&path, link)
            .with_context(|| format!("{}: cannot create the symlink", link.display()))?;
    }
    outln!("{}", path.display());
    eprintln!(
        "{}: serial port on {} at {} baud; Ctrl-\\ x3 on the line presses reset; Ctrl-C stops",
        desc.name,
        path.display(),
        desc.console.baud.unwrap_or(0)
    );
    let opts = ServeOptions {
        realtime: !args.fast,
        state_file,
        // A halted board stays up (a real one stays powered) and resets on request.
        on_halt: Some(|pc| {
            eprintln!(
                "the board halted (CPU halted with interrupts off at PC={pc:#06x}); \
                 Ctrl-\\ x3 on the line presses reset"
            )
        }),
        ..ServeOptions::default()
    };
    let result = serve(&mut machine, &mut pty, &opts, &stop);
    if let Some(link) = &args.link {
        // Still ours (nobody put something else there meanwhile): remove it.
        if std::fs::read_link(link).is_ok_and(|t| t == path) {
            let _ = std::fs::remove_file(link);
        }
    }
    result.map_err(Into::into)
}
