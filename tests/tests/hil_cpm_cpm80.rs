//! Cross-check: our CP/M .COM under the real Digital Research CP/M 2.2 BDOS and CCP (PyPI
//! `cpm80`, an exact Z80 core) through tests/py/cpm80_run.py, with the shipped example guess
//! model. Skips with a reason when python3 or cpm80 is missing (a failure in CI). A few prompts:
//! the full vector runs are in hil_cpm.rs.

use std::path::PathBuf;
use std::process::Command;

use hil::{example_model, require, Missing};
use z80lm::engine::{self, targets, Layout};
use z80lm::model::respond;

/// cpm80 puts the CCP at 0xD000 and the BDOS at 0xD800: the engine may overwrite the CCP.
const CPM80_TPA_TOP: u32 = 0xD800;

/// The console output of `com` run by cpm80_run.py (with CCP command tail `tail`, typing
/// `lines`).
fn run_cpm80(com: &[u8], tail: Option<&str>, lines: &[&str]) -> Result<Vec<u8>, Missing> {
    let python = testsupport::python_module("cpm80", "cpm80")?;
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("py/cpm80_run.py");
    let dir = testsupport::scratch(&format!("cpm80-{}", tail.map_or(0, str::len)));
    let path = dir.join("CHAT.COM");
    std::fs::write(&path, com).unwrap();
    let mut cmd = Command::new(python);
    cmd.arg(&script);
    if let Some(t) = tail {
        cmd.args(["--tail", t]);
    }
    cmd.arg(&path).args(lines);
    let out = cmd.output().expect("python3 runs cpm80_run.py");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "cpm80_run.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(out.stdout)
}

#[test]
fn guess_com_under_real_cpm22() {
    let model = example_model("guess");
    let budget = targets::cpm::budget(CPM80_TPA_TOP);
    let built =
        engine::build(&model, &budget, &Layout::Auto, &targets::cpm::target_asm()).expect("build");
    let com = targets::cpm::com_bytes(&built.image);
    let prompts = ["is it a chair", "is it alive", "hello", "  Is It A Cat?  "];
    let out = require!(run_cpm80(&com, None, &prompts));
    let mut want = b"\r\n".to_vec();
    for p in prompts {
        want.extend_from_slice(b"> ");
        want.extend_from_slice(p.as_bytes());
        want.extend_from_slice(b"\r\n");
        want.extend_from_slice(&respond(&model, p.as_bytes()));
        want.extend_from_slice(b"\r\n");
    }
    want.extend_from_slice(b"> ");
    assert_eq!(
        String::from_utf8_lossy(&out),
        String::from_utf8_lossy(&want)
    );

    // Single-query mode from the CCP's command tail, then a warm boot back to the CCP.
    let out = require!(run_cpm80(&com, Some("is it a chair"), &[]));
    let text = String::from_utf8_lossy(&out);
    assert!(
        text.starts_with("\r\nWIN\r\n"),
        "command tail answer: {text:?}"
    );
    assert!(text.ends_with("A>"), "back at the CCP prompt: {text:?}");
}
