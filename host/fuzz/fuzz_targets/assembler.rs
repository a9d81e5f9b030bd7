//! Fuzz the assembler: any source text (and any bytes, read as text) assembles or gives a typed
//! error, never a panic, a hang or a runaway include.
//!
//! Run: `cd host/fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run -s none assembler corpus/assembler seeds/assembler`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use z80rom::asm::{assemble, Cpu, MemFiles};

fuzz_target!(|data: &[u8]| {
    // The first byte picks the CPU; the rest is the main file, which may include itself.
    let Some((&pick, text)) = data.split_first() else {
        return;
    };
    let cpu = if pick & 1 == 0 { Cpu::Z80 } else { Cpu::Sm83 };
    let mut files = MemFiles::new();
    files.insert("main.asm", text);
    files.insert("inc.asm", text);
    if let Ok(asm) = assemble(&files, "main.asm", cpu) {
        let _ = asm.flat(0xFF);
    }
});
