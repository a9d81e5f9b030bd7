//! `z80lm build --target cpm --disk FORMAT` and `--package download` as a user runs them: the
//! image holds the same CHAT.COM a plain build writes (read back with cpmtools' `cpmcp`),
//! `--into` adds it to an image made by cpmtools without touching the other file, and a name
//! clash, a full disk, an unknown format or a misplaced option is one `error:` line, exit 2,
//! with nothing written.

mod common;

use std::path::Path;
use std::process::Command;

use common::{tmpdir, z80lm};

const DISKDEFS: &str = include_str!("../../tests/diskdefs");

fn model() -> String {
    format!("{}/../examples/guess/model.npz", env!("CARGO_MANIFEST_DIR"))
}

fn tool(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(args[0])
        .args(&args[1..])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `build` with `args` after the model: (exit code, stderr). File names (.COM, .img, .pkg)
/// are taken relative to `dir`.
fn build(dir: &Path, args: &[&str]) -> (i32, String) {
    let mut all: Vec<String> = vec!["build".into(), "--model".into(), model()];
    for a in args {
        if a.ends_with(".img") || a.ends_with(".pkg") || a.ends_with(".COM") {
            all.push(dir.join(a).to_string_lossy().into_owned());
        } else {
            all.push(a.to_string());
        }
    }
    let refs: Vec<&str> = all.iter().map(String::as_str).collect();
    let (code, _, err) = z80lm(&refs);
    (code, err)
}

fn one_error_line(err: &str) -> &str {
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(
        lines.len() == 1 && lines[0].starts_with("error: "),
        "want one error line, got {err:?}"
    );
    lines[0]
}

#[test]
fn disk_images_and_packages_hold_the_com_a_plain_build_writes() {
    let dir = tmpdir("build-cpm-containers");
    std::fs::write(dir.join("diskdefs"), DISKDEFS).unwrap();
    let (code, err) = build(&dir, &["-o", "CHAT.COM"]);
    assert_eq!(code, 0, "{err}");
    let com = std::fs::read(dir.join("CHAT.COM")).unwrap();

    // The package: the CHAT.COM bytes as hex between ':' and '>'.
    let (code, err) = build(&dir, &["--package", "download", "-o", "chat.pkg"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("DOWNLOAD.COM package"), "{err}");
    let pkg = String::from_utf8(std::fs::read(dir.join("chat.pkg")).unwrap()).unwrap();
    let hex: String = com.iter().map(|b| format!("{b:02X}")).collect();
    let sum = com.iter().fold(0u8, |a, &b| a.wrapping_add(b));
    assert_eq!(
        pkg,
        format!(
            "A:DOWNLOAD CHAT.COM\r\nU0\r\n:{hex}>{:02X}{sum:02X}\r\n",
            com.len() as u8
        )
    );

    testsupport::require!(testsupport::tool("cpmls", "Debian cpmtools"));
    let (code, err) = build(&dir, &["--disk", "ibm-3740", "-o", "chat.img"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("ibm-3740 image"), "{err}");
    tool(
        &dir,
        &[
            "cpmcp",
            "-f",
            "ibm-3740",
            "chat.img",
            "0:CHAT.COM",
            "back.com",
        ],
    );
    let back = std::fs::read(dir.join("back.com")).unwrap();
    assert_eq!(&back[..com.len()], &com[..]);
    assert!(back.len() <= com.len().div_ceil(128) * 128);

    // --into an image cpmtools made, with a file of its own.
    tool(&dir, &["mkfs.cpm", "-f", "ibm-3740", "card.img"]);
    let note = b"keep me\r\n".repeat(100);
    std::fs::write(dir.join("note.txt"), &note).unwrap();
    tool(
        &dir,
        &["cpmcp", "-f", "ibm-3740", "card.img", "note.txt", "0:"],
    );
    let (code, err) = build(&dir, &["--disk", "ibm-3740", "--into", "card.img"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("added CHAT.COM to"), "{err}");
    let listing = tool(&dir, &["cpmls", "-f", "ibm-3740", "card.img"]);
    assert!(
        listing.contains("chat.com") && listing.contains("note.txt"),
        "{listing}"
    );
    tool(
        &dir,
        &[
            "cpmcp",
            "-f",
            "ibm-3740",
            "card.img",
            "0:NOTE.TXT",
            "note-back.txt",
        ],
    );
    assert_eq!(
        &std::fs::read(dir.join("note-back.txt")).unwrap()[..note.len()],
        &note[..]
    );

    // A second time: the name is taken. One line, exit 2, the image unchanged.
    let before = std::fs::read(dir.join("card.img")).unwrap();
    let (code, err) = build(&dir, &["--disk", "ibm-3740", "--into", "card.img"]);
    assert_eq!(code, 2);
    assert!(
        one_error_line(&err).contains("CHAT.COM is already on the disk"),
        "{err}"
    );
    assert!(std::fs::read(dir.join("card.img")).unwrap() == before);

    // A full disk: a fresh image filled by cpmtools.
    tool(&dir, &["mkfs.cpm", "-f", "ibm-3740", "full.img"]);
    std::fs::write(dir.join("big.dat"), vec![0x42u8; 220 * 1024]).unwrap();
    tool(
        &dir,
        &["cpmcp", "-f", "ibm-3740", "full.img", "big.dat", "0:"],
    );
    let before = std::fs::read(dir.join("full.img")).unwrap();
    let (code, err) = build(&dir, &["--disk", "ibm-3740", "--into", "full.img"]);
    assert_eq!(code, 2);
    assert!(
        one_error_line(&err).contains("no room for 0:CHAT.COM"),
        "{err}"
    );
    assert!(std::fs::read(dir.join("full.img")).unwrap() == before);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_container_options_are_one_line_and_write_nothing() {
    let dir = tmpdir("build-cpm-containers-bad");
    for (args, want) in [
        (
            &["--disk", "wbw_hd1024_0", "-o", "x.img"][..],
            "unknown disk format \"wbw_hd1024_0\"; formats: wbw_hd1k, wbw_hd1k_N",
        ),
        (
            &["--package", "zip", "-o", "x.pkg"],
            "the only kind is download",
        ),
        (
            &["--target", "gb", "--disk", "kpii", "-o", "x.img"],
            "--disk does not apply to gb; it is for cpm",
        ),
        (
            &["--target", "zx48", "--package", "download", "-o", "x.pkg"],
            "--package does not apply to zx48; it is for cpm",
        ),
        (
            &["--disk", "kpii", "-o", "x.COM"],
            "a CP/M disk image for cpm is a .img file",
        ),
        (
            &["--disk", "wbw_hd1k_0", "--into", "missing.img"],
            "missing.img: No such file",
        ),
    ] {
        let (code, err) = build(&dir, args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(one_error_line(&err).contains(want), "{args:?}: {err}");
    }
    let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert!(left.is_empty(), "files written: {left:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
