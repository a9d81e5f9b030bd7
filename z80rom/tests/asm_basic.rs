//! Assembler behaviour seen from outside: bytes, symbols, local labels, forward references,
//! includes, banks, listings and the exact `file:line: message` errors.

use z80rom::asm::{assemble, assemble_str, Cpu, Layered, MemFiles};

fn bytes(src: &str) -> Vec<u8> {
    match assemble_str("t.asm", src, Cpu::Z80) {
        Ok(a) => a.flat(0).1,
        Err(e) => panic!("{e}"),
    }
}

fn err(src: &str) -> String {
    match assemble_str("t.asm", src, Cpu::Z80) {
        Ok(_) => panic!("expected an error for {src:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn mixed_program_matches_pasmo_bytes() {
    // The same source assembled by pasmo 0.5.3 (`pasmo --bin`) gives these bytes.
    let src = "  org 0x100
start: ld a,5
  ld (ix+5),0x12
  ld b,(iy-3)
  jr start
.loop: djnz .loop
  ex af,af'
  call nz,start
  bit 3,(ix+2)
  set 7,a
  res 0,(hl)
  im 2
  rst 38h
  in a,(0x10)
  out (c),e
  ld hl,(start)
  ld (start),de
  ld ix,0x1234
  add iy,iy
  sub b
  sub 5
  jp (ix)
  db \"hi\",0,'x',-1
  dw start,$
  ds 3,0xAA
";
    let want = [
        0x3e, 0x05, 0xdd, 0x36, 0x05, 0x12, 0xfd, 0x46, 0xfd, 0x18, 0xf5, 0x10, 0xfe, 0x08, 0xc4,
        0x00, 0x01, 0xdd, 0xcb, 0x02, 0x5e, 0xcb, 0xff, 0xcb, 0x86, 0xed, 0x5e, 0xff, 0xdb, 0x10,
        0xed, 0x59, 0x2a, 0x00, 0x01, 0xed, 0x53, 0x00, 0x01, 0xdd, 0x21, 0x34, 0x12, 0xfd, 0x29,
        0x90, 0xd6, 0x05, 0xdd, 0xe9, 0x68, 0x69, 0x00, 0x78, 0xff, 0x00, 0x01, 0x37, 0x01, 0xaa,
        0xaa, 0xaa,
    ];
    let a = assemble_str("t.asm", src, Cpu::Z80).unwrap();
    assert_eq!(a.flat(0), (0x100, want.to_vec()));
    assert_eq!(a.symbol("start.loop"), Some(0x10B));
}

#[test]
fn results_can_cross_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<z80rom::asm::Assembly>();
    send_sync::<z80rom::asm::AsmError>();
}

#[test]
fn forward_references_and_equates() {
    let src = "  jp later\nsize equ end - start\nstart: db 1,2,3\nend:\n  ld a,size\nlater: nop\n";
    assert_eq!(bytes(src), [0xC3, 0x08, 0x00, 1, 2, 3, 0x3E, 3, 0x00]);
    // A chain of forward equates.
    assert_eq!(bytes(" ld a,x\nx equ y+1\ny equ z*2\nz equ 4\n"), [0x3E, 9]);
    // defl can be redefined; references see the latest value.
    assert_eq!(bytes("n defl 1\n db n\nn defl n+1\n db n\n"), [1, 2]);
}

#[test]
fn local_labels_are_scoped_to_the_previous_global_label() {
    let src = "
first:
.loop: dec a
  jr nz,.loop
second:
.loop: dec b
  jr nz,.loop
  jp first.loop
";
    let a = assemble_str("t.asm", src, Cpu::Z80).unwrap();
    assert_eq!(a.symbol("first.loop"), Some(0));
    assert_eq!(a.symbol("second.loop"), Some(3));
    assert_eq!(
        a.flat(0).1,
        [0x3D, 0x20, 0xFD, 0x05, 0x20, 0xFD, 0xC3, 0, 0]
    );
}

#[test]
fn conditionals_assert_and_alignment() {
    let src = "
debug equ 0
 if debug
  db 1
 else
  if 1 + 1 == 2
   db 2
  endif
 endif
 ifdef debug
  db 3
 endif
 ifndef nodebug
  db 4
 endif
 align 4, 0xEE
 db 5
 assert $ == 5, \"size\"
";
    assert_eq!(bytes(src), [2, 3, 4, 0xEE, 5]);
    let chain = |v: i32| {
        bytes(&format!(
            "v equ {v}\n if v == 1\n db 1\n elseif v == 2\n db 2\n elseif v >= 2\n db 3\n else\n db 4\n endif\n"
        ))
    };
    assert_eq!(
        [chain(1), chain(2), chain(3), chain(0)],
        [[1], [2], [3], [4]]
    );
    assert_eq!(
        err(" db 1\n assert $ == 2, \"one byte\"\n"),
        "t.asm:2: assertion failed: one byte"
    );
    // Errors inside a false branch are not reported.
    assert_eq!(bytes(" if 0\n  frobnicate\n ld ix,(\n endif\n nop\n"), [0]);
}

#[test]
fn phase_assembles_for_one_address_and_stores_at_another() {
    let src = "
 org 0
 ld hl,payload
 ld de,run
 ld bc,payload_end - payload
 ldir
 jp run
payload:
 phase 0x8000
run: ld a,($)
 jr run
 dephase
payload_end:
 db 0xEE
";
    let a = assemble_str("t.asm", src, Cpu::Z80).unwrap();
    assert_eq!(a.symbol("payload"), Some(14));
    assert_eq!(a.symbol("run"), Some(0x8000));
    assert_eq!(a.symbol("payload_end"), Some(19));
    assert_eq!(
        a.flat(0).1,
        [
            0x21, 14, 0, 0x11, 0x00, 0x80, 0x01, 5, 0, 0xED, 0xB0, 0xC3, 0x00, 0x80, 0x3A, 0x00,
            0x80, 0x18, 0xFB, 0xEE
        ]
    );
}

#[test]
fn reserved_space_is_not_emitted() {
    let a = assemble_str("t.asm", " org 0x8000\nbuf: ds 16\nend: nop\n", Cpu::Z80).unwrap();
    assert_eq!(a.symbol("end"), Some(0x8010));
    assert_eq!(a.chunks.len(), 1);
    assert_eq!(a.flat(0xFF), (0x8010, vec![0]));
}

#[test]
fn include_and_incbin_through_memfiles() {
    let gen = MemFiles::new()
        .with(
            "main.asm",
            " include \"lib/defs.asm\"\n incbin \"tab.bin\", 1, 2\n ld a,K\n",
        )
        .with("tab.bin", vec![9u8, 8, 7, 6]);
    let dir = MemFiles::new()
        .with("lib/defs.asm", " include \"more.asm\"\n")
        .with("lib/more.asm", "K equ 0x42\n");
    let files = Layered::new(&gen, &dir);
    let a = assemble(&files, "main.asm", Cpu::Z80).unwrap();
    assert_eq!(a.flat(0).1, [8, 7, 0x3E, 0x42]);
    let e = assemble(&files, "nope.asm", Cpu::Z80).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("nope.asm: cannot read 'nope.asm'"),
        "{e}"
    );
}

