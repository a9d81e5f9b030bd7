//! CP/M disk images written by `z80lm::cpmdisk`, checked by an independent implementation:
//! cpmtools (Debian package `cpmtools`: `mkfs.cpm`, `cpmcp`, `cpmls`, `fsck.cpm`).
//!
//! For every format the writer offers: a new image holding a real CHAT.COM (built from the
//! example model with the real build path) lists in `cpmls`, passes `fsck.cpm`, and `cpmcp`
//! gives back the same bytes. Images made by cpmtools itself, with other files in several user
//! areas and a file of many extents, keep every file when CHAT.COM is added. A name clash and
//! a full disk are typed errors that leave the image byte for byte as it was.
//!
//! cpmtools reads the formats from a `diskdefs` file in the current directory; the text below
//! is RomWBW's `Tools/cpmtools/diskdefs` (master, 2026) for the RomWBW formats, Debian's
//! `/etc/cpmtools/diskdefs` for `ibm-3740`, and RomWBW's `Tools/unix/cpmtools/diskdefs` for
//! `kpii` (see `host/src/cpmdisk/format.rs` for why that one).
//!
//! cpmtools 2.23 (Debian bookworm) cannot use RomWBW's diskdefs for slices past the first:
//! `cpmls -f wbw_hd1k_1` (offset 1152T) and `wbw_hd512_1` (1040T) stop with "cannot read
//! superblock (Bad parameter)" (an offset of 1000 tracks still works, 1023 does not), and
//! `mkfs.cpm` ignores `offset` altogether. So slices 1 and up are checked the way RomWBW
//! builds its card images (`cat hd1k_prefix.dat slice.img ...`): the slice is cut out of the
//! card (or spliced in) and cpmtools works on it with the bare-slice format.

use std::path::{Path, PathBuf};
use std::process::Command;

use z80lm::cpmdisk::{self, Container, CpmName, DiskError, DiskFormat};

const DISKDEFS: &str = include_str!("../diskdefs");

/// The formats checked (slices past 0 through a cut-out slice, see above).
const FORMATS: &[&str] = &[
    "wbw_hd1k",
    "wbw_hd1k_0",
    "wbw_hd1k_2",
    "wbw_hd512",
    "wbw_hd512_1",
    "ibm-3740",
    "kpii",
];

/// A scratch directory with the diskdefs; missing without cpmtools.
fn setup(test: &str) -> Result<PathBuf, testsupport::Missing> {
    for tool in ["mkfs.cpm", "cpmcp", "cpmls", "fsck.cpm"] {
        testsupport::tool(tool, "Debian cpmtools")?;
    }
    let dir = testsupport::scratch(&format!("cpmdisk-{test}"));
    std::fs::write(dir.join("diskdefs"), DISKDEFS).unwrap();
    Ok(dir)
}

