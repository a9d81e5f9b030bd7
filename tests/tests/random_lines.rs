//! Issue 15: random typed lines per target. Seeded random raw lines (printable, control bytes,
//! over-long; `hil::lines`) are typed into the emulated board one at a time; each must end
//! without a fault (the machine's memory checks on) or hang, echo what the line editor model
//! says, and answer what the host reference answers for the edited line. A few hundred lines per
//! target here; `Z80LM_RANDOM_LINES=N` types N (BENCHMARKS.md, Reliability).

use boards::devices::ula::Key;
use boards::machines::cpm::Exit;
use boards::machines::msx::MsxConfig;
use boards::machines::rc2014::WriteWatch;
use boards::machines::zx48::Zx48;
use hil::cpm::{build_com, Engine};
use hil::example_model;
use hil::lines::{count, edit, random_line, Edited, Outcome, Rng};
use hil::rc2014::RomChat;
use hil::zx::{boot, boot_128, load_tap, load_tap_128, Watched};
use hil::{require, Missing};
use z80lm::emu::msx::{typable, Session};
use z80lm::engine::targets::gameboy;
use z80lm::engine::targets::msx;
use z80lm::engine::targets::zx128;
use z80lm::engine::targets::zx48;
use z80lm::engine::Layout;
use z80lm::model::{respond, Model};

/// What a serial console shows for one typed line up to the next prompt (`> `): the echo, CR
/// LF, and for a query the reference's answer and CR LF. For an exit, the echo (and the CR LF
/// of a `!` line) alone.
fn shown(model: &Model, e: &Edited) -> Vec<u8> {
    let mut s = e.echo.clone();
    match &e.outcome {
        Outcome::Interrupt => return s,
        Outcome::Exit => {
            s.extend_from_slice(b"\r\n");
            return s;
        }
        Outcome::Empty => s.extend_from_slice(b"\r\n"),
        Outcome::Query(q) => {
            s.extend_from_slice(b"\r\n");
            s.extend(respond(model, q));
            s.extend_from_slice(b"\r\n");
        }
    }
    s.extend_from_slice(b"> ");
    s
}

/// CP/M: the .COM on the emulated CP/M 2.2 machine with every fault check on (writes outside
/// the TPA or below the engine's stack floor, execution outside its code: `checked_config`).
#[test]
fn cpm_random_lines() {
    let model = example_model("guess");
    let built = build_com(&model, &Layout::Auto);
    let boot = || Engine::boot_built(built.clone(), b"");
    let mut e = boot();
    let mut rng = Rng::new(0x2a_c9b1);
    let n = count(300);
    let (mut queries, mut exits) = (0, 0);
    for i in 0..n {
        let keys = random_line(&mut rng, false);
        let want = edit(&keys);
        let r = e
            .keys(&[&keys[..], b"\r"].concat())
            .unwrap_or_else(|err| panic!("line {i} {keys:?}: fault {err}"));
        let mut expect = want.echo.clone();
        match &want.outcome {
            Outcome::Exit | Outcome::Interrupt => {
                if want.outcome == Outcome::Exit {
                    expect.extend_from_slice(b"\r\n");
                }
                assert_eq!(r.exit, Exit::WarmBoot, "line {i} {keys:?} should exit");
                assert_eq!(
                    r.output, expect,
                    "line {i} {keys:?}: the echo before exiting"
                );
                exits += 1;
                e = boot();
                continue;
            }
            Outcome::Empty => expect.extend_from_slice(b"\r\n"),
            Outcome::Query(q) => {
                expect.extend_from_slice(b"\r\n");
                expect.extend(respond(&model, q));
                expect.extend_from_slice(b"\r\n");
                queries += 1;
            }
        }
        expect.extend_from_slice(b"> ");
        assert_eq!(
            r.exit,
            Exit::InputExhausted,
            "line {i} {keys:?}: no prompt again (hang?)"
        );
        assert_eq!(
            String::from_utf8_lossy(&r.output),
            String::from_utf8_lossy(&expect),
            "line {i} {keys:?}"
        );
        assert_eq!(r.output, expect, "line {i} {keys:?}");
    }
    println!("cpm: {n} random lines, {queries} answered, {exits} exits, 0 faults or mismatches");
}

