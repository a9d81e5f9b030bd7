//! Host side of a console or serial line, shared by every emulated machine.
//!
//! A machine asks for keys and hands over output bytes together with the
//! T-state at which the program produced them, so callers can measure
//! T-states per character. [`ScriptedConsole`] is the in-memory twin used by
//! tests; [`StdioConsole`] talks to the process's stdin/stdout.

use std::collections::VecDeque;
use std::io::{Read, Write};

/// The host end of a console.
pub trait Console {
    /// A key if one is waiting, without blocking.
    fn poll_key(&mut self) -> Option<u8>;
    /// Wait for a key. `None` means the input is exhausted or closed.
    fn wait_key(&mut self) -> Option<u8>;
    /// The program wrote `b` at cycle count `t_state`.
    fn put(&mut self, b: u8, t_state: u64);
}

/// In-memory console: queued input, recorded output with T-states.
#[derive(Debug, Clone, Default)]
pub struct ScriptedConsole {
    input: VecDeque<u8>,
    output: Vec<u8>,
    times: Vec<u64>,
}

impl ScriptedConsole {
    /// A console whose keyboard will type `input`.
    pub fn new(input: &[u8]) -> Self {
        ScriptedConsole {
            input: input.iter().copied().collect(),
            ..Self::default()
        }
    }

    /// Queue more keys.
    pub fn push_input(&mut self, input: &[u8]) {
        self.input.extend(input.iter().copied());
    }

    /// Keys not yet read by the program.
    pub fn pending_input(&self) -> usize {
        self.input.len()
    }

    /// Everything the program wrote.
    pub fn output(&self) -> &[u8] {
        &self.output
    }

    /// The output as text (lossy UTF-8).
    pub fn output_text(&self) -> String {
        String::from_utf8_lossy(&self.output).into_owned()
    }

    /// The T-state at which each output byte was written.
    pub fn output_times(&self) -> &[u64] {
        &self.times
    }

    /// Forget the recorded output (input is kept).
    pub fn clear_output(&mut self) {
        self.output.clear();
        self.times.clear();
    }
}

impl Console for ScriptedConsole {
    fn poll_key(&mut self) -> Option<u8> {
        self.input.pop_front()
    }

    fn wait_key(&mut self) -> Option<u8> {
        self.input.pop_front()
    }

    fn put(&mut self, b: u8, t_state: u64) {
        self.output.push(b);
        self.times.push(t_state);
    }
}

/// Console on the process's stdin/stdout. Input is line-buffered by the
/// terminal; `poll_key` only returns keys already read from a line, and a
/// `\n` from the host is delivered as CR (what a CP/M keyboard sends).
#[derive(Debug, Default)]
pub struct StdioConsole {
    pending: VecDeque<u8>,
    closed: bool,
}

impl StdioConsole {
    pub fn new() -> Self {
        Self::default()
    }

    fn fill(&mut self) {
        if self.closed {
            return;
        }
        let _ = std::io::stdout().flush();
        let mut buf = [0u8; 256];
        match std::io::stdin().read(&mut buf) {
            Ok(0) | Err(_) => self.closed = true,
            Ok(n) => self
                .pending
                .extend(buf[..n].iter().map(|&b| if b == b'\n' { b'\r' } else { b })),
        }
    }
}

impl Console for StdioConsole {
    fn poll_key(&mut self) -> Option<u8> {
        self.pending.pop_front()
    }

    fn wait_key(&mut self) -> Option<u8> {
        if self.pending.is_empty() {
            self.fill();
        }
        self.pending.pop_front()
    }

    fn put(&mut self, b: u8, _t_state: u64) {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(&[b]);
        if b == b'\n' {
            let _ = out.flush();
        }
    }
}
