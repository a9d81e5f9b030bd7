//! CP/M engine, hardware in the loop: every public vector through the real build path on the
//! emulated CP/M machine (fault checks on), for both upstream models and both layouts, the
//! shipped example models on our own prompts against the host reference (no `../shared`
//! needed), and the per-layer 16-bit sums read from emulator memory against the host reference.

use hil::cpm::{engine_sums, reference_sums, sums_at, Engine};
use hil::{example, require, shared_model, shared_vectors, Vector};
use z80lm::engine::{Form, Layout};
use z80lm::model::encode::{push_window, START_WINDOW};
use z80lm::model::{context_input, infer::argmax, query_input, Model};

fn check_vectors(name: &str, layout: Layout) {
    let model = require!(shared_model(name));
    let vectors = require!(shared_vectors(name));
    check(name, &model, &vectors, layout);
}

fn check(name: &str, model: &Model, vectors: &[Vector], layout: Layout) {
    let mut engine = Engine::boot(model, &layout);
    assert_eq!(
        engine.banner.output, b"> ",
        "the engine starts with its prompt"
    );
    let mut bad = Vec::new();
    for (prompt, want) in vectors {
        let got = engine.ask(prompt);
        if &got != want {
            bad.push(format!(
                "{:?}: want {:?} got {:?}",
                String::from_utf8_lossy(prompt),
                String::from_utf8_lossy(want),
                String::from_utf8_lossy(&got)
            ));
        }
    }
    assert!(
        bad.is_empty(),
        "{name} ({}): {} of {} vectors differ:\n{}",
        engine.built.plan.name(),
        bad.len(),
        vectors.len(),
        bad.join("\n")
    );
}

#[test]
fn guess_vectors_fast_layout() {
    check_vectors("guess", Layout::Auto);
}

#[test]
fn tinychat_vectors_fast_layout() {
    check_vectors("tinychat", Layout::Auto);
}

#[test]
fn example_models_both_layouts() {
    for name in ["guess", "tinychat"] {
        let (model, vectors) = example(name);
        check(name, &model, &vectors, Layout::Auto);
        check(name, &model, &vectors, Layout::All(Form::Packed));
    }
}

#[test]
fn guess_vectors_compact_layout_no_larger_than_upstream() {
    let model = require!(shared_model("guess"));
    let engine = Engine::boot(&model, &Layout::All(Form::Packed));
    let size = engine.built.image.bytes.len();
    assert!(
        size <= 38_951,
        "compact guess .COM is {size} bytes, upstream GUESS.COM is 38,951"
    );
    check_vectors("guess", Layout::All(Form::Packed));
}

#[test]
fn tinychat_vectors_compact_layout() {
    check_vectors("tinychat", Layout::All(Form::Packed));
}

#[test]
fn mixed_layout_is_exact() {
    check_vectors(
        "tinychat",
        Layout::PerLayer(vec![Form::Packed, Form::Lists, Form::Packed, Form::Lists]),
    );
}

fn check_layers(model: &Model, layout: Layout, prompt: &[u8]) {
    let mut engine = Engine::boot(model, &layout);
    let (hook, cur, page) = (
        engine.symbol("acc_ready"),
        usize::from(engine.symbol("cur_layer")),
        usize::from(engine.symbol("acc_page")),
    );
    // Each layer's sums as the plan stores them: its kept neurons, in order.
    let outs: Vec<usize> = engine
        .built
        .plan
        .neurons
        .kept
        .iter()
        .map(Vec::len)
        .collect();
    let plan = engine.built.plan.clone();
    let mut seen: Vec<(usize, Vec<i16>)> = Vec::new();
    let mut keys = prompt.to_vec();
    keys.push(b'\r');
    let reply = engine
        .session
        .send_watch(&keys, hook, |_, mem| {
            let k = usize::from(mem[cur]);
            seen.push((k, sums_at(&plan, mem, mem[page], k, outs[k.max(1) - 1])));
        })
        .expect("no fault");
    // The reference, step by step, with the same window updates.
    let q = query_input(prompt);
    let mut w = START_WINDOW;
    let mut want: Vec<(usize, Vec<i16>)> = Vec::new();
    let mut out = Vec::new();
    for step in 0..50 {
        let mut x0 = q.to_vec();
        x0.extend_from_slice(&context_input(&w));
        let sums = engine_sums(&engine.built.plan, &reference_sums(model, &x0));
        for (k, s) in sums.iter().enumerate() {
            if k > 0 || step == 0 {
                want.push((k, s.clone()));
            }
        }
        let last = sums.last().expect("layers");
        let logits: Vec<i16> = last.iter().map(|&a| a >> 2).collect();
        let c = argmax(&logits);
        if c == model.eos() {
            break;
        }
        out.push(model.charset[c]);
        push_window(&mut w, model.charset[c]);
    }
    assert_eq!(
        reply.response(),
        out.as_slice(),
        "response of {:?}",
        String::from_utf8_lossy(prompt)
    );
    assert_eq!(seen.len(), want.len(), "number of layer hooks");
    for (i, (s, w)) in seen.iter().zip(&want).enumerate() {
        assert_eq!(s.0, w.0, "hook {i}: layer");
        assert_eq!(
            s.1,
            w.1,
            "hook {i}: sums of layer {} for {:?}",
            s.0,
            String::from_utf8_lossy(prompt)
        );
    }
}

#[test]
fn layer_sums_match_reference_example_models() {
    let (guess, _) = example("guess");
    check_layers(&guess, Layout::Auto, b"is it a chair");
    check_layers(&guess, Layout::All(Form::Packed), b"  Is It Alive?  ");
    let (tiny, _) = example("tinychat");
    check_layers(&tiny, Layout::Auto, b"hello");
    check_layers(&tiny, Layout::All(Form::Packed), &[b'z'; 70]);
}

#[test]
fn layer_sums_match_reference() {
    let guess = require!(shared_model("guess"));
    check_layers(&guess, Layout::Auto, b"is it a chair");
    check_layers(&guess, Layout::All(Form::Packed), b"is it alive");
    let tiny = require!(shared_model("tinychat"));
    check_layers(&tiny, Layout::Auto, b"hello");
    // 62 z's: a layer-4 sum wraps past 32767 (spec §6).
    check_layers(&tiny, Layout::Auto, &[b'z'; 62]);
    check_layers(&tiny, Layout::All(Form::Packed), &[b'z'; 62]);
}
