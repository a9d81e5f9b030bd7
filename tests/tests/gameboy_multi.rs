//! HIL: a Game Boy cartridge with several models (`engine::targets::gameboy::build_models`)
//! on the emulated DMG: the start menu lists every model with its speed, the joypad chooses
//! one, its answers equal the host reference (`z80lm::model::infer`) step by step, `!` goes
//! back to the menu and the next model answers as well. The saved transcript belongs to one
//! model: choosing another clears it, choosing the same keeps it (also across power-off).

use boards::machines::gameboy::cartridge;
use hil::{example, example_model, require, shared_model, shared_vectors, Vector};
use z80lm::engine::targets::gameboy::{self, session::Session, GbError};
use z80lm::engine::Layout;
use z80lm::model::infer::Engine;
use z80lm::model::Model;

/// The screen rows (transcript and window) as text, right-trimmed.
fn rows(s: &Session) -> Vec<String> {
    s.gb.screen_text(gameboy::tile_char)
        .iter()
        .map(|r| r.trim_end().to_string())
        .collect()
}

/// Asks every prompt of `vs` (typeable ones) and checks the screen and the per-step logits
/// against the host reference (and the vector's answer when it has one). Returns the
/// first prompt with its T-states and steps.
fn check(s: &mut Session, name: &str, m: &Model, vs: &[Vector]) -> (Vec<u8>, u64, u32) {
    let mut first = None;
    let mut checked = 0;
    for (prompt, expected) in vs {
        if prompt.is_empty() || prompt.iter().any(|&b| !(0x20..0x7F).contains(&b)) {
            continue;
        }
        let a = s.ask(prompt).unwrap();
        let mut logits = Vec::new();
        let host = Engine::new(m).respond_traced(prompt, |st| logits.push(st.logits.clone()));
        let p = String::from_utf8_lossy(prompt);
        assert_eq!(a.text, host, "{name}: prompt {p:?}");
        assert_eq!(&a.text, expected, "{name}: prompt {p:?} (vector)");
        assert_eq!(a.logits, logits, "{name}: per-step logits, prompt {p:?}");
        first.get_or_insert((prompt.clone(), a.engine_tstates, a.steps));
        checked += 1;
    }
    eprintln!(
        "{name}: {checked}/{} prompts on the two-model cartridge",
        vs.len()
    );
    assert!(checked > 0);
    first.unwrap()
}

/// A shipped example with its first prompts answered by the host reference.
fn host_vectors(name: &str) -> (Model, Vec<Vector>) {
    let (m, mut vs) = example(name);
    vs.truncate(4);
    (m, vs)
}

/// The engine's T-states and the steps of `prompt` on the one-model cartridge of `m`.
fn one_model_tstates(m: &Model, prompt: &[u8]) -> (u64, u32) {
    let image = gameboy::build(m, &Layout::Auto).unwrap();
    let mut s = Session::boot(&image).unwrap();
    let a = s.ask(prompt).unwrap();
    (a.engine_tstates, a.steps)
}

/// Both models through the menu: choose 1, ask, back, choose 2, ask; the engine takes exactly
/// the T-states for each first answer that it takes on the model's own cartridge (the menu
/// does not slow the engine; the screen's and link port's waits depend on the LCD's phase).
fn two_models(names: [&str; 2], ms: [&Model; 2], vs: [&[Vector]; 2]) {
    let named: Vec<(String, &Model)> = names.iter().map(|n| n.to_string()).zip(ms).collect();
    let image = gameboy::build_models(&named, &Layout::Auto, &Default::default()).unwrap();
    let h = cartridge::parse(&image.rom).unwrap();
    assert_eq!(h.rom_bytes(), image.rom.len());
    let last = image.models.iter().map(|m| m.last).max().unwrap();
    assert_eq!(image.rom.len(), (last + 1).next_power_of_two() * 0x4000);
    eprintln!("{}{}", image.plan_report(), image.report());
    let mut s = Session::boot_menu(&image, false, None).unwrap();
    let menu = rows(&s);
    eprintln!("{}", menu.join("\n"));
    assert_eq!(menu[0], "z80lm: pick a model");
    for (k, m) in image.models.iter().enumerate() {
        let row = &menu[3 + k];
        assert!(row[2..].starts_with(&m.name), "menu row {row:?}");
        assert!(
            row.ends_with(&format!("~{:.2}", m.seconds_per_char())),
            "menu row {row:?}"
        );
    }
    assert!(menu[3].starts_with('>'), "the mark starts on model 1");
    for k in [0, 1] {
        s.choose(k).unwrap();
        let shown = rows(&s);
        assert_eq!(shown[0], format!("z80lm chat: {}", names[k]), "{shown:?}");
        let (p, t, steps) = check(&mut s, names[k], ms[k], vs[k]);
        let one = one_model_tstates(ms[k], &p);
        assert_eq!(
            (t, steps),
            one,
            "{}: engine T-states of the first answer",
            names[k]
        );
        eprintln!(
            "{}: {} engine T-states per step, as on its own cartridge",
            names[k],
            t / u64::from(steps)
        );
        s.back_to_menu().unwrap();
        assert_eq!(rows(&s)[0], "z80lm: pick a model");
    }
}