fn run(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(args[0])
        .args(&args[1..])
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", args[0]));
    assert!(
        out.status.success(),
        "`{}` failed: {}{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// CHAT.COM of the example model, built with the real build path.
fn chat_com() -> Vec<u8> {
    let model = z80lm::model::Model::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/guess/model.npz"),
    )
    .expect("examples/guess/model.npz");
    let built = hil::cpm::build_com(&model, &Default::default());
    z80lm::engine::targets::cpm::com_bytes(&built.image)
}

/// `cpmcp` the file out of the image and check it against `want`: the same bytes, then at
/// most the rest of the last 128-byte record (CP/M files are whole records).
fn check_file(dir: &Path, format: &str, img: &str, cpm_name: &str, want: &[u8]) {
    let out = format!("out-{}", cpm_name.replace(':', "_"));
    run(dir, &["cpmcp", "-f", format, img, cpm_name, &out]);
    let got = std::fs::read(dir.join(&out)).unwrap();
    assert!(
        got.len() >= want.len() && got.len() <= want.len().div_ceil(128) * 128,
        "{format} {cpm_name}: {} bytes came back for {}",
        got.len(),
        want.len()
    );
    assert!(
        got[..want.len()] == *want,
        "{format} {cpm_name}: bytes differ"
    );
    std::fs::remove_file(dir.join(&out)).unwrap();
}

/// The file and diskdef name cpmtools reads for `img` in `fmt`: the image itself, or for a
/// card slice past 0 the slice cut out into `slice.img` with the bare-slice format.
fn view(dir: &Path, fmt: &DiskFormat, img: &str) -> (String, String) {
    let bare = match fmt.container {
        Container::Hd1kCard(n) if n > 0 => "wbw_hd1k",
        Container::Hd512Card(n) if n > 0 => "wbw_hd512",
        _ => return (img.to_string(), fmt.name.clone()),
    };
    let all = std::fs::read(dir.join(img)).unwrap();
    let at = fmt.offset() as usize;
    let len = fmt.def.bytes() as usize;
    std::fs::write(dir.join("slice.img"), &all[at..at + len]).unwrap();
    ("slice.img".to_string(), bare.to_string())
}

/// A cpmtools-made image: `mkfs.cpm` and `cpmcp` of the other files on a bare filesystem,
/// placed at the format's offset (behind RomWBW's partition table on an hd1k card).
fn cpmtools_image(dir: &Path, fmt: &DiskFormat, img: &str) {
    let bare = match fmt.container {
        Container::Hd1kCard(_) => "wbw_hd1k",
        Container::Hd512Card(_) => "wbw_hd512",
        Container::Bare => fmt.name.as_str(),
    };
    let fs = format!("fs-{img}");
    let f = std::fs::File::create(dir.join(&fs)).unwrap();
    f.set_len(fmt.def.bytes()).unwrap();
    drop(f);
    run(dir, &["mkfs.cpm", "-f", bare, &fs]);
    for (cpm, data) in others() {
        let (user, file) = cpm.split_once(':').unwrap();
        std::fs::write(dir.join(file), &data).unwrap();
        run(dir, &["cpmcp", "-f", bare, &fs, file, &format!("{user}:")]);
    }
    let fs_bytes = std::fs::read(dir.join(&fs)).unwrap();
    let mut all = vec![0u8; cpmdisk::new_image_len(fmt) as usize];
    if let Container::Hd1kCard(_) = fmt.container {
        // The partition table of RomWBW's hd1k_prefix.dat (type 0x2E from sector 2048).
        all[446..462].copy_from_slice(&[
            0, 0, 1, 8, 0x2e, 0x0f, 0xd0, 0xff, 0, 8, 0, 0, 0, 0, 0x10, 0,
        ]);
        all[510] = 0x55;
        all[511] = 0xaa;
    }
    let at = fmt.offset() as usize;
    all[at..at + fs_bytes.len()].copy_from_slice(&fs_bytes);
    std::fs::write(dir.join(img), all).unwrap();
    std::fs::remove_file(dir.join(&fs)).unwrap();
}

fn fsck(dir: &Path, format: &str, img: &str) {
    run(dir, &["fsck.cpm", "-n", "-f", format, img]);
}

#[test]
fn new_images_hold_chat_com_for_cpmtools() {
    let dir = testsupport::require!(setup("new"));
    let com = chat_com();
    assert!(
        !com.len().is_multiple_of(128),
        "the check wants a partial last record"
    );
    let name = CpmName::parse("CHAT.COM").unwrap();
    for &format in FORMATS {
        let fmt = DiskFormat::by_name(format).unwrap();
        let img = format!("{format}.img");
        cpmdisk::create_image(&dir.join(&img), &fmt, 0, &name, &com).unwrap();
        assert!(!dir.join(format!("{img}.part")).exists());
        let (file, def) = view(&dir, &fmt, &img);
        let listing = run(&dir, &["cpmls", "-f", &def, &file]);
        assert!(
            listing.contains("chat.com"),
            "{format}: cpmls shows {listing:?}"
        );
        fsck(&dir, &def, &file);
        check_file(&dir, &def, &file, "0:CHAT.COM", &com);
        std::fs::remove_file(dir.join(&img)).unwrap();
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn new_card_images_have_romwbws_partition_and_empty_slices_before_the_one_named() {
    let dir = testsupport::require!(setup("card"));
    let fmt = DiskFormat::by_name("wbw_hd1k_2").unwrap();
    let img = dir.join("card.img");
    let name = CpmName::parse("CHAT.COM").unwrap();
    cpmdisk::create_image(&img, &fmt, 0, &name, b"hello").unwrap();
    let bytes = std::fs::read(&img).unwrap();
    assert_eq!(bytes.len(), (1 + 3 * 8) << 20);
    // The first partition entry: type 0x2E from sector 2048 (RomWBW's hd1k_prefix.dat).
    assert_eq!(bytes[0x1c2], 0x2e);
    assert_eq!(bytes[0x1c6..0x1ca], [0, 8, 0, 0]);
    assert_eq!(bytes[510..512], [0x55, 0xaa]);
    // Slices 0 and 1 are formatted and empty; slice 2 holds the file.
    for (slice, files) in [
        ("wbw_hd1k_0", ""),
        ("wbw_hd1k_1", ""),
        ("wbw_hd1k_2", "0:\nchat.com"),
    ] {
        let (file, def) = view(&dir, &DiskFormat::by_name(slice).unwrap(), "card.img");
        let listing = run(&dir, &["cpmls", "-f", &def, &file]);
        assert_eq!(listing.trim(), files, "{slice}");
        fsck(&dir, &def, &file);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Files cpmtools writes into a fresh image of `format`: (user:name, bytes).
fn others() -> Vec<(&'static str, Vec<u8>)> {
    let big: Vec<u8> = (0..70_000u32).map(|i| (i * 13 + i / 300) as u8).collect();
    let text = b"a text file\r\n".repeat(40);
    let tiny = vec![0x5a; 5];
    vec![("0:BIG.DAT", big), ("5:NOTES.TXT", text), ("0:T.BIN", tiny)]
}

#[test]
fn adding_to_a_cpmtools_image_keeps_every_other_file() {
    let dir = testsupport::require!(setup("into"));
    let com = chat_com();
    let name = CpmName::parse("CHAT.COM").unwrap();
    for &format in FORMATS {
        let fmt = DiskFormat::by_name(format).unwrap();
        let img = format!("{format}.img");
        cpmtools_image(&dir, &fmt, &img);
        let before = std::fs::read(dir.join(&img)).unwrap();

        let added = cpmdisk::add_to_image(&dir.join(&img), &fmt, 0, &name, &com).unwrap();
        assert!(added.blocks > 0);
        let (file, def) = view(&dir, &fmt, &img);
        fsck(&dir, &def, &file);
        let listing = run(&dir, &["cpmls", "-f", &def, &file]);
        for want in ["chat.com", "big.dat", "t.bin", "notes.txt"] {
            assert!(
                listing.contains(want),
                "{format}: {want} missing from {listing:?}"
            );
        }
        check_file(&dir, &def, &file, "0:CHAT.COM", &com);
        for (cpm, data) in others() {
            check_file(&dir, &def, &file, cpm, &data);
        }

        // A second CHAT.COM in user 0 clashes; a file larger than the free space does not
        // fit. Neither changes a byte.
        let after = std::fs::read(dir.join(&img)).unwrap();
        assert_ne!(after, before);
        let e = cpmdisk::add_to_image(&dir.join(&img), &fmt, 0, &name, &com).unwrap_err();
        assert!(matches!(e, DiskError::NameClash { .. }), "{format}: {e}");
        let huge = vec![0u8; (fmt.def.blocks() * fmt.def.blocksize) as usize];
        let big_name = CpmName::parse("HUGE.DAT").unwrap();
        let e = cpmdisk::add_to_image(&dir.join(&img), &fmt, 0, &big_name, &huge).unwrap_err();
        assert!(matches!(e, DiskError::DiskFull { .. }), "{format}: {e}");
        assert!(
            std::fs::read(dir.join(&img)).unwrap() == after,
            "{format}: image changed"
        );
        std::fs::remove_file(dir.join(&img)).unwrap();
    }
    let _ = std::fs::remove_dir_all(&dir);
}
