//! Helpers shared by the host tests: running the binary, scratch directories. `../shared`, the
//! shipped examples, vector files and tools come from `testsupport` (with its `require!`).

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

/// The `z80lm` binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_z80lm");

/// Runs `z80lm` with `args` to the end.
pub fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().expect("run z80lm")
}

/// Runs `z80lm` with `args`: exit code, stdout, stderr.
pub fn z80lm(args: &[&str]) -> (i32, String, String) {
    let out = run(args);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A fresh, empty scratch directory for one test (`name` keeps tests apart).
pub fn tmpdir(name: &str) -> PathBuf {
    testsupport::scratch(name)
}

/// `z80lm args` with a pty as its terminal: the child, the master side (non-blocking) and the
/// slave (to read the terminal's modes).
#[cfg(unix)]
pub fn spawn_on_pty(
    args: &[&std::ffi::OsStr],
) -> (std::process::Child, std::fs::File, std::os::fd::OwnedFd) {
    use std::os::fd::{AsFd, AsRawFd};
    use std::process::Stdio;
    let pty = nix::pty::openpty(None, None).unwrap();
    let slave = pty.slave;
    let io = || Stdio::from(slave.try_clone().unwrap());
    let child = Command::new(BIN)
        .args(args)
        .stdin(io())
        .stdout(io())
        .stderr(io())
        .spawn()
        .unwrap();
    let master = std::fs::File::from(pty.master);
    nix::fcntl::fcntl(
        master.as_fd().as_raw_fd(),
        nix::fcntl::FcntlArg::F_SETFL(nix::fcntl::OFlag::O_NONBLOCK),
    )
    .unwrap();
    (child, master, slave)
}

/// Reads the pty's master side until `want` appears in what was read from byte `from` on (or
/// `secs` pass); `seen` keeps everything read.
#[cfg(unix)]
pub fn read_pty_until(
    master: &mut std::fs::File,
    seen: &mut Vec<u8>,
    from: usize,
    want: &[u8],
    secs: u64,
) {
    use std::io::Read;
    use std::time::{Duration, Instant};
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut buf = [0u8; 4096];
    while !seen[from.min(seen.len())..]
        .windows(want.len())
        .any(|w| w == want)
    {
        assert!(
            Instant::now() < deadline,
            "no {:?} in {:?}",
            String::from_utf8_lossy(want),
            String::from_utf8_lossy(&seen[seen.len().saturating_sub(2000)..])
        );
        match master.read(&mut buf) {
            Ok(n) => seen.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(10))
            }
            Err(e) => panic!("{e}"),
        }
    }
}

/// Waits up to `secs` for `child` to end; `what` names it in the failure.
pub fn wait_exit(
    child: &mut std::process::Child,
    secs: u64,
    what: &str,
) -> std::process::ExitStatus {
    use std::time::{Duration, Instant};
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        assert!(Instant::now() < deadline, "{what} did not end");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A small dataset for CLI tests: `z80lm data tinychat --variants 1` (seed 1) written to `dir`.
pub fn tinychat_data(dir: &std::path::Path) -> PathBuf {
    let path = dir.join("tinychat.txt");
    let (code, _, err) = z80lm(&[
        "data",
        "tinychat",
        "--variants",
        "1",
        "-o",
        path.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    path
}
