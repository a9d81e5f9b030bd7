//! Devices: one chip or function per file, wired into machines.

pub mod gb_serial;
pub mod gb_timer;
pub mod joypad;
pub mod mbc5;
pub mod ppu;
pub mod tape;
pub mod ula;
