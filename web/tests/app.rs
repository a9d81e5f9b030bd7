//! The page's engine room without a browser: for each board, the shipped guess model is
//! built, booted and asked a question through the same calls the page makes; the answer must be
//! the host reference's, and every generated character is timed. (host/tests/web_page.rs runs
//! the page itself in Chromium.)

use testsupport::require;
use z80lm_web::image::Target;
use z80lm_web::machine::Status;
use z80lm_web::App;

const QUESTION: &[u8] = b"is it a chair";

fn app() -> (App, String) {
    let path = testsupport::example_model_path("guess");
    let bytes = std::fs::read(&path).unwrap();
    let model = z80lm::model::Model::from_npz(&bytes).unwrap();
    let answer = String::from_utf8(z80lm::model::infer::respond(&model, QUESTION)).unwrap();
    let mut app = App::default();
    app.inbox = bytes;
    app.set_model().unwrap();
    (app, answer)
}

/// Builds for `target`, boots, waits `ready(text)`, types the question and Enter, and runs
/// until `read` shows the answer after it. Returns the characters timed.
fn ask(
    app: &mut App,
    target: Target,
    answer: &str,
    read: impl Fn(&mut App, &mut String) -> String,
) -> u64 {
    app.build(target).unwrap();
    app.boot().unwrap();
    let mut seen = String::new();
    let slice = 1_000_000;
    let mut spent = 0u64;
    let mut run_until = |app: &mut App, seen: &mut String, done: &dyn Fn(&str) -> bool| loop {
        let st = app.machine().unwrap().run(slice).unwrap();
        assert_ne!(st, Status::Ended, "{seen}");
        let text = read(app, seen);
        if done(&text) {
            return;
        }
        spent += slice;
        assert!(spent < 3_000_000_000, "no answer on {target:?}: {text}");
    };
    // The prompt: "> " on a terminal; a screen's text rows lose their trailing spaces.
    run_until(app, &mut seen, &|t| t.lines().any(|l| l.starts_with('>')));
    let m = app.machine().unwrap();
    for &b in QUESTION {
        assert!(m.key(b), "{b}");
    }
    assert!(m.key(b'\r'));
    let q = String::from_utf8_lossy(QUESTION).into_owned();
    run_until(app, &mut seen, &|t| {
        t.rfind(&q)
            .is_some_and(|i| t[i + q.len()..].contains(answer))
    });
    // Let the last characters finish (the count lags the screen by a step at most).
    app.machine().unwrap().run(5_000_000).unwrap();
    app.machine().unwrap().steps.count
}

fn terminal(app: &mut App, seen: &mut String) -> String {
    let out = app.machine().unwrap().take_output();
    seen.push_str(&String::from_utf8_lossy(&out));
    seen.clone()
}

fn screen(app: &mut App, _: &mut String) -> String {
    app.machine().unwrap().screen_text()
}

#[test]
fn cpm_answers_and_its_file_is_the_com_build_writes() {
    let (mut app, answer) = app();
    let steps = ask(&mut app, Target::Cpm, &answer, terminal);
    assert!(steps >= answer.len() as u64, "{steps} characters timed");
    let model = z80lm::model::Model::load(&testsupport::example_model_path("guess")).unwrap();
    let built = z80lm::engine::targets::cpm::build(&model, &Default::default(), None).unwrap();
    let com = z80lm::engine::targets::cpm::com_bytes(&built.image);
    assert_eq!(app.built().unwrap().file, com);
    assert_eq!(app.built().unwrap().file_name, "CHAT.COM");
}

#[test]
fn rc2014_classic_answers_over_its_serial_line() {
    let (mut app, answer) = app();
    assert!(ask(&mut app, Target::RcClassic, &answer, terminal) >= answer.len() as u64);
}

#[test]
fn game_boy_answers_a_line_typed_with_joypad_presses() {
    let (mut app, answer) = app();
    assert!(ask(&mut app, Target::Gb, &answer, screen) >= answer.len() as u64);
    // A D-pad press by hand loses the cursor: lines can no longer be typed.
    let m = app.machine().unwrap();
    assert!(m.can_type());
    m.button(boards::devices::joypad::Button::Down, true);
    assert!(!m.can_type());
}

#[test]
fn zx_spectrum_loads_the_tape_through_the_rom_and_answers() {
    let rom = require!(
        boards::machines::zx48::locate_rom().ok_or_else(|| testsupport::Missing(
            "the ZX Spectrum 48K ROM (pip skoolkit, or $Z80LM_ZX48_ROM)".into()
        ))
    );
    let (mut app, answer) = app();
    app.build(Target::Zx48).unwrap();
    assert_eq!(
        app.boot().unwrap_err(),
        "the ZX Spectrum needs its 48K ROM (48.rom, 16384 bytes): choose it first"
    );
    app.inbox = std::fs::read(rom).unwrap();
    app.set_rom48().unwrap();
    assert!(ask(&mut app, Target::Zx48, &answer, screen) >= answer.len() as u64);
}

#[test]
fn msx_answers_keys_typed_on_its_matrix() {
    let (main, logo) = require!(boards::machines::msx::locate_cbios().ok_or_else(|| {
        testsupport::Missing("C-BIOS (Debian cbios, or $Z80LM_CBIOS_DIR)".into())
    }));
    let (mut app, answer) = app();
    app.build(Target::Msx).unwrap();
    assert_eq!(app.built().unwrap().file_name, "CHAT.rom");
    assert_eq!(
        app.boot().unwrap_err(),
        "the MSX needs C-BIOS (its main and logo ROMs): none was given"
    );
    app.inbox = [std::fs::read(main).unwrap(), std::fs::read(logo).unwrap()].concat();
    app.set_cbios().unwrap();
    assert!(ask(&mut app, Target::Msx, &answer, screen) >= answer.len() as u64);
}

#[test]
fn a_bad_model_or_rom_is_one_message() {
    let mut app = App::default();
    app.inbox = b"not a zip".to_vec();
    assert!(app.set_model().unwrap_err().starts_with("invalid model: "));
    assert_eq!(app.build(Target::Cpm).unwrap_err(), "no model loaded");
    app.inbox = vec![0; 100];
    assert_eq!(
        app.set_rom48().unwrap_err(),
        "a ZX Spectrum 48K ROM is 16384 bytes; this file has 100"
    );
    app.inbox = vec![0; 0x8000];
    assert_eq!(
        app.set_cbios().unwrap_err(),
        "C-BIOS is its main ROM (32768 bytes) and logo ROM (16384 bytes); this is 32768 bytes"
    );
}
