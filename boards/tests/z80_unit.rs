//! Unit tests of the Z80 core: registers, flags AND T-states per
//! instruction, taken and not-taken branches separately. Expected values
//! from UM0080 timing tables and "The Undocumented Z80 Documented".

use boards::cpu::z80::{Bus, FLAG_C, FLAG_H, FLAG_N, FLAG_PV, FLAG_S, FLAG_X, FLAG_Y, FLAG_Z, Z80};

struct Ram {
    mem: Vec<u8>,
    ports_out: Vec<(u16, u8)>,
    ports_in: Vec<u16>,
}

impl Ram {
    fn with(program: &[u8]) -> Self {
        let mut mem = vec![0u8; 0x10000];
        mem[..program.len()].copy_from_slice(program);
        Ram {
            mem,
            ports_out: Vec::new(),
            ports_in: Vec::new(),
        }
    }
}

impl Bus for Ram {
    fn read(&mut self, addr: u16) -> u8 {
        self.mem[addr as usize]
    }
    fn write(&mut self, addr: u16, value: u8) {
        self.mem[addr as usize] = value;
    }
    fn input(&mut self, port: u16) -> u8 {
        self.ports_in.push(port);
        0x42
    }
    fn output(&mut self, port: u16, value: u8) {
        self.ports_out.push((port, value));
    }
}

/// Run `program` from 0 with `setup` applied; return the CPU, the bus and
/// the T-states of each step.
fn run(program: &[u8], steps: usize, setup: impl FnOnce(&mut Z80)) -> (Z80, Ram, Vec<u32>) {
    let mut bus = Ram::with(program);
    let mut cpu = Z80::new();
    cpu.sp = 0x8000;
    setup(&mut cpu);
    let ts = (0..steps).map(|_| cpu.step(&mut bus)).collect();
    (cpu, bus, ts)
}

#[test]
fn loads_and_add_with_flags() {
    // LD A,0x7F ; ADD A,1 -> 0x80: S, H, overflow.
    let (cpu, _, ts) = run(&[0x3e, 0x7f, 0xc6, 0x01], 2, |_| {});
    assert_eq!(ts, [7, 7]);
    assert_eq!(cpu.a, 0x80);
    assert_eq!(cpu.f, FLAG_S | FLAG_H | FLAG_PV);
    assert_eq!(cpu.pc, 4);
    assert_eq!(cpu.cycles, 14);
}

#[test]
fn sub_and_cp_flags() {
    // LD A,0x10 ; SUB 0x20 -> 0xF0, carry, N, S, Y (0xF0 has bit 5).
    let (cpu, _, _) = run(&[0x3e, 0x10, 0xd6, 0x20], 2, |_| {});
    assert_eq!(cpu.a, 0xf0);
    assert_eq!(cpu.f, FLAG_S | FLAG_Y | FLAG_N | FLAG_C);
    // CP 0x28: X/Y from the operand, A unchanged.
    let (cpu, _, ts) = run(&[0x3e, 0x28, 0xfe, 0x28], 2, |_| {});
    assert_eq!(ts, [7, 7]);
    assert_eq!(cpu.a, 0x28);
    assert_eq!(cpu.f, FLAG_Z | FLAG_N | FLAG_Y | FLAG_X);
}

#[test]
fn jr_cc_taken_and_not_taken() {
    // JR NZ,+2 with Z clear: taken, 12 T.
    let (cpu, _, ts) = run(&[0x20, 0x02], 1, |c| c.f = 0);
    assert_eq!((ts[0], cpu.pc), (12, 4));
    // With Z set: not taken, 7 T.
    let (cpu, _, ts) = run(&[0x20, 0x02], 1, |c| c.f = FLAG_Z);
    assert_eq!((ts[0], cpu.pc), (7, 2));
    // JR -2 loops on itself: 12 T.
    let (cpu, _, ts) = run(&[0x18, 0xfe], 1, |_| {});
    assert_eq!((ts[0], cpu.pc), (12, 0));
}

#[test]
fn djnz_taken_and_not_taken() {
    let (cpu, _, ts) = run(&[0x10, 0xfe], 2, |c| c.b = 2);
    assert_eq!(ts, [13, 8]);
    assert_eq!((cpu.b, cpu.pc), (0, 2));
}

#[test]
fn jp_cc_is_10_either_way() {
    let (cpu, _, ts) = run(&[0xca, 0x34, 0x12], 1, |c| c.f = FLAG_Z);
    assert_eq!((ts[0], cpu.pc), (10, 0x1234));
    let (cpu, _, ts) = run(&[0xca, 0x34, 0x12], 1, |c| c.f = 0);
    assert_eq!((ts[0], cpu.pc), (10, 3));
}

