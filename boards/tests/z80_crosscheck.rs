//! Cross-check of the Z80 core against an independent exact core: the PyPI
//! `z80` package (kosarev/z80), driven by `tests/py/z80_trace.py`.
//!
//! Every opcode of every prefix group (none, CB, ED, DD, FD, DDCB, FDCB),
//! HALT excluded, runs from several pseudo-random register states; then
//! random instruction streams run for a few instructions each. After each
//! instruction both cores must agree on every register (F with its X/Y
//! bits, R, MEMPTR, IFFs, IM), the T-states, and the memory and port
//! writes in order.
//!
//! Skips with a printed reason if python3 or the `z80` module is missing (a failure in CI).

use std::fmt::Write as _;
use std::io::Write as _;
use std::process::{Command, Stdio};

use boards::cpu::z80::{Bus, Z80};

/// Memory pattern shared with z80_trace.py: an LCG with HALT bytes removed.
fn base_memory() -> Vec<u8> {
    let mut x: u32 = 1;
    (0..0x10000)
        .map(|_| {
            x = x.wrapping_mul(1103515245).wrapping_add(12345);
            let b = (x >> 16) as u8;
            if b == 0x76 {
                0
            } else {
                b
            }
        })
        .collect()
}

struct TraceBus {
    mem: Vec<u8>,
    events: Vec<String>,
}

impl Bus for TraceBus {
    fn read(&mut self, addr: u16) -> u8 {
        self.mem[addr as usize]
    }
    fn write(&mut self, addr: u16, value: u8) {
        self.mem[addr as usize] = value;
        self.events.push(format!("w {addr:04x}:{value:02x}"));
    }
    fn input(&mut self, port: u16) -> u8 {
        ((port ^ (port >> 8)) as u8) ^ 0x5a
    }
    fn output(&mut self, port: u16, value: u8) {
        self.events.push(format!("o {port:04x}:{value:02x}"));
    }
}

/// xorshift64*: deterministic case generator.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn u8(&mut self) -> u8 {
        (self.next() >> 32) as u8
    }
    fn u16(&mut self) -> u16 {
        (self.next() >> 32) as u16
    }
    /// A byte that is not HALT.
    fn not_halt(&mut self) -> u8 {
        match self.u8() {
            0x76 => 0,
            b => b,
        }
    }
}

struct Case {
    cpu: Z80,
    pc_bytes: Vec<u8>,
    steps: usize,
    label: String,
}

fn random_cpu(rng: &mut Rng, pc: u16) -> Z80 {
    let mut cpu = Z80::new();
    cpu.set_af(rng.u16());
    cpu.set_bc(rng.u16());
    cpu.set_de(rng.u16());
    cpu.set_hl(rng.u16());
    cpu.af_alt = rng.u16();
    cpu.bc_alt = rng.u16();
    cpu.de_alt = rng.u16();
    cpu.hl_alt = rng.u16();
    cpu.ix = rng.u16();
    cpu.iy = rng.u16();
    cpu.sp = rng.u16();
    cpu.pc = pc;
    cpu.i = rng.u8();
    cpu.r = rng.u8();
    cpu.wz = rng.u16();
    cpu.iff1 = rng.u8() & 1 != 0;
    cpu.iff2 = rng.u8() & 1 != 0;
    cpu.im = rng.u8() % 3;
    // Small B and BC now and then, so DJNZ and block instructions also end.
    if rng.u8() & 3 == 0 {
        cpu.b = rng.u8() & 1;
        cpu.c = rng.u8() & 1;
    }
    cpu
}

fn cases() -> Vec<Case> {
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let mut out = Vec::new();
    let groups: [(&str, &[u8]); 7] = [
        ("", &[]),
        ("CB", &[0xcb]),
        ("ED", &[0xed]),
        ("DD", &[0xdd]),
        ("FD", &[0xfd]),
        ("DDCB", &[0xdd, 0xcb]),
        ("FDCB", &[0xfd, 0xcb]),
    ];
    for (name, prefix) in groups {
        for op in 0..=255u8 {
            let indexed_cb = prefix.len() == 2;
            if op == 0x76 && !indexed_cb && (prefix.is_empty() || prefix[0] != 0xcb) {
                continue; // HALT
            }
            for variant in 0..3 {
                let pc = rng.u16();
                let mut bytes = prefix.to_vec();
                if indexed_cb {
                    bytes.push(rng.u8()); // displacement
                }
                bytes.push(op);
                for _ in 0..3 {
                    bytes.push(rng.not_halt());
                }
                out.push(Case {
                    cpu: random_cpu(&mut rng, pc),
                    pc_bytes: bytes,
                    steps: 1,
                    label: format!("{name} {op:02X} #{variant}"),
                });
            }
        }
    }
    for n in 0..400 {
        let pc = rng.u16();
        let bytes = (0..24).map(|_| rng.not_halt()).collect();
        out.push(Case {
            cpu: random_cpu(&mut rng, pc),
            pc_bytes: bytes,
            steps: 12,
            label: format!("stream #{n}"),
        });
    }
    out
}

