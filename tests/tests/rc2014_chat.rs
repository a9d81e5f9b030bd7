//! RC2014 ROM images, hardware in the loop on the emulated boards: every public vector typed
//! over the UART of the 512K board (SIO/2, weights paged in layer by layer from flash behind our
//! resident loader) and of the Classic (68B50 ACIA, 32K ROM), plus prompts that are in no
//! vector file, against the host reference; the Classic's memory-budget error.

use hil::rc2014::{build, RomChat};
use hil::{need, shared_model, shared_vectors};
use z80lm::build::{Form, Layout};
use z80lm::model::{infer, Model};

/// Prompts in no vector file, answered by the host reference.
const EXTRA: &[&[u8]] = &[
    b"is it bigger than a bread box",
    b"DO YOU LIKE ME?",
    b"  spaces   everywhere  ",
    b"what about a table",
    b"x",
    b"0123456789 !?,.",
];

fn check(board: &str, model: &Model, vectors: &[(Vec<u8>, Vec<u8>)], layout: &Layout) {
    let rom = build(model, board, layout);
    let mut chat = RomChat::boot(board, &rom.rom);
    assert!(
        chat.banner.ends_with(b"> "),
        "{board}: no prompt: {:?}",
        String::from_utf8_lossy(&chat.banner)
    );
    let mut bad = Vec::new();
    let extra = EXTRA.iter().map(|p| (p.to_vec(), infer::respond(model, p)));
    for (prompt, want) in vectors.iter().cloned().chain(extra) {
        let got = chat.ask(&prompt);
        if got != want {
            bad.push(format!(
                "{:?}: want {:?} got {:?}",
                String::from_utf8_lossy(&prompt),
                String::from_utf8_lossy(&want),
                String::from_utf8_lossy(&got)
            ));
        }
    }
    assert!(
        bad.is_empty(),
        "{board} ({}): {} differ:\n{}",
        rom.built.plan.name(),
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn guess_vectors_on_the_512k_board() {
    let model = need!(shared_model("guess"));
    let vectors = need!(shared_vectors("guess"));
    let rom = build(&model, "rc2014-512k", &Layout::Auto);
    // The fast form everywhere: more than the 48K a flat image could hold, paged per layer.
    assert_eq!(rom.built.plan.name(), "lists");
    assert!(rom.pages.iter().map(|p| p.bytes).sum::<usize>() > 0xC000 - 0x1800);
    check("rc2014-512k", &model, &vectors, &Layout::Auto);
}

#[test]
fn tinychat_vectors_on_the_512k_board() {
    let model = need!(shared_model("tinychat"));
    let vectors = need!(shared_vectors("tinychat"));
    check("rc2014-512k", &model, &vectors, &Layout::Auto);
}

#[test]
fn packed_and_mixed_layers_page_too() {
    let model = need!(shared_model("guess"));
    let vectors = need!(shared_vectors("guess"));
    let mixed = Layout::PerLayer(vec![Form::Packed, Form::Lists, Form::Packed, Form::Lists]);
    check("rc2014-512k", &model, &vectors[..12], &mixed);
}

#[test]
fn shipped_models_on_the_512k_board() {
    for name in ["guess", "tinychat"] {
        let path = format!(
            "{}/../examples/{name}/model.npz",
            env!("CARGO_MANIFEST_DIR")
        );
        let model = Model::load(path.as_ref()).unwrap();
        check("rc2014-512k", &model, &[], &Layout::Auto);
    }
}

#[test]
fn classic_rom_chats_over_the_acia() {
    let path = format!(
        "{}/../examples/guess-mini/model.npz",
        env!("CARGO_MANIFEST_DIR")
    );
    let model = Model::load(path.as_ref()).unwrap();
    let rom = build(&model, "rc2014-classic", &Layout::Auto);
    assert_eq!(rom.rom.len(), 0x8000);
    // The reset vector: DI, then a jump to the engine's start.
    assert_eq!(rom.rom[0], 0xF3);
    let vectors: Vec<_> = [
        &b"is it alive"[..],
        b"can you sit on it",
        b"is it a chair",
        b"",
    ]
    .iter()
    .map(|p| (p.to_vec(), infer::respond(&model, p)))
    .filter(|(p, _)| !p.is_empty())
    .collect();
    assert_eq!(vectors[2].1, b"WIN");
    check("rc2014-classic", &model, &vectors, &Layout::Auto);
}

#[test]
fn upstream_guess_does_not_fit_the_classic_and_says_what_would() {
    let model = need!(shared_model("guess"));
    let desc = boards::desc::BoardDesc::builtin("rc2014-classic").unwrap();
    let err = z80lm::build::targets::rc2014::build(&model, &desc, &Layout::Auto).unwrap_err();
    let msg = err.to_string();
    for want in ["32K ROM", "--hidden", "rc2014-512k", "too many"] {
        assert!(msg.contains(want), "{want:?} missing from: {msg}");
    }
}

#[test]
fn bang_on_the_512k_board_returns_to_the_loader() {
    let model = need!(shared_model("guess"));
    let rom = build(&model, "rc2014-512k", &Layout::Auto);
    let mut chat = RomChat::boot("rc2014-512k", &rom.rom);
    chat.m.send(b"!\r");
    let out = chat.run_until(b"> ");
    let text = String::from_utf8_lossy(&out);
    assert!(text.contains("z80lm loader"), "{text}");
    assert!(text.contains("booting"), "{text}");
    assert_eq!(chat.ask(b"is it a chair"), b"WIN");
}
