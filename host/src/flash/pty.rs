//! Pseudo-terminals for the emulated boards: `z80lm emu` owns the master side and prints the
//! slave path, which picocom, minicom, screen and our own `flash`/`term` open like a serial port.
//! The emulator keeps a slave descriptor open itself (raw mode), so a client closing the port
//! never turns the master into a hang-up. Output is written with blocking writes; nothing here
//! ever discards queued bytes (no tcflush).
//!
//! The line rate is part of the emulation: the slave starts at the board's rate, and while a
//! client has set another rate on it (as `picocom -b 9600` or `flash --baud 9600` do), every
//! byte in either direction arrives garbled, as bytes sent at the wrong rate do on a real UART.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};

use nix::fcntl::{fcntl, FcntlArg, OFlag};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::pty::{grantpt, posix_openpt, ptsname_r, unlockpt, PtyMaster};
use nix::sys::termios::{cfmakeraw, cfsetspeed, tcgetattr, tcsetattr, SetArg};

/// The master side of a pty, with the slave held open in raw mode.
pub struct Pty {
    master: PtyMaster,
    slave: OwnedFd,
    path: PathBuf,
    /// The board's line rate in baud.
    baud: u32,
    /// The wrong rate last reported on stderr.
    warned: Option<u32>,
}

/// The termios speed for `baud` (115200 when it is not a standard rate).
fn speed_of(baud: u32) -> nix::sys::termios::BaudRate {
    use nix::sys::termios::BaudRate::*;
    match baud {
        300 => B300,
        1200 => B1200,
        2400 => B2400,
        4800 => B4800,
        9600 => B9600,
        19_200 => B19200,
        38_400 => B38400,
        57_600 => B57600,
        230_400 => B230400,
        _ => B115200,
    }
}

/// A byte received at the wrong line rate: the receiver samples the wrong bits.
fn garble(b: u8) -> u8 {
    (b.rotate_left(3) ^ 0xA5) | 0x80
}

impl Pty {
    /// A new pty whose slave runs at `baud` until a client sets another rate.
    pub fn open(baud: u32) -> std::io::Result<Pty> {
        let master = posix_openpt(OFlag::O_RDWR | OFlag::O_NOCTTY)?;
        grantpt(&master)?;
        unlockpt(&master)?;
        let path = PathBuf::from(ptsname_r(&master)?);
        let slave: OwnedFd = File::options().read(true).write(true).open(&path)?.into();
        let mut t = tcgetattr(slave.as_fd())?;
        cfmakeraw(&mut t);
        cfsetspeed(&mut t, speed_of(baud))?;
        tcsetattr(slave.as_fd(), SetArg::TCSANOW, &t)?;
        let flags = OFlag::from_bits_truncate(fcntl(master.as_raw_fd(), FcntlArg::F_GETFL)?);
        fcntl(
            master.as_raw_fd(),
            FcntlArg::F_SETFL(flags | OFlag::O_NONBLOCK),
        )?;
        Ok(Pty {
            master,
            slave,
            path,
            baud,
            warned: None,
        })
    }

    /// Whether the client's rate (the slave's output speed) differs from the board's. Read with
    /// the TCGETS2 ioctl, the only call that gives the rate in baud for standard and custom
    /// (BOTHER) rates alike; the serialport crate sets every rate as BOTHER through termios2, so
    /// `tcgetattr` cannot tell what a client asked for.
    #[allow(unsafe_code)]
    fn client_rate(&self) -> Option<u32> {
        // SAFETY: termios2 is plain old data (all-zero is a valid value), TCGETS2 writes exactly
        // one termios2 through the pointer, and the fd stays open as long as `self`.
        let mut t: nix::libc::termios2 = unsafe { std::mem::zeroed() };
        let r = unsafe { nix::libc::ioctl(self.slave.as_raw_fd(), nix::libc::TCGETS2, &mut t) };
        (r == 0).then_some(t.c_ospeed)
    }

    /// Whether the line is garbled now; says so on stderr (once per rate) so that a terminal
    /// left at its default rate is easy to tell from a broken board.
    fn wrong_rate(&mut self) -> bool {
        let rate = self.client_rate().unwrap_or(self.baud);
        if rate != self.baud && self.warned != Some(rate) {
            eprintln!(
                "the client on {} set the line to {rate} baud; the board runs at {} baud, so both \
                 sides see garbage, as on a real line (e.g. picocom -b {}, screen PORT {})",
                self.path.display(),
                self.baud,
                self.baud,
                self.baud
            );
            self.warned = Some(rate);
        }
        rate != self.baud
    }

    /// The slave device path (e.g. /dev/pts/3).
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl boards::machines::rc2014::HostLine for Pty {
    fn poll_in(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match (&self.master).read(buf) {
            Ok(n) if n > 0 && self.wrong_rate() => {
                buf[..n].iter_mut().for_each(|b| *b = garble(*b));
                Ok(n)
            }
            Ok(n) => Ok(n),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => Ok(0),
            // EIO: no client has the slave open right now; nothing to read.
            Err(e) if e.raw_os_error() == Some(nix::libc::EIO) => Ok(0),
            Err(e) => Err(e),
        }
    }

    fn write_out(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        let garbled: Vec<u8>;
        let mut bytes = if self.wrong_rate() {
            garbled = bytes.iter().map(|&b| garble(b)).collect();
            &garbled[..]
        } else {
            bytes
        };
        while !bytes.is_empty() {
            match (&self.master).write(bytes) {
                Ok(n) => bytes = &bytes[n..],
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    let mut fds = [PollFd::new(self.master.as_fd(), PollFlags::POLLOUT)];
                    poll(&mut fds, PollTimeout::from(100u8))?;
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}
