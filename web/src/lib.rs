//! z80lm in the browser: the build path (model → layout plan → generated assembly → image →
//! container, the same library calls as `z80lm build`) and the emulated boards, compiled to
//! WebAssembly for the static page beside this crate (`web/index.html`, `web/app.js`).
//!
//! The page talks to it through a small byte-buffer ABI ([`abi`]): it writes a file into the
//! inbox ([`abi::inbox`]), calls a function, and reads the result from the outbox
//! ([`abi::out_ptr`], [`abi::out_len`]). Everything behind it is safe Rust in [`image`] and
//! [`machine`]; [`App`] holds the state between calls.

pub mod image;
pub mod machine;

use image::{Built, Target};
use machine::{Machine, Status};
use z80lm::model::Model;

/// The page's state between calls.
#[derive(Default)]
pub struct App {
    model: Option<Model>,
    rom48: Option<Vec<u8>>,
    /// C-BIOS for the MSX: the main ROM (32K) and the logo ROM (16K).
    cbios: Option<(Vec<u8>, Vec<u8>)>,
    built: Option<Built>,
    machine: Option<Machine>,
    /// Bytes from the page (a model, a ROM).
    pub inbox: Vec<u8>,
    /// Bytes for the page (an image, a report, an error message, terminal output).
    pub out: Vec<u8>,
}

impl App {
    /// Takes the inbox as the model file (`.npz`); its warning, if any, goes to the outbox.
    pub fn set_model(&mut self) -> Result<(), String> {
        let m = Model::from_npz(&std::mem::take(&mut self.inbox))
            .map_err(|e| format!("invalid model: {}", image::chain(&e)))?;
        self.out = m.warning.clone().unwrap_or_default().into_bytes();
        self.model = Some(m);
        Ok(())
    }

    /// Takes the inbox as the ZX Spectrum 48K ROM.
    pub fn set_rom48(&mut self) -> Result<(), String> {
        let rom = std::mem::take(&mut self.inbox);
        if rom.len() != 0x4000 {
            return Err(format!(
                "a ZX Spectrum 48K ROM is 16384 bytes; this file has {}",
                rom.len()
            ));
        }
        self.rom48 = Some(rom);
        Ok(())
    }

    /// Takes the inbox as C-BIOS for the MSX: its main ROM (32768 bytes) followed by its logo
    /// ROM (16384 bytes).
    pub fn set_cbios(&mut self) -> Result<(), String> {
        let mut main = std::mem::take(&mut self.inbox);
        if main.len() != 0xC000 {
            return Err(format!(
                "C-BIOS is its main ROM (32768 bytes) and logo ROM (16384 bytes); this is {} bytes",
                main.len()
            ));
        }
        let logo = main.split_off(0x8000);
        self.cbios = Some((main, logo));
        Ok(())
    }

    /// Builds the model for `target`; the outbox gets the file `z80lm build` writes.
    pub fn build(&mut self, target: Target) -> Result<(), String> {
        let model = self.model.as_ref().ok_or("no model loaded")?;
        self.machine = None;
        self.built = None;
        let built = image::build(model, target)?;
        self.out = built.file.clone();
        self.built = Some(built);
        Ok(())
    }

    /// Powers on the target's board with the last build.
    pub fn boot(&mut self) -> Result<(), String> {
        let built = self.built.as_ref().ok_or("nothing built yet")?;
        let cbios = self
            .cbios
            .as_ref()
            .map(|(m, l)| (m.as_slice(), l.as_slice()));
        self.machine = Some(Machine::boot(built, self.rom48.as_deref(), cbios)?);
        Ok(())
    }

    /// The running board.
    pub fn machine(&mut self) -> Result<&mut Machine, String> {
        self.machine
            .as_mut()
            .ok_or_else(|| "no board running".into())
    }

    /// The last build.
    pub fn built(&self) -> Option<&Built> {
        self.built.as_ref()
    }
}

/// The exported functions. Raw exports need `#[no_mangle]`, which the workspace's
/// `unsafe_code = "deny"` counts as unsafe: allowed here only, no `unsafe` block is used (the
/// page copies bytes into the inbox's memory through the pointer [`inbox`] returns, and reads
/// the outbox the same way).
#[allow(unsafe_code)]
pub mod abi {
    use std::cell::RefCell;

    use boards::devices::joypad::Button;

    use super::{App, Status, Target};

    thread_local! {
        static APP: RefCell<App> = RefCell::new(App::default());
    }

    fn with<T>(f: impl FnOnce(&mut App) -> T) -> T {
        APP.with(|a| f(&mut a.borrow_mut()))
    }

    /// 0 on success; 1 with the message in the outbox.
    fn status(app: &mut App, r: Result<(), String>) -> i32 {
        match r {
            Ok(()) => 0,
            Err(e) => {
                app.out = e.into_bytes();
                1
            }
        }
    }

    /// Makes the inbox `len` bytes long and returns where they start, for the page to fill.
    #[no_mangle]
    pub extern "C" fn inbox(len: usize) -> *mut u8 {
        with(|a| {
            a.inbox.clear();
            a.inbox.resize(len, 0);
            a.inbox.as_mut_ptr()
        })
    }

    /// Where the outbox starts.
    #[no_mangle]
    pub extern "C" fn out_ptr() -> *const u8 {
        with(|a| a.out.as_ptr())
    }

    /// The outbox's length.
    #[no_mangle]
    pub extern "C" fn out_len() -> usize {
        with(|a| a.out.len())
    }

