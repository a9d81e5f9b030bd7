//! CPU cores. Each sees only a timed bus.

pub mod sm83;
pub mod z80;
