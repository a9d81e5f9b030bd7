//! The one-line hints a new user needs: `chat` says once how to leave, `data … -o` says what
//! it wrote.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::{tmpdir, BIN};

#[test]
fn interactive_chat_says_once_how_to_leave() {
    let model = format!(
        "{}/../examples/guess-mini/model.npz",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut child = Command::new(BIN)
        .args(["chat", "--model", &model])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"hello\nis it a chair\n!\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert_eq!(
        err.matches("a line starting with ! or Ctrl-D leaves")
            .count(),
        1,
        "{err}"
    );
    // stdout stays the chat itself.
    assert!(!String::from_utf8_lossy(&out.stdout).contains("Ctrl-D"));
    // --batch prints no hint.
    let out = Command::new(BIN)
        .args(["chat", "--batch", "--model", &model])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.stderr.is_empty(), "{:?}", out.stderr);
}

#[test]
fn data_to_a_file_prints_a_one_line_summary() {
    let dir = tmpdir("hints-data");
    let out = dir.join("guess.txt");
    let (code, stdout, err) = common::z80lm(&[
        "data",
        "guess",
        "--secret",
        "chair",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(stdout.is_empty());
    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    let classes: std::collections::BTreeSet<&str> = lines
        .iter()
        .map(|l| l.rsplit_once('|').unwrap().1)
        .collect();
    assert_eq!(
        err.trim_end(),
        format!(
            "wrote {} ({} lines, {} classes)",
            out.display(),
            lines.len(),
            classes.len()
        )
    );
    let _ = std::fs::remove_dir_all(&dir);
}