/// RC2014 with the 512K ROM/RAM module: the engine boots from flash through the resident loader
/// and pages weights in; typed over the SIO at the line rate. A write watch on the bus records
/// every write by the engine's code (PC in the image) outside its RAM (sums, buffers, stack);
/// `!` and ^C restart the board through the loader, which must boot the engine again.
#[test]
fn rc2014_512k_random_lines() {
    let model = example_model("guess");
    let rom = hil::rc2014::build(&model, "rc2014-512k", &Layout::Auto);
    let map = &rom.built.image.map;
    let img = &rom.built.image;
    let watch = WriteWatch {
        code: u32::from(img.org)..u32::from(img.org) + img.bytes.len() as u32,
        allowed: std::iter::once(map.ram.0..map.ram.1).collect(),
        ..WriteWatch::default()
    };
    let mut chat = RomChat::boot("rc2014-512k", &rom.rom);
    chat.m.bus.watch = Some(Box::new(watch));
    let mut rng = Rng::new(0x2a_c9b2);
    let n = count(300);
    let (mut queries, mut exits) = (0, 0);
    for i in 0..n {
        let keys = random_line(&mut rng, false);
        let want = edit(&keys);
        let expect = shown(&model, &want);
        // After ^C the board restarts: a person stops typing (what follows would reach the
        // loader's key window and open its upload mode, as it should).
        match keys.iter().position(|&b| b == 3) {
            Some(p) => chat.m.send(&keys[..=p]),
            None => chat.m.send(&[&keys[..], b"\r"].concat()),
        }
        // Hangs: run_until panics when no prompt comes within its limit.
        let out = chat.run_until(b"\r\n> ");
        if matches!(want.outcome, Outcome::Exit | Outcome::Interrupt) {
            assert!(out.starts_with(&expect), "line {i} {keys:?}: {out:?}");
            let text = String::from_utf8_lossy(&out[expect.len()..]).into_owned();
            assert!(
                text.contains("booting"),
                "line {i} {keys:?}: no restart: {text}"
            );
            exits += 1;
        } else {
            assert_eq!(
                String::from_utf8_lossy(&out),
                String::from_utf8_lossy(&expect),
                "line {i} {keys:?}"
            );
            assert_eq!(out, expect, "line {i} {keys:?}");
            queries += 1;
        }
        let w = chat.m.bus.watch.as_ref().unwrap();
        assert_eq!(
            w.count, 0,
            "line {i} {keys:?}: writes outside the engine's RAM (pc, addr, value): {:04x?}",
            w.violations
        );
    }
    println!("rc2014-512k: {n} random lines, {queries} answered or empty, {exits} restarts, 0 faults or mismatches");
}

/// A 48K with the ROM, the chat `.tap` loaded through `LOAD ""` and at its first prompt, its
/// console watched; missing without a ROM.
fn zx_chat(tap: &[u8], con_in: u16, con_out: u16) -> Result<(Zx48, Watched), Missing> {
    let mut zx = boot()?;
    let mut con = Watched::new(&mut zx, con_in, con_out);
    load_tap(&mut zx, tap, 0).expect("tap");
    assert!(
        con.run_until(&mut zx, b"> ", 400),
        "no prompt after loading"
    );
    zx.run_for(35_000);
    Ok((zx, con))
}

