//! Devices: one chip or function per file, wired into machines.

pub mod acia;
pub mod gb_serial;
pub mod gb_timer;
pub mod joypad;
pub mod mbc5;
pub mod msx_mapper;
pub mod ppu;
pub mod rom_banks;
pub mod serial_line;
pub mod sio;
pub mod sst39sf040;
pub mod tape;
pub mod tms9918;
pub mod tzx;
pub mod ula;
