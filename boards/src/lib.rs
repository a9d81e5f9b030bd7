//! Board descriptions as data, and the emulated machines that stand in for them.

pub mod console;
pub mod cpu;
pub mod desc;
pub mod devices;
pub mod machines;
