//! 48K snapshot files for the emulated ZX Spectrum: `.sna` (27-byte header + 48K of RAM, PC on
//! the stack) and `.z80` versions 1, 2 and 3 of a 48K machine, compressed or not. Formats as in
//! the World of Spectrum "FAQ: File formats" (SNA, Z80); see [`Snapshot::parse`].

use thiserror::Error;

use crate::cpu::z80::Z80;

/// T-states of a 48K frame.
const FRAME_T: u32 = 69_888;

/// Why a snapshot could not be read.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum SnapshotError {
    #[error("a 48K .sna is 49179 bytes, this is {0} (128K .sna files are not supported)")]
    SnaSize(usize),
    #[error(".z80 file ends inside its {0}")]
    Truncated(&'static str),
    #[error(".z80 file is for hardware mode {0}; only a 48K Spectrum is emulated")]
    Hardware(u8),
    #[error(".z80 additional header of {0} bytes (23, 54 or 55 expected)")]
    ExtraHeader(u16),
    #[error(".z80 page {0} is not a 48K RAM page (4, 5 or 8)")]
    Page(u8),
    #[error(".z80 page {page} expands to {len} bytes, not 16384")]
    PageSize { page: u8, len: usize },
    #[error(".z80 file lacks RAM page {0}")]
    MissingPage(u8),
}

/// A 48K machine state: RAM 0x4000..=0xFFFF, the registers, border and frame position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub ram: Vec<u8>,
    /// The CPU's registers (cycle counters left at 0).
    pub cpu: Z80,
    pub border: u8,
    /// T-states since the start of the frame.
    pub frame_t: u32,
}

impl Snapshot {
    /// Reads a `.z80` (when `name` ends in .z80, any case) or `.sna` file.
    pub fn parse(name: &str, bytes: &[u8]) -> Result<Snapshot, SnapshotError> {
        if name.to_ascii_lowercase().ends_with(".z80") {
            parse_z80(bytes)
        } else {
            parse_sna(bytes)
        }
    }
}

/// Whether `name` names a snapshot file (.sna or .z80, any case).
pub fn is_snapshot(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.ends_with(".sna") || n.ends_with(".z80")
}

