//! Board descriptions: what a board is, as data.
//!
//! One TOML file per board in `boards/data/` (embedded at build time), parsed into [`BoardDesc`]
//! with unknown keys rejected, then checked by [`BoardDesc::validate`] for facts that span fields
//! (regions fit the 64K map and do not overlap, windows point at real banking registers, console
//! ports do not collide with paging ports, the flash chip matches the ROM pages). Every fact keeps
//! the document it came from in `sources`. The layout planner reads memory budgets from here; the
//! emulated machines wire their devices from here.

use serde::Deserialize;
use thiserror::Error;

/// Built-in board files, embedded so the binary carries them: (name, TOML text).
pub const BUILTIN: &[(&str, &str)] = &[
    ("cpm", include_str!("../data/cpm.toml")),
    (
        "rc2014-classic",
        include_str!("../data/rc2014-classic.toml"),
    ),
    ("rc2014-512k", include_str!("../data/rc2014-512k.toml")),
    ("gb-mbc5", include_str!("../data/gb-mbc5.toml")),
    ("zx48", include_str!("../data/zx48.toml")),
    ("zx128", include_str!("../data/zx128.toml")),
    ("msx", include_str!("../data/msx.toml")),
];

/// Errors from loading or checking a board description.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum DescError {
    #[error("unknown board `{name}` (known boards: {known})")]
    Unknown { name: String, known: String },
    #[error("board `{board}`: {message}")]
    Parse { board: String, message: String },
    #[error("board `{board}`: {problem}")]
    Invalid { board: String, problem: String },
}

/// Instruction set of the board's CPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Cpu {
    Z80,
    Sm83,
}

/// What a region of the CPU address space holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RegionKind {
    /// Read-only memory our image provides (ROM, flash, cartridge ROM).
    Rom,
    /// Read/write memory our image may use.
    Ram,
    /// Belongs to the system (firmware ROM, OS, screen, I/O registers): not ours to use.
    Reserved,
}

/// A contiguous range of the 16-bit CPU address space.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Region {
    pub name: String,
    pub kind: RegionKind,
    pub start: u32,
    pub size: u32,
    /// Index into `banking.windows` when this range is a switchable window.
    #[serde(default)]
    pub window: Option<usize>,
    #[serde(default)]
    pub note: Option<String>,
}

impl Region {
    /// One past the last address.
    pub fn end(&self) -> u32 {
        self.start + self.size
    }
}

/// The banking hardware.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BankScheme {
    /// RC2014 512K ROM + 512K RAM module: four 16K windows, each with a 6-bit page register
    /// (pages 0-31 flash, 32-63 RAM); paging off at reset (window N shows flash page N).
    Rc2014_512k,
    /// Game Boy MBC5 cartridge: 16K ROM window at 0x4000 (9-bit bank), 8K RAM window at 0xA000.
    Mbc5,
    /// ZX Spectrum 128K / +2: port 0x7FFD pages a 16K RAM bank (0-7) at 0xC000 and one of the
    /// two ROMs at 0x0000.
    Zx128,
    /// MSX ASCII8 megaROM cartridge: four 8K windows 0x4000-0xBFFF, each with a bank register
    /// written at 0x6000, 0x6800, 0x7000, 0x7800.
    Ascii8,
}

/// One switchable window and how it is selected.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Window {
    pub start: u32,
    pub size: u32,
    /// Which pages may appear here: "rom", "ram" or "any".
    pub source: WindowSource,
    /// I/O port of the page register (port-mapped banking).
    #[serde(default)]
    pub port: Option<u16>,
    /// Memory-mapped register range(s) that select the page, as written by the CPU.
    #[serde(default)]
    pub select: Vec<u32>,
    /// Page shown after reset.
    #[serde(default)]
    pub reset_page: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WindowSource {
    Rom,
    Ram,
    Any,
}

/// Banked memory behind the 64K address space.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Banking {
    pub scheme: BankScheme,
    /// Size of a ROM page in bytes.
    pub rom_page_size: u32,
    pub rom_pages: u32,
    /// Size of a RAM page in bytes.
    pub ram_page_size: u32,
    pub ram_pages: u32,
    /// Page number of the first RAM page as written to a page register (RC2014: 32).
    #[serde(default)]
    pub first_ram_page: u32,
    /// Port whose bit 0 turns paging on (RC2014 512K).
    #[serde(default)]
    pub enable_port: Option<u16>,
    pub windows: Vec<Window>,
}

