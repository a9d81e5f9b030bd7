//! XMODEM sender and receiver: CRC-16 (XMODEM-CRC) with 128- and 1024-byte blocks, falling back to
//! the 8-bit checksum when the receiver asks for it with NAK. Generic over [`Link`], so it runs on a
//! serial port, a pty or an in-memory pipe.
//!
//! Follows Chuck Forsberg, "XMODEM/YMODEM Protocol Reference" (1988): SOH/STX block header, block
//! number and its complement, CRC-16/XMODEM (poly 0x1021, init 0) sent high byte first; ACK, NAK,
//! CAN CAN to abort; EOT ends the file; the receiver starts the transfer by sending 'C' or NAK.

use std::time::Duration;

use embedded_io::{ErrorType, Read, ReadReady, Write};
use thiserror::Error;

use super::link::{Clock, Link, LinkError};
use super::progress::Progress;

pub const SOH: u8 = 0x01;
pub const STX: u8 = 0x02;
pub const EOT: u8 = 0x04;
pub const ACK: u8 = 0x06;
pub const NAK: u8 = 0x15;
pub const CAN: u8 = 0x18;
pub const SUB: u8 = 0x1A;
pub const CRC_START: u8 = b'C';

/// CRC-16/XMODEM.
pub const CRC16: crc::Crc<u16> = crc::Crc::<u16>::new(&crc::CRC_16_XMODEM);

/// Block size used by the sender.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockSize {
    B128,
    B1K,
}

impl BlockSize {
    pub fn bytes(self) -> usize {
        match self {
            BlockSize::B128 => 128,
            BlockSize::B1K => 1024,
        }
    }
}

/// Protocol timing and retry limits.
#[derive(Debug, Clone)]
pub struct Config {
    pub block: BlockSize,
    /// How long the sender waits for the receiver's first 'C'/NAK.
    pub start_timeout: Duration,
    /// How long to wait for ACK/NAK after a block (covers the receiver's write time).
    pub ack_timeout: Duration,
    /// Receiver: longest gap between bytes inside a block.
    pub byte_timeout: Duration,
    /// Attempts per block before giving up.
    pub retries: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            block: BlockSize::B1K,
            start_timeout: Duration::from_secs(10),
            ack_timeout: Duration::from_secs(10),
            byte_timeout: Duration::from_secs(1),
            retries: 10,
        }
    }
}

/// What ended a transfer early. Each message is one line ending in a pointer to the fix.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum XmodemError {
    #[error("no XMODEM receiver answered within {0:?} (nothing sent 'C' or NAK): is the loader running, the board reset, the baud rate right? (see kicad-notes/troubleshooting.md#no-loader)")]
    NoReceiver(Duration),
    #[error("block {block} was not acknowledged after {tries} tries (last: {last}): check the baud rate and cable (see kicad-notes/troubleshooting.md#xmodem-retries)")]
    TooManyRetries {
        block: u32,
        tries: u32,
        last: String,
    },
    #[error("the receiver cancelled the transfer at block {block}{} (see kicad-notes/troubleshooting.md#cpm-transfer)", if .reason.is_empty() { String::new() } else { format!(" ({})", .reason) })]
    Cancelled { block: u32, reason: String },
    #[error(
        "no XMODEM sender started within {0:?} (see kicad-notes/troubleshooting.md#flash-timeout)"
    )]
    NoSender(Duration),
    #[error("the sender stopped in block {block} (no data for {gap:?}) (see kicad-notes/troubleshooting.md#xmodem-retries)")]
    SenderStalled { block: u32, gap: Duration },
    #[error("the serial link failed: {0}: did the port vanish (unplugged, emulator stopped)? (see kicad-notes/troubleshooting.md#port-vanished)")]
    Link(LinkError),
}

impl From<LinkError> for XmodemError {
    fn from(e: LinkError) -> Self {
        XmodemError::Link(e)
    }
}

fn checksum(data: &[u8]) -> u8 {
    data.iter().fold(0u8, |a, b| a.wrapping_add(*b))
}

