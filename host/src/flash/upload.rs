//! Flashing an RC2014 512K board through our resident loader (`z80rom/asm/loader/loader.asm`):
//! reset into the loader, catch its key window, send header + image with XMODEM, follow the
//! loader's programming report, check the CRC-32 it read back from flash, and see it boot.
//! [`restore`] writes a whole 512K ROM (RomWBW, SCM, ...) over the flash, page 0 included, in
//! the loader's two passes.

use std::time::Duration;

use embedded_io::{ErrorType, Read, ReadReady, Write};
use thiserror::Error;
use z80rom::loader;

use super::link::{Clock, Link, LinkError};
use super::progress::Progress;
use super::xmodem::{self, XmodemError};

/// The emulator's reset button: `z80lm emu` resets the board when it sees these bytes on the
/// line (a real board ignores them; press its reset button instead).
pub const EMU_RESET: &[u8] = b"\x1c\x1c\x1c";

#[derive(Debug, Clone)]
pub struct UploadOptions {
    /// Send [`EMU_RESET`] first.
    pub reset: bool,
    /// How long to keep knocking (a space every 100 ms) for the loader's prompt.
    pub catch_timeout: Duration,
    /// How long the loader may take to program and verify after the transfer.
    pub program_timeout: Duration,
    pub xmodem: xmodem::Config,
}

impl Default for UploadOptions {
    fn default() -> Self {
        UploadOptions {
            reset: true,
            catch_timeout: Duration::from_secs(20),
            program_timeout: Duration::from_secs(120),
            xmodem: xmodem::Config::default(),
        }
    }
}

