//! Model files: what we write loads back (here and in numpy), and every kind of bad file gets a
//! one-line error naming the problem and exit code 2 from the CLI — never a panic.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use testsupport::{python_module, require, shared_model_path};
use z80lm::model::npz::{write_npy, write_zip, Array};
use z80lm::model::{Layer, Model, ModelError};

/// A small valid model: 256 → 4 → 3, charset "AB" + EOS.
fn tiny() -> Model {
    let w1: Vec<i8> = (0..4 * 256)
        .map(|i| [(-2i8), -1, 0, 1][(i * 7 + i / 5) % 4])
        .collect();
    let w2: Vec<i8> = (0..3 * 4).map(|i| [1i8, 0, -1, -2][i % 4]).collect();
    Model {
        layers: vec![
            Layer {
                out: 4,
                inp: 256,
                weights: w1,
                bias: vec![1, -2, 3, 0],
            },
            Layer {
                out: 3,
                inp: 4,
                weights: w2,
                bias: vec![0, 5, -7],
            },
        ],
        charset: b"AB\0".to_vec(),
        warning: None,
    }
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("z80lm-model-files-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// Members of the tiny model, to be edited into bad files.
fn members(model: &Model) -> Vec<(String, Vec<u8>)> {
    let mut m = Vec::new();
    for (i, l) in model.layers.iter().enumerate() {
        m.push((
            format!("fc{}_weight.npy", i + 1),
            write_npy(&Array::i8(vec![l.out, l.inp], &l.weights)),
        ));
        m.push((
            format!("fc{}_bias.npy", i + 1),
            write_npy(&Array::i16(vec![l.out], &l.bias)),
        ));
    }
    m.push((
        "_charset.npy".into(),
        write_npy(&Array::bytes(&model.charset)),
    ));
    m
}

fn replace(m: &mut [(String, Vec<u8>)], name: &str, data: Vec<u8>) {
    m.iter_mut().find(|(n, _)| n == name).unwrap().1 = data;
}

fn remove(m: &mut Vec<(String, Vec<u8>)>, name: &str) {
    m.retain(|(n, _)| n != name);
}

/// Runs `z80lm info FILE` and returns (exit code, stderr).
fn info(path: &Path) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_z80lm"))
        .arg("info")
        .arg(path)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn round_trip_is_identical() {
    let model = tiny();
    let bytes = model.to_npz();
    assert_eq!(Model::from_npz(&bytes).unwrap(), model);
    assert_eq!(model.to_npz(), bytes, "writing is deterministic");
}

#[test]
fn shipped_upstream_models_load_and_round_trip() {
    for name in ["guess", "tinychat"] {
        let m = Model::load(&require!(shared_model_path(name))).unwrap();
        assert_eq!(
            m.layers.iter().map(|l| l.out).collect::<Vec<_>>()[..3],
            [256, 192, 128]
        );
        assert!(m.warning.is_none(), "{name}: {:?}", m.warning);
        assert_eq!(Model::from_npz(&m.to_npz()).unwrap(), m);
    }
    let g = Model::load(&require!(shared_model_path("guess"))).unwrap();
    assert_eq!(g.charset, b"ABEIMNOSWY\0");
}

#[test]
fn numpy_reads_what_we_write() {
    let python = require!(python_module("numpy", "numpy"));
    let model = tiny();
    let path = tmp("numpy.npz");
    model.save(&path).unwrap();
    let script = r#"
import sys, numpy as np
d = np.load(sys.argv[1])
assert sorted(d.files) == ['_architecture', '_charset', 'fc1_bias', 'fc1_weight', 'fc2_bias', 'fc2_weight'], d.files
w1 = d['fc1_weight']; assert w1.dtype == np.int8 and w1.shape == (4, 256)
assert [int(v) for v in w1.flatten()[:8]] == [int(x) for x in sys.argv[2].split(',')]
b2 = d['fc2_bias']; assert b2.dtype == np.int16 and list(b2) == [0, 5, -7], b2
assert d['_charset'].tobytes() == b'AB\x00'
import json; a = json.loads(d['_architecture'].tobytes())
assert a == {"input_size": 256, "hidden_sizes": [4], "num_classes": 3}, a
print("ok")
"#;
    let first: Vec<String> = model.layers[0].weights[..8]
        .iter()
        .map(i8::to_string)
        .collect();
    let out = Command::new(python)
        .args(["-c", script])
        .arg(&path)
        .arg(first.join(","))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "numpy: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "ok");
}

#[test]
fn bad_files_give_one_line_errors_and_exit_2() {
    let model = tiny();
    let good = members(&model);
    let mut cases: Vec<(&str, Vec<u8>, &str)> = Vec::new();
    cases.push((
        "not a zip",
        b"hello, I am not a zip file at all".to_vec(),
        "not a zip archive",
    ));
    cases.push(("empty file", Vec::new(), "not a zip archive"));
    let mut truncated = write_zip(&good);
    truncated.truncate(truncated.len() / 2);
    cases.push((
        "truncated",
        truncated,
        "zip archive is truncated or corrupt",
    ));
    let mut m = good.clone();
    remove(&mut m, "fc2_bias.npy");
    cases.push(("missing array", write_zip(&m), "missing array \"fc2_bias\""));
    let mut m = good.clone();
    remove(&mut m, "_charset.npy");
    cases.push((
        "missing charset",
        write_zip(&m),
        "missing array \"_charset\"",
    ));
    let mut m = good.clone();
    replace(
        &mut m,
        "fc1_weight.npy",
        write_npy(&Array::i16(vec![4, 256], &[0; 1024])),
    );
    cases.push(("wrong dtype", write_zip(&m), "has dtype <i2, expected |i1"));
    let mut m = good.clone();
    replace(
        &mut m,
        "fc1_bias.npy",
        write_npy(&Array::i16(vec![5], &[0; 5])),
    );
    cases.push((
        "wrong bias shape",
        write_zip(&m),
        "has shape [5], expected (4,)",
    ));
    let mut m = good.clone();
    let mut w = model.layers[0].weights.clone();
    w[300] = 2;
    replace(
        &mut m,
        "fc1_weight.npy",
        write_npy(&Array::i8(vec![4, 256], &w)),
    );
    cases.push((
        "weight outside range",
        write_zip(&m),
        "holds 2 at [1][44]; weights must be -2, -1, 0 or +1",
    ));
    let mut m = good.clone();
    replace(&mut m, "_charset.npy", write_npy(&Array::bytes(b"")));
    cases.push(("empty charset", write_zip(&m), "charset is empty"));
    let mut m = good.clone();
    replace(
        &mut m,
        "_charset.npy",
        write_npy(&Array::bytes(&[b'x'; 300])),
    );
    cases.push((
        "oversized charset",
        write_zip(&m),
        "charset has 300 symbols; at most 255",
    ));
    let mut m = good.clone();
    replace(&mut m, "_charset.npy", write_npy(&Array::bytes(b"ABCD")));
    cases.push((
        "charset mismatch",
        write_zip(&m),
        "charset has 4 bytes but the last layer has 3 outputs",
    ));
    let mut m = good.clone();
    replace(
        &mut m,
        "fc2_weight.npy",
        write_npy(&Array::i8(vec![3, 5], &[0; 15])),
    );
    cases.push((
        "inconsistent layers",
        write_zip(&m),
        "fc2 takes 5 inputs but the previous layer has 4 outputs",
    ));
    let mut m = good.clone();
    m.push(("extra.npy".into(), write_npy(&Array::i8(vec![1], &[0]))));
    cases.push((
        "unexpected member",
        write_zip(&m),
        "unexpected array \"extra\"",
    ));
    let mut m = good.clone();
    m.push((
        "fc4_weight.npy".into(),
        write_npy(&Array::i8(vec![1, 3], &[0; 3])),
    ));
    cases.push((
        "gap in layers",
        write_zip(&m),
        "layers must be numbered 1..L without gaps",
    ));
    let mut m = good.clone();
    let mut npy = write_npy(&Array::i8(vec![4, 256], &model.layers[0].weights));
    let at = npy.windows(5).position(|w| w == b"False").unwrap();
    npy.splice(at..at + 5, b"True ".iter().copied());
    replace(&mut m, "fc1_weight.npy", npy);
    cases.push((
        "fortran order",
        write_zip(&m),
        "Fortran order is not supported",
    ));
    let mut m = good.clone();
    replace(&mut m, "fc1_bias.npy", b"\x93NUMPY\x01\x00garbage".to_vec());
    cases.push(("garbage npy", write_zip(&m), "is not a .npy array"));

    for (what, bytes, expect) in cases {
        let path = tmp(&format!("{}.npz", what.replace(' ', "_")));
        std::fs::write(&path, &bytes).unwrap();
        let err = Model::from_npz(&bytes).unwrap_err();
        assert!(
            err.to_string().contains(expect),
            "{what}: library error {err:?} lacks {expect:?}"
        );
        let (code, stderr) = info(&path);
        assert_eq!(code, 2, "{what}: exit code; stderr {stderr}");
        assert_eq!(
            stderr.lines().count(),
            1,
            "{what}: one line expected, got {stderr}"
        );
        assert!(
            stderr.starts_with("error: ") && stderr.contains(expect),
            "{what}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{what}: {stderr}");
    }
}

#[test]
fn missing_file_is_a_clear_error() {
    let (code, stderr) = info(Path::new("/nonexistent/model.npz"));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("cannot read /nonexistent/model.npz"),
        "{stderr}"
    );
    assert!(matches!(
        Model::load(Path::new("/nonexistent")),
        Err(ModelError::Io(..))
    ));
}

#[test]
fn info_reports_layers_and_targets() {
    let path = tmp("info.npz");
    tiny().save(&path).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_z80lm"))
        .arg("info")
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("architecture  256 → 4 → 3"), "{text}");
    assert!(text.contains("charset       2 symbols + EOS: AB"), "{text}");
    assert!(text.contains("fc1    4×256"), "{text}");
    assert!(text.contains("cpm"), "{text}");
    // Every target is built: each row reports its real build.
    assert!(!text.contains("not yet built"), "{text}");
    for board in ["cpm ", "rc2014-classic", "rc2014-512k", "gb-mbc5", "zx48 "] {
        let row = text
            .lines()
            .find(|l| l.split_whitespace().nth(1) == Some(board.trim()))
            .unwrap_or_else(|| panic!("no {board} row: {text}"));
        assert!(row.contains(" yes ") && row.contains("ready: "), "{row}");
    }
}

mod mutations {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        /// Stable-Rust stand-in for the cargo-fuzz target: mutate a valid file at random places;
        /// the loader returns a model or an error, never panics.
        #[test]
        fn mutated_files_never_panic(edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8), cut in any::<usize>()) {
            let mut bytes = tiny().to_npz();
            for (at, v) in edits {
                let n = bytes.len();
                bytes[at % n] = v;
            }
            if cut % 4 == 0 {
                bytes.truncate(cut % (bytes.len() + 1));
            }
            let _ = Model::from_npz(&bytes);
        }

        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = Model::from_npz(&bytes);
        }
    }
}
