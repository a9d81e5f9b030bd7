//! `chat --batch` and `run --batch` follow the chat rules (spec §9) the engines follow (issue 15,
//! B16): an empty line is not answered (an empty output line), a line starting with `!` ends
//! the chat (and `run`'s engine also ends on ^C at the start of a line), and lines left after
//! the end are an error saying how many and why, not dropped with exit 0.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::{tmpdir, BIN};

/// `z80lm ARGS` with `stdin`: exit code, stdout, stderr.
fn with_input(args: &[&str], stdin: &[u8]) -> (i32, String, String) {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn model() -> String {
    testsupport::example_model_path("guess-mini")
        .to_string_lossy()
        .into_owned()
}

/// The host reference's answer to `q`, one line.
fn answer(q: &str) -> String {
    let (code, out, err) = common::z80lm(&["chat", "--model", &model(), "--prompt", q]);
    assert_eq!(code, 0, "{err}");
    out
}

#[test]
fn chat_batch_follows_the_chat_rules() {
    let m = model();
    let chat = ["chat", "--model", &m, "--batch"];
    let (a, b) = (answer("is it a chair"), answer("is it alive"));
    // An empty line gets an empty line, " !" is a query, "!" at the end ends it: exit 0.
    let (code, out, err) = with_input(&chat, b"is it a chair\n\n !\nis it alive\n!bye\n");
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, format!("{a}\n{}{b}", answer(" !")));
    // Lines after the end: answered up to it, then one error line with the count.
    let (code, out, err) = with_input(&chat, b"is it a chair\n!quit\nis it alive\nhello\n");
    assert_eq!(code, 2, "{err}");
    assert_eq!(out, a);
    assert_eq!(
        err,
        "error: 2 lines left unanswered: the chat ended at line 2 (a line starting with ! ends it)\n"
    );
}

#[test]
fn run_batch_follows_the_engine_and_counts_what_it_left() {
    let dir = tmpdir("batch-run");
    let com = dir.join("CHAT.COM");
    let (code, _, err) = common::z80lm(&[
        "build",
        "--model",
        &model(),
        "--target",
        "cpm",
        "-o",
        com.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let com = com.to_str().unwrap();
    let run = ["run", "--batch", com];
    let (a, b) = (answer("is it a chair"), answer("is it alive"));
    // The engine's answers equal the host's; an empty line gives an empty line, not "> ".
    let (code, out, err) = with_input(&run, b"is it a chair\n\nis it alive\n");
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, format!("{a}\n{b}"));
    // "!" as the last line ends the program: nothing printed for it, exit 0.
    let (code, out, err) = with_input(&run, b"is it a chair\n!\n");
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, a);
    for (input, at) in [
        (&b"is it a chair\n!quit\nis it alive\nhello\n"[..], 2),
        (b"is it a chair\n\x03junk\nis it alive\nhello\n", 2),
    ] {
        let (code, out, err) = with_input(&run, input);
        assert_eq!(code, 2, "{err}");
        assert_eq!(out, a);
        assert_eq!(
            err,
            format!(
                "error: 2 lines left unanswered: the program returned to CP/M at line {at} (a z80lm engine does on a line starting with ! or with ^C)\n"
            )
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
