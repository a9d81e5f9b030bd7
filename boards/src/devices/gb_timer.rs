//! The Game Boy timer: DIV (0xFF04), TIMA (0xFF05), TMA (0xFF06), TAC (0xFF07), Pan Docs
//! "Timer and Divider Registers". DIV is the top byte of a 16-bit counter that runs at the
//! T-state clock; TIMA counts falling edges of counter bit 9/3/5/7 (TAC 0/1/2/3) while TAC bit 2
//! is set, reloads from TMA on overflow and requests the timer interrupt. (The one-M-cycle
//! reload delay is not modelled.)

/// Interrupt request bit (IF bit 2).
pub const IRQ_TIMER: u8 = 0x04;

#[derive(Debug, Default)]
pub struct Timer {
    counter: u16,
    tima: u8,
    tma: u8,
    tac: u8,
}

impl Timer {
    pub fn new() -> Self {
        // After the DMG boot ROM DIV reads 0xAB.
        Timer {
            counter: 0xABCC,
            tima: 0,
            tma: 0,
            tac: 0xF8,
        }
    }

    pub fn read(&self, addr: u16) -> u8 {
        match addr {
            0xFF04 => (self.counter >> 8) as u8,
            0xFF05 => self.tima,
            0xFF06 => self.tma,
            _ => 0xF8 | self.tac,
        }
    }

    pub fn write(&mut self, addr: u16, v: u8) {
        match addr {
            0xFF04 => self.counter = 0,
            0xFF05 => self.tima = v,
            0xFF06 => self.tma = v,
            _ => self.tac = v & 7,
        }
    }

    fn bit(&self) -> u16 {
        match self.tac & 3 {
            0 => 1 << 9,
            1 => 1 << 3,
            2 => 1 << 5,
            _ => 1 << 7,
        }
    }

    /// Advances `t` T-states (at most 8 per call, so the selected counter bit, 8 or more,
    /// falls at most once); returns the interrupt request raised.
    pub fn tick(&mut self, t: u32) -> u8 {
        let before = self.counter;
        self.counter = self.counter.wrapping_add(t as u16);
        if self.tac & 4 == 0 || before & self.bit() == 0 || self.counter & self.bit() != 0 {
            return 0;
        }
        let (v, overflow) = self.tima.overflowing_add(1);
        self.tima = if overflow { self.tma } else { v };
        if overflow {
            IRQ_TIMER
        } else {
            0
        }
    }
}
