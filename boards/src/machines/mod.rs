//! Machines: devices wired from a board description.
pub mod cpm;
pub mod gameboy;
pub mod msx;
pub mod rc2014;
pub mod zx48;
pub mod zx_snapshot;
