//! Reading `.tzx` tape files into the blocks the cassette deck plays (TZX specification 1.20):
//! data blocks 0x10 (standard speed), 0x11 (turbo speed) and 0x14 (pure data) give their bytes
//! (timings are not kept: the deck plays every block at the ROM's standard timings, which is
//! what a trapped load needs); information blocks (0x20 pause, 0x21/0x22 group, 0x30 text,
//! 0x31 message, 0x32 archive info, 0x33 hardware, 0x35 custom, 0x5A glue) are skipped. Any
//! other block is refused, naming it.

use thiserror::Error;

/// Why a `.tzx` could not be read.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum TzxError {
    #[error("not a .tzx file (no \"ZXTape!\" signature)")]
    Signature,
    #[error("block 0x{id:02X} at offset {at} runs past the end of the file")]
    Truncated { id: u8, at: usize },
    #[error("block 0x{id:02X} at offset {at} is not supported (standard, turbo and pure data blocks and information blocks are)")]
    Unsupported { id: u8, at: usize },
}

fn word(b: &[u8], at: usize) -> Option<usize> {
    Some(usize::from(u16::from_le_bytes([
        *b.get(at)?,
        *b.get(at + 1)?,
    ])))
}

fn triple(b: &[u8], at: usize) -> Option<usize> {
    Some(word(b, at)? | usize::from(*b.get(at + 2)?) << 16)
}

/// The data blocks of a `.tzx` file (each: flag, payload, checksum, as on tape).
pub fn parse_tzx(b: &[u8]) -> Result<Vec<Vec<u8>>, TzxError> {
    if b.len() < 10 || &b[..8] != b"ZXTape!\x1A" {
        return Err(TzxError::Signature);
    }
    let mut blocks = Vec::new();
    let mut p = 10;
    while p < b.len() {
        let id = b[p];
        let at = p;
        let body = p + 1;
        let short = TzxError::Truncated { id, at };
        // (offset of the data within the body, data length) for data blocks; the body's
        // length for the others.
        let (data, len) = match id {
            0x10 => (Some(4), word(b, body + 2)),
            0x11 => (Some(0x12), triple(b, body + 0x0F)),
            0x14 => (Some(0x0A), triple(b, body + 0x07)),
            0x20 => (None, Some(2)),
            0x21 | 0x30 => (None, b.get(body).map(|&n| 1 + usize::from(n))),
            0x22 => (None, Some(0)),
            0x31 => (None, b.get(body + 1).map(|&n| 2 + usize::from(n))),
            0x32 => (None, word(b, body).map(|n| 2 + n)),
            0x33 => (None, b.get(body).map(|&n| 1 + 3 * usize::from(n))),
            0x35 => (
                None,
                b.get(body + 16..body + 20)
                    .map(|l| 20 + u32::from_le_bytes([l[0], l[1], l[2], l[3]]) as usize),
            ),
            0x5A => (None, Some(9)),
            _ => return Err(TzxError::Unsupported { id, at }),
        };
        let len = len.ok_or(short.clone())?;
        let end = match data {
            Some(off) => body + off + len,
            None => body + len,
        };
        if end > b.len() {
            return Err(short);
        }
        if let Some(off) = data {
            blocks.push(b[body + off..end].to_vec());
        }
        p = end;
    }
    Ok(blocks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_blocks_are_kept_and_information_skipped() {
        let mut t = b"ZXTape!\x1A\x01\x14".to_vec();
        t.extend_from_slice(&[0x30, 2, b'h', b'i']);
        t.extend_from_slice(&[0x32, 5, 0, 1, 0, 2, b'a', b'b']);
        t.extend_from_slice(&[0x10, 0xE8, 3, 3, 0, 0xFF, 7, 0xF8]);
        t.extend_from_slice(&[0x20, 0, 0]);
        assert_eq!(parse_tzx(&t).unwrap(), vec![vec![0xFF, 7, 0xF8]]);
        let mut bad = t.clone();
        bad.push(0x15);
        assert_eq!(
            parse_tzx(&bad),
            Err(TzxError::Unsupported {
                id: 0x15,
                at: t.len()
            })
        );
        assert!(matches!(
            parse_tzx(&t[..t.len() - 5]),
            Err(TzxError::Truncated { id: 0x10, .. })
        ));
        assert_eq!(parse_tzx(b"RIFF"), Err(TzxError::Signature));
    }
}
