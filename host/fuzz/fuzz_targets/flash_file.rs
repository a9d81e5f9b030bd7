//! Fuzz what `z80lm flash` and `z80lm emu --rom` make of a file for the 512K board: a whole
//! flash image (`.bin`), its Intel HEX (`.hex`, read as the loader's HEX path reads it) or an
//! upload (`.upl`), else (with `raw`) a bare application. Any bytes give a flash image or a
//! typed error, never a panic; an image found in it passes its own header's CRC.
//!
//! Run: `cd host/fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run -s none flash_file corpus/flash_file seeds/flash_file`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use z80lm::engine::targets::rc2014::{flash_from_file, from_intel_hex};
use z80rom::loader::{stored_image, CRC32, HEADER_OFFSET};

fuzz_target!(|data: &[u8]| {
    for raw in [false, true] {
        if let Ok(flash) = flash_from_file(data, &[0xF3], raw) {
            assert_eq!(flash.len(), 0x8_0000);
            if let Some(image) = stored_image(&flash) {
                let h = &flash[HEADER_OFFSET..];
                assert_eq!(h[8..12], CRC32.checksum(image).to_le_bytes());
            }
        }
    }
    let _ = from_intel_hex(&String::from_utf8_lossy(data), 0x8000);
});
