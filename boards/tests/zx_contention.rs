//! Memory and I/O contention on the emulated ZX Spectrum 48K, against the per-instruction
//! breakdown of the Sinclair FAQ wiki's "Contended memory" article: each instruction is a list
//! of machine cycles `address:length` (`pc:4, hl:3` for `LD A,(HL)`), each cycle waits
//! `ula::contention` at its first T-state when its address is in 0x4000-0x7FFF, and `IO` is an
//! I/O cycle timed by the "Contended I/O" rules. The machine must take exactly that long for
//! every instruction below, placed in contended and uncontended memory, at every phase of the
//! ULA's 8-T-state pattern, with I = 0x3F (the ROM's) and I = 0x40 (where even the refresh
//! address is contended).

use boards::devices::ula;
use boards::machines::zx48::{Zx48, FRAME_T};

/// A machine whose ROM is all NOPs, with interrupts off.
fn machine() -> Zx48 {
    Zx48::new(&[0u8; 0x4000]).expect("16K ROM")
}

/// One machine cycle of the breakdown.
#[derive(Clone, Copy)]
enum Cycle {
    /// Memory or internal cycle: address, T-states.
    Mem(u16, u32),
    /// I/O cycle to a port.
    Io(u16),
}

/// T-states of `cycles` starting at T-state `t` of the frame, by the documented rules.
fn documented_time(cycles: &[Cycle], t: u64) -> u32 {
    let mut now = t;
    for &c in cycles {
        now += u64::from(match c {
            Cycle::Mem(addr, len) if addr & 0xC000 == 0x4000 => ula::contention(now) + len,
            Cycle::Mem(_, len) => len,
            Cycle::Io(port) => ula::io_cycle(port, now),
        });
    }
    (now - t) as u32
}

/// Parse the wiki's notation: `pc:4,pc+1:3,hl:1 x2,IO` with the addresses given.
fn breakdown(text: &str, at: &dyn Fn(&str) -> u16) -> Vec<Cycle> {
    let mut out = Vec::new();
    for part in text.split(',') {
        let part = part.trim();
        if let Some(port) = part.strip_prefix("IO=") {
            out.push(Cycle::Io(u16::from_str_radix(port, 16).unwrap()));
            continue;
        }
        let (cycle, times) = match part.split_once(" x") {
            Some((c, n)) => (c, n.parse().unwrap()),
            None => (part, 1),
        };
        let (name, len) = cycle.split_once(':').unwrap();
        for _ in 0..times {
            out.push(Cycle::Mem(at(name), len.parse().unwrap()));
        }
    }
    out
}

struct Case {
    name: &'static str,
    code: &'static [u8],
    cycles: &'static str,
}

