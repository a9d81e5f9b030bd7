//! `z80lm`'s ZX Spectrum 48K build, checked as a user would see it: the layout keeps the hot
//! code and the engine RAM in uncontended memory, the build is reproducible, the WAV of the
//! chat tape decodes back to the identical blocks, and a model that cannot fit is refused with
//! the sizes and what to do.

use boards::devices::tape::{decode_wav, parse_tap};
use hil::{example_model, require, shared_model};
use z80lm::engine::tape::wav;
use z80lm::engine::targets::zx48::{self, Zx48Error};
use z80lm::engine::{Form, Layout};
use z80lm::model::Model;

#[test]
fn hot_code_and_activations_are_uncontended_and_blocks_are_in_ram() {
    for name in ["guess", "tinychat"] {
        check_layout(name, &example_model(name));
    }
}

#[test]
fn upstream_models_are_laid_out_the_same_way() {
    for name in ["guess", "tinychat"] {
        check_layout(name, &require!(shared_model(name)));
    }
}

fn check_layout(name: &str, m: &Model) {
    let zx = zx48::build(m, &Layout::Auto).unwrap();
    assert!(
        zx.code.0 >= zx48::UNCONTENDED,
        "{name}: code at {:#06x}",
        zx.code.0
    );
    assert!(zx.code.1 <= zx48::BSS);
    assert!(zx.built.image.map.ram.0 >= u32::from(zx48::UNCONTENDED));
    assert!(
        zx.built.image.map.ram.1 <= 0xFF58,
        "engine RAM below the UDGs"
    );
    assert_eq!(zx.loader.entry, zx.code.0);
    assert_eq!(zx.loader.clear, zx48::LOW_ORG - 1);
    // Every byte of the image is on the tape, at the address the image says.
    let img = &zx.built.image;
    for b in &zx.loader.blocks {
        let at = usize::from(b.start - img.org);
        assert_eq!(&img.bytes[at..at + b.data.len()], &b.data[..]);
    }
    let map = zx.memory_map();
    assert!(
        map.contains("code") && map.contains("weights") && map.contains("RANDOMIZE USR"),
        "{map}"
    );
}

#[test]
fn builds_are_reproducible_and_the_wav_round_trips() {
    let m = example_model("guess");
    let a = zx48::build(&m, &Layout::Auto).unwrap().tape;
    let b = zx48::build(&m, &Layout::Auto).unwrap().tape;
    assert_eq!(a.to_tap(), b.to_tap());
    let audio = wav::to_wav(&a);
    assert_eq!(decode_wav(&audio).unwrap(), parse_tap(&a.to_tap()).unwrap());
}

#[test]
fn a_model_that_does_not_fit_is_refused_with_sizes_and_advice() {
    let m = require!(shared_model("guess"));
    let err = zx48::build(&m, &Layout::All(Form::Lists)).unwrap_err();
    assert!(matches!(err, Zx48Error::DoesNotFit(_)), "{err:?}");
    let msg = err.to_string();
    let cap = format!("{} bytes", zx48::BSS - zx48::LOW_ORG);
    for want in ["zx48", "short by", &cap, "z80lm train --budget zx48"] {
        assert!(msg.contains(want), "{want:?} missing from: {msg}");
    }
}

#[test]
fn the_target_layout_matches_the_board_description() {
    let desc = boards::desc::BoardDesc::builtin("zx48").expect("zx48.toml");
    let region = |n: &str| {
        desc.region(n)
            .unwrap_or_else(|| panic!("zx48.toml lacks {n}"))
    };
    let image = region("image");
    assert_eq!(image.start, u32::from(zx48::LOW_ORG));
    assert_eq!(image.end(), u32::from(zx48::BSS));
    let ram = region("engine-ram");
    assert_eq!(ram.start, u32::from(zx48::BSS));
    assert!(ram.size >= z80lm::engine::plan::BSS_BYTES && ram.end() <= 0xFF58);
    let third = region("screen-third");
    assert_eq!(
        (third.start, third.size),
        (u32::from(zx48::THIRD), u32::from(zx48::THIRD_BYTES))
    );
    assert_eq!(desc.clock_hz, 3_500_000);
}
