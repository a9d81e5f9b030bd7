//! The byte link every transfer runs over: `embedded_io` Read/Write/ReadReady plus a [`Clock`],
//! so the same protocol code drives a real serial port, a pseudo-terminal, or an in-memory pipe
//! (with a virtual clock and injected faults in tests).

use std::time::{Duration, Instant};

use embedded_io::{Error as _, ErrorKind, ErrorType, Read, ReadReady, Write};

/// Time source for protocol timeouts.
pub trait Clock {
    /// Time since an arbitrary, fixed start.
    fn now(&self) -> Duration;
    /// Wait a little before polling again (a virtual clock just advances).
    fn sleep(&mut self, d: Duration);
}

/// Wall-clock time.
#[derive(Debug, Clone)]
pub struct SystemClock(Instant);

impl Default for SystemClock {
    fn default() -> Self {
        SystemClock(Instant::now())
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        self.0.elapsed()
    }
    fn sleep(&mut self, d: Duration) {
        std::thread::sleep(d)
    }
}

/// A link error: what went wrong with the port itself (not the protocol).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkError {
    pub kind: ErrorKind,
    pub message: String,
}

impl std::fmt::Display for LinkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.message.is_empty() {
            write!(f, "{:?}", self.kind)
        } else {
            f.write_str(&self.message)
        }
    }
}

impl std::error::Error for LinkError {}

/// Convert any `embedded_io` error into a [`LinkError`].
pub fn link_error<E: embedded_io::Error + std::fmt::Debug>(e: E) -> LinkError {
    LinkError {
        kind: e.kind(),
        message: format!("{e:?}"),
    }
}

/// A duplex byte stream with a timeout-aware read built on `ReadReady` + [`Clock`].
pub struct Link<P, C> {
    pub port: P,
    pub clock: C,
    /// Poll interval while waiting for input.
    pub poll: Duration,
    buf: Vec<u8>,
    pos: usize,
}

impl<P, C> Link<P, C>
where
    P: Read + Write + ReadReady + ErrorType,
    P::Error: std::fmt::Debug,
    C: Clock,
{
    pub fn new(port: P, clock: C) -> Self {
        Link {
            port,
            clock,
            poll: Duration::from_millis(1),
            buf: Vec::new(),
            pos: 0,
        }
    }

    /// Read one byte, or `None` when nothing arrives within `timeout`.
    pub fn read_byte(&mut self, timeout: Duration) -> Result<Option<u8>, LinkError> {
        if self.pos < self.buf.len() {
            let b = self.buf[self.pos];
            self.pos += 1;
            return Ok(Some(b));
        }
        let deadline = self.clock.now() + timeout;
        loop {
            let ready = match self.port.read_ready() {
                Ok(r) => r,
                Err(e) => return Err(link_error(e)),
            };
            if ready {
                let mut chunk = [0u8; 2048];
                match self.port.read(&mut chunk) {
                    Ok(0) => {
                        return Err(LinkError {
                            kind: ErrorKind::NotConnected,
                            message: "the port closed".into(),
                        })
                    }
                    Ok(n) => {
                        self.buf.clear();
                        self.buf.extend_from_slice(&chunk[..n]);
                        self.pos = 1;
                        return Ok(Some(chunk[0]));
                    }
                    Err(e)
                        if e.kind() == ErrorKind::TimedOut
                            || e.kind() == ErrorKind::Interrupted => {}
                    Err(e) => return Err(link_error(e)),
                }
            }
            if self.clock.now() >= deadline {
                return Ok(None);
            }
            let poll = self.poll;
            self.clock.sleep(poll);
        }
    }

    /// Read exactly `out.len()` bytes, each within `timeout` of the previous one.
    /// Returns how many arrived before a gap longer than `timeout`.
    pub fn read_exact_timeout(
        &mut self,
        out: &mut [u8],
        timeout: Duration,
    ) -> Result<usize, LinkError> {
        for (i, slot) in out.iter_mut().enumerate() {
            match self.read_byte(timeout)? {
                Some(b) => *slot = b,
                None => return Ok(i),
            }
        }
        Ok(out.len())
    }

    /// Drop anything already received, until the line is quiet for `quiet`.
    pub fn purge(&mut self, quiet: Duration) -> Result<usize, LinkError> {
        self.purge_at_most(quiet, Duration::from_secs(2))
    }

    /// Like [`Link::purge`], but give up after `max` on a line that never goes quiet.
    pub fn purge_at_most(&mut self, quiet: Duration, max: Duration) -> Result<usize, LinkError> {
        let end = self.clock.now() + max;
        let mut n = 0;
        while self.clock.now() < end && self.read_byte(quiet)?.is_some() {
            n += 1;
        }
        Ok(n)
    }

    /// Write all bytes and wait until they have left (drain, never discard).
    pub fn send(&mut self, bytes: &[u8]) -> Result<(), LinkError> {
        self.port.write_all(bytes).map_err(link_error)?;
        self.port.flush().map_err(link_error)
    }
}
