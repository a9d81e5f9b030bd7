//! The shipped models as players meet them: on the hand-written test sets (typed as people
//! type, never generated nor trained on) the host reference engine must score what the
//! example READMEs say, and the shipped datasets must pass `data lint`.

use std::collections::BTreeSet;
use std::path::PathBuf;

use z80lm::data::{guess, lint, tinychat};
use z80lm::model::Model;
use z80lm::train::evaluate::{evaluate_cases, parse_cases, Case, Report};

fn example(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../examples")
        .join(path)
}

fn cases(path: &str) -> Vec<Case> {
    let p = example(path);
    parse_cases(path, &std::fs::read_to_string(&p).unwrap()).unwrap()
}

fn show(r: &Report) -> String {
    r.table(40)
}

/// The shipped guess dataset, as examples/guess/README.md makes it.
fn guess_data() -> Vec<z80lm::train::dataset::Example> {
    let opt = guess::Options {
        per_attribute: 48,
        ..guess::Options::default()
    };
    guess::generate(&guess::Table::builtin().unwrap(), "chair", opt).unwrap()
}

fn chat_data() -> Vec<z80lm::train::dataset::Example> {
    tinychat::generate(tinychat::BUILTIN_INTENTS, tinychat::Options::default()).unwrap()
}

#[test]
fn shipped_guess_scores_85_percent_with_every_class_at_70_on_the_hand_written_questions() {
    let m = Model::load(&example("guess/model.npz")).unwrap();
    let test = cases("guess/test.tsv");
    assert!(test.len() >= 150);
    let vocab: BTreeSet<Vec<u8>> = guess_data().into_iter().map(|e| e.output).collect();
    let r = evaluate_cases(&m, &test, Some(&vocab));
    assert!(r.accuracy() >= 0.85, "{}", show(&r));
    let (class, worst) = r.worst_class().unwrap();
    assert!(
        worst >= 0.70,
        "class {} at {worst}\n{}",
        String::from_utf8_lossy(&class),
        show(&r)
    );
    assert_eq!(
        r.per_class().len(),
        4,
        "YES, NO, MAYBE and WIN are all tested"
    );
    assert_eq!(r.outside_total(), 0, "{:?}", r.outside);
    assert!(!r.wrapped());
}

/// examples/guess-fast (cost-aware training, issue 17 item 8): within 2 points of its ancestor
/// on the same questions and at least a third fewer (weight × input) pairs per step.
#[test]
fn guess_fast_scores_87_percent_with_a_third_fewer_pairs_than_guess() {
    let fast = Model::load(&example("guess-fast/model.npz")).unwrap();
    let full = Model::load(&example("guess/model.npz")).unwrap();
    let test = cases("guess/test.tsv");
    let vocab: BTreeSet<Vec<u8>> = guess_data().into_iter().map(|e| e.output).collect();
    let r = evaluate_cases(&fast, &test, Some(&vocab));
    let base = evaluate_cases(&full, &test, Some(&vocab));
    assert!(r.accuracy() >= 0.87, "{}", show(&r));
    assert!(r.accuracy() >= base.accuracy() - 0.02, "{}", show(&r));
    let (class, worst) = r.worst_class().unwrap();
    assert!(
        worst >= 0.70,
        "class {} at {worst}\n{}",
        String::from_utf8_lossy(&class),
        show(&r)
    );
    assert_eq!(r.outside_total(), 0, "{:?}", r.outside);
    assert!(!r.wrapped());
    let (p, q) = (r.pairs.per_step(), base.pairs.per_step());
    assert!(p <= q * 2.0 / 3.0, "{p:.0} pairs per step against {q:.0}");
}

#[test]
fn shipped_tinychat_scores_60_percent_and_never_leaves_its_replies() {
    let m = Model::load(&example("tinychat/model.npz")).unwrap();
    let test = cases("tinychat/test.tsv");
    assert!(test.len() >= 150);
    let vocab: BTreeSet<Vec<u8>> = chat_data().into_iter().map(|e| e.output).collect();
    let r = evaluate_cases(&m, &test, Some(&vocab));
    assert!(r.accuracy() >= 0.60, "{}", show(&r));
    assert_eq!(r.outside_total(), 0, "{:?}", r.outside);
    assert!(!r.wrapped());
}

#[test]
fn test_sets_use_only_replies_the_models_have() {
    let guess: BTreeSet<Vec<u8>> = guess_data().into_iter().map(|e| e.output).collect();
    let chat: BTreeSet<Vec<u8>> = chat_data().into_iter().map(|e| e.output).collect();
    for (file, vocab) in [("guess/test.tsv", &guess), ("tinychat/test.tsv", &chat)] {
        for c in cases(file) {
            for a in &c.accept {
                assert!(
                    vocab.contains(a),
                    "{file}: {:?} accepts {:?}, not a reply of the model",
                    String::from_utf8_lossy(&c.input),
                    String::from_utf8_lossy(a)
                );
            }
        }
    }
}

#[test]
fn shipped_datasets_pass_lint() {
    for (name, data) in [("guess", guess_data()), ("tinychat", chat_data())] {
        let l = lint::lint(&data, lint::Limits::default());
        assert!(
            l.failures().is_empty(),
            "{name}: {:?}\n{}",
            l.failures(),
            l.render(5)
        );
    }
}
