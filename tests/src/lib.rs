//! Hardware-in-the-loop harness: build with the real path, boot a machine, script the console, compare.

pub mod zx;
