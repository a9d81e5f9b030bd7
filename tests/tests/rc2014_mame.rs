//! Our RC2014 512K ROM on an independent emulator: MAME's `rc2014zed` (RC2014 Zed: Z80, the
//! 512K ROM + 512K RAM module with its SST39SF040, the Dual Serial SIO/2) boots the `.bin` in
//! place of RomWBW, with SIO channel A on a TCP socket (`null_modem` + `-bitb`). The loader checks
//! the stored image and boots it; every public guess vector is typed over the socket and
//! compared. Skips with a reason when `mame` is not installed (Debian package `mame`).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use hil::rc2014::{build, response};
use hil::{need, shared_model, shared_vectors};
use z80lm::build::Layout;

/// `mame` on PATH, or where Debian installs it.
fn mame() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join("mame"))
            .find(|f| f.is_file())
    });
    on_path.or_else(|| {
        let f = PathBuf::from("/usr/games/mame");
        f.is_file().then_some(f)
    })
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

#[test]
fn mame_rc2014zed_boots_our_rom_and_answers_every_guess_vector() {
    let Some(mame) = mame() else {
        eprintln!("skipping: mame is not installed (Debian package mame)");
        return;
    };
    let model = need!(shared_model("guess"));
    let vectors = need!(shared_vectors("guess"));
    let rom = build(&model, "rc2014-512k", &Layout::Auto);

    let dir = std::env::temp_dir().join(format!("z80lm-mame-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let roms = dir.join("roms/rc2014_rom_ram_512k");
    std::fs::create_dir_all(&roms).unwrap();
    // The module's default BIOS slot; MAME warns about the checksum and runs it.
    std::fs::write(roms.join("rcz80_std_3_0_1.rom"), &rom.rom).unwrap();

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let d = |s: &str| dir.join(s).to_string_lossy().into_owned();
    let _mame = Running(
        Command::new(&mame)
            .args(["rc2014zed", "-rompath", &d("roms")])
            .args(["-bus:4:sio_40p:rs232a", "null_modem"])
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
    let mut line = Line(stream);
    let banner = line.until(b"> ", 60);
    let banner = String::from_utf8_lossy(&banner);
    assert!(banner.contains("z80lm loader"), "{banner}");
    assert!(banner.contains("booting"), "{banner}");

    let mut bad = Vec::new();
    for (prompt, want) in &vectors {
        let mut k = prompt.clone();
        k.push(b'\r');
        line.0.write_all(&k).unwrap();
        let out = line.until(b"\r\n> ", 120);
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
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        bad.is_empty(),
        "MAME rc2014zed: {} of {} differ:\n{}",
        bad.len(),
        vectors.len(),
        bad.join("\n")
    );
}
