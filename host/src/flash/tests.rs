//! XMODEM sender against our receiver over a faulty in-memory pipe on a virtual clock (every
//! timeout and retry count is exact, however busy the machine), and against Debian lrzsz (`rx`,
//! `sx`) through process pipes in real time.

use std::io::{Read as _, Write as _};
use std::process::{Command, Stdio};
use std::time::Duration;

use super::mem::{pipe, Faults, PipeEnd};
use super::xmodem::{self, BlockSize, Config, XmodemError};
use super::{Clock, Link, Progress, SystemClock, VirtualClock};

#[derive(Default)]
struct Count {
    init: usize,
    updates: usize,
    retries: usize,
    finished: bool,
    last: usize,
}

impl Progress for Count {
    fn init(&mut self, _total: usize) {
        self.init += 1;
    }
    fn update(&mut self, done: usize) {
        self.updates += 1;
        self.last = done;
    }
    fn retry(&mut self, _block: u32, _reason: &str) {
        self.retries += 1;
    }
    fn finish(&mut self) {
        self.finished = true;
    }
}

fn fast() -> Config {
    Config {
        block: BlockSize::B1K,
        start_timeout: Duration::from_millis(2000),
        ack_timeout: Duration::from_millis(300),
        byte_timeout: Duration::from_millis(100),
        retries: 10,
    }
}

fn payload(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 + i / 256) as u8).collect()
}

/// Run our receiver in a thread on `rx_end`, our sender on `tx_end`.
fn transfer(
    data: &[u8],
    tx_end: PipeEnd,
    rx_end: PipeEnd,
    cfg: Config,
) -> (
    Result<usize, XmodemError>,
    Result<Vec<u8>, XmodemError>,
    Count,
) {
    let rcfg = cfg.clone();
    let clock = VirtualClock::new();
    let rclock = clock.clone();
    let receiver = std::thread::spawn(move || {
        let mut link = Link::new(rx_end, rclock);
        xmodem::receive(&mut link, &rcfg, &mut super::NoProgress)
    });
    let mut link = Link::new(tx_end, clock);
    let mut count = Count::default();
    let sent = xmodem::send(&mut link, data, &cfg, &mut count, &mut |_| {});
    // The sender's handle goes with its link: the receiver's timeouts run on alone.
    drop(link);
    (sent, receiver.join().unwrap(), count)
}

#[test]
fn clean_line_delivers_every_byte() {
    let data = payload(3000);
    let (a, b) = pipe();
    let (sent, got, count) = transfer(&data, a, b, fast());
    assert_eq!(sent.unwrap(), 3000);
    let got = got.unwrap();
    // 2 x 1K blocks, then the 952-byte tail in one 1K block (padded with SUB).
    assert_eq!(got.len(), 3072);
    assert_eq!(&got[..3000], &data[..]);
    assert!(got[3000..].iter().all(|&b| b == xmodem::SUB));
    assert_eq!(
        (
            count.init,
            count.updates,
            count.retries,
            count.finished,
            count.last
        ),
        (1, 3, 0, true, 3000)
    );
}

#[test]
fn short_tail_goes_in_a_128_byte_block() {
    let data = payload(1024 + 100);
    let (a, b) = pipe();
    let (_, got, _) = transfer(&data, a, b, fast());
    assert_eq!(got.unwrap().len(), 1024 + 128);
}

#[test]
fn corrupted_bytes_are_retried() {
    let data = payload(5000);
    let (a, b) = pipe();
    let a = a.with_faults(Faults {
        corrupt_every: Some(1500),
        corrupt_limit: Some(3),
        ..Faults::default()
    });
    let (sent, got, count) = transfer(&data, a, b, fast());
    assert_eq!(sent.unwrap(), 5000);
    assert_eq!(&got.unwrap()[..5000], &data[..]);
    assert_eq!(count.retries, 3);
}

#[test]
fn dropped_bytes_are_retried() {
    let data = payload(4000);
    let (a, b) = pipe();
    let a = a.with_faults(Faults {
        drop_every: Some(1200),
        drop_limit: Some(2),
        ..Faults::default()
    });
    let (sent, got, count) = transfer(&data, a, b, fast());
    assert_eq!(sent.unwrap(), 4000);
    assert_eq!(&got.unwrap()[..4000], &data[..]);
    assert_eq!(count.retries, 2);
}

