//! The streaming chat terminal: CRLF handling in both directions, the exit key (Ctrl-], as
//! telnet and picocom's escape), a raw-mode guard for the local tty, and the [`session`] on a
//! serial port.

pub mod session;

/// The key that leaves `z80lm term`: Ctrl-] (0x1D).
pub const EXIT_KEY: u8 = 0x1D;

/// Keyboard -> board: Enter (CR in raw mode, LF from a pipe) becomes one CR; the exit key stops.
#[derive(Debug, Default)]
pub struct KeysToBoard {
    last_cr: bool,
}

/// What to do with a chunk of keyboard input.
#[derive(Debug, PartialEq, Eq)]
pub enum Keys {
    Send(Vec<u8>),
    /// Send these, then leave.
    Exit(Vec<u8>),
}

impl KeysToBoard {
    pub fn feed(&mut self, input: &[u8]) -> Keys {
        let mut out = Vec::with_capacity(input.len());
        for &b in input {
            match b {
                EXIT_KEY => return Keys::Exit(out),
                b'\n' if self.last_cr => {}
                b'\n' | b'\r' => out.push(b'\r'),
                _ => out.push(b),
            }
            self.last_cr = b == b'\r';
        }
        Keys::Send(out)
    }
}

/// Removes LF, CR or CR LF from the end of a line.
pub fn strip_terminator(line: &mut Vec<u8>) {
    if line.last() == Some(&b'\n') {
        line.pop();
    }
    if line.last() == Some(&b'\r') {
        line.pop();
    }
}

/// Board -> screen: a bare LF or a bare CR becomes CR LF so lines start at the left edge in raw
/// mode; CR LF passes through unchanged.
#[derive(Debug, Default)]
pub struct BoardToScreen {
    last_cr: bool,
}

impl BoardToScreen {
    pub fn feed(&mut self, input: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(input.len() + 8);
        for &b in input {
            match b {
                b'\n' if self.last_cr => out.push(b'\n'),
                b'\n' => out.extend_from_slice(b"\r\n"),
                b'\r' => out.push(b'\r'),
                _ => {
                    if self.last_cr {
                        out.push(b'\n');
                    }
                    out.push(b);
                }
            }
            self.last_cr = b == b'\r';
        }
        out
    }
}

#[cfg(unix)]
pub use raw::{RawMode, RawStdin};

/// Without termios (Windows) the console stays line-buffered: [`RawMode::enter`] reports that
/// it cannot switch, as it does for input that is not a terminal.
#[cfg(not(unix))]
pub struct RawMode;

#[cfg(not(unix))]
impl RawMode {
    pub fn enter<F>(_fd: F) -> Option<Self> {
        None
    }
}

#[cfg(unix)]
mod raw {
    use std::io::Stdin;
    use std::os::fd::AsFd;

    use nix::sys::termios::{cfmakeraw, tcgetattr, tcsetattr, LocalFlags, SetArg, Termios};

    /// Puts a terminal in raw mode and restores it when dropped.
    pub struct RawMode<F: AsFd> {
        fd: F,
        saved: Termios,
    }

    impl<F: AsFd> RawMode<F> {
        /// Raw mode on `fd`, or `None` when it is not a terminal (input from a pipe).
        pub fn enter(fd: F) -> Option<Self> {
            let saved = tcgetattr(fd.as_fd()).ok()?;
            let mut raw = saved.clone();
            cfmakeraw(&mut raw);
            tcsetattr(fd.as_fd(), SetArg::TCSANOW, &raw).ok()?;
            Some(RawMode { fd, saved })
        }
    }

    impl<F: AsFd> Drop for RawMode<F> {
        fn drop(&mut self) {
            let _ = tcsetattr(self.fd.as_fd(), SetArg::TCSANOW, &self.saved);
        }
    }

    /// The keyboard as a serial terminal sends it: stdin key by key, no local echo or line
    /// editing (the program echoes), output as the program writes it; Ctrl-C still interrupts.
    /// The terminal is restored when this is dropped (return, error, panic) and on Ctrl-C.
    pub struct RawStdin {
        saved: Termios,
    }

    impl RawStdin {
        /// Key-by-key input on stdin, or `None` when stdin is not a terminal.
        pub fn enter() -> Option<Self> {
            let stdin = std::io::stdin();
            let saved = tcgetattr(stdin.as_fd()).ok()?;
            let mut raw = saved.clone();
            cfmakeraw(&mut raw);
            raw.local_flags |= LocalFlags::ISIG;
            raw.output_flags = saved.output_flags;
            let restore = saved.clone();
            // Ctrl-C ends the process from the handler; the terminal is put back first. An
            // already installed handler (a library user's) stays; Drop still restores.
            let _ = ctrlc::set_handler(move || {
                reset(&std::io::stdin(), &restore);
                std::process::exit(130);
            });
            tcsetattr(stdin.as_fd(), SetArg::TCSANOW, &raw).ok()?;
            Some(RawStdin { saved })
        }
    }

    fn reset(stdin: &Stdin, saved: &Termios) {
        let _ = tcsetattr(stdin.as_fd(), SetArg::TCSANOW, saved);
    }

    impl Drop for RawStdin {
        fn drop(&mut self) {
            reset(&std::io::stdin(), &self.saved);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enter_becomes_one_cr_and_exit_key_stops() {
        let mut k = KeysToBoard::default();
        assert_eq!(k.feed(b"hi\r\nyo\n"), Keys::Send(b"hi\ryo\r".to_vec()));
        assert_eq!(k.feed(b"ab\x1dcd"), Keys::Exit(b"ab".to_vec()));
    }

    #[test]
    fn bare_line_ends_become_crlf() {
        let mut s = BoardToScreen::default();
        assert_eq!(s.feed(b"a\nb\r\nc"), b"a\r\nb\r\nc".to_vec());
        assert_eq!(s.feed(b"d\r"), b"d\r".to_vec());
        assert_eq!(s.feed(b"e"), b"\ne".to_vec());
        assert_eq!(s.feed(b"\r"), b"\r".to_vec());
        assert_eq!(s.feed(b"\n"), b"\n".to_vec());
    }
}
