//! Fuzz the ZX tape readers (`.tap`, `.tzx`, `.wav`), as `z80lm emu --board zx48 FILE` picks
//! them by the file's first bytes: any bytes give blocks or a typed error, never a panic.
//!
//! Run: `cd host/fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run -s none tape corpus/tape seeds/tape`.
#![no_main]

use boards::devices::tape::{decode_wav, parse_tap};
use boards::devices::tzx::parse_tzx;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(blocks) = parse_tap(data) {
        // A .tap is its blocks, each behind its 2-byte length.
        let total: usize = blocks.iter().map(|b| b.len() + 2).sum();
        assert_eq!(total, data.len());
    }
    let _ = parse_tzx(data);
    let _ = decode_wav(data);
});
