//! SM83 mode and CPU switching: the Game Boy spellings, aliases, and the errors for Z80-only
//! instructions. (Every form is cross-checked against sdasgb in `asm_crosscheck_sm83.rs`.)

use z80rom::asm::{assemble_str, Cpu};

fn gb(src: &str) -> Result<Vec<u8>, String> {
    assemble_str("gb.asm", src, Cpu::Sm83)
        .map(|a| a.flat(0).1)
        .map_err(|e| e.to_string())
}

#[test]
fn game_boy_spellings_and_aliases() {
    let src = "
 ld (hl+),a
 ld (hli),a
 ldi (hl),a
 ld a,(hl-)
 ldd a,(hl)
 ldh (0x40),a
 ldh a,(0xFF44)
 ld (0xff00+0x40),a
 ld a,(0xFF00+0x44)
 ld (c),a
 ld a,(0xff00+c)
 ld (0xC000),sp
 add sp,-2
 ld hl,sp+5
 ld hl,sp-1
 swap a
 stop
 reti
 jp hl
 ld [hl],a
";
    assert_eq!(
        gb(src).unwrap(),
        [
            0x22, 0x22, 0x22, 0x3A, 0x3A, 0xE0, 0x40, 0xF0, 0x44, 0xE0, 0x40, 0xF0, 0x44, 0xE2,
            0xF2, 0x08, 0x00, 0xC0, 0xE8, 0xFE, 0xF8, 0x05, 0xF8, 0xFF, 0xCB, 0x37, 0x10, 0x00,
            0xD9, 0xE9, 0x77,
        ]
    );
}

#[test]
fn opcodes_that_differ_from_the_z80() {
    // Same source, different CPUs: 0x08/0xE0/0xEA/0xF0/0xFA... mean different things.
    let src = " ld (0x1234),a\n ld a,(0x1234)\n reti\n";
    assert_eq!(gb(src).unwrap(), [0xEA, 0x34, 0x12, 0xFA, 0x34, 0x12, 0xD9]);
    let z = assemble_str("z.asm", src, Cpu::Z80).unwrap().flat(0).1;
    assert_eq!(z, [0x32, 0x34, 0x12, 0x3A, 0x34, 0x12, 0xED, 0x4D]);
}

#[test]
fn cpu_directive_switches_instruction_sets() {
    let a = assemble_str("m.asm", " cpu sm83\n swap b\n cpu z80\n exx\n", Cpu::Z80).unwrap();
    assert_eq!(a.flat(0).1, [0xCB, 0x30, 0xD9]);
}

#[test]
fn z80_only_instructions_are_errors() {
    assert_eq!(
        gb(" exx\n").unwrap_err(),
        "gb.asm:1: 'exx' is not an SM83 instruction"
    );
    assert_eq!(
        gb(" nop\n ld a,(ix+1)\n").unwrap_err(),
        "gb.asm:2: the SM83 has no IX/IY registers"
    );
    assert_eq!(
        gb(" jp po,0\n").unwrap_err(),
        "gb.asm:1: invalid operands for 'jp'"
    );
    assert_eq!(
        gb(" ldh (0x1234),a\n").unwrap_err(),
        "gb.asm:1: 0x1234 is not a high-page address (0xFF00..0xFFFF or 0..0xFF)"
    );
    assert_eq!(
        gb(" add sp,128\n").unwrap_err(),
        "gb.asm:1: displacement 128 is out of range -128..127"
    );
    assert!(gb(" ldi\n").unwrap_err().contains("ldi (hl),a"));
}

#[test]
fn z80_undocumented_io_forms() {
    let a = assemble_str(
        "z.asm",
        " in f,(c)\n in (c)\n out (c),0\n sl1 b\n ld a,(ix)\n",
        Cpu::Z80,
    )
    .unwrap();
    assert_eq!(
        a.flat(0).1,
        [0xED, 0x70, 0xED, 0x70, 0xED, 0x71, 0xCB, 0x30, 0xDD, 0x7E, 0x00]
    );
}
