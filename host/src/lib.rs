//! z80lm: the model core, training, the engine generator for each target, benchmarks and
//! emulator sessions, flashing and the terminal. The binary in `main.rs` only parses arguments
//! and dispatches to `cli`, which calls this library and prints.
//!
//! * [`model`]: the model file, encoders and the exact reference engine (the spec).
//! * [`train`], [`data`]: training and our datasets.
//! * [`engine`]: model → layout plan → generated assembly → image → container, per target.
//! * [`cpmdisk`], [`download`]: CHAT.COM onto CP/M disk images and into DOWNLOAD.COM packages.
//! * [`fit`]: which targets a model fits.
//! * [`bench`]: T-states per generated character on emulated machines.
//! * [`emu`]: emulated boards as `z80lm emu` runs them.
//! * [`flash`]: serial links, XMODEM, the loader protocol, Intel HEX upload.
//! * [`term`]: the streaming chat terminal.
//! * [`files`]: writing output files whole.
//! * [`cli`]: the command line.
//!
//! Built for WebAssembly (the browser page in `web/`), the library has no [`cli`], [`emu`]
//! (terminal sessions), [`flash`] (serial ports) or [`term`]: the page drives the emulated
//! boards itself.

pub mod bench;
#[cfg(not(target_family = "wasm"))]
pub mod cli;
pub mod cpmdisk;
pub mod data;
pub mod download;
#[cfg(not(target_family = "wasm"))]
pub mod emu;
pub mod engine;
pub mod files;
pub mod fit;
#[cfg(not(target_family = "wasm"))]
pub mod flash;
pub mod model;
#[cfg(not(target_family = "wasm"))]
pub mod term;
pub mod train;
