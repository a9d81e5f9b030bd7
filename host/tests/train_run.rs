//! Training end to end on small data: accuracy reached, the fast checker agreeing with the
//! engine, same seed -> same bytes (any thread count), resume, and the shipped examples.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use z80lm::data::guess;
use z80lm::model::{respond, Model};
use z80lm::train::check::Checker;
use z80lm::train::dataset::{Dataset, Example};
use z80lm::train::evaluate::evaluate;
use z80lm::train::trainer::{train, Config, Outcome, Quiet};

/// A small knowledge table (the format of host/src/data/guess_table.toml): eight attributes,
/// four objects, a few templates.
const SMALL_TABLE: &str = r#"
decoys = ["stool", "lion"]
[templates]
subjects = ["it", "this", "the thing"]
objects = ["it", "that"]
is = ["is {s} {p}", "{p}", "{s} is {p}"]
you_is = ["are you {p}"]
has = ["does {s} have {p}", "has {s} got {p}"]
you_has = ["do you have {p}"]
does = ["can {s} {p}", "does {s} {p}"]
you_does = ["can you {p}"]
act = ["can you {p}", "can i {p}"]
you_act = ["can i {p}"]
where = ["is {s} found {p}", "is {s} {p}"]
you_where = ["are you {p}"]
users = ["do {p} use {o}"]
you_users = ["do {p} use you"]
guess = ["is it {a} {n}", "{n}", "i think its {a} {n}", "my guess is {a} {n}"]
nonguess = ["give me a hint", "i give up"]
[[attribute]]
name = "alive"
family = "kind"
is = ["alive", "living", "a living thing"]
[[attribute]]
name = "animal"
family = "kind"
is = ["an animal", "a creature"]
[[attribute]]
name = "furniture"
family = "kind"
is = ["furniture", "a piece of furniture"]
[[attribute]]
name = "sit"
family = "use"
act = ["sit on {o}", "sit in {o}"]
[[attribute]]
name = "wood"
family = "material"
is = ["made of wood", "wooden"]
[[attribute]]
name = "legs"
family = "parts"
has = ["legs", "four legs"]
[[attribute]]
name = "kitchen"
family = "where"
where = ["in a kitchen", "in the kitchen"]
[[attribute]]
name = "fur"
family = "parts"
has = ["fur", "hair"]
[[kind]]
name = "furniture"
yes = ["furniture", "legs"]
maybe = ["wood"]
[[kind]]
name = "animal"
yes = ["alive", "animal", "legs", "fur"]
[[object]]
names = ["chair"]
kind = "furniture"
yes = ["sit", "kitchen"]
[[object]]
names = ["table"]
kind = "furniture"
yes = ["kitchen"]
[[object]]
names = ["cat", "kitten"]
kind = "animal"
maybe = ["kitchen"]
[[object]]
names = ["dog"]
kind = "animal"
"#;

fn small_guess() -> Vec<Example> {
    let table = guess::Table::parse(SMALL_TABLE).unwrap();
    let opt = guess::Options {
        seed: 3,
        per_attribute: 200,
        typo: 0.1,
    };
    guess::generate(&table, "cat", opt).unwrap()
}

fn run(examples: &[Example], cfg: &Config, init: Option<&Model>) -> Outcome {
    let ds = Dataset {
        examples: examples.to_vec(),
        skipped: vec![],
    };
    let charset = ds.charset().unwrap();
    train(
        examples,
        &[],
        &charset,
        cfg,
        init,
        &mut Quiet,
        &AtomicBool::new(false),
    )
    .unwrap()
}

fn small_cfg() -> Config {
    Config {
        hidden: vec![32, 32],
        epochs: 6,
        ..Config::default()
    }
}

/// The stated bar: a 256-32-32-11 model reaches 90% exact match on a ~1,200-line 20-questions
/// set in six epochs (about two seconds on two cores).
#[test]
fn small_model_learns_the_guess_game_and_checker_agrees_with_engine() {
    let ex = small_guess();
    let out = run(&ex, &small_cfg(), None);
    let best = out.best.clone().expect("a model");
    let engine = evaluate(&best, &ex);
    assert!(engine.accuracy() >= 0.90, "accuracy {}", engine.accuracy());
    assert!(!engine.wrapped(), "16-bit overflow: {:?}", engine.max_abs);
    assert_eq!(engine.accuracy(), out.best_acc);
    // The checker is exact per example, including for a half-trained model that misses many.
    for model in [
        best,
        run(
            &ex,
            &Config {
                epochs: 1,
                ..small_cfg()
            },
            None,
        )
        .best
        .unwrap(),
    ] {
        let checker = Checker::new(&model);
        let mut max_abs = vec![0; model.layers.len()];
        for e in &ex {
            let mut pairs = z80lm::model::Pairs::default();
            let exact = checker.exact(e, &mut max_abs, &mut pairs);
            let mut engine = z80lm::model::Engine::new(&model);
            assert_eq!(exact, engine.respond(&e.input) == e.output);
            // The same steps, so the same (non-zero weight × non-zero input) pairs.
            if exact {
                assert_eq!(pairs, engine.pairs, "pairs of {:?}", e.input);
            }
        }
    }
}

fn bytes(o: &Outcome) -> Vec<u8> {
    o.best.as_ref().unwrap().to_npz()
}

