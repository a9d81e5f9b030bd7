//! `z80lm chat` as a user drives it: the interactive loop (spec §9), `--prompt`, `--trace`.

use std::io::Write;
use std::process::{Command, Stdio};

fn chat(args: &[&str], stdin: &[u8]) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_z80lm"))
        .arg("chat")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A usage error may end the process before it reads its input: a broken pipe is fine.
    let _ = child.stdin.take().unwrap().write_all(stdin);
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn interactive_loop_follows_the_chat_rules() {
    // The shipped example answers these as the upstream model does.
    let model = testsupport::example_model_path("guess");
    let model = model.to_str().unwrap();
    // Empty line re-prompts; CR LF is a terminator; " !" is a query; "!" ends the chat.
    let (code, out, _) = chat(
        &["--model", model],
        b"is it a chair\r\n\n !\n!quit\nis it alive\n",
    );
    assert_eq!(code, 0);
    assert_eq!(out, "> WIN\n> > NO\n> ");
    // Ctrl-D (end of input) ends it too.
    let (code, out, _) = chat(&["--model", model], b"is it alive\n");
    assert_eq!(code, 0);
    assert_eq!(out, "> NO\n> \n");
}

#[test]
fn prompt_and_trace() {
    // Logits of the upstream model (spec §10's worked example).
    let model = testsupport::require!(testsupport::shared_model_path("guess"));
    let (code, out, err) = chat(
        &[
            "--model",
            model.to_str().unwrap(),
            "--prompt",
            "is it a chair",
            "--trace",
        ],
        b"",
    );
    assert_eq!(code, 0);
    assert_eq!(out, "WIN\n");
    assert!(err.contains("step  0: W 618, N 139, I 135"), "{err}");
    assert!(err.contains("step  3: EOS 854"), "{err}");
}

#[test]
fn usage_errors_exit_2() {
    let (code, _, err) = chat(&["--batch", "--prompt", "x", "--model", "m.npz"], b"");
    assert_eq!(code, 2, "{err}");
    let (code, out, err) = chat(&["--model", "/nonexistent.npz", "--batch"], b"hello\n");
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(
        err.starts_with("error: /nonexistent.npz: invalid model: cannot read"),
        "{err}"
    );
}
