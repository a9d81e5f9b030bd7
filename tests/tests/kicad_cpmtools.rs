//! `kicad-notes/cpm.md` tells people to put `CHAT.COM` on a RomWBW disk with cpmtools:
//! `cpmcp -f wbw_hd1024_0 card.img CHAT.COM 0:`. This test runs those exact command
//! lines against a fresh image, so the instructions cannot silently rot: it formats an
//! image with each RomWBW hard-disk format the notes recommend, copies a file in to user
//! area 0, lists it, copies it back and compares the bytes. It skips with a reason when
//! cpmtools (Debian package `cpmtools`) is not installed.
//!
//! The format parameters are those of RomWBW's `Tools/cpmtools/diskdefs` (`wbw_hd1024`:
//! 512-byte sectors, 16 per track, 4 KiB blocks, 1024 directory entries; `_0` adds the
//! 128 KiB prefix as 16 more boot tracks). cpmtools 2.23 reads a `diskdefs` file in the
//! current directory, which is how the test (and a user without root) supplies them.

use std::path::Path;
use std::process::Command;

const DISKDEFS: &str = "\
diskdef wbw_hd1024
  seclen 512
  tracks 1024
  sectrk 16
  blocksize 4096
  maxdir 1024
  skew 0
  boottrk 2
  os 2.2
end

diskdef wbw_hd1024_0
  seclen 512
  tracks 1040
  sectrk 16
  blocksize 4096
  maxdir 1024
  skew 0
  boottrk 18
  os 2.2
end
";

fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
        .unwrap_or(false)
}

fn run(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(args[0])
        .args(&args[1..])
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", args[0]));
    assert!(
        out.status.success(),
        "`{}` failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn cpmcp_into_a_romwbw_image_as_the_notes_say() {
    let missing: Vec<&str> = ["mkfs.cpm", "cpmcp", "cpmls"]
        .into_iter()
        .filter(|t| !on_path(t))
        .collect();
    if !missing.is_empty() {
        eprintln!(
            "skipping: cpmtools not installed ({} missing)",
            missing.join(", ")
        );
        return;
    }
    let dir = std::env::temp_dir().join(format!("z80lm-cpmtools-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("diskdefs"), DISKDEFS).unwrap();
    // 300 bytes: not a whole number of 128-byte CP/M records.
    let program: Vec<u8> = (0..300u32).map(|i| (i * 7 + 3) as u8).collect();
    std::fs::write(dir.join("CHAT.COM"), &program).unwrap();

    for (format, tracks) in [("wbw_hd1024", 1024u64), ("wbw_hd1024_0", 1040)] {
        let img = format!("{format}.img");
        let f = std::fs::File::create(dir.join(&img)).unwrap();
        f.set_len(tracks * 16 * 512).unwrap();
        drop(f);
        run(&dir, &["mkfs.cpm", "-f", format, &img]);
        run(&dir, &["cpmcp", "-f", format, &img, "CHAT.COM", "0:"]);
        let listing = run(&dir, &["cpmls", "-f", format, &img]);
        assert!(
            listing.to_lowercase().contains("chat.com"),
            "{format}: cpmls shows {listing:?}"
        );
        let back = format!("back-{format}.com");
        run(&dir, &["cpmcp", "-f", format, &img, "0:CHAT.COM", &back]);
        let got = std::fs::read(dir.join(&back)).unwrap();
        assert_eq!(
            &got[..program.len()],
            &program[..],
            "{format}: file changed on the way"
        );
        // CP/M 2.2 counts whole 128-byte records; cpmtools may give back the exact length.
        let records = program.len().div_ceil(128) * 128;
        assert!(
            got.len() == program.len() || got.len() == records,
            "{format}: {} bytes came back for {}",
            got.len(),
            program.len()
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
