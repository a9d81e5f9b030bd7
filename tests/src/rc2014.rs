//! RC2014 boards in-process: a ROM image from the real build path (`z80lm::engine::targets::
//! rc2014`) on the emulated board, typed to over its UART at the board's line rate.

use boards::desc::BoardDesc;
use boards::machines::rc2014::Rc2014;
use z80lm::engine::targets::rc2014::{self, RomBuild};
use z80lm::engine::Layout;
use z80lm::model::Model;

/// Most emulated T-states one exchange may take (about 2 minutes at 7.3728 MHz).
const LIMIT: u64 = 900_000_000;

/// Builds `model` for `board` (panics on a build error).
pub fn build(model: &Model, board: &str, layout: &Layout) -> RomBuild {
    let desc = BoardDesc::builtin(board).expect("built-in board");
    rc2014::build(model, &desc, layout).unwrap_or_else(|e| panic!("{board}: {e}"))
}

/// A chat engine running on an emulated RC2014.
pub struct RomChat {
    pub m: Rc2014,
    /// Everything printed up to the first prompt.
    pub banner: Vec<u8>,
}

impl RomChat {
    /// Powers up `board` with `rom` (the `.bin`) and runs to the engine's first prompt.
    pub fn boot(board: &str, rom: &[u8]) -> RomChat {
        let mut c = RomChat::power_up(board, rom);
        c.banner = c.run_until(b"> ");
        c
    }

    /// Powers up `board` with `rom` without running it.
    pub fn power_up(board: &str, rom: &[u8]) -> RomChat {
        let desc = BoardDesc::builtin(board).expect("built-in board");
        let m = Rc2014::new(&desc, rom).unwrap_or_else(|e| panic!("{board}: {e}"));
        RomChat {
            m,
            banner: Vec::new(),
        }
    }

    /// Runs until the board has taken every byte sent and its output ends with `suffix`.
    pub fn run_until(&mut self, suffix: &[u8]) -> Vec<u8> {
        rc2014::run_until(&mut self.m, suffix, LIMIT).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Sends one line (CR-terminated) and returns the response line: the bytes after the
    /// echo's CR LF up to the CR LF before the next prompt.
    pub fn ask(&mut self, line: &[u8]) -> Vec<u8> {
        let mut k = line.to_vec();
        k.push(b'\r');
        self.m.send(&k);
        let out = self.run_until(b"\r\n> ");
        response(&out).to_vec()
    }
}

/// The response in one exchange's output: after the echo's CR LF, up to the next.
pub fn response(out: &[u8]) -> &[u8] {
    let (a, b) = z80lm::engine::response_span(out);
    &out[a..b]
}
