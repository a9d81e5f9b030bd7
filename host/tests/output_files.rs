//! Where `z80lm build -o PATH` writes, through the real binary (issue 15, B1-B3): a symbolic link
//! is followed and stays a link, a FIFO is written through and stays a FIFO, a directory is
//! refused without leaving `PATH.part` behind, and a tape is never written over by its audio.

mod common;

use std::path::Path;

use common::{tmpdir, z80lm};

fn mini() -> String {
    testsupport::example_model_path("guess-mini")
        .to_string_lossy()
        .into_owned()
}

/// `z80lm build --target cpm -o out` for the guess-mini example.
fn build_com(out: &Path) -> (i32, String) {
    let (code, _, err) = z80lm(&[
        "build",
        "--model",
        &mini(),
        "--target",
        "cpm",
        "-o",
        out.to_str().unwrap(),
    ]);
    (code, err)
}

/// The .COM the build writes, built once into a plain file.
fn reference_com(dir: &Path) -> Vec<u8> {
    let plain = dir.join("PLAIN.COM");
    let (code, err) = build_com(&plain);
    assert_eq!(code, 0, "{err}");
    std::fs::read(plain).unwrap()
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_symbolic_link_is_followed_and_stays_a_link() {
    let dir = tmpdir("out-symlink");
    let com = reference_com(&dir);
    std::fs::write(dir.join("real.COM"), b"old").unwrap();
    std::os::unix::fs::symlink("real.COM", dir.join("link.COM")).unwrap();
    let (code, err) = build_com(&dir.join("link.COM"));
    assert_eq!(code, 0, "{err}");
    let link = std::fs::symlink_metadata(dir.join("link.COM")).unwrap();
    assert!(link.file_type().is_symlink(), "the link was replaced");
    assert_eq!(std::fs::read(dir.join("real.COM")).unwrap(), com);
    assert_eq!(entries(&dir), ["PLAIN.COM", "link.COM", "real.COM"]);
    // A link to nothing is refused in one line, and nothing is created.
    std::os::unix::fs::symlink("nodir/x.COM", dir.join("dangling.COM")).unwrap();
    let (code, err) = build_com(&dir.join("dangling.COM"));
    assert_eq!(code, 2, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("symbolic link to nothing"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_fifo_is_written_through_and_stays_a_fifo() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tmpdir("out-fifo");
    let com = reference_com(&dir);
    let fifo = dir.join("pipe.COM");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    let (code, err) = build_com(&fifo);
    assert_eq!(code, 0, "{err}");
    // Checked before waiting for the reader, which waits forever on a replaced FIFO.
    let m = std::fs::symlink_metadata(&fifo).unwrap();
    assert!(m.file_type().is_fifo(), "the FIFO was replaced");
    assert_eq!(reader.join().unwrap(), com, "the reader got the .COM");
    assert_eq!(entries(&dir), ["PLAIN.COM", "pipe.COM"]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_directory_is_refused_and_leaves_no_part_file() {
    let dir = tmpdir("out-dir");
    std::fs::create_dir(dir.join("d.COM")).unwrap();
    let (code, err) = build_com(&dir.join("d.COM"));
    assert_eq!(code, 2, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("is a directory"), "{err}");
    assert_eq!(entries(&dir), ["d.COM"]);
    // `-o .`, run from that directory.
    let out = std::process::Command::new(common::BIN)
        .args(["build", "--model", &mini(), "--target", "cpm", "-o", "."])
        .current_dir(&dir)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(!err.contains("busy"), "{err}");
    assert_eq!(entries(&dir), ["d.COM"]);
    assert!(!dir.parent().unwrap().join("..part").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_tape_is_never_overwritten_by_its_audio() {
    let dir = tmpdir("out-wav");
    let out = dir.join("tape.wav");
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
    assert!(err.contains(".tap"), "{err}");
    assert!(entries(&dir).is_empty(), "{:?}", entries(&dir));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn dev_stdout_takes_the_image() {
    let dir = tmpdir("out-stdout");
    let com = reference_com(&dir);
    let out = common::run(&[
        "build",
        "--model",
        &mini(),
        "--target",
        "cpm",
        "-o",
        "/dev/stdout",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(out.stdout == com, "stdout is not the .COM: {err}");
    let _ = std::fs::remove_dir_all(&dir);
}
