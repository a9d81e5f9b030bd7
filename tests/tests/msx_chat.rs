//! The MSX cartridge on the emulated MSX1 with C-BIOS: the upstream guess model typed on the
//! keyboard matrix answers as the host reference does.

use testsupport::{require, shared_model_path};
use z80lm::emu::msx::Session;

#[test]
fn guess_says_win_for_a_chair() {
    let path = require!(shared_model_path("guess"));
    let model = z80lm::model::load_file(&path).unwrap();
    let cart = z80lm::engine::targets::msx::build(&model, &Default::default()).unwrap();
    let (mut s, boot) = Session::boot(&cart.rom, Default::default()).unwrap();
    eprintln!("{:?}", String::from_utf8_lossy(&boot.output));
    let r = s.ask(b"is it a chair").unwrap();
    eprintln!("{}", r.screen.join("\n"));
    assert_eq!(r.response(), b"WIN");
}
