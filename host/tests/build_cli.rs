//! `z80lm build` for the Game Boy and the ZX Spectrum as a user runs it: the files it writes
//! are the library's images (the cartridge header the emulator parses; the tape and its WAV
//! decode to the same blocks), and an unknown `--emit` is refused.

mod common;

use boards::devices::tape::{decode_wav, parse_tap};
use boards::machines::gameboy::cartridge;
use common::{tmpdir, z80lm};
use z80lm::engine::tape::{sna, snapshot, tzx, z80};
use z80lm::engine::targets::{gameboy, zx128, zx48};
use z80lm::engine::Layout;
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
    assert_eq!((h.cartridge_type, h.rom_bytes()), (0x1B, rom.len()));
    let m = Model::load(mini().as_ref()).unwrap();
    assert_eq!(rom, gameboy::build(&m, &Layout::Auto).unwrap().rom);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `build --target gb --emit plan` prints the plan from the common planner on stdout: the form,
/// why, each layer, and the bank of every record, matching the cartridge written; `--layout
/// lists` (the form it has) builds the same cartridge as auto.
#[test]
fn build_gb_emit_plan_prints_the_banks_and_layout_lists_is_taken() {
    let dir = tmpdir("build-cli-gb-plan");
    let out = dir.join("CHAT.gb");
    let (code, stdout, err) = z80lm(&[
        "build",
        "--model",
        &mini(),
        "--target",
        "gb",
        "--layout",
        "lists",
        "--emit",
        "plan",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let m = Model::load(mini().as_ref()).unwrap();
    let image = gameboy::build(&m, &Layout::Auto).unwrap();
    assert_eq!(std::fs::read(&out).unwrap(), image.rom);
    assert!(stdout.starts_with("layout: lists\n"), "{stdout}");
    for k in 1..=m.layers.len() {
        assert!(stdout.contains(&format!("layer {k}: lists")), "{stdout}");
    }
    let banks = image.banks();
    assert!(stdout.contains(&banks.render()), "{stdout}");
    for b in &banks.banks {
        assert!(
            stdout.contains(&format!("\n{:4} {:5}   layer ", b.bank, b.used)),
            "bank {}: {stdout}",
            b.bank
        );
    }
    assert!(
        stdout.contains(&format!("ROM: {} banks", image.rom.len() / 16384)),
        "{stdout}"
    );
    assert!(!err.contains("layout: "), "plan on stdout only: {err}");
    assert!(err.contains("bank 0:"), "the map still on stderr: {err}");
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

/// `-o NAME.z80` and `-o NAME.sna` write the library's snapshots of the tape's state, and
/// `-o NAME.tzx` the tape as a .tzx named after the model (the extension picks the container,
/// in any case); `--wav` goes with a tape only.
#[test]
fn build_zx48_snapshots_by_extension() {
    let dir = tmpdir("build-cli-zx-snap");
    let m = Model::load(mini().as_ref()).unwrap();
    let zx = zx48::build(&m, &Layout::Auto).unwrap();
    let state = snapshot::at_usr(&zx.loader).unwrap();
    for (name, want) in [
        ("chat.z80", z80::to_z80(&state)),
        ("CHAT.SNA", sna::to_sna(&state)),
        (
            "chat.tzx",
            tzx::chat_tzx(&zx.tape, "guess-mini", &zx.built.plan.name()).unwrap(),
        ),
    ] {
        let out = dir.join(name);
        let (code, _, err) = z80lm(&[
            "build",
            "--model",
            &mini(),
            "--target",
            "zx48",
            "-o",
            out.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{err}");
        assert!(
            err.contains("snapshot") || err.contains("archive info"),
            "{err}"
        );
        assert_eq!(std::fs::read(&out).unwrap(), want, "{name}");
    }
    assert_eq!(sna::to_sna(&state).len(), 49179);
    let out = dir.join("wav.z80");
    let (code, _, err) = z80lm(&[
        "build",
        "--model",
        &mini(),
        "--target",
        "zx48",
        "-o",
        out.to_str().unwrap(),
        "--wav",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--wav writes the tape as audio"), "{err}");
    assert!(!out.exists() && !dir.join("wav.wav").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

/// Options a target does not take are refused, naming the targets that take them; so are an
/// output extension another target writes, two names for different machines and a second
/// model for a target that holds one.
#[test]
fn options_that_do_not_apply_and_wrong_extensions_are_refused() {
    let dir = tmpdir("build-cli-refused");
    let out = |name: &str| dir.join(name).to_str().unwrap().to_string();
    let cases: [(&[&str], &str); 8] = [
        (
            &["--target", "gb", "--layout", "packed"],
            "gb has no packed kernel: its --layout takes auto or lists",
        ),
        (
            &["--target", "gb", "--layout", "lists,packed,lists,lists"],
            "gb has no packed kernel: its --layout takes auto or lists",
        ),
        (
            &["--target", "zx48", "--tpa-top", "0xE000"],
            "error: --tpa-top does not apply to zx48; it is for cpm",
        ),
        (
            &["--target", "cpm", "--board", "rc2014-classic"],
            "error: --target cpm and --board rc2014-classic name different machines",
        ),
        (
            &["--target", "rc2014", "-o", &out("CHAT.COM")],
            "a 512K flash image for rc2014-512k is a .bin file (e.g. -o CHAT.bin)",
        ),
        (
            &["--target", "zx48", "-o", &out("CHAT.bin")],
            "a ZX Spectrum tape or snapshot for zx48 is a .tap, .tzx, .z80 or .sna file",
        ),
        (
            &["--target", "cpm", "-o", &out("CHAT.gb")],
            "a CP/M program for cpm is a .com file",
        ),
        (
            &["--target", "zx128", "-o", &out("CHAT.z80")],
            "a ZX Spectrum tape for zx128 is a .tap or .tzx file",
        ),
    ];
    for (args, want) in cases {
        let model = mini();
        let mut all = vec!["build", "--model", &model];
        all.extend_from_slice(args);
        let (code, _, err) = z80lm(&all);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
    }
    let model = mini();
    let (code, _, err) = z80lm(&[
        "build",
        "--model",
        &model,
        "--model",
        &model,
        "-o",
        &out("CHAT.COM"),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--target cpm takes one --model (given 2)"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        0,
        "nothing written"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--emit plan` and `--emit map` print to stdout on every target that has them (the ZX tape
/// too), and `--tpa-top` takes the one address syntax.
#[test]
fn emit_plan_prints_the_plan_on_zx48_and_addresses_take_one_syntax() {
    let dir = tmpdir("build-cli-emit");
    let tap = dir.join("CHAT.tap");
    let (code, out, err) = z80lm(&[
        "build",
        "--model",
        &mini(),
        "--target",
        "zx48",
        "-o",
        tap.to_str().unwrap(),
        "--emit",
        "plan",
        "--emit",
        "map",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("layout: "), "{out}");
    assert!(out.contains("memory map") || out.contains("0x"), "{out}");
    assert!(!err.contains("layout: "), "{err}");
    for top in ["0xE000", "E000h", "57344"] {
        let com = dir.join("T.COM");
        let (code, out, err) = z80lm(&[
            "build",
            "--model",
            &mini(),
            "-o",
            com.to_str().unwrap(),
            "--tpa-top",
            top,
            "--emit",
            "map",
        ]);
        assert_eq!(code, 0, "{top}: {err}");
        assert!(out.contains("top      0xe000"), "{top}: {out}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `info` and `build` report the same CP/M budget: the image, its RAM and what is left free
/// below the TPA top come from the same build.
#[test]
fn info_and_build_report_the_same_cpm_budget() {
    let dir = tmpdir("build-cli-budget");
    let com = dir.join("CHAT.COM");
    let (code, _, err) = z80lm(&["build", "--model", &mini(), "-o", com.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let bytes = std::fs::metadata(&com).unwrap().len();
    let free = err
        .lines()
        .find_map(|l| l.trim().strip_prefix("free"))
        .and_then(|l| l.split_whitespace().next())
        .expect("free line")
        .to_string();
    let (code, info, err) = z80lm(&["info", "--model", &mini()]);
    assert_eq!(code, 0, "{err}");
    let row = info
        .lines()
        .find(|l| l.starts_with("cpm "))
        .expect("cpm row");
    assert!(
        row.contains(&format!("{bytes} bytes + "))
            && row.contains(&format!("{free} free below 0xe400")),
        "build: {bytes} bytes, {free} free; info: {row}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `info`'s fit table has a row for every target `build` takes, and the MSX row names the size
/// of the cartridge `build --target msx` writes.
#[test]
fn info_lists_every_target_and_the_msx_cartridge_build_writes() {
    let dir = tmpdir("build-cli-info-msx");
    let rom = dir.join("CHAT.rom");
    let (code, _, err) = z80lm(&[
        "build",
        "--model",
        &mini(),
        "--target",
        "msx",
        "-o",
        rom.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let bytes = std::fs::metadata(&rom).unwrap().len();
    let (code, info, err) = z80lm(&["info", "--model", &mini()]);
    assert_eq!(code, 0, "{err}");
    for target in ["cpm ", "rc2014 ", "gb ", "zx48 ", "zx128 ", "msx "] {
        let row = info
            .lines()
            .find(|l| l.starts_with(target))
            .unwrap_or_else(|| panic!("no `{target}` row in:\n{info}"));
        assert!(row.contains("ready"), "{row}");
    }
    let msx = info.lines().find(|l| l.starts_with("msx ")).unwrap();
    assert!(
        msx.contains(&format!("{bytes} ROM bytes")),
        "{bytes}: {msx}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `build --target zx128 -o NAME.tzx --wav` writes the library's .tzx (named after the model)
/// and, beside it, the same tape as audio.
#[test]
fn build_zx128_writes_the_tzx_and_the_wav() {
    let dir = tmpdir("build-cli-zx128");
    let out = dir.join("chat.tzx");
    let (code, _, err) = z80lm(&[
        "build",
        "--model",
        &mini(),
        "--target",
        "zx128",
        "-o",
        out.to_str().unwrap(),
        "--wav",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("archive info") && err.contains("of audio"),
        "{err}"
    );
    let m = Model::load(mini().as_ref()).unwrap();
    let zx = zx128::build(&m, &Layout::Auto).unwrap();
    let want = tzx::chat_tzx(&zx.tape, "guess-mini", &zx.built.plan.name()).unwrap();
    assert_eq!(std::fs::read(&out).unwrap(), want);
    let audio = std::fs::read(dir.join("chat.wav")).unwrap();
    assert_eq!(
        decode_wav(&audio).unwrap(),
        parse_tap(&zx.tape.to_tap()).unwrap()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Several models on one Game Boy cartridge: the file is the library's two-model image, the
/// plan and map name every model's banks; too many models, or more banks than an MBC5 cartridge
/// has, fail with the planner's one line and write nothing.
#[test]
fn build_gb_with_several_models_and_what_does_not_fit() {
    let dir = tmpdir("build-cli-gb-multi");
    let out = dir.join("TWO.gb");
    let example = |name: &str| {
        format!(
            "{}/../examples/{name}/model.npz",
            env!("CARGO_MANIFEST_DIR")
        )
    };
    let (guess, tiny) = (example("guess"), example("tinychat"));
    let (code, stdout, err) = z80lm(&[
        "build",
        "--target",
        "gb",
        "--model",
        &guess,
        "--model",
        &tiny,
        "--emit",
        "plan",
        "--emit",
        "map",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    for want in [
        "2 models, each in its own banks",
        "model 1: guess (banks 1-",
        "model 2: tinychat (banks ",
        "T/step measured on \"hello\"",
        "model 1 \"guess\"",
        "model 2 \"tinychat\"",
        "engine, driver, font, menu",
    ] {
        assert!(stdout.contains(want), "{want:?} in\n{stdout}");
    }
    let rom = std::fs::read(&out).unwrap();
    let h = cartridge::parse(&rom).unwrap();
    assert_eq!(h.rom_bytes(), rom.len());
    let (g, t) = (
        Model::load(guess.as_ref()).unwrap(),
        Model::load(tiny.as_ref()).unwrap(),
    );
    let named = vec![("guess".to_string(), &g), ("tinychat".to_string(), &t)];
    let image = gameboy::build_models(&named, &Layout::Auto, &Default::default()).unwrap();
    assert_eq!(rom, image.rom);
    std::fs::remove_file(&out).unwrap();

    // 256 models: more than the menu numbers.
    let mut args = vec!["build", "--target", "gb", "-o", out.to_str().unwrap()];
    let mini = mini();
    for _ in 0..256 {
        args.extend(["--model", &mini]);
    }
    let (code, _, err) = z80lm(&args);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("256 models: the start menu lists at most 255"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    // Four models of 128 banks each: the fourth does not fit in 512 banks.
    let big = dir.join("big.npz");
    std::fs::write(&big, dense().to_npz()).unwrap();
    let big = big.to_str().unwrap();
    let mut args = vec!["build", "--target", "gbc", "-o", out.to_str().unwrap()];
    for _ in 0..4 {
        args.extend(["--model", big]);
    }
    let (code, _, err) = z80lm(&args);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("model big~4 does not fit: it needs 128 banks") && err.contains("512"),
        "{err}"
    );
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1, "only big.npz");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A model with every weight non-zero (256 -> 256 -> 128): 128 banks on a several-model
/// cartridge.
fn dense() -> Model {
    use z80lm::model::Layer;
    let layer = |out: usize, inp: usize| Layer {
        out,
        inp,
        weights: (0..out * inp).map(|i| [1i8, -1, -2][i % 3]).collect(),
        bias: vec![0; out],
    };
    let mut charset: Vec<u8> = (1..128u8).collect();
    charset.push(0);
    Model {
        layers: vec![layer(256, 256), layer(128, 256)],
        charset,
        warning: None,
    }
}
