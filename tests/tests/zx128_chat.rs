//! HIL: the chat engine built by `z80lm`'s real path for the ZX Spectrum 128K (`.tap` with the
//! BASIC loader, the weights in RAM banks paged at 0xC000), loaded from the 128's menu ("Tape
//! Loader") on the emulated 128K with both real ROMs; every public vector whose prompt can be
//! typed on a Spectrum keyboard is typed on the matrix and the answer is read back twice: the
//! bytes the engine printed (con_out, exact) and the text on the screen, both compared with the
//! host reference.

use hil::zx::{boot_128, load_tap_128, Watched};
use hil::{example, require, shared_model, shared_vectors, Missing, Vector};
use z80lm::engine::targets::zx128;
use z80lm::engine::Layout;
use z80lm::model::Model;

/// Build, load and chat through every typable vector of `vectors`; returns (checked, left out
/// as not typable).
fn chat_vectors(name: &str, model: &Model, vectors: &[Vector]) -> Result<(usize, usize), Missing> {
    let built = zx128::build(model, &Layout::Auto).expect("fits the 128K");
    eprintln!(
        "{name}: {}\n{}",
        built.built.plan_report(),
        built.memory_map()
    );
    let mut zx = boot_128()?;
    let sym = |n: &str| {
        built
            .built
            .image
            .symbol(n)
            .unwrap_or_else(|| panic!("no symbol {n}"))
    };
    let mut con = Watched::new(&mut zx, sym("con_in"), sym("con_out"));
    load_tap_128(&mut zx, &built.tape.to_tap()).expect("tap");
    assert!(
        con.run_until(&mut zx, b"> ", 600),
        "no prompt after loading: {:#?}",
        zx.screen_text()
    );
    // Every bank holds what the build put there.
    for (bank, data) in &built.banks {
        let ram = zx.ram_bank(usize::from(*bank)).expect("128K");
        assert!(ram[..data.len()] == data[..], "bank {bank}");
    }
    let hil::zx::Typed {
        checked, skipped, ..
    } = hil::zx::chat_typed(&mut zx, &mut con, model, vectors);
    eprintln!("{name}: {checked} vectors answered exactly, {skipped} skipped (not typable)");
    // A line starting with '!' ends the chat: back to 128 BASIC, which reports "0 OK".
    con.type_char(&mut zx, '!');
    con.type_char(&mut zx, '\n');
    zx.run_frames(50);
    let text = zx.screen_text();
    assert!(text.iter().any(|l| l.starts_with("0 OK, 10:")), "{text:#?}");
    Ok((checked, skipped))
}

fn upstream(name: &str) {
    let model = require!(shared_model(name));
    let vectors = require!(shared_vectors(name));
    let (checked, skipped) = require!(chat_vectors(name, &model, &vectors));
    assert!(
        checked > 0 && skipped < 5,
        "{checked} checked, {skipped} skipped"
    );
}

#[test]
fn guess_answers_every_typable_vector_on_the_128k() {
    upstream("guess");
}

#[test]
fn tinychat_answers_every_typable_vector_on_the_128k() {
    upstream("tinychat");
}

/// Our models in `examples/`, on our own prompts, answers from the host reference.
fn shipped(name: &str) {
    let (model, vectors) = example(name);
    let (checked, skipped) = require!(chat_vectors(name, &model, &vectors));
    assert!(
        checked > 0 && skipped < 5,
        "{checked} checked, {skipped} skipped"
    );
}

#[test]
fn our_shipped_guess_model_answers_like_the_host_reference_on_the_128k() {
    shipped("guess");
}

#[test]
fn our_shipped_tinychat_model_answers_like_the_host_reference_on_the_128k() {
    shipped("tinychat");
}

/// Where the build puts things, for the upstream and shipped models: every layer in the lists
/// form in an uncontended bank (0, 4, 6), the code and the engine RAM in bank 2, the tables
/// below 0x8000, and the image's bytes on the tape where the map says.
#[test]
fn every_layer_is_lists_in_an_uncontended_bank() {
    let mut models = vec![
        ("guess", hil::example_model("guess")),
        ("tinychat", hil::example_model("tinychat")),
    ];
    for name in ["guess", "tinychat"] {
        if let Ok(m) = shared_model(name) {
            models.push((name, m));
        }
    }
    for (name, m) in &models {
        let zx = zx128::build(m, &Layout::Auto).expect("fits the 128K");
        assert_eq!(zx.built.plan.name(), "lists", "{name}");
        for l in &zx.layers {
            assert!([0, 4, 6].contains(&l.bank), "{name}: bank {}", l.bank);
            assert!(usize::from(l.org) + l.bytes <= 0x1_0000, "{name}");
        }
        assert_eq!((zx.code.0, zx.loader.entry), (zx128::FIXED, zx128::FIXED));
        assert!(zx.code.1 <= zx.ram.0 && zx.ram.1 <= 0xC000, "{name}");
        assert!(zx.tables.1 <= 0x8000, "{name}");
        let img = &zx.built.image;
        for b in &zx.loader.blocks {
            if b.start >= 0xC000 - 0x4000 && b.start < 0xC000 && b.start >= zx.ram.1 {
                continue; // the start of a long layer: in its bank's assembly, not the image
            }
            let at = usize::from(b.start - img.org);
            assert_eq!(&img.bytes[at..at + b.data.len()], &b.data[..], "{name}");
        }
    }
}

/// The packed layout pages its layers in the same way and answers exactly too.
#[test]
fn the_packed_layout_answers_on_the_128k() {
    let (model, vectors) = example("guess");
    let built = zx128::build(&model, &Layout::All(z80lm::engine::Form::Packed)).expect("fits");
    assert_eq!(built.built.plan.name(), "packed");
    let mut zx = require!(boot_128());
    let sym = |n: &str| built.built.image.symbol(n).unwrap();
    let mut con = Watched::new(&mut zx, sym("con_in"), sym("con_out"));
    load_tap_128(&mut zx, &built.tape.to_tap()).expect("tap");
    assert!(con.run_until(&mut zx, b"> ", 600));
    for (prompt, want) in vectors.iter().take(4) {
        con.out.clear();
        for c in String::from_utf8_lossy(prompt).chars().chain(['\n']) {
            con.type_char(&mut zx, c);
        }
        assert!(con.run_until(&mut zx, b"\r\n> ", 3000));
        let q = prompt.len().min(62);
        assert_eq!(&con.out[q + 2..con.out.len() - 4], &want[..]);
    }
}
