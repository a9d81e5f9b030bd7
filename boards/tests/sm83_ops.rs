//! SM83 instruction semantics: registers, flags and cycles after short programs (Pan Docs
//! "CPU Instruction Set" for the flag rules; the SM83 differs from the Z80 in H for 16-bit adds,
//! in DAA, in `add sp,e`, and in the F low nibble always reading 0).

use boards::cpu::sm83::{Regs, Sm83, FLAG_C, FLAG_H, FLAG_N, FLAG_Z};

#[path = "common/sm83_ram.rs"]
mod sm83_ram;
use sm83_ram::Ram;

/// Runs `steps` instructions of `code` placed at 0x0100; returns CPU, RAM and total T-states.
fn run(code: &[u8], regs: Regs, steps: usize) -> (Sm83, Ram, u32) {
    let mut ram = Ram(vec![0; 0x10000]);
    ram.0[0x100..0x100 + code.len()].copy_from_slice(code);
    let mut cpu = Sm83::new(Regs {
        pc: 0x100,
        sp: 0xFFFE,
        ..regs
    });
    let mut t = 0;
    for _ in 0..steps {
        t += cpu.step(&mut ram).unwrap();
    }
    (cpu, ram, t)
}

#[test]
fn add_sets_half_carry_and_carry() {
    // ld a,0x8F ; add a,0x81
    let (cpu, _, t) = run(&[0x3E, 0x8F, 0xC6, 0x81], Regs::default(), 2);
    assert_eq!(cpu.regs.a, 0x10);
    assert_eq!(cpu.regs.f, FLAG_H | FLAG_C);
    assert_eq!(t, 16);
}

#[test]
fn sub_and_sbc_borrow_chain() {
    // ld a,0x10 ; sub 0x20 ; sbc a,0x00  -> 0xF0 then 0xEF (borrow in)
    let (cpu, _, _) = run(&[0x3E, 0x10, 0xD6, 0x20, 0xDE, 0x00], Regs::default(), 3);
    assert_eq!(cpu.regs.a, 0xEF);
    assert_eq!(cpu.regs.f, FLAG_N | FLAG_H); // low nibble 0 - 0 - 1 borrows
}

#[test]
fn cp_leaves_a_and_sets_z() {
    let (cpu, _, _) = run(&[0x3E, 0x42, 0xFE, 0x42], Regs::default(), 2);
    assert_eq!(cpu.regs.a, 0x42);
    assert_eq!(cpu.regs.f, FLAG_Z | FLAG_N);
}

#[test]
fn daa_after_bcd_add() {
    // ld a,0x45 ; add a,0x38 ; daa -> 0x83
    let (cpu, _, _) = run(&[0x3E, 0x45, 0xC6, 0x38, 0x27], Regs::default(), 3);
    assert_eq!(cpu.regs.a, 0x83);
    assert_eq!(cpu.regs.f & FLAG_C, 0);
}

#[test]
fn add_hl_half_carry_from_bit_11_keeps_z() {
    let regs = Regs {
        h: 0x0F,
        l: 0xFF,
        b: 0x00,
        c: 0x01,
        f: FLAG_Z,
        ..Regs::default()
    };
    let (cpu, _, t) = run(&[0x09], regs, 1);
    assert_eq!(cpu.regs.hl(), 0x1000);
    assert_eq!(cpu.regs.f, FLAG_Z | FLAG_H);
    assert_eq!(t, 8);
}

#[test]
fn pop_af_clears_low_nibble() {
    // ld bc,0x12FF ; push bc ; pop af
    let (cpu, _, t) = run(&[0x01, 0xFF, 0x12, 0xC5, 0xF1], Regs::default(), 3);
    assert_eq!(cpu.regs.af(), 0x12F0);
    assert_eq!(t, 12 + 16 + 12);
}

#[test]
fn ld_hl_plus_and_minus() {
    // ld hl,0xC000 ; ld a,7 ; ld (hl+),a ; ld (hl-),a ; ld a,(hl-)
    let (cpu, ram, _) = run(
        &[0x21, 0x00, 0xC0, 0x3E, 0x07, 0x22, 0x32, 0x3A],
        Regs::default(),
        5,
    );
    assert_eq!(ram.0[0xC000], 7);
    assert_eq!(ram.0[0xC001], 7);
    assert_eq!(cpu.regs.hl(), 0xBFFF);
}

