//! Fuzz the RC2014 512K flash state file (`z80lm emu --state FILE`, `<board>.flash` in the data
//! directory): whatever the file holds, setting up the emulated board gives a machine or a typed
//! error, never a panic, and the loader's stored-image check runs on any contents.
//!
//! Run: `cd host/fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run -s none flash_state corpus/flash_state seeds/flash_state`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    thread_local! {
        static DESC: boards::desc::BoardDesc =
            boards::desc::BoardDesc::builtin("rc2014-512k").expect("built-in board");
        static PATH: std::path::PathBuf =
            std::env::temp_dir().join(format!("z80lm-fuzz-{}.flash", std::process::id()));
    }
    // A state file is 512K: small inputs are spread over it so that headers and lengths vary.
    let mut state = data.to_vec();
    if !state.is_empty() && state.len() < 0x8_0000 && data[0] & 1 == 1 {
        state = (0..0x8_0000).map(|i| data[i % data.len()]).collect();
    }
    PATH.with(|path| {
        std::fs::write(path, &state).expect("write the state file");
        DESC.with(|desc| {
            let _ = z80lm::emu::rc2014::machine(desc, None, Some(path));
        });
    });
    let _ = z80rom::loader::stored_image(&state);
});
