//! The byte link every transfer runs over: `embedded_io` Read/Write/ReadReady plus a [`Clock`],
//! so the same protocol code drives a real serial port, a pseudo-terminal, or an in-memory pipe
//! (with a virtual clock and injected faults in tests).

use std::sync::{Arc, Condvar, Mutex};
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

/// Simulated time shared by the threads of a simulation (each holds its own handle, a clone):
/// time stands still while any of them works and jumps to the earliest wake-up when all of
/// them sleep. A timeout then expires only when nothing else can happen first, however busy
/// the machine is, so retry counts and timeouts are exact. A thread that blocks anywhere but in
/// [`Clock::sleep`] while holding a handle stops the clock (drop the handle first).
#[derive(Debug)]
pub struct VirtualClock(Arc<(Mutex<Timeline>, Condvar)>);

#[derive(Debug, Default)]
struct Timeline {
    now: Duration,
    /// Live handles.
    members: usize,
    /// Wake-up times of the handles now sleeping.
    sleeping: Vec<Duration>,
}

impl Timeline {
    /// All handles sleep and none is due: jump to the earliest wake-up.
    fn advance(&mut self) -> bool {
        if self.members > 0
            && self.sleeping.len() == self.members
            && self.sleeping.iter().all(|&w| w > self.now)
        {
            self.now = self.sleeping.iter().copied().min().unwrap_or(self.now);
            return true;
        }
        false
    }
}

/// Real time after which a [`VirtualClock`] that cannot advance is a bug in the simulation.
const STALL: Duration = Duration::from_secs(120);

impl VirtualClock {
    /// A clock at time zero with one handle.
    pub fn new() -> Self {
        let line = Timeline {
            members: 1,
            ..Timeline::default()
        };
        VirtualClock(Arc::new((Mutex::new(line), Condvar::new())))
    }
}

impl Default for VirtualClock {
    fn default() -> Self {
        Self::new()
    }
}

/// Another handle on the same time line (for another thread).
impl Clone for VirtualClock {
    fn clone(&self) -> Self {
        self.0 .0.lock().unwrap_or_else(|e| e.into_inner()).members += 1;
        VirtualClock(self.0.clone())
    }
}

impl Drop for VirtualClock {
    fn drop(&mut self) {
        let (line, cv) = &*self.0;
        let mut t = line.lock().unwrap_or_else(|e| e.into_inner());
        t.members -= 1;
        t.advance();
        cv.notify_all();
    }
}

impl Clock for VirtualClock {
    fn now(&self) -> Duration {
        self.0 .0.lock().unwrap_or_else(|e| e.into_inner()).now
    }

    fn sleep(&mut self, d: Duration) {
        let (line, cv) = &*self.0;
        let mut t = line.lock().unwrap_or_else(|e| e.into_inner());
        let wake = t.now + d.max(Duration::from_nanos(1));
        t.sleeping.push(wake);
        while t.now < wake {
            if t.advance() {
                cv.notify_all();
                continue;
            }
            let (next, waited) = cv.wait_timeout(t, STALL).unwrap_or_else(|e| e.into_inner());
            t = next;
            assert!(
                !waited.timed_out() || t.now >= wake,
                "virtual clock stalled for {STALL:?}: a thread holding a handle is blocked outside \
                 Clock::sleep"
            );
        }
        let i = t
            .sleeping
            .iter()
            .position(|&w| w == wake)
            .expect("own wake-up");
        t.sleeping.swap_remove(i);
        // Others may all be asleep now that this one is awake and leaving: nothing to do until
        // it sleeps again or drops its handle.
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

    /// The port back, with the bytes already received but not yet read (what a terminal on
    /// the same port shows first).
    pub fn into_parts(self) -> (P, Vec<u8>) {
        let pending = self.buf[self.pos..].to_vec();
        (self.port, pending)
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
