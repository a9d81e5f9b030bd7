//! Our RC2014 ROMs on an independent emulator, MAME (Debian's 0.251), with the board's UART on a
//! TCP socket (`null_modem` + `-bitb`):
//! * rc2014-512k: `rc2014zed` (Z80, the 512K ROM + 512K RAM module with its SST39SF040, the Dual
//!   Serial SIO/2) boots the `.bin` in place of RomWBW; the loader checks the stored image and
//!   boots it; every public guess vector is typed and compared.
//! * rc2014-512k with two models (guess and tinychat) behind the start-up menu: each chosen
//!   from the menu answers its public vectors; `!` goes back to the menu, `!` there to the
//!   loader.
//! * rc2014-classic: `rc2014pro` rebuilt as our Classic (the Pageable ROM module jumpered for a
//!   32K page, a 32K RAM module, the Serial I/O module's 68B50 ACIA) runs the 32K ROM.
//!
//! Skips with a reason when `mame` is not installed (a failure in CI).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use hil::rc2014::{build, response};
use hil::{example_model, require, shared_model, shared_vectors, Missing};
use z80lm::engine::Layout;

/// `mame` on PATH, or where Debian installs it.
fn mame() -> Result<PathBuf, Missing> {
    testsupport::tool("mame", "Debian mame")
}

/// Kills MAME when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct Line(TcpStream);

impl Line {
    fn until(&mut self, suffix: &[u8], secs: u64) -> Vec<u8> {
        let mut seen = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(secs);
        let mut buf = [0u8; 512];
        while Instant::now() < deadline {
            match self.0.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    seen.extend_from_slice(&buf[..n]);
                    if seen.ends_with(suffix) {
                        return seen;
                    }
                }
                Err(e)
                    if e.kind() == std::io::ErrorKind::WouldBlock
                        || e.kind() == std::io::ErrorKind::TimedOut => {}
                Err(e) => panic!("socket: {e}"),
            }
        }
        panic!(
            "MAME: no {:?} within {secs} s; the board said {:?}",
            String::from_utf8_lossy(suffix),
            String::from_utf8_lossy(&seen)
        );
    }
}

/// A MAME machine running our ROM, its serial line on a socket.
struct Mame {
    _child: Running,
    line: Line,
    dir: PathBuf,
}