/// `n` random lines (seeded) typed on a Spectrum's keyboard matrix, each checked as the
/// module says; `start` loads the chat (again after each `!` line, which returns to BASIC's
/// "0 OK"). Returns (lines answered or empty, exits).
fn zx_random_lines(
    model: &Model,
    seed: u64,
    n: usize,
    start: &dyn Fn() -> Result<(Zx48, Watched), Missing>,
) -> Result<(usize, usize), Missing> {
    let (mut zx, mut con) = start()?;
    let mut rng = Rng::new(seed);
    let (mut queries, mut exits) = (0, 0);
    for i in 0..n {
        let mut keys = random_line(&mut rng, false);
        keys.retain(|&b| {
            b.is_ascii() && b != b'\n' && b != b'\r' && Key::for_char(char::from(b)).is_some()
        });
        let want = edit(&keys);
        let expect = shown(model, &want);
        con.out.clear();
        for &b in &keys {
            con.type_char(&mut zx, char::from(b));
        }
        con.type_char(&mut zx, '\n');
        if want.outcome == Outcome::Exit {
            zx.run_frames(50);
            assert_eq!(con.out, expect, "line {i} {keys:?}");
            let text = zx.screen_text();
            assert!(
                text.iter().any(|l| l.starts_with("0 OK, 10:")),
                "line {i}: {text:#?}"
            );
            exits += 1;
        } else {
            assert!(
                con.run_until(&mut zx, b"\r\n> ", 3000),
                "line {i} {keys:?}: no prompt again (hang?): {:?}",
                String::from_utf8_lossy(&con.out)
            );
            assert_eq!(
                String::from_utf8_lossy(&con.out),
                String::from_utf8_lossy(&expect),
                "line {i} {keys:?}"
            );
            queries += 1;
            // The driver last saw ENTER held (it does not scan while answering): give it 10 ms
            // of no key, as a person's release, or a next ENTER at once is not a new key.
            zx.run_for(35_000);
        }
        let w = zx.bus.watch.as_ref().unwrap();
        assert_eq!(
            w.count, 0,
            "line {i} {keys:?}: writes outside the engine's RAM and screen (pc, addr, value): {:04x?}",
            w.violations
        );
        if want.outcome == Outcome::Exit {
            (zx, con) = start()?;
        }
    }
    Ok((queries, exits))
}

/// ZX Spectrum 48K with the real ROM: lines typed key by key on the keyboard matrix, so only
/// what the keyboard has (printable ASCII and DELETE = BS; the other bytes of a random line are
/// left out). The bytes the engine prints (echo, answer, prompt) are compared; a write watch
/// records writes by the engine's code outside its RAM and the screen (display file and
/// attributes); a `!` line returns to BASIC and the chat is loaded again. Fewer lines than on
/// the serial boards: typing on the matrix takes emulated time.
#[test]
fn zx48_random_lines() {
    let model = example_model("guess");
    let built = zx48::build(&model, &Layout::Auto).expect("fits the 48K");
    let img = &built.built.image;
    let sym = |n: &str| img.symbol(n).unwrap_or_else(|| panic!("no symbol {n}"));
    let tap = built.tape.to_tap();
    let watch = WriteWatch {
        code: u32::from(img.org)..u32::from(img.org) + img.bytes.len() as u32,
        allowed: vec![img.map.ram.0..img.map.ram.1, 0x4000..0x5b00],
        ..WriteWatch::default()
    };
    let start = || {
        let (mut zx, con) = zx_chat(&tap, sym("con_in"), sym("con_out"))?;
        zx.bus.watch = Some(Box::new(watch.clone()));
        Ok::<_, Missing>((zx, con))
    };
    let n = count(100);
    let (queries, exits) = require!(zx_random_lines(&model, 0x2a_c9b3, n, &start));
    println!("zx48: {n} random lines, {queries} answered or empty, {exits} exits, 0 faults or mismatches");
}

