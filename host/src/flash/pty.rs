//! Pseudo-terminals for the emulated boards: `z80lm emu` owns the master side and prints the
//! slave path, which picocom, minicom, screen and our own `flash`/`term` open like a serial port.
//! The emulator keeps a slave descriptor open itself (raw mode), so a client closing the port
//! never turns the master into a hang-up. Output is written with blocking writes; nothing here
//! ever discards queued bytes (no tcflush).

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};

use nix::fcntl::{fcntl, FcntlArg, OFlag};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::pty::{grantpt, posix_openpt, ptsname_r, unlockpt, PtyMaster};
use nix::sys::termios::{cfmakeraw, tcgetattr, tcsetattr, SetArg};

/// The master side of a pty, with the slave held open in raw mode.
pub struct Pty {
    master: PtyMaster,
    _slave: OwnedFd,
    path: PathBuf,
}

impl Pty {
    pub fn open() -> std::io::Result<Pty> {
        let master = posix_openpt(OFlag::O_RDWR | OFlag::O_NOCTTY)?;
        grantpt(&master)?;
        unlockpt(&master)?;
        let path = PathBuf::from(ptsname_r(&master)?);
        let slave: OwnedFd = File::options().read(true).write(true).open(&path)?.into();
        let mut t = tcgetattr(slave.as_fd())?;
        cfmakeraw(&mut t);
        tcsetattr(slave.as_fd(), SetArg::TCSANOW, &t)?;
        let flags = OFlag::from_bits_truncate(fcntl(master.as_raw_fd(), FcntlArg::F_GETFL)?);
        fcntl(
            master.as_raw_fd(),
            FcntlArg::F_SETFL(flags | OFlag::O_NONBLOCK),
        )?;
        Ok(Pty {
            master,
            _slave: slave,
            path,
        })
    }

    /// The slave device path (e.g. /dev/pts/3).
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl boards::machines::rc2014::HostLine for Pty {
    fn poll_in(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match (&self.master).read(buf) {
            Ok(n) => Ok(n),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => Ok(0),
            // EIO: no client has the slave open right now; nothing to read.
            Err(e) if e.raw_os_error() == Some(nix::libc::EIO) => Ok(0),
            Err(e) => Err(e),
        }
    }

    fn write_out(&mut self, mut bytes: &[u8]) -> std::io::Result<()> {
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
