//! Emulated boards as a user meets them: the RC2014 machine `z80lm emu` serves on a
//! pseudo-terminal (with its flash state), and the Game Boy and ZX Spectrum sessions that type
//! lines on the machine's keyboard and show its screen as text.

pub mod gb;
pub mod rc2014;
pub mod zx48;
