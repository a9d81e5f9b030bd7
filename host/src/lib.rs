//! z80lm: the model core, training, the build path for each target, flashing and the terminal.
//! The binary in `main.rs` only parses arguments and dispatches to `cli`.

pub mod build;
pub mod cli;
pub mod data;
pub mod fit;
pub mod flash;
pub mod model;
pub mod term;
pub mod train;
