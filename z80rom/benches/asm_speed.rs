//! Assembler throughput on a 200,000-line source shaped like the code generator's output
//! (straight-line, model-specialised kernels: loads, adds, index-register accesses, short
//! jumps to local labels, calls, tables). Run: `cargo bench -p z80rom --bench asm_speed`
//! (or `--profile test` to measure the test profile). Goal: well under a second.

use std::time::Instant;

use z80rom::asm::{assemble_str, Cpu};

fn generated(lines: usize) -> String {
    let mut s = String::with_capacity(lines * 20);
    s.push_str("  org 0x100\nW equ 0x8000\n");
    let mut n = 0;
    let mut k = 0;
    while n < lines {
        s.push_str(&format!("kern{k}:\n"));
        for j in 0..16 {
            s.push_str(&format!(
                "  ld a,(ix+{d})\n  add a,{j}\n  ld (W+{j}),a\n  ld hl,W+{k}\n  add hl,de\n  \
                 ld e,(hl)\n  inc hl\n  bit {b},e\n  jr z,.s{j}\n  sub 3\n.s{j}: ld (iy-{d}),a\n  \
                 xor l\n  db {j},0x{k:02X},-1\n",
                d = j * 3,
                b = j % 8,
                k = k % 256
            ));
            n += 13;
        }
        s.push_str("  ret\n");
        n += 2;
        k += 1;
        if k % 30 == 0 {
            // A new 16 KiB bank in the 0x4000 window, as in the RC2014 512K layout.
            s.push_str(&format!("  bank {}\n  org 0x4000\n", k / 30));
        }
    }
    s
}

fn main() {
    let src = generated(200_000);
    let lines = src.lines().count();
    let mut best = f64::MAX;
    for _ in 0..5 {
        let t = Instant::now();
        let a = assemble_str("gen.asm", &src, Cpu::Z80).expect("generated source assembles");
        let dt = t.elapsed().as_secs_f64();
        best = best.min(dt);
        assert!(!a.chunks.is_empty());
    }
    println!(
        "asm_speed: {lines} lines in {:.3} s ({:.0} lines/s)",
        best,
        lines as f64 / best
    );
}
