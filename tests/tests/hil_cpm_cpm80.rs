//! Cross-check: our CP/M .COM under the real Digital Research CP/M 2.2 BDOS and CCP (PyPI
//! `cpm80`, an exact Z80 core) through tests/py/cpm80_run.py. Skips with a reason when python3,
//! cpm80 or the script is missing. A few prompts: the full vector runs are in hil_cpm.rs.

use std::path::PathBuf;
use std::process::Command;

use hil::{need, shared_model};
use z80lm::engine::{self, targets, Layout};
use z80lm::model::respond;

/// cpm80 puts the CCP at 0xD000 and the BDOS at 0xD800: the engine may overwrite the CCP.
const CPM80_TPA_TOP: u32 = 0xD800;

fn run_cpm80(com: &[u8], tail: Option<&str>, lines: &[&str]) -> Option<Vec<u8>> {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("py/cpm80_run.py");
    if !script.is_file() {
        eprintln!("skipping: {} not found", script.display());
        return None;
    }
    let dir = std::env::temp_dir().join(format!("z80lm-cpm80-{}", std::process::id()));
    std::fs::create_dir_all(&dir).ok()?;
    let path = dir.join(format!("CHAT{}.COM", tail.map_or(0, str::len)));
    std::fs::write(&path, com).ok()?;
    let mut cmd = Command::new("python3");
    cmd.arg(&script);
    if let Some(t) = tail {
        cmd.args(["--tail", t]);
    }
    cmd.arg(&path).args(lines);
    let out = match cmd.output() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("skipping: cannot run python3: {e}");
            return None;
        }
    };
    let _ = std::fs::remove_file(&path);
    if out.status.code() == Some(3) {
        eprintln!("skipping: {}", String::from_utf8_lossy(&out.stderr).trim());
        return None;
    }
    assert!(
        out.status.success(),
        "cpm80_run.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(out.stdout)
}

#[test]
fn guess_com_under_real_cpm22() {
    let model = need!(shared_model("guess"));
    let budget = targets::cpm::budget(CPM80_TPA_TOP);
    let built =
        engine::build(&model, &budget, &Layout::Auto, &targets::cpm::target_asm()).expect("build");
    let com = targets::cpm::com_bytes(&built.image);
    let prompts = ["is it a chair", "is it alive", "hello", "  Is It A Cat?  "];
    let Some(out) = run_cpm80(&com, None, &prompts) else {
        return;
    };
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
    let Some(out) = run_cpm80(&com, Some("is it a chair"), &[]) else {
        return;
    };
    let text = String::from_utf8_lossy(&out);
    assert!(
        text.starts_with("\r\nWIN\r\n"),
        "command tail answer: {text:?}"
    );
    assert!(text.ends_with("A>"), "back at the CCP prompt: {text:?}");
}
