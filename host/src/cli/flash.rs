//! `z80lm flash`: put an image on a board over its serial line.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};

use super::args::{machine, parse_addr16, supported, Machine};
use crate::flash::serial::Serial;
use crate::flash::upload::{restore, upload, UploadOptions};
use crate::flash::xmodem::{self, BlockSize};
use crate::flash::{hexload, Link, Progress, SystemClock};

/// How the image travels.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    /// Our resident loader (rc2014-512k): XMODEM into RAM, program, verify, boot.
    Loader,
    /// Intel HEX into RAM through a ROM monitor (Small Computer Monitor), then run it.
    Hex,
    /// Plain XMODEM to a waiting receiver (e.g. XM R FILE.COM on a CP/M machine).
    Xmodem,
}

/// Flash an image to a board: reset into the loader (the emulator resets on request; on a real
/// board press RESET when asked), send it with XMODEM (1K blocks, CRC-16) showing bytes/s,
/// retry per the protocol, check the CRC-32 the loader reads back from flash, and boot it.
/// With --restore, write a whole 512K ROM (RomWBW, SCM, ...) over the flash instead.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The image from `z80lm build`: for the loader the 512K `.bin`, its `.hex` or the `.upl`
    /// (any other file is refused, saying what it looks like; --raw sends it as an application);
    /// with --restore a whole 512K ROM; for --via hex and --via xmodem the file to send.
    pub image: PathBuf,
    /// --via loader: send IMAGE as an application as it is, though it is no 512K build output.
    #[arg(long)]
    pub raw: bool,
    /// Write IMAGE, a whole 512K ROM (a 524288-byte .bin/.rom such as RomWBW's, or Intel HEX
    /// reaching the last 16K page), over the entire flash, page 0 and our loader included: the
    /// loader checks all of it (CRC-32) before erasing anything, writes pages 1-31, takes page 0
    /// again, writes it last and resets into the new firmware. A power cut while page 0 is
    /// written needs a chip programmer (kicad-notes/rc2014.md, "Back to RomWBW").
    #[arg(long, conflicts_with = "raw")]
    pub restore: bool,
    /// The board [default: rc2014-512k]: rc2014-512k (alias rc2014; the loader),
    /// rc2014-classic (--via hex: a RAM program through the Small Computer Monitor) or cpm
    /// (--via xmodem).
    #[arg(long, env = "Z80LM_BOARD", value_enum, hide_possible_values = true)]
    pub board: Option<Machine>,
    /// The same as --board (the name `build` and `bench` use).
    #[arg(long, value_enum, hide_possible_values = true)]
    pub target: Option<Machine>,
    /// Serial port or pty (`z80lm ports`; `z80lm emu` prints its pty) [default: the only USB
    /// serial port].
    #[arg(long, env = "Z80LM_PORT")]
    pub port: Option<String>,
    /// Line rate; defaults to the board's.
    #[arg(long, env = "Z80LM_BAUD")]
    pub baud: Option<u32>,
    /// Transport.
    #[arg(long, value_enum, default_value = "loader")]
    pub via: Via,
    /// Do not send the emulator's reset sequence first.
    #[arg(long)]
    pub no_reset: bool,
    /// XMODEM block size: 1024 or 128.
    #[arg(long, default_value_t = 1024, value_parser = parse_block)]
    pub block: usize,
    /// Load address for --via hex (and where `G` starts it) [default: 0x8000] (0x8000, 8000h
    /// or decimal).
    #[arg(long, value_parser = parse_addr16)]
    pub origin: Option<u16>,
    /// Open the terminal afterwards.
    #[arg(long)]
    pub monitor: bool,
    /// Seconds to wait for the loader to answer after the reset.
    #[arg(long, default_value_t = 20)]
    pub wait: u64,
}

fn parse_block(s: &str) -> Result<usize, String> {
    match s {
        "1024" | "1k" | "1K" => Ok(1024),
        "128" => Ok(128),
        _ => Err(format!("{s}: XMODEM blocks are 1024 or 128 bytes")),
    }
}

/// indicatif rendering of the two phases: the transfer (bytes, rate) and, on the loader, the
/// programming (sectors). Drawn only on a terminal.
struct Bar {
    bar: ProgressBar,
    programming: bool,
}

impl Bar {
    fn new() -> Bar {
        Bar {
            bar: ProgressBar::new(0).with_style(
                ProgressStyle::with_template(
                    "transfer    {bar:40} {bytes}/{total_bytes} {bytes_per_sec} {msg}",
                )
                .expect("valid template"),
            ),
            programming: false,
        }
    }
}

