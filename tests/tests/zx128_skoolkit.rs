//! An independent check of the ZX Spectrum 128K tape that `z80lm build --target zx128` writes:
//! SkoolKit's `tap2sna.py` in its 128K mode (`machine=128`) boots both 128K ROMs, runs the
//! menu's Tape Loader and loads the tape pulse by pulse through the ROM (`fast-load=0`): our
//! BASIC loader, then our bank loader paging each RAM bank and calling the ROM's LD-BYTES,
//! until the PC reaches the chat's entry. Every block must then be in its bank of the
//! snapshot's RAM where the memory map says. Skipped with a printed reason when SkoolKit is
//! absent, a failure in CI.

use std::path::PathBuf;
use std::process::Command;

use hil::{example_model, require};
use z80lm::engine::targets::zx128;
use z80lm::engine::Layout;

fn workdir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("z80lm-zx128-skoolkit-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn tap2sna_128k_sim_load_puts_every_bank_in_place() {
    let tap2sna = require!(testsupport::tool("tap2sna.py", "PyPI skoolkit"));
    let python = require!(testsupport::python_module("skoolkit", "skoolkit"));
    let zx = zx128::build(&example_model("guess"), &Layout::Auto).expect("guess fits the 128K");
    let entry = zx.built.image.symbol("zx_entry").expect("zx_entry");
    let dir = workdir();
    let (tap, z80) = (dir.join("CHAT.tap"), dir.join("CHAT.z80"));
    std::fs::write(&tap, zx.tape.to_tap()).unwrap();
    let out = Command::new(tap2sna)
        .args([
            "-c",
            "machine=128",
            "-c",
            "fast-load=0",
            "-c",
            "finish-tape=1",
        ])
        .args(["--start", &entry.to_string()])
        .arg(&tap)
        .arg(&z80)
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&out.stdout).replace('\r', "\n");
    assert!(
        out.status.success(),
        "{log}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        log.contains(&format!("PC at start address): PC={entry}")),
        "{log}"
    );
    // The snapshot's eight banks, and the last value written to 0x7FFD, by SkoolKit's reader.
    let ram = dir.join("ram.bin");
    let script =
        "import sys; from skoolkit import snapshot; s = snapshot.Snapshot.get(sys.argv[1]); \
                  open(sys.argv[2], 'wb').write(bytes(s.ram(-1)) + bytes([s.out7ffd]))";
    let st = Command::new(python)
        .args(["-c", script])
        .arg(&z80)
        .arg(&ram)
        .status()
        .unwrap();
    assert!(st.success());
    let ram = std::fs::read(&ram).unwrap();
    assert_eq!(ram.len(), 8 * 0x4000 + 1);
    let bank = |n: usize| &ram[n * 0x4000..(n + 1) * 0x4000];
    for (n, data) in &zx.banks {
        assert!(
            bank(usize::from(*n))[..data.len()] == data[..],
            "bank {n} not in place"
        );
    }
    // The blocks BASIC loads: bank 5 at 0x4000, bank 2 at 0x8000; the bank loader's own
    // variables (the paging BASIC had, the last CODE header read) have changed since.
    let var = |n: &str| usize::from(zx.built.image.symbol(n).expect(n));
    let vars = var("zx128_bankm")..var("zx128_hdr") + 17;
    for b in &zx.loader.blocks {
        let (n, base) = match b.start {
            0x4000..=0x7FFF => (5, 0x4000),
            _ => (2, 0x8000),
        };
        for (i, &want) in b.data.iter().enumerate() {
            let addr = usize::from(b.start) + i;
            if !vars.contains(&addr) {
                assert_eq!(bank(n)[addr - base], want, "{addr:#06x}");
            }
        }
    }
    assert_eq!(
        bank(2)[vars.start - 0x8000],
        zx128::ROM1,
        "BANKM under 128 BASIC"
    );
    let last = zx.banks.last().expect("a bank").0;
    assert_eq!(
        ram[8 * 0x4000],
        zx128::ROM1 | last,
        "ROM 1, the last bank loaded"
    );
}
