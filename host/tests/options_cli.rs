//! The documented options of `train`, `eval`, `chat`, `data` and `run` that no other test drives,
//! through the real binary with a tiny model and the tinychat data: each one's effect as a user
//! sees it (stdout, stderr, files written, exit status) and a one-line error for a bad value.

mod common;

use common::{tinychat_data, tmpdir, z80lm};

/// The first number in `text` after `before`.
fn number_after(text: &str, before: &str) -> u64 {
    let at = text
        .find(before)
        .unwrap_or_else(|| panic!("no {before:?} in {text}"))
        + before.len();
    let digits: String = text[at..]
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("no number after {before:?} in {text}"))
}

/// Exit 2 with an `error:` line naming `says` first (clap adds its usage hint after it).
#[track_caller]
fn bad_value(args: &[&str], says: &str) {
    let (code, out, err) = z80lm(args);
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty(), "{out}");
    let first = err.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("error: ") && first.contains(says),
        "{err}"
    );
}

#[test]
fn train_holdout_log_plot_quiet_sparsity_and_threads() {
    let dir = tmpdir("options-train");
    let data = tinychat_data(&dir);
    let d = data.to_str().unwrap();
    let (m1, m2) = (dir.join("one.npz"), dir.join("two.npz"));
    let (log, plot) = (dir.join("log.csv"), dir.join("chart.svg"));
    let train = |out: &std::path::Path, threads: &str, extra: &[&str]| {
        let mut args = vec![
            "train",
            d,
            "-o",
            out.to_str().unwrap(),
            "--hidden",
            "8",
            "--epochs",
            "2",
            "--holdout",
            "20",
            "--sparsity",
            "0.5",
            "--threads",
            threads,
            "-q",
        ];
        args.extend_from_slice(extra);
        z80lm(&args)
    };
    let (code, _, err) = train(
        &m1,
        "1",
        &[
            "--log",
            log.to_str().unwrap(),
            "--plot",
            plot.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    // --holdout: a fifth of the lines is held out, and their accuracy reported.
    let held = number_after(&err, "examples (");
    let lines = std::fs::read_to_string(&data)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .count() as u64;
    assert!(
        held * 100 >= lines * 15 && held * 100 <= lines * 25,
        "{held} of {lines} held out: {err}"
    );
    assert!(err.contains("held-out: "), "{err}");
    assert!(err.contains(&format!(" of {held}\n")), "{err}");
    // --quiet: one line per epoch on stderr instead of a progress bar.
    assert!(
        err.contains("\nepoch   1 ") && err.contains("\nepoch   2 "),
        "{err}"
    );
    assert!(err.contains("1 threads"), "{err}");
    // eval --holdout: the same lines, and only those.
    let (code, out, err) = z80lm(&["eval", "-m", m1.to_str().unwrap(), d, "--holdout", "20"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(number_after(&out, "\noverall"), held, "{out}");
    // --log: a header and one CSV row per epoch.
    let csv = std::fs::read_to_string(&log).unwrap();
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows.len(), 3, "{csv}");
    assert!(rows[0].starts_with("epoch,"), "{csv}");
    assert!(
        rows[1].starts_with("1,") && rows[2].starts_with("2,"),
        "{csv}"
    );
    // --plot: the chart, named by the model.
    let svg = std::fs::read_to_string(&plot).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("one.npz"), "{svg}");
    assert!(!m1.with_extension("svg").exists(), "--plot was not used");
    // --sparsity: at least half the saved weights are zero.
    let model = z80lm::model::Model::load(&m1).unwrap();
    let (zeros, all) = model.layers.iter().fold((0, 0), |(z, a), l| {
        (z + l.weights.len() - l.nonzero(), a + l.weights.len())
    });
    assert!(zeros * 2 >= all, "{zeros} of {all} weights are zero");
    // --threads: another thread count writes the same model file; the default plot path is
    // the output's with .svg.
    let (code, _, err) = train(&m2, "2", &[]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("2 threads"), "{err}");
    assert_eq!(std::fs::read(&m1).unwrap(), std::fs::read(&m2).unwrap());
    assert!(m2.with_extension("svg").exists());
    // Bad values: one error line, before any training.
    let m2 = m2.to_str().unwrap();
    bad_value(&["train", d, "-o", m2, "--sparsity", "0.99"], "--sparsity");
    bad_value(&["train", d, "-o", m2, "--holdout", "100"], "--holdout");
    bad_value(&["train", d, "-o", m2, "--threads", "0"], "--threads");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn eval_classes_and_unseen() {
    let dir = tmpdir("options-eval");
    let model = testsupport::example_model_path("tinychat");
    let m = model.to_str().unwrap();
    let data = tinychat_data(&dir);
    let d = data.to_str().unwrap();
    // --classes: that many rows of the confusion table, most frequent first, then (other).
    let (code, out, err) = z80lm(&["eval", "-m", m, d, "--classes", "3"]);
    assert_eq!(code, 0, "{err}");
    let header: Vec<&str> = out.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(
        header[..5],
        ["expected", "total", "right", "acc%", "|"],
        "{out}"
    );
    assert_eq!(header.len(), 5 + 3 + 1, "{out}");
    assert_eq!(header[8], "(other)", "{out}");
    let rows: Vec<&str> = out.lines().skip(1).take(4).collect();
    let totals: Vec<u64> = rows[..3]
        .iter()
        .map(|r| r.split_whitespace().nth(1).unwrap().parse().unwrap())
        .collect();
    assert!(totals.windows(2).all(|w| w[0] >= w[1]), "{out}");
    for (row, name) in rows.iter().zip(&header[5..]) {
        assert!(row.starts_with(name), "{out}");
    }
    // --unseen: only the lines whose input is not in the given data.
    let (seen, test) = (dir.join("seen.txt"), dir.join("test.txt"));
    std::fs::write(&seen, "hello|HI\n").unwrap();
    std::fs::write(&test, "Hello|HI\nzzqx wobble|HI\n").unwrap();
    let (s, t) = (seen.to_str().unwrap(), test.to_str().unwrap());
    let (code, out, err) = z80lm(&["eval", "-m", m, t, "--unseen", s]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("1 of 2 lines are not in the --unseen data\n"),
        "{out}"
    );
    assert_eq!(number_after(&out, "\noverall"), 1, "{out}");
    let (code, out, err) = z80lm(&["eval", "-m", m, s, "--unseen", s]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(out, "", "nothing on stdout before the error");
    assert!(
        err.contains("error: the only line is in the --unseen data"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn chat_overflow_reports_each_layers_largest_sum() {
    let path = testsupport::example_model_path("tinychat");
    let (code, out, err) = z80lm(&["chat", "-m", path.to_str().unwrap(), "--prompt", "hello"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.is_empty(), "{err}");
    let (code, with, err) = z80lm(&[
        "chat",
        "-m",
        path.to_str().unwrap(),
        "--prompt",
        "hello",
        "--overflow",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(with, out, "--overflow changes only stderr");
    // The host reference's largest |sum| per layer for this prompt.
    let model = z80lm::model::Model::load(&path).unwrap();
    let mut engine = z80lm::model::Engine::new(&model);
    engine.respond(b"hello");
    let want: Vec<String> = engine
        .overflow
        .max_abs
        .iter()
        .enumerate()
        .map(|(i, m)| format!("fc{} {m}", i + 1))
        .collect();
    assert_eq!(err, format!("max |acc|: {}\n", want.join(", ")));
}

#[test]
fn data_typos_sets_the_chance_of_a_typo() {
    let gen = |typos: &str| {
        let (code, out, err) = z80lm(&["data", "tinychat", "--variants", "1", "--typos", typos]);
        assert_eq!(code, 0, "{err}");
        out
    };
    let inputs = |text: &str| -> std::collections::BTreeSet<String> {
        text.lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split('|').next())
            .map(str::to_string)
            .collect()
    };
    let (none, all) = (gen("0"), gen("1"));
    assert!(
        none.starts_with("# Generated by `z80lm data tinychat --variants 1 --seed 1 --typos 0`")
    );
    // Every varied copy gets a typo at 1: inputs that no typo-free copy has.
    let clean = inputs(&none);
    let typo = inputs(&all);
    let new = typo.difference(&clean).count();
    assert!(
        new * 10 >= typo.len(),
        "{new} of {} inputs have typos",
        typo.len()
    );
    assert_eq!(gen("0"), none, "same seed, same file");
    bad_value(&["data", "tinychat", "--typos", "1.5"], "--typos");
}

#[test]
fn run_stats_prints_t_states_to_stderr() {
    let dir = tmpdir("options-run");
    let com = dir.join("CHAT.COM");
    let model = testsupport::example_model_path("tinychat");
    let (code, _, err) = z80lm(&[
        "build",
        "--model",
        model.to_str().unwrap(),
        "--target",
        "cpm",
        "-o",
        com.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let c = com.to_str().unwrap();
    let (code, out, err) = z80lm(&["run", c, "hello"]);
    assert_eq!((code, out.as_str()), (0, "HI\r\n"), "{err}");
    assert!(err.is_empty(), "{err}");
    let (code, out, err) = z80lm(&["run", c, "hello", "--stats"]);
    assert_eq!((code, out.as_str()), (0, "HI\r\n"), "{err}");
    let total = number_after(&err, "stats: ");
    assert!(err.contains(" T-states ("), "{err}");
    // At 4 MHz: T-states / 4e6 seconds, as printed (3 decimals).
    let secs = format!("({:.3} s at 4 MHz)", total as f64 / 4e6);
    assert!(err.contains(&secs), "{secs} missing: {err}");
    let _ = std::fs::remove_dir_all(&dir);
}