#[derive(Debug, Error)]
pub enum UploadError {
    #[error("image is {len} bytes; the loader takes at most {max} bytes (30 flash pages of 16K) (see kicad-notes/troubleshooting.md#image-too-large)")]
    TooLarge { len: usize, max: usize },
    #[error("image is empty")]
    Empty,
    #[error("the loader did not answer within {0:?}: reset the board (or check the baud rate; the loader runs at the board's rate) (see kicad-notes/troubleshooting.md#no-banner)")]
    NoLoader(Duration),
    #[error("{0}")]
    Xmodem(#[from] XmodemError),
    #[error("the loader reported: {0} (see kicad-notes/troubleshooting.md#flash-verify)")]
    Loader(String),
    #[error("the loader went quiet after the transfer (no result within {0:?}) (see kicad-notes/troubleshooting.md#flash-timeout)")]
    NoResult(Duration),
    #[error("the loader kept sending for {0:?} without a result: check the baud rate and the serial lead (see kicad-notes/troubleshooting.md#flash-timeout)")]
    NoEnd(Duration),
    #[error("verify failed: the loader read back crc32 {got:08x}, the image has {want:08x} (see kicad-notes/troubleshooting.md#flash-verify)")]
    Mismatch { got: u32, want: u32 },
    #[error("the serial link failed: {0}: did the port vanish? (see kicad-notes/troubleshooting.md#port-vanished)")]
    Link(LinkError),
    #[error("a restore writes the whole flash: the ROM must be {want} bytes, this one is {len}")]
    RestoreSize { len: usize, want: usize },
    #[error("the board's loader refused the 512K ROM ({0}): it predates --restore (z80lm loader 1); burn a 512K image built by this z80lm once (see kicad-notes/rc2014.md, \"Back to RomWBW\")")]
    OldLoader(String),
}

impl From<LinkError> for UploadError {
    fn from(e: LinkError) -> Self {
        UploadError::Link(e)
    }
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadReport {
    pub bytes: usize,
    pub crc32: u32,
    /// Sectors the loader left alone because they already matched ('=').
    pub sectors_skipped: usize,
    pub sectors_written: usize,
    /// Wall-clock (link clock) time of the XMODEM transfer itself, first 'C' to EOT ACK.
    pub transfer_time: Duration,
    /// From the end of the transfer to the loader's verified CRC (programming and checking).
    pub program_time: Duration,
    /// Everything the board printed.
    pub transcript: String,
}

/// Flash `image` (the application, as stored from flash page 1) through the loader.
pub fn upload<P, C>(
    link: &mut Link<P, C>,
    image: &[u8],
    opts: &UploadOptions,
    progress: &mut dyn Progress,
) -> Result<UploadReport, UploadError>
where
    P: Read + Write + ReadReady + ErrorType,
    P::Error: std::fmt::Debug,
    C: Clock,
{
    if image.is_empty() {
        return Err(UploadError::Empty);
    }
    if image.len() > loader::MAX_IMAGE {
        return Err(UploadError::TooLarge {
            len: image.len(),
            max: loader::MAX_IMAGE,
        });
    }
    let mut transcript = Vec::new();
    catch_loader(link, opts, &mut transcript)?;
    let payload = loader::upload(image);
    let crc = loader::CRC32.checksum(image);
    let t0 = link.clock.now();
    xmodem::send(link, &payload, &opts.xmodem, progress, &mut |b| {
        transcript.push(b)
    })?;
    let transfer_time = link.clock.now() - t0;
    // The loader walks ceil(len / 4096) sectors, printing one mark for each.
    let sectors = image.len().div_ceil(4096);
    progress.program(0, sectors);
    // Follow the loader: '.' per sector written, '=' per sector skipped, then ok/error.
    let deadline = link.clock.now() + opts.program_timeout;
    let (mut written, mut skipped) = (0, 0);
    let mut programming = false;
    loop {
        let left = deadline.saturating_sub(link.clock.now());
        let Some(b) = link.read_byte(left.min(Duration::from_secs(1)))? else {
            if left.is_zero() {
                return Err(UploadError::NoResult(opts.program_timeout));
            }
            continue;
        };
        transcript.push(b);
        if !programming && transcript.ends_with(b"programming ") {
            programming = true;
            continue;
        }
        match b {
            b'.' if programming => {
                written += 1;
                progress.program(written + skipped, sectors);
            }
            b'=' if programming => {
                skipped += 1;
                progress.program(written + skipped, sectors);
            }
            b'\n' => {
                let line = last_line(&transcript);
                if let Some(rest) = line.strip_prefix("ok: flash crc32 ") {
                    let got = u32::from_str_radix(rest.trim(), 16).unwrap_or(!crc);
                    if got != crc {
                        return Err(UploadError::Mismatch { got, want: crc });
                    }
                    break;
                } else if let Some(msg) = line.strip_prefix("error: ") {
                    return Err(UploadError::Loader(msg.trim().to_string()));
                }
            }
            _ => {}
        }
    }
    progress.finish();
    Ok(UploadReport {
        bytes: image.len(),
        crc32: crc,
        sectors_skipped: skipped,
        sectors_written: written,
        transfer_time,
        program_time: link.clock.now() - t0 - transfer_time,
        transcript: String::from_utf8_lossy(&transcript).into_owned(),
    })
}

/// Reset the board (the emulator's button when `opts.reset`) and knock until the loader's
/// prompt appears (or its lone 'C' poll): it is then waiting for an XMODEM sender.
fn catch_loader<P, C>(
    link: &mut Link<P, C>,
    opts: &UploadOptions,
    transcript: &mut Vec<u8>,
) -> Result<(), UploadError>
where
    P: Read + Write + ReadReady + ErrorType,
    P::Error: std::fmt::Debug,
    C: Clock,
{
    // Whatever the board said before now (an old prompt, a stale 'C') must not be taken for
    // the answer to this session.
    link.purge_at_most(Duration::from_millis(30), Duration::from_millis(500))?;
    if opts.reset {
        link.send(EMU_RESET)?;
    }
    // Knock until the prompt appears.
    let deadline = link.clock.now() + opts.catch_timeout;
    let mut next_knock = link.clock.now();
    loop {
        if link.clock.now() >= deadline {
            return Err(UploadError::NoLoader(opts.catch_timeout));
        }
        if link.clock.now() >= next_knock {
            link.send(b" ")?;
            next_knock = link.clock.now() + Duration::from_millis(100);
        }
        if let Some(b) = link.read_byte(Duration::from_millis(20))? {
            transcript.push(b);
            if b == b'\n' && last_line(transcript).starts_with("loader: send") {
                return Ok(());
            }
            // A loader already waiting (it printed its line before we came) polls with a lone
            // 'C' every 3 s; its own text is lowercase, so a 'C' alone on a line is that poll.
            if b == b'C' && last_line(transcript) == "C" {
                return Ok(());
            }
        }
    }
}

/// What a restore did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreReport {
    /// CRC-32 of the ROM, as the loader read it back from the flash.
    pub crc32: u32,
    /// Sectors (of 128) the loader erased and wrote, and those it found already holding the
    /// ROM's bytes.
    pub sectors_written: usize,
    pub sectors_skipped: usize,
    /// Link-clock time of the two XMODEM transfers (the ROM, then page 0 again).
    pub transfer_time: Duration,
    /// Link-clock time from the start to the loader's "resetting".
    pub total_time: Duration,
    /// Everything the board printed up to its reset.
    pub transcript: String,
}

/// Write a whole 512K ROM (`rom`, page 0 included: RomWBW, SCM, or one of our own images) over
/// the flash through the resident loader: pass 1 sends the ROM, which the loader checks
/// (CRC-32) before erasing anything and writes to flash pages 1-31; pass 2 sends page 0 again,
/// which the loader checks against pass 1 and writes last, then it resets into the new
/// firmware. Progress: transfer, programming (124 sectors), transfer (page 0), programming
/// (4 sectors).
pub fn restore<P, C>(
    link: &mut Link<P, C>,
    rom: &[u8],
    opts: &UploadOptions,
    progress: &mut dyn Progress,
) -> Result<RestoreReport, UploadError>
where
    P: Read + Write + ReadReady + ErrorType,
    P::Error: std::fmt::Debug,
    C: Clock,
{
    if rom.len() != loader::FLASH_SIZE {
        return Err(UploadError::RestoreSize {
            len: rom.len(),
            want: loader::FLASH_SIZE,
        });
    }
    let crc = loader::CRC32.checksum(rom);
    let mut transcript = Vec::new();
    let t0 = link.clock.now();
    catch_loader(link, opts, &mut transcript)?;
    let total = loader::FLASH_SIZE / 4096;
    let page0 = loader::PAGE / 4096;
    let mut counts = (0, 0);
    let mut transfer_time = Duration::ZERO;
    // Pass 1: the whole ROM; the loader programs pages 1-31 and asks for page 0 again.
    let t = link.clock.now();
    match xmodem::send(
        link,
        &loader::restore_upload(rom),
        &opts.xmodem,
        progress,
        &mut |b| transcript.push(b),
    ) {
        // Loader 1 knows no restore flag: it takes the header for an application's and finds
        // 512K too large.
        Err(XmodemError::Cancelled { reason, .. }) if reason.contains("image too large") => {
            return Err(UploadError::OldLoader(
                reason.trim_start_matches("error: ").to_string(),
            ))
        }
        r => r?,
    };
    transfer_time += link.clock.now() - t;
    progress.program(0, total);
    follow(
        link,
        opts,
        progress,
        &mut transcript,
        &mut counts,
        total,
        "loader: send page 0 again",
    )?;
    // Pass 2: page 0, written last.
    let t = link.clock.now();
    xmodem::send(
        link,
        &rom[..loader::PAGE],
        &opts.xmodem,
        progress,
        &mut |b| transcript.push(b),
    )?;
    transfer_time += link.clock.now() - t;
    progress.program(total - page0, total);
    let line = follow(
        link,
        opts,
        progress,
        &mut transcript,
        &mut counts,
        total,
        "ok: flash crc32 ",
    )?;
    let got = line
        .strip_prefix("ok: flash crc32 ")
        .and_then(|r| u32::from_str_radix(r.trim(), 16).ok())
        .unwrap_or(!crc);
    if got != crc {
        return Err(UploadError::Mismatch { got, want: crc });
    }
    follow(
        link,
        opts,
        progress,
        &mut transcript,
        &mut counts,
        total,
        "resetting",
    )?;
    progress.finish();
    Ok(RestoreReport {
        crc32: crc,
        sectors_written: counts.0,
        sectors_skipped: counts.1,
        transfer_time,
        total_time: link.clock.now() - t0,
        transcript: String::from_utf8_lossy(&transcript).into_owned(),
    })
}

/// Follow the loader's report until a line starting with `until` (returned): '.' and '='
/// after "programming " count sectors written and skipped into `counts` (reported of `total`),
/// an "error: " line ends it with that message, silence for `opts.program_timeout` too, and so
/// does a report that goes on for ten times that (noise on the line, a wrong baud rate): a
/// whole restore reports for about a minute.
pub(super) fn follow<P, C>(
    link: &mut Link<P, C>,
    opts: &UploadOptions,
    progress: &mut dyn Progress,
    transcript: &mut Vec<u8>,
    counts: &mut (usize, usize),
    total: usize,
    until: &str,
) -> Result<String, UploadError>
where
    P: Read + Write + ReadReady + ErrorType,
    P::Error: std::fmt::Debug,
    C: Clock,
{
    let mut last = link.clock.now();
    let end = last + opts.program_timeout * 10;
    let mut programming = false;
    loop {
        if link.clock.now() >= end {
            return Err(UploadError::NoEnd(opts.program_timeout * 10));
        }
        let left = (last + opts.program_timeout).saturating_sub(link.clock.now());
        let Some(b) = link.read_byte(left.min(Duration::from_secs(1)))? else {
            if left.is_zero() {
                return Err(UploadError::NoResult(opts.program_timeout));
            }
            continue;
        };
        last = link.clock.now();
        transcript.push(b);
        if !programming && transcript.ends_with(b"programming ") {
            programming = true;
            continue;
        }
        match b {
            b'.' | b'=' if programming => {
                if b == b'.' {
                    counts.0 += 1;
                } else {
                    counts.1 += 1;
                }
                progress.program(counts.0 + counts.1, total);
            }
            b'\n' => {
                let line = last_line(transcript);
                if line.starts_with(until) {
                    return Ok(line);
                }
                if let Some(msg) = line.strip_prefix("error: ") {
                    return Err(UploadError::Loader(msg.trim().to_string()));
                }
                programming = false;
            }
            _ => {}
        }
    }
}

/// The last complete line of `t` (without CR/LF).
fn last_line(t: &[u8]) -> String {
    let body = t.strip_suffix(b"\n").unwrap_or(t);
    let start = body.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    String::from_utf8_lossy(&body[start..])
        .trim_matches(['\r', '\n'])
        .to_string()
}
