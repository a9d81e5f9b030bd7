//! The ZX Spectrum console driver (`z80rom/asm/drivers/zx.asm`) on the emulated 48K with the
//! real ROM: an echo program assembled by our assembler, put on a tape with our BASIC loader,
//! loaded with `LOAD ""` and driven through the keyboard matrix. Checks key decoding with both
//! shifts, DELETE, debounce (one character per press), auto-repeat, wrapping, scrolling and
//! the attribute cursor.

use boards::devices::tape::{wav_pulses, TapeDeck};
use boards::devices::ula::Key;
use boards::machines::zx48::{TapeMode, Zx48};
use hil::zx::{boot, load_tap, screen, DRIVER_GAP, DRIVER_HOLD};
use hil::{require, Missing};
use z80lm::engine::tape::{loader_tape, wav, CodeBlock, Loader, Tape};
use z80rom::asm::{assemble, Cpu, DirFiles, Layered, MemFiles};

const ECHO: &str = r#"
        org 0x8000
        jp zx_entry
start:  call con_init
loop:   call con_in
        cp '#'
        jp z, sys_exit
        cp 13
        jr z, newline
        cp 8
        jr z, delete
        call con_out
        jr loop
newline: ld a, 13
        call con_out
        ld a, 10
        call con_out
        jr loop
delete: call con_out            ; BS, space, BS
        ld a, ' '
        call con_out
        ld a, 8
        call con_out
        jr loop
        include "drivers/zx.asm"
"#;

fn echo_tape() -> Tape {
    let asm_dir = DirFiles(concat!(env!("CARGO_MANIFEST_DIR"), "/../z80rom/asm").into());
    let main = MemFiles::new().with("echo.asm", ECHO);
    let files = Layered::new(&main, &asm_dir);
    let asm = assemble(&files, "echo.asm", Cpu::Z80).expect("echo program assembles");
    let (start, code) = asm.flat(0);
    assert_eq!(start, 0x8000);
    let loader = Loader {
        name: "ECHO".into(),
        clear: 0x7FFF,
        entry: 0x8000,
        blocks: vec![CodeBlock { start, data: code }],
    };
    loader_tape(&loader).expect("loader")
}

fn echo_machine() -> Result<Zx48, Missing> {
    let mut zx = boot()?;
    load_tap(&mut zx, &echo_tape().to_tap(), 50).expect("tap parses");
    Ok(zx)
}

fn cursor_attr(zx: &Zx48, row: usize, col: usize) -> u8 {
    zx.memory()[0x5800 + 32 * row + col]
}

#[test]
fn typed_keys_echo_with_shifts_delete_and_cursor() {
    let mut zx = require!(echo_machine());
    assert_eq!(screen(&zx), "", "con_init clears the screen");
    assert_eq!(cursor_attr(&zx, 0, 0), 0x87, "cursor at home");
    zx.type_text("Hello, World? 42!\n", DRIVER_HOLD, DRIVER_GAP)
        .unwrap();
    zx.type_text("typo\u{8}\u{8}o\n", DRIVER_HOLD, DRIVER_GAP)
        .unwrap();
    zx.type_text("+-=;:'\"/*.<>", DRIVER_HOLD, DRIVER_GAP)
        .unwrap();
    assert_eq!(screen(&zx), "Hello, World? 42!\ntyo\n+-=;:'\"/*.<>");
    assert_eq!(
        cursor_attr(&zx, 2, 12),
        0x87,
        "cursor after the last character"
    );
    assert_eq!(cursor_attr(&zx, 0, 0), 0x38, "old cursor cell restored");
}

#[test]
fn lines_wrap_at_32_columns_and_the_screen_scrolls() {
    let mut zx = require!(echo_machine());
    let long = "abcdefghijklmnopqrstuvwxyz0123456789"; // 36 characters
    zx.type_text(long, DRIVER_HOLD, DRIVER_GAP).unwrap();
    zx.type_text("\n", DRIVER_HOLD, DRIVER_GAP).unwrap();
    assert_eq!(screen(&zx), format!("{}\n{}", &long[..32], &long[32..]));
    for i in 0..24 {
        zx.type_text(&format!("line {i}\n"), DRIVER_HOLD, DRIVER_GAP)
            .unwrap();
    }
    zx.run_frames(5);
    let text = zx.screen_text();
    assert_eq!(text[0], "line 1", "{text:#?}");
    assert_eq!(text[22], "line 23", "{text:#?}");
    assert_eq!(text[23], "");
    assert_eq!(cursor_attr(&zx, 23, 0), 0x87);
}

