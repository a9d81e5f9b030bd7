//! The wire side of a UART, shared by the ACIA and SIO models: bytes from the host are handed to
//! the chip on the line's own schedule: each byte completes one character time (start + 8 data +
//! stop = 10 bits at the line rate, counted in CPU T-states) after the previous one, or after the
//! host wrote it, whichever is later, independent of when the CPU reads. A written byte keeps the
//! transmitter busy for one character time. The host side never overruns the chip: a byte that
//! completes while the receive register is still full waits, as with RTS/CTS.

use std::collections::VecDeque;

#[derive(Debug, Clone)]
pub struct SerialLine {
    /// T-states per character (10 bit times).
    pub cycles_per_char: u64,
    from_host: VecDeque<(u8, u64)>,
    rx: Option<u8>,
    /// Completion time of the last byte delivered from the host.
    line_free: u64,
    to_host: VecDeque<u8>,
    tx_free_at: u64,
}

impl SerialLine {
    /// A line at `baud` for a CPU clocked at `cpu_hz`; `baud = 0` means unpaced.
    pub fn new(cpu_hz: u32, baud: u32) -> Self {
        let cycles_per_char = if baud == 0 {
            0
        } else {
            (cpu_hz as u64 * 10).div_ceil(baud as u64)
        };
        SerialLine {
            cycles_per_char,
            from_host: VecDeque::new(),
            rx: None,
            line_free: 0,
            to_host: VecDeque::new(),
            tx_free_at: 0,
        }
    }

    /// Host -> board bytes, written by the host at CPU time `now`.
    pub fn push_from_host(&mut self, bytes: &[u8], now: u64) {
        self.from_host.extend(bytes.iter().map(|&b| (b, now)));
    }

    /// Bytes the host has queued that the chip has not received yet.
    pub fn pending_from_host(&self) -> usize {
        self.from_host.len() + usize::from(self.rx.is_some())
    }

    /// Board -> host bytes produced so far.
    pub fn take_to_host(&mut self) -> Vec<u8> {
        self.to_host.drain(..).collect()
    }

    /// Is a received byte waiting for the CPU at time `now`?
    pub fn rx_ready(&mut self, now: u64) -> bool {
        if self.rx.is_none() {
            if let Some(&(b, written)) = self.from_host.front() {
                let done = self.line_free.max(written) + self.cycles_per_char;
                if now >= done {
                    self.from_host.pop_front();
                    self.rx = Some(b);
                    self.line_free = done;
                }
            }
        }
        self.rx.is_some()
    }

    /// The CPU reads the receive register.
    pub fn read_rx(&mut self, now: u64) -> u8 {
        self.rx_ready(now);
        self.rx.take().unwrap_or(0)
    }

    /// Can the CPU write another byte at `now`?
    pub fn tx_ready(&self, now: u64) -> bool {
        now >= self.tx_free_at
    }

    /// The CPU writes the transmit register.
    pub fn write_tx(&mut self, b: u8, now: u64) {
        self.to_host.push_back(b);
        self.tx_free_at = now.max(self.tx_free_at) + self.cycles_per_char;
    }

    /// Drop any half-received state (chip reset).
    pub fn reset(&mut self) {
        self.rx = None;
    }
}
