//! The MSX sessions: an emulated MSX1 (`boards::machines::msx`) with the C-BIOS ROMs (from the
//! Debian package `cbios`, or `$Z80LM_CBIOS_DIR`) boots a cartridge, and lines are typed on its
//! keyboard matrix key by key, as a person types them. [`Session`] is what the tests and
//! `bench --target msx` drive (every byte the program prints through the BIOS's CHPUT, with the
//! T-state it was printed at); [`session`] is `z80lm emu --board msx`, the screen shown as text.

use std::path::{Path, PathBuf};
use std::sync::mpsc;

use boards::devices::msx_mapper::{MapperKind, MegaRom};
use boards::machines::msx::{locate_cbios, Key, Msx, MsxConfig, MsxError, CHPUT};

use super::{Input, TextView};

/// Most T-states the boot (C-BIOS logo included) may take before the first prompt: 10 s.
pub const BOOT_LIMIT: u64 = 36_000_000;
/// Most T-states one answer may take: about 5 minutes.
pub const ANSWER_LIMIT: u64 = 1_000_000_000;
/// Most T-states the BIOS may take to read one key: 300 frames. C-BIOS scans the keyboard on
/// every third interrupt once its scan counter (SCNCNT, F3F6h, which it does not set at boot)
/// has counted down from the RAM's power-on value: from 0, the first scan comes 256
/// interrupts after power-on, about 5 s.
const KEY_LIMIT: u64 = 300 * boards::machines::msx::FRAME_T_50;

/// Why an MSX session could not run.
#[derive(Debug, thiserror::Error)]
pub enum EmuError {
    #[error(
        "no C-BIOS: install the Debian package cbios (apt-get install cbios), or set Z80LM_CBIOS_DIR to a directory with cbios_main_msx1.rom and cbios_logo_msx1.rom"
    )]
    NoBios,
    #[error("cannot read {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Machine(#[from] MsxError),
    #[error("{}: not an MSX cartridge (no \"AB\" at its start)", .0.display())]
    NotCartridge(PathBuf),
    #[error("{what} did not come within {limit} T-states; the screen shows:\n{screen}")]
    Timeout {
        what: String,
        limit: u64,
        screen: String,
    },
    #[error("{0:?} has no key on the MSX keyboard")]
    NoKey(char),
    #[error(transparent)]
    Screen(#[from] std::io::Error),
}

fn read(path: &Path) -> Result<Vec<u8>, EmuError> {
    std::fs::read(path).map_err(|source| EmuError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// Powers on an MSX1 with C-BIOS and `cart` (an ASCII8 megaROM) in slot 1.
pub fn power_on(cart: &[u8], cfg: MsxConfig) -> Result<Msx, EmuError> {
    let (main, logo) = locate_cbios().ok_or(EmuError::NoBios)?;
    let (main, logo) = (read(&main)?, read(&logo)?);
    let cart = MegaRom::new(MapperKind::Ascii8, cart.to_vec());
    let mut msx = Msx::new(&main, Some(&logo), Some(cart), cfg)?;
    msx.watch(CHPUT);
    Ok(msx)
}

/// What the program printed in one exchange, with the T-state of each byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub output: Vec<u8>,
    pub times: Vec<u64>,
    /// The screen when the program waited for the next key.
    pub screen: Vec<String>,
    /// T-states at which the PC reached the other addresses watched ([`Msx::watch`]).
    pub hooks: Vec<u64>,
}

impl Reply {
    /// The response line: after the echoed line's CR LF, up to the CR LF that ends it.
    pub fn response(&self) -> &[u8] {
        let (a, b) = crate::engine::response_span(&self.output);
        &self.output[a..b]
    }

    /// T-states between consecutive response bytes.
    pub fn intervals(&self) -> Vec<u64> {
        crate::engine::intervals(&self.output, &self.times)
    }
}

/// An emulated MSX1 running a cartridge, driven line by line.
pub struct Session {
    pub msx: Msx,
}

impl Session {
    /// Boots `cart` and runs until the program waits for a key (its first prompt).
    pub fn boot(cart: &[u8], cfg: MsxConfig) -> Result<(Session, Reply), EmuError> {
        let mut s = Session {
            msx: power_on(cart, cfg)?,
        };
        let r = s.settle("the first prompt", BOOT_LIMIT)?;
        Ok((s, r))
    }

    /// Runs until the program calls CHGET with no key waiting.
    fn settle(&mut self, what: &str, limit: u64) -> Result<Reply, EmuError> {
        if !self.msx.run_until(limit, Msx::calls_chget_idle) {
            return Err(EmuError::Timeout {
                what: what.into(),
                limit,
                screen: self.msx.screen_text().join("\n"),
            });
        }
        let log = self.msx.take_watch_log();
        let (out, hooks): (Vec<(u16, u8, u64)>, Vec<_>) = log.iter().partition(|w| w.0 == CHPUT);
        Ok(Reply {
            output: out.iter().map(|w| w.1).collect(),
            times: out.iter().map(|w| w.2).collect(),
            screen: self.msx.screen_text(),
            hooks: hooks.iter().map(|w| w.2).collect(),
        })
    }

    /// Types `line` key by key, then RETURN, and runs until the program waits for a key again.
    pub fn ask(&mut self, line: &[u8]) -> Result<Reply, EmuError> {
        self.msx.take_watch_log();
        for &b in line {
            let c = char::from(b);
            let (shift, k) = Key::for_char(c).ok_or(EmuError::NoKey(c))?;
            if !self.msx.type_key(shift, k, KEY_LIMIT) {
                return Err(EmuError::Timeout {
                    what: format!("the BIOS taking the key {c:?}"),
                    limit: KEY_LIMIT,
                    screen: self.msx.screen_text().join("\n"),
                });
            }
        }
        // RETURN is released as soon as the BIOS has it: the answer starts at once.
        let put = self.msx.ram_word(boards::machines::msx::PUTPNT);
        self.msx.press(Key::RETURN);
        self.msx.run_until(KEY_LIMIT, |m| {
            m.ram_word(boards::machines::msx::PUTPNT) != put
        });
        self.msx.release_all();
        let what = format!("the answer to {:?}", String::from_utf8_lossy(line));
        self.settle(&what, ANSWER_LIMIT)
    }
}

/// True if every byte of `line` has a key on the MSX's international keyboard.
pub fn typable(line: &[u8]) -> bool {
    line.iter()
        .all(|&b| b.is_ascii() && Key::for_char(char::from(b)).is_some())
}

/// How `z80lm emu --board msx` runs.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// As fast as possible instead of at 50 frames a second.
    pub turbo: bool,
    /// RAM in KB (16, 32 or 64; default 64).
    pub ram_kb: Option<u32>,
}

