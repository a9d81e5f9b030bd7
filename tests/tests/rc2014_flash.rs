//! HIL: the resident loader on an emulated RC2014 512K, driven by our flash code over an
//! in-memory serial line: flash, boot, talk to the image; reflash (sectors skipped); bad cases
//! (too large, corrupted line, stored image with a bad CRC, power cut mid-write, no loader).
//! The board and the host share a virtual clock: the board's emulated time is the host's time,
//! so every timeout and retry is exact whatever the machine's load.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use boards::desc::BoardDesc;
use boards::machines::rc2014::{serve_paced, Rc2014, ServeOptions};
use z80lm::flash::mem::{pipe, Faults, PipeEnd};
use z80lm::flash::upload::{restore, upload, UploadError, UploadOptions};
use z80lm::flash::{Clock, Link, NoProgress, VirtualClock};
use z80rom::asm::{assemble, Cpu, Layered, MemFiles};
use z80rom::loader;

/// A test application: prints a greeting, then echoes input in upper case.
fn app(greeting: &str, pad_to: usize) -> Vec<u8> {
    let src = format!(
        "    org 0\n    di\n    ld sp,0\n    call con_init\n    ld hl,msg\nputs: ld a,(hl)\n    or a\n    jr z,echo\n    call con_out\n    inc hl\n    jr puts\necho: call con_in\n    cp 'a'\n    jr c,.out\n    sub 0x20\n.out: call con_out\n    jr echo\n    include \"drivers/sio.asm\"\nmsg: db \"{greeting}\\r\\n\",0\n"
    );
    let top = MemFiles::new().with("app.asm", src);
    let lib = loader::files();
    let files = Layered::new(&top, &lib);
    let (origin, mut bytes) = assemble(&files, "app.asm", Cpu::Z80).unwrap().flat(0xFF);
    assert_eq!(origin, 0);
    // Deterministic filler so multi-sector images are exercised.
    while bytes.len() < pad_to {
        bytes.push((bytes.len() * 13 % 251) as u8);
    }
    bytes
}

struct Board {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<Rc2014>>,
    link: Link<PipeEnd, VirtualClock>,
}

impl Board {
    fn start(flash: &[u8], faults: Faults) -> Board {
        let desc = BoardDesc::builtin("rc2014-512k").unwrap();
        let mut m = Rc2014::new(&desc, flash).unwrap();
        let (host, mut board) = pipe();
        let host = host.with_faults(faults);
        let stop = Arc::new(AtomicBool::new(false));
        let s = stop.clone();
        let clock = VirtualClock::new();
        let mut board_clock = clock.clone();
        let thread = std::thread::spawn(move || {
            let opts = ServeOptions {
                realtime: false,
                ..ServeOptions::default()
            };
            let _ = serve_paced(&mut m, &mut board, &opts, &s, &mut |d| board_clock.sleep(d));
            m
        });
        Board {
            stop,
            thread: Some(thread),
            link: Link::new(host, clock),
        }
    }

    /// Stops the board (the host side lets go of the line and the clock first) and returns it.
    fn stop(self) -> Rc2014 {
        self.stop.store(true, Ordering::Relaxed);
        let Board { thread, link, .. } = self;
        drop(link);
        thread.unwrap().join().unwrap()
    }

    /// Read until `want` appears (or fail with the transcript after `secs` of board time).
    fn expect(&mut self, want: &str, secs: u64) -> String {
        let mut seen = Vec::new();
        let deadline = self.link.clock.now() + Duration::from_secs(secs);
        while self.link.clock.now() < deadline {
            if let Some(b) = self.link.read_byte(Duration::from_millis(50)).unwrap() {
                seen.push(b);
                if String::from_utf8_lossy(&seen).contains(want) {
                    return String::from_utf8_lossy(&seen).into_owned();
                }
            }
        }
        panic!(
            "expected {want:?}, board said {:?}",
            String::from_utf8_lossy(&seen)
        );
    }
}

/// Counts the retries an upload reports.
struct Retries(Vec<(u32, String)>);

impl z80lm::flash::Progress for Retries {
    fn retry(&mut self, block: u32, reason: &str) {
        self.0.push((block, reason.to_string()));
    }
}

