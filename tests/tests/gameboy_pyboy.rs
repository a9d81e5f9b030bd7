//! Independent check: the cartridge built from the guess model runs in PyBoy (a different
//! emulator, with its own boot ROM and PPU), driven by `tests/py/pyboy_chat.py` from the
//! keyboard documentation alone, and "is it a chair" is answered WIN on PyBoy's screen.
//! The shipped example guess model (no `../shared` needed). Skips with a reason when python3 or
//! PyBoy is missing (a failure in CI).

use std::path::Path;
use std::process::Command;

use hil::{example_model, require};
use z80lm::engine::targets::gameboy;
use z80lm::engine::Layout;
use z80lm::model::respond;

#[test]
fn pyboy_types_is_it_a_chair_and_shows_win() {
    let python = require!(testsupport::python_module("pyboy", "pyboy"));
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let model = example_model("guess");
    assert_eq!(respond(&model, b"is it a chair"), b"WIN");
    let image = gameboy::build(&model, &Layout::Auto).unwrap();
    let rom = std::env::temp_dir().join(format!("z80lm-pyboy-{}.gb", std::process::id()));
    std::fs::write(&rom, &image.rom).unwrap();
    let script = root.join("py/pyboy_chat.py");
    let out = Command::new(python)
        .arg(&script)
        .arg(&rom)
        .arg("is it a chair")
        .output()
        .expect("python3 runs pyboy_chat.py");
    let _ = std::fs::remove_file(&rom);
    let screen = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "pyboy_chat.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("PyBoy screen:\n{screen}");
    let rows: Vec<&str> = screen.lines().map(str::trim_end).collect();
    let asked = rows
        .iter()
        .position(|r| *r == "> is it a chair")
        .unwrap_or_else(|| panic!("query not echoed:\n{screen}"));
    assert_eq!(
        rows.get(asked + 1),
        Some(&"WIN"),
        "screen in PyBoy:\n{screen}"
    );
    assert_eq!(rows.get(asked + 2), Some(&">"), "no new prompt:\n{screen}");
}
