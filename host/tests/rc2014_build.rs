//! `z80lm build --target rc2014` as a user runs it: the files it writes and what independent
//! tools make of them (srecord's `srec_cat` reads the Intel HEX back into the same bytes), and
//! its refusal when a model does not fit.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{run as z80lm, tmpdir};

fn mini() -> String {
    format!(
        "{}/../examples/guess-mini/model.npz",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn build(board: &str, model: &str, out: &Path) -> Output {
    z80lm(&[
        "build",
        "--model",
        model,
        "--target",
        "rc2014",
        "--board",
        board,
        "-o",
        out.to_str().unwrap(),
    ])
}

/// The Intel HEX read back by srecord, erased bytes filled in; missing without srecord.
fn srec_bytes(hex: &Path, size: usize, dir: &Path) -> Result<Vec<u8>, testsupport::Missing> {
    let srec_cat = testsupport::tool("srec_cat", "Debian srecord")?;
    let out = dir.join("readback.bin");
    let o = Command::new(srec_cat)
        .arg(hex)
        .args(["-Intel", "-fill", "0xFF", "0", &format!("{size:#x}")])
        .arg("-o")
        .arg(&out)
        .arg("-Binary")
        .output()
        .expect("srec_cat runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    Ok(std::fs::read(out).unwrap())
}

#[test]
fn the_512k_build_writes_flash_hex_and_upload_that_agree() {
    let dir = tmpdir("build-512k");
    let bin = dir.join("CHAT.bin");
    let o = build("rc2014-512k", &mini(), &bin);
    let said = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{said}");
    // The memory map shows each layer's real weight range in its flash pages, not the
    // fixed part's empty-column stub as "weights".
    let rows: Vec<&str> = said
        .lines()
        .filter(|l| l.contains("bytes  weights, flash page"))
        .collect();
    assert_eq!(rows.len(), 4, "{said}");
    for (k, row) in rows.iter().enumerate() {
        let row = row.trim_start();
        assert!(
            row.starts_with(&format!("layer {}  0x4000-0x", k + 1)),
            "{row}"
        );
        let end = u32::from_str_radix(&row[18..22], 16).unwrap();
        let bytes: u32 = row[22..]
            .split_whitespace()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(end + 1 - 0x4000, bytes, "{row}");
    }
    assert!(!said.contains("\n  weights "), "{said}");
    let flash = std::fs::read(&bin).unwrap();
    assert_eq!(flash.len(), 0x8_0000);
    let app = z80rom::loader::stored_image(&flash).expect("a valid stored application");
    assert_eq!(&flash[..0x4000], &z80rom::loader::build().unwrap()[..]);
    let upl = std::fs::read(bin.with_extension("upl")).unwrap();
    assert_eq!(upl, z80rom::loader::upload(app));
    let back = srec_bytes(&bin.with_extension("hex"), flash.len(), &dir);
    let _ = std::fs::remove_dir_all(&dir);
    let back = testsupport::require!(back);
    assert!(back == flash, "the .hex does not read back as the .bin");
}

#[test]
fn the_classic_build_writes_a_32k_rom_and_its_hex() {
    let dir = tmpdir("build-classic");
    let bin = dir.join("CHAT.bin");
    let o = build("rc2014-classic", &mini(), &bin);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let rom = std::fs::read(&bin).unwrap();
    assert_eq!(rom.len(), 0x8000);
    assert!(
        !bin.with_extension("upl").exists(),
        "no loader upload for an EPROM"
    );
    let back = srec_bytes(&bin.with_extension("hex"), rom.len(), &dir);
    let _ = std::fs::remove_dir_all(&dir);
    let back = testsupport::require!(back);
    assert!(back == rom, "the .hex does not read back as the .bin");
}

#[test]
fn a_model_too_big_for_the_classic_is_one_clear_line_and_writes_nothing() {
    let dir = tmpdir("build-too-big");
    let bin = dir.join("CHAT.bin");
    // A full-size model with half its weights non-zero, like the upstream ones (~38K). Its
    // biases keep every neuron possibly active, so the planner can leave none out.
    let model = dir.join("dense.npz");
    let mut dense = z80lm::fit::stand_in(&[256, 256, 192, 128, 11], b"ABEIMNOSWY\0", 0.5);
    for l in &mut dense.layers {
        l.bias.iter_mut().for_each(|b| *b = 100);
    }
    dense.save(&model).unwrap();
    let o = build("rc2014-classic", model.to_str().unwrap(), &bin);
    let said = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{said}");
    assert_eq!(said.lines().count(), 1, "{said}");
    assert!(
        said.starts_with("error:") && said.contains("32K ROM"),
        "{said}"
    );
    assert!(!bin.exists() && !bin.with_extension("hex").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

fn example(name: &str) -> String {
    format!(
        "{}/../examples/{name}/model.npz",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn several_models_go_into_one_512k_image_behind_a_menu() {
    let dir = tmpdir("build-menu");
    let bin = dir.join("CHAT.bin");
    let (guess, tiny) = (example("guess"), example("tinychat"));
    let o = z80lm(&[
        "build",
        "--target",
        "rc2014",
        "--board",
        "rc2014-512k",
        "--model",
        &guess,
        "--model",
        &tiny,
        "--emit",
        "plan",
        "--emit",
        "map",
        "-o",
        bin.to_str().unwrap(),
    ]);
    let plan = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Every model's pages, named after its directory (model.npz), and its plan and map.
    assert!(
        plan.contains("2 models behind a start-up menu in flash page 1"),
        "{plan}"
    );
    assert!(plan.contains("model 1 (guess): flash pages 2-"), "{plan}");
    assert!(plan.contains("model 2 (tinychat): flash pages "), "{plan}");
    assert_eq!(plan.matches("layout: ").count(), 2, "{plan}");
    assert!(plan.contains("started by the menu in page 1"), "{plan}");
    let rom = std::fs::read(&bin).unwrap();
    assert_eq!(rom.len(), 0x8_0000);
    let app = z80rom::loader::stored_image(&rom).expect("a valid header");
    // The upload holds the same application, for XMODEM; the HEX the same flash.
    let upl = std::fs::read(bin.with_extension("upl")).unwrap();
    assert_eq!(z80rom::loader::uploaded_image(&upl), Some(app));
    let hex = std::fs::read_to_string(bin.with_extension("hex")).unwrap();
    assert_eq!(
        z80lm::engine::targets::rc2014::from_intel_hex(&hex, rom.len()).unwrap(),
        rom
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn models_that_do_not_fit_the_flash_are_named_and_nothing_is_written() {
    let dir = tmpdir("build-menu-full");
    let bin = dir.join("CHAT.bin");
    let (guess, tiny) = (example("guess"), example("tinychat"));
    let mut args = vec![
        "build",
        "--target",
        "rc2014-512k",
        "-o",
        bin.to_str().unwrap(),
    ];
    for _ in 0..8 {
        args.extend(["--model", guess.as_str(), "--model", tiny.as_str()]);
    }
    let o = z80lm(&args);
    let said = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{said}");
    assert_eq!(said.lines().count(), 1, "{said}");
    for want in [
        "error:",
        "do not all fit flash pages 1-30",
        "the menu takes page 1",
        "(the menu takes page 1): 1 (guess) ",
        " fit; these do not: ",
        "; 16 (tinychat) needs ",
        " free; leave them out",
    ] {
        assert!(said.contains(want), "{want:?} missing: {said}");
    }
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        0,
        "nothing written"
    );
    // A model that does not build is named by its number and name, with the reason once.
    let o = z80lm(&[
        "build",
        "--target",
        "rc2014-512k",
        "--model",
        &guess,
        "--model",
        &tiny,
        "--layout",
        "packed,lists",
        "-o",
        bin.to_str().unwrap(),
    ]);
    let said = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{said}");
    assert_eq!(said.lines().count(), 1, "{said}");
    assert!(said.contains("model 1 (guess): --layout "), "{said}");
    assert_eq!(said.matches("--layout").count(), 1, "{said}");
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        0,
        "nothing written"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn several_models_need_the_512k_board() {
    let dir = tmpdir("build-menu-classic");
    let bin = dir.join("CHAT.bin");
    let mini = mini();
    let o = z80lm(&[
        "build",
        "--target",
        "rc2014-classic",
        "--model",
        &mini,
        "--model",
        &mini,
        "-o",
        bin.to_str().unwrap(),
    ]);
    let said = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{said}");
    assert!(said.contains("takes one --model (given 2)"), "{said}");
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        0,
        "nothing written"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
