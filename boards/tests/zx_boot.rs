//! The emulated ZX Spectrum 48K boots the real ROM (from SkoolKit; skipped with a reason when
//! it is absent, a failure in CI), shows the copyright screen as text, and loads a tape through `LOAD ""`
//! typed on the keyboard matrix, with the ROM loader trapped and with real tape pulses.

use boards::devices::ula::Key;
use boards::machines::zx48::{locate_rom, TapeMode, Zx48};
use testsupport::{require, Missing};

fn machine() -> Result<Zx48, Missing> {
    let path = locate_rom().ok_or_else(|| {
        Missing("no ZX Spectrum 48K ROM (PyPI skoolkit ships one, or set Z80LM_ZX48_ROM)".into())
    })?;
    let rom =
        std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    Ok(Zx48::new(&rom).expect("16K ROM"))
}

/// A tape with `10 PRINT "HI FROM TAPE"` saved with LINE 10, built by hand from the ROM formats.
fn hello_tap_blocks() -> Vec<Vec<u8>> {
    let mut body = vec![0xF5u8]; // PRINT
    body.extend_from_slice(b"\"HI FROM TAPE\"\r");
    let mut prog = vec![0, 10];
    prog.extend_from_slice(&(body.len() as u16).to_le_bytes());
    prog.extend(body);
    let mut header = vec![0u8, 0];
    header.extend_from_slice(b"hello     ");
    let len = prog.len() as u16;
    for w in [len, 10, len] {
        header.extend_from_slice(&w.to_le_bytes());
    }
    let mut data = vec![0xFFu8];
    data.extend(prog);
    [header, data]
        .into_iter()
        .map(|mut b| {
            let x = b.iter().fold(0, |a, c| a ^ c);
            b.push(x);
            b
        })
        .collect()
}

/// Type `LOAD ""` then ENTER in K mode: J is LOAD, SYMBOL SHIFT + P is the quote.
fn type_load(zx: &mut Zx48) {
    let j = Key::legend(b'J').unwrap();
    let p = Key::legend(b'P').unwrap();
    zx.tap_keys(&[j], 2, 6);
    zx.tap_keys(&[Key::SYMBOL_SHIFT, p], 2, 6);
    zx.tap_keys(&[Key::SYMBOL_SHIFT, p], 2, 6);
    zx.tap_keys(&[Key::ENTER], 2, 6);
}

#[test]
fn boots_to_the_copyright_message() {
    let mut zx = require!(machine());
    zx.run_frames(100);
    let text = zx.screen_text();
    assert_eq!(text[23], "© 1982 Sinclair Research Ltd", "{text:#?}");
    assert!(text[..23].iter().all(String::is_empty), "{text:#?}");
    let png = zx.screenshot_png().unwrap();
    assert_eq!(&png[1..4], b"PNG");
}

#[test]
fn load_quote_quote_loads_and_autostarts_a_program_via_the_trap() {
    let mut zx = require!(machine());
    zx.insert_tape(hello_tap_blocks());
    zx.run_frames(100);
    type_load(&mut zx);
    zx.run_frames(50);
    let text = zx.screen_text();
    assert_eq!(zx.trapped_blocks, 2, "{text:#?}");
    assert_eq!(text[1..3], ["Program: hello", "HI FROM TAPE"], "{text:#?}");
    assert!(text[23].starts_with("0 OK, 10:1"), "{text:#?}");
}

#[test]
fn the_rom_loader_reads_real_tape_pulses() {
    let mut zx = require!(machine());
    zx.tape_mode = TapeMode::Edges;
    zx.insert_tape(hello_tap_blocks());
    zx.run_frames(100);
    type_load(&mut zx);
    // Header: 8063 pilot pulses + 19 bytes, 1 s pause, data: 3223 pilot + 23 bytes: ~9.5 s.
    zx.run_frames(600);
    let text = zx.screen_text();
    assert_eq!(zx.trapped_blocks, 0);
    assert_eq!(text[1..3], ["Program: hello", "HI FROM TAPE"], "{text:#?}");
    assert!(text[23].starts_with("0 OK, 10:1"), "{text:#?}");
}
