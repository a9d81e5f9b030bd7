//! Independent checks of the ZX Spectrum tape that `z80lm build --target zx48` writes, by
//! third-party tools (each skipped with a printed reason when absent, a failure in CI), on the
//! shipped example guess model:
//! * SkoolKit's `tap2sna.py` simulates the real 48K ROM loading the tape pulse by pulse
//!   (`fast-load=0`), running our BASIC loader until the PC reaches our entry point; every
//!   CODE block must then be in the snapshot's RAM where the memory map says.
//! * Fuse's `tzxlist` lists the program and CODE blocks with passing checksums.

use std::path::PathBuf;
use std::process::Command;

use hil::{example_model, require};
use z80lm::engine::targets::zx48;
use z80lm::engine::Layout;

/// The tape of the shipped example guess model.
fn built() -> zx48::Zx48Build {
    zx48::build(&example_model("guess"), &Layout::Auto).expect("guess fits the 48K")
}

fn workdir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("z80lm-zx-skoolkit-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn tap2sna_sim_load_runs_the_loader_into_our_code() {
    let tap2sna = require!(testsupport::tool("tap2sna.py", "PyPI skoolkit"));
    let python = require!(testsupport::python_module("skoolkit", "skoolkit"));
    let zx = built();
    let dir = workdir();
    let tap = dir.join("CHAT.tap");
    let z80 = dir.join("CHAT.z80");
    std::fs::write(&tap, zx.tape.to_tap()).unwrap();
    let out = Command::new(tap2sna)
        .args([
            "-c",
            "fast-load=0",
            "-c",
            "finish-tape=1",
            "--start",
            &zx.loader.entry.to_string(),
        ])
        .arg(&tap)
        .arg(&z80)
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&out.stdout).replace('\r', "\n");
    assert!(
        out.status.success(),
        "{log}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        log.contains(&format!("PC at start address): PC={}", zx.loader.entry)),
        "{log}"
    );
    // Dump the snapshot's 48K of RAM with SkoolKit's own reader.
    let ram = dir.join("ram.bin");
    let script = "import sys; from skoolkit import snapshot; \
                  open(sys.argv[2], 'wb').write(bytes(snapshot.Snapshot.get(sys.argv[1]).ram(-1)))";
    let st = Command::new(python)
        .args(["-c", script])
        .arg(&z80)
        .arg(&ram)
        .status()
        .unwrap();
    assert!(st.success());
    let ram = std::fs::read(&ram).unwrap();
    assert_eq!(ram.len(), 0xC000);
    for b in &zx.loader.blocks {
        let at = usize::from(b.start) - 0x4000;
        assert!(
            ram[at..at + b.data.len()] == b.data[..],
            "block at {:#06x} not in place",
            b.start
        );
    }
    assert_eq!(zx.loader.blocks.len(), 3);
}

#[test]
fn tzxlist_lists_the_chat_tape() {
    let tzxlist = require!(testsupport::tool("tzxlist", "Debian fuse-emulator-utils"));
    let zx = built();
    let tap = workdir().join("LIST.tap");
    std::fs::write(&tap, zx.tape.to_tap()).unwrap();
    let out = Command::new(tzxlist).arg(&tap).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.matches("(PASS)").count(), 8, "{text}");
    assert!(text.contains("Program: \"z80lm     \" LINE 10"), "{text}");
    for (i, b) in zx.loader.blocks.iter().enumerate() {
        let line = format!(
            "Bytes: \"z80lm{}    \" CODE  {}, {}",
            i + 1,
            b.start,
            b.data.len()
        );
        assert!(text.contains(&line), "{line}\n{text}");
    }
}