fn opts() -> UploadOptions {
    UploadOptions {
        reset: true,
        catch_timeout: Duration::from_secs(20),
        ..UploadOptions::default()
    }
}

fn blank_flash() -> Vec<u8> {
    loader::flash_image(&loader::build().unwrap(), None)
}

#[test]
fn flash_boot_chat_then_reflash_skips_matching_sectors() {
    let image = app("hello from flash", 9000);
    let mut b = Board::start(&blank_flash(), Faults::default());
    b.expect("no image stored", 10);
    let r = upload(&mut b.link, &image, &opts(), &mut NoProgress).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (r.bytes, r.sectors_written, r.sectors_skipped),
        (9000, 3, 0)
    );
    assert_eq!(r.crc32, loader::CRC32.checksum(&image));
    b.expect("hello from flash", 10);
    b.link.send(b"abc").unwrap();
    b.expect("ABC", 5);
    // Same image again: every sector already matches.
    let r = upload(&mut b.link, &image, &opts(), &mut NoProgress).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((r.sectors_written, r.sectors_skipped), (0, 3));
    b.expect("hello from flash", 10);
    let m = b.stop();
    assert_eq!(
        loader::stored_image(m.flash().unwrap().contents()),
        Some(&image[..])
    );
}

/// A line that repeats a byte now and then: each block with a doubled byte is one byte too long,
/// the loader NAKs it, the sender repeats it, and the image is flashed and boots.
#[test]
fn a_line_that_repeats_bytes_still_flashes_with_retries() {
    let image = app("survived echoes", 3000);
    let faults = Faults {
        duplicate_every: Some(1001),
        duplicate_limit: Some(3),
        ..Faults::default()
    };
    let mut b = Board::start(&blank_flash(), faults);
    let mut o = opts();
    o.xmodem.ack_timeout = Duration::from_secs(3);
    let mut retries = Retries(Vec::new());
    upload(&mut b.link, &image, &o, &mut retries).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        (1..=3).contains(&retries.0.len()),
        "each doubled byte costs at most its block one retry: {:?}",
        retries.0
    );
    b.expect("survived echoes", 10);
    let m = b.stop();
    let chip = loader::flash_image(&loader::build().unwrap(), Some(&image));
    assert!(
        m.flash().unwrap().contents() == &chip[..],
        "flash differs from the image"
    );
}

#[test]
fn corrupted_line_still_flashes_with_retries() {
    let image = app("survived noise", 3000);
    let faults = Faults {
        corrupt_every: Some(997),
        corrupt_limit: Some(3),
        ..Faults::default()
    };
    let mut b = Board::start(&blank_flash(), faults);
    let mut o = opts();
    o.xmodem.ack_timeout = Duration::from_secs(3);
    let mut retries = Retries(Vec::new());
    upload(&mut b.link, &image, &o, &mut retries).unwrap_or_else(|e| panic!("{e}"));
    // Each corrupted byte costs its block exactly one retry (the loader NAKs it at once).
    assert_eq!(retries.0.len(), 3, "{:?}", retries.0);
    b.expect("survived noise", 10);
    b.stop();
}

#[test]
fn loader_refuses_a_header_claiming_too_much() {
    let mut b = Board::start(&blank_flash(), Faults::default());
    b.expect("loader: send", 10);
    let mut payload = loader::upload(&[0u8; 1000]);
    payload[4..8].copy_from_slice(&(loader::MAX_IMAGE as u32 + 1).to_le_bytes());
    let err = z80lm::flash::xmodem::send(
        &mut b.link,
        &payload,
        &Default::default(),
        &mut NoProgress,
        &mut |_| {},
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("image too large (max 491520 bytes)"),
        "{err}"
    );
    // And the host checks before sending anything.
    let big = vec![0u8; loader::MAX_IMAGE + 1];
    assert!(matches!(
        upload(&mut b.link, &big, &opts(), &mut NoProgress),
        Err(UploadError::TooLarge { .. })
    ));
    b.stop();
}

#[test]
fn stored_image_with_bad_crc_never_boots() {
    let image = app("must not run", 100);
    let mut flash = loader::flash_image(&loader::build().unwrap(), Some(&image));
    flash[loader::APP_OFFSET + 50] ^= 0x01;
    let mut b = Board::start(&flash, Faults::default());
    let said = b.expect("loader: send", 10);
    assert!(
        said.contains("stored image fails its crc-32 check"),
        "{said}"
    );
    assert!(
        !said.contains("booting") && !said.contains("must not run"),
        "{said}"
    );
    b.stop();
}

