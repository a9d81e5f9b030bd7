//! Every file in `boards/data/` loads, validates, and is listed in `desc::BUILTIN`; broken
//! descriptions fail with a message naming the field.

use boards::desc::{BoardDesc, ConsoleDevice, DescError, RegionKind, BUILTIN};

#[test]
fn every_board_file_loads_and_validates() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("toml") {
            continue;
        }
        let stem = path.file_stem().unwrap().to_str().unwrap().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        let desc = BoardDesc::from_toml(&stem, &text)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(
            desc.name,
            stem,
            "{}: name must match the file name",
            path.display()
        );
        assert!(
            BUILTIN.iter().any(|(n, t)| *n == stem && *t == text),
            "{stem} is not embedded in desc::BUILTIN"
        );
        assert!(BoardDesc::builtin(&stem).is_ok());
        seen += 1;
    }
    assert_eq!(seen, BUILTIN.len());
}

#[test]
fn budgets_the_planner_reads() {
    let classic = BoardDesc::builtin("rc2014-classic").unwrap();
    assert_eq!(classic.visible_rom_bytes(), 0x8000);
    assert_eq!(classic.ram_bytes(), 0x8000);
    assert_eq!(classic.banked_rom_bytes(), 0);
    assert_eq!(classic.console.device, ConsoleDevice::Acia);

    let big = BoardDesc::builtin("rc2014-512k").unwrap();
    assert_eq!(big.banked_rom_bytes(), 512 * 1024);
    assert_eq!(big.console.device, ConsoleDevice::Sio);
    let flash = big.flash.as_ref().unwrap();
    assert_eq!((flash.manufacturer_id, flash.device_id), (0xBF, 0xB7));

    let cpm = BoardDesc::builtin("cpm").unwrap();
    assert_eq!(cpm.regions(RegionKind::Ram).next().unwrap().start, 0x0100);
}

#[test]
fn unknown_board_lists_the_known_ones() {
    let err = BoardDesc::builtin("rc2015").unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("unknown board `rc2015`") && msg.contains("rc2014-512k"),
        "{msg}"
    );
}

fn classic_with(from: &str, to: &str) -> Result<BoardDesc, DescError> {
    let text = BUILTIN
        .iter()
        .find(|(n, _)| *n == "rc2014-classic")
        .unwrap()
        .1;
    assert!(text.contains(from), "fixture text `{from}` missing");
    BoardDesc::from_toml("edited", &text.replacen(from, to, 1))
}

#[test]
fn unknown_keys_are_rejected() {
    let err = classic_with(
        "clock_hz = 7_372_800",
        "clock_hz = 7_372_800\nclock_mhz = 7",
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("unknown field `clock_mhz`"),
        "{err}"
    );
}

#[test]
fn overlapping_regions_are_rejected() {
    let err = classic_with("start = 0x8000", "start = 0x7000").unwrap_err();
    assert!(err.to_string().contains("overlaps"), "{err}");
}

#[test]
fn region_past_64k_is_rejected() {
    let err = classic_with(
        "size = 0x8000\nnote = \"62256",
        "size = 0x9000\nnote = \"62256",
    )
    .unwrap_err();
    assert!(err.to_string().contains("past the 64K"), "{err}");
}

#[test]
fn wrong_baud_arithmetic_is_rejected() {
    let err = classic_with("divider = 64", "divider = 16").unwrap_err();
    assert!(err.to_string().contains("not the stated baud"), "{err}");
}

#[test]
fn missing_console_ports_are_rejected() {
    let err = classic_with("ports = { control = 0x80, data = 0x81 }", "").unwrap_err();
    assert!(err.to_string().contains("console.ports"), "{err}");
}

#[test]
fn window_must_exist() {
    let err = classic_with("kind = \"rom\"", "kind = \"rom\"\nwindow = 0").unwrap_err();
    assert!(err.to_string().contains("no `[banking]`"), "{err}");
}
