//! Zilog Z80 SIO/2 as wired on the RC2014 Dual Serial module: base+0 channel A control, base+1
//! channel A data, base+2 channel B control, base+3 channel B data. Polled asynchronous use:
//! WR0 selects the register for the next control access (bits 2-0) and issues commands (channel
//! reset = 0x18); RR0 reports Rx character available (bit 0), Tx buffer empty (bit 2), DCD (bit 3)
//! and CTS (bit 5); RR1 bit 0 is "all sent". The receiver and transmitter run only once enabled
//! in WR3 bit 0 and WR5 bit 3. Follows the Zilog Z80 SIO Technical Manual (UM0081), chapters 4-5.
//! Channel B is present but unconnected (never receives).

use super::serial_line::SerialLine;

#[derive(Debug, Clone, Default)]
struct Channel {
    pointer: u8,
    wr: [u8; 8],
}

impl Channel {
    fn write_control(&mut self, value: u8) -> bool {
        let reg = self.pointer;
        self.pointer = 0;
        if reg == 0 {
            self.wr[0] = value;
            self.pointer = value & 0x07;
            // Command bits 5-3: 011 = channel reset.
            if (value >> 3) & 0x07 == 0x03 {
                *self = Channel::default();
                return true;
            }
        } else {
            self.wr[reg as usize] = value;
        }
        false
    }
}

#[derive(Debug, Clone)]
pub struct Sio {
    pub line: SerialLine,
    a: Channel,
    b: Channel,
}

impl Sio {
    pub fn new(line: SerialLine) -> Self {
        Sio {
            line,
            a: Channel::default(),
            b: Channel::default(),
        }
    }

    fn rx_enabled(&self) -> bool {
        self.a.wr[3] & 0x01 != 0
    }

    fn tx_enabled(&self) -> bool {
        self.a.wr[5] & 0x08 != 0
    }

    /// `reg`: 0 = A control, 1 = A data, 2 = B control, 3 = B data.
    pub fn read(&mut self, reg: u8, now: u64) -> u8 {
        match reg & 3 {
            0 => {
                let ptr = self.a.pointer;
                self.a.pointer = 0;
                match ptr {
                    0 => {
                        let mut s = 0x08 | 0x20; // DCD, CTS asserted
                        if self.rx_enabled() && self.line.rx_ready(now) {
                            s |= 0x01;
                        }
                        if self.line.tx_ready(now) {
                            s |= 0x04;
                        }
                        s
                    }
                    1 => u8::from(self.line.tx_ready(now)),
                    _ => 0,
                }
            }
            1 if self.rx_enabled() => self.line.read_rx(now),
            2 => {
                self.b.pointer = 0;
                0x04 | 0x20
            }
            _ => 0,
        }
    }

    pub fn write(&mut self, reg: u8, value: u8, now: u64) {
        match reg & 3 {
            0 if self.a.write_control(value) => self.line.reset(),
            1 if self.tx_enabled() => self.line.write_tx(value, now),
            2 => {
                self.b.write_control(value);
            }
            _ => {}
        }
    }
}
