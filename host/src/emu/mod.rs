//! Emulated boards as a user meets them: the RC2014 machine `z80lm emu` serves on a
//! pseudo-terminal (with its flash state), and the Game Boy and ZX Spectrum sessions that type
//! lines on the machine's keyboard and show its screen as text.

pub mod gb;
pub mod msx;
pub mod rc2014;
pub mod zx48;

use std::io::Write;
use std::time::{Duration, Instant};

/// What the person at the keyboard did, as the Game Boy and ZX Spectrum sessions take it.
/// The sender going away means the input has ended: the session stops once the screen settles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// The line being typed so far (shown under the screen, not yet sent).
    Typing(Vec<u8>),
    /// A whole line: typed on the machine's keyboard, then sent (Start, ENTER).
    Line(Vec<u8>),
    /// Press the reset button: the machine starts again from power-on.
    Reset,
    /// Stop now.
    Quit,
    /// The input has ended (as the sender going away): stop once the screen settles.
    End,
}

/// The keys the sessions understand on a terminal, shown under the screen and in `--help`.
pub const KEYS: &str = "Enter sends the line, Ctrl-R resets, Ctrl-C or Ctrl-D quits";

/// A text screen drawn on a raw terminal, framed, with the footer under it, kept to the
/// machine's 50 frames per second unless `turbo` (the ZX Spectrum and MSX sessions).
pub(crate) struct TextView {
    pub tty: bool,
    shown: Vec<String>,
    /// What goes under the screen (status or the line being typed, then the keys).
    footer: String,
    clock: Instant,
    frame0: u64,
    turbo: bool,
}

impl TextView {
    pub fn new(tty: bool, turbo: bool) -> Self {
        TextView {
            tty,
            shown: Vec::new(),
            footer: String::new(),
            clock: Instant::now(),
            frame0: 0,
            turbo,
        }
    }

    /// Start pacing again from frame 0 (after a reset).
    pub fn restart(&mut self) {
        self.frame0 = 0;
        self.clock = Instant::now();
    }

    /// Sleep until the machine's `frames` (at 50 per second) are due, unless `turbo`.
    pub fn pace(&mut self, frames: u64) {
        if self.turbo {
            return;
        }
        let due = Duration::from_millis((frames - self.frame0) * 20);
        if let Some(wait) = due.checked_sub(self.clock.elapsed()) {
            std::thread::sleep(wait);
        }
    }

    /// Sets the footer (drawn with the next change of the screen, or now).
    pub fn status(&mut self, status: String, typing: &[u8]) {
        let footer = footer(&status, typing);
        if footer != self.footer {
            self.footer = footer;
            self.shown.clear();
        }
    }

    /// Redraw the screen's `text` rows on a terminal when they (or the footer) changed.
    pub fn show(&mut self, text: Vec<String>) -> Result<(), std::io::Error> {
        if !self.tty || text == self.shown {
            return Ok(());
        }
        // The ZX rows come trimmed (32 columns), the MSX rows whole (32 or 40).
        let w = text
            .iter()
            .map(|l| l.chars().count())
            .max()
            .unwrap_or(0)
            .max(32);
        let mut out = std::io::stdout().lock();
        write!(out, "\x1b[H\x1b[2J+{}+\r\n", "-".repeat(w))?;
        for l in &text {
            write!(out, "|{l:<w$}|\r\n")?;
        }
        write!(out, "+{}+\r\n{}", "-".repeat(w), self.footer)?;
        out.flush()?;
        self.shown = text;
        Ok(())
    }
}

/// The footer under the screen on a terminal: a status (e.g. "loading…") or what is being
/// typed, then the keys. Lines end in CR LF (the terminal is raw); each clears what it covers.
pub(crate) fn footer(status: &str, typing: &[u8]) -> String {
    let first = if typing.is_empty() {
        status.to_string()
    } else {
        format!("> {}_", String::from_utf8_lossy(typing))
    };
    format!("\x1b[K{first}\r\n\x1b[K{KEYS}\r\n\x1b[J")
}