/// Build one block: header, number, complement, payload (padded with SUB), CRC or checksum.
pub fn encode_block(number: u8, payload: &[u8], size: BlockSize, crc: bool) -> Vec<u8> {
    let n = size.bytes();
    let mut out = Vec::with_capacity(n + 5);
    out.push(if n == 1024 { STX } else { SOH });
    out.push(number);
    out.push(!number);
    let start = out.len();
    out.extend_from_slice(payload);
    out.resize(start + n, SUB);
    if crc {
        let c = CRC16.checksum(&out[start..]);
        out.extend_from_slice(&c.to_be_bytes());
    } else {
        out.push(checksum(&out[start..]));
    }
    out
}

/// Send `data` to an XMODEM receiver. Returns the number of payload bytes acknowledged.
/// Bytes that arrive before the receiver's first 'C'/NAK (a banner, say) go to `on_text`.
pub fn send<P, C>(
    link: &mut Link<P, C>,
    data: &[u8],
    cfg: &Config,
    progress: &mut dyn Progress,
    on_text: &mut dyn FnMut(u8),
) -> Result<usize, XmodemError>
where
    P: Read + Write + ReadReady + ErrorType,
    P::Error: std::fmt::Debug,
    C: Clock,
{
    // Wait for the receiver to pick a mode.
    let deadline = link.clock.now() + cfg.start_timeout;
    let crc = loop {
        let left = deadline.saturating_sub(link.clock.now());
        match link.read_byte(left)? {
            Some(CRC_START) => break true,
            Some(NAK) => break false,
            Some(CAN) if link.read_byte(Duration::from_secs(1))? == Some(CAN) => {
                return Err(XmodemError::Cancelled {
                    block: 0,
                    reason: String::new(),
                })
            }
            Some(b) => on_text(b),
            None => return Err(XmodemError::NoReceiver(cfg.start_timeout)),
        }
    };
    // 1K blocks need CRC mode (XMODEM-1K); a checksum receiver gets 128-byte blocks.
    let size = if crc { cfg.block } else { BlockSize::B128 };
    progress.init(data.len());
    let mut done = 0usize;
    let mut number: u32 = 1;
    while done < data.len() {
        let end = (done + size.bytes()).min(data.len());
        // A short tail goes in 128-byte blocks to save padding on the line.
        let this_size = if size == BlockSize::B1K && end - done <= 128 {
            BlockSize::B128
        } else {
            size
        };
        let end = (done + this_size.bytes()).min(data.len());
        let block = encode_block(number as u8, &data[done..end], this_size, crc);
        let mut tries = 0;
        loop {
            tries += 1;
            link.send(&block)?;
            let reply = wait_reply(link, cfg.ack_timeout)?;
            match reply {
                Some(ACK) => break,
                Some(CAN) => {
                    let reason = read_reason(link);
                    return Err(XmodemError::Cancelled {
                        block: number,
                        reason,
                    });
                }
                other => {
                    let last = match other {
                        Some(NAK) => "NAK".to_string(),
                        Some(b) => format!("unexpected byte {b:#04x}"),
                        None => format!("no reply in {:?}", cfg.ack_timeout),
                    };
                    if tries >= cfg.retries {
                        let _ = link.send(&[CAN, CAN, CAN]);
                        return Err(XmodemError::TooManyRetries {
                            block: number,
                            tries,
                            last,
                        });
                    }
                    progress.retry(number, &last);
                    // Let a half-received block time out on the other side before resending.
                    link.purge(Duration::from_millis(20))?;
                }
            }
        }
        done = end;
        number += 1;
        progress.update(done);
    }
    let mut tries = 0;
    loop {
        tries += 1;
        link.send(&[EOT])?;
        match wait_reply(link, cfg.ack_timeout)? {
            Some(ACK) => break,
            Some(CAN) => {
                let reason = read_reason(link);
                return Err(XmodemError::Cancelled {
                    block: number,
                    reason,
                });
            }
            other if tries >= cfg.retries => {
                return Err(XmodemError::TooManyRetries {
                    block: number,
                    tries,
                    last: format!("EOT answered with {other:?}"),
                })
            }
            _ => {}
        }
    }
    progress.finish();
    Ok(done)
}

