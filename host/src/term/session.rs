//! The streaming chat terminal on an open serial port (`z80lm term`, `z80lm flash --monitor`).

use std::io::{Read as _, Write as _};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use embedded_io::{Read, ReadReady, Write};

use super::{BoardToScreen, Keys, KeysToBoard, RawMode};
use crate::flash::serial::Serial;

/// Why the terminal stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum TermError {
    #[error("cannot share the port between reader and writer")]
    Clone(#[source] std::io::Error),
    #[error("{port}: write failed: {source:?}")]
    Write {
        port: String,
        source: std::io::Error,
    },
    #[error("{port}: drain failed: {source:?}")]
    Drain {
        port: String,
        source: std::io::Error,
    },
    #[error("{port}: the port failed ({source:?}); did it vanish? (see kicad-notes/troubleshooting.md#port-vanished)")]
    Port {
        port: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error("keyboard thread panicked")]
    Keyboard,
}

/// Runs the terminal on an open port until Ctrl-] or the end of input: keys go out as typed
/// (Enter sends CR), the board's output streams to the screen with bare line ends shown as
/// CR LF. `pending` is what the board sent that was read from the port before (shown first).
pub fn session(mut port: Serial, pending: &[u8]) -> Result<(), TermError> {
    let mut writer = port.try_clone().map_err(TermError::Clone)?;
    eprintln!("connected to {} (Ctrl-] leaves)\r", port.name);
    let stdin = std::io::stdin();
    let raw = RawMode::enter(stdin);
    let done = Arc::new(AtomicBool::new(false));
    let d = done.clone();
    let keys = std::thread::spawn(move || -> Result<(), TermError> {
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
            writer.write_all(&bytes).map_err(|e| TermError::Write {
                port: writer.name.clone(),
                source: e.0,
            })?;
            writer.flush().map_err(|e| TermError::Drain {
                port: writer.name.clone(),
                source: e.0,
            })?;
            if exit {
                break;
            }
        }
        d.store(true, Ordering::Relaxed);
        Ok(())
    });
    let mut screen = BoardToScreen::default();
    let mut out = std::io::stdout().lock();
    out.write_all(&screen.feed(pending))?;
    out.flush()?;
    let mut buf = [0u8; 1024];
    let failed = |port: &Serial, source| TermError::Port {
        port: port.name.clone(),
        source,
    };
    while !done.load(Ordering::Relaxed) {
        match port.read_ready() {
            Ok(true) => {}
            Ok(false) => {
                std::thread::sleep(std::time::Duration::from_millis(2));
                continue;
            }
            Err(e) => return Err(failed(&port, e.0)),
        }
        match port.read(&mut buf) {
            Ok(n) => {
                out.write_all(&screen.feed(&buf[..n]))?;
                out.flush()?;
            }
            Err(e) if e.0.kind() == std::io::ErrorKind::TimedOut => {}
            Err(e) => return Err(failed(&port, e.0)),
        }
    }
    drop(raw);
    eprintln!();
    if keys.is_finished() {
        keys.join().map_err(|_| TermError::Keyboard)??;
    }
    Ok(())
}
