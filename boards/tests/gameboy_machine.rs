//! The emulated Game Boy on hand-encoded SM83 programs: header checks, MBC5 banking, LY/mode
//! timing, the VRAM lock (faults), joypad, serial and the screen read back as tiles.

use boards::devices::joypad::Button;
use boards::devices::ppu::DOTS_PER_FRAME;
use boards::machines::gameboy::cartridge::{self, CartridgeError, TYPE_MBC5};
use boards::machines::gameboy::GameBoy;

/// A 4-bank MBC5 ROM with `code` at 0x0150 (entry jumps there) and bank n's first byte = n.
fn rom(code: &[u8]) -> Vec<u8> {
    let mut rom = vec![0u8; 4 * 0x4000];
    rom[0x100..0x104].copy_from_slice(&[0x00, 0xC3, 0x50, 0x01]);
    rom[0x150..0x150 + code.len()].copy_from_slice(code);
    for bank in 1..4 {
        rom[bank * 0x4000] = bank as u8;
    }
    cartridge::write_header(&mut rom, "TEST", TYPE_MBC5).unwrap();
    rom
}

#[test]
fn header_round_trip_and_errors() {
    let r = rom(&[0x18, 0xFE]);
    let h = cartridge::parse(&r).unwrap();
    assert_eq!(h.title, "TEST");
    assert_eq!(h.cartridge_type, 0x19);
    assert_eq!(h.rom_size_code, 1);
    let mut bad = r.clone();
    bad[0x134] ^= 1;
    assert!(matches!(
        cartridge::parse(&bad),
        Err(CartridgeError::HeaderChecksum { .. })
    ));
    let mut bad = r.clone();
    bad[0x2000] ^= 1;
    assert!(matches!(
        cartridge::parse(&bad),
        Err(CartridgeError::GlobalChecksum { .. })
    ));
    // A DMG never reads the global checksum: the machine runs the cartridge anyway.
    assert_eq!(cartridge::parse_bootable(&bad).unwrap(), h);
    assert!(GameBoy::new(bad).is_ok());
    let mut bad = r.clone();
    bad[0x110] ^= 1;
    assert_eq!(cartridge::parse(&bad), Err(CartridgeError::BadLogo));
    assert!(matches!(
        cartridge::parse(&r[..0x8000]),
        Err(CartridgeError::SizeMismatch { .. })
    ));
}

#[test]
fn mbc5_selects_banks_including_zero() {
    // ld a,3 ; ld (0x2000),a ; ld a,(0x4000) ; ld b,a ; xor a ; ld (0x2000),a ; inc a ; ld a,(0x4000) ; halt
    let code = [
        0x3E, 3, 0xEA, 0x00, 0x20, 0xFA, 0x00, 0x40, 0x47, 0xAF, 0xEA, 0x00, 0x20, 0x3C, 0xFA,
        0x00, 0x40, 0x76,
    ];
    let mut gb = GameBoy::new(rom(&code)).unwrap();
    for _ in 0..10 {
        gb.step().unwrap();
    }
    assert_eq!(gb.cpu.regs.b, 3);
    assert_eq!(gb.cpu.regs.a, 0); // bank 0 mapped at 0x4000 (MBC5 allows it): first byte 0x00
    assert_eq!(gb.bus.cart.rom_bank(), 0);
}

#[test]
fn ly_advances_every_456_dots_and_vblank_at_144() {
    let mut gb = GameBoy::new(rom(&[0x18, 0xFE])).unwrap(); // jr $
    gb.run_for(u64::from(DOTS_PER_FRAME) + 456 * 10).unwrap();
    let t = gb.cycles();
    let expect_ly = ((t % u64::from(DOTS_PER_FRAME)) / 456) as u8;
    assert_eq!(gb.bus.ppu.ly, expect_ly);
    assert_eq!(gb.bus.ppu.frames, 1);
}

#[test]
fn vram_write_in_mode_3_is_a_fault_and_stat_wait_avoids_it() {
    // Unchecked: ld hl,0x9800 ; loop: ld (hl),a ; jr loop — hits mode 3 within a line.
    let mut gb = GameBoy::new(rom(&[0x21, 0x00, 0x98, 0x77, 0x18, 0xFD])).unwrap();
    gb.run_for(2000).unwrap();
    assert!(!gb.faults().is_empty());
    assert_eq!(gb.faults()[0].mode, 3);
    assert_eq!(gb.faults()[0].pc, 0x153);
    // Checked: ld hl,0x9800 ; w: ldh a,(0x41) ; and 2 ; jr nz,w ; ld (hl),0x41 ; jr w
    let code = [
        0x21, 0x00, 0x98, 0xF0, 0x41, 0xE6, 0x02, 0x20, 0xFA, 0x36, 0x41, 0x18, 0xF6,
    ];
    let mut gb = GameBoy::new(rom(&code)).unwrap();
    gb.run_for(u64::from(DOTS_PER_FRAME) * 2).unwrap();
    assert!(gb.faults().is_empty(), "{}", gb.faults()[0]);
    assert_eq!(gb.screen_tiles()[0][0], 0x41);
}

#[test]
fn joypad_reads_selected_row_low_active() {
    // ld a,0x20 ; ldh (0),a ; ldh a,(0) ; ld b,a ; ld a,0x10 ; ldh (0),a ; ldh a,(0) ; halt
    let code = [
        0x3E, 0x20, 0xE0, 0x00, 0xF0, 0x00, 0x47, 0x3E, 0x10, 0xE0, 0x00, 0xF0, 0x00, 0x76,
    ];
    let mut gb = GameBoy::new(rom(&code)).unwrap();
    gb.set_button(Button::Down, true);
    gb.set_button(Button::Start, true);
    for _ in 0..9 {
        gb.step().unwrap();
    }
    assert_eq!(gb.cpu.regs.b & 0x0F, 0x07); // Down = bit 3 low
    assert_eq!(gb.cpu.regs.a & 0x0F, 0x07); // Start = bit 3 low
}