#[test]
fn recursive_include_is_an_error_not_a_crash() {
    let files = MemFiles::new().with("a.asm", " nop\n include \"a.asm\"\n");
    let e = assemble(&files, "a.asm", Cpu::Z80).unwrap_err();
    assert_eq!(
        e.message,
        "includes nested deeper than 16 (recursive include?)"
    );
    assert_eq!(e.line, 2);
}

#[test]
fn banks_share_a_logical_window() {
    let src = "
 org 0
 call far
 ld a,bank(far)
 bank 1
 org 0x4000
 db 1
far: ret
 bank 2
 org 0x4000
other: db 2
 bank none
 org 0x10
 db 3
";
    let a = assemble_str("t.asm", src, Cpu::Z80).unwrap();
    assert_eq!(a.symbol("far"), Some(0x4001));
    assert_eq!(a.symbol_bank("far"), Some(1));
    assert_eq!(a.symbol_bank("other"), Some(2));
    assert_eq!(a.flat_bank(Some(1), 0), (0x4000, vec![1, 0xC9]));
    assert_eq!(a.flat_bank(Some(2), 0), (0x4000, vec![2]));
    let (start, img) = a.flat(0xFF);
    assert_eq!((start, &img[..5]), (0, &[0xCD, 0x01, 0x40, 0x3E, 0x01][..]));
    assert_eq!(img[0x10], 3);
    // Physical placement, e.g. 16 KiB banks after a 16 KiB fixed bank.
    let rom = a.place(0xFF, |bank, addr| match bank {
        None => Some(addr as usize),
        Some(b) => Some(b as usize * 0x4000 + addr as usize - 0x4000),
    });
    assert_eq!(rom.len(), 0x8001);
    assert_eq!((rom[0x4000], rom[0x4001], rom[0x8000]), (1, 0xC9, 2));
}