#[test]
fn call_and_ret_conditional() {
    // CALL C,0x0010 taken: 17 T, return address 3 pushed.
    let mut prog = vec![0xdc, 0x10, 0x00];
    prog.resize(0x10, 0);
    prog.push(0xd8); // RET C at 0x10
    let (cpu, bus, ts) = run(&prog, 2, |c| c.f = FLAG_C);
    assert_eq!(ts, [17, 11]);
    assert_eq!(cpu.pc, 3);
    assert_eq!(cpu.sp, 0x8000);
    assert_eq!(&bus.mem[0x7ffe..0x8000], &[3, 0]);
    // Not taken: CALL NC and RET NC with carry set: 10 T and 5 T.
    let (cpu, _, ts) = run(&[0xd4, 0x10, 0x00, 0xd0], 2, |c| c.f = FLAG_C);
    assert_eq!(ts, [10, 5]);
    assert_eq!(cpu.pc, 4);
    assert_eq!(cpu.sp, 0x8000);
}

#[test]
fn rst_push_pop_ex_sp() {
    let (cpu, bus, ts) = run(&[0xff], 1, |_| {});
    assert_eq!((ts[0], cpu.pc, cpu.sp), (11, 0x38, 0x7ffe));
    assert_eq!(&bus.mem[0x7ffe..0x8000], &[1, 0]);
    // LD HL,0x1234 ; PUSH HL ; POP DE ; EX (SP),HL
    let (cpu, _, ts) = run(&[0x21, 0x34, 0x12, 0xe5, 0xd1, 0xe3], 4, |c| c.sp = 0x9000);
    assert_eq!(ts, [10, 11, 10, 19]);
    assert_eq!(cpu.de(), 0x1234);
    assert_eq!(cpu.hl(), 0x0000);
}

#[test]
fn ldir_repeats_at_21_and_ends_at_16() {
    // LD HL,0x100 ; LD DE,0x200 ; LD BC,3 ; LDIR
    let mut prog = vec![
        0x21, 0x00, 0x01, 0x11, 0x00, 0x02, 0x01, 0x03, 0x00, 0xed, 0xb0,
    ];
    prog.resize(0x100, 0);
    prog.extend_from_slice(b"abc");
    let (cpu, bus, ts) = run(&prog, 6, |_| {});
    assert_eq!(ts, [10, 10, 10, 21, 21, 16]);
    assert_eq!(&bus.mem[0x200..0x203], b"abc");
    assert_eq!(
        (cpu.bc(), cpu.hl(), cpu.de(), cpu.pc),
        (0, 0x103, 0x203, 11)
    );
    assert_eq!(cpu.f & FLAG_PV, 0);
}

#[test]
fn cpir_stops_on_match() {
    // LD HL,0x100 ; LD BC,10 ; LD A,'c' ; CPIR
    let mut prog = vec![0x21, 0x00, 0x01, 0x01, 0x0a, 0x00, 0x3e, b'c', 0xed, 0xb1];
    prog.resize(0x100, 0);
    prog.extend_from_slice(b"abcd");
    let (cpu, _, ts) = run(&prog, 6, |_| {});
    assert_eq!(&ts[3..], [21, 21, 16]);
    assert_eq!((cpu.hl(), cpu.bc()), (0x103, 7));
    assert_ne!(cpu.f & FLAG_Z, 0);
    assert_ne!(cpu.f & FLAG_PV, 0);
}

#[test]
fn index_registers_and_timing() {
    // LD IX,0x0100 ; LD A,(IX+2) ; LD (IX-1),A ; INC (IX+2) ; LD IXH,5 ; ADD A,IXH
    let mut prog = vec![
        0xdd, 0x21, 0x00, 0x01, 0xdd, 0x7e, 0x02, 0xdd, 0x77, 0xff, 0xdd, 0x34, 0x02, 0xdd, 0x26,
        0x05, 0xdd, 0x84,
    ];
    prog.resize(0x102, 0);
    prog.push(0x30);
    let (cpu, bus, ts) = run(&prog, 6, |_| {});
    assert_eq!(ts, [14, 19, 19, 23, 11, 8]);
    assert_eq!(bus.mem[0xff], 0x30);
    assert_eq!(bus.mem[0x102], 0x31);
    assert_eq!(cpu.ix, 0x0500);
    assert_eq!(cpu.a, 0x35);
    // Two prefixes + opcode: R counts 2 per DD instruction.
    assert_eq!(cpu.r, 12);
}

#[test]
fn ddcb_bit_set_and_register_copy() {
    // LD IY,0x100 ; BIT 0,(IY+1) ; SET 7,(IY+1) ; RLC (IY+1),B (undocumented copy)
    let mut prog = vec![
        0xfd, 0x21, 0x00, 0x01, 0xfd, 0xcb, 0x01, 0x46, 0xfd, 0xcb, 0x01, 0xfe, 0xfd, 0xcb, 0x01,
        0x00,
    ];
    prog.resize(0x101, 0);
    prog.push(0x01);
    let (cpu, bus, ts) = run(&prog, 4, |_| {});
    assert_eq!(ts, [14, 20, 23, 23]);
    assert_eq!(bus.mem[0x101], 0x03);
    assert_eq!(cpu.b, 0x03);
    assert_eq!(cpu.f & FLAG_C, FLAG_C);
    // Each DDCB/FDCB instruction bumps R by 2.
    assert_eq!(cpu.r, 2 + 2 * 3);
}