/// Instructions and their documented cycles. HL, DE, SP and IX+d point at the data address,
/// nn (written over a 0xFFFF operand) is the data address + 4; B = C = 3 (DJNZ, LDIR and CPIR
/// repeat) except for I/O, where BC (or A) makes the port named by `IO=`.
const CASES: &[Case] = &[
    Case {
        name: "NOP",
        code: &[0x00],
        cycles: "pc:4",
    },
    Case {
        name: "LD A,(HL)",
        code: &[0x7E],
        cycles: "pc:4,hl:3",
    },
    Case {
        name: "LD (HL),A",
        code: &[0x77],
        cycles: "pc:4,hl:3",
    },
    Case {
        name: "LD (HL),n",
        code: &[0x36, 0x55],
        cycles: "pc:4,pc+1:3,hl:3",
    },
    Case {
        name: "LD A,(nn)",
        code: &[0x3A, 0xFF, 0xFF],
        cycles: "pc:4,pc+1:3,pc+2:3,nn:3",
    },
    Case {
        name: "INC BC",
        code: &[0x03],
        cycles: "pc:4,ir:1 x2",
    },
    Case {
        name: "LD SP,HL",
        code: &[0xF9],
        cycles: "pc:4,ir:1 x2",
    },
    Case {
        name: "ADD HL,DE",
        code: &[0x19],
        cycles: "pc:4,ir:1 x7",
    },
    Case {
        name: "INC (HL)",
        code: &[0x34],
        cycles: "pc:4,hl:3,hl:1,hl:3",
    },
    Case {
        name: "JR e",
        code: &[0x18, 0x00],
        cycles: "pc:4,pc+1:3,pc+1:1 x5",
    },
    Case {
        name: "JR NZ,e (taken)",
        code: &[0x20, 0x00],
        cycles: "pc:4,pc+1:3,pc+1:1 x5",
    },
    Case {
        name: "DJNZ (taken)",
        code: &[0x10, 0x00],
        cycles: "pc:4,ir:1,pc+1:3,pc+1:1 x5",
    },
    Case {
        name: "PUSH BC",
        code: &[0xC5],
        cycles: "pc:4,ir:1,sp-1:3,sp-2:3",
    },
    Case {
        name: "POP BC",
        code: &[0xC1],
        cycles: "pc:4,sp:3,sp+1:3",
    },
    Case {
        name: "RET NZ (taken)",
        code: &[0xC0],
        cycles: "pc:4,ir:1,sp:3,sp+1:3",
    },
    Case {
        name: "CALL nn",
        code: &[0xCD, 0xFF, 0xFF],
        cycles: "pc:4,pc+1:3,pc+2:3,pc+2:1,sp-1:3,sp-2:3",
    },
    Case {
        name: "RST 8",
        code: &[0xCF],
        cycles: "pc:4,ir:1,sp-1:3,sp-2:3",
    },
    Case {
        name: "EX (SP),HL",
        code: &[0xE3],
        cycles: "pc:4,sp:3,sp+1:3,sp+1:1,sp+1:3,sp:3,sp:1 x2",
    },
    Case {
        name: "BIT 0,(HL)",
        code: &[0xCB, 0x46],
        cycles: "pc:4,pc+1:4,hl:3,hl:1",
    },
    Case {
        name: "SET 0,(HL)",
        code: &[0xCB, 0xC6],
        cycles: "pc:4,pc+1:4,hl:3,hl:1,hl:3",
    },
    Case {
        name: "LD A,(IX+d)",
        code: &[0xDD, 0x7E, 0x02],
        cycles: "pc:4,pc+1:4,pc+2:3,pc+2:1 x5,ix+d:3",
    },
    Case {
        name: "LD (IX+d),n",
        code: &[0xDD, 0x36, 0x02, 0x55],
        cycles: "pc:4,pc+1:4,pc+2:3,pc+3:3,pc+3:1 x2,ix+d:3",
    },
    Case {
        name: "INC (IX+d)",
        code: &[0xDD, 0x34, 0x02],
        cycles: "pc:4,pc+1:4,pc+2:3,pc+2:1 x5,ix+d:3,ix+d:1,ix+d:3",
    },
    Case {
        name: "SET 0,(IX+d)",
        code: &[0xDD, 0xCB, 0x02, 0xC6],
        cycles: "pc:4,pc+1:4,pc+2:3,pc+3:3,pc+3:1 x2,ix+d:3,ix+d:1,ix+d:3",
    },
    Case {
        name: "LDIR (repeating)",
        code: &[0xED, 0xB0],
        cycles: "pc:4,pc+1:4,hl:3,de:3,de:1 x2,de:1 x5",
    },
    Case {
        name: "CPIR (repeating)",
        code: &[0xED, 0xB1],
        cycles: "pc:4,pc+1:4,hl:3,hl:1 x5,hl:1 x5",
    },
    Case {
        name: "RLD",
        code: &[0xED, 0x6F],
        cycles: "pc:4,pc+1:4,hl:3,hl:1 x4,hl:3",
    },
    Case {
        name: "SBC HL,DE",
        code: &[0xED, 0x52],
        cycles: "pc:4,pc+1:4,ir:1 x7",
    },
    Case {
        name: "LD A,I",
        code: &[0xED, 0x57],
        cycles: "pc:4,pc+1:4,ir:1",
    },
    Case {
        name: "IN A,(0xFE)",
        code: &[0xDB, 0xFE],
        cycles: "pc:4,pc+1:3,IO=40FE",
    },
    Case {
        name: "IN A,(0xFF)",
        code: &[0xDB, 0xFF],
        cycles: "pc:4,pc+1:3,IO=40FF",
    },
    Case {
        name: "OUT (C),A to 0x40FE",
        code: &[0xED, 0x79],
        cycles: "pc:4,pc+1:4,IO=40FE",
    },
    Case {
        name: "OUT (C),A to 0x40FF",
        code: &[0xED, 0x79],
        cycles: "pc:4,pc+1:4,IO=40FF",
    },
    Case {
        name: "OUT (C),A to 0x80FE",
        code: &[0xED, 0x79],
        cycles: "pc:4,pc+1:4,IO=80FE",
    },
    Case {
        name: "OUT (C),A to 0x80FF",
        code: &[0xED, 0x79],
        cycles: "pc:4,pc+1:4,IO=80FF",
    },
    Case {
        name: "INI",
        code: &[0xED, 0xA2],
        cycles: "pc:4,pc+1:4,ir:1,IO=40FE,hl:3",
    },
    Case {
        name: "OUTI",
        code: &[0xED, 0xA3],
        cycles: "pc:4,pc+1:4,ir:1,hl:3,IO=40FE",
    },
];