/// The character device the chat runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConsoleDevice {
    /// CP/M BDOS calls 1/2/6 through `CALL 5`.
    Bdos,
    /// Motorola MC68B50 ACIA.
    Acia,
    /// Zilog Z80 SIO/2, channel A.
    Sio,
    /// Game Boy LCD (text) and joypad.
    GbLcd,
    /// ZX Spectrum ROM print routine (RST 0x10) and the ULA keyboard.
    ZxRst16,
    /// MSX BIOS console calls (CHGET, CHPUT) on the VDP's text screen and the PPI keyboard.
    MsxBios,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsolePorts {
    #[serde(default)]
    pub control: Option<u16>,
    #[serde(default)]
    pub data: Option<u16>,
    #[serde(default)]
    pub keyboard: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Console {
    pub device: ConsoleDevice,
    /// Line rate for serial devices.
    #[serde(default)]
    pub baud: Option<u32>,
    /// UART clock in Hz and divider (baud = clock / divider).
    #[serde(default)]
    pub uart_clock_hz: Option<u32>,
    #[serde(default)]
    pub divider: Option<u32>,
    #[serde(default)]
    pub ports: Option<ConsolePorts>,
}

/// An in-system programmable flash chip and how our loader uses it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Flash {
    /// Chip name, e.g. "sst39sf040".
    pub chip: String,
    pub size: u32,
    pub sector_size: u32,
    /// JEDEC manufacturer and device ID as read in software-ID mode.
    pub manufacturer_id: u8,
    pub device_id: u8,
    /// Flash offset and length of the resident loader; these sectors are never erased.
    pub loader_offset: u32,
    pub loader_size: u32,
    /// Flash offset where the application image starts.
    pub app_offset: u32,
    /// Flash offset of the sector holding the image header (written last, erased first).
    pub header_offset: u32,
}

/// The container a program for this board is delivered in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageFormat {
    Com,
    Rom,
    Gb,
    Tap,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageSpec {
    pub format: ImageFormat,
    /// Address the program is loaded at / starts from.
    pub origin: u32,
    /// Address execution starts at.
    pub entry: u32,
}

/// Where a fact comes from.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// The field(s) this document backs, e.g. "console.ports".
    pub fact: String,
    pub document: String,
    #[serde(default)]
    pub url: Option<String>,
}

/// One board, as read from `boards/data/NAME.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoardDesc {
    pub name: String,
    pub title: String,
    pub cpu: Cpu,
    pub clock_hz: u32,
    pub memory: Vec<Region>,
    #[serde(default)]
    pub banking: Option<Banking>,
    pub console: Console,
    #[serde(default)]
    pub flash: Option<Flash>,
    pub image: ImageSpec,
    pub sources: Vec<Source>,
}

impl BoardDesc {
    /// Names of the built-in boards.
    pub fn builtin_names() -> impl Iterator<Item = &'static str> {
        BUILTIN.iter().map(|(n, _)| *n)
    }

    /// Load and validate a built-in board by name.
    pub fn builtin(name: &str) -> Result<BoardDesc, DescError> {
        let text = BUILTIN
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| *t)
            .ok_or_else(|| DescError::Unknown {
                name: name.to_string(),
                known: Self::builtin_names().collect::<Vec<_>>().join(", "),
            })?;
        let desc = Self::from_toml(name, text)?;
        if desc.name != name {
            return Err(DescError::Invalid {
                board: name.into(),
                problem: format!("file is named `{name}` but declares name = `{}`", desc.name),
            });
        }
        Ok(desc)
    }

    /// Parse and validate a description. `board` names it in errors.
    pub fn from_toml(board: &str, text: &str) -> Result<BoardDesc, DescError> {
        let desc: BoardDesc = toml::from_str(text).map_err(|e| DescError::Parse {
            board: board.to_string(),
            message: e.to_string().trim_end().replace('\n', " "),
        })?;
        desc.validate()?;
        Ok(desc)
    }

    /// Region by name.
    pub fn region(&self, name: &str) -> Option<&Region> {
        self.memory.iter().find(|r| r.name == name)
    }

    /// Regions of one kind, in address order.
    pub fn regions(&self, kind: RegionKind) -> impl Iterator<Item = &Region> {
        self.memory.iter().filter(move |r| r.kind == kind)
    }

    /// Bytes of ROM directly visible to the CPU (fixed and windowed regions alike).
    pub fn visible_rom_bytes(&self) -> u32 {
        self.regions(RegionKind::Rom).map(|r| r.size).sum()
    }

    /// Bytes of RAM the image may use in the CPU view.
    pub fn ram_bytes(&self) -> u32 {
        self.regions(RegionKind::Ram).map(|r| r.size).sum()
    }

    /// Total ROM behind the banking hardware (0 for unbanked boards).
    pub fn banked_rom_bytes(&self) -> u64 {
        self.banking
            .as_ref()
            .map_or(0, |b| b.rom_page_size as u64 * b.rom_pages as u64)
    }

    fn invalid(&self, problem: impl Into<String>) -> DescError {
        DescError::Invalid {
            board: self.name.clone(),
            problem: problem.into(),
        }
    }
}

mod validate;
