//! `z80lm train` refuses a learning rate that cannot train (NaN, infinite, zero, negative or
//! absurdly large) in one line, before any training and without writing the output (issue 15,
//! B6: `--lr NaN` trained an all-zero model and exited 0).

mod common;

use common::{tmpdir, z80lm};

#[test]
fn a_learning_rate_that_cannot_train_is_refused() {
    let dir = tmpdir("train-lr");
    let data = dir.join("data.txt");
    std::fs::write(&data, "hello|HI\nis it a chair|WIN\n").unwrap();
    let out = dir.join("m.npz");
    for lr in ["NaN", "inf", "-inf", "0", "-0.01", "5"] {
        let (code, _, err) = z80lm(&[
            "train",
            data.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--epochs",
            "1",
            &format!("--lr={lr}"),
        ]);
        assert_eq!(code, 2, "--lr {lr}: {err}");
        assert_eq!(err.lines().count(), 1, "--lr {lr}: {err}");
        assert!(
            err.starts_with("error: --lr must be above 0 and at most 1"),
            "--lr {lr}: {err}"
        );
        assert!(!out.exists(), "--lr {lr} wrote a model");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
