//! The result of assembling: chunks of bytes at logical addresses (with an optional bank),
//! the symbol table, flat images and a listing.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::sync::Arc;

use super::enc::Fix;
use super::pass::{hex, Source};

/// Contiguous bytes at a logical address. Banked chunks (`bank n`) share logical windows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    pub addr: u16,
    pub bank: Option<u32>,
    pub bytes: Vec<u8>,
}

/// One listing line (pass 2).
#[derive(Debug, Clone)]
pub(crate) struct ListRec {
    pub file: u32,
    pub line: u32,
    pub addr: u32,
    pub bank: Option<u32>,
    pub chunk: u32,
    pub off: u32,
    pub len: u32,
    pub value: Option<i64>,
}

/// An assembled program.
#[derive(Debug, Clone)]
pub struct Assembly {
    /// Output bytes in source order; no two chunks of one bank overlap.
    pub chunks: Vec<Chunk>,
    /// Every label and equate (local labels as `global.local`) with its value.
    pub symbols: BTreeMap<String, i64>,
    /// The bank of each label defined after a `bank n` directive.
    pub symbol_banks: BTreeMap<String, u32>,
    sources: Vec<Arc<Source>>,
    listing: Vec<ListRec>,
}

impl Assembly {
    pub(crate) fn new(
        chunks: Vec<Chunk>,
        syms: impl Iterator<Item = (String, i64, Option<u32>)>,
        sources: Vec<Arc<Source>>,
        listing: Vec<ListRec>,
    ) -> Self {
        let mut symbols = BTreeMap::new();
        let mut symbol_banks = BTreeMap::new();
        for (name, v, bank) in syms {
            if let Some(b) = bank {
                symbol_banks.insert(name.clone(), b);
            }
            symbols.insert(name, v);
        }
        Assembly {
            chunks,
            symbols,
            symbol_banks,
            sources,
            listing,
        }
    }

    pub fn symbol(&self, name: &str) -> Option<i64> {
        self.symbols.get(name).copied()
    }

    /// The bank of a label (None: not banked or unknown).
    pub fn symbol_bank(&self, name: &str) -> Option<u32> {
        self.symbol_banks.get(name).copied()
    }

    /// The banks that hold bytes (None = unbanked).
    pub fn banks(&self) -> BTreeSet<Option<u32>> {
        self.chunks.iter().map(|c| c.bank).collect()
    }

    /// The unbanked chunks as one image from the lowest to the highest address written,
    /// gaps filled with `fill`. Empty image: `(0, [])`.
    pub fn flat(&self, fill: u8) -> (u16, Vec<u8>) {
        self.flat_bank(None, fill)
    }

    /// Like [`Assembly::flat`] for the chunks of one bank.
    pub fn flat_bank(&self, bank: Option<u32>, fill: u8) -> (u16, Vec<u8>) {
        let sel = || {
            self.chunks
                .iter()
                .filter(move |c| c.bank == bank && !c.bytes.is_empty())
        };
        let Some(start) = sel().map(|c| c.addr as usize).min() else {
            return (0, Vec::new());
        };
        let end = sel()
            .map(|c| c.addr as usize + c.bytes.len())
            .max()
            .unwrap_or(start);
        let mut img = vec![fill; end - start];
        for c in sel() {
            let o = c.addr as usize - start;
            img[o..o + c.bytes.len()].copy_from_slice(&c.bytes);
        }
        (start as u16, img)
    }

    /// Places every chunk into one physical image: `place(bank, addr)` gives the byte offset
    /// of a logical address (None: the chunk is dropped, e.g. RAM). Gaps are `fill`.
    pub fn place(&self, fill: u8, place: impl Fn(Option<u32>, u16) -> Option<usize>) -> Vec<u8> {
        let mut img = Vec::new();
        for c in &self.chunks {
            let Some(o) = place(c.bank, c.addr) else {
                continue;
            };
            if img.len() < o + c.bytes.len() {
                img.resize(o + c.bytes.len(), fill);
            }
            img[o..o + c.bytes.len()].copy_from_slice(&c.bytes);
        }
        img
    }

    /// A listing: `file:line  [bank:]addr  bytes  source` for every assembled line.
    pub fn listing(&self) -> String {
        let mut s = String::new();
        for r in &self.listing {
            let Some(src) = self.sources.get(r.file as usize) else {
                continue;
            };
            let loc = format!("{}:{}", src.name, r.line);
            let _ = write!(s, "{loc:<20} ");
            match r.bank {
                Some(b) => {
                    let _ = write!(s, "{b:02X}:{:04X}  ", r.addr & 0xFFFF);
                }
                None => {
                    let _ = write!(s, "   {:04X}  ", r.addr & 0xFFFF);
                }
            }
            let mut col = String::new();
            if let Some(v) = r.value {
                let _ = write!(col, "= {}", hex(v));
            } else if let Some(c) = self.chunks.get(r.chunk as usize) {
                let b = &c.bytes[r.off as usize..(r.off + r.len) as usize];
                for x in b.iter().take(6) {
                    let _ = write!(col, "{x:02X} ");
                }
                if b.len() > 6 {
                    col.push_str("..");
                }
            }
            let _ = writeln!(s, "{col:<20} {}", src.line_text(r.line));
        }
        s
    }
}

/// Checks `v` for fix-up `kind` and stores it in `out` (the hole and what follows).
/// `end` is the address after the instruction (for relative jumps).
pub(crate) fn apply_fix(kind: Fix, v: i64, end: i64, out: &mut [u8]) -> Result<(), String> {
    match kind {
        Fix::U8 => {
            if !(-128..=255).contains(&v) {
                return Err(format!(
                    "value {v} ({}) is out of range for a byte (-128..255)",
                    hex(v)
                ));
            }
            out[0] = v as u8;
        }
        Fix::S8 => {
            if !(-128..=127).contains(&v) {
                return Err(format!("displacement {v} is out of range -128..127"));
            }
            out[0] = v as u8;
        }
        Fix::U16 => {
            if !(-32768..=65535).contains(&v) {
                return Err(format!(
                    "value {v} ({}) is out of range for a word (-32768..65535)",
                    hex(v)
                ));
            }
            out[..2].copy_from_slice(&(v as u16).to_le_bytes());
        }
        Fix::Rel => {
            let d = v.saturating_sub(end);
            if !(-128..=127).contains(&d) {
                return Err(format!(
                    "relative jump to {} is out of range: distance {d} (must be -128..127)",
                    hex(v)
                ));
            }
            out[0] = d as u8;
        }
        Fix::Bit => {
            if !(0..=7).contains(&v) {
                return Err(format!("bit number {v} is out of range 0..7"));
            }
            out[0] |= (v as u8) << 3;
        }
        Fix::Rst => {
            if !(0..=0x38).contains(&v) || v & 7 != 0 {
                return Err(format!(
                    "rst {} is not a restart address (0x00, 0x08, .. 0x38)",
                    hex(v)
                ));
            }
            out[0] |= v as u8;
        }
        Fix::Im => {
            out[0] = match v {
                0 => 0x46,
                1 => 0x56,
                2 => 0x5E,
                _ => return Err(format!("interrupt mode {v} is not 0, 1 or 2")),
            };
        }
        Fix::High => {
            if !(0..=0xFF).contains(&v) && !(0xFF00..=0xFFFF).contains(&v) {
                return Err(format!(
                    "{} is not a high-page address (0xFF00..0xFFFF or 0..0xFF)",
                    hex(v)
                ));
            }
            out[0] = v as u8;
        }
    }
    Ok(())
}
