//! Issue 15: random typed lines per target. Seeded random raw lines (printable, control bytes,
//! over-long; `hil::lines`) are typed into the emulated board one at a time; each must end
//! without a fault (the machine's memory checks on) or hang, echo what the line editor model
//! says, and answer what the host reference answers for the edited line. A few hundred lines per
//! target here; `Z80LM_RANDOM_LINES=N` types N (BENCHMARKS.md, Reliability).

use boards::machines::cpm::Exit;
use hil::cpm::{build_com, Engine};
use hil::example_model;
use hil::lines::{count, edit, random_line, Outcome, Rng};
use z80lm::engine::Layout;
use z80lm::model::respond;

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
