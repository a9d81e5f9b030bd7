//! `kicad-notes/cpm.md` §4 tells people to put `CHAT.COM` on a RomWBW card image with cpmtools:
//! `cpmcp -f wbw_hd1k_0 card.img CHAT.COM 0:` for slice 0, and for slices past the first (which
//! cpmtools 2.23 refuses) `dd` the slice out, `cpmcp -f wbw_hd1k` into it and `dd` it back. This
//! test runs those exact command lines (each must appear in the notes as written) against a card
//! image made the way RomWBW makes its own (the 1 MiB prefix's partition table, then slices
//! formatted by `mkfs.cpm` and concatenated), checks the file comes back byte for byte from
//! both slices, and checks the limit the notes describe is still there: `cpmls -f wbw_hd1k_1`
//! fails with "Bad parameter". It skips with a reason when cpmtools (Debian package `cpmtools`)
//! or `dd` is not installed (a failure in CI).
//!
//! The diskdefs are RomWBW's `Tools/cpmtools/diskdefs` (master, 2026); cpmtools 2.23 reads a
//! `diskdefs` file in the current directory, which is how the test (and a user without root)
//! supplies them.

use std::path::Path;
use std::process::{Command, Output};

const DISKDEFS: &str = include_str!("../diskdefs");

/// The command lines of cpm.md §4 this test runs, in order.
const SLICE0: [&str; 2] = [
    "cpmcp -f wbw_hd1k_0 card.img CHAT.COM 0:",
    "cpmls -f wbw_hd1k_0 card.img",
];
const SLICE2: [&str; 3] = [
    "dd if=card.img of=slice2.img bs=1M skip=17 count=8",
    "cpmcp -f wbw_hd1k slice2.img CHAT.COM 0:",
    "dd if=slice2.img of=card.img bs=1M seek=17 conv=notrunc",
];

fn sh(dir: &Path, line: &str) -> Output {
    Command::new("sh")
        .args(["-c", line])
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("sh: {e}"))
}

fn ok(dir: &Path, line: &str) -> String {
    let out = sh(dir, line);
    assert!(
        out.status.success(),
        "`{line}` failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A three-slice hd1k card as RomWBW builds one: `cat hd1k_prefix.dat slice0 slice1 slice2`.
fn card(dir: &Path) {
    let mut img = vec![0u8; 1 << 20];
    // The partition table of RomWBW's hd1k_prefix.dat: type 0x2E from sector 2048.
    img[446..462].copy_from_slice(&[
        0, 0, 1, 8, 0x2e, 0x0f, 0xd0, 0xff, 0, 8, 0, 0, 0, 0, 0x10, 0,
    ]);
    img[510] = 0x55;
    img[511] = 0xaa;
    for _ in 0..3 {
        let f = std::fs::File::create(dir.join("blank.img")).unwrap();
        f.set_len(8 << 20).unwrap();
        drop(f);
        ok(dir, "mkfs.cpm -f wbw_hd1k blank.img");
        img.extend_from_slice(&std::fs::read(dir.join("blank.img")).unwrap());
    }
    std::fs::write(dir.join("card.img"), img).unwrap();
}

#[test]
fn the_notes_cpmtools_lines_work_on_a_romwbw_card() {
    for (tool, package) in [
        ("mkfs.cpm", "Debian cpmtools"),
        ("cpmcp", "Debian cpmtools"),
        ("cpmls", "Debian cpmtools"),
        ("dd", "Debian coreutils"),
    ] {
        testsupport::require!(testsupport::tool(tool, package));
    }
    let notes = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../kicad-notes/cpm.md"),
    )
    .unwrap();
    for line in SLICE0.iter().chain(&SLICE2) {
        assert!(notes.contains(line), "cpm.md no longer says `{line}`");
    }
    let dir = std::env::temp_dir().join(format!("z80lm-cpmtools-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("diskdefs"), DISKDEFS).unwrap();
    // 300 bytes: not a whole number of 128-byte CP/M records.
    let program: Vec<u8> = (0..300u32).map(|i| (i * 7 + 3) as u8).collect();
    std::fs::write(dir.join("CHAT.COM"), &program).unwrap();
    card(&dir);

    ok(&dir, SLICE0[0]);
    let listing = ok(&dir, SLICE0[1]);
    assert!(listing.contains("chat.com"), "slice 0: {listing:?}");
    for line in SLICE2 {
        ok(&dir, line);
    }
    assert_eq!(
        std::fs::metadata(dir.join("card.img")).unwrap().len(),
        (1 + 3 * 8) << 20,
        "dd kept the card's size"
    );

    // Read both copies back: slice 0 through its offset, slice 2 cut out again.
    ok(&dir, "cpmcp -f wbw_hd1k_0 card.img 0:CHAT.COM back0.com");
    ok(&dir, "dd if=card.img of=check2.img bs=1M skip=17 count=8");
    ok(&dir, "cpmcp -f wbw_hd1k check2.img 0:CHAT.COM back2.com");
    // Slice 1 stayed empty.
    ok(&dir, "dd if=card.img of=check1.img bs=1M skip=9 count=8");
    assert_eq!(ok(&dir, "cpmls -f wbw_hd1k check1.img").trim(), "");
    for back in ["back0.com", "back2.com"] {
        let got = std::fs::read(dir.join(back)).unwrap();
        assert_eq!(&got[..program.len()], &program[..], "{back}");
        // CP/M counts whole 128-byte records; cpmtools may give back the exact length.
        assert!(
            got.len() == program.len() || got.len() == 384,
            "{back}: {}",
            got.len()
        );
    }

    // The limit the notes describe: RomWBW's diskdef for slice 1 does not work in cpmtools.
    let out = sh(&dir, "cpmls -f wbw_hd1k_1 card.img");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("Bad parameter"),
        "cpmtools now reads slice 1 through its offset ({err:?}): update kicad-notes/cpm.md §4"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
