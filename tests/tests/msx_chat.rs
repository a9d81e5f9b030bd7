//! HIL: the MSX cartridge built by `z80lm`'s real path (`engine::targets::msx`, an ASCII8
//! megaROM) on the emulated MSX1 with the real C-BIOS ROMs (Debian package `cbios`): it boots
//! from the cartridge header, and every public vector whose prompt can be typed on the MSX
//! keyboard is typed on the key matrix, key by key. The answer is read back twice: the bytes
//! the engine passed to the BIOS's CHPUT, and the text in the VDP's name table, both compared
//! with the host reference. The upstream models run on a 16K MSX1 (the minimum), the shipped
//! ones on a 64K machine.

use boards::machines::msx::MsxConfig;
use hil::{example, require, shared_model, shared_vectors, Vector};
use testsupport::Missing;
use z80lm::emu::msx::{typable, EmuError, Session};
use z80lm::engine::targets::msx;
use z80lm::engine::Layout;
use z80lm::model::{respond, Model};

/// Screen rows of `text` printed with CHPUT on a 40-column screen, then CR LF.
fn rows(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    if chars.is_empty() {
        return vec![String::new()];
    }
    chars
        .chunks(40)
        .map(|c| c.iter().collect::<String>().trim_end().to_string())
        .collect()
}

/// C-BIOS found, or the reason to skip.
fn cbios() -> Result<(), Missing> {
    boards::machines::msx::locate_cbios()
        .map(|_| ())
        .ok_or_else(|| {
            Missing(
                "the C-BIOS ROMs are not installed (Debian package cbios, /usr/share/cbios)".into(),
            )
        })
}

fn chat_vectors(name: &str, model: &Model, vectors: &[Vector], ram_kb: u32) -> usize {
    let cart = msx::build(model, &Layout::Auto).expect("builds");
    eprintln!("{name}: {}\n{}", cart.built.plan.name(), cart.memory_map());
    let cfg = MsxConfig {
        ram_kb,
        ..MsxConfig::default()
    };
    let (mut s, boot) = Session::boot(&cart.rom, cfg).expect("boots to a prompt");
    assert_eq!(boot.output, b"> ");
    assert!(boot.screen[0].starts_with("> "), "{:#?}", boot.screen);
    let (mut checked, mut skipped) = (0, 0);
    for (prompt, want) in vectors {
        if !typable(prompt) || prompt.starts_with(b"!") {
            skipped += 1;
            continue;
        }
        assert_eq!(respond(model, prompt), *want, "reference: {prompt:?}");
        let r = s.ask(prompt).unwrap_or_else(|e| panic!("{name}: {e}"));
        let q = prompt.len().min(62);
        // The echo (the bytes past the 62nd are dropped), CR LF, the answer, CR LF, "> ".
        let mut expect = prompt[..q].to_vec();
        expect.extend_from_slice(b"\r\n");
        expect.extend_from_slice(want);
        expect.extend_from_slice(b"\r\n> ");
        assert_eq!(
            String::from_utf8_lossy(&r.output),
            String::from_utf8_lossy(&expect),
            "{name}: CHPUT output for {prompt:?}"
        );
        // On the screen: the last row is the new prompt; above it the answer and the line.
        let echo = format!("> {}", String::from_utf8_lossy(&prompt[..q]));
        let mut want_rows = rows(&echo);
        want_rows.extend(rows(&String::from_utf8_lossy(want)));
        let last = r
            .screen
            .iter()
            .rposition(|l| l.trim_end() == ">")
            .unwrap_or_else(|| panic!("no prompt row: {:#?}", r.screen));
        assert!(last >= want_rows.len(), "{:#?}", r.screen);
        let shown: Vec<String> = r.screen[last - want_rows.len()..last]
            .iter()
            .map(|l| l.trim_end().to_string())
            .collect();
        assert_eq!(shown, want_rows, "{name}: screen for {prompt:?}");
        checked += 1;
    }
    eprintln!("{name}: {checked} vectors answered exactly, {skipped} skipped (not typable)");
    // A line starting with '!' starts the chat again on a cleared screen.
    let r = s.ask(b"!").expect("restarts");
    assert_eq!(r.screen[0].trim_end(), ">", "{:#?}", r.screen);
    assert!(r.screen[1..].iter().all(|l| l.trim().is_empty()));
    assert!(
        checked > 0 && skipped < 5,
        "{checked} checked, {skipped} skipped"
    );
    checked
}

fn upstream(name: &str) {
    require!(cbios());
    let model = require!(shared_model(name));
    let vectors = require!(shared_vectors(name));
    chat_vectors(name, &model, &vectors, 16);
}

#[test]
fn guess_answers_every_typable_vector_on_a_16k_msx1() {
    upstream("guess");
}

#[test]
fn tinychat_answers_every_typable_vector_on_a_16k_msx1() {
    upstream("tinychat");
}

/// Our models in `examples/`, on our own prompts, answers from the host reference.
fn shipped(name: &str) {
    require!(cbios());
    let (model, vectors) = example(name);
    chat_vectors(name, &model, &vectors, 64);
}

#[test]
fn our_shipped_guess_model_answers_like_the_host_reference_on_the_msx() {
    shipped("guess");
}

#[test]
fn our_shipped_tinychat_model_answers_like_the_host_reference_on_the_msx() {
    shipped("tinychat");
}

#[test]
fn a_cartridge_that_is_not_one_is_refused_and_no_bios_is_named() {
    require!(cbios());
    let dir = testsupport::scratch("msx-not-a-cart");
    let path = dir.join("x.rom");
    std::fs::write(&path, [0u8; 0x8000]).unwrap();
    let (_tx, rx) = std::sync::mpsc::channel();
    let e = z80lm::emu::msx::session(&path, &Default::default(), rx, false).err();
    assert!(matches!(e, Some(EmuError::NotCartridge(_))), "{e:?}");
}