fn word(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

/// A 48K `.sna`: PC is popped from the stack (the format's RETN), IFF1 = IFF2.
pub fn parse_sna(b: &[u8]) -> Result<Snapshot, SnapshotError> {
    if b.len() != 27 + 0xC000 {
        return Err(SnapshotError::SnaSize(b.len()));
    }
    let mut cpu = Z80::new();
    cpu.i = b[0];
    cpu.hl_alt = word(b, 1);
    cpu.de_alt = word(b, 3);
    cpu.bc_alt = word(b, 5);
    cpu.af_alt = word(b, 7);
    cpu.set_hl(word(b, 9));
    cpu.set_de(word(b, 11));
    cpu.set_bc(word(b, 13));
    cpu.iy = word(b, 15);
    cpu.ix = word(b, 17);
    cpu.iff2 = b[19] & 4 != 0;
    cpu.iff1 = cpu.iff2;
    cpu.r = b[20];
    cpu.set_af(word(b, 21));
    let mut sp = word(b, 23);
    cpu.im = b[25] & 3;
    let ram = b[27..].to_vec();
    let peek = |a: u16| {
        if a >= 0x4000 {
            ram[usize::from(a - 0x4000)]
        } else {
            0
        }
    };
    cpu.pc = u16::from_le_bytes([peek(sp), peek(sp.wrapping_add(1))]);
    sp = sp.wrapping_add(2);
    cpu.sp = sp;
    Ok(Snapshot {
        ram,
        cpu,
        border: b[26] & 7,
        frame_t: 0,
    })
}

/// A `.z80` of a 48K machine, version 1 (PC in the header, one 48K block, compressed when
/// flag bit 5 is set, ending in 00 ED ED 00) or 2/3 (PC in the additional header, one block
/// per 16K page).
pub fn parse_z80(b: &[u8]) -> Result<Snapshot, SnapshotError> {
    if b.len() < 30 {
        return Err(SnapshotError::Truncated("header"));
    }
    let mut cpu = Z80::new();
    cpu.a = b[0];
    cpu.f = b[1];
    cpu.set_bc(word(b, 2));
    cpu.set_hl(word(b, 4));
    cpu.pc = word(b, 6);
    cpu.sp = word(b, 8);
    cpu.i = b[10];
    let flags = if b[12] == 0xFF { 1 } else { b[12] };
    cpu.r = b[11] & 0x7F | (flags & 1) << 7;
    let border = flags >> 1 & 7;
    cpu.set_de(word(b, 13));
    cpu.bc_alt = word(b, 15);
    cpu.de_alt = word(b, 17);
    cpu.hl_alt = word(b, 19);
    cpu.af_alt = u16::from_be_bytes([b[21], b[22]]);
    cpu.iy = word(b, 23);
    cpu.ix = word(b, 25);
    cpu.iff1 = b[27] != 0;
    cpu.iff2 = b[28] != 0;
    cpu.im = b[29] & 3;
    let mut frame_t = 0;
    let ram = if cpu.pc != 0 {
        let data = &b[30..];
        if flags & 0x20 != 0 {
            let body = data.strip_suffix(&[0, 0xED, 0xED, 0]).unwrap_or(data);
            expand(body)
        } else {
            data.to_vec()
        }
    } else {
        if b.len() < 32 {
            return Err(SnapshotError::Truncated("additional header"));
        }
        let extra = word(b, 30);
        if ![23, 54, 55].contains(&extra) {
            return Err(SnapshotError::ExtraHeader(extra));
        }
        let end = 32 + usize::from(extra);
        if b.len() < end {
            return Err(SnapshotError::Truncated("additional header"));
        }
        cpu.pc = word(b, 32);
        let hw = b[34];
        // 48K: mode 0 (and 1, 48K + Interface I) in both versions, 3 (+ M.G.T.) in version 3.
        let is48 = hw == 0 || hw == 1 || (extra != 23 && hw == 3);
        if !is48 {
            return Err(SnapshotError::Hardware(hw));
        }
        if extra != 23 {
            let q = FRAME_T / 4;
            let low = u32::from(word(b, 55)) % q;
            let high = (2 + 4 - u32::from(b[57]) % 4) % 4;
            frame_t = (FRAME_T - 1).saturating_sub(high * q + low);
        }
        let mut ram = vec![0u8; 0xC000];
        let mut seen = [false; 3];
        let mut p = end;
        while p < b.len() {
            if b.len() < p + 3 {
                return Err(SnapshotError::Truncated("page header"));
            }
            let len = word(b, p);
            let page = b[p + 2];
            p += 3;
            let raw = len == 0xFFFF;
            let n = if raw { 0x4000 } else { usize::from(len) };
            let data = b.get(p..p + n).ok_or(SnapshotError::Truncated("page"))?;
            p += n;
            let bytes = if raw { data.to_vec() } else { expand(data) };
            let slot = match page {
                8 => 0,
                4 => 1,
                5 => 2,
                _ => return Err(SnapshotError::Page(page)),
            };
            if bytes.len() != 0x4000 {
                return Err(SnapshotError::PageSize {
                    page,
                    len: bytes.len(),
                });
            }
            ram[slot * 0x4000..(slot + 1) * 0x4000].copy_from_slice(&bytes);
            seen[slot] = true;
        }
        if let Some(i) = seen.iter().position(|s| !s) {
            return Err(SnapshotError::MissingPage([8, 4, 5][i]));
        }
        ram
    };
    if ram.len() != 0xC000 {
        return Err(SnapshotError::PageSize {
            page: 0,
            len: ram.len(),
        });
    }
    Ok(Snapshot {
        ram,
        cpu,
        border,
        frame_t,
    })
}

/// Expands `ED ED count byte` runs.
fn expand(mut d: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(0x4000);
    while let Some(&first) = d.first() {
        if d.len() >= 4 && first == 0xED && d[1] == 0xED {
            out.extend(std::iter::repeat_n(d[3], usize::from(d[2])));
            d = &d[4..];
        } else {
            out.push(first);
            d = &d[1..];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sna_pops_pc_and_copies_iff2() {
        let mut b = vec![0u8; 27 + 0xC000];
        b[19] = 4;
        b[23..25].copy_from_slice(&0x8000u16.to_le_bytes());
        b[27 + 0x4000..27 + 0x4002].copy_from_slice(&[0x34, 0x12]);
        b[26] = 3;
        let s = parse_sna(&b).unwrap();
        assert_eq!((s.cpu.pc, s.cpu.sp), (0x1234, 0x8002));
        assert!(s.cpu.iff1 && s.cpu.iff2);
        assert_eq!(s.border, 3);
        assert_eq!(parse_sna(&b[1..]), Err(SnapshotError::SnaSize(0xC01A)));
    }

    #[test]
    fn z80_version_1_compressed() {
        let mut b = vec![0u8; 30];
        b[6..8].copy_from_slice(&0x8000u16.to_le_bytes());
        b[12] = 0x20 | 2 << 1;
        b.extend_from_slice(&[0xED, 0xED, 0xFF, 0x11]);
        for _ in 0..191 {
            b.extend_from_slice(&[0xED, 0xED, 0xFF, 0x00]);
        }
        b.extend_from_slice(&[0xED, 0xED, 0xC0, 0x22]);
        b.extend_from_slice(&[0, 0xED, 0xED, 0]);
        let s = parse_z80(&b).unwrap();
        assert_eq!(s.cpu.pc, 0x8000);
        assert_eq!(s.border, 2);
        assert_eq!(s.ram[0], 0x11);
        assert_eq!(s.ram[0xBFFF], 0x22);
        b.truncate(40);
        assert!(parse_z80(&b).is_err());
    }

    #[test]
    fn z80_v3_rejects_other_machines_and_missing_pages() {
        let mut b = vec![0u8; 32 + 54];
        b[30] = 54;
        b[32] = 0x00;
        b[33] = 0x80;
        b[34] = 4; // a 128K
        assert_eq!(parse_z80(&b), Err(SnapshotError::Hardware(4)));
        b[34] = 0;
        assert_eq!(parse_z80(&b), Err(SnapshotError::MissingPage(8)));
        b.extend_from_slice(&[0xFF, 0xFF, 7]);
        b.extend(vec![0; 0x4000]);
        assert_eq!(parse_z80(&b), Err(SnapshotError::Page(7)));
    }
}
