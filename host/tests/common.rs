//! Helpers shared by the host tests: locating `../shared` and reading vector files.

#![allow(dead_code)]

use std::path::PathBuf;

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
