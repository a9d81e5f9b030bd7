//! `z80lm term`: a streaming chat terminal on a serial port.

use std::io::{Read as _, Write as _};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::{Context, Result};
use embedded_io::{Read, ReadReady, Write};

use crate::flash::serial::Serial;
use crate::term::{BoardToScreen, Keys, KeysToBoard, RawMode};

/// Talk to a board over its serial line: keys go out as typed (Enter sends CR), the board's
/// output streams to the screen with bare line ends shown as CR LF. Leave with Ctrl-].
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Serial port or pty (see `z80lm ports`, or the path `z80lm emu` prints).
    #[arg(long, env = "Z80LM_PORT")]
    pub port: String,
    /// Line rate.
    #[arg(long, default_value_t = 115_200, env = "Z80LM_BAUD")]
    pub baud: u32,
}

pub fn run(args: Args) -> Result<()> {
    let port = Serial::open(&args.port, args.baud)?;
    session(port)
}

/// Run the terminal on an open port until Ctrl-] or end of input.
pub fn session(mut port: Serial) -> Result<()> {
    let mut writer = port
        .try_clone()
        .context("cannot share the port between reader and writer")?;
    eprintln!("connected to {} (Ctrl-] leaves)\r", port.name);
    let stdin = std::io::stdin();
    let _raw = RawMode::enter(stdin);
    let done = Arc::new(AtomicBool::new(false));
    let d = done.clone();
    let keys = std::thread::spawn(move || -> Result<()> {
        let mut k = KeysToBoard::default();
        let mut buf = [0u8; 256];
        let mut input = std::io::stdin().lock();
        loop {
            let n = input.read(&mut buf)?;
            if n == 0 {
                break;
            }
            let (bytes, exit) = match k.feed(&buf[..n]) {
                Keys::Send(b) => (b, false),
                Keys::Exit(b) => (b, true),
            };
            writer
                .write_all(&bytes)
                .map_err(|e| anyhow::anyhow!("{}: write failed: {:?}", writer.name, e.0))?;
            writer
                .flush()
                .map_err(|e| anyhow::anyhow!("{}: drain failed: {:?}", writer.name, e.0))?;
            if exit {
                break;
            }
        }
        d.store(true, Ordering::Relaxed);
        Ok(())
    });
    let mut screen = BoardToScreen::default();
    let mut out = std::io::stdout().lock();
    let mut buf = [0u8; 1024];
    while !done.load(Ordering::Relaxed) {
        match port.read_ready() {
            Ok(true) => {}
            Ok(false) => {
                std::thread::sleep(std::time::Duration::from_millis(2));
                continue;
            }
            Err(e) => anyhow::bail!("{}: the port failed ({:?}); did it vanish? (see kicad-notes/troubleshooting.md#port-vanished)", port.name, e.0),
        }
        match port.read(&mut buf) {
            Ok(n) => {
                out.write_all(&screen.feed(&buf[..n]))?;
                out.flush()?;
            }
            Err(e) if e.0.kind() == std::io::ErrorKind::TimedOut => {}
            Err(e) => anyhow::bail!("{}: the port failed ({:?}); did it vanish? (see kicad-notes/troubleshooting.md#port-vanished)", port.name, e.0),
        }
    }
    drop(_raw);
    eprintln!();
    if keys.is_finished() {
        keys.join()
            .map_err(|_| anyhow::anyhow!("keyboard thread panicked"))??;
    }
    Ok(())
}
