//! Independent check: the cartridge built from the guess model runs in PyBoy (a different
//! emulator, with its own boot ROM and PPU), driven by `tests/py/pyboy_chat.py` from the
//! keyboard documentation alone, and "is it a chair" is answered WIN on PyBoy's screen; the
//! Game Boy Color build does the same in PyBoy's CGB mode, in double speed; a two-model
//! cartridge is driven through its start menu (the script reads the menu's mark off the screen).
//! The shipped example guess model (no `../shared` needed). Skips with a reason when python3 or
//! PyBoy is missing (a failure in CI).

use std::path::Path;
use std::process::Command;

use hil::{example_model, require};
use z80lm::engine::targets::gameboy;
use z80lm::engine::Layout;
use z80lm::model::respond;

/// Runs `pyboy_chat.py` (with `--cgb`: PyBoy as a Game Boy Color) on `rom`, typing `line`;
/// returns the screen rows it prints.
fn pyboy_chat(python: &Path, rom: &[u8], line: &str, cgb: bool) -> Vec<String> {
    pyboy_chat_ram(python, rom, line, cgb, &[])
}

/// [`pyboy_chat`] with more options (`--ram IN`, `--save-ram OUT`).
fn pyboy_chat_ram(
    python: &Path,
    rom: &[u8],
    line: &str,
    cgb: bool,
    opts: &[&std::ffi::OsStr],
) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let path = std::env::temp_dir().join(format!(
        "z80lm-pyboy-{}-{}.gb",
        std::process::id(),
        u8::from(cgb)
    ));
    std::fs::write(&path, rom).unwrap();
    let mut cmd = Command::new(python);
    cmd.arg(root.join("py/pyboy_chat.py"));
    if cgb {
        cmd.arg("--cgb");
    }
    cmd.args(opts);
    let out = cmd
        .arg(&path)
        .arg(line)
        .output()
        .expect("python3 runs pyboy_chat.py");
    let _ = std::fs::remove_file(&path);
    assert!(
        out.status.success(),
        "pyboy_chat.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let screen = String::from_utf8_lossy(&out.stdout);
    eprintln!("PyBoy screen:\n{screen}");
    screen.lines().map(|r| r.trim_end().to_string()).collect()
}

/// The row after `> line` is `answer`, then a new prompt.
fn assert_answered(rows: &[String], line: &str, answer: &str) {
    let screen = rows.join("\n");
    let asked = rows
        .iter()
        .position(|r| *r == format!("> {line}"))
        .unwrap_or_else(|| panic!("query not echoed:\n{screen}"));
    assert_eq!(
        rows.get(asked + 1).map(String::as_str),
        Some(answer),
        "screen in PyBoy:\n{screen}"
    );
    assert_eq!(
        rows.get(asked + 2).map(String::as_str),
        Some(">"),
        "no new prompt:\n{screen}"
    );
}

#[test]
fn pyboy_types_is_it_a_chair_and_shows_win() {
    let python = require!(testsupport::python_module("pyboy", "pyboy"));
    let model = example_model("guess");
    assert_eq!(respond(&model, b"is it a chair"), b"WIN");
    let image = gameboy::build(&model, &Layout::Auto).unwrap();
    let rows = pyboy_chat(&python, &image.rom, "is it a chair", false);
    assert_answered(&rows, "is it a chair", "WIN");
}

/// The Game Boy Color build in PyBoy's CGB mode: it switched to double speed (KEY1 bit 7, as
/// PyBoy reports it), says so under the banner and answers.
#[test]
fn pyboy_cgb_runs_the_gbc_build_in_double_speed() {
    let python = require!(testsupport::python_module("pyboy", "pyboy"));
    let model = example_model("guess");
    let opts = gameboy::Options { cgb: true };
    let image = gameboy::build_with(&model, &Layout::Auto, &opts).unwrap();
    assert_eq!(image.rom[0x143], 0x80);
    let rows = pyboy_chat(&python, &image.rom, "is it a chair", true);
    assert!(
        rows.iter().any(|r| r == "z80lm chat CGB 8 MHz"),
        "no speed under the banner: {rows:?}"
    );
    assert_answered(&rows, "is it a chair", "WIN");
    let key1 = rows.last().and_then(|r| r.strip_prefix("KEY1 0x")).unwrap();
    let key1 = u8::from_str_radix(key1, 16).unwrap();
    assert_eq!(key1 & 0x80, 0x80, "KEY1 {key1:#04x}: not in double speed");
}

