//! `z80lm emu --board gb|zx48` as a user meets it on a terminal: the keys are shown under the
//! screen and in `--help`, what is typed shows in the footer (the terminal does not echo it
//! under the frame), Ctrl-C quits cleanly and still writes `--screenshot`, the ZX says it is
//! loading; the Game Boy runs a cartridge whose global checksum is wrong, with a warning. A
//! ZX tape that does not load (a block's checksum wrong, garbage blocks) ends with the ROM's
//! report on the screen and an error, never a hang.

#![cfg(unix)]

mod common;

use std::io::Write;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use nix::sys::termios::{tcgetattr, LocalFlags};

use common::{read_pty_until, tmpdir, wait_exit, BIN};
use testsupport::{require, Missing};
use z80lm::model::Model;

/// The 48K ROM, as `emu --board zx48` finds it.
fn zx_rom() -> Result<PathBuf, Missing> {
    boards::machines::zx48::locate_rom().ok_or_else(|| {
        Missing("no ZX Spectrum 48K ROM (PyPI skoolkit ships one, or set Z80LM_ZX48_ROM)".into())
    })
}

/// The blocks (flag, payload, checksum) of a .tap file.
fn tap_blocks(tap: &[u8]) -> Vec<Vec<u8>> {
    boards::devices::tape::parse_tap(tap).unwrap()
}

/// A .tap file of `blocks`.
fn tap_of(blocks: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for b in blocks {
        out.extend_from_slice(&(b.len() as u16).to_le_bytes());
        out.extend_from_slice(b);
    }
    out
}

/// The chat tape of the mini model.
fn chat_tap() -> Vec<u8> {
    let zx = z80lm::engine::targets::zx48::build(&mini(), &z80lm::engine::Layout::Auto).unwrap();
    zx.tape.to_tap()
}

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
    require!(zx_rom());
    let dir = tmpdir("emu-cli-zx");
    let tap = dir.join("CHAT.tap");
    std::fs::write(&tap, chat_tap()).unwrap();
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

/// C-BIOS found (as `emu --board msx` finds it), or the reason to skip.
fn cbios() -> Result<(), Missing> {
    boards::machines::msx::locate_cbios()
        .map(|_| ())
        .ok_or_else(|| Missing("the C-BIOS ROMs are not installed (Debian package cbios)".into()))
}

