//! Every printing command into a pipe whose reader has gone away (`z80lm eval … | head` once
//! head has read enough): the write fails with EPIPE and the command ends quietly with status
//! 0, without a panic or an error line (see `cli::write_out` for why 0).

#![cfg(unix)]

mod common;

use std::process::{Command, Stdio};

use common::{tmpdir, BIN};

/// Runs `z80lm args` with stdout a pipe whose read end is already closed: exit code, stderr.
fn into_a_closed_pipe(args: &[&str]) -> (Option<i32>, String) {
    let (read, write) = nix::unistd::pipe().unwrap();
    drop(read);
    let out = Command::new(BIN)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::from(write))
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn printing_commands_end_quietly_when_the_reader_has_gone() {
    let dir = tmpdir("pipe-cli");
    let model = testsupport::example_model_path("guess-mini");
    let model = model.to_str().unwrap();
    let data = dir.join("data.txt");
    std::fs::write(&data, "is it a chair|WIN\nhello|HELLO\n").unwrap();
    let data = data.to_str().unwrap();
    let out = dir.join("CHAT.COM");
    let out = out.to_str().unwrap();
    for args in [
        &["eval", "-m", model, data][..],
        &["info", model],
        &["build", "-m", model, "-o", out, "--emit", "asm"],
        &["build", "-m", model, "-o", out],
        &["data", "lint", data],
        &["--help"],
    ] {
        let (code, err) = into_a_closed_pipe(args);
        assert_eq!(code, Some(0), "{args:?}: {err}");
        assert!(
            !err.contains("panicked") && !err.contains("error"),
            "{args:?}: {err}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