#[test]
fn power_cut_mid_write_leaves_the_loader_in_charge() {
    let old = app("old image", 100);
    let new = app("new image", 200_000);
    let flash = loader::flash_image(&loader::build().unwrap(), Some(&old));
    let mut b = Board::start(&flash, Faults::default());
    // Start flashing the new image and cut power as soon as the first sector is written.
    let link = &mut b.link;
    let handle = {
        let mut o = opts();
        o.program_timeout = Duration::from_millis(1);
        upload(link, &new, &o, &mut NoProgress)
    };
    assert!(
        matches!(handle, Err(UploadError::NoResult(_))),
        "{handle:?}"
    );
    b.expect(".", 10);
    let mut m = b.stop();
    let cut = m.flash_mut().unwrap().contents().to_vec();
    assert_eq!(
        loader::stored_image(&cut),
        None,
        "a half-written image must not validate"
    );
    let mut b = Board::start(&cut, Faults::default());
    let said = b.expect("loader: send", 10);
    assert!(said.contains("no image stored"), "{said}");
    b.stop();
}

/// A power cut at each step of programming: after the header is erased (no dot yet), after
/// each sector ("." each), and after the loader's "ok" (the header written). Whatever the
/// point, the flash holds no valid image, or exactly the old or the new one, and the board at
/// the next power-on boots that image or stays in the loader; never a half-written image.
#[test]
fn a_power_cut_at_each_flash_step_never_boots_a_half_written_image() {
    let old = app("old image", 100);
    let new = app("new image", 40_000);
    let sectors = new.len().div_ceil(4096);
    let base = loader::flash_image(&loader::build().unwrap(), Some(&old));
    let (mut loader_kept, mut new_booted) = (0, 0);
    for cut in 0..=sectors + 1 {
        let mut b = Board::start(&base, Faults::default());
        let handle = {
            let mut o = opts();
            o.program_timeout = Duration::from_millis(1);
            upload(&mut b.link, &new, &o, &mut NoProgress)
        };
        assert!(
            matches!(handle, Err(UploadError::NoResult(_))),
            "cut {cut}: {handle:?}"
        );
        let want = match cut {
            0 => "programming ".to_string(),
            c if c <= sectors => ".".repeat(c),
            _ => "ok: flash crc32".to_string(),
        };
        b.expect(&want, 20);
        let mut m = b.stop();
        let flash = m.flash_mut().unwrap().contents().to_vec();
        let stored = loader::stored_image(&flash).map(<[u8]>::to_vec);
        let mut b = Board::start(&flash, Faults::default());
        if stored.as_deref() == Some(&new[..]) {
            b.expect("new image", 10);
            new_booted += 1;
        } else if stored.as_deref() == Some(&old[..]) {
            // Cut before the loader erased the old header: the old image is whole.
            b.expect("old image", 10);
        } else {
            assert!(
                stored.is_none(),
                "cut {cut}: a valid header over an image that is neither the old nor the new one"
            );
            let said = b.expect("loader: send", 10);
            assert!(
                said.contains("no image stored") && !said.contains("booting"),
                "cut {cut}: {said}"
            );
            loader_kept += 1;
        }
        b.stop();
    }
    eprintln!(
        "{} cuts over {sectors} sectors: {loader_kept} left the loader in charge, {new_booted} booted the new image",
        sectors + 2
    );
    assert!(loader_kept >= 1 && new_booted >= 1);
}

#[test]
fn no_loader_answering_is_a_clear_error() {
    // A flash holding only an application at page 0 (no loader): it never prompts.
    let mut b = Board::start(&app("not a loader", 100), Faults::default());
    let o = UploadOptions {
        catch_timeout: Duration::from_millis(800),
        ..opts()
    };
    let err = upload(&mut b.link, &app("x", 10), &o, &mut NoProgress).unwrap_err();
    assert!(matches!(err, UploadError::NoLoader(_)), "{err}");
    assert!(err.to_string().contains("troubleshooting.md#no-banner"));
    b.stop();
}