/// ZX Spectrum 128K with both real ROMs: the chat loaded from the menu's Tape Loader (the
/// weights in RAM banks paged at 0xC000), then lines typed as on the 48K, with a write watch
/// (a write into the 0xC000 window would land in a weight bank: it is a stray one). A `!`
/// line returns to 128 BASIC and the chat is loaded again.
#[test]
fn zx128_random_lines() {
    let model = example_model("guess");
    let built = zx128::build(&model, &Layout::Auto).expect("fits the 128K");
    let img = &built.built.image;
    let sym = |n: &str| img.symbol(n).unwrap_or_else(|| panic!("no symbol {n}"));
    let tap = built.tape.to_tap();
    // Code: the tables and driver from 0x5e00 (bank 5) and the engine from 0x8000 (bank 2);
    // the paging routines at 0x5b00 are the ROM's own. Writes: the engine's RAM, the screen,
    // the driver's own variables (cursor, key state, BASIC's SP: zx_row to zx_basic_sp) and
    // BANKM (0x5b5c), which says what the engine paged in at 0xC000 and is put back on `!`.
    let driver_vars = u32::from(sym("zx_row"))..u32::from(sym("zx_basic_sp")) + 2;
    let watch = WriteWatch {
        code: 0x5e00..u32::from(built.code.1),
        allowed: vec![
            u32::from(built.ram.0)..u32::from(built.ram.1),
            0x4000..0x5b00,
            driver_vars,
            0x5b5c..0x5b5d,
        ],
        ..WriteWatch::default()
    };
    let start = || {
        let mut zx = boot_128()?;
        let mut con = Watched::new(&mut zx, sym("con_in"), sym("con_out"));
        load_tap_128(&mut zx, &tap).expect("tap");
        assert!(
            con.run_until(&mut zx, b"> ", 600),
            "no prompt after loading: {:#?}",
            zx.screen_text()
        );
        zx.run_for(35_000);
        zx.bus.watch = Some(Box::new(watch.clone()));
        Ok::<_, Missing>((zx, con))
    };
    let n = count(60);
    let (queries, exits) = require!(zx_random_lines(&model, 0x2a_c9b6, n, &start));
    println!("zx128: {n} random lines, {queries} answered or empty, {exits} exits, 0 faults or mismatches");
}

/// MSX1 (64K) with the C-BIOS ROMs: the megaROM cartridge boots from its header; lines typed
/// key by key on the matrix (what the keyboard has: printable ASCII and BS). The bytes the
/// engine passes to CHPUT are compared; a write watch records writes by the engine's code
/// (PC in the image) outside its RAM, the ASCII8 mapper's bank registers (6000h-7FFFh) and
/// the two BIOS variables its driver sets;
/// a `!` line starts the chat again.
#[test]
fn msx_random_lines() {
    if boards::machines::msx::locate_cbios().is_none() {
        require!(Err::<(), _>(Missing(
            "the C-BIOS ROMs are not installed (Debian package cbios, /usr/share/cbios)".into()
        )));
    }
    let model = example_model("guess");
    let cart = msx::build(&model, &Layout::Auto).expect("builds");
    let img = &cart.built.image;
    let (mut s, boot) = Session::boot(&cart.rom, MsxConfig::default()).expect("boots");
    assert_eq!(boot.output, b"> ");
    // The driver's con_init sets two BIOS variables (screen width, key click): theirs too.
    let var = |n: &str| {
        let a = u32::from(img.symbol(n).unwrap_or_else(|| panic!("no symbol {n}")));
        a..a + 1
    };
    s.msx.bus.watch = Some(Box::new(WriteWatch {
        code: u32::from(img.org)..u32::from(img.org) + img.bytes.len() as u32,
        allowed: vec![
            img.map.ram.0..img.map.ram.1,
            0x6000..0x8000,
            var("LINL40"),
            var("CLIKSW"),
        ],
        ..WriteWatch::default()
    }));
    let mut rng = Rng::new(0x2a_c9b4);
    let n = count(100);
    let (mut queries, mut exits) = (0, 0);
    for i in 0..n {
        let mut keys = random_line(&mut rng, false);
        keys.retain(|&b| b != b'\n' && b != b'\r' && typable(&[b]));
        let want = edit(&keys);
        let expect = shown(&model, &want);
        let r = s
            .ask(&keys)
            .unwrap_or_else(|e| panic!("line {i} {keys:?}: {e}"));
        if want.outcome == Outcome::Exit {
            assert!(
                r.output.starts_with(&expect),
                "line {i} {keys:?}: {:?}",
                r.output
            );
            assert!(
                r.output.ends_with(b"> "),
                "line {i} {keys:?}: {:?}",
                r.output
            );
            exits += 1;
        } else {
            assert_eq!(
                String::from_utf8_lossy(&r.output),
                String::from_utf8_lossy(&expect),
                "line {i} {keys:?}"
            );
            queries += 1;
        }
        let w = s.msx.bus.watch.as_ref().unwrap();
        assert_eq!(
            w.count, 0,
            "line {i} {keys:?}: writes outside the engine's RAM (pc, addr, value): {:04x?}",
            w.violations
        );
    }
    println!("msx: {n} random lines, {queries} answered or empty, {exits} restarts, 0 faults or mismatches");
}

