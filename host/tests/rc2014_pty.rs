//! The RC2014 user journey with the real binaries over a pseudo-terminal: `z80lm build
//! --target rc2014`, `z80lm emu` (the emulated RC2014 512K with its SIO on a pty), `z80lm flash`
//! through our resident loader, then chat over the port with our serial code and compare every
//! public vector; the flash survives an emulator restart; Debian's `sx` sends into our loader;
//! the port vanishing mid-transfer ends in a clear error and an image that never boots.

#![cfg(all(target_os = "linux", feature = "pty"))]

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use z80lm::flash::serial::Serial;
use z80lm::flash::{Link, SystemClock};

use common::{run as z80lm, tmpdir, BIN};

/// `z80lm emu --board rc2014-512k` in the background; stopped (Ctrl-C, so it saves the flash)
/// when dropped.
struct Emu {
    child: Child,
    port: String,
}

impl Emu {
    fn start(state: &Path, fast: bool) -> Emu {
        Emu::start_rom(state, fast, None)
    }

    /// As [`Emu::start`], starting from `rom` (`--rom`) when given.
    fn start_rom(state: &Path, fast: bool, rom: Option<&Path>) -> Emu {
        let mut cmd = Command::new(BIN);
        cmd.args(["emu", "--board", "rc2014-512k", "--state"])
            .arg(state)
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if fast {
            cmd.arg("--fast");
        }
        if let Some(rom) = rom {
            cmd.arg("--rom").arg(rom);
        }
        let mut child = cmd.spawn().expect("start z80lm emu");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line.trim().to_string();
        assert!(port.starts_with("/dev/"), "emu printed {line:?}");
        Emu { child, port }
    }

    /// Ctrl-C, as a user stops it; waits for it to save and exit.
    fn stop(mut self) {
        self.interrupt();
    }

    fn interrupt(&mut self) {
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        for _ in 0..100 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Emu {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.interrupt();
        }
    }
}

/// A terminal on the port, using the same serial code as `z80lm term`.
struct Term(Link<Serial, SystemClock>);

impl Term {
    fn open(port: &str) -> Term {
        Term(Link::new(
            Serial::open(port, 115_200).unwrap(),
            SystemClock::default(),
        ))
    }

    /// Reads until the text seen ends with `suffix`; panics with the transcript after `secs`.
    fn until(&mut self, suffix: &[u8], secs: u64) -> Vec<u8> {
        match self.read_until(suffix, Duration::from_secs(secs)) {
            Ok(seen) => seen,
            Err(seen) => panic!(
                "no {:?} within {secs} s; the board said {:?}",
                String::from_utf8_lossy(suffix),
                String::from_utf8_lossy(&seen)
            ),
        }
    }

    /// Reads until the text seen ends with `suffix` (Ok) or `wait` passes (Err): what was seen.
    fn read_until(&mut self, suffix: &[u8], wait: Duration) -> Result<Vec<u8>, Vec<u8>> {
        let mut seen = Vec::new();
        let deadline = std::time::Instant::now() + wait;
        while std::time::Instant::now() < deadline {
            if let Some(b) = self.0.read_byte(Duration::from_millis(50)).unwrap() {
                seen.push(b);
                if seen.ends_with(suffix) {
                    return Ok(seen);
                }
            }
        }
        Err(seen)
    }

    /// After an upload: reads up to `suffix`, which must include the loader's report of the
    /// CRC-32 it read back from flash; then the engine it booted answers.
    fn flashed_and_answering(&mut self, suffix: &[u8]) {
        let said = self.until(suffix, 120);
        let said = String::from_utf8_lossy(&said);
        assert!(said.contains("ok: flash crc32"), "{said}");
        assert_eq!(self.ask(b"is it a chair"), b"WIN");
    }

    /// Sends a line and returns the response (between the echo's CR LF and the next CR LF).
    fn ask(&mut self, line: &[u8]) -> Vec<u8> {
        let mut k = line.to_vec();
        k.push(b'\r');
        self.0.send(&k).unwrap();
        let out = self.until(b"\r\n> ", 60);
        let (start, end) = z80lm::engine::response_span(&out);
        out[start..end].to_vec()
    }
}

