//! A serial port (or pty) as an `embedded_io` byte stream, via the serialport crate. Errors from
//! opening name the port and point at the fix. `flush` drains (tcdrain): the last bytes of a
//! transfer are never discarded.

use std::time::Duration;

use embedded_io::{ErrorKind, ErrorType, Read, ReadReady, Write};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum OpenError {
    #[error("serial port {0} not found; z80lm ports lists the ports this system has (see kicad-notes/troubleshooting.md#port-not-found)")]
    NotFound(String),
    #[error("permission denied opening {0}; add yourself to the dialout group (see kicad-notes/troubleshooting.md#permission-denied)")]
    Permission(String),
    #[error("{0} is in use by another program (see kicad-notes/troubleshooting.md#port-busy)")]
    Busy(String),
    #[error("cannot open {port}: {message} (see kicad-notes/troubleshooting.md#port-not-found)")]
    Other { port: String, message: String },
}

/// An open serial port.
pub struct Serial {
    port: Box<dyn serialport::SerialPort>,
    pub name: String,
}

/// An I/O error on an open port.
pub struct SerialError(pub std::io::Error);

/// Shown as the OS error text ("Input/output error (os error 5)"), which is what a user needs
/// in a one-line message.
impl std::fmt::Debug for SerialError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl embedded_io::Error for SerialError {
    fn kind(&self) -> ErrorKind {
        match self.0.kind() {
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => ErrorKind::TimedOut,
            std::io::ErrorKind::Interrupted => ErrorKind::Interrupted,
            std::io::ErrorKind::NotFound => ErrorKind::NotFound,
            std::io::ErrorKind::BrokenPipe => ErrorKind::BrokenPipe,
            _ => ErrorKind::Other,
        }
    }
}

impl Serial {
    /// Open `port` at `baud`, 8N1, no flow control.
    pub fn open(port: &str, baud: u32) -> Result<Serial, OpenError> {
        if !std::path::Path::new(port).exists() && port.starts_with('/') {
            return Err(OpenError::NotFound(port.into()));
        }
        let p = serialport::new(port, baud)
            .timeout(Duration::from_millis(10))
            .flow_control(serialport::FlowControl::None)
            .open()
            .map_err(|e| match e.kind {
                // serialport reports another program holding the port (EBUSY from TIOCEXCL, or
                // its exclusive flock taken, which is what root meets) as NoDevice, with the
                // reason in its text.
                _ if e.description.contains("Device or resource busy")
                    || e.description.contains("Unable to acquire") =>
                {
                    OpenError::Busy(port.into())
                }
                serialport::ErrorKind::NoDevice => OpenError::NotFound(port.into()),
                serialport::ErrorKind::Io(std::io::ErrorKind::NotFound) => {
                    OpenError::NotFound(port.into())
                }
                serialport::ErrorKind::Io(std::io::ErrorKind::PermissionDenied) => {
                    OpenError::Permission(port.into())
                }
                _ => OpenError::Other {
                    port: port.into(),
                    message: e.description,
                },
            })?;
        Ok(Serial {
            port: p,
            name: port.into(),
        })
    }

    /// A second handle on the same port (one thread reads, another writes).
    pub fn try_clone(&self) -> std::io::Result<Serial> {
        Ok(Serial {
            port: self.port.try_clone().map_err(std::io::Error::other)?,
            name: self.name.clone(),
        })
    }
}

impl ErrorType for Serial {
    type Error = SerialError;
}

impl Read for Serial {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, SerialError> {
        match std::io::Read::read(&mut self.port, buf) {
            Ok(0) => Err(SerialError(std::io::ErrorKind::BrokenPipe.into())),
            Ok(n) => Ok(n),
            Err(e) => Err(SerialError(e)),
        }
    }
}

impl ReadReady for Serial {
    fn read_ready(&mut self) -> Result<bool, SerialError> {
        self.port
            .bytes_to_read()
            .map(|n| n > 0)
            .map_err(|e| SerialError(std::io::Error::other(e.description)))
    }
}

impl Write for Serial {
    fn write(&mut self, buf: &[u8]) -> Result<usize, SerialError> {
        std::io::Write::write(&mut self.port, buf).map_err(SerialError)
    }

    /// Waits until everything written has left (tcdrain); never discards.
    fn flush(&mut self) -> Result<(), SerialError> {
        std::io::Write::flush(&mut self.port).map_err(SerialError)
    }
}

/// The serial ports this system has: (name, description).
pub fn list() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = serialport::available_ports()
        .unwrap_or_default()
        .into_iter()
        .map(|p| {
            let what = match p.port_type {
                serialport::SerialPortType::UsbPort(u) => format!(
                    "USB {:04x}:{:04x} {} {}",
                    u.vid,
                    u.pid,
                    u.manufacturer.unwrap_or_default(),
                    u.product.unwrap_or_default()
                )
                .trim_end()
                .to_string(),
                serialport::SerialPortType::PciPort => "PCI".into(),
                serialport::SerialPortType::BluetoothPort => "Bluetooth".into(),
                serialport::SerialPortType::Unknown => "serial".into(),
            };
            (p.port_name, what)
        })
        .collect();
    out.sort();
    out
}

/// Which port to use when none was given, from [`list`]'s ports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortChoice {
    /// The only USB serial port.
    One(String),
    /// No USB serial port (the other ports, e.g. built-in UARTs, are listed).
    NoUsb(Vec<(String, String)>),
    /// Several USB serial ports: the user must pick one.
    Several(Vec<(String, String)>),
}

/// Picks the port as espflash does: the only USB serial adapter, else none or a list to choose
/// from.
pub fn choose(ports: &[(String, String)]) -> PortChoice {
    let usb: Vec<(String, String)> = ports
        .iter()
        .filter(|(_, what)| what.starts_with("USB"))
        .cloned()
        .collect();
    match usb.len() {
        0 => PortChoice::NoUsb(ports.to_vec()),
        1 => PortChoice::One(usb[0].0.clone()),
        _ => PortChoice::Several(usb),
    }
}

#[cfg(test)]
mod choose_tests {
    use super::*;

    fn p(name: &str, what: &str) -> (String, String) {
        (name.into(), what.into())
    }

    #[test]
    fn the_only_usb_port_is_picked_and_others_are_listed() {
        let uart = p("/dev/ttyS0", "serial");
        let ftdi = p("/dev/ttyUSB0", "USB 0403:6001 FTDI FT232R");
        let ch340 = p("/dev/ttyUSB1", "USB 1a86:7523");
        assert_eq!(
            choose(&[uart.clone(), ftdi.clone()]),
            PortChoice::One("/dev/ttyUSB0".into())
        );
        assert_eq!(
            choose(std::slice::from_ref(&uart)),
            PortChoice::NoUsb(vec![uart.clone()])
        );
        assert_eq!(
            choose(&[ftdi.clone(), uart, ch340.clone()]),
            PortChoice::Several(vec![ftdi, ch340])
        );
    }
}
