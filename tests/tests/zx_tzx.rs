//! The `.tzx` that `z80lm build --target zx48 -o chat.tzx` writes (the shipped example guess
//! model), checked with Fuse's utilities (libspectrum's TZX reader, not ours):
//! * `tzxlist` lists the text description (0x30), the archive info (0x32) and one
//!   standard-speed block (0x10) per tape block, every checksum passing;
//! * `tape2wav` turns it into audio, which decodes to the `.tap`'s blocks and loads through
//!   the real ROM at real speed on our emulated 48K (pulses into EAR), which then answers;
//! * our own reader (what `z80lm emu` plays) gives the same blocks.
//!
//! Tools missing: skipped with the reason (a failure in CI).

use std::process::Command;

use boards::devices::tape::{decode_wav, parse_tap, wav_pulses, TapeDeck};
use boards::devices::tzx::parse_tzx;
use boards::machines::zx48::TapeMode;
use hil::zx::{boot, screen_answer, Watched};
use hil::{example_model, require};
use z80lm::engine::tape::tzx;
use z80lm::engine::targets::zx48;
use z80lm::engine::Layout;
use z80lm::model::respond;

fn built() -> (zx48::Zx48Build, Vec<u8>) {
    let zx = zx48::build(&example_model("guess"), &Layout::Auto).expect("guess fits the 48K");
    let file = tzx::chat_tzx(&zx.tape, "guess", &zx.built.plan.name()).unwrap();
    (zx, file)
}

#[test]
fn tzxlist_lists_description_archive_info_and_standard_blocks() {
    let tzxlist = require!(testsupport::tool("tzxlist", "Debian fuse-emulator-utils"));
    let (zx, file) = built();
    let path = testsupport::scratch("zx-tzxlist").join("chat.tzx");
    std::fs::write(&path, &file).unwrap();
    let out = Command::new(tzxlist).arg(&path).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("Block type 0x30 (Comment)"), "{text}");
    assert!(
        text.contains("Comment: z80lm chat, ZX Spectrum 48K: LOAD \"\""),
        "{text}"
    );
    assert!(text.contains("Block type 0x32 (Archive Info)"), "{text}");
    assert!(text.contains("Full Title: z80lm chat: guess"), "{text}");
    assert!(text.contains("Origin: z80lm build --target zx48"), "{text}");
    let n = zx.tape.blocks.len();
    assert_eq!(
        text.matches("Block type 0x10 (Standard Speed Data)")
            .count(),
        n,
        "{text}"
    );
    assert_eq!(text.matches("(PASS)").count(), n, "{text}");
    assert!(text.contains("Program: \"z80lm     \" LINE 10"), "{text}");
    for (i, b) in zx.loader.blocks.iter().enumerate() {
        let line = format!(
            "Bytes: \"z80lm{}    \" CODE  {}, {}",
            i + 1,
            b.start,
            b.data.len()
        );
        assert!(text.contains(&line), "{line}\n{text}");
    }
}

#[test]
fn our_reader_gives_the_tap_blocks() {
    let (zx, file) = built();
    assert_eq!(
        parse_tzx(&file).unwrap(),
        parse_tap(&zx.tape.to_tap()).unwrap()
    );
}

#[test]
fn tape2wav_audio_loads_through_the_rom_at_real_speed_and_answers() {
    let tape2wav = require!(testsupport::tool("tape2wav", "Debian fuse-emulator-utils"));
    let (zx_build, file) = built();
    let model = example_model("guess");
    assert_eq!(respond(&model, b"is it a chair"), b"WIN");
    let dir = testsupport::scratch("zx-tape2wav");
    let (tzx_path, wav_path) = (dir.join("chat.tzx"), dir.join("chat.wav"));
    std::fs::write(&tzx_path, &file).unwrap();
    let out = Command::new(tape2wav)
        .arg(&tzx_path)
        .arg(&wav_path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let audio = std::fs::read(&wav_path).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(
        decode_wav(&audio).unwrap(),
        parse_tap(&zx_build.tape.to_tap()).unwrap(),
        "tape2wav's audio decodes to our blocks"
    );
    // The audio's own edges go to EAR; the ROM's LD-BYTES reads every bit of every block.
    let mut zx = require!(boot());
    let rate = u32::from_le_bytes([audio[24], audio[25], audio[26], audio[27]]);
    zx.bus.deck = TapeDeck::from_pulses(wav_pulses(&audio).unwrap());
    zx.tape_mode = TapeMode::Edges;
    let sym = |n: &str| zx_build.built.image.symbol(n).unwrap();
    let mut con = Watched::new(&mut zx, sym("con_in"), sym("con_out"));
    zx.type_load_command();
    let frames = 50 * (audio.len() as u64 / u64::from(rate.max(1))) + 200;
    assert!(
        con.run_until(&mut zx, b"> ", frames),
        "{:#?}",
        zx.screen_text()
    );
    assert_eq!(zx.trapped_blocks, 0);
    for c in "is it a chair\n".chars() {
        con.type_char(&mut zx, c);
    }
    assert!(con.run_until(&mut zx, b"\r\n> ", 3000));
    assert_eq!(screen_answer(&zx, 1).as_deref(), Some("WIN"));
}
