//! Every public vector reproduced exactly by the host reference, through the library and through
//! `z80lm chat --batch`.

use std::io::Write;
use std::process::{Command, Stdio};

use testsupport::{require, shared_model_path, shared_vectors};
use z80lm::model::{respond, Model};

fn check_model(name: &str) {
    let path = require!(shared_model_path(name));
    let vectors = require!(shared_vectors(name));
    let model = Model::load(&path).unwrap();
    assert!(vectors.len() > 50, "{name}: too few vectors");
    for (prompt, want) in &vectors {
        let got = respond(&model, prompt);
        assert_eq!(
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(want),
            "{name}: prompt {:?}",
            String::from_utf8_lossy(prompt)
        );
    }

    // The same through the CLI: one response line per prompt, nothing else on stdout.
    let mut child = Command::new(env!("CARGO_BIN_EXE_z80lm"))
        .args(["chat", "--batch", "--model"])
        .arg(&path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = Vec::new();
    for (prompt, _) in &vectors {
        input.extend_from_slice(prompt);
        input.push(b'\n');
    }
    let mut stdin = child.stdin.take().unwrap();
    std::thread::spawn(move || stdin.write_all(&input).unwrap());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let mut expected = Vec::new();
    for (_, want) in &vectors {
        expected.extend_from_slice(want);
        expected.push(b'\n');
    }
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&expected)
    );
}

#[test]
fn guess_vectors() {
    check_model("guess");
}

#[test]
fn tinychat_vectors() {
    check_model("tinychat");
}

#[test]
fn worked_example_logits_and_activity() {
    // Spec §10: step-0 logits and non-zero activations for "is it a chair".
    let model = Model::load(&require!(shared_model_path("guess"))).unwrap();
    let mut engine = z80lm::model::Engine::new(&model);
    let mut steps = Vec::new();
    let out = engine.respond_traced(b"is it a chair", |s| steps.push(s.clone()));
    assert_eq!(out, b"WIN");
    assert_eq!(
        steps[0].logits,
        [57, -718, -69, 135, -126, 139, 38, -229, 618, -49, -13]
    );
    assert_eq!(steps[0].active, [39, 75, 47]);
    let chosen: Vec<i16> = steps.iter().map(|s| s.logits[s.chosen]).collect();
    assert_eq!(chosen, [618, 627, 1086, 854]);
}

#[test]
fn tinychat_wraps_in_layer_4() {
    // Spec §6: the query z×62 makes a layer-4 sum reach 37,443; the engine must wrap, not saturate.
    let model = Model::load(&require!(shared_model_path("tinychat"))).unwrap();
    let mut engine = z80lm::model::Engine::new(&model);
    engine.respond(&[b'z'; 62]);
    assert_eq!(engine.overflow.max_abs[3], 37443);
    assert!(engine.overflow.wrapped());
}
