//! The browser page (`web/`) in a real browser: `web/build.sh` compiles the build path and the
//! emulated boards to WebAssembly, then `web/tests/browser.mjs` serves the page on 127.0.0.1
//! and drives Debian's chromium with playwright-core: on CP/M, the RC2014 Classic, the Game
//! Boy (typed on its on-screen keyboard with joypad presses), the MSX and the ZX Spectrum
//! (typed on their keyboard matrices) it builds the shipped guess model, asks a question and waits for the
//! host reference's answer; the `.COM` it downloads must be the one `z80lm build` writes.
//! Screenshots go to `target/web-test/`.

use std::path::{Path, PathBuf};
use std::process::Command;

use testsupport::{require, Missing};

const QUESTION: &str = "is it a chair";

/// A file a Debian package installs, or what is missing.
fn debian_file(path: &str, package: &str) -> Result<PathBuf, Missing> {
    let p = PathBuf::from(path);
    if p.exists() {
        Ok(p)
    } else {
        Err(Missing(format!("{path} (Debian {package})")))
    }
}

/// playwright-core in web/node_modules (`npm ci` in web/, as .ci/run does).
fn playwright(root: &Path) -> Result<(), Missing> {
    if root
        .join("web/node_modules/playwright-core/package.json")
        .is_file()
    {
        Ok(())
    } else {
        Err(Missing(
            "web/node_modules/playwright-core (run `npm ci` in web/)".into(),
        ))
    }
}

#[test]
fn the_page_answers_on_every_board_and_downloads_what_build_writes() {
    let root = testsupport::root();
    require!(debian_file("/usr/bin/chromium", "chromium"));
    require!(debian_file("/usr/bin/cargo", "cargo-web"));
    require!(debian_file("/usr/bin/rustc", "rustc-web"));
    require!(debian_file(
        "/usr/lib/rustlib/src/rust/library/Cargo.lock",
        "rust-web-src"
    ));
    require!(testsupport::tool("wasm-ld", "Debian lld"));
    let node = require!(testsupport::tool("node", "Debian nodejs"));
    require!(playwright(&root));
    let rom48 = boards::machines::zx48::locate_rom();
    if rom48.is_none() {
        testsupport::skip(&Missing(
            "the ZX Spectrum 48K ROM (pip skoolkit, or $Z80LM_ZX48_ROM): the page's ZX board is not tried"
                .into(),
        ));
    }

    // web/build.sh copies C-BIOS into the page from where the native MSX takes it.
    let cbios = boards::machines::msx::locate_cbios().is_some();
    if !cbios {
        testsupport::skip(&Missing(
            "C-BIOS (Debian cbios, or $Z80LM_CBIOS_DIR): the page's MSX is not tried".into(),
        ));
    }

    // The page's wasm from the current sources (quick when nothing changed).
    let build = Command::new(root.join("web/build.sh"))
        .current_dir(&root)
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .output()
        .expect("web/build.sh runs");
    assert!(
        build.status.success(),
        "web/build.sh failed:\n{}",
        String::from_utf8_lossy(&build.stderr)
    );

    let model_path = testsupport::example_model_path("guess");
    let model = z80lm::model::Model::load(&model_path).expect("the shipped guess model loads");
    let answer = z80lm::model::infer::respond(&model, QUESTION.as_bytes());
    let answer = String::from_utf8(answer).expect("an ASCII answer");
    assert!(!answer.is_empty(), "the reference answers {QUESTION:?}");

    let out = root.join("target/web-test");
    let _ = std::fs::remove_dir_all(&out);
    let mut cmd = Command::new(node);
    cmd.arg(root.join("web/tests/browser.mjs"))
        .args(["--out".as_ref(), out.as_os_str()])
        .args(["--question", QUESTION, "--answer", &answer]);
    if let Some(rom) = &rom48 {
        cmd.args(["--rom48".as_ref(), rom.as_os_str()]);
    }
    if cbios {
        cmd.args(["--msx", "yes"]);
    }
    let run = cmd.output().expect("node runs");
    let stdout = String::from_utf8_lossy(&run.stdout);
    eprint!("{stdout}");
    assert!(
        run.status.success(),
        "the browser test failed:\n{stdout}{}",
        String::from_utf8_lossy(&run.stderr)
    );
    for board in ["cpm", "rc2014-classic", "gb"]
        .into_iter()
        .chain(rom48.is_some().then_some("zx48"))
        .chain(cbios.then_some("msx"))
    {
        assert!(
            stdout
                .lines()
                .any(|l| l.starts_with(&format!("ok {board} "))),
            "{board} was not tried:\n{stdout}"
        );
        assert!(out.join(format!("{board}.png")).is_file(), "{board}.png");
    }

    // The download is byte for byte what `z80lm build` writes.
    let dir = testsupport::scratch("web_page");
    let com = dir.join("CHAT.COM");
    let st = Command::new(env!("CARGO_BIN_EXE_z80lm"))
        .args(["build", "--model"])
        .arg(&model_path)
        .args(["--target", "cpm", "-o"])
        .arg(&com)
        .output()
        .expect("z80lm runs");
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let downloaded = std::fs::read(out.join("CHAT.COM")).expect("the page's download");
    assert!(
        downloaded == std::fs::read(&com).unwrap(),
        "the page's CHAT.COM differs from z80lm build's"
    );
}