#[test]
fn same_seed_gives_identical_model_bytes_with_any_thread_count() {
    let ex: Vec<Example> = small_guess().into_iter().take(300).collect();
    let cfg = Config {
        epochs: 2,
        ..small_cfg()
    };
    let on = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| bytes(&run(&ex, &cfg, None)))
    };
    let one = on(1);
    assert_eq!(one, on(2));
    let other = Config { seed: 2, ..cfg };
    assert_ne!(one, bytes(&run(&ex, &other, None)));
}

#[test]
fn resume_starts_from_the_saved_model_and_never_gets_worse() {
    let ex = small_guess();
    let first = run(
        &ex,
        &Config {
            epochs: 2,
            ..small_cfg()
        },
        None,
    );
    let path = std::env::temp_dir().join(format!("z80lm-resume-{}.npz", std::process::id()));
    first.best.as_ref().unwrap().save(&path).unwrap();
    let loaded = Model::load(&path).unwrap();
    assert_eq!(&loaded, first.best.as_ref().unwrap());
    let second = run(
        &ex,
        &Config {
            epochs: 2,
            ..small_cfg()
        },
        Some(&loaded),
    );
    assert!(
        second.best_acc >= first.best_acc,
        "{} < {}",
        second.best_acc,
        first.best_acc
    );
    let mismatch = Config {
        hidden: vec![16],
        ..small_cfg()
    };
    let ds = Dataset {
        examples: ex.clone(),
        skipped: vec![],
    };
    let charset = ds.charset().unwrap();
    let err = train(
        &ex,
        &[],
        &charset,
        &mismatch,
        Some(&loaded),
        &mut Quiet,
        &AtomicBool::new(false),
    )
    .err()
    .unwrap();
    assert!(
        err.to_string().contains("differs from the resumed model"),
        "{err}"
    );
}

/// The shipped guess model answers the done-when questions (secret = chair).
#[test]
fn shipped_guess_model_answers_the_game() {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/guess/model.npz");
    let m = Model::load(&p).unwrap();
    for (q, a) in [
        ("is it a chair", "WIN"),
        ("is it alive", "NO"),
        ("can you sit on it", "YES"),
        ("is it made of metal", "MAYBE"),
    ] {
        assert_eq!(
            String::from_utf8_lossy(&respond(&m, q.as_bytes())),
            a,
            "{q}"
        );
    }
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/tinychat/model.npz");
    let m = Model::load(&p).unwrap();
    for (q, a) in [
        ("hello", "HI"),
        ("are you a robot", "YES"),
        ("do you dream", "MAYBE"),
    ] {
        assert_eq!(
            String::from_utf8_lossy(&respond(&m, q.as_bytes())),
            a,
            "{q}"
        );
    }
}

#[test]
fn sparsity_target_is_met_by_the_saved_model() {
    let ex = small_guess();
    let cfg = Config {
        sparsity: 0.85,
        epochs: 8,
        ..small_cfg()
    };
    let m = run(&ex, &cfg, None).best.expect("a model");
    let weights: usize = m.layers.iter().map(|l| l.weights.len()).sum();
    let nonzero: usize = m.layers.iter().map(|l| l.nonzero()).sum();
    let zeros = 1.0 - nonzero as f64 / weights as f64;
    assert!(zeros >= 0.84, "zero share {zeros}");
    assert!(evaluate(&m, &ex).accuracy() > 0.5);
}

/// A cost target (`--max-pairs`): the kept model takes at most that many (non-zero weight ×
/// non-zero input) pairs per step, as `eval` measures them, and fewer than the same training
/// without it, and still plays.
#[test]
fn cost_target_is_met_by_the_saved_model() {
    let ex = small_guess();
    let plain = run(&ex, &small_cfg(), None).best.expect("a model");
    let free = evaluate(&plain, &ex).pairs.per_step();
    let target = 0.85 * free;
    let cfg = Config {
        max_pairs: Some(target),
        epochs: 12,
        ramp: 0.3,
        ..small_cfg()
    };
    let o = run(&ex, &cfg, None);
    let history: Vec<(f64, f32, f64)> = o
        .history
        .iter()
        .map(|h| (h.pairs, h.lambda, h.int_acc))
        .collect();
    let m = o
        .best
        .unwrap_or_else(|| panic!("no model within {target} (plain {free}): {history:?}"));
    let r = evaluate(&m, &ex);
    assert!(
        r.pairs.per_step() <= target,
        "{} > {target} (plain {free})",
        r.pairs.per_step()
    );
    assert!(r.accuracy() > 0.5, "accuracy {}", r.accuracy());
}

/// Resuming a denser model with a sparsity target keeps only a model that meets the target
/// (the resumed one no longer wins just by being more accurate).
#[test]
fn resumed_model_below_the_sparsity_target_is_not_kept() {
    let ex = small_guess();
    let dense = run(&ex, &small_cfg(), None).best.expect("a model");
    let zeros = |m: &Model| {
        let w: usize = m.layers.iter().map(|l| l.weights.len()).sum();
        let nz: usize = m.layers.iter().map(|l| l.nonzero()).sum();
        1.0 - nz as f64 / w as f64
    };
    assert!(zeros(&dense) < 0.8);
    let cfg = Config {
        sparsity: 0.9,
        epochs: 2,
        ..small_cfg()
    };
    let out = run(&ex, &cfg, Some(&dense));
    let kept = out.best.expect("an epoch at the target");
    assert!(out.best_epoch > 0);
    assert!(zeros(&kept) >= 0.89, "{}", zeros(&kept));
}