/// Starts `machine` with `args`, `roms` (device directory, file name, bytes) in its ROM path and
/// `cfg` as the machine's configuration file (jumper settings), and connects its serial line.
fn start(
    mame: &Path,
    name: &str,
    machine: &str,
    args: &[&str],
    roms: (&str, &str, &[u8]),
    cfg: Option<&str>,
) -> Mame {
    let dir = std::env::temp_dir().join(format!("z80lm-mame-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let rom_dir = dir.join("roms").join(roms.0);
    std::fs::create_dir_all(&rom_dir).unwrap();
    // MAME warns about the checksum of a replaced ROM and runs it.
    std::fs::write(rom_dir.join(roms.1), roms.2).unwrap();
    std::fs::create_dir_all(dir.join("cfg")).unwrap();
    if let Some(cfg) = cfg {
        std::fs::write(dir.join("cfg").join(format!("{machine}.cfg")), cfg).unwrap();
    }
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let d = |s: &str| dir.join(s).to_string_lossy().into_owned();
    let child = Running(
        Command::new(mame)
            .args([machine, "-rompath", &d("roms")])
            .args(args)
            .args(["-bitb", &format!("socket.127.0.0.1:{port}")])
            .args(["-video", "none", "-sound", "none", "-nothrottle"])
            .args(["-skip_gameinfo", "-nomouse", "-seconds_to_run", "3600"])
            .args(["-cfg_directory", &d("cfg"), "-nvram_directory", &d("nvram")])
            .args(["-homepath", &d("home"), "-inipath", &d("ini")])
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start mame"),
    );
    listener.set_nonblocking(true).unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let stream = loop {
        match listener.accept() {
            Ok((s, _)) => break s,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                assert!(
                    Instant::now() < deadline,
                    "MAME never connected to the socket"
                );
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(e) => panic!("accept: {e}"),
        }
    };
    stream.set_nonblocking(false).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    Mame {
        _child: child,
        line: Line(stream),
        dir,
    }
}

impl Mame {
    /// Types every prompt and returns the mismatches.
    fn check(&mut self, vectors: &[(Vec<u8>, Vec<u8>)]) -> Vec<String> {
        let mut bad = Vec::new();
        for (prompt, want) in vectors {
            let mut k = prompt.clone();
            k.push(b'\r');
            self.line.0.write_all(&k).unwrap();
            let out = self.line.until(b"\r\n> ", 120);
            let got = response(&out);
            if got != want.as_slice() {
                bad.push(format!(
                    "{:?}: want {:?} got {:?}",
                    String::from_utf8_lossy(prompt),
                    String::from_utf8_lossy(want),
                    String::from_utf8_lossy(got)
                ));
            }
        }
        bad
    }
}

impl Drop for Mame {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Every public vector of `name` typed to our 512K ROM on MAME's `rc2014zed`.
fn zed_vectors(name: &str) {
    let mame = require!(mame());
    let model = require!(shared_model(name));
    let vectors = require!(shared_vectors(name));
    let rom = build(&model, "rc2014-512k", &Layout::Auto);
    let mut m = start(
        &mame,
        name,
        "rc2014zed",
        &["-bus:4:sio_40p:rs232a", "null_modem"],
        ("rc2014_rom_ram_512k", "rcz80_std_3_0_1.rom", &rom.rom),
        None,
    );
    let banner = m.line.until(b"> ", 60);
    let banner = String::from_utf8_lossy(&banner);
    assert!(banner.contains("z80lm loader"), "{banner}");
    assert!(banner.contains("booting"), "{banner}");
    let bad = m.check(&vectors);
    assert!(
        bad.is_empty(),
        "MAME rc2014zed, {name}: {} of {} differ:\n{}",
        bad.len(),
        vectors.len(),
        bad.join("\n")
    );
}

#[test]
fn mame_rc2014zed_boots_our_rom_and_answers_every_guess_vector() {
    zed_vectors("guess");
}

#[test]
fn mame_rc2014zed_answers_every_tinychat_vector() {
    zed_vectors("tinychat");
}

/// Two models in one 512K image (guess and tinychat, behind the start-up menu) on MAME's
/// `rc2014zed`: each chosen from the menu answers every one of its public vectors, `!` comes back
/// to the menu, and `!` in the menu goes to the loader, which boots the menu again.
#[test]
fn mame_rc2014zed_two_models_behind_the_menu_answer_their_vectors() {
    let mame = require!(mame());
    let guess = require!(shared_model("guess"));
    let gv = require!(shared_vectors("guess"));
    let tiny = require!(shared_model("tinychat"));
    let tv = require!(shared_vectors("tinychat"));
    let desc = boards::desc::BoardDesc::builtin("rc2014-512k").unwrap();
    let named = vec![("guess".to_string(), guess), ("tinychat".to_string(), tiny)];
    let rom = z80lm::engine::targets::rc2014::build_menu(&named, &desc, &Layout::Auto)
        .unwrap_or_else(|e| panic!("{e:?}"));
    let mut m = start(
        &mame,
        "menu",
        "rc2014zed",
        &["-bus:4:sio_40p:rs232a", "null_modem"],
        ("rc2014_rom_ram_512k", "rcz80_std_3_0_1.rom", &rom.rom),
        None,
    );
    const MENU_PROMPT: &[u8] = b"model (1-2, ! loader): ";
    let boot = m.line.until(MENU_PROMPT, 60);
    assert!(
        boot.ends_with(rom.listing.as_bytes()),
        "{}",
        String::from_utf8_lossy(&boot)
    );
    let boot = String::from_utf8_lossy(&boot);
    assert!(
        boot.contains("z80lm loader") && boot.contains("booting"),
        "{boot}"
    );
    for (number, vectors) in [("1", &gv), ("2", &tv)] {
        m.line
            .0
            .write_all(format!("{number}\r").as_bytes())
            .unwrap();
        let said = m.line.until(b"> ", 30);
        assert_eq!(said, format!("{number}\r\n> ").as_bytes());
        let bad = m.check(vectors);
        assert!(
            bad.is_empty(),
            "MAME rc2014zed, model {number} behind the menu: {} of {} differ:\n{}",
            bad.len(),
            vectors.len(),
            bad.join("\n")
        );
        m.line.0.write_all(b"!\r").unwrap();
        let back = m.line.until(MENU_PROMPT, 30);
        let back = String::from_utf8_lossy(&back);
        assert!(
            back.contains("z80lm: 2 models") && !back.contains("z80lm loader"),
            "{back}"
        );
    }
    m.line.0.write_all(b"!\r").unwrap();
    let back = m.line.until(MENU_PROMPT, 60);
    let back = String::from_utf8_lossy(&back);
    assert!(
        back.contains("z80lm loader") && back.contains("booting"),
        "{back}"
    );
}

/// The Pageable ROM module's page-size jumpers set to 32K (MAME's default is 16K).
const PAGE_32K: &str = r#"<?xml version="1.0"?>
<mameconfig version="10">
    <system name="rc2014pro">
        <input>
            <port tag=":bus:4:page_rom:PAGE_SIZE" type="CONFIG" mask="7" defvalue="4" value="5" />
        </input>
    </system>
</mameconfig>
"#;

#[test]
fn mame_rc2014_with_a_32k_rom_and_acia_runs_the_classic_rom() {
    let mame = require!(mame());
    classic_on_mame(&mame, &example_model("guess-mini"), "classic");
}

#[test]
fn mame_rc2014_runs_the_upstream_guess_in_gaps_layers_from_a_32k_rom() {
    let mame = require!(mame());
    let model = require!(shared_model("guess"));
    classic_on_mame(&mame, &model, "classic-gaps");
}

/// The Classic ROM of `model` on MAME's rc2014pro with a 32K pageable ROM and the ACIA: six
/// questions answered as the host reference answers them.
fn classic_on_mame(mame: &Path, model: &z80lm::model::Model, name: &str) {
    let rom = build(model, "rc2014-classic", &Layout::Auto);
    // A 27C512 holds 64K; the page jumpers select its first 32K.
    let mut eprom = rom.rom.clone();
    eprom.resize(0x10000, 0xFF);
    let mut m = start(
        mame,
        name,
        "rc2014pro",
        &[
            "-bus:3",
            "ram32k",
            "-bus:5",
            "serial",
            "-bus:5:serial:rs232",
            "null_modem",
        ],
        ("rc2014_pagable_rom", "24886009.bin", &eprom),
        Some(PAGE_32K),
    );
    m.line.until(b"> ", 60);
    let prompts: [&[u8]; 6] = [
        b"is it alive",
        b"can you sit on it",
        b"is it made of metal",
        b"is it a chair",
        b"hello",
        b"what are you thinking of",
    ];
    let vectors: Vec<_> = prompts
        .iter()
        .map(|p| (p.to_vec(), z80lm::model::infer::respond(model, p)))
        .collect();
    let bad = m.check(&vectors);
    assert!(
        bad.is_empty(),
        "MAME rc2014pro (classic ROM, {}):\n{}",
        rom.built.plan.name(),
        bad.join("\n")
    );
}

/// A probe of the flash chip's Sector-Erase: erase two 4K sectors of flash page 8 (chip 20000h,
/// through window 2), program 42h at 20000h, then erase the neighbouring 4K sector (21000h) and
/// a sector of page 9 (24000h, another 16K page of the same 64K block), printing the byte at
/// 20000h after each step (and 21000h once): `FLASHPROBE 42 42 FF 42 END`.
/// The SST39SF040 data sheet's Sector-Erase (30h) clears one 4 KByte sector, so the byte
/// survives both erases; a model that clears the whole 64 KByte block instead (the data sheet's
/// Block-Erase, 50h) prints `42 FF FF FF`. Command cycles as in our loader (5555h/2AAAh through
/// windows 0 and 1, Toggle Bit polling), run from RAM as the loader's are.
const FLASH_PROBE: &str = r#"
        org 0C000h          ; runs from RAM: the chip answers status, not code, while busy
        di
        xor a
        out (78h),a         ; window 0 = flash page 0 (this probe)
        ld a,1
        out (79h),a         ; window 1 = flash page 1 (for 5555h)
        ld a,8
        out (7Ah),a         ; window 2 = flash page 8 (chip 20000h)
        ld a,3Fh
        out (7Bh),a         ; window 3 = RAM (stack)
        ld a,1
        out (7Ch),a         ; paging on
        ld hl,0             ; position-independent so far: copy this probe from flash page 0
        ld de,0C000h        ; to RAM (window 3) and go on there
        ld bc,end-0C000h
        ldir
        jp ram
ram:    ld sp,0
        call sinit
        ld hl,banner
        call puts
        ld hl,8000h
        call erase
        ld hl,9000h
        call erase
        ld hl,8000h
        ld a,42h
        call prog
        ld a,(8000h)
        call phex
        ld hl,9000h
        call erase          ; the neighbouring 4K sector
        ld a,(8000h)
        call phex
        ld a,(9000h)
        call phex
        ld a,9
        out (7Ah),a
        ld hl,8000h
        call erase          ; a sector of page 9, same 64K block
        ld a,8
        out (7Ah),a
        ld a,(8000h)
        call phex
        ld hl,done
        call puts
stop:   jr stop

erase:  ld a,0AAh
        ld (5555h),a
        ld a,55h
        ld (2AAAh),a
        ld a,80h
        ld (5555h),a
        ld a,0AAh
        ld (5555h),a
        ld a,55h
        ld (2AAAh),a
        ld (hl),30h
        jr wait
prog:   ld b,a
        ld a,0AAh
        ld (5555h),a
        ld a,55h
        ld (2AAAh),a
        ld a,0A0h
        ld (5555h),a
        ld (hl),b
wait:   ld a,(hl)
        xor (hl)
        and 40h
        jr nz,wait
        ret

sinit:  ld c,80h
        ld hl,sio
        ld b,9
        otir
        ret
sio:    db 18h,04h,0C4h,03h,0C1h,05h,0EAh,01h,00h
putc:   push af
pw:     in a,(80h)
        and 4
        jr z,pw
        pop af
        out (81h),a
        ret
puts:   ld a,(hl)
        or a
        ret z
        call putc
        inc hl
        jr puts
phex:   push af
        rrca
        rrca
        rrca
        rrca
        call nib
        pop af
        call nib
        ld a,' '
        jp putc
nib:    and 0Fh
        add a,'0'
        cp '9'+1
        jr c,nb
        add a,7
nb:     jp putc
banner: db "FLASHPROBE ",0
done:   db "END",13,10,0
end:
"#;

/// What the probe prints on a chip that erases 4K sectors, as the SST39SF040 data sheet says.
const PROBE_DATA_SHEET: &str = "FLASHPROBE 42 42 FF 42 END\r\n";
/// What it prints on a model whose Sector-Erase clears the whole 64K block.
const PROBE_64K_BLOCK: &str = "FLASHPROBE 42 FF FF FF END\r\n";

fn flash_probe_rom() -> Vec<u8> {
    let asm = z80rom::asm::assemble_str("flash_probe.asm", FLASH_PROBE, z80rom::asm::Cpu::Z80)
        .expect("probe assembles");
    let (org, mut bytes) = asm.flat(0xFF);
    assert_eq!(org, 0xC000);
    bytes.resize(0x8_0000, 0xFF);
    bytes
}

/// Our emulated SST39SF040 follows the data sheet: a Sector-Erase clears 4K only.
#[test]
fn flash_probe_on_our_board_erases_4k_sectors() {
    let mut c = hil::rc2014::RomChat::power_up("rc2014-512k", &flash_probe_rom());
    let out = c.run_until(b"END\r\n");
    assert_eq!(String::from_utf8_lossy(&out), PROBE_DATA_SHEET);
}

/// Evidence for the notes (kicad-notes/rc2014.md §9): MAME 0.251's SST39SF040 (`intelfsh`
/// without 4K sectors for this chip) clears the whole 64K block on a Sector-Erase, so sectors
/// programmed earlier in the same block come back erased: why reflashing fails in MAME 0.251
/// with "flash crc-32 mismatch after programming" (the loader's own page 0 shares block 0 with
/// pages 1-3, so no sector order can make it work). Accepts the data-sheet answer too, so a
/// fixed MAME passes; anything else fails.
#[test]
fn flash_probe_on_mame_shows_its_sector_erase_semantics() {
    let mame = require!(mame());
    let mut m = start(
        &mame,
        "probe",
        "rc2014zed",
        &["-bus:4:sio_40p:rs232a", "null_modem"],
        (
            "rc2014_rom_ram_512k",
            "rcz80_std_3_0_1.rom",
            &flash_probe_rom(),
        ),
        None,
    );
    let out = m.line.until(b"END\r\n", 60);
    let out = String::from_utf8_lossy(&out);
    assert!(
        out == PROBE_64K_BLOCK || out == PROBE_DATA_SHEET,
        "MAME's flash answered neither the data sheet ({PROBE_DATA_SHEET:?}) nor the known \
         64K-block erase ({PROBE_64K_BLOCK:?}): {out:?}"
    );
    eprintln!(
        "MAME sector erase: {}",
        if out == PROBE_64K_BLOCK {
            "clears the 64K block (departs from the data sheet)"
        } else {
            "4K, as the data sheet"
        }
    );
}
