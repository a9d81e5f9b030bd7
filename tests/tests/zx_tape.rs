//! ZX Spectrum tape containers, checked three ways: our WAV decoded back to the identical blocks,
//! Fuse's `tape2wav` audio decoded by our decoder, and Fuse's `tzxlist` / SkoolKit's `tapinfo.py`
//! reading our `.tap` (names, lengths, checksums, the BASIC loader listing).
//! External tools are optional: each check skips with a printed reason when its tool is absent
//! (a failure in CI).

use boards::devices::tape::{decode_wav, parse_tap, Header};
use hil::require;
use std::process::Command;
use z80lm::engine::tape::{loader_tape, wav, CodeBlock, Loader, Tape};

fn sample_tape() -> Tape {
    // Pseudo-random code bytes so every bit pattern appears.
    let mut x = 0x1234_5678u32;
    let mut bytes = |n: usize| -> Vec<u8> {
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect()
    };
    let loader = Loader {
        name: "CHAT".into(),
        clear: 0x5FFF,
        entry: 0x8000,
        blocks: vec![
            CodeBlock {
                start: 0x8000,
                data: bytes(700),
            },
            CodeBlock {
                start: 0x6000,
                data: bytes(300),
            },
        ],
    };
    loader_tape(&loader).expect("valid layout")
}

fn temp(name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("z80lm-zx-tape-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn our_wav_decodes_to_the_identical_blocks() {
    let tape = sample_tape();
    let tap_blocks = parse_tap(&tape.to_tap()).unwrap();
    let decoded = decode_wav(&wav::to_wav(&tape)).unwrap();
    assert_eq!(decoded.len(), 6);
    assert_eq!(decoded, tap_blocks);
    assert_eq!(
        Header::parse(&decoded[0]).unwrap().to_string(),
        "Program: CHAT       LINE 10"
    );
    assert_eq!(
        Header::parse(&decoded[2]).unwrap().to_string(),
        "Bytes: CHAT1      CODE 32768,700"
    );
}

#[test]
fn fuse_tape2wav_audio_decodes_to_our_blocks() {
    let tape2wav = require!(testsupport::tool("tape2wav", "Debian fuse-emulator-utils"));
    let tape = sample_tape();
    let tap = temp("t2w.tap", &tape.to_tap());
    let out = tap.with_extension("wav");
    let st = Command::new(tape2wav).arg(&tap).arg(&out).status().unwrap();
    assert!(st.success());
    let theirs = std::fs::read(&out).unwrap();
    assert_eq!(
        decode_wav(&theirs).unwrap(),
        parse_tap(&tape.to_tap()).unwrap()
    );
    // Same pulse counts and pauses. tape2wav rounds each pulse to whole samples (its pilot
    // pulses average 27.5 samples = 2183 T, not 2168 T), so the lengths agree within 2 %.
    let ours = wav::to_wav(&tape);
    let diff = (theirs.len() as f64 / ours.len() as f64 - 1.0).abs();
    assert!(
        diff < 0.02,
        "tape2wav {} bytes, ours {} bytes",
        theirs.len(),
        ours.len()
    );
}

#[test]
fn fuse_tzxlist_lists_our_blocks_with_good_checksums() {
    let tzxlist = require!(testsupport::tool("tzxlist", "Debian fuse-emulator-utils"));
    let tap = temp("list.tap", &sample_tape().to_tap());
    let out = Command::new(tzxlist).arg(&tap).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert_eq!(text.matches("Checksum:").count(), 6, "{text}");
    assert_eq!(text.matches("(PASS)").count(), 6, "{text}");
    assert!(text.contains("Program: \"CHAT      \" LINE 10"), "{text}");
    assert!(
        text.contains("Bytes: \"CHAT1     \" CODE  32768, 700"),
        "{text}"
    );
    assert!(
        text.contains("Bytes: \"CHAT2     \" CODE  24576, 300"),
        "{text}"
    );
}

#[test]
fn skoolkit_lists_the_basic_loader() {
    let tapinfo = require!(testsupport::tool("tapinfo.py", "PyPI skoolkit"));
    let tap = temp("basic.tap", &sample_tape().to_tap());
    let out = Command::new(tapinfo)
        .args(["-b", "2"])
        .arg(&tap)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert_eq!(
        text.trim(),
        "10 CLEAR 24575: LOAD \"\"CODE : LOAD \"\"CODE : RANDOMIZE USR 32768"
    );
}