/// The cartridge RAM file is the same thing in both emulators: PyBoy starts from the RAM our
/// emulator left after a chat (its ram_file) and shows that transcript, and PyBoy's saved RAM
/// brings both chats back on our emulated Game Boy.
#[test]
fn pyboy_and_our_emulator_share_the_saved_transcript() {
    use z80lm::engine::targets::gameboy::session::Session;
    let python = require!(testsupport::python_module("pyboy", "pyboy"));
    let model = example_model("guess");
    let image = gameboy::build(&model, &Layout::Auto).unwrap();
    let mut s = Session::boot(&image).unwrap();
    assert_eq!(s.ask(b"is it a chair").unwrap().text, b"WIN");
    let dir = std::env::temp_dir();
    let ours = dir.join(format!("z80lm-pyboy-{}-ours.sav", std::process::id()));
    let theirs = dir.join(format!("z80lm-pyboy-{}-theirs.sav", std::process::id()));
    std::fs::write(&ours, s.gb.save_ram().unwrap()).unwrap();
    let opts = [
        "--ram".as_ref(),
        ours.as_os_str(),
        "--save-ram".as_ref(),
        theirs.as_os_str(),
    ];
    let rows = pyboy_chat_ram(&python, &image.rom, "do you dream", false, &opts);
    let expect = String::from_utf8(respond(&model, b"do you dream")).unwrap();
    assert_answered(&rows, "do you dream", &expect);
    assert!(rows.iter().any(|r| r == "> is it a chair"), "{rows:?}");
    let saved = std::fs::read(&theirs).unwrap();
    let _ = std::fs::remove_file(&ours);
    let _ = std::fs::remove_file(&theirs);
    let s = Session::boot_with(&image, false, Some(&saved)).unwrap();
    let t: Vec<String> = s
        .transcript()
        .iter()
        .map(|r| r.trim_end().to_string())
        .collect();
    for row in ["> is it a chair", "WIN", "> do you dream", expect.as_str()] {
        assert!(t.iter().any(|r| r == row), "{row:?} not in {t:?}");
    }
}

/// A two-model cartridge in PyBoy: the script finds the start menu's mark on the screen,
/// chooses guess, asks, goes back with `!`, chooses tinychat, asks, and guess again; each
/// answer is the host reference's, each chat of another model starts on a cleared transcript.
#[test]
fn pyboy_chooses_both_models_of_a_two_model_cartridge() {
    let python = require!(testsupport::python_module("pyboy", "pyboy"));
    let (g, t) = (example_model("guess"), example_model("tinychat"));
    let named = vec![("guess".to_string(), &g), ("tinychat".to_string(), &t)];
    let image = gameboy::build_models(&named, &Layout::Auto, &Default::default()).unwrap();
    let path = std::env::temp_dir().join(format!("z80lm-pyboy-{}-two.gb", std::process::id()));
    std::fs::write(&path, &image.rom).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let asks = [
        (1, "guess", &g, "is it a chair"),
        (2, "tinychat", &t, "hello"),
        (1, "guess", &g, "is it red"),
    ];
    let mut cmd = Command::new(&python);
    cmd.arg(root.join("py/pyboy_chat.py")).arg(&path);
    for (k, _, _, line) in &asks {
        cmd.arg("--ask").arg(k.to_string()).arg(line);
    }
    let out = cmd.output().expect("python3 runs pyboy_chat.py");
    let _ = std::fs::remove_file(&path);
    assert!(
        out.status.success(),
        "pyboy_chat.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // PyBoy's own warnings (missing optional packages) come first on stdout.
    let text: String = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.starts_with("pyboy."))
        .map(|l| format!("{l}\n"))
        .collect();
    eprintln!("PyBoy screens:\n{text}");
    let screens: Vec<&str> = text.split("----\n").filter(|s| !s.is_empty()).collect();
    assert_eq!(screens.len(), asks.len());
    for (screen, (_, name, m, line)) in screens.iter().zip(&asks) {
        let rows: Vec<String> = screen.lines().map(|r| r.trim_end().to_string()).collect();
        // Another model than the last: its chat starts on a cleared transcript.
        assert_eq!(rows[0], format!("z80lm chat: {name}"), "{screen}");
        assert_eq!(rows[1], format!("> {line}"), "{screen}");
        let end = rows[2..]
            .iter()
            .position(|r| r == ">")
            .unwrap_or_else(|| panic!("no new prompt:\n{screen}"));
        let shown: String = rows[2..2 + end].concat();
        let host = respond(m, line.as_bytes());
        assert_eq!(shown.as_bytes(), &host[..], "{name}, {line:?}:\n{screen}");
    }
}