/// The screen as text, trailing blanks dropped.
pub fn screen(msx: &Msx) -> String {
    let lines: Vec<String> = msx
        .screen_text()
        .iter()
        .map(|l| l.trim_end().to_string())
        .collect();
    let mut s = lines.join("\n").trim_end().to_string();
    s.push('\n');
    s
}

/// Boots `cart` and follows `input`: each line typed on the keyboard then RETURN, Reset
/// powers on again, Quit (or the end of the input, once the screen settles) stops. `tty`
/// redraws the screen on stdout as it changes.
pub fn session(
    cart: &Path,
    opts: &Options,
    input: mpsc::Receiver<Input>,
    tty: bool,
) -> Result<Msx, EmuError> {
    let rom = read(cart)?;
    if rom.get(..2) != Some(b"AB") {
        return Err(EmuError::NotCartridge(cart.to_path_buf()));
    }
    let cfg = MsxConfig {
        ram_kb: opts.ram_kb.unwrap_or(64),
        ..MsxConfig::default()
    };
    let mut view = TextView::new(tty, opts.turbo);
    let mut msx = power_on(&rom, cfg)?;
    let mut typing = Vec::new();
    view.status(String::new(), &typing);
    loop {
        match input.try_recv() {
            Ok(Input::Line(line)) => {
                typing.clear();
                view.status(String::new(), &[]);
                // Wait for the program to ask for a key, then type.
                msx.run_until(ANSWER_LIMIT, Msx::calls_chget_idle);
                for c in String::from_utf8_lossy(&line)
                    .chars()
                    .filter(|&c| c != '\r')
                    .chain(['\r'])
                {
                    match Key::for_char(c) {
                        Some((shift, k)) => {
                            msx.type_key(shift, k, KEY_LIMIT);
                        }
                        None => eprintln!("note: {c:?} has no key on the MSX keyboard; left out"),
                    }
                    view.pace(msx.frames);
                    view.show(msx.screen_text())?;
                }
            }
            Ok(Input::Typing(t)) => {
                view.status(String::new(), &t);
                typing = t;
            }
            Ok(Input::Reset) => {
                msx = power_on(&rom, cfg)?;
                view.restart();
            }
            Ok(Input::Quit) => return Ok(msx),
            Ok(Input::End) | Err(mpsc::TryRecvError::Disconnected) => {
                // The input ended: finish what was asked, then stop.
                msx.run_until(ANSWER_LIMIT, Msx::calls_chget_idle);
                view.show(msx.screen_text())?;
                return Ok(msx);
            }
            Err(mpsc::TryRecvError::Empty) => {
                msx.run_frames(1);
                view.pace(msx.frames);
                view.show(msx.screen_text())?;
            }
        }
    }
}
