//! ZX Spectrum tape containers: `.tap` files of ROM-format blocks, the autostart BASIC loader,
//! and (in [`wav`]) the same tape as 44.1 kHz audio for a real Spectrum's EAR socket.
//!
//! Format followed (Sinclair Wiki "TAP format", "Spectrum tape interface"; 48K ROM `SA-BYTES`):
//! every block on tape is a flag byte (0x00 header, 0xFF data), the payload, and a checksum byte
//! that is the XOR of the flag and every payload byte. A `.tap` file stores each block as a
//! little-endian u16 length (flag + payload + checksum) followed by those bytes. A header payload
//! is 17 bytes: type (0 program, 3 code), a 10-byte name padded with spaces, the length of the
//! following data block, parameter 1 (program: autostart line, 32768 = none; code: start address)
//! and parameter 2 (program: offset of the variables area; code: 32768).

pub mod basic;
pub mod sna;
pub mod snapshot;
pub mod tzx;
pub mod wav;
pub mod z80;

use thiserror::Error;

pub use basic::BasicError;

/// Flag byte of a header block.
pub const FLAG_HEADER: u8 = 0x00;
/// Flag byte of a data block.
pub const FLAG_DATA: u8 = 0xFF;
/// Where the 48K ROM puts a BASIC program (PROG after NEW with no microdrive).
pub const PROG_START: u16 = 23755;
/// Start of the system variables: code blocks below it lie in the screen or printer buffer.
pub const SYSVARS: u16 = 0x5C00;
/// Bytes left free between the BASIC program and the CLEAR address for the ROM's workspace
/// (LOAD keeps two 17-byte headers there; the calculator stack and GO SUB stack need some too).
pub const LOADER_WORKSPACE: u16 = 256;

/// Why a tape could not be made.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum TapeError {
    #[error("tape name {0:?} must be 1..=10 printable ASCII characters")]
    Name(String),
    #[error("block of {len} bytes is too large for a tape block (limit 65533 payload bytes)")]
    BlockTooLarge { len: usize },
    #[error("code block at 0x{start:04X} with {len} bytes runs past 0xFFFF")]
    PastEnd { start: u16, len: usize },
    #[error("code block at 0x{start:04X} is below RAM (0x4000) or empty")]
    BadStart { start: u16 },
    #[error("code blocks 0x{a:04X} and 0x{b:04X} overlap")]
    Overlap { a: u16, b: u16 },
    #[error(
        "CLEAR address 0x{clear:04X} must lie below the code (lowest block above the system \
         variables 0x{lowest:04X}) and at or above 0x{min:04X} (end of the BASIC loader plus \
         {LOADER_WORKSPACE} bytes of workspace); blocks below 0x5C00 must end by 0x5C00"
    )]
    Clear { clear: u16, lowest: u16, min: u16 },
    #[error("entry point 0x{0:04X} is not inside any code block")]
    Entry(u16),
    #[error(transparent)]
    Basic(#[from] BasicError),
}

/// One block as the ROM saves it: flag, payload; the checksum is computed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    pub flag: u8,
    pub data: Vec<u8>,
}

impl Block {
    /// XOR of the flag and every payload byte.
    pub fn checksum(&self) -> u8 {
        self.data.iter().fold(self.flag, |a, b| a ^ b)
    }

    /// The bytes that go onto the tape: flag, payload, checksum.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(self.data.len() + 2);
        v.push(self.flag);
        v.extend_from_slice(&self.data);
        v.push(self.checksum());
        v
    }
}

/// A sequence of blocks in tape order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tape {
    pub blocks: Vec<Block>,
}

impl Tape {
    /// The `.tap` file bytes.
    pub fn to_tap(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for b in &self.blocks {
            let bytes = b.to_bytes();
            out.extend_from_slice(&(bytes.len() as u16).to_le_bytes());
            out.extend(bytes);
        }
        out
    }

    /// Append a header + data pair for a BASIC program (`LOAD ""` reads these).
    pub fn push_program(
        &mut self,
        name: &str,
        program: &[u8],
        autostart: Option<u16>,
    ) -> Result<(), TapeError> {
        let len = payload_len(program.len())?;
        self.push_header(0, name, len, autostart.unwrap_or(32768), len)?;
        self.push_data(program);
        Ok(())
    }

