//! Fuzz the model loader: any bytes give a model or a typed error, never a panic. A model that
//! loads must survive a write/read round trip unchanged.
//!
//! Run: `cd host/fuzz && cargo +nightly fuzz run model_loader` (or `cargo fuzz run model_loader`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use z80lm::model::Model;

fuzz_target!(|data: &[u8]| {
    if let Ok(model) = Model::from_npz(data) {
        let again = Model::from_npz(&model.to_npz()).expect("our own output must load");
        assert_eq!(again.layers, model.layers);
        assert_eq!(again.charset, model.charset);
    }
});
