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

/// Ctrl-C says it interrupted and exits 130, whether or not an epoch had ended (issue 15 B7:
/// before the first epoch it said "no model without 16-bit overflow was found", later it
/// exited 0).
#[test]
fn ctrl_c_says_interrupted_and_exits_130() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let dir = tmpdir("train-int");
    let data = dir.join("data.txt");
    let (code, _, err) = z80lm(&[
        "data",
        "guess",
        "--secret",
        "chair",
        "-o",
        data.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let out = dir.join("m.npz");
    let mut child = Command::new(common::BIN)
        .args(["train", data.to_str().unwrap(), "-o", out.to_str().unwrap()])
        .args(["--epochs", "50"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut said = String::new();
    // The handler is in place once training starts.
    while !said.contains("training [") {
        assert!(err.read_line(&mut said).unwrap() > 0, "{said}");
    }
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut err, &mut rest).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{said}{rest}");
    let last = rest.lines().last().unwrap_or_default();
    assert!(last.starts_with("error: interrupted"), "{said}{rest}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Data that is mostly not `input|OUTPUT` lines (here 20 KB of random bytes) is refused in one
/// line before training (issue 15 B8: it was accepted with 21 warnings and trained on).
#[test]
fn mostly_unparseable_data_is_refused() {
    let dir = tmpdir("train-junk");
    let data = dir.join("junk.txt");
    let mut x = 0x2545_F491u32;
    let junk: Vec<u8> = (0..20_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect();
    std::fs::write(&data, &junk).unwrap();
    let out = dir.join("m.npz");
    let (code, _, err) = z80lm(&[
        "train",
        data.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--epochs",
        "1",
    ]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("error: cannot use the data: ")
            && err.contains("is it a training data file?"),
        "{err}"
    );
    assert!(!out.exists());
    let _ = std::fs::remove_dir_all(&dir);
}

/// `train --resume M -o OUT` where no epoch beats M still writes OUT (epoch 0, M itself) when
/// it says so (issue 15 B4: it printed "wrote OUT" and exited 0 with nothing written).
#[test]
fn resume_without_improvement_writes_what_it_says() {
    let dir = tmpdir("train-resume");
    let data = dir.join("data.txt");
    std::fs::write(&data, "is it a chair|WIN\nis it alive|NO\n").unwrap();
    let out = dir.join("m.npz");
    let start = testsupport::example_model_path("guess-mini");
    let (code, _, err) = z80lm(&[
        "train",
        data.to_str().unwrap(),
        "--resume",
        start.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--epochs",
        "1",
    ]);
    assert_eq!(code, 0, "{err}");
    let said = err
        .lines()
        .find(|l| l.starts_with("wrote "))
        .unwrap_or_else(|| panic!("no wrote line: {err}"));
    assert!(
        said.starts_with(&format!("wrote {}", out.display())),
        "{err}"
    );
    let m = z80lm::model::Model::load(&out).expect("the model it says it wrote");
    assert_eq!(
        m.charset,
        z80lm::model::Model::load(&start).unwrap().charset
    );
    let _ = std::fs::remove_dir_all(&dir);
}
