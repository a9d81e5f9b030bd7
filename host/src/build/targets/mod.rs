//! Container writers per target: a built image becomes what the board loads.

pub mod gameboy;
