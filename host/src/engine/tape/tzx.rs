//! The `.tzx` tape file: the same blocks as the `.tap`, as standard-speed data blocks, after a
//! text description and an archive info block that say what the tape is.
//!
//! Format (TZX specification 1.20, World of Spectrum / Tomaz Kac; all words little-endian):
//! the header `ZXTape!` 0x1A, version 1.20; then blocks, each an ID byte and its body:
//! * 0x10 standard speed data: pause after the block in ms (word), data length (word), the
//!   bytes as the ROM saves them (flag, payload, checksum; the ROM's timings are implied);
//! * 0x30 text description: length (byte), ASCII text;
//! * 0x32 archive info: length of the rest (word), number of strings (byte), then each string
//!   as a type byte (0x00 title, 0x01 publisher, 0x02 author, 0x03 year, 0x04 language,
//!   0x05 type, 0x07 loader, 0x08 origin, 0xFF comment), a length byte and ASCII text.

use thiserror::Error;

use super::Tape;

/// The file's signature and version 1.20.
pub const HEADER: [u8; 10] = *b"ZXTape!\x1A\x01\x14";
/// Pause after each data block: a second, as the ROM's SAVE leaves between blocks.
pub const PAUSE_MS: u16 = 1000;

/// A string of the archive info block: its type byte and text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Info {
    pub kind: u8,
    pub text: String,
}

/// Why a `.tzx` could not be written.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum TzxError {
    #[error("tzx text {0:?} must be printable ASCII of at most 255 bytes")]
    Text(String),
}

fn text(s: &str) -> Result<Vec<u8>, TzxError> {
    let ok = s.len() <= 255 && s.bytes().all(|b| (0x20..0x7F).contains(&b));
    if !ok {
        return Err(TzxError::Text(s.to_string()));
    }
    Ok(s.as_bytes().to_vec())
}

/// The `.tzx` bytes: header, a 0x30 text description `description`, a 0x32 archive info block
/// of `info`, then one 0x10 block per tape block.
pub fn to_tzx(tape: &Tape, description: &str, info: &[Info]) -> Result<Vec<u8>, TzxError> {
    let mut out = HEADER.to_vec();
    let d = text(description)?;
    out.push(0x30);
    out.push(d.len() as u8);
    out.extend(d);
    let mut body = vec![info.len() as u8];
    for i in info {
        let t = text(&i.text)?;
        body.push(i.kind);
        body.push(t.len() as u8);
        body.extend(t);
    }
    out.push(0x32);
    out.extend_from_slice(&(body.len() as u16).to_le_bytes());
    out.extend(body);
    for b in &tape.blocks {
        let bytes = b.to_bytes();
        out.push(0x10);
        out.extend_from_slice(&PAUSE_MS.to_le_bytes());
        out.extend_from_slice(&(bytes.len() as u16).to_le_bytes());
        out.extend(bytes);
    }
    Ok(out)
}

/// The chat's `.tzx`: `tape` with a description of how to use it and archive info naming the
/// model (`model`, e.g. the file's stem) and the weight layout.
pub fn chat_tzx(tape: &Tape, model: &str, layout: &str) -> Result<Vec<u8>, TzxError> {
    let info = |kind: u8, text: String| Info { kind, text };
    let model: String = model
        .chars()
        .filter(|c| c.is_ascii_graphic() || *c == ' ')
        .take(64)
        .collect();
    let info = [
        info(0x00, format!("z80lm chat: {model}")),
        info(0x01, "z80lm".into()),
        info(0x04, "English".into()),
        info(0x05, "Utility: a 2-bit character model that answers".into()),
        info(0x07, "Standard ROM timings; BASIC autostart loader".into()),
        info(0x08, "z80lm build --target zx48".into()),
        info(0xFF, format!("weight layout {layout}")),
    ];
    to_tzx(
        tape,
        "z80lm chat, ZX Spectrum 48K: LOAD \"\", then type a question and ENTER; ! returns to BASIC",
        &info,
    )
}

#[cfg(test)]
mod tests {
    use super::super::Block;
    use super::*;

    #[test]
    fn blocks_in_order_with_lengths() {
        let tape = Tape {
            blocks: vec![Block {
                flag: 0xFF,
                data: vec![1, 2, 3],
            }],
        };
        let info = [Info {
            kind: 0,
            text: "chat".into(),
        }];
        let t = to_tzx(&tape, "hi", &info).unwrap();
        assert_eq!(&t[..10], b"ZXTape!\x1A\x01\x14");
        assert_eq!(&t[10..14], &[0x30, 2, b'h', b'i']);
        assert_eq!(&t[14..17], &[0x32, 7, 0]);
        assert_eq!(&t[17..24], &[1, 0, 4, b'c', b'h', b'a', b't']);
        assert_eq!(&t[24..29], &[0x10, 0xE8, 0x03, 5, 0]);
        assert_eq!(&t[29..], &[0xFF, 1, 2, 3, 0xFF ^ 1 ^ 2 ^ 3]);
        assert!(to_tzx(&tape, "caf\u{e9}", &info).is_err());
        assert!(to_tzx(&tape, &"x".repeat(256), &info).is_err());
    }
}