/// The 16-bit register values both cores report, in the order the trace script uses.
fn regs(cpu: &Z80) -> [u16; 14] {
    [
        cpu.af(),
        cpu.bc(),
        cpu.de(),
        cpu.hl(),
        cpu.af_alt,
        cpu.bc_alt,
        cpu.de_alt,
        cpu.hl_alt,
        cpu.ix,
        cpu.iy,
        cpu.sp,
        cpu.pc,
        u16::from_le_bytes([cpu.r, cpu.i]),
        cpu.wz,
    ]
}

fn state_line(cpu: &Z80, t: u32, events: &[String]) -> String {
    let mut s = regs(cpu)
        .iter()
        .map(|r| format!("{r:04x}"))
        .collect::<Vec<_>>()
        .join(" ");
    let _ = write!(
        s,
        " {} {} {} {} {t}",
        u8::from(cpu.iff1),
        u8::from(cpu.iff2),
        cpu.im,
        u8::from(cpu.halted)
    );
    for e in events {
        s.push(' ');
        s.push_str(e);
    }
    s
}

#[test]
fn z80_matches_independent_core() {
    let python = testsupport::require!(testsupport::python_module("z80", "z80"));
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/py/z80_trace.py");
    let cases = cases();
    let mut input = String::new();
    for c in &cases {
        let cpu = &c.cpu;
        input.push_str("case");
        for r in regs(cpu) {
            let _ = write!(input, " {r:x}");
        }
        let _ = writeln!(
            input,
            " {} {} {}",
            u8::from(cpu.iff1),
            u8::from(cpu.iff2),
            cpu.im
        );
        // Patch byte by byte so a wrap past 0xFFFF is handled the same way.
        for (i, b) in c.pc_bytes.iter().enumerate() {
            let _ = writeln!(input, "mem {:x} {b:02x}", cpu.pc.wrapping_add(i as u16));
        }
        let _ = writeln!(input, "run {:x}", c.steps);
    }
    input.push_str("end\n");

    let mut child = Command::new(python)
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 starts");
    let mut stdin = child.stdin.take().expect("piped stdin");
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let output = child.wait_with_output().expect("python3 output");
    writer.join().expect("writer thread");
    assert!(
        output.status.success(),
        "z80_trace.py failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).expect("utf8");
    let mut lines = stdout.lines();

    let base = base_memory();
    let mut bus = TraceBus {
        mem: base.clone(),
        events: Vec::new(),
    };
    let mut failures = Vec::new();
    let mut checked = 0usize;
    for c in &cases {
        bus.mem.copy_from_slice(&base);
        let mut cpu = c.cpu.clone();
        for (i, b) in c.pc_bytes.iter().enumerate() {
            bus.mem[usize::from(cpu.pc.wrapping_add(i as u16))] = *b;
        }
        let start = cpu.clone();
        for step in 0..c.steps {
            bus.events.clear();
            let t = cpu.step(&mut bus);
            let ours = state_line(&cpu, t, &bus.events);
            let theirs = lines.next().unwrap_or("<missing>");
            checked += 1;
            if ours != theirs {
                failures.push(format!(
                    "{} step {step}: bytes {:02X?}\n  start {}\n  ours  {ours}\n  ref   {theirs}",
                    c.label,
                    c.pc_bytes,
                    state_line(&start, 0, &[])
                ));
                // Resynchronise on the reference's "done".
                for l in lines.by_ref() {
                    if l == "done" {
                        break;
                    }
                }
                break;
            }
            if cpu.halted {
                break;
            }
            if step + 1 == c.steps {
                assert_eq!(lines.next(), Some("done"), "protocol out of step");
            }
        }
        if cpu.halted && lines.clone().next() == Some("done") {
            lines.next();
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from the reference core ({checked} instructions checked); first ones:\n{}",
        failures.len(),
        cases.len(),
        failures.iter().take(25).cloned().collect::<Vec<_>>().join("\n")
    );
    eprintln!(
        "z80 cross-check: {} cases, {checked} instructions agree",
        cases.len()
    );
}
