//! `z80lm run CHAT.COM` on a terminal, as a user sees it: the typed line shows once (the
//! terminal does not echo; the program does, key by key), and the terminal's modes are back as
//! they were when the run ends, whether the program exits or Ctrl-C stops it.

#![cfg(unix)]

mod common;

use std::io::Write;
use std::os::fd::OwnedFd;
use std::process::{Child, Command};

use nix::sys::termios::{tcgetattr, LocalFlags};

use common::{read_pty_until, spawn_on_pty, tmpdir, wait_exit};

fn chat_com(dir: &std::path::Path) -> std::path::PathBuf {
    let model = format!(
        "{}/../examples/guess-mini/model.npz",
        env!("CARGO_MANIFEST_DIR")
    );
    let m = z80lm::model::Model::load(model.as_ref()).unwrap();
    let built = z80lm::engine::targets::cpm::build(&m, &z80lm::engine::Layout::Auto, None).unwrap();
    let com = dir.join("CHAT.COM");
    std::fs::write(&com, z80lm::engine::targets::cpm::com_bytes(&built.image)).unwrap();
    com
}

/// `z80lm run COM` with a pty as its terminal: the child, the master side, the slave.
fn spawn(com: &std::path::Path) -> (Child, std::fs::File, OwnedFd) {
    spawn_on_pty(&["run".as_ref(), com.as_os_str()])
}

fn read_until(master: &mut std::fs::File, seen: &mut Vec<u8>, want: &[u8]) {
    read_pty_until(master, seen, 0, want, 20);
}

fn wait(child: &mut Child) -> std::process::ExitStatus {
    wait_exit(child, 20, "run")
}

fn cooked(slave: &OwnedFd) -> bool {
    let t = tcgetattr(slave).unwrap();
    t.local_flags
        .contains(LocalFlags::ECHO | LocalFlags::ICANON | LocalFlags::ISIG)
}

#[test]
fn a_typed_line_shows_once_and_the_terminal_is_restored_when_the_program_exits() {
    let dir = tmpdir("run-cli-raw");
    let com = chat_com(&dir);
    // (A new pty starts cooked; checking that here would race the child setting raw mode.)
    let (mut child, mut master, slave) = spawn(&com);
    let mut seen = Vec::new();
    read_until(&mut master, &mut seen, b"> ");
    assert!(!cooked(&slave), "the console is raw while the program runs");
    master.write_all(b"is it a chair\r").unwrap();
    read_until(&mut master, &mut seen, b"\r\n> ");
    let text = String::from_utf8_lossy(&seen).into_owned();
    assert_eq!(text.matches("is it a chair").count(), 1, "{text:?}");
    master.write_all(b"!\r").unwrap();
    let status = wait(&mut child);
    assert!(status.success(), "{status:?}: {text:?}");
    assert!(
        cooked(&slave),
        "echo and line editing are back after the run"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn ctrl_c_restores_the_terminal() {
    let dir = tmpdir("run-cli-int");
    let com = chat_com(&dir);
    let (mut child, mut master, slave) = spawn(&com);
    let mut seen = Vec::new();
    read_until(&mut master, &mut seen, b"> ");
    assert!(!cooked(&slave));
    // What Ctrl-C on the terminal sends the foreground process.
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = wait(&mut child);
    assert_eq!(status.code(), Some(130), "{status:?}");
    assert!(
        cooked(&slave),
        "echo and line editing are back after Ctrl-C"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn ctrl_d_ends_the_run_as_on_a_cooked_terminal() {
    let dir = tmpdir("run-cli-eof");
    let com = chat_com(&dir);
    let (mut child, mut master, slave) = spawn(&com);
    let mut seen = Vec::new();
    read_until(&mut master, &mut seen, b"> ");
    master.write_all(&[0x04]).unwrap();
    let status = wait(&mut child);
    assert!(status.success(), "{status:?}");
    assert!(cooked(&slave));
    let _ = std::fs::remove_dir_all(&dir);
}
