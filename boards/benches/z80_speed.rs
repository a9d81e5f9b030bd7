//! Emulator speed benchmark (`cargo bench -p boards --bench z80_speed`):
//! M T-states per second of the Z80 core inside the CP/M machine.
//!
//! Two workloads: a synthetic multiply-accumulate loop shaped like the
//! inference kernels (table reads, 16-bit adds, DJNZ), and, when present,
//! the upstream GUESS.COM answering one question (~160 M T-states). The
//! goal is >= 150 M T-states/s; this prints the figure rather than failing,
//! since wall-clock time is not a test.

use std::time::Instant;

use boards::console::ScriptedConsole;
use boards::machines::cpm::{Cpm, CpmConfig};

const GUESS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/data/guess/GUESS.COM"
);

fn report(name: &str, t_states: u64, secs: f64) {
    println!(
        "{name}: {t_states} T-states in {secs:.3} s = {:.1} M T-states/s",
        t_states as f64 / secs / 1e6
    );
}

fn synthetic() {
    // 0100 LD IX,0x1000
    // 0104 LD HL,0x2000 ; LD DE,0 ; LD B,0
    // 010C loop: LD A,(IX+0) ; INC IX ; LD C,A ; ADD HL,BC ; EX DE,HL ; ADD HL,BC ;
    //            EX DE,HL ; DJNZ loop ; JR 0x0100
    let p = [
        0xdd, 0x21, 0x00, 0x10, 0x21, 0x00, 0x20, 0x11, 0x00, 0x00, 0x06, 0x00, 0xdd, 0x7e, 0x00,
        0xdd, 0x23, 0x4f, 0x09, 0xeb, 0x09, 0xeb, 0x10, 0xf4, 0x18, 0xe6,
    ];
    let mut cpm = Cpm::new(CpmConfig::default());
    cpm.load_com(&p, b"").expect("fits");
    let mut con = ScriptedConsole::new(b"");
    let start = Instant::now();
    let exit = cpm.run(&mut con, 1_000_000_000);
    assert_eq!(
        exit,
        Ok(boards::machines::cpm::Exit::Budget),
        "the loop runs until the budget"
    );
    report(
        "synthetic kernel loop",
        cpm.cpu.cycles,
        start.elapsed().as_secs_f64(),
    );
}

fn guess() {
    let Ok(image) = std::fs::read(GUESS) else {
        println!("GUESS.COM: skipped ({GUESS} absent)");
        return;
    };
    let mut cpm = Cpm::new(CpmConfig::default());
    cpm.load_com(&image, b"").expect("fits");
    let mut con = ScriptedConsole::new(b"is it a chair\r");
    let start = Instant::now();
    let _ = cpm.run(&mut con, 2_000_000_000);
    report(
        "GUESS.COM 'is it a chair'",
        cpm.cpu.cycles,
        start.elapsed().as_secs_f64(),
    );
}

fn main() {
    synthetic();
    guess();
}
