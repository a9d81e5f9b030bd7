//! Progress reporting for transfers: a trait with no-op defaults. The CLI renders it with
//! indicatif; tests count the calls.

/// Callbacks from a transfer. Every method has a no-op default.
pub trait Progress {
    /// The transfer starts: `total` payload bytes.
    fn init(&mut self, _total: usize) {}
    /// `done` payload bytes have been acknowledged so far.
    fn update(&mut self, _done: usize) {}
    /// A block is being sent again (`reason` says why).
    fn retry(&mut self, _block: u32, _reason: &str) {}
    /// The board is verifying / programming (free text from the loader).
    fn status(&mut self, _line: &str) {}
    /// The second phase, after the transfer: the board programs its flash, `done` of `total`
    /// sectors handled (written or found unchanged).
    fn program(&mut self, _done: usize, _total: usize) {}
    /// The transfer finished.
    fn finish(&mut self) {}
}

/// Reports nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {}
