//! Run a CP/M .COM on the emulated CP/M 2.2 machine:
//! `cpm_run [--bdos-cost T] FILE.COM [input-line...]`.
//! Each input line is typed followed by CR. Prints the console output, the
//! stop reason and the emulation speed.

use boards::console::ScriptedConsole;
use boards::machines::cpm::{Cpm, CpmConfig};

fn main() {
    let mut args: Vec<String> = std::env::args().collect();
    let mut cfg = CpmConfig::default();
    if args.get(1).map(String::as_str) == Some("--bdos-cost") {
        let Some(cost) = args.get(2).and_then(|c| c.parse().ok()) else {
            eprintln!("--bdos-cost needs a number of T-states");
            std::process::exit(2);
        };
        cfg.bdos_cost = cost;
        args.drain(1..3);
    }
    let Some(path) = args.get(1) else {
        eprintln!("usage: cpm_run FILE.COM [input-line...]");
        std::process::exit(2);
    };
    let image = match std::fs::read(path) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(2);
        }
    };
    let mut input = Vec::new();
    for line in &args[2..] {
        input.extend_from_slice(line.as_bytes());
        input.push(b'\r');
    }
    let mut con = ScriptedConsole::new(&input);
    let mut cpm = Cpm::new(cfg);
    if let Err(e) = cpm.load_com(&image, b"") {
        eprintln!("{e}");
        std::process::exit(2);
    }
    let start = std::time::Instant::now();
    let r = cpm.run(&mut con, 50_000_000_000);
    let secs = start.elapsed().as_secs_f64();
    println!("{}", con.output_text());
    println!("stop: {r:?}");
    let t = cpm.cpu.cycles;
    println!(
        "{t} T-states in {secs:.3} s = {:.1} M T-states/s",
        t as f64 / secs / 1e6
    );
    let times = con.output_times();
    for (i, (b, t)) in con.output().iter().zip(times).enumerate() {
        let d = if i > 0 { t - times[i - 1] } else { 0 };
        println!("{i:4} {:?} {t} +{d}", *b as char);
    }
}
