//! ZX Spectrum 48K harness: boot the real ROM (located by `boards::machines::zx48::locate_rom`,
//! never shipped), load a `.tap` through `LOAD ""` typed on the keyboard matrix, type lines and
//! read the screen back as text.

use boards::devices::tape::{parse_tap, TapeError};
use boards::devices::ula::Key;
use boards::machines::zx48::{locate_rom, Zx48};
use testsupport::{Missing, Vector};
use z80lm::model::{respond, Model};

/// Frames per key for our chat driver (it debounces for 5 ms and polls every 1 ms, but a
/// scroll keeps it away from the keyboard for about 2 frames).
pub const DRIVER_HOLD: u64 = 3;
pub const DRIVER_GAP: u64 = 1;

/// The 48K ROM file, as the emulator finds it.
pub fn rom() -> Result<std::path::PathBuf, Missing> {
    locate_rom().ok_or_else(|| {
        Missing("no ZX Spectrum 48K ROM (PyPI skoolkit ships one, or set Z80LM_ZX48_ROM)".into())
    })
}

/// A booted 48K at the copyright screen; missing without a ROM. A ROM that is there but cannot
/// be read or is refused fails the test.
pub fn boot() -> Result<Zx48, Missing> {
    let path = rom()?;
    let rom =
        std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut zx = Zx48::new(&rom).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    zx.run_frames(100);
    Ok(zx)
}

/// The two 128K ROMs, as the emulator finds them.
pub fn roms_128() -> Result<[std::path::PathBuf; 2], Missing> {
    boards::machines::zx48::locate_128_roms().ok_or_else(|| {
        Missing(
            "no ZX Spectrum 128K ROMs (PyPI skoolkit ships 128-0.rom and 128-1.rom, or set \
             Z80LM_ZX128_ROMS)"
                .into(),
        )
    })
}