#[test]
fn one_character_per_press_and_auto_repeat_when_held() {
    let mut zx = require!(echo_machine());
    let a = Key::legend(b'A').unwrap();
    // Five presses of the same key: five characters, however long each is held (< 0.6 s).
    for hold in [1, 2, 5, 10, 20] {
        zx.tap_keys(&[a], hold, 2);
    }
    assert_eq!(screen(&zx), "aaaaa");
    // Held for 1.5 s: the first character, a repeat after 0.6 s, then one every 80 ms.
    zx.tap_keys(&[Key::ENTER], 1, 1);
    zx.tap_keys(&[a], 75, 2);
    let n = zx.screen_text()[1].len();
    assert!((10..=14).contains(&n), "{n} characters from a 1.5 s press");
}

/// A key let go and pressed again while the screen scrolls (about 50 ms, during which con_in
/// does not run) is two presses: the scroll polls the keyboard after each character row. Seen
/// on the 128K, whose driver in contended RAM scrolls even slower: "hello" typed at the end of
/// a bottom line came out as "helo".
#[test]
fn a_key_pressed_twice_during_a_scroll_is_two_characters() {
    let mut zx = require!(echo_machine());
    zx.type_text(&"\n".repeat(23), DRIVER_HOLD, DRIVER_GAP)
        .unwrap();
    zx.type_text(&"b".repeat(32), DRIVER_HOLD, DRIVER_GAP)
        .unwrap();
    assert_eq!(zx.screen_text()[23], "b".repeat(32));
    // The first press wraps the line and scrolls; the release and the second press fall in
    // the scroll.
    let a = Key::legend(b'A').unwrap();
    zx.tap_keys(&[a], 1, 1);
    zx.tap_keys(&[a], 2, 3);
    let text = zx.screen_text();
    assert_eq!(text[22], "b".repeat(32), "{text:#?}");
    assert_eq!(text[23], "aa", "{text:#?}");
}

#[test]
fn sys_exit_returns_to_basic() {
    let mut zx = require!(echo_machine());
    zx.type_text("bye#", DRIVER_HOLD, DRIVER_GAP).unwrap();
    zx.run_frames(10);
    let text = zx.screen_text();
    assert_eq!(text[0], "bye", "{text:#?}");
    assert!(text[23].starts_with("0 OK, 10:"), "{text:#?}");
    assert_eq!(zx.cpu.iy, 0x5C3A);
    // The ROM's interrupt routine counts frames in FRAMES (23672) again.
    let frames = |zx: &Zx48| u16::from_le_bytes([zx.memory()[23672], zx.memory()[23673]]);
    let before = frames(&zx);
    zx.run_frames(10);
    assert_eq!(frames(&zx).wrapping_sub(before), 10);
}

#[test]
fn the_rom_loads_our_wav_and_the_program_runs() {
    let mut zx = require!(boot());
    // The WAV's own edges (not pulses regenerated from blocks) go into EAR; the ROM's LD-BYTES
    // reads them at real speed.
    let audio = wav::to_wav(&echo_tape());
    zx.bus.deck = TapeDeck::from_pulses(wav_pulses(&audio).unwrap());
    zx.tape_mode = TapeMode::Edges;
    zx.type_load_command();
    let seconds = (audio.len() / 44_100) as u64;
    zx.run_frames(50 * seconds + 50);
    assert_eq!(zx.trapped_blocks, 0);
    zx.type_text("Loaded from WAV\n", DRIVER_HOLD, DRIVER_GAP)
        .unwrap();
    assert_eq!(screen(&zx), "Loaded from WAV", "{:#?}", zx.screen_text());
}