impl Progress for Bar {
    fn init(&mut self, total: usize) {
        if self.programming {
            // Another transfer after programming (a restore's page 0): a new transfer bar.
            self.bar.finish();
            *self = Bar::new();
        }
        self.bar.set_length(total as u64);
        self.bar.set_position(0);
        self.bar.reset_eta();
    }
    fn update(&mut self, done: usize) {
        self.bar.set_position(done as u64);
    }
    fn retry(&mut self, block: u32, reason: &str) {
        self.bar
            .println(format!("retrying block {block}: {reason}"));
    }
    fn status(&mut self, line: &str) {
        self.bar.set_message(line.to_string());
    }
    fn program(&mut self, done: usize, total: usize) {
        if !self.programming {
            self.programming = true;
            self.bar.finish();
            self.bar = ProgressBar::new(total as u64).with_style(
                ProgressStyle::with_template("programming {bar:40} {pos}/{len} sectors")
                    .expect("valid template"),
            );
        }
        self.bar.set_length(total.max(done) as u64);
        self.bar.set_position(done as u64);
    }
    fn finish(&mut self) {
        self.bar.finish();
    }
}

/// The transfer rate, against the line's when it could be a paced line; an unpaced link (a pty
/// to `emu --fast`) gets its throughput alone.
fn rate_text(bytes: usize, secs: f64, baud: u32) -> String {
    let rate = bytes as f64 / secs.max(1e-9);
    let line = f64::from(baud) / 10.0;
    if rate > line * 1.05 {
        format!("{rate:.0} bytes/s, faster than a {baud}-baud line: an unpaced link")
    } else {
        format!(
            "{rate:.0} bytes/s, {:.1}% of the {baud}-baud line",
            100.0 * rate / line
        )
    }
}

/// The application to send through the loader, from any file `z80lm build` writes for the
/// 512K board: the whole flash (`.bin`), its Intel HEX (`.hex`) or the upload (`.upl`); with
/// `raw` any other file is taken as a bare application.
fn loader_application(path: &std::path::Path, bytes: &[u8], raw: bool) -> Result<Vec<u8>> {
    use crate::engine::targets::rc2014::{flash_from_file, ImageFileError};
    // A placeholder loader: only the application part of the flash is used here.
    let flash = flash_from_file(bytes, &[], raw).with_context(|| path.display().to_string())?;
    z80rom::loader::stored_image(&flash)
        .map(<[u8]>::to_vec)
        .ok_or(ImageFileError::NoApplication)
        .with_context(|| path.display().to_string())
}

/// The ROM for `--restore`: the whole 512K flash from a raw image or Intel HEX reaching its last
/// page. Anything else is refused saying what it looks like. Returns the ROM and a warning for
/// one of our own 512K images (which it restores too, loader and all).
fn restore_rom(path: &std::path::Path, bytes: &[u8]) -> Result<(Vec<u8>, Option<String>)> {
    use crate::engine::targets::rc2014::{from_intel_hex, is_game_boy_cartridge, looks_like};
    use z80rom::loader::{FLASH_SIZE, PAGE};
    let name = path.display();
    let rom = if bytes.first() == Some(&b':') {
        let text = std::str::from_utf8(bytes)
            .map_err(|_| anyhow::anyhow!("{name}: Intel HEX that is not text"))?;
        let rom = from_intel_hex(text, FLASH_SIZE)
            .map_err(|e| anyhow::anyhow!("{name}: Intel HEX: {e}"))?;
        let top = rom.iter().rposition(|&b| b != 0xFF).map_or(0, |i| i + 1);
        if top <= FLASH_SIZE - PAGE {
            bail!(
                "{name}: Intel HEX ending at {:#x} ({top} bytes): --restore writes the whole 512K flash and needs an image that reaches its last 16K page (0x7c000-0x7ffff)",
                top.saturating_sub(1)
            );
        }
        rom
    } else if bytes.len() == FLASH_SIZE && !is_game_boy_cartridge(bytes) {
        bytes.to_vec()
    } else {
        bail!(
            "{name}: {}; --restore writes the whole 512K flash and takes a {FLASH_SIZE}-byte ROM image (.bin/.rom) or its Intel HEX",
            looks_like(bytes)
        );
    };
    let ours = rom[..PAGE].windows(12).any(|w| w == b"z80lm loader");
    let warning = ours.then(|| {
        format!(
            "{name} is a z80lm 512K image: --restore rewrites the whole flash with it, loader included; `z80lm flash {name}` would replace just the application"
        )
    });
    Ok((rom, warning))
}