/// Wait for ACK/NAK/CAN, skipping line noise.
fn wait_reply<P, C>(link: &mut Link<P, C>, timeout: Duration) -> Result<Option<u8>, XmodemError>
where
    P: Read + Write + ReadReady + ErrorType,
    P::Error: std::fmt::Debug,
    C: Clock,
{
    let deadline = link.clock.now() + timeout;
    loop {
        let left = deadline.saturating_sub(link.clock.now());
        match link.read_byte(left)? {
            Some(b @ (ACK | NAK | CAN)) => return Ok(Some(b)),
            Some(CRC_START) => continue, // a late 'C' from the start handshake
            Some(b) if b.is_ascii_graphic() || b.is_ascii_whitespace() => continue,
            Some(b) => return Ok(Some(b)),
            None => return Ok(None),
        }
    }
}

/// After CAN, our loader sends a second CAN and then one line saying why; collect it.
fn read_reason<P, C>(link: &mut Link<P, C>) -> String
where
    P: Read + Write + ReadReady + ErrorType,
    P::Error: std::fmt::Debug,
    C: Clock,
{
    let mut line = Vec::new();
    while let Ok(Some(b)) = link.read_byte(Duration::from_millis(300)) {
        match b {
            CAN => continue,
            b'\n' if !line.is_empty() => break,
            b if b.is_ascii_graphic() || b == b' ' => line.push(b),
            _ => {}
        }
        if line.len() > 200 {
            break;
        }
    }
    String::from_utf8_lossy(&line).trim().to_string()
}

/// Receive a file from an XMODEM sender (CRC mode, 128 or 1K blocks). The result keeps the SUB
/// padding of the last block: XMODEM does not carry the length.
pub fn receive<P, C>(
    link: &mut Link<P, C>,
    cfg: &Config,
    progress: &mut dyn Progress,
) -> Result<Vec<u8>, XmodemError>
where
    P: Read + Write + ReadReady + ErrorType,
    P::Error: std::fmt::Debug,
    C: Clock,
{
    let mut out = Vec::new();
    let mut expected: u8 = 1;
    let mut started = false;
    let mut errors = 0u32;
    let start_deadline = link.clock.now() + cfg.start_timeout;
    progress.init(0);
    loop {
        if !started {
            if link.clock.now() >= start_deadline {
                return Err(XmodemError::NoSender(cfg.start_timeout));
            }
            link.send(&[CRC_START])?;
        }
        let wait = if started {
            cfg.ack_timeout
        } else {
            Duration::from_secs(1)
        };
        let Some(head) = link.read_byte(wait)? else {
            if started {
                errors += 1;
                if errors > cfg.retries {
                    let _ = link.send(&[CAN, CAN]);
                    return Err(XmodemError::SenderStalled {
                        block: expected as u32,
                        gap: cfg.ack_timeout,
                    });
                }
                link.send(&[NAK])?;
            }
            continue;
        };
        let size = match head {
            SOH => 128,
            STX => 1024,
            EOT => {
                link.send(&[ACK])?;
                progress.finish();
                return Ok(out);
            }
            CAN => {
                if link.read_byte(Duration::from_secs(1))? == Some(CAN) {
                    return Err(XmodemError::Cancelled {
                        block: expected as u32,
                        reason: "sender cancelled".into(),
                    });
                }
                continue;
            }
            _ => continue, // noise before a header
        };
        started = true;
        let mut body = vec![0u8; size + 4];
        let got = link.read_exact_timeout(&mut body, cfg.byte_timeout)?;
        let ok = got == body.len()
            && body[0] == !body[1]
            && CRC16.checksum(&body[2..2 + size])
                == u16::from_be_bytes([body[size + 2], body[size + 3]]);
        if !ok {
            errors += 1;
            if errors > cfg.retries {
                let _ = link.send(&[CAN, CAN]);
                return Err(XmodemError::TooManyRetries {
                    block: expected as u32,
                    tries: errors,
                    last: "bad block".into(),
                });
            }
            link.purge(Duration::from_millis(50))?;
            progress.retry(expected as u32, "bad block");
            link.send(&[NAK])?;
            continue;
        }
        let number = body[0];
        if number == expected {
            out.extend_from_slice(&body[2..2 + size]);
            expected = expected.wrapping_add(1);
            errors = 0;
            progress.update(out.len());
        } else if number != expected.wrapping_sub(1) {
            let _ = link.send(&[CAN, CAN]);
            return Err(XmodemError::Cancelled {
                block: expected as u32,
                reason: format!("out of sequence: got block {number}"),
            });
        }
        // A repeat of the previous block (our ACK was lost) is acknowledged and dropped.
        link.send(&[ACK])?;
    }
}
