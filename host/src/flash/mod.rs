//! Getting an image onto a board: XMODEM over any byte link, Intel HEX for monitors, the serial
//! port and pty adapters (the pty on Linux with the `pty` feature), and the upload container our
//! RC2014 loader expects.

pub mod hexload;
pub mod link;
pub mod mem;
pub mod progress;
#[cfg(all(target_os = "linux", feature = "pty"))]
pub mod pty;
pub mod serial;
pub mod upload;
pub mod xmodem;

pub use link::{Clock, Link, LinkError, SystemClock, VirtualClock};
pub use progress::{NoProgress, Progress};

#[cfg(test)]
mod tests;