pub fn run(args: Args) -> Result<()> {
    let m = machine(args.target, args.board, Some(Machine::Rc512k))?;
    supported(
        "flash",
        m,
        &[Machine::Rc512k, Machine::RcClassic, Machine::Cpm],
    )?;
    if args.origin.is_some() && args.via != Via::Hex {
        bail!("--origin is for --via hex (a RAM program through the monitor)");
    }
    if args.restore && args.via != Via::Loader {
        bail!("--restore goes through our resident loader (rc2014-512k): drop --via");
    }
    let origin = args.origin.unwrap_or(0x8000);
    let desc = m.desc()?;
    let baud = args.baud.or(desc.console.baud).unwrap_or(115_200);
    let bytes = std::fs::read(&args.image)
        .with_context(|| format!("{}: cannot read", args.image.display()))?;
    // What goes to the loader is checked before the port is touched.
    let loader_image = if args.via == Via::Loader {
        if desc.flash.is_none() {
            bail!(
                "{} has no in-system flash (its ROM is an EPROM): burn the .bin from `z80lm build` with a programmer (kicad-notes/rc2014.md, section 6)",
                desc.name
            );
        }
        if args.restore {
            let (rom, warning) = restore_rom(&args.image, &bytes)?;
            if let Some(w) = warning {
                eprintln!("warning: {w}");
            }
            rom
        } else {
            loader_application(&args.image, &bytes, args.raw)?
        }
    } else {
        Vec::new()
    };
    let port_name = super::port(args.port)?;
    let port = Serial::open(&port_name, baud)?;
    let name = port.name.clone();
    let mut link = Link::new(port, SystemClock::default());
    let mut bar = Bar::new();
    let cfg = xmodem::Config {
        block: if args.block == 128 {
            BlockSize::B128
        } else {
            BlockSize::B1K
        },
        ..xmodem::Config::default()
    };
    match args.via {
        Via::Loader => {
            let image = loader_image;
            if args.no_reset {
                eprintln!("press RESET on the board (waiting for the loader on {name})");
            }
            let opts = UploadOptions {
                reset: !args.no_reset,
                catch_timeout: Duration::from_secs(args.wait),
                xmodem: cfg,
                ..UploadOptions::default()
            };
            let t0 = std::time::Instant::now();
            let board_baud = desc.console.baud.unwrap_or(115_200);
            if args.restore {
                let r = restore(&mut link, &image, &opts, &mut bar)?;
                let xfer = r.transfer_time.as_secs_f64();
                let sent = image.len() + z80rom::loader::HEADER_LEN + z80rom::loader::PAGE;
                eprintln!(
                    "transfer: {sent} bytes in two passes (the ROM, then page 0 again) in {xfer:.1} s ({})",
                    rate_text(sent, xfer, baud)
                );
                eprintln!(
                    "programming: {} sectors ({} written, {} unchanged), page 0 last; crc32 {:08x} verified; restored in {:.1} s total; the board reset into the new firmware",
                    r.sectors_written + r.sectors_skipped,
                    r.sectors_written,
                    r.sectors_skipped,
                    r.crc32,
                    t0.elapsed().as_secs_f64()
                );
                return if args.monitor {
                    let (port, pending) = link.into_parts();
                    Ok(crate::term::session::session(port, &pending)?)
                } else {
                    Ok(())
                };
            }
            let r = match upload(&mut link, &image, &opts, &mut bar) {
                Err(crate::flash::upload::UploadError::NoLoader(t)) if baud != board_baud => bail!(
                    "the loader did not answer within {t:?} at {baud} baud; {} runs its line at {board_baud} baud: drop --baud or set it to {board_baud} (see kicad-notes/troubleshooting.md#no-banner)",
                    desc.name
                ),
                r => r?,
            };
            let secs = t0.elapsed().as_secs_f64();
            let xfer = r.transfer_time.as_secs_f64();
            eprintln!(
                "transfer: {} bytes in {xfer:.1} s ({})",
                r.bytes + z80rom::loader::HEADER_LEN,
                rate_text(r.bytes + z80rom::loader::HEADER_LEN, xfer, baud)
            );
            eprintln!(
                "programming: {} sectors ({} sectors written, {} unchanged) in {:.1} s; crc32 {:08x} verified; flashed in {secs:.1} s total; booting",
                r.sectors_written + r.sectors_skipped,
                r.sectors_written,
                r.sectors_skipped,
                r.program_time.as_secs_f64(),
                r.crc32
            );
        }
        Via::Hex => {
            let hex = hexload::to_hex(origin, &bytes)?;
            let said = hexload::send_hex(
                &mut link,
                &hex,
                Some(origin),
                Duration::from_millis(500),
                &mut bar,
            )?;
            if said.to_ascii_lowercase().contains("error") {
                bail!(
                    "the monitor reported an error while loading: {}",
                    said.trim()
                );
            }
            eprintln!(
                "loaded {} bytes at {:04X} and started it",
                bytes.len(),
                origin
            );
        }
        Via::Xmodem => {
            let n = xmodem::send(&mut link, &bytes, &cfg, &mut bar, &mut |_| {})?;
            eprintln!("sent {n} bytes with XMODEM");
        }
    }
    if args.monitor {
        // The same open port: closing it would drop what the board said meanwhile (the
        // booted engine's first prompt).
        let (port, pending) = link.into_parts();
        return Ok(crate::term::session::session(port, &pending)?);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::rate_text;

    #[test]
    fn a_paced_rate_is_a_share_of_the_line_and_a_faster_one_is_throughput() {
        assert_eq!(
            rate_text(10_920, 1.0, 115_200),
            "10920 bytes/s, 94.8% of the 115200-baud line"
        );
        assert_eq!(
            rate_text(457_344, 1.0, 115_200),
            "457344 bytes/s, faster than a 115200-baud line: an unpaced link"
        );
    }
}
