//! HIL: the Game Boy cartridge built by the real path (`build::targets::gameboy::build`) boots
//! on the emulated DMG, is typed to on its on-screen keyboard with joypad presses, and answers
//! exactly as the host reference (`z80lm::model::respond`), read back from the screen.

use std::path::{Path, PathBuf};

use boards::machines::gameboy::cartridge;
use z80lm::build::targets::gameboy::{self, session::Session};
use z80lm::model::{infer::respond, Model};

fn shared(rel: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared")
        .join(rel);
    p.exists().then_some(p)
}

fn model(name: &str) -> Option<Model> {
    let Some(p) = shared(&format!("data/{name}/model.npz")) else {
        eprintln!("skipping: ../shared/data/{name}/model.npz not found");
        return None;
    };
    Some(Model::load(&p).expect("shipped model loads"))
}

#[test]
fn guess_cartridge_header_and_is_it_a_chair() {
    let Some(m) = model("guess") else { return };
    let image = gameboy::build(&m).unwrap();
    let h = cartridge::parse(&image.rom).unwrap();
    assert_eq!(h.title, gameboy::TITLE);
    assert_eq!(h.cartridge_type, 0x19);
    assert_eq!(h.rom_bytes(), image.rom.len());
    assert_eq!(&image.rom[0x100..0x104], &[0x00, 0xC3, 0x50, 0x01]);
    eprintln!("{}", image.plan.bank_map());
    let mut s = Session::boot(&image).unwrap();
    let a = s.ask(b"is it a chair").unwrap();
    eprintln!("{}", s.transcript().join("\n"));
    assert_eq!(String::from_utf8_lossy(&a.text), "WIN");
    assert_eq!(a.text, respond(&m, b"is it a chair"));
}
