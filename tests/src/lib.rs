//! Hardware-in-the-loop harness: build with the real path, boot a machine, script the console,
//! compare with the host reference.
//!
//! Every image here comes from `z80lm::engine` (the same path as `z80lm build`); every answer
//! from typing into the emulated board's console. Data from `../shared` (spec vectors, upstream
//! models) is optional: helpers return `None` and tests skip with a printed reason.

pub mod cpm;
pub mod rc2014;
pub mod zx;

use std::path::PathBuf;

use z80lm::model::Model;

/// `../shared` beside the workspace, if present.
pub fn shared_dir() -> Option<PathBuf> {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared");
    d.is_dir().then_some(d)
}

/// A shipped model (`guess`, `tinychat`) from `../shared/data`, or `None` with a printed reason.
pub fn shared_model(name: &str) -> Option<Model> {
    let p = shared_dir()?.join("data").join(name).join("model.npz");
    match Model::load(&p) {
        Ok(m) => Some(m),
        Err(e) => {
            eprintln!("skipping: {}: {e}", p.display());
            None
        }
    }
}

/// One test vector: the raw prompt line and the expected response (spec §12).
pub type Vector = (Vec<u8>, Vec<u8>);

/// The vectors of `../shared/vectors/<name>.tsv`, or `None` with a printed reason.
pub fn shared_vectors(name: &str) -> Option<Vec<Vector>> {
    let p = shared_dir()?.join("vectors").join(format!("{name}.tsv"));
    let Ok(text) = std::fs::read(&p) else {
        eprintln!("skipping: cannot read {}", p.display());
        return None;
    };
    Some(
        text.split(|&b| b == b'\n')
            .filter(|l| !l.is_empty() && l[0] != b'#')
            .filter_map(|l| {
                let t = l.iter().position(|&b| b == b'\t')?;
                Some((l[..t].to_vec(), l[t + 1..].to_vec()))
            })
            .collect(),
    )
}

/// Skips the calling test (prints why) when `../shared` is absent.
#[macro_export]
macro_rules! need {
    ($e:expr) => {
        match $e {
            Some(v) => v,
            None => {
                eprintln!("skipping {}: ../shared data not available", module_path!());
                return;
            }
        }
    };
}
