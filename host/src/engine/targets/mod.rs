//! Targets: a board's memory budget, what wraps the engine in assembly, and the container
//! the image ships in.

pub mod banked;
pub mod cpm;
pub mod gameboy;
pub mod msx;
pub mod rc2014;
pub mod zx128;
pub mod zx48;
