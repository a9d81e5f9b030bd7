//! Table-driven check of SM83 instruction timing against the published opcode tables
//! (Pan Docs "CPU Instruction Set" / gbdev.io/gb-opcodes/optables, the same numbers Blargg's
//! `instr_timing` test ROM checks on hardware): every opcode runs once on a flat-RAM bus and
//! its T-states are compared with 4 × the table's M-cycles, branches both taken and not taken.

use boards::cpu::sm83::{Regs, Sm83, FLAG_C, FLAG_Z};

#[path = "common/sm83_ram.rs"]
mod sm83_ram;
use sm83_ram::Ram;

/// M-cycles, unprefixed, branch not taken; 0 = not timed here (STOP, HALT, 0xCB, illegal).
#[rustfmt::skip]
const MCYCLES: [u8; 256] = [
    1,3,2,2,1,1,2,1,5,2,2,2,1,1,2,1, // 0x
    0,3,2,2,1,1,2,1,3,2,2,2,1,1,2,1, // 1x
    2,3,2,2,1,1,2,1,2,2,2,2,1,1,2,1, // 2x
    2,3,2,2,3,3,3,1,2,2,2,2,1,1,2,1, // 3x
    1,1,1,1,1,1,2,1,1,1,1,1,1,1,2,1, // 4x
    1,1,1,1,1,1,2,1,1,1,1,1,1,1,2,1, // 5x
    1,1,1,1,1,1,2,1,1,1,1,1,1,1,2,1, // 6x
    2,2,2,2,2,2,0,2,1,1,1,1,1,1,2,1, // 7x
    1,1,1,1,1,1,2,1,1,1,1,1,1,1,2,1, // 8x
    1,1,1,1,1,1,2,1,1,1,1,1,1,1,2,1, // 9x
    1,1,1,1,1,1,2,1,1,1,1,1,1,1,2,1, // Ax
    1,1,1,1,1,1,2,1,1,1,1,1,1,1,2,1, // Bx
    2,3,3,4,3,4,2,4,2,4,3,0,3,6,2,4, // Cx
    2,3,3,0,3,4,2,4,2,4,3,0,3,0,2,4, // Dx
    3,3,2,0,0,4,2,4,4,1,4,0,0,0,2,4, // Ex
    3,3,2,1,0,4,2,4,3,2,4,1,0,0,2,4, // Fx
];

/// Conditional opcodes: (opcode, M-cycles when taken).
const TAKEN: [(u8, u8); 16] = [
    (0x20, 3),
    (0x28, 3),
    (0x30, 3),
    (0x38, 3),
    (0xC2, 4),
    (0xCA, 4),
    (0xD2, 4),
    (0xDA, 4),
    (0xC4, 6),
    (0xCC, 6),
    (0xD4, 6),
    (0xDC, 6),
    (0xC0, 5),
    (0xC8, 5),
    (0xD0, 5),
    (0xD8, 5),
];

/// Runs `code` at 0x0100 for one instruction with flags `f` and returns its T-states.
fn time(code: &[u8], f: u8) -> u32 {
    let mut ram = Ram(vec![0; 0x10000]);
    ram.0[0x100..0x100 + code.len()].copy_from_slice(code);
    let mut cpu = Sm83::new(Regs {
        f,
        sp: 0xD000,
        pc: 0x0100,
        h: 0xC0,
        ..Regs::default()
    });
    cpu.step(&mut ram).expect("timed opcodes are legal")
}

/// Condition code of a conditional opcode: the flags that make it taken.
fn taken_flags(op: u8) -> u8 {
    match (op >> 3) & 3 {
        0 => 0,      // NZ
        1 => FLAG_Z, // Z
        2 => 0,      // NC
        _ => FLAG_C, // C
    }
}

#[test]
fn unprefixed_not_taken_match_table() {
    let mut bad = Vec::new();
    for op in 0..=255u8 {
        let m = MCYCLES[op as usize];
        if m == 0 {
            continue;
        }
        let f = if TAKEN.iter().any(|&(o, _)| o == op) {
            taken_flags(op) ^ (FLAG_Z | FLAG_C)
        } else {
            0
        };
        let t = time(&[op, 0, 0], f);
        if t != 4 * u32::from(m) {
            bad.push(format!("{op:#04x}: {t} T, table {} T", 4 * m));
        }
    }
    assert!(bad.is_empty(), "timing mismatches:\n{}", bad.join("\n"));
}

#[test]
fn conditional_taken_match_table() {
    for (op, m) in TAKEN {
        let t = time(&[op, 0, 0], taken_flags(op));
        assert_eq!(t, 4 * u32::from(m), "opcode {op:#04x} taken");
    }
}

#[test]
fn cb_prefixed_match_table() {
    for op in 0..=255u8 {
        let m = match (op & 7, op >> 6) {
            (6, 1) => 3,
            (6, _) => 4,
            _ => 2,
        };
        assert_eq!(time(&[0xCB, op], 0), 4 * m, "opcode 0xCB {op:#04x}");
    }
}

#[test]
fn illegal_opcodes_stop_with_pc() {
    for op in [
        0xD3u8, 0xDB, 0xDD, 0xE3, 0xE4, 0xEB, 0xEC, 0xED, 0xF4, 0xFC, 0xFD,
    ] {
        let mut ram = Ram(vec![0; 0x10000]);
        ram.0[0x100] = op;
        let mut cpu = Sm83::default();
        let err = cpu.step(&mut ram).unwrap_err();
        assert_eq!(
            err,
            boards::cpu::sm83::Sm83Stop::IllegalOpcode {
                pc: 0x100,
                opcode: op
            }
        );
    }
}