#[test]
fn cb_sll_and_bit_hl_timing() {
    // LD B,0x80 ; SLL B ; BIT 7,(HL) ; RES 0,(HL)
    let (cpu, _, ts) = run(&[0x06, 0x80, 0xcb, 0x30, 0xcb, 0x7e, 0xcb, 0x86], 4, |_| {});
    assert_eq!(ts, [7, 8, 12, 15]);
    assert_eq!(cpu.b, 0x01);
    assert_eq!(cpu.r, 7);
}

#[test]
fn ed_group_io_neg_and_sbc() {
    // LD BC,0x1234 ; IN A,(C) ; OUT (C),A ; NEG ; OUT (0x56),A ; SBC HL,BC
    let prog = [
        0x01, 0x34, 0x12, 0xed, 0x78, 0xed, 0x79, 0xed, 0x44, 0xd3, 0x56, 0xed, 0x42,
    ];
    let (cpu, bus, ts) = run(&prog, 6, |c| c.set_hl(0x1234));
    assert_eq!(ts, [10, 12, 12, 8, 11, 15]);
    assert_eq!(bus.ports_in, [0x1234]);
    assert_eq!(bus.ports_out, [(0x1234, 0x42), (0xbe56, 0xbe)]);
    assert_eq!(cpu.a, 0xbe);
    // 0x1234 - 0x1234 - carry(1 from NEG) = 0xFFFF.
    assert_eq!(cpu.hl(), 0xffff);
    assert_eq!(cpu.f & (FLAG_C | FLAG_N | FLAG_S), FLAG_C | FLAG_N | FLAG_S);
}

#[test]
fn halt_interrupts_and_ei_delay() {
    // IM 1 ; EI ; HALT
    let (mut cpu, mut bus, ts) = run(&[0xed, 0x56, 0xfb, 0x76], 4, |_| {});
    assert_eq!(ts, [8, 4, 4, 4]);
    assert!(cpu.halted);
    assert_eq!(cpu.pc, 4);
    assert_eq!(cpu.interrupt(&mut bus, 0xff), 13);
    assert!(!cpu.halted && !cpu.iff1);
    assert_eq!(cpu.pc, 0x38);
    assert_eq!(&bus.mem[0x7ffe..0x8000], &[4, 0]);
    // Refused when disabled.
    assert_eq!(cpu.interrupt(&mut bus, 0xff), 0);

    // Right after EI no interrupt is accepted; one instruction later it is.
    let mut prog = vec![0xed, 0x5e, 0xfb, 0x00];
    prog.resize(0x3000, 0);
    let (mut cpu, mut bus, _) = run(&prog, 2, |c| c.i = 0x20);
    bus.mem[0x20fe] = 0x00;
    bus.mem[0x20ff] = 0x30;
    assert_eq!(cpu.interrupt(&mut bus, 0xfe), 0);
    cpu.step(&mut bus);
    assert_eq!(cpu.interrupt(&mut bus, 0xfe), 19);
    assert_eq!(cpu.pc, 0x3000);

    // NMI: 11 T to 0x66, IFF2 kept.
    let (mut cpu, mut bus, _) = run(&[0xfb, 0x00], 2, |_| {});
    assert_eq!(cpu.nmi(&mut bus), 11);
    assert_eq!((cpu.pc, cpu.iff1, cpu.iff2), (0x66, false, true));
}

#[test]
fn r_register_keeps_bit_7() {
    // LD A,0xFF ; LD R,A ; NOP
    let (cpu, _, ts) = run(&[0x3e, 0xff, 0xed, 0x4f, 0x00], 3, |_| {});
    assert_eq!(ts, [7, 9, 4]);
    assert_eq!(cpu.r, 0x80);
}

#[test]
fn daa_after_bcd_add() {
    // LD A,0x19 ; ADD A,0x28 ; DAA -> 0x47
    let (cpu, _, _) = run(&[0x3e, 0x19, 0xc6, 0x28, 0x27], 3, |_| {});
    assert_eq!(cpu.a, 0x47);
    assert_eq!(cpu.f & FLAG_C, 0);
}

#[test]
fn im0_executes_the_rst_on_the_bus() {
    // IM 0 ; EI ; NOP, then an interrupt with RST 08 (0xCF) on the bus.
    let (mut cpu, mut bus, _) = run(&[0xed, 0x46, 0xfb, 0x00], 3, |_| {});
    assert_eq!(cpu.interrupt(&mut bus, 0xcf), 13);
    assert_eq!(cpu.pc, 0x08);
    assert_eq!(&bus.mem[0x7ffe..0x8000], &[4, 0]);
}
