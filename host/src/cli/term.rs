//! `z80lm term`: a streaming chat terminal on a serial port.

use anyhow::Result;

use crate::flash::serial::Serial;
use crate::term::session::session;

/// Talk to a board over its serial line: keys go out as typed (Enter sends CR), the board's
/// output streams to the screen with bare line ends shown as CR LF. Leave with Ctrl-].
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Serial port or pty (see `z80lm ports`, or the path `z80lm emu` prints) [default: the
    /// only USB serial port].
    #[arg(long, env = "Z80LM_PORT")]
    pub port: Option<String>,
    /// Line rate.
    #[arg(long, default_value_t = 115_200, env = "Z80LM_BAUD")]
    pub baud: u32,
}

pub fn run(args: Args) -> Result<()> {
    let port = Serial::open(&super::port(args.port)?, args.baud)?;
    Ok(session(port, &[])?)
}
