//! `z80lm build` for the Game Boy and the ZX Spectrum as a user runs it: the files it writes
//! are the library's images (the cartridge header the emulator parses; the tape and its WAV
//! decode to the same blocks), and an unknown `--emit` is refused.

mod common;

use boards::devices::tape::{decode_wav, parse_tap};
use boards::machines::gameboy::cartridge;
use common::{tmpdir, z80lm};
use z80lm::engine::targets::gameboy;
use z80lm::model::Model;

fn mini() -> String {
    format!(
        "{}/../examples/guess-mini/model.npz",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn build_gb_writes_the_cartridge_the_library_builds() {
    let dir = tmpdir("build-cli-gb");
    let out = dir.join("CHAT.gb");
    let (code, _, err) = z80lm(&[
        "build",
        "--model",
        &mini(),
        "--target",
        "gb",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("bank 0:") && err.contains("wrote"), "{err}");
    let rom = std::fs::read(&out).unwrap();
    let h = cartridge::parse(&rom).unwrap();
    assert_eq!((h.cartridge_type, h.rom_bytes()), (0x19, rom.len()));
    let m = Model::load(mini().as_ref()).unwrap();
    assert_eq!(rom, gameboy::build(&m).unwrap().rom);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn build_zx48_writes_the_tap_and_the_wav_and_refuses_an_unknown_emit() {
    let dir = tmpdir("build-cli-zx");
    let out = dir.join("CHAT.tap");
    let out_s = out.to_str().unwrap();
    let (code, _, err) = z80lm(&[
        "build",
        "--model",
        &mini(),
        "--target",
        "zx48",
        "-o",
        out_s,
        "--wav",
    ]);
    assert_eq!(code, 0, "{err}");
    let tap = std::fs::read(&out).unwrap();
    let audio = std::fs::read(dir.join("CHAT.wav")).unwrap();
    assert_eq!(decode_wav(&audio).unwrap(), parse_tap(&tap).unwrap());
    let (code, _, err) = z80lm(&[
        "build",
        "--model",
        &mini(),
        "--target",
        "zx48",
        "-o",
        out_s,
        "--emit",
        "lst",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("use plan, asm or map"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
