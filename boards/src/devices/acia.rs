//! Motorola MC68B50 ACIA as wired on the RC2014 Serial I/O module: control/status register at the
//! even port, data at the odd port (RS = A0). Polled use only: the status register reports RDRF
//! (bit 0), TDRE (bit 1), DCD low (bit 2 = 0) and CTS low (bit 3 = 0); a control write of
//! CR1:CR0 = 11 is a master reset. Follows the MC6850 data sheet, "Status register" and
//! "Control register" sections. Interrupts are not modelled (IRQ bit 7 reads 0).

use super::serial_line::SerialLine;

pub const STATUS_RDRF: u8 = 0x01;
pub const STATUS_TDRE: u8 = 0x02;

#[derive(Debug, Clone)]
pub struct Acia {
    pub line: SerialLine,
    control: u8,
    in_reset: bool,
}

impl Acia {
    pub fn new(line: SerialLine) -> Self {
        Acia {
            line,
            control: 0x03,
            in_reset: true,
        }
    }

    /// Last value written to the control register.
    pub fn control(&self) -> u8 {
        self.control
    }

    /// `reg` is 0 for control/status, 1 for data.
    pub fn read(&mut self, reg: u8, now: u64) -> u8 {
        if reg & 1 == 0 {
            if self.in_reset {
                return 0;
            }
            let mut s = 0;
            if self.line.rx_ready(now) {
                s |= STATUS_RDRF;
            }
            if self.line.tx_ready(now) {
                s |= STATUS_TDRE;
            }
            s
        } else {
            self.line.read_rx(now)
        }
    }

    pub fn write(&mut self, reg: u8, value: u8, now: u64) {
        if reg & 1 == 0 {
            self.control = value;
            self.in_reset = value & 0x03 == 0x03;
            if self.in_reset {
                self.line.reset();
            }
        } else if !self.in_reset {
            self.line.write_tx(value, now);
        }
    }
}
