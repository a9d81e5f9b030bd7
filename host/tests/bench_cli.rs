//! `z80lm bench --target rc2014` as a user runs it: the shipped 32K model on the emulated
//! Classic (exact T-states, wall time at the board's clock, the UART's share), an upstream
//! model there with gaps layers, and the clear build error for a model that does not fit.

mod common;

use std::path::PathBuf;

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("z80lm-bench-cli-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d.join(name)
}

fn guess_mini() -> String {
    format!(
        "{}/../examples/guess-mini/model.npz",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn guess_mini_on_the_classic() {
    let prompts = tmp("prompts.tsv");
    // The responses column is ignored for --model: the host reference engine decides.
    std::fs::write(
        &prompts,
        "# test\nis it alive\tx\ncan you sit on it\t\n!quit\t\n\t\nis it a chair\tWIN\n",
    )
    .unwrap();
    let (model, p) = (guess_mini(), prompts.to_str().unwrap().to_string());
    let args = [
        "bench",
        "--target",
        "rc2014",
        "--board",
        "rc2014-classic",
        "--model",
        &model,
        "--prompts",
        &p,
        "--json",
        "-",
    ];
    let (code, out, err) = common::z80lm(&args);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let m = &v["models"][0];
    assert_eq!(m["model"], "guess-mini");
    // Empty and `!` prompts are left out, as on CP/M.
    assert_eq!(m["prompts"], 3);
    assert_eq!(m["mismatches"], 0);
    let b = &m["board"];
    assert_eq!(b["board"], "rc2014-classic");
    assert_eq!(b["clock_hz"], 7_372_800);
    assert_eq!(b["uart_t_per_byte"], 640);
    let mean = m["t_per_char"]["mean"].as_f64().unwrap();
    assert!((100_000.0..1_000_000.0).contains(&mean), "{mean}");
    let ms = b["ms_per_char"].as_f64().unwrap();
    assert!((ms - mean / 7_372.8).abs() < 1e-6, "{ms} {mean}");
    assert!(m["t_per_char_with_query"].as_f64().unwrap() > mean);
    // Between response bytes the transmitter is long idle; the prompt's CR LF "> " waits.
    assert_eq!(b["uart_wait_t_per_char"], 0.0);
    assert!(b["uart_wait_t_per_prompt"].as_f64().unwrap() > 0.0);
    assert!(v["upstream"].is_null());

    let (code, out, err) = common::z80lm(&args[..args.len() - 2]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("rc2014-classic: Z80 at 7372800 Hz"), "{out}");
    assert!(out.contains("ms/char"), "{out}");
    assert!(out.contains("guess-mini"), "{out}");
}

#[test]
fn guess_mini_on_the_zx48() {
    if boards::machines::zx48::locate_rom().is_none() {
        let why = "no 48K ROM (install PyPI skoolkit or set Z80LM_ZX48_ROM)";
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{why}");
        eprintln!("skipping: {why}");
        return;
    }
    let prompts = tmp("zx-prompts.tsv");
    // `é` has no key on a Spectrum: that prompt is left out, like the empty and `!` ones.
    std::fs::write(
        &prompts,
        "is it alive\tx\ncaf\u{e9}\t\n!quit\t\n\t\nis it a chair\tWIN\n",
    )
    .unwrap();
    let (model, p) = (guess_mini(), prompts.to_str().unwrap().to_string());
    let args = [
        "bench",
        "--target",
        "zx48",
        "--model",
        &model,
        "--prompts",
        &p,
        "--json",
        "-",
    ];
    let (code, out, err) = common::z80lm(&args);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let m = &v["models"][0];
    assert_eq!(m["model"], "guess-mini");
    assert_eq!(m["prompts"], 2);
    assert_eq!(m["mismatches"], 0);
    assert!(m["chars"].as_u64().unwrap() > 0);
    let mean = m["t_per_char"]["mean"].as_f64().unwrap();
    assert!((100_000.0..2_000_000.0).contains(&mean), "{mean}");
    assert!(m["t_per_char_with_query"].as_f64().unwrap() > mean);
    // Query half and the four layers, each measured on the machine.
    let layers = m["t_per_layer"].as_array().unwrap();
    assert_eq!(layers.len(), 5);
    assert!(
        layers.iter().all(|t| t.as_f64().unwrap() > 0.0),
        "{layers:?}"
    );
    assert!(v["upstream"].is_null());
}

#[test]
fn board_options_are_checked() {
    let model = guess_mini();
    let refused = |args: &[&str], want: &str| {
        let mut all = vec!["bench", "--model", &model];
        all.extend_from_slice(args);
        let (code, _, err) = common::z80lm(&all);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
    };
    refused(
        &["--target", "cpm", "--board", "rc2014-classic"],
        "--target cpm and --board rc2014-classic name different machines",
    );
    refused(
        &["--target", "rc2014", "--board", "zx48"],
        "name different machines",
    );
    refused(
        &["--target", "gb", "--layout", "lists"],
        "--layout does not apply to gb; it is for cpm, rc2014-512k, rc2014-classic, zx48, zx128 or msx",
    );
    refused(
        &["--target", "rc2014", "--upstream-prompts", "2"],
        "--upstream-prompts does not apply to rc2014-512k; it is for cpm",
    );
    // guess-mini has no vectors of its own: say so instead of guessing prompts.
    let (code, _, err) = common::z80lm(&[
        "bench",
        "--target",
        "rc2014",
        "--shared",
        "/nonexistent",
        "--model",
        &model,
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("give --prompts"), "{err}");
}

/// Since the planner's auto tries the gaps form per layer, the upstream guess model fits the
/// Classic's 32K ROM with gaps layers, and every public vector still answers exactly there.
#[test]
fn an_upstream_model_on_the_classic_runs_with_gaps_layers() {
    let shared = testsupport::require!(testsupport::shared());
    let s = shared.to_str().unwrap();
    let (code, out, err) = common::z80lm(&[
        "bench",
        "--target",
        "rc2014",
        "--board",
        "rc2014-classic",
        "--shared",
        s,
        "--models",
        "guess",
        "--json",
        "-",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let m = &v["models"][0];
    assert_eq!(m["model"], "guess");
    assert_eq!(m["board"]["board"], "rc2014-classic");
    assert!(
        m["layout"].as_str().unwrap().contains("gaps"),
        "{}",
        m["layout"]
    );
    assert!(
        m["image_bytes"].as_u64().unwrap() <= 32_768,
        "{}",
        m["image_bytes"]
    );
    assert!(m["prompts"].as_u64().unwrap() > 60, "{}", m["prompts"]);
    assert_eq!(m["mismatches"], 0);
}

/// A model too big for the Classic in every form: `bench` stops with the build's one-line
/// error (exit 2), which names the 512K board.
#[test]
fn a_model_too_big_for_the_classic_is_the_build_error() {
    // Full size with half its weights non-zero and biases that keep every neuron possibly
    // active (the planner can leave none out), as in rc2014_build.rs.
    let model = tmp("dense.npz");
    let mut dense = z80lm::fit::stand_in(&[256, 256, 192, 128, 11], b"ABEIMNOSWY\0", 0.5);
    for l in &mut dense.layers {
        l.bias.iter_mut().for_each(|b| *b = 100);
    }
    dense.save(&model).unwrap();
    let prompts = tmp("dense-prompts.tsv");
    std::fs::write(&prompts, "is it alive\tx\n").unwrap();
    let (code, out, err) = common::z80lm(&[
        "bench",
        "--target",
        "rc2014",
        "--board",
        "rc2014-classic",
        "--model",
        model.to_str().unwrap(),
        "--prompts",
        prompts.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("error: dense: cannot build for rc2014-classic: the model does not fit"),
        "{err}"
    );
    assert!(err.contains("--board rc2014-512k"), "{err}");
}

/// Run where `../shared` is not (outside the repository's parent directory), `bench` names
/// the missing directory and what it needs from it instead of blaming a model.
#[test]
fn without_the_shared_directory_bench_says_shared_is_needed_and_why() {
    let dir = common::tmpdir("bench-no-shared");
    let out = std::process::Command::new(common::BIN)
        .arg("bench")
        .current_dir(&dir)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.starts_with("error: ../shared: no such directory; bench runs the upstream models"),
        "{err}"
    );
    assert!(err.contains("give --shared DIR"), "{err}");
    assert!(!err.contains("invalid model"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn guess_mini_on_the_zx128() {
    if boards::machines::zx48::locate_128_roms().is_none() {
        let why = "no 128K ROMs (install PyPI skoolkit or set Z80LM_ZX128_ROMS)";
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{why}");
        eprintln!("skipping: {why}");
        return;
    }
    let prompts = tmp("zx128-prompts.tsv");
    std::fs::write(&prompts, "is it alive\tx\nis it a chair\tWIN\n").unwrap();
    let (model, p) = (guess_mini(), prompts.to_str().unwrap().to_string());
    let args = [
        "bench",
        "--target",
        "zx128",
        "--model",
        &model,
        "--prompts",
        &p,
        "--json",
        "-",
    ];
    let (code, out, err) = common::z80lm(&args);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let m = &v["models"][0];
    assert_eq!(
        (m["prompts"].as_u64(), m["mismatches"].as_u64()),
        (Some(2), Some(0))
    );
    assert_eq!(m["layout"], "lists", "every layer in a bank as lists");
    let mean = m["t_per_char"]["mean"].as_f64().unwrap();
    assert!((100_000.0..2_000_000.0).contains(&mean), "{mean}");
}

/// `bench --menu`: both models in one 512K image behind the start-up menu, each chosen from the
/// menu, take exactly the T-states of their one-model images.
#[test]
fn the_menu_image_measures_the_same_as_one_model_images() {
    let prompts = tmp("menu-prompts.tsv");
    std::fs::write(
        &prompts,
        "is it alive\t\ncan you sit on it\t\nis it a chair\t\nhello\t\n",
    )
    .unwrap();
    let guess = format!("{}/../examples/guess/model.npz", env!("CARGO_MANIFEST_DIR"));
    let models = format!("{},{guess}", guess_mini());
    let p = prompts.to_str().unwrap().to_string();
    let run = |menu: bool| {
        let mut args = vec![
            "bench",
            "--target",
            "rc2014-512k",
            "--model",
            &models,
            "--prompts",
            &p,
            "--json",
            "-",
        ];
        if menu {
            args.push("--menu");
        }
        let (code, out, err) = common::z80lm(&args);
        assert_eq!(code, 0, "{err}");
        serde_json::from_str::<serde_json::Value>(&out).unwrap()
    };
    let (alone, menu) = (run(false), run(true));
    for (i, name) in ["guess-mini", "guess"].into_iter().enumerate() {
        let (a, b) = (&alone["models"][i], &menu["models"][i]);
        assert_eq!(a["model"], name);
        assert_eq!(b["model"], format!("{name} (menu {})", i + 1));
        assert_eq!(b["mismatches"], 0);
        assert_eq!(a["prompts"], 4);
        for k in [
            "t_per_char",
            "t_per_char_with_query",
            "t_per_layer",
            "chars",
        ] {
            assert_eq!(a[k], b[k], "{name}: {k}");
        }
    }
    let (code, _, err) = common::z80lm(&["bench", "--target", "cpm", "--menu"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--menu does not apply to cpm"), "{err}");
}

/// `bench --target gb --menu`: both models on one cartridge behind the start menu, each chosen
/// from it, take exactly the engine T-states of their one-model cartridges (the whole step
/// also waits on the LCD for the screen output, which depends on its phase).
#[test]
fn the_gb_menu_cartridge_runs_the_engine_as_one_model_cartridges() {
    let prompts = tmp("gb-menu-prompts.tsv");
    std::fs::write(&prompts, "is it alive\t\nis it a chair\t\nhello\t\n").unwrap();
    let guess = format!("{}/../examples/guess/model.npz", env!("CARGO_MANIFEST_DIR"));
    let models = format!("{},{guess}", guess_mini());
    let p = prompts.to_str().unwrap().to_string();
    let run = |menu: bool| {
        let mut args = vec![
            "bench",
            "--target",
            "gb",
            "--model",
            &models,
            "--prompts",
            &p,
        ];
        if menu {
            args.push("--menu");
        }
        let (code, out, err) = common::z80lm(&args);
        assert_eq!(code, 0, "{err}");
        eprintln!("{out}");
        out.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                let name = l.split(" gb ").next().unwrap().trim().to_string();
                let engine: u64 = l.rsplit("engine ").next().unwrap().parse().unwrap();
                let steps = l
                    .split(" steps")
                    .next()
                    .unwrap()
                    .rsplit(' ')
                    .next()
                    .unwrap();
                (name, steps.to_string(), engine)
            })
            .collect::<Vec<_>>()
    };
    let (alone, menu) = (run(false), run(true));
    assert_eq!(alone.len(), 2);
    for (i, name) in ["guess-mini", "guess"].into_iter().enumerate() {
        assert_eq!(alone[i].0, name);
        assert_eq!(menu[i].0, format!("{name} (menu {})", i + 1));
        assert_eq!(alone[i].1, menu[i].1, "{name}: steps");
        assert_eq!(alone[i].2, menu[i].2, "{name}: engine T-states per step");
        assert!((100_000..1_000_000).contains(&alone[i].2));
    }
}