    /// Append a header + data pair for bytes loaded at `start` (`LOAD "" CODE` reads these).
    pub fn push_code(&mut self, name: &str, start: u16, data: &[u8]) -> Result<(), TapeError> {
        let len = payload_len(data.len())?;
        if start < 0x4000 || data.is_empty() {
            return Err(TapeError::BadStart { start });
        }
        if usize::from(start) + data.len() > 0x1_0000 {
            return Err(TapeError::PastEnd {
                start,
                len: data.len(),
            });
        }
        self.push_header(3, name, len, start, 32768)?;
        self.push_data(data);
        Ok(())
    }

    fn push_header(
        &mut self,
        kind: u8,
        name: &str,
        len: u16,
        p1: u16,
        p2: u16,
    ) -> Result<(), TapeError> {
        let mut h = vec![kind];
        h.extend_from_slice(&pad_name(name)?);
        for w in [len, p1, p2] {
            h.extend_from_slice(&w.to_le_bytes());
        }
        self.blocks.push(Block {
            flag: FLAG_HEADER,
            data: h,
        });
        Ok(())
    }

    fn push_data(&mut self, data: &[u8]) {
        self.blocks.push(Block {
            flag: FLAG_DATA,
            data: data.to_vec(),
        });
    }
}

fn payload_len(len: usize) -> Result<u16, TapeError> {
    if len > 65533 {
        return Err(TapeError::BlockTooLarge { len });
    }
    Ok(len as u16)
}

/// A tape file name: 1..=10 printable ASCII characters, padded with spaces.
pub fn pad_name(name: &str) -> Result<[u8; 10], TapeError> {
    let b = name.as_bytes();
    if b.is_empty() || b.len() > 10 || !b.iter().all(|c| (0x20..0x7F).contains(c)) {
        return Err(TapeError::Name(name.to_string()));
    }
    let mut out = [b' '; 10];
    out[..b.len()].copy_from_slice(b);
    Ok(out)
}

/// Bytes to be loaded at a fixed address by `LOAD "" CODE`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeBlock {
    pub start: u16,
    pub data: Vec<u8>,
}

/// What the autostart loader does: CLEAR below the code, load each block, jump to `entry`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Loader {
    /// Tape name of the program (and, with a digit appended, of the code blocks).
    pub name: String,
    /// The CLEAR address: RAMTOP, the top of BASIC's memory; the machine stack lies below it.
    pub clear: u16,
    /// Where `RANDOMIZE USR` jumps.
    pub entry: u16,
    pub blocks: Vec<CodeBlock>,
}

/// The BASIC text of the loader (one line, line 10), for listing and for the tape.
pub fn loader_basic(l: &Loader) -> String {
    let mut s = format!("10 CLEAR {}:", l.clear);
    for _ in &l.blocks {
        s.push_str(" LOAD \"\" CODE :");
    }
    s.push_str(&format!(" RANDOMIZE USR {}", l.entry));
    s
}