/// `z80lm flash` of `bin` to `port` with `extra` options must succeed and verify; then the
/// flashed engine answers on the port.
fn flash_then_ask(port: &str, bin: &Path, extra: &[&str]) {
    let mut args = vec!["flash", "--port", port];
    args.extend_from_slice(extra);
    args.push(bin.to_str().unwrap());
    let o = z80lm(&args);
    let said = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "flash failed: {said}");
    assert!(said.contains("verified"), "{said}");
    two_phases(&said);
    let mut t = Term::open(port);
    // `flash` ends at the loader's "ok" line, and the engine starts as the loader's "booting"
    // follows: its first prompt is still on the way, or read by `flash` already. Wait for it
    // (or 2 s): a key typed before the engine has set up its UART is lost, as on a board, and
    // its prompt left on the line would be taken for the answer to the empty line below.
    let _ = t.read_until(b"> ", Duration::from_secs(2));
    // An empty line: the engine answers with a fresh prompt.
    t.0.send(b"\r").unwrap();
    t.until(b"\r\n> ", 30);
    assert_eq!(t.ask(b"is it a chair"), b"WIN");
}

/// The shipped example guess model built for the 512K board: `CHAT.bin` (and `.hex`, `.upl`).
fn build_guess(dir: &Path) -> PathBuf {
    let bin = dir.join("CHAT.bin");
    let model = testsupport::example_model_path("guess");
    let o = z80lm(&[
        "build",
        "--model",
        model.to_str().unwrap(),
        "--target",
        "rc2014",
        "--board",
        "rc2014-512k",
        "-o",
        bin.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for ext in ["hex", "upl"] {
        assert!(
            bin.with_extension(ext).exists(),
            "no .{ext} beside the .bin"
        );
    }
    bin
}

#[test]
fn flash_over_the_pty_then_chat_every_vector_after_an_emulator_restart() {
    let dir = tmpdir("pty-flash");
    let bin = build_guess(&dir);
    let model = z80lm::model::Model::load(&testsupport::example_model_path("guess")).unwrap();
    let vectors: Vec<(Vec<u8>, Vec<u8>)> = testsupport::example_prompts("guess")
        .into_iter()
        .map(|p| {
            let r = z80lm::model::respond(&model, &p);
            (p, r)
        })
        .collect();
    let state = dir.join("flash.state");

    // Real time, as a board: the loader's key window and the flash timing are wall-clock.
    let emu = Emu::start(&state, false);
    flash_then_ask(&emu.port, &bin, &["--board", "rc2014-512k"]);
    emu.stop();

    // The flash was saved: a restarted emulator boots the stored image through the loader.
    let emu = Emu::start(&state, true);
    let mut t = Term::open(&emu.port);
    let banner = t.until(b"> ", 60);
    let banner = String::from_utf8_lossy(&banner);
    assert!(banner.contains("image ok"), "{banner}");
    let mut bad = Vec::new();
    for (prompt, want) in &vectors {
        let got = t.ask(prompt);
        if &got != want {
            bad.push(format!(
                "{:?}: want {:?} got {:?}",
                String::from_utf8_lossy(prompt),
                String::from_utf8_lossy(want),
                String::from_utf8_lossy(&got)
            ));
        }
    }
    assert!(
        bad.is_empty(),
        "{} of {} differ:\n{}",
        bad.len(),
        vectors.len(),
        bad.join("\n")
    );
    drop(t);
    emu.stop();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn lrzsz_sx_sends_into_our_loader() {
    let sx = testsupport::require!(testsupport::tool("sx", "Debian lrzsz"));
    let dir = tmpdir("pty-sx");
    let bin = build_guess(&dir);
    let emu = Emu::start(&dir.join("flash.state"), false);
    // A blank flash: the loader says so and waits for a transfer.
    let mut t = Term::open(&emu.port);
    t.until(b"intel hex\r\n", 30);
    drop(t);
    let tty = || {
        std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&emu.port)
            .unwrap()
    };
    let o = Command::new(sx)
        .args(["-k", "-q"])
        .arg(bin.with_extension("upl"))
        .stdin(tty())
        .stdout(tty())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "sx failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    Term::open(&emu.port).flashed_and_answering(b"> ");
    emu.stop();
    let _ = std::fs::remove_dir_all(&dir);
}

/// The 4K sectors of the flash where `image` differs from `state`: what an upload programs.
fn differing_sectors(state: &[u8], image: &[u8]) -> Vec<usize> {
    (0..image.len() / SECTOR)
        .filter(|&k| state[k * SECTOR..(k + 1) * SECTOR] != image[k * SECTOR..(k + 1) * SECTOR])
        .collect()
}

const SECTOR: usize = 4096;

/// The flash as the emulator last saved it (it saves a changed flash every 200 ms), once it is
/// there whole.
fn saved_flash(state: &Path, size: usize) -> Option<Vec<u8>> {
    std::fs::read(state).ok().filter(|b| b.len() == size)
}

#[test]
fn port_vanishing_mid_transfer_is_a_clear_error_and_nothing_half_written_boots() {
    let dir = tmpdir("pty-vanish");
    let bin = build_guess(&dir);
    let image = std::fs::read(&bin).unwrap();
    let state = dir.join("flash.state");
    let mut emu = Emu::start(&state, false);
    // The blank board's flash (the loader alone), and the sectors the upload will program.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let baseline = loop {
        if let Some(b) = saved_flash(&state, image.len()) {
            break b;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "emu never saved its flash"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let todo = differing_sectors(&baseline, &image);
    assert!(todo.len() > 2, "the upload programs {} sectors", todo.len());
    let flash = Command::new(BIN)
        .args(["flash", "--board", "rc2014-512k", "--port", &emu.port])
        .arg(&bin)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Pull the plug once the flash holds some of the new sectors and lacks others: the
    // transfer is under way at the cut, not yet started or already over.
    let done = |flash: &[u8]| {
        todo.iter()
            .filter(|&&k| {
                flash[k * SECTOR..(k + 1) * SECTOR] == image[k * SECTOR..(k + 1) * SECTOR]
            })
            .count()
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    loop {
        if let Some(now) = saved_flash(&state, image.len()) {
            let n = done(&now);
            assert!(n < todo.len(), "the upload ended before the cut");
            if n > 0 {
                break;
            }
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the upload never started"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = emu.child.kill();
    let _ = emu.child.wait();
    let o = flash.wait_with_output().unwrap();
    let said = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "flash claimed success: {said}");
    assert!(!said.contains("panicked"), "{said}");
    let last = said.lines().last().unwrap_or_default();
    assert!(last.starts_with("error:"), "{said}");
    // What the board kept is part of the new image: bytes were in flight at the cut.
    let kept = saved_flash(&state, image.len()).unwrap();
    let n = done(&kept);
    assert!(
        0 < n && n < todo.len(),
        "{n} of {} sectors kept at the cut",
        todo.len()
    );
    // Whatever reached the flash, the loader stays in charge after a restart.
    let emu = Emu::start(&state, true);
    let mut t = Term::open(&emu.port);
    let banner = t.until(b"intel hex\r\n", 30);
    let banner = String::from_utf8_lossy(&banner);
    assert!(!banner.contains("booting"), "{banner}");
    drop(t);
    emu.stop();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn wrong_baud_rate_is_a_clear_error() {
    let dir = tmpdir("pty-baud");
    let bin = build_guess(&dir);
    let emu = Emu::start(&dir.join("flash.state"), false);
    let o = z80lm(&[
        "flash",
        "--port",
        &emu.port,
        "--baud",
        "9600",
        "--wait",
        "3",
        bin.to_str().unwrap(),
    ]);
    let said = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{said}");
    assert!(
        said.contains("did not answer") && said.contains("115200 baud"),
        "{said}"
    );
    assert_eq!(said.lines().count(), 1, "one line: {said}");
    emu.stop();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn term_streams_the_chat_from_a_pipe() {
    let dir = tmpdir("pty-term");
    let bin = build_guess(&dir);
    let state = dir.join("flash.state");
    // Seed the emulator with the image (as a programmer would), then talk through `term`.
    let emu = Emu::start_rom(&state, true, Some(&bin));
    let mut term = Command::new(BIN)
        .args(["term", "--port", &emu.port])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = term.stdin.take().unwrap();
    let stdout = term.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::Read;
        let mut out = stdout;
        let mut buf = [0u8; 256];
        while let Ok(n) = out.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let mut wait_for = |want: &[u8]| {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while !seen.windows(want.len()).any(|w| w == want) {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match rx.recv_timeout(left) {
                Ok(b) => seen.extend(b),
                Err(_) => panic!(
                    "term never showed {:?}: {:?}",
                    String::from_utf8_lossy(want),
                    String::from_utf8_lossy(&seen)
                ),
            }
        }
    };
    wait_for(b"> ");
    use std::io::Write;
    stdin.write_all(b"is it a chair\r").unwrap();
    wait_for(b"WIN\r\n> ");
    drop(stdin);
    let status = term.wait().unwrap();
    assert!(
        status.success(),
        "term exits cleanly at the end of its input"
    );
    emu.stop();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn flash_finds_a_loader_that_is_already_waiting() {
    // A real board does not hear the emulator's reset bytes: with --no-reset, flash must still
    // find a loader that printed its ready line before flash started (blank flash).
    let dir = tmpdir("pty-waiting");
    let bin = build_guess(&dir);
    let emu = Emu::start(&dir.join("flash.state"), false);
    let mut t = Term::open(&emu.port);
    t.until(b"intel hex\r\n", 30);
    drop(t);
    std::thread::sleep(Duration::from_secs(1));
    flash_then_ask(&emu.port, &bin, &["--no-reset", "--wait", "10"]);
    emu.stop();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_plain_terminal_sends_the_intel_hex_into_the_loader() {
    let dir = tmpdir("pty-hex");
    let bin = build_guess(&dir);
    let hex = std::fs::read(bin.with_extension("hex")).unwrap();
    let emu = Emu::start(&dir.join("flash.state"), true);
    let mut t = Term::open(&emu.port);
    t.until(b"intel hex\r\n", 30);
    // As a person would: a moment after the ready line, the file as it is.
    std::thread::sleep(Duration::from_millis(500));
    t.0.send(&hex).unwrap();
    t.flashed_and_answering(b"booting\r\n> ");
    drop(t);
    emu.stop();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn flash_takes_every_file_the_512k_build_writes() {
    // The .upl and the .hex carry the same application as the .bin: flashing the second over
    // the first leaves every sector as it is.
    let dir = tmpdir("pty-files");
    let bin = build_guess(&dir);
    let emu = Emu::start(&dir.join("flash.state"), false);
    flash_then_ask(&emu.port, &bin.with_extension("upl"), &[]);
    let o = z80lm(&[
        "flash",
        "--port",
        &emu.port,
        bin.with_extension("hex").to_str().unwrap(),
    ]);
    let said = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "flash failed: {said}");
    assert!(said.contains("(0 sectors written"), "{said}");
    emu.stop();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn emu_rom_replaces_the_state_and_no_rom_resumes_it() {
    let dir = tmpdir("pty-state");
    let bin = build_guess(&dir);
    let state = dir.join("flash.state");
    // A state holding only the loader (a blank board, stopped).
    Emu::start(&state, true).stop();
    let start = |rom: Option<&Path>| Emu::start_rom(&state, true, rom);
    // --rom wins over the existing state ...
    let emu = start(Some(&bin));
    let mut t = Term::open(&emu.port);
    t.until(b"booting\r\n> ", 60);
    drop(t);
    emu.stop();
    // ... and was saved: without --rom the image is still there.
    let emu = start(None);
    let mut t = Term::open(&emu.port);
    t.until(b"booting\r\n> ", 60);
    assert_eq!(t.ask(b"is it a chair"), b"WIN");
    drop(t);
    emu.stop();
    let _ = std::fs::remove_dir_all(&dir);
}

/// Without `--state` the 512K board's flash lives in the user's data directory (XDG), the
/// emulator says where, and nothing is created in the current directory; `--state` overrides.
#[test]
fn the_flash_state_lives_in_the_data_directory_unless_state_says_otherwise() {
    let dir = tmpdir("pty-xdg");
    let (data, cwd) = (dir.join("data"), dir.join("cwd"));
    std::fs::create_dir_all(&cwd).unwrap();
    let mut child = Command::new(BIN)
        .args(["emu", "--board", "rc2014-512k", "--fast"])
        .env("XDG_DATA_HOME", &data)
        .current_dir(&cwd)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.starts_with("/dev/"), "{line:?}");
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    let state = data.join("z80lm/rc2014-512k.flash");
    assert!(
        err.contains(&format!("flash state: {} (new;", state.display())),
        "{err}"
    );
    assert!(state.is_file(), "{err}");
    assert_eq!(
        std::fs::read_dir(&cwd).unwrap().count(),
        0,
        "nothing in the cwd"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `flash` reports the transfer (bytes, rate) and then the programming (sectors) as two
/// phases; a rate no serial line could carry (an unpaced emulator) is given as throughput, not
/// as a percentage of the line.
fn two_phases(said: &str) {
    let lines: Vec<&str> = said.lines().collect();
    let t = lines
        .iter()
        .position(|l| l.starts_with("transfer: "))
        .unwrap_or_else(|| panic!("no transfer line: {said}"));
    let p = lines
        .iter()
        .position(|l| l.starts_with("programming: "))
        .unwrap_or_else(|| panic!("no programming line: {said}"));
    assert!(t < p, "{said}");
    assert!(
        lines[t].contains(" bytes in ") && lines[t].contains("bytes/s"),
        "{said}"
    );
    assert!(lines[p].contains(" sectors ("), "{said}");
    if let Some(pct) = lines[t]
        .split("bytes/s, ")
        .nth(1)
        .and_then(|r| r.split('%').next())
    {
        if let Ok(pct) = pct.parse::<f64>() {
            assert!(pct <= 105.0, "a percentage of the line above 100: {said}");
        }
    }
}

#[test]
fn flash_to_an_unpaced_emulator_reports_throughput_in_two_phases() {
    let dir = tmpdir("pty-phases");
    let bin = build_guess(&dir);
    let emu = Emu::start(&dir.join("flash.state"), true);
    let o = z80lm(&["flash", "--port", &emu.port, bin.to_str().unwrap()]);
    let said = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "flash failed: {said}");
    two_phases(&said);
    // An unpaced emulator usually outruns the line; on a loaded machine it may not, and then the
    // line's share is the right thing to say. Either way the text must match the rate it shows.
    let rate: f64 = said
        .split(" bytes/s")
        .next()
        .and_then(|head| head.rsplit('(').next())
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no rate: {said}"));
    if rate > 11_520.0 * 1.05 {
        assert!(
            said.contains("faster than a 115200-baud line: an unpaced link"),
            "{said}"
        );
    } else {
        assert!(said.contains("% of the 115200-baud line"), "{said}");
    }
    emu.stop();
    let _ = std::fs::remove_dir_all(&dir);
}

/// A second program on a port another one holds is told it is busy, not that it is missing
/// (issue 15 B13).
#[test]
fn a_busy_port_is_busy_not_missing() {
    let dir = tmpdir("pty-busy");
    let bin = build_guess(&dir);
    let emu = Emu::start(&dir.join("flash.state"), true);
    let held = Term::open(&emu.port);
    for args in [
        vec!["flash", "--port", &emu.port, bin.to_str().unwrap()],
        vec!["term", "--port", &emu.port],
    ] {
        let o = z80lm(&args);
        let said = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {said}");
        assert_eq!(
            said.trim_end(),
            format!(
                "error: {} is in use by another program (see kicad-notes/troubleshooting.md#port-busy)",
                emu.port
            ),
            "{args:?}"
        );
    }
    drop(held);
    emu.stop();
    let _ = std::fs::remove_dir_all(&dir);
}

/// `emu --link`: a file already there is refused and kept; the link it makes goes away on
/// SIGTERM as on Ctrl-C (issue 15 B9).
#[test]
fn emu_link_never_replaces_a_file_and_goes_away_on_sigterm() {
    let dir = tmpdir("pty-link");
    let state = dir.join("flash.state");
    let file = dir.join("notes.txt");
    std::fs::write(&file, b"keep me").unwrap();
    let o = z80lm(&[
        "emu",
        "--board",
        "rc2014-512k",
        "--state",
        state.to_str().unwrap(),
        "--link",
        file.to_str().unwrap(),
    ]);
    let said = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{said}");
    assert!(said.contains("already exists"), "{said}");
    assert_eq!(std::fs::read(&file).unwrap(), b"keep me");

    let link = dir.join("rc2014");
    let mut child = Command::new(BIN)
        .args(["emu", "--board", "rc2014-512k", "--fast", "--state"])
        .arg(&state)
        .arg("--link")
        .arg(&link)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(
        std::fs::read_link(&link).unwrap(),
        PathBuf::from(line.trim()),
        "the link names the pty"
    );
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    assert!(
        std::fs::symlink_metadata(&link).is_err(),
        "a dangling link was left"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// B11: a flashed application that halts with interrupts off leaves the board up (as a real
/// one stays powered): the emulator says it halted and keeps serving, and the reset sequence
/// restarts the loader, where a key gets to the loader to flash something else.
#[test]
fn a_halted_board_stays_up_and_resets_on_request() {
    use std::io::Read;
    let dir = tmpdir("pty-halt");
    // DI; HALT: nothing but reset wakes it.
    let upl = dir.join("HALT.upl");
    std::fs::write(&upl, z80rom::loader::upload(&[0xF3, 0x76])).unwrap();
    let mut child = Command::new(BIN)
        .args(["emu", "--board", "rc2014-512k", "--fast", "--state"])
        .arg(dir.join("flash.state"))
        .arg("--rom")
        .arg(&upl)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    // Stderr, as it comes.
    let (tx, said) = std::sync::mpsc::channel();
    let mut err = child.stderr.take().unwrap();
    let mut emu = Emu {
        child,
        port: line.trim().to_string(),
    };
    std::thread::spawn(move || {
        let mut buf = [0u8; 256];
        while let Ok(n @ 1..) = err.read(&mut buf) {
            let _ = tx.send(buf[..n].to_vec());
        }
    });
    let mut stderr = Vec::new();
    let halts = |n: usize, stderr: &mut Vec<u8>| {
        let want = "the board halted (CPU halted with interrupts off at PC=";
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while String::from_utf8_lossy(stderr).matches(want).count() < n {
            assert!(
                std::time::Instant::now() < deadline,
                "{}",
                String::from_utf8_lossy(stderr)
            );
            if let Ok(b) = said.recv_timeout(Duration::from_millis(100)) {
                stderr.extend(b);
            }
        }
    };
    let mut t = Term::open(&emu.port);
    t.until(b"booting\r\n", 60);
    halts(1, &mut stderr);
    assert!(
        emu.child.try_wait().unwrap().is_none(),
        "the emulator ended"
    );
    // Reset: the loader starts again and boots the application, which halts again ...
    t.0.send(&[0x1C; 3]).unwrap();
    t.until(b"booting\r\n", 60);
    halts(2, &mut stderr);
    // ... and a key inside the loader's window stays in the loader.
    t.0.send(&[0x1C; 3]).unwrap();
    t.until(b"press a key within 1.5 s for the loader\r\n", 60);
    t.0.send(b" ").unwrap();
    t.until(b"as intel hex\r\n", 60);
    drop(t);
    emu.interrupt();
    let status = emu.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `flash --block 128` (XMODEM's original blocks, for receivers without 1K) programs the same
/// image, and `--monitor` opens the terminal on the port afterwards: the engine it booted
/// shows its first prompt there and chats from the keyboard (here a pipe).
#[test]
fn flash_with_128_byte_blocks_then_the_monitor_chats() {
    let dir = tmpdir("pty-monitor");
    let bin = build_guess(&dir);
    let emu = Emu::start(&dir.join("flash.state"), true);
    let mut flash = Command::new(BIN)
        .args(["flash", "--port", &emu.port, "--block", "128", "--monitor"])
        .arg(&bin)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = flash.stdin.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = flash.stdout.take().unwrap();
    std::thread::spawn(move || {
        use std::io::Read;
        let mut out = stdout;
        let mut buf = [0u8; 256];
        while let Ok(n) = out.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    use std::io::Write;
    let mut seen = Vec::new();
    // The booted engine's first prompt shows without a key pressed: the terminal runs on the
    // port flash used, so nothing the board said in between is lost.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !seen.ends_with(b"booting\r\n> ") {
        assert!(
            std::time::Instant::now() < deadline,
            "the monitor never showed the engine's first prompt: {:?}",
            String::from_utf8_lossy(&seen)
        );
        if let Ok(b) = rx.recv_timeout(Duration::from_millis(500)) {
            seen.extend(b);
        }
    }
    stdin.write_all(b"is it a chair\r").unwrap();
    let from = seen.len();
    while !seen[from..].ends_with(b"WIN\r\n> ") {
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(b) => seen.extend(b),
            Err(_) => panic!("no WIN: {:?}", String::from_utf8_lossy(&seen[from..])),
        }
    }
    drop(stdin);
    let o = flash.wait_with_output().unwrap();
    let said = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{said}");
    assert!(said.contains("verified"), "{said}");
    emu.stop();
    let _ = std::fs::remove_dir_all(&dir);
}

/// `z80lm flash --restore` over the pty of `z80lm emu` (issue 18 item 4): a 512K ROM that is no
/// z80lm image (a program at 0000h that echoes in upper case, filler never 0xFF elsewhere)
/// replaces the whole flash, loader included; the board resets into it and the saved flash is
/// the file byte for byte.
#[test]
fn restore_over_the_pty_puts_a_foreign_rom_on_the_whole_flash() {
    use z80rom::asm::{assemble, Cpu, Layered, MemFiles};
    let dir = tmpdir("pty-restore");
    let src = "    org 0\n    di\n    xor a\n    out (0x78),a\n    ld a,0x3F\n    out (0x7B),a\n    ld a,1\n    out (0x7C),a\n    ld sp,0\n    call con_init\necho: call con_in\n    cp 'a'\n    jr c,.out\n    sub 0x20\n.out: call con_out\n    jr echo\n    include \"drivers/sio.asm\"\n";
    let top = MemFiles::new().with("rom.asm", src);
    let lib = z80rom::loader::files();
    let (_, mut rom) = assemble(&Layered::new(&top, &lib), "rom.asm", Cpu::Z80)
        .unwrap()
        .flat(0xFF);
    while rom.len() < 0x8_0000 {
        let i = rom.len();
        rom.push(((i / 0x4000 * 37 + i * 7) % 255) as u8);
    }
    let file = dir.join("FOREIGN.rom");
    std::fs::write(&file, &rom).unwrap();
    let state = dir.join("flash.state");
    let emu = Emu::start(&state, true);
    let o = z80lm(&[
        "flash",
        "--restore",
        "--port",
        &emu.port,
        file.to_str().unwrap(),
    ]);
    let said = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "restore failed: {said}");
    let crc = z80rom::loader::CRC32.checksum(&rom);
    assert!(
        said.contains("transfer: 540688 bytes in two passes")
            && said.contains("programming: 128 sectors")
            && said.contains(&format!("crc32 {crc:08x} verified"))
            && said.contains("the board reset into the new firmware")
            && !said.contains("warning"),
        "{said}"
    );
    let mut t = Term::open(&emu.port);
    t.0.send(b"restored").unwrap();
    t.until(b"RESTORED", 10);
    drop(t);
    emu.stop();
    let saved = saved_flash(&state, rom.len()).expect("the flash state");
    assert!(saved == rom, "the saved flash differs from the ROM");
    let _ = std::fs::remove_dir_all(&dir);
}