#[test]
fn two_example_models_answer_through_the_menu() {
    let ((g, vg), (t, vt)) = (host_vectors("guess"), host_vectors("tinychat"));
    two_models(["guess", "tinychat"], [&g, &t], [&vg, &vt]);
}

#[test]
fn two_shared_models_answer_every_public_vector() {
    let g = require!(shared_model("guess"));
    let t = require!(shared_model("tinychat"));
    let vg = require!(shared_vectors("guess"));
    let vt = require!(shared_vectors("tinychat"));
    two_models(["guess", "tinychat"], [&g, &t], [&vg, &vt]);
}

/// The transcript belongs to one model: another model's chat starts clean, the same model's
/// keeps it, also after power-off (the menu's mark then starts on that model).
#[test]
fn the_saved_transcript_is_cleared_when_the_model_changes() {
    let (g, t) = (example_model("guess"), example_model("tinychat"));
    let named = vec![("guess".to_string(), &g), ("tinychat".to_string(), &t)];
    let image = gameboy::build_models(&named, &Layout::Auto, &Default::default()).unwrap();
    let mut s = Session::boot_menu(&image, false, None).unwrap();
    s.choose(0).unwrap();
    let a = s.ask(b"is it a chair").unwrap();
    assert_eq!(a.text, z80lm::model::respond(&g, b"is it a chair"));
    s.back_to_menu().unwrap();
    s.choose(0).unwrap();
    let kept = rows(&s);
    assert_eq!(kept[0], "z80lm chat: guess", "{kept:?}");
    assert_eq!(
        kept[1], "> is it a chair",
        "the same model keeps its transcript"
    );
    assert!(kept.contains(&"> !".to_string()), "{kept:?}");
    s.back_to_menu().unwrap();
    s.choose(1).unwrap();
    let clean = rows(&s);
    assert_eq!(
        clean[..2],
        ["z80lm chat: tinychat", ">"],
        "another model's starts clean"
    );
    let b = s.ask(b"hello").unwrap();
    assert_eq!(b.text, z80lm::model::respond(&t, b"hello"));
    let save = s.gb.save_ram().unwrap().to_vec();
    // Power-off: the mark starts on tinychat, whose transcript comes back.
    let mut s = Session::boot_menu(&image, false, Some(&save)).unwrap();
    assert_eq!(s.marked(), 1);
    assert!(rows(&s)[4].starts_with("> tinychat"), "{:?}", rows(&s));
    s.choose(1).unwrap();
    let back = rows(&s);
    assert_eq!(back[..2], ["z80lm chat: tinychat", "> hello"], "{back:?}");
    // ... and guess starts clean.
    let mut s = Session::boot_menu(&image, false, Some(&save)).unwrap();
    s.choose(0).unwrap();
    assert_eq!(rows(&s)[..2], ["z80lm chat: guess", ">"]);
    assert_eq!(
        s.ask(b"is it a chair").unwrap().text,
        z80lm::model::respond(&g, b"is it a chair")
    );
}

/// More models than the menu lists, and more than 512 banks: the planner's error, nothing
/// built.
#[test]
fn too_many_models_or_banks_are_refused() {
    let g = example_model("guess-mini");
    let named: Vec<(String, &Model)> = (0..256).map(|k| (format!("m{k}"), &g)).collect();
    match gameboy::build_models(&named, &Layout::Auto, &Default::default()) {
        Err(GbError::TooManyModels { got: 256 }) => {}
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("256 models built"),
    }
    let big = dense();
    let named: Vec<(String, &Model)> = (0..4).map(|k| (format!("big{k}"), &big)).collect();
    match gameboy::build_models(&named, &Layout::Auto, &Default::default()) {
        Err(GbError::CartridgeFull {
            name, first, banks, ..
        }) => {
            // 128 banks each: 1-128, then 256-383 (not across bank 256), 384-511, no room.
            assert_eq!((name.as_str(), first, banks), ("big3", 512, 128));
        }
        Err(e) => panic!("{e}"),
        Ok(image) => panic!("built {} banks", image.rom.len() / 0x4000),
    }
}

/// A model with every weight non-zero: 256 -> 256 -> 128, 128 banks per copy.
pub fn dense() -> Model {
    use z80lm::model::Layer;
    let layer = |out: usize, inp: usize| Layer {
        out,
        inp,
        weights: (0..out * inp).map(|i| [1i8, -1, -2][i % 3]).collect(),
        bias: vec![0; out],
    };
    let mut charset: Vec<u8> = (0..127u8).map(|c| c.max(b' ')).collect();
    charset.push(0);
    Model {
        layers: vec![layer(256, 256), layer(128, 256)],
        charset,
        warning: None,
    }
}