#[test]
fn jr_nz_taken_and_not_taken() {
    // dec b ; jr nz,-3 : loops until b = 0. b=3: 3 decs, 2 taken (12 T), 1 not taken (8 T).
    let regs = Regs {
        b: 3,
        ..Regs::default()
    };
    let (cpu, _, t) = run(&[0x05, 0x20, 0xFD], regs, 6);
    assert_eq!(cpu.regs.b, 0);
    assert_eq!(cpu.regs.pc, 0x103);
    assert_eq!(t, 3 * 4 + 2 * 12 + 8);
}

#[test]
fn call_and_ret_cycles_and_stack() {
    // call 0x0200 ; (0x200) ret
    let mut code = vec![0xCD, 0x00, 0x02];
    code.resize(0x100, 0);
    code.push(0xC9);
    let (cpu, ram, t) = run(&code, Regs::default(), 2);
    assert_eq!(cpu.regs.pc, 0x103);
    assert_eq!(cpu.regs.sp, 0xFFFE);
    assert_eq!((ram.0[0xFFFD], ram.0[0xFFFC]), (0x01, 0x03));
    assert_eq!(t, 24 + 16);
}

#[test]
fn add_sp_and_ld_hl_sp_flags_from_low_byte() {
    // ld sp,0x00FF ; add sp,1 -> 0x0100, H and C set, Z/N clear
    let (cpu, _, t) = run(&[0x31, 0xFF, 0x00, 0xE8, 0x01], Regs::default(), 2);
    assert_eq!(cpu.regs.sp, 0x0100);
    assert_eq!(cpu.regs.f, FLAG_H | FLAG_C);
    assert_eq!(t, 12 + 16);
    // ld sp,0x1000 ; ld hl,sp-1 -> 0x0FFF, no carries from low byte (0x00 + 0xFF)
    let (cpu, _, _) = run(&[0x31, 0x00, 0x10, 0xF8, 0xFF], Regs::default(), 2);
    assert_eq!(cpu.regs.hl(), 0x0FFF);
    assert_eq!(cpu.regs.f, 0);
}

#[test]
fn cb_swap_bit_res_set() {
    // ld a,0xF1 ; swap a ; bit 7,a ; res 0,a ; set 1,a
    let (cpu, _, t) = run(
        &[0x3E, 0xF1, 0xCB, 0x37, 0xCB, 0x7F, 0xCB, 0x87, 0xCB, 0xCF],
        Regs::default(),
        5,
    );
    assert_eq!(cpu.regs.a, 0x1E);
    assert_eq!(cpu.regs.f, FLAG_Z | FLAG_H); // bit 7 of 0x1F was 0
    assert_eq!(t, 8 + 4 * 8);
}

#[test]
fn interrupt_dispatch_after_ei_delay() {
    // ei ; nop ; nop with VBlank pending: dispatch happens after the nop that follows ei.
    let mut ram = Ram(vec![0; 0x10000]);
    ram.0[0x100] = 0xFB;
    ram.0[0xFFFF] = 0x01;
    ram.0[0xFF0F] = 0x01;
    let mut cpu = Sm83::new(Regs {
        pc: 0x100,
        sp: 0xFFF0,
        ..Regs::default()
    });
    assert_eq!(cpu.step(&mut ram).unwrap(), 4); // ei
    assert_eq!(cpu.step(&mut ram).unwrap(), 4); // nop, IME on afterwards
    assert_eq!(cpu.regs.pc, 0x102);
    assert_eq!(cpu.step(&mut ram).unwrap(), 20); // dispatch
    assert_eq!(cpu.regs.pc, 0x40);
    assert!(!cpu.ime);
    assert_eq!(ram.0[0xFF0F], 0);
    assert_eq!((ram.0[0xFFEF], ram.0[0xFFEE]), (0x01, 0x02));
}

#[test]
fn halt_waits_then_wakes_without_ime() {
    // di ; halt ; inc a  — IF set later: wakes and continues without dispatch.
    let mut ram = Ram(vec![0; 0x10000]);
    ram.0[0x100..0x103].copy_from_slice(&[0xF3, 0x76, 0x3C]);
    ram.0[0xFFFF] = 0x04;
    let mut cpu = Sm83::new(Regs {
        pc: 0x100,
        ..Regs::default()
    });
    cpu.step(&mut ram).unwrap();
    cpu.step(&mut ram).unwrap();
    assert!(cpu.halted);
    assert_eq!(cpu.step(&mut ram).unwrap(), 4 * 1024); // sleeps in 1024-M-cycle slices
    assert!(cpu.halted);
    ram.0[0xFF0F] = 0x04;
    cpu.step(&mut ram).unwrap();
    assert!(!cpu.halted);
    assert_eq!(cpu.regs.a, 1);
    assert_eq!(cpu.regs.pc, 0x103);
}