/// Build the tape: program `name` with autostart line 10, then one CODE block per code block.
pub fn loader_tape(l: &Loader) -> Result<Tape, TapeError> {
    let mut sorted: Vec<&CodeBlock> = l.blocks.iter().collect();
    sorted.sort_by_key(|b| b.start);
    for w in sorted.windows(2) {
        if usize::from(w[0].start) + w[0].data.len() > usize::from(w[1].start) {
            return Err(TapeError::Overlap {
                a: w[0].start,
                b: w[1].start,
            });
        }
    }
    let program = basic::tokenise_line(&loader_basic(l))?;
    let min = PROG_START + program.len() as u16 + LOADER_WORKSPACE;
    // Blocks may lie in the screen and printer buffer (below the system variables); all
    // others must lie above RAMTOP.
    let above: Vec<&&CodeBlock> = sorted.iter().filter(|b| b.start >= SYSVARS).collect();
    let lowest = above.first().map_or(0xFFFF, |b| b.start);
    let low_ok = sorted
        .iter()
        .filter(|b| b.start < SYSVARS)
        .all(|b| usize::from(b.start) + b.data.len() <= usize::from(SYSVARS));
    if l.clear < min || l.clear >= lowest || !low_ok {
        return Err(TapeError::Clear {
            clear: l.clear,
            lowest,
            min,
        });
    }
    let inside = |b: &&CodeBlock| {
        l.entry >= b.start && usize::from(l.entry) < usize::from(b.start) + b.data.len()
    };
    if !sorted.iter().any(inside) {
        return Err(TapeError::Entry(l.entry));
    }
    let mut tape = Tape::default();
    tape.push_program(&l.name, &program, Some(10))?;
    let base: String = l.name.chars().take(9).collect();
    for (i, b) in l.blocks.iter().enumerate() {
        let name = if l.blocks.len() == 1 {
            l.name.clone()
        } else {
            format!("{base}{}", i + 1)
        };
        tape.push_code(&name, b.start, &b.data)?;
    }
    Ok(tape)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loader() -> Loader {
        Loader {
            name: "CHAT".into(),
            clear: 0x5FFF,
            entry: 0x8000,
            blocks: vec![
                CodeBlock {
                    start: 0x8000,
                    data: vec![0xC9; 100],
                },
                CodeBlock {
                    start: 0x6000,
                    data: vec![1, 2, 3],
                },
            ],
        }
    }

    #[test]
    fn tap_file_has_lengths_flags_and_xor_checksums() {
        let tape = loader_tape(&loader()).unwrap();
        let tap = tape.to_tap();
        assert_eq!(tape.blocks.len(), 6);
        let mut p = 0;
        for b in &tape.blocks {
            let len = u16::from_le_bytes([tap[p], tap[p + 1]]) as usize;
            assert_eq!(len, b.data.len() + 2);
            let bytes = &tap[p + 2..p + 2 + len];
            assert_eq!(
                bytes.iter().fold(0, |a, b| a ^ b),
                0,
                "XOR over flag..checksum is 0"
            );
            p += 2 + len;
        }
        assert_eq!(p, tap.len());
        let h = &tape.blocks[0].data;
        assert_eq!((tape.blocks[0].flag, h[0]), (FLAG_HEADER, 0));
        assert_eq!(&h[1..11], b"CHAT      ");
        assert_eq!(u16::from_le_bytes([h[13], h[14]]), 10, "autostart line");
        let c = &tape.blocks[4].data;
        assert_eq!(c[0], 3);
        assert_eq!(&c[1..11], b"CHAT2     ");
        assert_eq!(u16::from_le_bytes([c[11], c[12]]), 3);
        assert_eq!(u16::from_le_bytes([c[13], c[14]]), 0x6000);
    }

    #[test]
    fn loader_text_clears_loads_each_block_and_jumps() {
        assert_eq!(
            loader_basic(&loader()),
            "10 CLEAR 24575: LOAD \"\" CODE : LOAD \"\" CODE : RANDOMIZE USR 32768"
        );
    }

    #[test]
    fn inconsistent_layouts_are_rejected() {
        let mut l = loader();
        l.clear = 0x6000;
        assert!(matches!(loader_tape(&l), Err(TapeError::Clear { .. })));
        l.clear = 0x5D00;
        assert!(matches!(loader_tape(&l), Err(TapeError::Clear { .. })));
        let mut l = loader();
        l.blocks.push(CodeBlock {
            start: 0x5000,
            data: vec![0; 0xC00],
        });
        assert!(
            loader_tape(&l).is_ok(),
            "a block in the screen and printer buffer"
        );
        l.blocks[2].data.push(0);
        assert!(
            matches!(loader_tape(&l), Err(TapeError::Clear { .. })),
            "into the sysvars"
        );
        let mut l = loader();
        l.entry = 0x7000;
        assert_eq!(loader_tape(&l), Err(TapeError::Entry(0x7000)));
        let mut l = loader();
        l.blocks[1].data = vec![0; 0x2001];
        assert!(matches!(loader_tape(&l), Err(TapeError::Overlap { .. })));
        let mut l = loader();
        l.blocks[0] = CodeBlock {
            start: 0xFF00,
            data: vec![0; 0x101],
        };
        l.entry = 0xFF00;
        assert!(matches!(loader_tape(&l), Err(TapeError::PastEnd { .. })));
        let mut l = loader();
        l.name = "NAME TOO LONG".into();
        assert!(matches!(loader_tape(&l), Err(TapeError::Name(_))));
    }
}
