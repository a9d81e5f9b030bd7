//! HIL: the chat engine built by `z80lm`'s real path for the ZX Spectrum 48K (`.tap` with the
//! BASIC loader), loaded with `LOAD ""` on the emulated 48K with the real ROM, autostarting;
//! every public vector whose prompt can be typed on a Spectrum keyboard is typed on the
//! matrix and the answer is read back twice: the bytes the engine printed (con_out, exact)
//! and the text on the screen (font matching), both compared with the host reference.

use hil::zx::{boot, load_tap, screen_answer, Watched};
use hil::{example, example_model, require, shared_model, shared_vectors, Missing, Vector};
use z80lm::engine::targets::zx48;
use z80lm::engine::Layout;
use z80lm::model::{respond, Model};

/// Build, load and chat through every typable vector of `vectors` (answers checked against the
/// host reference too); returns (checked, left out as not typable).
fn chat_vectors(name: &str, model: &Model, vectors: &[Vector]) -> Result<(usize, usize), Missing> {
    let built = zx48::build(model, &Layout::Auto).expect("fits the 48K");
    eprintln!(
        "{name}: {}\n{}",
        built.built.plan.name(),
        built.memory_map()
    );
    let mut zx = boot()?;
    let sym = |n: &str| {
        built
            .built
            .image
            .symbol(n)
            .unwrap_or_else(|| panic!("no symbol {n}"))
    };
    let mut con = Watched::new(&mut zx, sym("con_in"), sym("con_out"));
    load_tap(&mut zx, &built.tape.to_tap(), 0).expect("tap");
    assert!(
        con.run_until(&mut zx, b"> ", 400),
        "no prompt after loading"
    );
    let hil::zx::Typed {
        checked,
        skipped,
        answer_t,
        steps,
    } = hil::zx::chat_typed(&mut zx, &mut con, model, vectors);
    eprintln!("{name}: {checked} vectors answered exactly, {skipped} skipped (not typable)");
    eprintln!(
        "{name}: {} T-states per inference step on average ({:.2} s at 3.5 MHz, contended)",
        answer_t / steps,
        answer_t as f64 / steps as f64 / 3.5e6
    );
    // A line starting with '!' ends the chat: back to BASIC, which reports "0 OK".
    con.type_char(&mut zx, '!');
    con.type_char(&mut zx, '\n');
    zx.run_frames(20);
    let text = zx.screen_text();
    assert!(text[23].starts_with("0 OK, 10:"), "{text:#?}");
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
fn guess_answers_every_typable_vector_on_the_48k() {
    upstream("guess");
}

#[test]
fn tinychat_answers_every_typable_vector_on_the_48k() {
    upstream("tinychat");
}

/// Our models in `examples/` (trained by `z80lm train`), on our own prompts, answers from the
/// host reference.
fn shipped(name: &str) {
    let (model, vectors) = example(name);
    let (checked, skipped) = require!(chat_vectors(name, &model, &vectors));
    assert!(
        checked > 0 && skipped < 5,
        "{checked} checked, {skipped} skipped"
    );
}

#[test]
fn our_shipped_guess_model_answers_like_the_host_reference_on_the_48k() {
    shipped("guess");
}

#[test]
fn our_shipped_tinychat_model_answers_like_the_host_reference_on_the_48k() {
    shipped("tinychat");
}

#[test]
fn the_chat_wav_loads_through_the_rom_at_real_speed_and_answers() {
    let model = example_model("guess");
    assert_eq!(respond(&model, b"is it a chair"), b"WIN");
    let built = zx48::build(&model, &Layout::Auto).expect("fits the 48K");
    let mut zx = require!(boot());
    // The WAV's own edges go to EAR; the ROM's LD-BYTES reads every bit of every block.
    let audio = z80lm::engine::tape::wav::to_wav(&built.tape);
    let pulses = boards::devices::tape::wav_pulses(&audio).unwrap();
    zx.bus.deck = boards::devices::tape::TapeDeck::from_pulses(pulses);
    zx.tape_mode = boards::machines::zx48::TapeMode::Edges;
    let sym = |n: &str| built.built.image.symbol(n).unwrap();
    let mut con = Watched::new(&mut zx, sym("con_in"), sym("con_out"));
    zx.type_load_command();
    let frames = 50 * (audio.len() as u64 / 44_100) + 100;
    assert!(
        con.run_until(&mut zx, b"> ", frames),
        "{:#?}",
        zx.screen_text()
    );
    assert_eq!(zx.trapped_blocks, 0);
    for c in "is it a chair\n".chars() {
        con.type_char(&mut zx, c);
    }
    assert!(con.run_until(&mut zx, b"\r\n> ", 3000));
    assert_eq!(screen_answer(&zx, 1).as_deref(), Some("WIN"));
}

#[test]
fn the_emulator_session_types_lines_and_shows_answers() {
    use z80lm::emu::zx48::{session, Options};
    // The session finds the ROM as the harness does.
    require!(hil::zx::rom());
    let model = example_model("guess");
    assert_eq!(respond(&model, b"is it a chair"), b"WIN");
    let built = zx48::build(&model, &Layout::Auto).expect("fits the 48K");
    let dir = std::env::temp_dir().join(format!("z80lm-zx-emu-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let tap = dir.join("CHAT.tap");
    std::fs::write(&tap, built.tape.to_tap()).unwrap();
    let opts = Options {
        rom: None,
        zx128: false,
        real_tape: false,
        turbo: true,
    };
    let (tx, rx) = std::sync::mpsc::channel();
    for line in ["is it a chair", "hello"] {
        tx.send(z80lm::emu::Input::Line(line.into())).unwrap();
    }
    drop(tx);
    let zx = session(&tap, &opts, rx, false).expect("session");
    let text = zx.screen_text();
    let want: Vec<String> = ["> is it a chair", "WIN", "> hello"]
        .iter()
        .map(|s| s.to_string())
        .chain([
            String::from_utf8(respond(&model, b"hello")).unwrap(),
            ">".into(),
        ])
        .collect();
    assert_eq!(text[..5], want[..], "{text:#?}");
}

/// After `!`, BASIC prints its report into the display file, where the tables and the driver
/// of a 16- or 8-row chat live. Entering the engine again (`RANDOMIZE USR`) then stops with
/// BASIC's "R Tape loading error" instead of running what is left there; loading the tape
/// again brings the chat back.
#[test]
fn entering_again_after_basic_overwrote_the_screen_asks_for_the_tape() {
    use boards::devices::ula::Key;
    let model = example_model("guess");
    let built = zx48::build(&model, &Layout::Auto).expect("fits the 48K");
    assert!(built.text_rows < 24, "the tables are in the display file");
    let img = &built.built.image;
    let sym = |n: &str| img.symbol(n).unwrap_or_else(|| panic!("no symbol {n}"));
    let mut zx = require!(boot());
    let mut con = Watched::new(&mut zx, sym("con_in"), sym("con_out"));
    let tap = built.tape.to_tap();
    load_tap(&mut zx, &tap, 0).expect("tap");
    assert!(con.run_until(&mut zx, b"> ", 400), "no prompt");
    for c in "!\n".chars() {
        con.type_char(&mut zx, c);
    }
    zx.run_frames(20);
    assert!(zx.screen_text()[23].starts_with("0 OK, 10:"));
    let (a, b) = (sym("tables_start"), sym("zx_tables_end"));
    let now = &zx.memory()[usize::from(a)..usize::from(b)];
    let was = &img.bytes[usize::from(a - img.org)..usize::from(b - img.org)];
    assert_ne!(now, was, "BASIC wrote into the tables");
    // RANDOMIZE (T in K mode) USR (extended mode, L) and the entry address.
    zx.tap_keys(&[Key::legend(b'T').unwrap()], 2, 6);
    zx.tap_keys(&[Key::CAPS_SHIFT, Key::SYMBOL_SHIFT], 2, 6);
    zx.tap_keys(&[Key::legend(b'L').unwrap()], 2, 6);
    let entry = built.code.0.to_string();
    zx.type_text(&format!("{entry}\n"), 2, 6).unwrap();
    zx.run_frames(50);
    let text = zx.screen_text();
    assert!(text[23].starts_with("R Tape loading error"), "{text:#?}");
    // LOAD "" and the tape again: the chat answers.
    load_tap(&mut zx, &tap, 0).expect("tap");
    assert!(
        con.run_until(&mut zx, b"> ", 400),
        "no prompt after loading again"
    );
}
