//! `z80lm emu --board gb|zx48` as a user meets it on a terminal: the keys are shown under the
//! screen and in `--help`, what is typed shows in the footer (the terminal does not echo it
//! under the frame), Ctrl-C quits cleanly and still writes `--screenshot`, the ZX says it is
//! loading; the Game Boy runs a cartridge whose global checksum is wrong, with a warning.

#![cfg(unix)]

mod common;

use std::io::Write;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use nix::sys::termios::{tcgetattr, LocalFlags};

use common::{read_pty_until, tmpdir, wait_exit, BIN};
use z80lm::model::Model;

fn mini() -> Model {
    let path = format!(
        "{}/../examples/guess-mini/model.npz",
        env!("CARGO_MANIFEST_DIR")
    );
    Model::load(path.as_ref()).unwrap()
}

fn cartridge(dir: &Path) -> PathBuf {
    let rom = z80lm::engine::targets::gameboy::build(&mini(), &z80lm::engine::Layout::Auto)
        .unwrap()
        .rom;
    let path = dir.join("CHAT.gb");
    std::fs::write(&path, rom).unwrap();
    path
}

fn spawn_on_pty(args: &[&str]) -> (Child, std::fs::File, OwnedFd) {
    let args: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_ref()).collect();
    common::spawn_on_pty(&args)
}

/// Reads the master side until `want` has been seen since `from` (or 60 s pass).
fn read_until(master: &mut std::fs::File, seen: &mut Vec<u8>, from: usize, want: &str) {
    read_pty_until(master, seen, from, want.as_bytes(), 60);
}

fn wait(child: &mut Child) -> std::process::ExitStatus {
    wait_exit(child, 30, "emu")
}

fn echoes(slave: &OwnedFd) -> bool {
    tcgetattr(slave)
        .unwrap()
        .local_flags
        .contains(LocalFlags::ECHO | LocalFlags::ICANON)
}

const KEYS: &str = "Enter sends the line, Ctrl-R resets, Ctrl-C or Ctrl-D quits";

#[test]
fn help_names_the_keys() {
    let (code, out, _) = common::z80lm(&["emu", "--help"]);
    assert_eq!(code, 0);
    let flat = out.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("Ctrl-R resets, Ctrl-C or Ctrl-D quits; the keys are shown under the screen"),
        "{out}"
    );
}

#[test]
fn gb_on_a_terminal_shows_keys_and_typing_and_ctrl_c_writes_the_screenshot() {
    let dir = tmpdir("emu-cli-gb");
    let cart = cartridge(&dir);
    let png = dir.join("screen.png");
    let (mut child, mut master, slave) = spawn_on_pty(&[
        "emu",
        "--board",
        "gb",
        cart.to_str().unwrap(),
        "--turbo",
        "--screenshot",
        png.to_str().unwrap(),
    ]);
    let mut seen = Vec::new();
    read_until(&mut master, &mut seen, 0, KEYS);
    assert!(!echoes(&slave), "typed keys are not echoed under the frame");
    master.write_all(b"is it a chair").unwrap();
    read_until(&mut master, &mut seen, 0, "> is it a chair_");
    let mark = seen.len();
    master.write_all(b"\r").unwrap();
    let want = String::from_utf8(z80lm::model::respond(&mini(), b"is it a chair")).unwrap();
    read_until(&mut master, &mut seen, mark, &format!("|{want}"));
    master.write_all(&[0x03]).unwrap();
    let status = wait(&mut child);
    assert!(status.success(), "{status:?}");
    assert!(echoes(&slave), "the terminal is restored");
    assert!(std::fs::read(&png).unwrap().starts_with(b"\x89PNG"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sigint_stops_a_piped_session_cleanly_with_its_screenshot() {
    let dir = tmpdir("emu-cli-int");
    let cart = cartridge(&dir);
    let png = dir.join("screen.png");
    let child = Command::new(BIN)
        .args(["emu", "--board", "gb", "--screenshot"])
        .arg(&png)
        .arg(&cart)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?}: {err}", out.status);
    assert!(String::from_utf8_lossy(&out.stdout).contains("+--------------------+"));
    assert!(
        std::fs::read(&png).unwrap().starts_with(b"\x89PNG"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_wrong_global_checksum_is_a_warning_and_the_cartridge_runs() {
    let dir = tmpdir("emu-cli-sum");
    let cart = cartridge(&dir);
    let mut rom = std::fs::read(&cart).unwrap();
    rom[0x7FFF] ^= 0x55;
    std::fs::write(&cart, rom).unwrap();
    let mut child = Command::new(BIN)
        .args(["emu", "--board", "gb", "--turbo"])
        .arg(&cart)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"is it a chair\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("global checksum at 0x014E is")
            && err.contains("a real Game Boy never reads it, so it runs"),
        "{err}"
    );
    let want = String::from_utf8(z80lm::model::respond(&mini(), b"is it a chair")).unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(&format!("|{want}")),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn zx_says_loading_then_shows_the_keys_and_ctrl_d_quits() {
    if boards::machines::zx48::locate_rom().is_none() {
        eprintln!("skipping: no 48K ROM ($Z80LM_ZX48_ROM, or `pip install skoolkit`)");
        return;
    }
    let dir = tmpdir("emu-cli-zx");
    let tap = dir.join("CHAT.tap");
    let zx = z80lm::engine::targets::zx48::build(&mini(), &z80lm::engine::Layout::Auto).unwrap();
    std::fs::write(&tap, zx.tape.to_tap()).unwrap();
    let (mut child, mut master, slave) =
        spawn_on_pty(&["emu", "--board", "zx48", tap.to_str().unwrap(), "--turbo"]);
    let mut seen = Vec::new();
    read_until(&mut master, &mut seen, 0, "loading CHAT.tap…");
    read_until(&mut master, &mut seen, 0, KEYS);
    assert!(!echoes(&slave));
    master.write_all(&[0x04]).unwrap();
    let status = wait(&mut child);
    assert!(status.success(), "{status:?}");
    assert!(echoes(&slave), "the terminal is restored");
    let _ = std::fs::remove_dir_all(&dir);
}
