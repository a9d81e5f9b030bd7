//! The Game Boy link port: SB (0xFF01) and SC (0xFF02), Pan Docs "Serial Data Transfer".
//! Writing SC with bits 7 and 0 set starts an internal-clock transfer at 8192 Hz: eight bits of
//! 512 T-states each. With a partner the bytes swap; here the partner is a host-side queue
//! (0xFF when empty, as with no cable). When done, SC bit 7 clears and the serial interrupt is
//! requested. An external-clock transfer waits for a clock this machine never provides.

use std::collections::VecDeque;

/// T-states per transferred byte at the normal (DMG) internal clock.
pub const TSTATES_PER_BYTE: u32 = 8 * 512;
/// Interrupt request bit (IF bit 3).
pub const IRQ_SERIAL: u8 = 0x08;

#[derive(Debug, Default)]
pub struct Serial {
    sb: u8,
    sc: u8,
    remaining: u32,
    /// Bytes the Game Boy sent.
    pub sent: Vec<u8>,
    /// Bytes the partner will send, one per transfer.
    pub incoming: VecDeque<u8>,
}

impl Serial {
    pub fn read(&self, addr: u16) -> u8 {
        if addr == 0xFF01 {
            self.sb
        } else {
            0x7E | self.sc
        }
    }

    pub fn write(&mut self, addr: u16, v: u8) {
        if addr == 0xFF01 {
            self.sb = v;
            return;
        }
        self.sc = v & 0x81;
        if v & 0x81 == 0x81 {
            self.remaining = TSTATES_PER_BYTE;
        }
    }

    /// Advances `t` T-states; returns the interrupt request raised.
    pub fn tick(&mut self, t: u32) -> u8 {
        if self.remaining == 0 {
            return 0;
        }
        self.remaining = self.remaining.saturating_sub(t);
        if self.remaining > 0 {
            return 0;
        }
        self.sent.push(self.sb);
        self.sb = self.incoming.pop_front().unwrap_or(0xFF);
        self.sc &= 0x01;
        IRQ_SERIAL
    }
}
