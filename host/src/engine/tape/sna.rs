//! The 48K `.sna` snapshot: a 27-byte header of registers and the 48K of RAM (0x4000..=0xFFFF).
//! The format has no field for PC: it is pushed on the machine stack, and a loader resumes
//! with RETN (which also copies IFF2 into IFF1).
//!
//! Header (World of Spectrum "FAQ: File formats", SNA; all words little-endian): I, HL', DE',
//! BC', AF', HL, DE, BC, IY, IX, interrupt flags (bit 2 = IFF2), R, AF, SP (after the push of
//! PC), interrupt mode, border colour.

use super::snapshot::{Snapshot, RAM_BYTES, RAM_START};

/// Bytes of a 48K `.sna` file.
pub const SNA_BYTES: usize = 27 + RAM_BYTES;

/// The `.sna` file bytes of `s`. PC goes onto the stack below SP (2 bytes of free stack).
pub fn to_sna(s: &Snapshot) -> Vec<u8> {
    let r = &s.regs;
    let sp = r.sp.wrapping_sub(2);
    let mut out = Vec::with_capacity(SNA_BYTES);
    out.push(r.i);
    for w in [
        r.hl_alt, r.de_alt, r.bc_alt, r.af_alt, r.hl, r.de, r.bc, r.iy, r.ix,
    ] {
        out.extend_from_slice(&w.to_le_bytes());
    }
    out.push(if r.iff2 { 0x04 } else { 0 });
    out.push(r.r);
    out.extend_from_slice(&r.af.to_le_bytes());
    out.extend_from_slice(&sp.to_le_bytes());
    out.push(r.im);
    out.push(s.border & 7);
    let mut ram = s.ram.clone();
    for (k, b) in r.pc.to_le_bytes().into_iter().enumerate() {
        let at = sp.wrapping_add(k as u16);
        if at >= RAM_START {
            ram[usize::from(at - RAM_START)] = b;
        }
    }
    out.extend_from_slice(&ram);
    out
}

#[cfg(test)]
mod tests {
    use super::super::snapshot::Regs;
    use super::*;

    #[test]
    fn header_fields_and_pc_on_the_stack() {
        let mut s = Snapshot {
            ram: vec![0; RAM_BYTES],
            regs: Regs {
                af: 0x1234,
                hl_alt: 0x2758,
                iy: 0x5C3A,
                sp: 0x8000,
                pc: 0xABCD,
                i: 0x3F,
                iff2: true,
                im: 1,
                ..Regs::default()
            },
            border: 5,
            frame_t: 0,
        };
        s.ram[0x3FFD] = 0x77;
        let b = to_sna(&s);
        assert_eq!(b.len(), SNA_BYTES);
        assert_eq!(b[0], 0x3F);
        assert_eq!(&b[1..3], &[0x58, 0x27]);
        assert_eq!(&b[15..17], &[0x3A, 0x5C]);
        assert_eq!(b[19], 4);
        assert_eq!(&b[21..23], &[0x34, 0x12], "F then A");
        assert_eq!(&b[23..25], &[0xFE, 0x7F], "SP after pushing PC");
        assert_eq!((b[25], b[26]), (1, 5));
        assert_eq!(&b[27 + 0x3FFE..27 + 0x4000], &[0xCD, 0xAB]);
        assert_eq!(b[27 + 0x3FFD], 0x77);
    }
}