/// Game Boy (DMG): lines typed on the on-screen keyboard with joypad presses, so printable
/// ASCII only, and no empty or `!` line (the first prompts again, the second stops the ROM for
/// good); over-long lines are typed up to 80 bytes (the keyboard ignores what passes 62). The
/// answer read off the screen and the chat streamed out of the link port (the line as the ROM
/// kept it, the answer) must equal the host reference; the session's fault checks (VRAM
/// written while the LCD reads it) stay on, and a write watch records writes outside the
/// engine's memory. Few lines: every key is several presses.
#[test]
fn gameboy_random_lines() {
    let model = example_model("guess");
    let image = gameboy::build(&model, &Layout::Auto).expect("builds");
    let mut s = gameboy::session::Session::boot(&image).expect("boots");
    // The whole cartridge ROM is the engine's code; it may write the MBC5's registers, VRAM,
    // its transcript in cartridge RAM (S_MAP..S_CUR, mem.inc), work RAM (sums, lists, stack)
    // and the I/O page with HRAM; never echo RAM, OAM, 6000h-7FFFh or the rest of the SRAM.
    s.gb.bus.watch = Some(Box::new(WriteWatch {
        code: 0x0000..0x8000,
        allowed: vec![
            0x0000..0x6000,
            0x8000..0xA000,
            0xA000..0xA409,
            0xC000..0xE000,
            0xFF00..0x1_0000,
        ],
        ..WriteWatch::default()
    }));
    let mut rng = Rng::new(0x2a_c9b5);
    let n = count(50);
    let mut link = Vec::new();
    let mut typed = 0;
    while typed < n {
        let mut line = random_line(&mut rng, true);
        line.truncate(80);
        if line.is_empty() || line[0] == b'!' {
            continue;
        }
        let kept = &line[..line.len().min(hil::lines::MAX_QUERY)];
        let want = respond(&model, kept);
        let a = s
            .ask(&line)
            .unwrap_or_else(|e| panic!("line {typed} {line:?}: {e}"));
        assert_eq!(
            String::from_utf8_lossy(&a.text),
            String::from_utf8_lossy(&want),
            "line {typed} {line:?}: the screen"
        );
        link.extend_from_slice(kept);
        link.extend_from_slice(b"\r\n");
        link.extend_from_slice(&want);
        link.extend_from_slice(b"\r\n");
        assert_eq!(
            String::from_utf8_lossy(s.gb.serial_sent()),
            String::from_utf8_lossy(&link),
            "line {typed} {line:?}: the link port"
        );
        let w = s.gb.bus.watch.as_ref().unwrap();
        assert_eq!(
            w.count, 0,
            "line {typed} {line:?}: writes outside the engine's memory (pc, addr, value): {:04x?}",
            w.violations
        );
        typed += 1;
    }
    println!("gameboy: {n} random printable lines answered, 0 faults, stray writes or mismatches");
}