#[test]
fn a_block_ending_in_the_reset_byte_is_data() {
    // Choose the image so that XMODEM block 2 ends (CRC low byte) with 0x1C, the first byte of
    // the emulator's reset sequence: the emulator must pass it on, not sit on it.
    let mut image = app("fs at the end", 3000);
    let upload_off = |i: usize| i - loader::HEADER_LEN;
    for v in 0..=255u8 {
        image[upload_off(1500)] = v;
        let payload = loader::upload(&image);
        if z80lm::flash::xmodem::CRC16.checksum(&payload[1024..2048]) & 0xFF == 0x1C {
            break;
        }
    }
    let payload = loader::upload(&image);
    assert_eq!(
        z80lm::flash::xmodem::CRC16.checksum(&payload[1024..2048]) & 0xFF,
        0x1C
    );
    let mut b = Board::start(&blank_flash(), Faults::default());
    upload(&mut b.link, &image, &opts(), &mut NoProgress).unwrap_or_else(|e| panic!("{e}"));
    b.expect("fs at the end", 10);
    b.stop();
}

/// B12: the loader programs only the image's bytes. An image that ends inside a sector and
/// inside an XMODEM block (padded with 0x1A on the line) leaves the flash byte-identical to the
/// image built for a chip programmer: erased (0xFF) after the image, not 0x1A or stale RAM.
#[test]
fn a_flashed_board_is_byte_identical_to_a_chip_programmed_one() {
    let image = app("flashed like a chip", 5000);
    let mut b = Board::start(&blank_flash(), Faults::default());
    b.expect("no image stored", 10);
    upload(&mut b.link, &image, &opts(), &mut NoProgress).unwrap_or_else(|e| panic!("{e}"));
    b.expect("flashed like a chip", 10);
    let m = b.stop();
    let flashed = m.flash().unwrap().contents();
    let chip = loader::flash_image(&loader::build().unwrap(), Some(&image));
    let differ: Vec<usize> = (0..chip.len()).filter(|&i| flashed[i] != chip[i]).collect();
    assert!(
        differ.is_empty(),
        "{} bytes differ, first at {:#x}: {:#04x} flashed, {:#04x} on the chip",
        differ.len(),
        differ[0],
        flashed[differ[0]],
        chip[differ[0]]
    );
}

/// A 512K ROM that is no z80lm image (as RomWBW or SCM would be): at 0x0000 a program that maps
/// RAM into window 3, prints `banner` over the SIO and echoes input in upper case; every other
/// byte of the 32 pages is filler that is never 0xFF and differs from page to page.
fn foreign_rom(banner: &str) -> Vec<u8> {
    let src = format!(
        "    org 0\n    di\n    xor a\n    out (0x78),a\n    ld a,0x20+31\n    out (0x7B),a\n    ld a,1\n    out (0x7C),a\n    ld sp,0\n    call con_init\n    ld hl,msg\nputs: ld a,(hl)\n    or a\n    jr z,echo\n    call con_out\n    inc hl\n    jr puts\necho: call con_in\n    cp 'a'\n    jr c,.out\n    sub 0x20\n.out: call con_out\n    jr echo\n    include \"drivers/sio.asm\"\nmsg: db \"{banner}\\r\\n\",0\n"
    );
    let top = MemFiles::new().with("rom.asm", src);
    let lib = loader::files();
    let files = Layered::new(&top, &lib);
    let (origin, mut rom) = assemble(&files, "rom.asm", Cpu::Z80).unwrap().flat(0xFF);
    assert_eq!(origin, 0);
    while rom.len() < loader::FLASH_SIZE {
        let i = rom.len();
        rom.push(((i / loader::PAGE * 37 + i * 13 + i / 251) % 255) as u8);
    }
    rom
}

fn restore_opts() -> UploadOptions {
    let mut o = opts();
    o.xmodem.retries = 3;
    o.xmodem.ack_timeout = Duration::from_secs(3);
    o
}

fn assert_same_flash(got: &[u8], want: &[u8], what: &str) {
    let differ: Vec<usize> = (0..want.len()).filter(|&i| got[i] != want[i]).collect();
    assert!(
        differ.is_empty(),
        "{what}: {} bytes differ, first at {:#x}: {:#04x} in flash, {:#04x} wanted",
        differ.len(),
        differ[0],
        got[differ[0]],
        want[differ[0]]
    );
}