#[test]
fn every_instruction_waits_as_documented() {
    let mut checked = 0;
    let mut contended = 0;
    for case in CASES {
        for (pc, data) in [(0x6000u16, 0x5000u16), (0x8000, 0x5000), (0x6000, 0x9000)] {
            for i in [0x3Fu8, 0x40] {
                for start in 14_320..14_360u64 {
                    let mut zx = machine();
                    zx.poke(pc, case.code);
                    let nn = data + 4;
                    if case.code[1..].starts_with(&[0xFF, 0xFF]) {
                        zx.poke(pc + 1, &nn.to_le_bytes());
                    }
                    // IN A,(n) puts A on the high byte; OUT (C) and INI use BC, OUTI BC after
                    // decrementing B.
                    let port = case.cycles.split("IO=").nth(1);
                    let port = port.map(|p| u16::from_str_radix(&p[..4], 16).unwrap());
                    let bc = port.map(|p| if case.name == "OUTI" { p + 0x100 } else { p });
                    let cpu = &mut zx.cpu;
                    cpu.pc = pc;
                    cpu.i = i;
                    cpu.r = 0x11;
                    cpu.set_hl(data);
                    cpu.set_de(data);
                    cpu.ix = data.wrapping_sub(2);
                    cpu.sp = data;
                    // B > 1 so DJNZ and the I/O blocks repeat, BC > 1 for LDIR and CPIR.
                    cpu.set_bc(bc.unwrap_or(0x0303));
                    cpu.a = port.map_or(0x01, |p| (p >> 8) as u8);
                    cpu.f = 0; // NZ
                    cpu.cycles = start;
                    let before = zx.cpu.clone();
                    let t = zx.step();
                    // R counts the opcode fetches (prefixes too) before an internal cycle.
                    let m1 = if [0xCB, 0xDD, 0xED, 0xFD].contains(&case.code[0]) {
                        2
                    } else {
                        1
                    };
                    let ir = u16::from_le_bytes([before.r.wrapping_add(m1) & 0x7F, i]);
                    let at = |name: &str| -> u16 {
                        match name {
                            "pc" => pc,
                            "pc+1" => pc + 1,
                            "pc+2" => pc + 2,
                            "pc+3" => pc + 3,
                            "hl" | "de" => data,
                            "sp" => data,
                            "sp+1" => data + 1,
                            "sp-1" => data - 1,
                            "sp-2" => data - 2,
                            "ix+d" => data,
                            "nn" => nn,
                            "ir" => ir,
                            other => panic!("unknown address {other}"),
                        }
                    };
                    let want = documented_time(&breakdown(case.cycles, &at), start);
                    assert_eq!(
                        t, want,
                        "{} at {pc:04X}, data {data:04X}, I={i:02X}, starting at T {start}",
                        case.name
                    );
                    checked += 1;
                    contended += usize::from(t > documented_time(&breakdown(case.cycles, &at), 0));
                }
            }
        }
    }
    assert!(
        contended > checked / 3,
        "{contended} of {checked} cases waited"
    );
}

