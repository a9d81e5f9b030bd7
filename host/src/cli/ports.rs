//! `z80lm ports`: list the serial ports this system has.

use anyhow::Result;

/// List serial ports (USB adapters show vendor:product). Emulated boards print their pty path
/// when `z80lm emu` starts; ptys are not listed here.
#[derive(clap::Args, Debug)]
pub struct Args {}

pub fn run(_args: Args) -> Result<()> {
    let ports = crate::flash::serial::list();
    if ports.is_empty() {
        outln!(
            "no serial ports found (plug in the USB-serial adapter; `z80lm emu` prints a pty path)"
        );
    }
    for (name, what) in ports {
        outln!("{name}\t{what}");
    }
    Ok(())
}
