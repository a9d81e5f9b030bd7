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
