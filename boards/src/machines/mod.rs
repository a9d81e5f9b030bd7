//! Machines: devices wired from a board description.
pub mod gameboy;