#[test]
fn duplicated_bytes_are_retried() {
    let data = payload(4000);
    let (a, b) = pipe();
    let a = a.with_faults(Faults {
        duplicate_every: Some(1300),
        duplicate_limit: Some(2),
        ..Faults::default()
    });
    let (sent, got, count) = transfer(&data, a, b, fast());
    assert_eq!(sent.unwrap(), 4000);
    assert_eq!(&got.unwrap()[..4000], &data[..]);
    assert_eq!(count.retries, 2);
}

#[test]
fn a_line_that_always_corrupts_gives_up_with_one_line() {
    let data = payload(2048);
    let (a, b) = pipe();
    let a = a.with_faults(Faults {
        corrupt_every: Some(100),
        ..Faults::default()
    });
    let (sent, _got, count) = transfer(
        &data,
        a,
        b,
        Config {
            retries: 4,
            ..fast()
        },
    );
    let err = sent.unwrap_err();
    assert!(
        matches!(
            err,
            XmodemError::TooManyRetries {
                block: 1,
                tries: 4,
                ..
            }
        ),
        "{err}"
    );
    let msg = err.to_string();
    assert!(
        !msg.contains('\n') && msg.contains("troubleshooting.md#"),
        "{msg}"
    );
    assert_eq!(count.retries, 3);
}

#[test]
fn vanishing_port_is_reported() {
    let data = payload(8000);
    let (a, b) = pipe();
    let a = a.with_faults(Faults {
        vanish_after: Some(3000),
        ..Faults::default()
    });
    let (sent, got, count) = transfer(&data, a, b, fast());
    let err = sent.unwrap_err();
    assert!(matches!(err, XmodemError::Link(_)), "{err}");
    assert!(err.to_string().contains("did the port vanish"), "{err}");
    assert!(got.is_err());
    // In flight at the cut: two 1K blocks (1029 bytes each on the line) were acknowledged,
    // the third was being sent.
    assert_eq!(
        (count.updates, count.last, count.finished),
        (2, 2048, false)
    );
}

#[test]
fn silence_means_no_receiver() {
    let (a, _b) = pipe();
    let mut link = Link::new(a, VirtualClock::new());
    let cfg = Config {
        start_timeout: Duration::from_millis(150),
        ..fast()
    };
    let mut banner = Vec::new();
    let err = xmodem::send(&mut link, b"x", &cfg, &mut super::NoProgress, &mut |b| {
        banner.push(b)
    })
    .unwrap_err();
    assert_eq!(err, XmodemError::NoReceiver(Duration::from_millis(150)));
    assert!(err.to_string().contains("is the loader running"));
    // It gave up when the start timeout ran out, to the poll interval.
    let waited = link.clock.now();
    assert!(
        waited >= Duration::from_millis(150) && waited <= Duration::from_millis(152),
        "{waited:?}"
    );
}

#[test]
fn receiver_cancel_carries_the_reason() {
    let (a, mut b) = pipe();
    let clock = VirtualClock::new();
    let mut peer = clock.clone();
    let t = std::thread::spawn(move || {
        use embedded_io::{Read, ReadReady, Write};
        b.write_all(b"banner\r\nC").unwrap();
        // Block 1 arrives while the receiver looks at its size; then it cancels.
        peer.sleep(Duration::from_millis(100));
        let mut buf = [0u8; 2000];
        let mut got = 0;
        while b.read_ready().unwrap() {
            got += b.read(&mut buf).unwrap();
        }
        assert_eq!(got, 1029, "block 1 was on the line");
        b.write_all(&[xmodem::CAN, xmodem::CAN]).unwrap();
        b.write_all(b"image too large: 600000 > 503808 bytes\r\n")
            .unwrap();
        peer.sleep(Duration::from_millis(400));
    });
    let mut link = Link::new(a, clock);
    let mut banner = Vec::new();
    let err = xmodem::send(
        &mut link,
        &payload(2048),
        &fast(),
        &mut super::NoProgress,
        &mut |b| banner.push(b),
    )
    .unwrap_err();
    drop(link);
    t.join().unwrap();
    assert_eq!(banner, b"banner\r\n");
    assert!(
        err.to_string()
            .contains("cancelled the transfer at block 1 (image too large: 600000 > 503808 bytes)"),
        "{err}"
    );
}