/// Issue 18 item 4: a foreign 512K ROM over the whole flash, page 0 included, through the
/// loader's two passes; the board resets into it and the flash equals the file.
#[test]
fn restore_writes_a_foreign_rom_over_the_whole_flash_and_resets_into_it() {
    let rom = foreign_rom("foreign firmware 1.0");
    let before = loader::flash_image(&loader::build().unwrap(), Some(&app("old image", 3000)));
    let mut b = Board::start(&before, Faults::default());
    let r = restore(&mut b.link, &rom, &restore_opts(), &mut NoProgress)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.crc32, loader::CRC32.checksum(&rom));
    assert_eq!(r.sectors_written + r.sectors_skipped, 128, "{r:?}");
    assert!(
        r.transcript.contains("ok: pages 1-31 written and verified")
            && r.transcript.contains("programming page 0 ....")
            && r.transcript.contains("resetting"),
        "{}",
        r.transcript
    );
    eprintln!(
        "restore: {} sectors written, {} unchanged; transfers {:.1} s, total {:.1} s of board time",
        r.sectors_written,
        r.sectors_skipped,
        r.transfer_time.as_secs_f64(),
        r.total_time.as_secs_f64()
    );
    b.expect("foreign firmware 1.0", 5);
    b.link.send(b"back").unwrap();
    b.expect("BACK", 5);
    let m = b.stop();
    assert_same_flash(m.flash().unwrap().contents(), &rom, "after the restore");
}

/// A cut during the first transfer (the line and the board's power go at once): nothing was
/// erased, the flash is byte-identical to before, and the old image still boots.
#[test]
fn restore_cut_mid_transfer_leaves_the_flash_untouched() {
    let rom = foreign_rom("must not appear");
    let before = loader::flash_image(&loader::build().unwrap(), Some(&app("old image", 3000)));
    let faults = Faults {
        vanish_after: Some(300_000),
        ..Faults::default()
    };
    let mut b = Board::start(&before, faults);
    let err = restore(&mut b.link, &rom, &restore_opts(), &mut NoProgress).unwrap_err();
    assert!(matches!(err, UploadError::Xmodem(_)), "{err}");
    let m = b.stop();
    assert_same_flash(m.flash().unwrap().contents(), &before, "after the cut");
    let mut b = Board::start(&before, Faults::default());
    b.expect("old image", 10);
    b.stop();
}