#[test]
fn ld_a_hl_on_the_first_screen_line() {
    // The Sinclair FAQ wiki's worked case: LD A,(HL) running from uncontended memory with HL
    // in the screen. Its read starts 4 T-states in; a read starting at 14,335 waits 6.
    for (start, total) in [
        (14_330, 7),
        (14_331, 13),
        (14_332, 12),
        (14_336, 8),
        (14_337, 7),
    ] {
        let mut zx = machine();
        zx.poke(0x8000, &[0x7E]);
        zx.cpu.pc = 0x8000;
        zx.cpu.set_hl(0x4000);
        zx.cpu.cycles = start;
        assert_eq!(zx.step(), total, "starting at {start}");
        assert_eq!(zx.cpu.cycles, start + u64::from(total));
    }
}

#[test]
fn a_frame_of_nops_in_contended_memory() {
    // 69,888 T-states of NOPs from 0x4000-0x7FFF, from the start of a frame with interrupts
    // off. Uncontended, 17,472 NOPs. In each of the 192 screen lines the ULA's 128 T-states
    // hold a NOP for 8 T-states (its fetch lands on pattern step 2: 4 waits, and the next one
    // again), 16 NOPs instead of 32, so 192 x 16 = 3,072 fewer.
    let mut zx = machine();
    zx.cpu.pc = 0x4000;
    let mut nops = 0;
    while zx.cpu.cycles < FRAME_T {
        zx.step();
        nops += 1;
    }
    assert_eq!(nops, 17_472 - 3_072);
    assert_eq!(zx.cpu.pc, 0x4000 + 14_400);

    // The same from 0x8000 is never held.
    let mut zx = machine();
    zx.cpu.pc = 0x8000;
    zx.run_for(FRAME_T);
    assert_eq!(zx.cpu.cycles, FRAME_T);
    assert_eq!(zx.cpu.pc, 0x8000 + 17_472);
}

#[test]
fn interrupts_stay_one_frame_apart_under_contention() {
    // IM 1 with EI; HALT at 0x6000 (contended) and a handler at 0x0038 of EI; RET. Each
    // interrupt is taken at the start of its frame, whatever the waits in between.
    let mut rom = vec![0u8; 0x4000];
    rom[0x38..0x3A].copy_from_slice(&[0xFB, 0xC9]);
    let mut zx = Zx48::new(&rom).expect("ROM");
    zx.poke(0x6000, &[0xED, 0x56, 0xFB, 0x76, 0x18, 0xFD]); // IM 1; EI; loop: HALT; JR loop
    zx.cpu.pc = 0x6000;
    zx.cpu.sp = 0x7000;
    let mut taken = Vec::new();
    while taken.len() < 3 {
        let before = zx.cpu.pc;
        zx.step();
        if zx.cpu.pc == 0x0038 && before != 0x0038 {
            taken.push(zx.cpu.cycles);
        }
    }
    // The interrupt starts at the frame's first T-state boundary (an instruction boundary of
    // the halted CPU, within 4 T-states of it) and takes 13 T-states, waiting on the stack
    // pushes only if they are contended, which they are not at the top of the frame.
    for (k, &t) in taken.iter().enumerate() {
        let frame = FRAME_T * (k as u64 + 1);
        assert!(
            (frame + 13..frame + 13 + 4).contains(&t),
            "interrupt {k} done at {t}"
        );
    }
}
