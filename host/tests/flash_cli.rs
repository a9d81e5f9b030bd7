//! `z80lm flash` refuses, before it opens the port, a file that is not what `z80lm build` writes
//! for the 512K board, saying what it looks like (issue 15, B10 and B14); `--raw` sends any file
//! as an application.

mod common;

use std::path::Path;

use common::{tmpdir, z80lm};

/// `z80lm flash FILE` to a port that does not exist: a file that passes the checks gets as
/// far as opening the port.
fn flash(file: &Path, extra: &[&str]) -> (i32, String) {
    let mut args = vec![
        "flash",
        "--board",
        "rc2014-512k",
        "--port",
        "/nonexistent/tty",
    ];
    args.extend_from_slice(extra);
    args.push(file.to_str().unwrap());
    let (code, _, err) = z80lm(&args);
    (code, err)
}

fn build(dir: &Path, target: &str, out: &str) -> std::path::PathBuf {
    let model = testsupport::example_model_path("guess-mini");
    let path = dir.join(out);
    let (code, _, err) = z80lm(&[
        "build",
        "--model",
        model.to_str().unwrap(),
        "--target",
        target,
        "-o",
        path.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    path
}

#[track_caller]
fn refused(file: &Path, looks: &str) {
    let (code, err) = flash(file, &[]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("error: "), "{err}");
    assert!(err.contains(looks), "{looks:?} missing: {err}");
    assert!(!err.contains("cannot open"), "the port was opened: {err}");
}

#[test]
fn what_is_not_a_512k_build_is_refused_saying_what_it_looks_like() {
    let dir = tmpdir("flash-cli-refuse");
    let bin = build(&dir, "rc2014-512k", "CHAT.bin");
    let flash_bytes = std::fs::read(&bin).unwrap();
    let cut = dir.join("CUT.bin");
    std::fs::write(&cut, &flash_bytes[..100_000]).unwrap();
    refused(&cut, "the first 100000 bytes of a 512K flash image");
    refused(&build(&dir, "gb", "CHAT.gb"), "a Game Boy cartridge");
    refused(&build(&dir, "cpm", "CHAT.COM"), "bytes of binary data");
    refused(&build(&dir, "zx48", "CHAT.tap"), "a ZX Spectrum tape");
    refused(
        &testsupport::example_model_path("guess-mini"),
        "a zip archive",
    );
    let empty = dir.join("EMPTY.bin");
    std::fs::write(&empty, b"").unwrap();
    refused(&empty, "an empty file: nothing to flash");
    let (_, err) = flash(&cut, &[]);
    assert!(err.contains("--raw"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn build_outputs_and_raw_files_get_to_the_port() {
    let dir = tmpdir("flash-cli-accept");
    let bin = build(&dir, "rc2014-512k", "CHAT.bin");
    let com = build(&dir, "cpm", "CHAT.COM");
    for (file, extra) in [
        (bin.clone(), &[][..]),
        (bin.with_extension("hex"), &[]),
        (bin.with_extension("upl"), &[]),
        (com, &["--raw"]),
    ] {
        let (code, err) = flash(&file, extra);
        assert_eq!(code, 2, "{err}");
        assert!(
            err.contains("/nonexistent/tty"),
            "{}: stopped before the port: {err}",
            file.display()
        );
    }
    // --raw does not make an empty file an application.
    let empty = dir.join("EMPTY.bin");
    std::fs::write(&empty, b"").unwrap();
    let (code, err) = flash(&empty, &["--raw"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("an empty file"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_block_and_origin_values_are_one_line_errors() {
    let dir = tmpdir("flash-cli-values");
    let bin = build(&dir, "rc2014-512k", "CHAT.bin");
    for (extra, says) in [
        (
            &["--block", "512"][..],
            "XMODEM blocks are 1024 or 128 bytes",
        ),
        (&["--origin", "0x8000"], "--origin is for --via hex"),
        (&["--origin", "0x10000"], "is past 0xFFFF"),
    ] {
        let (code, err) = flash(&bin, extra);
        assert_eq!(code, 2, "{err}");
        let first = err.lines().next().unwrap_or_default();
        assert!(
            first.starts_with("error: ") && first.contains(says),
            "{extra:?}: {err}"
        );
        assert!(
            !err.contains("/nonexistent/tty"),
            "the port was opened: {err}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `flash --restore` (issue 18 item 4) takes a whole 512K ROM, raw or as Intel HEX reaching the
/// last page; anything else is refused in one line saying what it looks like, before the port
/// is opened; one of our own 512K images gets a warning and goes ahead.
#[test]
fn restore_takes_a_whole_512k_rom_and_refuses_anything_else() {
    let dir = tmpdir("flash-cli-restore");
    let foreign: Vec<u8> = (0..0x8_0000u32).map(|i| (i % 251) as u8).collect();
    let rom = dir.join("RomWBW.rom");
    std::fs::write(&rom, &foreign).unwrap();
    let (code, err) = flash(&rom, &["--restore"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("/nonexistent/tty"),
        "stopped before the port: {err}"
    );
    assert!(!err.contains("warning"), "{err}");

    let small = dir.join("SCM.rom");
    std::fs::write(&small, &foreign[..32768]).unwrap();
    let small_hex = dir.join("SCM.hex");
    let hex = z80lm::engine::targets::rc2014::intel_hex(&foreign[..32768]).unwrap();
    std::fs::write(&small_hex, hex).unwrap();
    for (file, says) in [
        (
            &small,
            "32768 bytes of binary data; --restore writes the whole 512K flash",
        ),
        (&small_hex, "Intel HEX ending at 0x7fff (32768 bytes)"),
    ] {
        let (code, err) = flash(file, &["--restore"]);
        assert_eq!(code, 2, "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.starts_with("error: ") && err.contains(says),
            "{says:?}: {err}"
        );
        assert!(
            !err.contains("/nonexistent/tty"),
            "the port was opened: {err}"
        );
    }

    let bin = build(&dir, "rc2014-512k", "CHAT.bin");
    for file in [bin.clone(), bin.with_extension("hex")] {
        let (code, err) = flash(&file, &["--restore"]);
        assert_eq!(code, 2, "{err}");
        assert!(
            err.starts_with("warning: ") && err.contains("is a z80lm 512K image"),
            "{err}"
        );
        assert!(
            err.contains("/nonexistent/tty"),
            "stopped before the port: {err}"
        );
    }
    for (extra, says) in [
        (&["--restore", "--raw"][..], "cannot be used with"),
        (
            &["--restore", "--via", "xmodem"],
            "--restore goes through our resident loader",
        ),
    ] {
        let (code, err) = flash(&rom, extra);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains(says), "{extra:?}: {err}");
        assert!(
            !err.contains("/nonexistent/tty"),
            "the port was opened: {err}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
