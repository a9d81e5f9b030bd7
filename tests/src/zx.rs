//! ZX Spectrum 48K harness: boot the real ROM (located by `boards::machines::zx48::locate_rom`,
//! never shipped), load a `.tap` through `LOAD ""` typed on the keyboard matrix, type lines and
//! read the screen back as text.

use boards::devices::tape::{parse_tap, TapeError};
use boards::devices::ula::Key;
use boards::machines::zx48::{locate_rom, Zx48};

/// Frames a key is held and released when typing into the ROM's editor (its KEYBOARD routine
/// needs about five frames of release before the same key counts again).
pub const ROM_HOLD: u64 = 2;
pub const ROM_GAP: u64 = 6;
/// Frames per key for our chat driver (it debounces for 5 ms and polls every 1 ms, but a
/// scroll keeps it away from the keyboard for about 2 frames).
pub const DRIVER_HOLD: u64 = 3;
pub const DRIVER_GAP: u64 = 1;

/// A booted 48K at the copyright screen, or `None` (with the reason printed) without a ROM.
pub fn boot() -> Option<Zx48> {
    let Some(path) = locate_rom() else {
        eprintln!("skipping: no 48K ROM (install PyPI skoolkit or set Z80LM_ZX48_ROM)");
        return None;
    };
    let rom = std::fs::read(&path).ok()?;
    let mut zx = Zx48::new(&rom).ok()?;
    zx.run_frames(100);
    Some(zx)
}

/// Insert `tap` and type `LOAD ""` + ENTER in the ROM's K mode (J is LOAD, SYMBOL SHIFT + P
/// the quote), then run `frames` frames.
pub fn load_tap(zx: &mut Zx48, tap: &[u8], frames: u64) -> Result<(), TapeError> {
    zx.insert_tape(parse_tap(tap)?);
    let (j, p) = (Key::legend(b'J'), Key::legend(b'P'));
    let (j, p) = (j.expect("J key"), p.expect("P key"));
    zx.tap_keys(&[j], ROM_HOLD, ROM_GAP);
    zx.tap_keys(&[Key::SYMBOL_SHIFT, p], ROM_HOLD, ROM_GAP);
    zx.tap_keys(&[Key::SYMBOL_SHIFT, p], ROM_HOLD, ROM_GAP);
    zx.tap_keys(&[Key::ENTER], ROM_HOLD, ROM_GAP);
    zx.run_frames(frames);
    Ok(())
}

/// The screen as one string, lines joined with `\n`, trailing empty lines removed.
pub fn screen(zx: &Zx48) -> String {
    zx.screen_text().join("\n").trim_end().to_string()
}