/// A booted Spectrum 128K at its menu (Tape Loader highlighted); missing without the ROMs.
pub fn boot_128() -> Result<Zx48, Missing> {
    let [a, b] = roms_128()?;
    let read = |p: &std::path::Path| {
        std::fs::read(p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
    };
    let mut zx =
        Zx48::new_128(&read(&a), &read(&b)).unwrap_or_else(|e| panic!("{}: {e}", a.display()));
    zx.run_frames(150);
    Ok(zx)
}

/// On the 128K's menu: insert `tap` and choose "Tape Loader" (ENTER), which runs `LOAD ""`.
pub fn load_tap_128(zx: &mut Zx48, tap: &[u8]) -> Result<(), TapeError> {
    zx.insert_tape(parse_tap(tap)?);
    zx.tap_keys(&[Key::ENTER], 2, 6);
    Ok(())
}

/// Insert `tap` and type `LOAD ""` + ENTER in the ROM's K mode (J is LOAD, SYMBOL SHIFT + P
/// the quote), then run `frames` frames.
pub fn load_tap(zx: &mut Zx48, tap: &[u8], frames: u64) -> Result<(), TapeError> {
    zx.insert_tape(parse_tap(tap)?);
    zx.type_load_command();
    zx.run_frames(frames);
    Ok(())
}

/// The screen as one string, lines joined with `\n`, trailing empty lines removed.
pub fn screen(zx: &Zx48) -> String {
    zx.screen_text().join("\n").trim_end().to_string()
}

/// The console of a program using our chat driver, seen through watches on its `con_in`
/// and `con_out` entry points (see [`Zx48::watch`]).
pub struct Watched {
    pub con_in: u16,
    pub con_out: u16,
    /// Every byte passed to `con_out` so far (until cleared).
    pub out: Vec<u8>,
    /// `con_in` entries seen since the last key was pressed.
    in_calls: usize,
}

impl Watched {
    pub fn new(zx: &mut Zx48, con_in: u16, con_out: u16) -> Self {
        zx.watch(con_in);
        zx.watch(con_out);
        Watched {
            con_in,
            con_out,
            out: Vec::new(),
            in_calls: 0,
        }
    }

    fn drain(&mut self, zx: &mut Zx48) {
        for (pc, a) in zx.take_watch_log() {
            if pc == self.con_out {
                self.out.push(a);
                self.in_calls = 0;
            } else if pc == self.con_in {
                self.in_calls += 1;
            }
        }
    }

    /// Type one character: hold its keys until the driver has echoed it and come back for the
    /// next one (or 3 frames pass, e.g. for ENTER, which starts an answer, or a character past
    /// the 62-byte line limit), then release for 10 ms, twice the driver's debounce.
    /// Returns false for a character with no key.
    pub fn type_char(&mut self, zx: &mut Zx48, c: char) -> bool {
        let Some((shift, key)) = Key::for_char(c) else {
            return false;
        };
        self.drain(zx);
        self.in_calls = 0;
        if let Some(s) = shift {
            zx.bus.ula.press(s);
        }
        zx.bus.ula.press(key);
        let start = zx.cpu.cycles;
        let before = self.out.len();
        while !(self.out.len() > before && self.in_calls > 0)
            && zx.cpu.cycles - start < 3 * boards::machines::zx48::FRAME_T
        {
            zx.run_for(3_500);
            self.drain(zx);
        }
        zx.bus.ula.release_all();
        zx.run_for(35_000);
        self.drain(zx);
        true
    }

    /// Run until the output ends with `suffix` or `frames` frames pass; true if it did.
    pub fn run_until(&mut self, zx: &mut Zx48, suffix: &[u8], frames: u64) -> bool {
        let until = zx.frames + frames;
        while zx.frames < until {
            zx.run_frames(1);
            self.drain(zx);
            if self.out.ends_with(suffix) {
                return true;
            }
        }
        false
    }
}

/// The answer to the last query as shown on the screen: the lines between the query's echo
/// (which starts with "> " and takes `echo_rows` rows) and the new prompt (the last line, ">"),
/// joined. Trailing spaces of a response cannot be seen and are not part of the result.
pub fn screen_answer(zx: &Zx48, echo_rows: usize) -> Option<String> {
    let text = zx.screen_text();
    let prompt = text.iter().rposition(|l| !l.is_empty())?;
    if text[prompt] != ">" {
        return None;
    }
    let echo = text[..prompt].iter().rposition(|l| l.starts_with('>'))?;
    let first = echo + echo_rows;
    (first <= prompt).then(|| text[first..prompt].concat())
}

/// What [`chat_typed`] found: vectors answered exactly, vectors left out (not typable on a
/// Spectrum keyboard, or a `!` line that would end the chat), and the T-states and inference
/// steps of the answers.
pub struct Typed {
    pub checked: usize,
    pub skipped: usize,
    pub answer_t: u64,
    pub steps: u64,
}

/// Types every typable vector's prompt on the matrix of a Spectrum whose chat is at its "> "
/// prompt, and checks each answer three ways against the host reference: the reference itself
/// (`respond` equals the vector), the bytes the engine printed through `con` (echo, answer,
/// CR LF and the next prompt) and the answer as read off the screen.
pub fn chat_typed(zx: &mut Zx48, con: &mut Watched, model: &Model, vectors: &[Vector]) -> Typed {
    let mut t = Typed {
        checked: 0,
        skipped: 0,
        answer_t: 0,
        steps: 0,
    };
    for (prompt, want) in vectors {
        let Ok(prompt) = std::str::from_utf8(prompt) else {
            t.skipped += 1;
            continue;
        };
        let typable = prompt.chars().all(|c| Key::for_char(c).is_some());
        if !typable || prompt.starts_with('!') {
            t.skipped += 1;
            continue;
        }
        assert_eq!(
            respond(model, prompt.as_bytes()),
            *want,
            "reference: {prompt:?}"
        );
        let want = String::from_utf8(want.clone()).expect("ASCII answer");
        con.out.clear();
        for c in prompt.chars() {
            con.type_char(zx, c);
        }
        let t0 = zx.cpu.cycles;
        con.type_char(zx, '\n');
        assert!(
            con.run_until(zx, b"\r\n> ", 3000),
            "no answer to {prompt:?}"
        );
        t.answer_t += zx.cpu.cycles - t0;
        t.steps += want.len() as u64 + u64::from(want.len() < 50);
        let log = &con.out;
        let q = prompt.len().min(62);
        assert_eq!(&log[..q], &prompt.as_bytes()[..q], "echo of {prompt:?}");
        let answer = &log[q + 2..log.len() - 4];
        assert_eq!(
            String::from_utf8_lossy(answer),
            want,
            "engine output for {prompt:?}"
        );
        let echo_rows = (2 + q).div_ceil(32);
        let shown =
            screen_answer(zx, echo_rows).unwrap_or_else(|| panic!("{:#?}", zx.screen_text()));
        assert_eq!(shown, want.trim_end(), "screen for {prompt:?}");
        t.checked += 1;
    }
    t
}
