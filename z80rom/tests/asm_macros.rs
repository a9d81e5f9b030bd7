//! `macro`/`endm` and `rept`/`endr`: substitution, unique labels, nesting and errors.

use z80rom::asm::{assemble_str, Cpu};

fn bytes(src: &str) -> Result<Vec<u8>, String> {
    assemble_str("m.asm", src, Cpu::Z80)
        .map(|a| a.flat(0).1)
        .map_err(|e| e.to_string())
}

#[test]
fn macros_substitute_parameters() {
    let src = "
load2 macro r1, r2, v
  ld r1,v
  ld r2,v+1 ; r1 stays in the comment
  endm
macro add16, dst
  add hl,dst
  endm
  load2 a, b, 5
  load2 (ix+2), (iy-1), 'A'
  add16 de
";
    assert_eq!(
        bytes(src).unwrap(),
        [0x3E, 5, 0x06, 6, 0xDD, 0x36, 2, 0x41, 0xFD, 0x36, 0xFF, 0x42, 0x19]
    );
}

#[test]
fn unique_labels_per_expansion_and_nesting() {
    let src = "
wait macro n
  ld b,n
.w\\@: djnz .w\\@
  endm
twice macro n
  wait n
  wait n+1
  endm
top:
  twice 3
";
    let a = assemble_str("m.asm", src, Cpu::Z80).unwrap();
    assert_eq!(a.flat(0).1, [0x06, 3, 0x10, 0xFE, 0x06, 4, 0x10, 0xFE]);
    assert!(a.symbol("top.w_2").is_some() && a.symbol("top.w_3").is_some());
}

#[test]
fn rept_repeats_its_body() {
    let src = "
i defl 0
  rept 4
  db i*i
i defl i+1
  endr
  rept 0
  db 99
  endr
";
    assert_eq!(bytes(src).unwrap(), [0, 1, 4, 9]);
}

#[test]
fn macro_errors_point_at_the_call() {
    let src = "m1 macro v\n  nop\n  ld a,v\n  endm\n  nop\n  m1 300\n";
    assert_eq!(
        bytes(src).unwrap_err(),
        "m.asm:6: value 300 (0x12C) is out of range for a byte (-128..255) (in macro 'm1', body line 3)"
    );
    assert_eq!(
        bytes("m1 macro\n  nop\n").unwrap_err(),
        "m.asm:1: 'macro' without 'endm'"
    );
    assert_eq!(
        bytes("  endm\n").unwrap_err(),
        "m.asm:1: 'endm'/'endr' without 'macro'/'rept'"
    );
    assert_eq!(
        bytes("m1 macro a1\n endm\n m1 1,2\n").unwrap_err(),
        "m.asm:3: macro 'm1' takes 1 argument(s), found 2"
    );
    let rec = bytes("r macro\n r\n endm\n r\n").unwrap_err();
    assert!(
        rec.starts_with("m.asm:4: macros nested deeper than 16"),
        "{rec}"
    );
    assert_eq!(
        bytes("m1 macro\n endm\nm1 macro\n endm\n").unwrap_err(),
        "m.asm:3: macro 'm1' is already defined"
    );
}