/// A ROM whose bytes do not match the CRC-32 in its header (a byte changed before XMODEM's
/// own check, as a wrong or damaged image would be): the loader refuses it after the transfer,
/// nothing is erased; and a restore header that is not the whole flash is refused at once.
#[test]
fn restore_of_a_rom_failing_its_crc_erases_nothing() {
    let rom = foreign_rom("must not appear");
    let before = loader::flash_image(&loader::build().unwrap(), Some(&app("old image", 3000)));
    let mut b = Board::start(&before, Faults::default());
    b.link.send(z80lm::flash::upload::EMU_RESET).unwrap();
    b.expect("image ok", 10);
    b.link.send(b" ").unwrap();
    b.expect("loader: send", 10);
    let mut payload = loader::restore_upload(&rom);
    payload[loader::HEADER_LEN + 300_000] ^= 0x01;
    let o = restore_opts();
    z80lm::flash::xmodem::send(
        &mut b.link,
        &payload,
        &o.xmodem,
        &mut NoProgress,
        &mut |_| {},
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let said = b.expect("loader: send", 60);
    assert!(
        said.contains("error: received image fails its crc-32 check")
            && !said.contains("programming"),
        "{said}"
    );
    // A restore header for less than the whole flash.
    let mut short = loader::restore_upload(&rom[..loader::FLASH_SIZE - 4096]);
    short.truncate(4096);
    let err =
        z80lm::flash::xmodem::send(&mut b.link, &short, &o.xmodem, &mut NoProgress, &mut |_| {})
            .unwrap_err();
    assert!(
        err.to_string()
            .contains("a restore must be the whole flash (524288 bytes)"),
        "{err}"
    );
    let m = b.stop();
    assert_same_flash(m.flash().unwrap().contents(), &before, "after the refusals");
    // And the host refuses a ROM of the wrong size before it touches the line.
    let mut b = Board::start(&before, Faults::default());
    assert!(matches!(
        restore(&mut b.link, &rom[..1000], &restore_opts(), &mut NoProgress),
        Err(UploadError::RestoreSize { len: 1000, .. })
    ));
    b.stop();
}

/// A cut during the second pass (page 0 on its way again): pages 1-31 hold the new ROM, page 0
/// still holds the old loader, which boots, finds no valid application and takes a `flash`.
#[test]
fn restore_cut_in_the_second_pass_leaves_the_old_loader_answering() {
    let rom = foreign_rom("must not appear");
    let before = loader::flash_image(&loader::build().unwrap(), Some(&app("old image", 3000)));
    // Pass 1 is 513 XMODEM blocks (526,982 bytes with EOT) after a few knocks; pass 2's
    // 16 blocks follow: cut in the middle of those.
    let faults = Faults {
        vanish_after: Some(526_982 + 8_000),
        ..Faults::default()
    };
    let mut b = Board::start(&before, faults);
    let err = restore(&mut b.link, &rom, &restore_opts(), &mut NoProgress).unwrap_err();
    assert!(matches!(err, UploadError::Xmodem(_)), "{err}");
    let m = b.stop();
    let cut = m.flash().unwrap().contents().to_vec();
    assert_same_flash(&cut[..loader::PAGE], &before[..loader::PAGE], "page 0");
    assert_same_flash(&cut[loader::PAGE..], &rom[loader::PAGE..], "pages 1-31");
    let mut b = Board::start(&cut, Faults::default());
    let said = b.expect("loader: send", 10);
    assert!(said.contains("no image stored"), "{said}");
    let image = app("flashed after the cut", 2000);
    upload(&mut b.link, &image, &opts(), &mut NoProgress).unwrap_or_else(|e| panic!("{e}"));
    b.expect("flashed after the cut", 10);
    b.stop();
}

/// Page 0 sent again in the second pass with a byte changed: the loader compares it with the
/// first pass's page-0 CRC-32 and refuses it before erasing page 0; the old loader stays.
#[test]
fn restore_refuses_a_second_pass_page_0_that_differs() {
    let rom = foreign_rom("must not appear");
    let before = loader::flash_image(&loader::build().unwrap(), Some(&app("old image", 3000)));
    let mut b = Board::start(&before, Faults::default());
    b.expect("image ok", 10);
    b.link.send(b" ").unwrap();
    b.expect("loader: send", 10);
    let o = restore_opts();
    let payload = loader::restore_upload(&rom);
    z80lm::flash::xmodem::send(
        &mut b.link,
        &payload,
        &o.xmodem,
        &mut NoProgress,
        &mut |_| {},
    )
    .unwrap_or_else(|e| panic!("{e}"));
    b.expect("loader: send page 0 again", 120);
    let mut page0 = rom[..loader::PAGE].to_vec();
    page0[5000] ^= 0x80;
    z80lm::flash::xmodem::send(&mut b.link, &page0, &o.xmodem, &mut NoProgress, &mut |_| {})
        .unwrap_or_else(|e| panic!("{e}"));
    let said = b.expect("loader: send", 10);
    assert!(
        said.contains("error: page 0 differs from the first pass") && !said.contains("programming"),
        "{said}"
    );
    let m = b.stop();
    let flash = m.flash().unwrap().contents();
    assert_same_flash(&flash[..loader::PAGE], &before[..loader::PAGE], "page 0");
    assert_same_flash(&flash[loader::PAGE..], &rom[loader::PAGE..], "pages 1-31");
}

/// The largest application (30 pages): its last XMODEM block carries the header's 16 bytes
/// past the image and padding the buffer has no room for; the loader drops the padding.
#[test]
fn the_largest_application_flashes_and_boots() {
    let image = app("thirty pages", loader::MAX_IMAGE);
    let mut b = Board::start(&blank_flash(), Faults::default());
    upload(&mut b.link, &image, &opts(), &mut NoProgress).unwrap_or_else(|e| panic!("{e}"));
    b.expect("thirty pages", 10);
    let m = b.stop();
    assert_eq!(
        loader::stored_image(m.flash().unwrap().contents()),
        Some(&image[..])
    );
}

/// A power cut at each stage of a restore before page 0 is erased: as programming starts (the
/// header sector's erase), after 1, 62 and all 124 sectors of pages 1-31, and while the loader
/// waits for page 0 again. Every time page 0 still holds the old loader, the board boots into it
/// (the old image if it was still whole, else the loader waiting) and takes a `flash`.
#[test]
fn a_power_cut_at_each_restore_stage_before_page_0_leaves_the_old_loader() {
    let rom = foreign_rom("must not appear");
    let old = app("old image", 3000);
    let before = loader::flash_image(&loader::build().unwrap(), Some(&old));
    let o = restore_opts();
    let stages = [
        "programming ".to_string(),
        ".".to_string(),
        ".".repeat(62),
        ".".repeat(124),
        "loader: send page 0 again".to_string(),
    ];
    let (mut old_booted, mut loader_waited) = (0, 0);
    for want in &stages {
        let mut b = Board::start(&before, Faults::default());
        b.expect("image ok", 10);
        b.link.send(b" ").unwrap();
        b.expect("loader: send", 10);
        z80lm::flash::xmodem::send(
            &mut b.link,
            &loader::restore_upload(&rom),
            &o.xmodem,
            &mut NoProgress,
            &mut |_| {},
        )
        .unwrap_or_else(|e| panic!("{e}"));
        b.expect(want, 120);
        let m = b.stop();
        let cut = m.flash().unwrap().contents().to_vec();
        let at = want.len().min(30);
        assert_same_flash(&cut[..loader::PAGE], &before[..loader::PAGE], &want[..at]);
        let mut b = Board::start(&cut, Faults::default());
        if loader::stored_image(&cut) == Some(&old[..]) {
            b.expect("old image", 10);
            old_booted += 1;
        } else {
            let said = b.expect("loader: send", 10);
            assert!(!said.contains("booting"), "{}: {said}", &want[..at]);
            loader_waited += 1;
        }
        let image = app("flashed after the cut", 2000);
        upload(&mut b.link, &image, &opts(), &mut NoProgress).unwrap_or_else(|e| panic!("{e}"));
        b.expect("flashed after the cut", 10);
        b.stop();
    }
    eprintln!(
        "{} restore cuts before page 0: {old_booted} booted the old image, {loader_waited} left the loader waiting; each then took a flash",
        stages.len()
    );
    assert_eq!(old_booted + loader_waited, stages.len());
    assert!(loader_waited >= 3);
}

/// An image with several models (guess and tinychat behind the start-up menu) goes over XMODEM
/// like any other: flashed byte-identical to the chip image, the loader boots the menu, and each
/// model answers as the host reference does.
#[test]
fn an_image_with_two_models_flashes_and_boots_its_menu() {
    let desc = BoardDesc::builtin("rc2014-512k").unwrap();
    let (guess, tiny) = (hil::example_model("guess"), hil::example_model("tinychat"));
    let named = vec![
        ("guess".to_string(), guess.clone()),
        ("tinychat".to_string(), tiny.clone()),
    ];
    let rom = z80lm::engine::targets::rc2014::build_menu(&named, &desc, &Default::default())
        .unwrap_or_else(|e| panic!("{e:?}"));
    let mut b = Board::start(&blank_flash(), Faults::default());
    b.expect("no image stored", 10);
    let r =
        upload(&mut b.link, &rom.app, &opts(), &mut NoProgress).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.crc32, loader::CRC32.checksum(&rom.app));
    b.expect("model (1-2, ! loader): ", 10);
    for (number, model) in [("2", &tiny), ("1", &guess)] {
        b.link.send(format!("{number}\r").as_bytes()).unwrap();
        b.expect("> ", 10);
        b.link.send(b"is it a chair\r").unwrap();
        let said = b.expect("\r\n> ", 60);
        let want = z80lm::model::infer::respond(model, b"is it a chair");
        assert!(
            said.contains(&format!("\r\n{}\r\n> ", String::from_utf8_lossy(&want))),
            "model {number}: {said:?}"
        );
        b.link.send(b"!\r").unwrap();
        b.expect("model (1-2, ! loader): ", 10);
    }
    let m = b.stop();
    assert!(
        m.flash().unwrap().contents() == &rom.rom[..],
        "the flashed board differs from the chip image"
    );
}
