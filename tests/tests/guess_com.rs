//! The upstream GUESS.COM (HarryR/z80ai commit f106c8c build of the guess
//! model, kept unmodified in ../shared/data/guess) on our CP/M 2.2 machine,
//! and on the real Digital Research BDOS/CCP of the PyPI `cpm80` package
//! (kosarev's exact Z80 core) through tests/py/cpm80_run.py.
//!
//! Timing measurement points: our machine stamps each console byte with
//! the CPU's T-state count when the PC reaches the BDOS entry (FBASE) for
//! the function 2 call that prints it; the trapped call then costs
//! `bdos_cost` (10 T). So the interval between two response letters is
//! the program's own work for one inference step plus one BDOS call.
//! cpm80 stamps bytes inside the real BIOS CONOUT, so its intervals add the
//! real BDOS's own path (a constant for ordinary letters); the difference
//! between the two must be the same for every pair of letters, which shows
//! both cores spend exactly the same T-states in GUESS.COM itself.
//!
//! Skips with a printed reason when GUESS.COM, python3 or cpm80 is absent (a failure in CI).

use std::path::PathBuf;
use std::process::Command;

use boards::console::ScriptedConsole;
use boards::machines::cpm::{Cpm, CpmConfig, Exit};
use hil::{require, Missing};

const CPM80_RUN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/py/cpm80_run.py");
/// Enough for a few responses at ~40 M T-states per character.
const BUDGET: u64 = 2_000_000_000;

fn guess_path() -> Result<PathBuf, Missing> {
    testsupport::shared_file("data/guess/GUESS.COM")
}

fn guess_image() -> Result<Vec<u8>, Missing> {
    let path = guess_path()?;
    Ok(std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display())))
}

