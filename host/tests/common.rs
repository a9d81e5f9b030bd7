//! Helpers shared by the host tests: locating `../shared` and reading vector files.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

/// `../shared` beside the workspace, if present (it is in CI, not in a fresh clone).
pub fn shared() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared");
    p.join("spec/inference.md").exists().then_some(p)
}

/// `(prompt, response)` pairs of a vector file: split at the first TAB, no trimming (spec §12).
pub fn vectors(text: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
    text.split(|&b| b == b'\n')
        .filter(|l| !l.is_empty() && l[0] != b'#')
        .map(|l| {
            let tab = l
                .iter()
                .position(|&b| b == b'\t')
                .expect("vector line without TAB");
            (l[..tab].to_vec(), l[tab + 1..].to_vec())
        })
        .collect()
}

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
    let d = std::env::temp_dir().join(format!("z80lm-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}
