//! The emulated Spectrum 128K boots its two real ROMs (from SkoolKit; skipped with a reason
//! when absent, a failure in CI) to the 128 menu, pages RAM banks and ROMs through port
//! 0x7FFD as the 128K reference gives it, contends the odd banks at 0xC000, and loads a tape
//! through the menu's "Tape Loader".

use boards::devices::ula::Key;
use boards::machines::zx48::{locate_128_roms, Zx48};
use testsupport::{require, Missing};

fn machine() -> Result<Zx48, Missing> {
    let [a, b] = locate_128_roms().ok_or_else(|| {
        Missing(
            "no ZX Spectrum 128K ROMs (PyPI skoolkit ships them, or set Z80LM_ZX128_ROMS)".into(),
        )
    })?;
    let read = |p: &std::path::Path| {
        std::fs::read(p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
    };
    Ok(Zx48::new_128(&read(&a), &read(&b)).expect("two 16K ROMs"))
}

/// A tape with `10 PRINT "HI FROM TAPE"` saved with LINE 10, built by hand from the ROM formats.
fn hello_tap_blocks() -> Vec<Vec<u8>> {
    let mut body = vec![0xF5u8]; // PRINT
    body.extend_from_slice(b"\"HI FROM TAPE\"\r");
    let mut prog = vec![0, 10];
    prog.extend_from_slice(&(body.len() as u16).to_le_bytes());
    prog.extend(body);
    let mut header = vec![0u8, 0];
    header.extend_from_slice(b"hello     ");
    let len = prog.len() as u16;
    for w in [len, 10, len] {
        header.extend_from_slice(&w.to_le_bytes());
    }
    let mut data = vec![0xFFu8];
    data.extend(prog);
    [header, data]
        .into_iter()
        .map(|mut b| {
            let x = b.iter().fold(0, |a, c| a ^ c);
            b.push(x);
            b
        })
        .collect()
}

#[test]
fn boots_to_the_menu_and_the_tape_loader_runs_a_program() {
    let mut zx = require!(machine());
    zx.run_frames(150);
    let text = zx.screen_text().join("\n");
    assert!(text.contains("Tape Loader"), "{text}");
    assert!(text.contains("128 BASIC"), "{text}");
    zx.insert_tape(hello_tap_blocks());
    zx.tap_keys(&[Key::ENTER], 2, 6);
    zx.run_frames(200);
    let text = zx.screen_text();
    assert!(text.iter().any(|l| l == "HI FROM TAPE"), "{text:#?}");
    assert_eq!(zx.trapped_blocks, 2);
}

#[test]
fn port_7ffd_pages_banks_and_roms_and_odd_banks_are_contended() {
    use boards::cpu::z80::Bus;
    let rom0 = vec![0xA0u8; 0x4000];
    let rom1 = vec![0xA1u8; 0x4000];
    let mut zx = Zx48::new_128(&rom0, &rom1).unwrap();
    assert_eq!(zx.frame_t(), 70_908);
    // Each bank gets its number at 0xC000.
    for b in 0..8u8 {
        zx.bus.output(0x7FFD, b);
        zx.bus.write(0xC000, b);
        zx.bus.write(0xFFFF, 0x80 | b);
    }
    for b in 0..8usize {
        let bank = zx.ram_bank(b).unwrap();
        assert_eq!(
            (bank[0], bank[0x3FFF]),
            (b as u8, 0x80 | b as u8),
            "bank {b}"
        );
    }
    // Bank 5 is the screen at 0x4000, bank 2 the RAM at 0x8000, whatever is at 0xC000.
    assert_eq!(zx.memory()[0x4000], 5);
    assert_eq!(zx.memory()[0x8000], 2);
    zx.bus.output(0x7FFD, 5);
    zx.bus.write(0x4001, 0x55);
    assert_eq!(zx.bus.read(0xC001), 0x55, "bank 5 seen twice");
    zx.bus.write(0xC002, 0x66);
    assert_eq!(zx.bus.read(0x4002), 0x66);
    zx.bus.output(0x7FFD, 0x12);
    assert_eq!(zx.bus.read(0xC000), 2);
    assert_eq!(zx.bus.read(0), 0xA1, "bit 4 selects ROM 1");
    zx.bus.output(0x7FFD, 0);
    assert_eq!(zx.bus.read(0), 0xA0);
    assert_eq!(zx.bus.read(0xC000), 0);
    // 14,361 is the first contended T-state of a 128K frame: waits 6 for bank 5 and odd
    // banks at 0xC000, none for the even ones or bank 2.
    let t = 14_361;
    assert_eq!(zx.bus.wait(0x4000, t), 6);
    assert_eq!(zx.bus.wait(0x8000, t), 0);
    for b in 0..8u16 {
        zx.bus.output(0x7FFD, b as u8);
        let want = if b % 2 == 1 { 6 } else { 0 };
        assert_eq!(zx.bus.wait(0xC000, t), want, "bank {b}");
    }
    // Bit 5 locks the port until reset.
    zx.bus.output(0x7FFD, 0x24);
    zx.bus.output(0x7FFD, 0x01);
    assert_eq!(zx.port_7ffd(), Some(0x24));
    assert_eq!(zx.bus.read(0xC000), 4);
    // Other ports with A15 or A1 set do not page (0xFFFD, 0xBFFD: the AY chip; 0xFE: the ULA).
    let mut zx = Zx48::new_128(&rom0, &rom1).unwrap();
    for port in [0xFFFD, 0xBFFD, 0x7FFF, 0x00FE] {
        zx.bus.output(port, 3);
    }
    assert_eq!(zx.port_7ffd(), Some(0));
}
