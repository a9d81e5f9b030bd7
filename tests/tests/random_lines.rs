//! Issue 15: random typed lines per target. Seeded random raw lines (printable, control bytes,
//! over-long; `hil::lines`) are typed into the emulated board one at a time; each must end
//! without a fault (the machine's memory checks on) or hang, echo what the line editor model
//! says, and answer what the host reference answers for the edited line. A few hundred lines per
//! target here; `Z80LM_RANDOM_LINES=N` types N (BENCHMARKS.md, Reliability).

use boards::machines::cpm::Exit;
use boards::machines::rc2014::WriteWatch;
use hil::cpm::{build_com, Engine};
use hil::example_model;
use hil::lines::{count, edit, random_line, Edited, Outcome, Rng};
use hil::rc2014::RomChat;
use z80lm::engine::Layout;
use z80lm::model::{respond, Model};

/// What a serial console shows for one typed line up to the next prompt (`> `): the echo, CR
/// LF, and for a query the reference's answer and CR LF. For an exit, the echo (and the CR LF
/// of a `!` line) alone.
fn shown(model: &Model, e: &Edited) -> Vec<u8> {
    let mut s = e.echo.clone();
    match &e.outcome {
        Outcome::Interrupt => return s,
        Outcome::Exit => {
            s.extend_from_slice(b"\r\n");
            return s;
        }
        Outcome::Empty => s.extend_from_slice(b"\r\n"),
        Outcome::Query(q) => {
            s.extend_from_slice(b"\r\n");
            s.extend(respond(model, q));
            s.extend_from_slice(b"\r\n");
        }
    }
    s.extend_from_slice(b"> ");
    s
}

/// CP/M: the .COM on the emulated CP/M 2.2 machine with every fault check on (writes outside
/// the TPA or below the engine's stack floor, execution outside its code: `checked_config`).
#[test]
fn cpm_random_lines() {
    let model = example_model("guess");
    let built = build_com(&model, &Layout::Auto);
    let boot = || Engine::boot_built(built.clone(), b"");
    let mut e = boot();
    let mut rng = Rng::new(0x2a_c9b1);
    let n = count(300);
    let (mut queries, mut exits) = (0, 0);
    for i in 0..n {
        let keys = random_line(&mut rng, false);
        let want = edit(&keys);
        let r = e
            .keys(&[&keys[..], b"\r"].concat())
            .unwrap_or_else(|err| panic!("line {i} {keys:?}: fault {err}"));
        let mut expect = want.echo.clone();
        match &want.outcome {
            Outcome::Exit | Outcome::Interrupt => {
                if want.outcome == Outcome::Exit {
                    expect.extend_from_slice(b"\r\n");
                }
                assert_eq!(r.exit, Exit::WarmBoot, "line {i} {keys:?} should exit");
                assert_eq!(
                    r.output, expect,
                    "line {i} {keys:?}: the echo before exiting"
                );
                exits += 1;
                e = boot();
                continue;
            }
            Outcome::Empty => expect.extend_from_slice(b"\r\n"),
            Outcome::Query(q) => {
                expect.extend_from_slice(b"\r\n");
                expect.extend(respond(&model, q));
                expect.extend_from_slice(b"\r\n");
                queries += 1;
            }
        }
        expect.extend_from_slice(b"> ");
        assert_eq!(
            r.exit,
            Exit::InputExhausted,
            "line {i} {keys:?}: no prompt again (hang?)"
        );
        assert_eq!(
            String::from_utf8_lossy(&r.output),
            String::from_utf8_lossy(&expect),
            "line {i} {keys:?}"
        );
        assert_eq!(r.output, expect, "line {i} {keys:?}");
    }
    println!("cpm: {n} random lines, {queries} answered, {exits} exits, 0 faults or mismatches");
}

/// RC2014 with the 512K ROM/RAM module: the engine boots from flash through the resident loader
/// and pages weights in; typed over the SIO at the line rate. A write watch on the bus records
/// every write by the engine's code (PC in the image) outside its RAM (sums, buffers, stack);
/// `!` and ^C restart the board through the loader, which must boot the engine again.
#[test]
fn rc2014_512k_random_lines() {
    let model = example_model("guess");
    let rom = hil::rc2014::build(&model, "rc2014-512k", &Layout::Auto);
    let map = &rom.built.image.map;
    let img = &rom.built.image;
    let watch = WriteWatch {
        code: u32::from(img.org)..u32::from(img.org) + img.bytes.len() as u32,
        allowed: std::iter::once(map.ram.0..map.ram.1).collect(),
        ..WriteWatch::default()
    };
    let mut chat = RomChat::boot("rc2014-512k", &rom.rom);
    chat.m.bus.watch = Some(Box::new(watch));
    let mut rng = Rng::new(0x2a_c9b2);
    let n = count(300);
    let (mut queries, mut exits) = (0, 0);
    for i in 0..n {
        let keys = random_line(&mut rng, false);
        let want = edit(&keys);
        let expect = shown(&model, &want);
        chat.m.send(&[&keys[..], b"\r"].concat());
        // Hangs: run_until panics when no prompt comes within its limit.
        let out = chat.run_until(b"\r\n> ");
        if matches!(want.outcome, Outcome::Exit | Outcome::Interrupt) {
            assert!(out.starts_with(&expect), "line {i} {keys:?}: {out:?}");
            let text = String::from_utf8_lossy(&out[expect.len()..]).into_owned();
            assert!(
                text.contains("booting"),
                "line {i} {keys:?}: no restart: {text}"
            );
            exits += 1;
        } else {
            assert_eq!(
                String::from_utf8_lossy(&out),
                String::from_utf8_lossy(&expect),
                "line {i} {keys:?}"
            );
            assert_eq!(out, expect, "line {i} {keys:?}");
            queries += 1;
        }
        let w = chat.m.bus.watch.as_ref().unwrap();
        assert_eq!(
            w.count, 0,
            "line {i} {keys:?}: writes outside the engine's RAM (pc, addr, value): {:04x?}",
            w.violations
        );
    }
    println!("rc2014-512k: {n} random lines, {queries} answered or empty, {exits} restarts, 0 faults or mismatches");
}
