//! An in-memory duplex pipe with fault injection: the scripted twin of a serial line. Each end
//! implements `embedded_io` Read/Write/ReadReady. Faults apply to bytes written into one direction:
//! flip bits in every Nth byte, drop every Nth byte, or make the port vanish after N bytes.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use embedded_io::{ErrorKind, ErrorType, Read, ReadReady, Write};

/// Faults injected into bytes written through an end.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// XOR 0x20 into every Nth byte (1-based count).
    pub corrupt_every: Option<usize>,
    /// Stop corrupting after this many corruptions.
    pub corrupt_limit: Option<usize>,
    /// Silently drop every Nth byte.
    pub drop_every: Option<usize>,
    /// Stop dropping after this many drops.
    pub drop_limit: Option<usize>,
    /// Send every Nth byte twice (a line that repeats a byte).
    pub duplicate_every: Option<usize>,
    /// Stop duplicating after this many duplicates.
    pub duplicate_limit: Option<usize>,
    /// After this many bytes the pipe breaks in both directions.
    pub vanish_after: Option<usize>,
}

#[derive(Default)]
struct Queue {
    bytes: VecDeque<u8>,
    closed: bool,
}

struct Shared {
    q: Mutex<Queue>,
    cv: Condvar,
}

/// One end of an in-memory pipe.
pub struct PipeEnd {
    rx: Arc<Shared>,
    tx: Arc<Shared>,
    faults: Faults,
    handles: Arc<()>,
    written: usize,
    corrupted: usize,
    dropped: usize,
    duplicated: usize,
}

/// Error from a pipe end: the other side vanished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PipeError(pub ErrorKind);

impl embedded_io::Error for PipeError {
    fn kind(&self) -> ErrorKind {
        self.0
    }
}

/// A connected pair of ends.
pub fn pipe() -> (PipeEnd, PipeEnd) {
    let a = Arc::new(Shared {
        q: Mutex::new(Queue::default()),
        cv: Condvar::new(),
    });
    let b = Arc::new(Shared {
        q: Mutex::new(Queue::default()),
        cv: Condvar::new(),
    });
    (PipeEnd::new(a.clone(), b.clone()), PipeEnd::new(b, a))
}

impl PipeEnd {
    fn new(rx: Arc<Shared>, tx: Arc<Shared>) -> Self {
        PipeEnd {
            rx,
            tx,
            faults: Faults::default(),
            handles: Arc::new(()),
            written: 0,
            corrupted: 0,
            dropped: 0,
            duplicated: 0,
        }
    }

    /// Another handle on the same end (e.g. one thread reads, another writes). The pipe closes
    /// when the last handle of an end is dropped.
    pub fn try_clone(&self) -> PipeEnd {
        PipeEnd {
            rx: self.rx.clone(),
            tx: self.tx.clone(),
            faults: self.faults.clone(),
            handles: self.handles.clone(),
            written: 0,
            corrupted: 0,
            dropped: 0,
            duplicated: 0,
        }
    }

    /// Inject faults into what this end writes.
    pub fn with_faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    /// Break the pipe: both sides see `NotConnected` from now on.
    pub fn close(&self) {
        for s in [&self.rx, &self.tx] {
            s.q.lock().unwrap().closed = true;
            s.cv.notify_all();
        }
    }

    /// Read with a timeout (for threads that drive an emulator): `Ok(0)` when nothing came.
    pub fn read_timeout(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, PipeError> {
        let mut q = self.rx.q.lock().unwrap();
        if q.bytes.is_empty() && !q.closed {
            q = self.rx.cv.wait_timeout(q, timeout).unwrap().0;
        }
        take(&mut q, buf)
    }
}

fn take(q: &mut Queue, buf: &mut [u8]) -> Result<usize, PipeError> {
    if q.bytes.is_empty() && q.closed {
        return Err(PipeError(ErrorKind::NotConnected));
    }
    let n = buf.len().min(q.bytes.len());
    for slot in buf.iter_mut().take(n) {
        *slot = q.bytes.pop_front().unwrap_or(0);
    }
    Ok(n)
}

impl Drop for PipeEnd {
    fn drop(&mut self) {
        if Arc::strong_count(&self.handles) == 1 {
            self.close();
        }
    }
}

impl ErrorType for PipeEnd {
    type Error = PipeError;
}

impl Read for PipeEnd {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, PipeError> {
        if buf.is_empty() {
            return Ok(0);
        }
        let mut q = self.rx.q.lock().unwrap();
        while q.bytes.is_empty() && !q.closed {
            q = self.rx.cv.wait(q).unwrap();
        }
        take(&mut q, buf)
    }
}

impl ReadReady for PipeEnd {
    fn read_ready(&mut self) -> Result<bool, PipeError> {
        let q = self.rx.q.lock().unwrap();
        if q.closed && q.bytes.is_empty() {
            return Err(PipeError(ErrorKind::NotConnected));
        }
        Ok(!q.bytes.is_empty())
    }
}

impl Write for PipeEnd {
    fn write(&mut self, buf: &[u8]) -> Result<usize, PipeError> {
        let mut q = self.tx.q.lock().unwrap();
        if q.closed {
            return Err(PipeError(ErrorKind::NotConnected));
        }
        for &b in buf {
            self.written += 1;
            if self.faults.vanish_after.is_some_and(|n| self.written > n) {
                drop(q);
                self.close();
                return Err(PipeError(ErrorKind::NotConnected));
            }
            let n = self.written;
            let hit = |every: Option<usize>, count: usize, limit: Option<usize>| {
                every.is_some_and(|e| e > 0 && n.is_multiple_of(e))
                    && !matches!(limit, Some(l) if count >= l)
            };
            if hit(self.faults.drop_every, self.dropped, self.faults.drop_limit) {
                self.dropped += 1;
                continue;
            }
            let mut b = b;
            if hit(
                self.faults.corrupt_every,
                self.corrupted,
                self.faults.corrupt_limit,
            ) {
                self.corrupted += 1;
                b ^= 0x20;
            }
            if hit(
                self.faults.duplicate_every,
                self.duplicated,
                self.faults.duplicate_limit,
            ) {
                self.duplicated += 1;
                q.bytes.push_back(b);
            }
            q.bytes.push_back(b);
        }
        self.tx.cv.notify_all();
        Ok(buf.len())
    }

    fn flush(&mut self) -> Result<(), PipeError> {
        Ok(())
    }
}

/// A pipe end is the host side of an emulated board's serial line.
impl boards::machines::rc2014::HostLine for PipeEnd {
    fn poll_in(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let mut q = self.rx.q.lock().unwrap();
        if q.closed && q.bytes.is_empty() {
            return Err(std::io::ErrorKind::NotConnected.into());
        }
        take(&mut q, buf).map_err(|_| std::io::ErrorKind::NotConnected.into())
    }

    fn write_out(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        embedded_io::Write::write_all(self, bytes)
            .map_err(|_| std::io::ErrorKind::NotConnected.into())
    }

    fn reset_requested(&mut self) -> bool {
        false
    }
}
