//! Emulated boards as a user meets them: the RC2014 machine `z80lm emu` serves on a
//! pseudo-terminal (with its flash state), and the Game Boy and ZX Spectrum sessions that type
//! lines on the machine's keyboard and show its screen as text.

pub mod gb;
pub mod msx;
pub mod rc2014;
pub mod zx48;

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
