//! Upload throughput into the RC2014 512K loader, measured in emulated time: our XMODEM sender
//! drives the emulated board directly (the link's clock *is* the board's T-state counter, and
//! waiting on the link runs the board), so the figure is deterministic and independent of host
//! load. Reported as payload bytes per second and as a fraction of the line rate (115200 baud =
//! 11520 bytes/s with 8N1). Host reaction time is the link's poll interval.
//!
//! Run: `cargo bench -p hil --bench rc2014_upload`.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use std::time::Duration;

use boards::desc::BoardDesc;
use boards::machines::rc2014::Rc2014;
use embedded_io::{ErrorType, Read, ReadReady, Write};
use z80lm::flash::upload::{upload, UploadOptions};
use z80lm::flash::xmodem::{BlockSize, Config};
use z80lm::flash::{Clock, Link, NoProgress};
use z80rom::loader;

type Board = Rc<RefCell<Rc2014>>;

struct Port(Board, VecDeque<u8>);

#[derive(Debug)]
struct Never;

impl embedded_io::Error for Never {
    fn kind(&self) -> embedded_io::ErrorKind {
        embedded_io::ErrorKind::Other
    }
}

impl ErrorType for Port {
    type Error = Never;
}

impl ReadReady for Port {
    fn read_ready(&mut self) -> Result<bool, Never> {
        let out = self.0.borrow_mut().take_output();
        self.1.extend(out);
        Ok(!self.1.is_empty())
    }
}

impl Read for Port {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Never> {
        let n = buf.len().min(self.1.len());
        for b in buf.iter_mut().take(n) {
            *b = self.1.pop_front().unwrap_or(0);
        }
        Ok(n)
    }
}

impl Write for Port {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Never> {
        self.0.borrow_mut().send(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> Result<(), Never> {
        Ok(())
    }
}

struct EmuClock(Board);

impl Clock for EmuClock {
    fn now(&self) -> Duration {
        let m = self.0.borrow();
        Duration::from_nanos((m.cpu.cycles as u128 * 1_000_000_000 / m.clock_hz as u128) as u64)
    }
    fn sleep(&mut self, d: Duration) {
        let mut m = self.0.borrow_mut();
        let cycles = (d.as_nanos() * m.clock_hz as u128 / 1_000_000_000) as u64;
        m.run(cycles.max(1)).expect("board stopped");
    }
}

fn measure(image: &[u8], block: BlockSize, poll: Duration) -> (f64, f64) {
    let desc = BoardDesc::builtin("rc2014-512k").unwrap();
    let flash = loader::flash_image(&loader::build().unwrap(), None);
    let board: Board = Rc::new(RefCell::new(Rc2014::new(&desc, &flash).unwrap()));
    let mut link = Link::new(
        Port(board.clone(), VecDeque::new()),
        EmuClock(board.clone()),
    );
    link.poll = poll;
    let opts = UploadOptions {
        reset: true,
        xmodem: Config {
            block,
            ..Config::default()
        },
        ..UploadOptions::default()
    };
    let r = upload(&mut link, image, &opts, &mut NoProgress).unwrap_or_else(|e| panic!("{e}"));
    let rate = (image.len() + loader::HEADER_LEN) as f64 / r.transfer_time.as_secs_f64();
    let line = desc.console.baud.unwrap() as f64 / 10.0;
    (rate, rate / line)
}

fn main() {
    let image: Vec<u8> = (0..100_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    println!("rc2014-512k loader upload, 100000-byte image, 115200 baud, emulated time");
    for (block, name) in [(BlockSize::B1K, "1K"), (BlockSize::B128, "128")] {
        for poll in [
            Duration::from_micros(100),
            Duration::from_millis(1),
            Duration::from_millis(4),
        ] {
            let (rate, frac) = measure(&image, block, poll);
            println!("  blocks {name:>4}, host reacts within {:>5} us: {rate:7.0} bytes/s = {:5.1}% of the line", poll.as_micros(), frac * 100.0);
        }
    }
}
