//! The version 3 `.z80` snapshot of a 48K Spectrum, with compressed memory pages.
//!
//! Format (World of Spectrum "FAQ: File formats", Z80; all words little-endian): a 30-byte
//! header (A, F, BC, HL, PC = 0 for version 2 and 3, SP, I, R bits 0-6, a flags byte with R's
//! bit 7 and the border colour in bits 1-3, DE, BC', DE', HL', A', F', IY, IX, IFF1, IFF2,
//! interrupt mode in bits 0-1), then the additional header's length (54 for version 3) and
//! the additional header: PC, hardware mode (0 = 48K), port 0x7FFD, Interface I, emulation
//! flags, the AY registers, the T-state counter (a 16-bit count within a quarter frame and the
//! quarter, see [`tstate_counter`]), and flags for peripherals and ROM paging (0xFF at offsets
//! 61 and 62: 0x0000-0x3FFF is ROM). Then one block per 16K page: compressed length (0xFFFF =
//! not compressed, 16384 bytes), page number (48K: 8 = 0x4000, 4 = 0x8000, 5 = 0xC000), data.
//!
//! Compression: a run of 5 or more equal bytes, and a run of 2 or more 0xED bytes, becomes
//! `ED ED count byte` (runs longer than 255 are split); the byte after a single 0xED is never
//! the start of a run. Version 3 pages have no end marker.

use super::snapshot::Snapshot;

/// Length of the version 3 additional header.
pub const V3_EXTRA: u16 = 54;
/// T-states of a 48K frame.
const FRAME_T: u32 = 69_888;

/// The `.z80` (version 3) file bytes of `s`.
pub fn to_z80(s: &Snapshot) -> Vec<u8> {
    let r = &s.regs;
    let [a, f] = r.af.to_be_bytes();
    let [a_alt, f_alt] = r.af_alt.to_be_bytes();
    let mut out = vec![a, f];
    for w in [r.bc, r.hl, 0, r.sp] {
        out.extend_from_slice(&w.to_le_bytes());
    }
    out.push(r.i);
    out.push(r.r & 0x7F);
    out.push(r.r >> 7 | (s.border & 7) << 1);
    for w in [r.de, r.bc_alt, r.de_alt, r.hl_alt] {
        out.extend_from_slice(&w.to_le_bytes());
    }
    out.extend_from_slice(&[a_alt, f_alt]);
    for w in [r.iy, r.ix] {
        out.extend_from_slice(&w.to_le_bytes());
    }
    out.push(u8::from(r.iff1));
    out.push(u8::from(r.iff2));
    out.push(r.im & 3);
    debug_assert_eq!(out.len(), 30);
    let mut extra = vec![0u8; usize::from(V3_EXTRA)];
    extra[0..2].copy_from_slice(&r.pc.to_le_bytes());
    // [2] hardware 0 = 48K, [3] 0x7FFD, [4] Interface I, [5] emulation flags, [6] 0xFFFD,
    // [7..23] AY registers: all 0.
    let (low, quarter) = tstate_counter(s.frame_t);
    extra[23..25].copy_from_slice(&low.to_le_bytes());
    extra[25] = quarter;
    extra[29] = 0xFF; // 0x0000-0x1FFF is ROM
    extra[30] = 0xFF; // 0x2000-0x3FFF is ROM
    out.extend_from_slice(&V3_EXTRA.to_le_bytes());
    out.extend(extra);
    for (page, start) in [(8u8, 0x0000usize), (4, 0x4000), (5, 0x8000)] {
        let data = compress(&s.ram[start..start + 0x4000]);
        if data.len() >= 0x4000 {
            out.extend_from_slice(&0xFFFFu16.to_le_bytes());
            out.push(page);
            out.extend_from_slice(&s.ram[start..start + 0x4000]);
        } else {
            out.extend_from_slice(&(data.len() as u16).to_le_bytes());
            out.push(page);
            out.extend(data);
        }
    }
    out
}

/// The header's T-state counter for `t` T-states into a 48K frame: the frame is counted in
/// quarters of 17,472 T-states; the word is the T-states left in the current quarter minus 1,
/// the byte the quarter, counted 3, 2, 1, 0 from the frame's start (as Fuse's libspectrum
/// writes and SkoolKit reads it).
pub fn tstate_counter(t: u32) -> (u16, u8) {
    let q = FRAME_T / 4;
    let t = t % FRAME_T;
    let left = FRAME_T - 1 - t;
    let quarter = ((2 + 4 - left / q % 4) % 4) as u8;
    ((left % q) as u16, quarter)
}

/// The `.z80` page compression (see the module header).
pub fn compress(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() / 2);
    let mut i = 0;
    while i < data.len() {
        let b = data[i];
        let mut run = 1;
        while i + run < data.len() && data[i + run] == b && run < 255 {
            run += 1;
        }
        if run >= 5 || (b == 0xED && run >= 2) {
            out.extend_from_slice(&[0xED, 0xED, run as u8, b]);
            i += run;
        } else if b == 0xED {
            // A single ED: the next byte goes out as it is, never as the start of a run.
            out.push(b);
            if let Some(&next) = data.get(i + 1) {
                out.push(next);
            }
            i += 2;
        } else {
            out.push(b);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The decompression rule, as the format states it.
    fn expand(mut d: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        while !d.is_empty() {
            if d.len() >= 4 && d[0] == 0xED && d[1] == 0xED {
                out.extend(std::iter::repeat_n(d[3], usize::from(d[2])));
                d = &d[4..];
            } else {
                out.push(d[0]);
                d = &d[1..];
            }
        }
        out
    }

    #[test]
    fn compression_rules() {
        assert_eq!(compress(&[1, 1, 1, 1]), [1, 1, 1, 1], "4 equal bytes stay");
        assert_eq!(compress(&[7; 5]), [0xED, 0xED, 5, 7]);
        assert_eq!(compress(&[0xED, 0xED]), [0xED, 0xED, 2, 0xED]);
        assert_eq!(
            compress(&[0xED, 0, 0, 0, 0, 0, 0]),
            [0xED, 0, 0xED, 0xED, 5, 0],
            "the byte after a single ED is not the start of a run"
        );
        assert_eq!(compress(&[9; 300]), [0xED, 0xED, 255, 9, 0xED, 0xED, 45, 9]);
        let mixed: Vec<u8> = (0..5000u32)
            .map(|i| {
                if i % 97 < 40 {
                    0xED
                } else {
                    (i * 7 / 13) as u8
                }
            })
            .collect();
        assert_eq!(expand(&compress(&mixed)), mixed);
    }

    #[test]
    fn tstate_counter_round_trips_skoolkits_reading() {
        // SkoolKit snapshot.py: t = 69887 - ((2 - hi) % 4) * 17472 - low % 17472.
        for t in [0u32, 31, 64, 17471, 17472, 34943, 69887] {
            let (low, hi) = tstate_counter(t);
            let t2 = (2 + 4 - u32::from(hi)) % 4;
            assert_eq!(69887 - t2 * 17472 - u32::from(low), t, "t = {t}");
        }
    }
}
