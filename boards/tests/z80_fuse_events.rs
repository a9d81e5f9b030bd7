//! Opt-in check of the Z80 core's machine cycles against the Fuse emulator's core test suite
//! (`z80/tests/tests.in` and `tests.expected` of Fuse, GPL, not shipped with z80lm): for every
//! test, the T-state and address of each memory contention point (`MC`, the first T-state of a
//! memory or internal cycle) and port contention point (`PC`) must be Fuse's, and so must the
//! final T-state count.
//!
//! Run with `Z80LM_FUSE_Z80_TESTS=/path/to/fuse/z80/tests cargo test -p boards --test
//! z80_fuse_events -- --ignored`.

use std::fmt::Write as _;

use boards::cpu::z80::{Bus, Z80};

/// 64K of RAM that logs every contention point in Fuse's format, with no waits.
struct Logger {
    mem: Vec<u8>,
    log: Vec<String>,
}

impl Bus for Logger {
    const WAITS: bool = true;
    fn read(&mut self, addr: u16) -> u8 {
        self.mem[usize::from(addr)]
    }
    fn write(&mut self, addr: u16, value: u8) {
        self.mem[usize::from(addr)] = value;
    }
    fn input(&mut self, port: u16) -> u8 {
        (port >> 8) as u8
    }
    fn output(&mut self, _port: u16, _value: u8) {}
    fn wait(&mut self, addr: u16, t: u64) -> u32 {
        self.log.push(format!("{t:5} MC {addr:04x}"));
        0
    }
    fn io_time(&mut self, port: u16, t: u64) -> u32 {
        // Fuse's coretest: the high byte in 0x40-0x7F contends the first T-state; the ULA
        // (A0 low) contends the second; A0 high with a contended high byte, each later one.
        let high = port & 0xC000 == 0x4000;
        if high {
            self.log.push(format!("{t:5} PC {port:04x}"));
        }
        if port & 1 == 0 {
            self.log.push(format!("{:5} PC {port:04x}", t + 1));
        } else if high {
            for k in 1..4 {
                self.log.push(format!("{:5} PC {port:04x}", t + k));
            }
        }
        4
    }
}

fn hex(s: &str) -> u16 {
    u16::from_str_radix(s, 16).unwrap()
}

#[test]
#[ignore = "needs Fuse's z80/tests in $Z80LM_FUSE_Z80_TESTS"]
fn contention_points_match_fuse() {
    let Some(dir) = std::env::var_os("Z80LM_FUSE_Z80_TESTS") else {
        panic!("set Z80LM_FUSE_Z80_TESTS to Fuse's z80/tests directory");
    };
    let dir = std::path::PathBuf::from(dir);
    let input = std::fs::read_to_string(dir.join("tests.in")).unwrap();
    let expected = std::fs::read_to_string(dir.join("tests.expected")).unwrap();
    let mut exp_blocks = std::collections::HashMap::new();
    for block in expected.split("\n\n").filter(|b| !b.trim().is_empty()) {
        let mut lines = block.trim_start_matches('\n').lines();
        let name = lines.next().unwrap().to_string();
        let events: Vec<String> = lines
            .clone()
            .take_while(|l| l.starts_with(' '))
            .filter(|l| l.contains(" MC ") || l.contains(" PC "))
            .map(str::to_string)
            .collect();
        let regs: Vec<&str> = lines.skip_while(|l| l.starts_with(' ')).collect();
        let tstates: u64 = regs[1].split_whitespace().last().unwrap().parse().unwrap();
        exp_blocks.insert(name, (events, tstates));
    }
    let mut lines = input.lines().filter(|l| !l.trim().is_empty());
    let (mut failures, mut count) = (String::new(), 0);
    while let Some(name) = lines.next() {
        let r: Vec<u16> = lines.next().unwrap().split_whitespace().map(hex).collect();
        let s: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
        let mut bus = Logger {
            mem: (0..0x10000)
                .map(|i| [0xde, 0xad, 0xbe, 0xef][i % 4])
                .collect(),
            log: Vec::new(),
        };
        loop {
            let l = lines.next().unwrap();
            if l == "-1" {
                break;
            }
            let mut w = l.split_whitespace();
            let mut a = hex(w.next().unwrap());
            for b in w.take_while(|&b| b != "-1") {
                bus.mem[usize::from(a)] = hex(b) as u8;
                a = a.wrapping_add(1);
            }
        }
        let mut cpu = Z80::new();
        cpu.set_af(r[0]);
        cpu.set_bc(r[1]);
        cpu.set_de(r[2]);
        cpu.set_hl(r[3]);
        (cpu.af_alt, cpu.bc_alt, cpu.de_alt, cpu.hl_alt) = (r[4], r[5], r[6], r[7]);
        (cpu.ix, cpu.iy, cpu.sp, cpu.pc, cpu.wz) = (r[8], r[9], r[10], r[11], r[12]);
        cpu.i = hex(s[0]) as u8;
        cpu.r = hex(s[1]) as u8;
        cpu.iff1 = s[2] == "1";
        cpu.iff2 = s[3] == "1";
        cpu.im = s[4].parse().unwrap();
        let until: u64 = s[6].parse().unwrap();
        while cpu.cycles < until {
            cpu.step(&mut bus);
        }
        count += 1;
        let (events, tstates) = &exp_blocks[name];
        if &bus.log != events || cpu.cycles != *tstates {
            let _ = writeln!(
                failures,
                "{name}: T {} (Fuse {tstates})\n  ours: {:?}\n  fuse: {:?}",
                cpu.cycles, bus.log, events
            );
        }
    }
    assert!(count > 1000, "only {count} tests read");
    assert!(failures.is_empty(), "{failures}");
}