/// `z80lm emu`'s front end on a several-model cartridge: in the start menu a line is a model's
/// number (anything else is refused with a message), and the chosen model's chat starts.
#[test]
fn emu_front_end_chooses_a_model_by_its_number() {
    use z80lm::emu::gb as emu_gb;
    let (g, t) = (example_model("guess"), example_model("tinychat"));
    let named = vec![("guess".to_string(), &g), ("tinychat".to_string(), &t)];
    let image = gameboy::build_models(&named, &Layout::Auto, &Default::default()).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    for line in ["3", "hello", "2"] {
        tx.send(z80lm::emu::Input::Line(line.as_bytes().to_vec()))
            .unwrap();
    }
    drop(tx);
    let opts = emu_gb::Options {
        turbo: true,
        ..Default::default()
    };
    let gb = emu_gb::drive(image.rom, &opts, rx, false).unwrap();
    let screen = emu_gb::screen(&gb);
    assert!(
        screen.contains("|z80lm chat: tinychat|\n|>                   |"),
        "{screen}"
    );
}

/// Models past bank 255: the menu sets the MBC5's bank bit 8 for them. Two 128-bank models put
/// the second at banks 256-383 (it would cross bank 256 from 129) and guess after it; both
/// answer as the host reference, and so does the first after them.
#[test]
fn models_past_bank_255_answer() {
    let big = dense();
    let g = example_model("guess");
    let named = vec![
        ("big1".to_string(), &big),
        ("big2".to_string(), &big),
        ("guess".to_string(), &g),
    ];
    let image = gameboy::build_models(&named, &Layout::Auto, &Default::default()).unwrap();
    let banks: Vec<(usize, usize)> = image.models.iter().map(|m| (m.first, m.last)).collect();
    assert_eq!(banks[..2], [(1, 128), (256, 383)]);
    assert_eq!(banks[2].0, 384);
    assert_eq!(image.rom.len(), 512 * 0x4000, "8 MiB");
    assert_eq!(cartridge::parse(&image.rom).unwrap().rom_size_code, 8);
    let mut s = Session::boot_menu(&image, false, None).unwrap();
    for (k, m, line) in [
        (2, &g, &b"is it a chair"[..]),
        (1, &big, b"hello"),
        (0, &big, b"hi"),
    ] {
        s.choose(k).unwrap();
        let a = s.ask(line).unwrap();
        let mut logits = Vec::new();
        let host = Engine::new(m).respond_traced(line, |st| logits.push(st.logits.clone()));
        assert_eq!(a.text, host, "model {}", k + 1);
        assert_eq!(a.logits, logits, "model {}", k + 1);
        s.back_to_menu().unwrap();
    }
}

/// A small model of its own for each `seed` (256 -> 8 -> 4, "AB \0"): a bank or two.
fn tiny(seed: u32) -> Model {
    use z80lm::model::Layer;
    let mut x = seed.wrapping_mul(2_654_435_761).max(1);
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        x
    };
    let mut layer = |out: usize, inp: usize| Layer {
        out,
        inp,
        weights: (0..out * inp)
            .map(|_| [0i8, 0, 1, -1, -2][(next() % 5) as usize])
            .collect(),
        bias: (0..out).map(|_| (next() % 9) as i16 - 4).collect(),
    };
    Model {
        layers: vec![layer(8, 256), layer(4, 8)],
        charset: b"AB \0".to_vec(),
        warning: None,
    }
}

/// More models than the menu's 14 rows: moving the mark past the last row scrolls the list;
/// the 16th model, chosen there, answers as the host reference; Up from the first wraps to it.
#[test]
fn the_menu_scrolls_past_14_models() {
    let models: Vec<Model> = (1..=16).map(tiny).collect();
    let named: Vec<(String, &Model)> = models
        .iter()
        .enumerate()
        .map(|(k, m)| (format!("tiny{}", k + 1), m))
        .collect();
    let image = gameboy::build_models(&named, &Layout::Auto, &Default::default()).unwrap();
    let mut s = Session::boot_menu(&image, false, None).unwrap();
    let shown = rows(&s);
    assert!(shown[3].starts_with("> tiny1 "), "{shown:?}");
    assert!(shown[16].starts_with("  tiny14 "), "{shown:?}");
    assert_eq!(shown[17], "", "{shown:?}");
    s.choose(15).unwrap();
    let a = s.ask(b"hello").unwrap();
    assert_eq!(a.text, z80lm::model::respond(&models[15], b"hello"));
    s.back_to_menu().unwrap();
    let shown = rows(&s);
    // The mark on the 16th: the list starts at the 3rd.
    assert!(shown[3].starts_with("  tiny3 "), "{shown:?}");
    assert!(shown[16].starts_with("> tiny16 "), "{shown:?}");
    s.choose(1).unwrap();
    assert_eq!(
        s.ask(b"hi").unwrap().text,
        z80lm::model::respond(&models[1], b"hi")
    );
    s.back_to_menu().unwrap();
    // Down from the 16th wrapped to the 1st: the list starts at the top again.
    let shown = rows(&s);
    assert!(shown[3].starts_with("  tiny1 "), "{shown:?}");
    assert!(shown[4].starts_with("> tiny2 "), "{shown:?}");
}
