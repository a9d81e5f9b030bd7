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
    // The tables (and, with the 8-row chat, the streams moved behind the driver) end below
    // the attributes, and the chat's text rows above them.
    assert!(
        zx.tables.1 <= 0x5800,
        "{name}: tables end at {:#06x}",
        zx.tables.1
    );
    match zx.text_rows {
        8 => assert_eq!(zx.tables.0, zx48::MIDDLE, "{name}"),
        16 => assert_eq!(zx.tables.0, zx48::THIRD, "{name}"),
        r => assert_eq!(r, 24, "{name}"),
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
    let middle = region("screen-middle");
    assert_eq!(
        (middle.start, middle.size + region("screen-third").size),
        (u32::from(zx48::MIDDLE), u32::from(zx48::LOWER_BYTES))
    );
    let third = region("screen-third");
    assert_eq!(
        (third.start, third.size),
        (u32::from(zx48::THIRD), u32::from(zx48::THIRD_BYTES))
    );
    assert_eq!(desc.clock_hz, 3_500_000);
}

#[test]
fn the_16_row_chat_is_kept_when_the_image_fits_and_8_rows_make_room_for_lists() {
    let m = require!(shared_model("guess"));
    // Fits with 16 rows: the tables and driver in the bottom third, no stream moves.
    let packed = "packed,packed,lists,lists".parse().unwrap();
    let zx = zx48::build(&m, &packed).unwrap();
    assert_eq!(zx.text_rows, 16);
    assert_eq!(zx.tables.0, zx48::THIRD);
    let img = &zx.built.image;
    let moved = |zx: &zx48::Zx48Build| {
        zx.built
            .image
            .symbols
            .iter()
            .filter(|(k, &v)| {
                k.starts_with("st_")
                    && (i64::from(zx.tables.0)..i64::from(zx.tables.1)).contains(&v)
            })
            .count()
    };
    assert_eq!(moved(&zx), 0, "{}", zx.memory_map());
    assert!(img.symbol("st_4_0").unwrap() >= zx48::LOW_ORG);
    // Layer 1 in lists does not fit with 16 rows: 8 rows, and streams behind the driver.
    let lists = "lists,packed,lists,lists".parse().unwrap();
    let zx = zx48::build(&m, &lists).unwrap();
    assert_eq!(zx.text_rows, 8, "{}", zx.memory_map());
    assert_eq!(zx.tables.0, zx48::MIDDLE);
    assert!(moved(&zx) > 0, "{}", zx.memory_map());
    assert!(zx.memory_map().contains("32x8 text"), "{}", zx.memory_map());
    // Every stream is on the tape where the image has it.
    let blocks = &zx.loader.blocks;
    for (k, &v) in &zx.built.image.symbols {
        if k.starts_with("st_") {
            let at = v as u16;
            assert!(
                blocks
                    .iter()
                    .any(|b| b.start <= at && usize::from(at - b.start) < b.data.len()),
                "{k} at {at:#06x} is on no tape block"
            );
        }
    }
}
