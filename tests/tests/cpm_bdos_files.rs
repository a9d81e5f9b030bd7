//! The emulated CP/M machine's BDOS file functions, driven by a small copy program assembled
//! by our assembler: `COPY SRC.DAT DST.DAT` opens (15) and reads (20) a file the host put on
//! drive A, makes (22) and writes (21) the copy, closes it (16), then counts the `*.DAT` files
//! with search first/next (17/18). A file of more than one 16 KiB extent checks EX rolling
//! over; a file ending inside a record reads back padded with ^Z.

use boards::console::ScriptedConsole;
use boards::machines::cpm::{Cpm, CpmConfig, Exit};

const COPY: &str = r#"
FCB1    equ 005Ch
FCB2    equ 006Ch
BDOS    equ 0005h
        org 0100h
        ld hl,FCB2              ; the second name, before the first FCB's use overwrites it
        ld de,dst
        ld bc,16
        ldir
        xor a
        ld (FCB1+32),a
        ld (dst+32),a
        ld c,15                 ; open the source
        ld de,FCB1
        call BDOS
        inc a
        jr z,fail
        ld c,19
        ld de,dst
        call BDOS
        ld c,22
        ld de,dst
        call BDOS
        inc a
        jr z,fail
copy:   ld c,20
        ld de,FCB1
        call BDOS
        or a
        jr nz,eof
        ld c,21
        ld de,dst
        call BDOS
        or a
        jr nz,fail
        jr copy
eof:    ld c,16
        ld de,dst
        call BDOS
        inc a
        jr z,fail
        ld c,17                 ; count ????????.DAT
        ld de,pattern
        call BDOS
count:  inc a
        jr z,done
        ld hl,found
        inc (hl)
        ld c,18
        call BDOS
        jr count
done:   ld a,1
        ld (ok),a
        jp 0
fail:   jp 0
ok:     db 0
found:  db 0
pattern: db 0,"????????DAT",0,0,0,0
        ds 20
dst:    ds 36
"#;

fn run_copy(cpm: &mut Cpm) -> (bool, u8) {
    let asm = z80rom::asm::assemble_str("copy.asm", COPY, z80rom::asm::Cpu::Z80).unwrap();
    let ok = asm.symbol("ok").unwrap();
    let found = asm.symbol("found").unwrap();
    let (_, bytes) = asm.flat(0);
    cpm.drive.insert(0, "COPY.COM", &bytes).unwrap();
    cpm.load_command(b"COPY SRC.DAT DST.DAT").unwrap();
    let exit = cpm
        .run(&mut ScriptedConsole::new(b""), 500_000_000)
        .unwrap();
    assert_eq!(exit, Exit::WarmBoot);
    (cpm.mem[ok as usize] == 1, cpm.mem[found as usize])
}

#[test]
fn a_copy_program_copies_through_the_bdos() {
    // 40,000 bytes: three 16 KiB extents, the last record partial.
    let src: Vec<u8> = (0..40_000u32).map(|i| (i * 31 + i / 7) as u8).collect();
    let mut cpm = Cpm::new(CpmConfig::default());
    cpm.drive.insert(0, "SRC.DAT", &src).unwrap();
    cpm.drive.insert(0, "OTHER.TXT", b"x").unwrap();
    cpm.drive.insert(2, "HIDDEN.DAT", b"y").unwrap();
    let (ok, found) = run_copy(&mut cpm);
    assert!(ok, "the copy program reached its end");
    let dst = cpm.drive.file(0, "DST.DAT").expect("DST.DAT made");
    assert_eq!(dst.len(), src.len().div_ceil(128) * 128);
    assert!(dst[..src.len()] == src[..]);
    assert!(dst[src.len()..].iter().all(|&b| b == 0x1a));
    assert_eq!(
        found, 2,
        "SRC.DAT and DST.DAT in user 0 (not user 2's file)"
    );
}

#[test]
fn opening_a_missing_file_fails() {
    let mut cpm = Cpm::new(CpmConfig::default());
    let (ok, _) = run_copy(&mut cpm);
    assert!(!ok);
    assert!(cpm.drive.file(0, "DST.DAT").is_none());
}
