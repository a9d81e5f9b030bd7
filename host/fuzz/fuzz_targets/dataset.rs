//! Fuzz the training-data parser and the eval test-file parser: any bytes give a dataset or a
//! typed error, never a panic; with `strict` a dataset holds exactly the lines the lenient
//! parse keeps.
//!
//! Run: `cd host/fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run -s none dataset corpus/dataset seeds/dataset`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use z80lm::train::{dataset, evaluate};

fuzz_target!(|data: &[u8]| {
    let lenient = dataset::parse("fuzz.txt", data, false);
    if let Ok(strict) = dataset::parse("fuzz.txt", data, true) {
        let lenient = lenient.expect("what parses strictly parses leniently");
        assert_eq!(strict.examples, lenient.examples);
        assert!(lenient.skipped.is_empty());
    }
    let _ = evaluate::parse_cases("fuzz.tsv", &String::from_utf8_lossy(data));
});