    /// The inbox is a model file (.npz). 0, or 1 with the error in the outbox; on success the
    /// outbox holds the model's warning (often empty).
    #[no_mangle]
    pub extern "C" fn set_model() -> i32 {
        with(|a| {
            let r = a.set_model();
            status(a, r)
        })
    }

    /// The inbox is the ZX Spectrum 48K ROM.
    #[no_mangle]
    pub extern "C" fn set_rom48() -> i32 {
        with(|a| {
            let r = a.set_rom48();
            status(a, r)
        })
    }

    /// The inbox is C-BIOS for the MSX (main ROM then logo ROM).
    #[no_mangle]
    pub extern "C" fn set_cbios() -> i32 {
        with(|a| {
            let r = a.set_cbios();
            status(a, r)
        })
    }

    /// Builds for target `t` (see [`Target::from_code`]): 0 with the file in the outbox, or 1
    /// with the error.
    #[no_mangle]
    pub extern "C" fn build(t: u32) -> i32 {
        with(|a| {
            let r = Target::from_code(t)
                .ok_or_else(|| format!("no target numbered {t}"))
                .and_then(|t| a.build(t));
            status(a, r)
        })
    }

    /// The last build's report (plan and memory map) into the outbox.
    #[no_mangle]
    pub extern "C" fn report() {
        with(|a| {
            a.out = a
                .built()
                .map(|b| b.report.clone())
                .unwrap_or_default()
                .into_bytes()
        })
    }

    /// The last build's file name (CHAT.COM, ...) into the outbox.
    #[no_mangle]
    pub extern "C" fn file_name() {
        with(|a| a.out = a.built().map_or("", |b| b.file_name).as_bytes().to_vec())
    }

    /// The last build's file into the outbox.
    #[no_mangle]
    pub extern "C" fn file() {
        with(|a| a.out = a.built().map(|b| b.file.clone()).unwrap_or_default())
    }

    /// Powers on the board with the last build: 0, or 1 with the error.
    #[no_mangle]
    pub extern "C" fn boot() -> i32 {
        with(|a| {
            let r = a.boot();
            status(a, r)
        })
    }

    /// Runs about `tstates` T-states: 0 ran, 1 the program waits for a key, 2 it ended, 3 the
    /// board stopped (the error in the outbox), 4 no board.
    #[no_mangle]
    pub extern "C" fn run(tstates: f64) -> i32 {
        with(|a| {
            let r = a.machine().and_then(|m| m.run(tstates.max(0.0) as u64));
            match r {
                Ok(s) => s as i32,
                Err(e) => {
                    let stopped = a.machine.is_some();
                    a.machine = None;
                    a.out = e.into_bytes();
                    if stopped {
                        3
                    } else {
                        4
                    }
                }
            }
        })
    }

    /// Types byte `b` on the board (see [`super::Machine::key`]): 1 taken, 0 it has no key.
    #[no_mangle]
    pub extern "C" fn key(b: u32) -> i32 {
        with(|a| {
            a.machine
                .as_mut()
                .is_some_and(|m| u8::try_from(b).is_ok_and(|b| m.key(b))) as i32
        })
    }

    /// Game Boy joypad: button `b` (0 Right, 1 Left, 2 Up, 3 Down, 4 A, 5 B, 6 Select,
    /// 7 Start) down (1) or up (0).
    #[no_mangle]
    pub extern "C" fn button(b: u32, down: u32) {
        let b = match b {
            0 => Button::Right,
            1 => Button::Left,
            2 => Button::Up,
            3 => Button::Down,
            4 => Button::A,
            5 => Button::B,
            6 => Button::Select,
            7 => Button::Start,
            _ => return,
        };
        with(|a| {
            if let Some(m) = a.machine.as_mut() {
                m.button(b, down != 0);
            }
        })
    }

    /// Terminal output since the last call into the outbox.
    #[no_mangle]
    pub extern "C" fn take_output() {
        with(|a| {
            a.out = a
                .machine
                .as_mut()
                .map(|m| m.take_output())
                .unwrap_or_default()
        })
    }

    /// The screen as RGBA into the outbox; returns width << 16 | height (0 for a terminal).
    #[no_mangle]
    pub extern "C" fn screen() -> u32 {
        with(|a| {
            let Some(m) = a.machine.as_mut() else {
                return 0;
            };
            let (px, w, h) = m.screen();
            let px = px.to_vec();
            a.out = px;
            (w as u32) << 16 | h as u32
        })
    }

    /// The screen as text into the outbox.
    #[no_mangle]
    pub extern "C" fn screen_text() {
        with(|a| {
            a.out = a
                .machine
                .as_ref()
                .map(|m| m.screen_text())
                .unwrap_or_default()
                .into_bytes()
        })
    }

    /// Figures for the page: 0 T-states since power-on, 1 the last character's T-states, 2
    /// their sum and 3 their count over this answer, 4 the board's clock in Hz, 5 keys
    /// queued and not yet taken, 6 whether typed bytes can still be sent (Game Boy: the
    /// cursor was not moved by hand).
    #[no_mangle]
    pub extern "C" fn stat(i: u32) -> f64 {
        with(|a| {
            let Some(m) = a.machine.as_mut() else {
                return 0.0;
            };
            match i {
                0 => m.cycles() as f64,
                1 => m.steps.last as f64,
                2 => m.steps.sum as f64,
                3 => m.steps.count as f64,
                4 => m.target.clock_hz(),
                5 => m.pending_keys() as f64,
                6 => f64::from(u8::from(m.can_type())),
                _ => 0.0,
            }
        })
    }

    // Keep the status numbers in step with the documentation above.
    const _: () = assert!(Status::Running as i32 == 0 && Status::Ended as i32 == 2);
}