/// The MSX on a terminal: the 40-column screen in its frame (the chat's prompt on it), what
/// is typed in the footer (the terminal does not echo), Ctrl-D quits and restores the terminal.
#[test]
fn msx_frames_the_40_column_screen_shows_typing_and_ctrl_d_quits() {
    require!(cbios());
    let dir = tmpdir("emu-cli-msx");
    let rom = dir.join("CHAT.rom");
    let cart = z80lm::engine::targets::msx::build(&mini(), &z80lm::engine::Layout::Auto).unwrap();
    std::fs::write(&rom, cart.rom).unwrap();
    let (mut child, mut master, slave) =
        spawn_on_pty(&["emu", "--board", "msx", rom.to_str().unwrap(), "--turbo"]);
    let mut seen = Vec::new();
    read_until(&mut master, &mut seen, 0, &format!("+{}+", "-".repeat(40)));
    read_until(&mut master, &mut seen, 0, "|> ");
    read_until(&mut master, &mut seen, 0, KEYS);
    assert!(!echoes(&slave));
    let from = seen.len();
    master.write_all(b"hi").unwrap();
    read_until(&mut master, &mut seen, from, "> hi_");
    master.write_all(&[0x04]).unwrap();
    let status = wait(&mut child);
    assert!(status.success(), "{status:?}");
    assert!(echoes(&slave), "the terminal is restored");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs `emu --board zx48 TAPE --turbo` with `input` on stdin: exit code, stdout, stderr.
fn zx_batch(tap: &Path, input: &str) -> (i32, String, String) {
    zx_batch_with(tap, input, &[])
}

/// [`zx_batch`] with `extra` options.
fn zx_batch_with(tap: &Path, input: &str, extra: &[&str]) -> (i32, String, String) {
    let mut child = Command::new(BIN)
        .args(["emu", "--board", "zx48", tap.to_str().unwrap(), "--turbo"])
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    wait(&mut child);
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn zx_a_data_block_with_a_wrong_checksum_is_the_roms_tape_loading_error() {
    require!(zx_rom());
    let dir = tmpdir("emu-cli-zx-badsum");
    let mut blocks = tap_blocks(&chat_tap());
    // Block 4: the data of the first CODE block (program header, program, code header, code).
    *blocks[3].last_mut().unwrap() ^= 0x55;
    let tap = dir.join("BAD.tap");
    std::fs::write(&tap, tap_of(&blocks)).unwrap();
    let (code, out, err) = zx_batch(&tap, "is it a chair\n");
    assert_eq!(code, 2, "{out}{err}");
    // The screen as the ROM leaves it: its report on the bottom line.
    assert!(out.contains("R Tape loading error, 10:"), "{out}");
    assert_eq!(
        err,
        "error: BAD.tap: the program did not load: the ROM reports \"R Tape loading error, 10:2\"; \
         block 4 of 8 has a wrong checksum\n"
            .replace("BAD.tap", tap.to_str().unwrap())
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--real-tape`: the ROM's own pulse loader reads the tape's edges (no LD-BYTES trap); the
/// program loads and answers as with the trap, and a bad block is the same ROM report.
#[test]
fn zx_real_tape_loads_through_the_roms_pulse_loader() {
    require!(zx_rom());
    let dir = tmpdir("emu-cli-zx-real");
    let tap = dir.join("CHAT.tap");
    std::fs::write(&tap, chat_tap()).unwrap();
    let (code, out, err) = zx_batch_with(&tap, "is it a chair\n", &["--real-tape"]);
    assert_eq!(code, 0, "{err}");
    let want = z80lm::model::respond(&mini(), b"is it a chair");
    assert!(
        out.contains(&format!("\n{}\n", String::from_utf8_lossy(&want))),
        "{out}"
    );
    assert_eq!(out, zx_batch(&tap, "is it a chair\n").1);
    let mut blocks = tap_blocks(&chat_tap());
    *blocks[3].last_mut().unwrap() ^= 0x55;
    std::fs::write(&tap, tap_of(&blocks)).unwrap();
    let (code, out, err) = zx_batch_with(&tap, "is it a chair\n", &["--real-tape"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(out.contains("R Tape loading error, 10:"), "{out}");
    assert!(err.contains("R Tape loading error"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn zx_a_tape_of_garbage_blocks_or_a_bad_header_is_an_error_not_a_silent_exit() {
    require!(zx_rom());
    let dir = tmpdir("emu-cli-zx-garbage");
    // Validly framed blocks (right checksums) of garbage: no header for LOAD "" to find.
    let garbage: Vec<Vec<u8>> = (0..3u8)
        .map(|k| {
            let mut b: Vec<u8> = (0..40u8).map(|i| i.wrapping_mul(37) ^ k).collect();
            b[0] = 0xFF;
            b.push(b.iter().fold(0, |a, x| a ^ x));
            b
        })
        .collect();
    let tap = dir.join("G.tap");
    std::fs::write(&tap, tap_of(&garbage)).unwrap();
    let (code, out, err) = zx_batch(&tap, "hello\n");
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.ends_with(
            "the program did not load: the tape ended while the ROM was still looking for a \
             block; the tape has no header block\n"
        ),
        "{err}"
    );
    // The program header's checksum wrong: the ROM passes over it and the tape runs out.
    let mut blocks = tap_blocks(&chat_tap());
    *blocks[0].last_mut().unwrap() ^= 1;
    std::fs::write(&tap, tap_of(&blocks)).unwrap();
    let (code, _, err) = zx_batch(&tap, "hello\n");
    assert_eq!(code, 2, "{err}");
    assert!(
        err.ends_with(
            "the tape ended while the ROM was still looking for a block; block 1 of 8 has a \
             wrong checksum\n"
        ),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn zx_on_a_terminal_a_tape_loading_error_stays_on_screen_and_ctrl_d_quits() {
    require!(zx_rom());
    let dir = tmpdir("emu-cli-zx-badsum-tty");
    let mut blocks = tap_blocks(&chat_tap());
    *blocks[3].last_mut().unwrap() ^= 0x55;
    let tap = dir.join("BAD.tap");
    std::fs::write(&tap, tap_of(&blocks)).unwrap();
    let (mut child, mut master, _slave) =
        spawn_on_pty(&["emu", "--board", "zx48", tap.to_str().unwrap(), "--turbo"]);
    let mut seen = Vec::new();
    read_until(&mut master, &mut seen, 0, "R Tape loading error, 10:2");
    read_until(
        &mut master,
        &mut seen,
        0,
        "the program did not load: the ROM reports",
    );
    read_until(&mut master, &mut seen, 0, KEYS);
    master.write_all(&[0x04]).unwrap();
    let status = wait(&mut child);
    assert_eq!(status.code(), Some(2), "{status:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs `emu --board gb --turbo CART` with `input` on stdin; returns (status, stdout, stderr).
fn emu_gb(cart: &Path, extra: &[&str], input: &[u8]) -> (std::process::ExitStatus, String, String) {
    let mut child = Command::new(BIN)
        .args(["emu", "--board", "gb", "--turbo"])
        .args(extra)
        .arg(cart)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status,
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The cartridge's battery-backed RAM goes to CHAT.sav beside it when the emulator stops and
/// comes back at the next start, so the transcript is still on the screen; a .sav of the
/// wrong size is one error line (exit 2) and is left as it was.
#[test]
fn gb_cartridge_ram_is_kept_in_a_sav_file() {
    let dir = tmpdir("emu-cli-sav");
    let cart = cartridge(&dir);
    let (ok, _, err) = emu_gb(&cart, &[], b"is it a chair\n");
    assert!(ok.success(), "{err}");
    let sav = dir.join("CHAT.sav");
    assert_eq!(std::fs::metadata(&sav).unwrap().len(), 8192);
    let (ok, screen, err) = emu_gb(&cart, &[], b"");
    assert!(ok.success(), "{err}");
    let want = String::from_utf8(z80lm::model::respond(&mini(), b"is it a chair")).unwrap();
    assert!(
        screen.contains("|> is it a chair     |") && screen.contains(&format!("|{want}")),
        "{screen}"
    );
    let other = dir.join("other.sav");
    std::fs::write(&other, b"abc").unwrap();
    let (ok, _, err) = emu_gb(&cart, &["--state", other.to_str().unwrap()], b"");
    assert_eq!(ok.code(), Some(2), "{err}");
    assert!(
        err.starts_with("error: ") && err.contains("3 bytes") && err.lines().count() == 1,
        "{err}"
    );
    assert_eq!(std::fs::read(&other).unwrap(), b"abc");
    let _ = std::fs::remove_dir_all(&dir);
}
