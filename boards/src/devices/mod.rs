//! Devices: one chip or function per file, wired into machines.

pub mod tape;
pub mod ula;