/// Connect a child process's stdin/stdout to a pipe end (threads copy both ways).
fn spawn_peer(
    program: &str,
    args: &[&str],
    dir: &std::path::Path,
) -> Result<(std::process::Child, PipeEnd), testsupport::Missing> {
    let program = testsupport::tool(program, "Debian lrzsz")?;
    let mut child = Command::new(program)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("lrzsz starts");
    let (ours, mut theirs_r) = pipe();
    let mut theirs_w = theirs_r.try_clone();
    let mut out = child.stdout.take().unwrap();
    let mut inp = child.stdin.take().unwrap();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = out.read(&mut buf) {
            if n == 0 || embedded_io::Write::write_all(&mut theirs_w, &buf[..n]).is_err() {
                break;
            }
        }
    });
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        loop {
            match theirs_r.read_timeout(&mut buf, Duration::from_millis(50)) {
                Ok(0) => continue,
                Ok(n) => {
                    if inp.write_all(&buf[..n]).is_err() {
                        break;
                    }
                    let _ = inp.flush();
                }
                Err(_) => break,
            }
        }
    });
    Ok((child, ours))
}

#[test]
fn our_sender_into_lrzsz_rx() {
    let dir = std::env::temp_dir().join(format!("z80lm-rx-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let data = payload(10_000);
    for (args, name) in [
        (vec!["-c", "out-crc.bin"], "out-crc.bin"),
        (vec!["out-sum.bin"], "out-sum.bin"),
    ] {
        let (mut child, end) = testsupport::require!(spawn_peer("rx", &args, &dir));
        let mut link = Link::new(end, SystemClock::default());
        let cfg = Config {
            ack_timeout: Duration::from_secs(5),
            ..fast()
        };
        let sent = xmodem::send(&mut link, &data, &cfg, &mut super::NoProgress, &mut |_| {});
        drop(link);
        assert!(child.wait().unwrap().success(), "rx {args:?} failed");
        assert_eq!(sent.unwrap(), 10_000);
        let got = std::fs::read(dir.join(name)).unwrap();
        assert_eq!(&got[..10_000], &data[..], "rx {args:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn lrzsz_sx_into_our_receiver() {
    let dir = std::env::temp_dir().join(format!("z80lm-sx-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let data = payload(9000);
    std::fs::write(dir.join("in.bin"), &data).unwrap();
    for args in [vec!["-k", "in.bin"], vec!["in.bin"]] {
        let (mut child, end) = testsupport::require!(spawn_peer("sx", &args, &dir));
        let mut link = Link::new(end, SystemClock::default());
        let got = xmodem::receive(&mut link, &fast(), &mut super::NoProgress);
        drop(link);
        assert!(child.wait().unwrap().success(), "sx {args:?} failed");
        let got = got.unwrap();
        assert_eq!(&got[..9000], &data[..], "sx {args:?}");
        assert!(got[9000..].iter().all(|&b| b == xmodem::SUB));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A stand-in for a ROM monitor's Intel HEX loader (as the Small Computer Monitor takes it at
/// its prompt): every line is echoed and answered, data records are checked by the `ihex`
/// reader and stored, `G addr` ends the session. Returns the memory and the run address.
fn fake_monitor(mut end: PipeEnd, mut clock: VirtualClock) -> (Vec<u8>, Option<u16>) {
    use embedded_io::{Read as _, ReadReady as _, Write as _};
    let mut mem = vec![0u8; 0x10000];
    let mut line = Vec::new();
    let mut b = [0u8; 1];
    loop {
        match end.read_ready() {
            Err(_) => return (mem, None),
            Ok(false) => {
                clock.sleep(Duration::from_millis(1));
                continue;
            }
            Ok(true) => {}
        }
        if end.read(&mut b).unwrap_or(0) == 0 {
            return (mem, None);
        }
        if b[0] != b'\r' {
            line.push(b[0]);
            continue;
        }
        let text = String::from_utf8(std::mem::take(&mut line)).unwrap();
        let _ = end.write_all(text.as_bytes());
        if let Some(addr) = text.strip_prefix("G ") {
            return (mem, u16::from_str_radix(addr.trim(), 16).ok());
        }
        match ihex::Record::from_record_string(&text) {
            Ok(ihex::Record::Data { offset, value }) => {
                let o = usize::from(offset);
                mem[o..o + value.len()].copy_from_slice(&value);
                let _ = end.write_all(b"\r\n");
            }
            Ok(_) => {
                let _ = end.write_all(b"\r\n");
            }
            Err(e) => {
                let _ = end.write_all(format!("\r\nError: {e}\r\n").as_bytes());
            }
        }
    }
}

#[test]
fn intel_hex_through_a_monitor_loads_every_byte_and_runs_it() {
    let data = payload(5000);
    let (host, board) = pipe();
    let clock = VirtualClock::new();
    let board_clock = clock.clone();
    let monitor = std::thread::spawn(move || fake_monitor(board, board_clock));
    let mut link = Link::new(host, clock);
    let hex = super::hexload::to_hex(0x8000, &data).unwrap();
    let mut count = Count::default();
    let said = super::hexload::send_hex(
        &mut link,
        &hex,
        Some(0x8000),
        Duration::from_millis(500),
        &mut count,
    )
    .unwrap();
    drop(link);
    let (mem, run) = monitor.join().unwrap();
    assert_eq!(&mem[0x8000..0x8000 + data.len()], &data[..]);
    assert_eq!(run, Some(0x8000));
    assert!(!said.contains("Error"), "{said}");
    assert_eq!((count.init, count.finished), (1, true));
    assert_eq!(count.last, hex.len(), "progress counts every byte sent");
}

/// `restore` against a loader 1 (no restore flag; it reads the header as an application's and
/// cancels: too large): one line saying the board's loader predates --restore.
#[test]
fn restore_to_a_loader_that_predates_it_says_so() {
    let (a, mut b) = pipe();
    let clock = VirtualClock::new();
    let mut peer = clock.clone();
    let t = std::thread::spawn(move || {
        use embedded_io::{Read, ReadReady, Write};
        let mut buf = [0u8; 4096];
        // Wait for the first knock, then answer as loader 1 does.
        while !b.read_ready().unwrap() {
            peer.sleep(Duration::from_millis(10));
        }
        let _ = b.read(&mut buf).unwrap();
        b.write_all(b"\r\nz80lm loader 1 (rc2014-512k, sst39sf040)\r\nloader: send the image with xmodem (crc-16, 1k blocks) or as intel hex\r\nC")
            .unwrap();
        // Block 1 (1029 bytes after any late knocks), then the cancel and the reason.
        let mut got = 0;
        while got < 1029 {
            peer.sleep(Duration::from_millis(10));
            while b.read_ready().unwrap() {
                got += b.read(&mut buf).unwrap();
            }
        }
        b.write_all(&[xmodem::CAN, xmodem::CAN, xmodem::CAN])
            .unwrap();
        b.write_all(b"\r\nerror: image too large (max 491520 bytes)\r\n")
            .unwrap();
        peer.sleep(Duration::from_millis(500));
    });
    let mut link = Link::new(a, clock);
    let rom = vec![0x5A; z80rom::loader::FLASH_SIZE];
    let opts = super::upload::UploadOptions {
        reset: false,
        ..Default::default()
    };
    let err = super::upload::restore(&mut link, &rom, &opts, &mut super::NoProgress).unwrap_err();
    drop(link);
    t.join().unwrap();
    let msg = err.to_string();
    assert!(
        matches!(err, super::upload::UploadError::OldLoader(_)),
        "{msg}"
    );
    assert!(
        msg.contains("(image too large (max 491520 bytes))")
            && msg.contains("predates --restore")
            && !msg.contains('\n'),
        "{msg}"
    );
}

/// A restore's report that never ends (noise on the line, the wrong baud rate: bytes but never
/// a result line) stops after ten times the silence timeout with one line, not never.
#[test]
fn a_report_that_never_ends_stops_with_one_line() {
    let (a, mut b) = pipe();
    let clock = VirtualClock::new();
    let mut peer = clock.clone();
    let t = std::thread::spawn(move || {
        use embedded_io::Write;
        if b.write_all(b"\r\nprogramming ").is_err() {
            return;
        }
        // A sector mark every 10 ms, for ever (until the host lets go of the pipe).
        while b.write_all(b".").is_ok() {
            peer.sleep(Duration::from_millis(10));
        }
    });
    let mut link = Link::new(a, clock);
    let opts = super::upload::UploadOptions {
        program_timeout: Duration::from_secs(2),
        ..Default::default()
    };
    let t0 = link.clock.now();
    let err = super::upload::follow(
        &mut link,
        &opts,
        &mut super::NoProgress,
        &mut Vec::new(),
        &mut (0, 0),
        128,
        "ok",
    )
    .unwrap_err();
    let took = link.clock.now() - t0;
    drop(link);
    t.join().unwrap();
    let msg = err.to_string();
    assert!(matches!(err, super::upload::UploadError::NoEnd(_)), "{msg}");
    assert!(
        msg.contains("kept sending for 20s") && !msg.contains('\n'),
        "{msg}"
    );
    assert!(
        took >= Duration::from_secs(20) && took < Duration::from_secs(22),
        "{took:?}"
    );
}