/// cpm80_run.py with `args`: its stdout; the script failing fails the test.
fn cpm80_run(args: &[&str]) -> Result<Vec<u8>, Missing> {
    let python = testsupport::python_module("cpm80", "cpm80")?;
    let run = Command::new(python)
        .arg(CPM80_RUN)
        .args(args)
        .output()
        .expect("python3 runs cpm80_run.py");
    assert!(
        run.status.success(),
        "cpm80_run.py failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    Ok(run.stdout)
}

/// The response line after the echo of `typed`: the bytes after the echo
/// and the following CR/LFs, up to the next CR. Returns (start, end) indexes.
fn response_span(out: &[u8], typed: &[u8]) -> Option<(usize, usize)> {
    let at = out.windows(typed.len()).position(|w| w == typed)? + typed.len();
    let start = at
        + out[at..]
            .iter()
            .take_while(|&&b| b == b'\r' || b == b'\n')
            .count();
    let end = start + out[start..].iter().position(|&b| b == b'\r')?;
    Some((start, end))
}

/// Intervals in T-states between consecutive bytes of `times[start..=end]`
/// (the response letters and the CR that ends the line).
fn intervals(times: &[u64], start: usize, end: usize) -> Vec<u64> {
    times[start..=end].windows(2).map(|w| w[1] - w[0]).collect()
}

struct Ours {
    text: Vec<u8>,
    times: Vec<u64>,
}

fn run_ours(image: &[u8], lines: &[&str]) -> Ours {
    let mut cpm = Cpm::new(CpmConfig::default());
    cpm.load_com(image, b"").expect("GUESS.COM fits the TPA");
    let mut con = ScriptedConsole::new(b"");
    for line in lines {
        con.push_input(line.as_bytes());
        con.push_input(b"\r");
        let exit = cpm
            .run(&mut con, BUDGET)
            .expect("GUESS.COM runs without faults");
        assert_eq!(
            exit,
            Exit::InputExhausted,
            "GUESS.COM should wait for the next question"
        );
    }
    Ours {
        text: con.output().to_vec(),
        times: con.output_times().to_vec(),
    }
}

#[test]
fn guess_com_answers_and_times_on_our_cpm() {
    let image = require!(guess_image());
    let ours = run_ours(&image, &["is it a chair", "is it alive"]);
    let out = &ours.text;

    let (s, e) = response_span(out, b"is it a chair").expect("response to the first question");
    assert_eq!(
        &out[s..e],
        b"WIN",
        "transcript: {}",
        String::from_utf8_lossy(out)
    );
    // Exact T-states between W, I, N and the CR that ends the line.
    assert_eq!(
        intervals(&ours.times, s, e),
        [39_575_850, 39_575_175, 39_574_599]
    );

    let (s, e) = response_span(out, b"is it alive").expect("response to the second question");
    assert_eq!(
        &out[s..e],
        b"NO",
        "transcript: {}",
        String::from_utf8_lossy(out)
    );
    assert_eq!(intervals(&ours.times, s, e), [39_575_225, 39_574_780]);
}

#[test]
fn guess_com_under_real_cpm80_agrees_with_ours() {
    let image = require!(guess_image());
    let guess = guess_path().unwrap();
    let stdout = require!(cpm80_run(&[
        "--ticks",
        guess.to_str().unwrap(),
        "is it a chair"
    ]));
    let mut times = Vec::new();
    let mut text = Vec::new();
    for line in String::from_utf8_lossy(&stdout).lines() {
        let (t, b) = line.split_once(' ').expect("`<ticks> <hex byte>` lines");
        times.push(t.parse::<u64>().expect("ticks"));
        text.push(u8::from_str_radix(b, 16).expect("hex byte"));
    }
    let (s, e) = response_span(&text, b"is it a chair").expect("cpm80 transcript has a response");
    assert_eq!(
        &text[s..e],
        b"WIN",
        "cpm80 transcript: {}",
        String::from_utf8_lossy(&text)
    );
    let real = intervals(&times, s, e);

    let ours = run_ours(&image, &["is it a chair"]);
    let (os, oe) = response_span(&ours.text, b"is it a chair").expect("our response");
    let mine = intervals(&ours.times, os, oe);
    // W->I and I->N go through the same BDOS path on both machines: the
    // extra T-states of the real BDOS must be the same constant.
    let extra: Vec<i64> = real
        .iter()
        .zip(&mine)
        .map(|(&r, &m)| r as i64 - m as i64)
        .collect();
    assert_eq!(
        extra[0], extra[1],
        "real {real:?} vs ours {mine:?}: program T-states differ between the cores"
    );
    assert!(
        (0..2000).contains(&extra[0]),
        "real BDOS overhead per call should be a few hundred T-states, got {extra:?}"
    );
}

#[test]
fn cpm80_runner_prints_the_transcript() {
    // The plain-text mode the engine helper uses to cross-check its own .COM.
    let guess = require!(guess_path());
    let stdout = require!(cpm80_run(&[guess.to_str().unwrap(), "is it alive"]));
    let (s, e) = response_span(&stdout, b"is it alive").expect("response");
    assert_eq!(&stdout[s..e], b"NO");
}

#[test]
fn guess_com_runs_clean_with_fault_detection_on() {
    let image = require!(guess_image());
    // Writes only inside the TPA, code only inside the image, and the
    // stack never below the end of the image.
    let end = 0x100 + image.len() as u16;
    let mut cpm = Cpm::new(CpmConfig {
        check_writes: true,
        stack_floor: Some(end),
        code_range: Some(0x100..end),
        ..CpmConfig::default()
    });
    cpm.load_com(&image, b"").expect("GUESS.COM fits the TPA");
    let mut con = ScriptedConsole::new(b"is it a chair\r");
    assert_eq!(cpm.run(&mut con, BUDGET), Ok(Exit::InputExhausted));
    let out = con.output();
    let (s, e) = response_span(out, b"is it a chair").expect("response");
    assert_eq!(&out[s..e], b"WIN");
}