#[test]
fn error_messages_name_file_and_line() {
    assert_eq!(
        err(" nop\n ld a,300\n"),
        "t.asm:2: value 300 (0x12C) is out of range for a byte (-128..255)"
    );
    assert_eq!(err(" jp nowhere\n"), "t.asm:1: undefined symbol 'nowhere'");
    assert_eq!(
        err("x: nop\nx: nop\n"),
        "t.asm:2: symbol 'x' is already defined at t.asm:1"
    );
    assert_eq!(
        err(" frob a\n"),
        "t.asm:1: unknown instruction or directive 'frob'"
    );
    assert_eq!(err(" ld (hl),(hl)\n"), "t.asm:1: invalid operands for 'ld'");
    assert_eq!(
        err("top: ds 200\n jr top\n"),
        "t.asm:2: relative jump to 0x0 is out of range: distance -202 (must be -128..127)"
    );
    assert_eq!(
        err(" ld a,(ix+128)\n"),
        "t.asm:1: displacement 128 is out of range -128..127"
    );
    assert_eq!(
        err(" rst 7\n"),
        "t.asm:1: rst 0x7 is not a restart address (0x00, 0x08, .. 0x38)"
    );
    assert_eq!(
        err(" org later\nlater:\n"),
        "t.asm:1: org: 'later' must be defined before this line"
    );
    assert_eq!(
        err(" swap a\n"),
        "t.asm:1: 'swap' is an SM83 instruction (use 'cpu sm83')"
    );
    assert_eq!(err(" if 1\n nop\n"), "t.asm:1: 'if' without 'endif'");
    assert_eq!(err(" db \"abc\n"), "t.asm:1: unterminated string");
    // Several errors are collected, one per line.
    assert_eq!(
        err(" ld a,x\n ld b,y\n"),
        "t.asm:1: undefined symbol 'x'\nt.asm:2: undefined symbol 'y'"
    );
    assert_eq!(
        err(" org 0x10\n nop\n org 0x10\n db 1\n"),
        "t.asm:4: code at 0x0010 overlaps bytes already placed by t.asm:2"
    );
}

#[test]
fn listing_shows_addresses_bytes_and_source() {
    let a = assemble_str(
        "t.asm",
        " org 0x100\nk equ 7\nstart: ld a,k ; load\n",
        Cpu::Z80,
    )
    .unwrap();
    let l = a.listing();
    assert!(l.contains("0100  3E 07"), "{l}");
    assert!(l.contains("= 0x7"), "{l}");
    assert!(l.contains("start: ld a,k ; load"), "{l}");
}