#[test]
fn serial_internal_clock_sends_a_byte_in_4096_t() {
    // ld a,0x5A ; ldh (1),a ; ld a,0x81 ; ldh (2),a ; w: ldh a,(2) ; bit 7,a ; jr nz,w ; halt
    let code = [
        0x3E, 0x5A, 0xE0, 0x01, 0x3E, 0x81, 0xE0, 0x02, 0xF0, 0x02, 0xCB, 0x7F, 0x20, 0xFA, 0x76,
    ];
    let mut gb = GameBoy::new(rom(&code)).unwrap();
    gb.run_until(10_000, |g| !g.serial_sent().is_empty())
        .unwrap();
    let t = gb.cycles();
    assert_eq!(gb.serial_sent(), &[0x5A]);
    assert!((4096..4096 + 64).contains(&t), "{t}");
}

#[test]
fn screenshot_is_a_png() {
    let mut gb = GameBoy::new(rom(&[0x18, 0xFE])).unwrap();
    gb.run_for(u64::from(DOTS_PER_FRAME)).unwrap();
    let png = gb.screenshot_png().unwrap();
    assert_eq!(&png[1..4], b"PNG");
}

/// The machine agrees with its board description (boards/data/gb-mbc5.toml).
#[test]
fn machine_matches_gb_mbc5_description() {
    let d = boards::desc::BoardDesc::builtin("gb-mbc5").unwrap();
    assert_eq!(u64::from(d.clock_hz), boards::machines::gameboy::CLOCK_HZ);
    assert_eq!(d.image.entry, 0x0100);
    let b = d.banking.as_ref().unwrap();
    assert_eq!(b.rom_page_size, 0x4000);
    // Bank 511 (bit 8 through 0x3000) is reachable, as rom_pages = 512 says.
    let mut rom = vec![0u8; 512 * 0x4000];
    rom[0x100..0x104].copy_from_slice(&[0x00, 0xC3, 0x50, 0x01]);
    rom[511 * 0x4000] = 0x5A;
    // ld a,0xFF ; ld (0x2000),a ; ld a,1 ; ld (0x3000),a ; ld a,(0x4000) ; halt
    let code = [
        0x3E, 0xFF, 0xEA, 0x00, 0x20, 0x3E, 0x01, 0xEA, 0x00, 0x30, 0xFA, 0x00, 0x40, 0x76,
    ];
    rom[0x150..0x150 + code.len()].copy_from_slice(&code);
    cartridge::write_header(&mut rom, "BIG", TYPE_MBC5).unwrap();
    let mut gb = GameBoy::new(rom).unwrap();
    for _ in 0..7 {
        gb.step().unwrap();
    }
    assert_eq!(gb.bus.cart.rom_bank() as u32, b.rom_pages - 1);
    assert_eq!(gb.cpu.regs.a, 0x5A);
    for r in ["wram", "hram"] {
        assert!(d.region(r).is_some(), "{r} region");
    }
    assert_eq!(d.region("wram").unwrap().start, 0xC000);
}

/// A CGB-flagged cartridge on the emulated Game Boy Color: boots with A = 0x11, KEY1 bit 0 +
/// STOP switches to double speed (the PPU then takes twice the CPU T-states per frame), and
/// STOP without the switch armed, or on a DMG, is reported as not emulated.
#[test]
fn cgb_key1_and_stop_switch_to_double_speed() {
    use boards::cpu::sm83::Sm83Stop;
    use boards::machines::gameboy::cartridge::{HeaderFields, CGB_SUPPORTED};
    // ld a,1 ; ldh (0x4D),a ; stop ; jr $
    let code = [0x3E, 0x01, 0xE0, 0x4D, 0x10, 0x00, 0x18, 0xFE];
    let mut rom = rom(&code);
    let h = cartridge::write_header_fields(
        &mut rom,
        &HeaderFields {
            title: "CGB",
            cartridge_type: TYPE_MBC5,
            cgb_flag: CGB_SUPPORTED,
            ram_size_code: 0,
        },
    )
    .unwrap();
    assert!(h.cgb());
    let mut gb = GameBoy::new_cgb(rom.clone()).unwrap();
    assert_eq!(gb.cpu.regs.a, 0x11);
    gb.run_for(20_000).unwrap();
    assert!(gb.bus.double_speed);
    assert_eq!(gb.clock_hz(), 2 * boards::machines::gameboy::CLOCK_HZ);
    let f = gb.bus.ppu.frames;
    gb.run_until(1 << 20, |g| g.bus.ppu.frames != f).unwrap();
    let (f, t) = (gb.bus.ppu.frames, gb.cycles());
    gb.run_until(1 << 20, |g| g.bus.ppu.frames != f).unwrap();
    let frame = gb.cycles() - t;
    assert!(
        frame.abs_diff(2 * u64::from(DOTS_PER_FRAME)) < 16,
        "{frame} T-states per frame"
    );
    // On a DMG the same program's STOP is a real STOP.
    let mut dmg = GameBoy::new(rom).unwrap();
    assert_eq!(dmg.cpu.regs.a, 0x01);
    assert_eq!(
        dmg.run_for(100),
        Err(boards::machines::gameboy::GbStop::Cpu(Sm83Stop::Stop {
            pc: 0x0154
        }))
    );
}
