//! The cartridge header at 0x0100–0x014F (Pan Docs "The Cartridge Header"): the typed parser
//! the emulator uses, and the checksum rules a header writer must satisfy. The same parser reads
//! back what `z80lm build --target gb` writes.

/// The logo bitmap at 0x0104–0x0133 that the DMG boot ROM compares before it starts a cartridge.
pub const NINTENDO_LOGO: [u8; 48] = [
    0xCE, 0xED, 0x66, 0x66, 0xCC, 0x0D, 0x00, 0x0B, 0x03, 0x73, 0x00, 0x83, 0x00, 0x0C, 0x00, 0x0D,
    0x00, 0x08, 0x11, 0x1F, 0x88, 0x89, 0x00, 0x0E, 0xDC, 0xCC, 0x6E, 0xE6, 0xDD, 0xDD, 0xD9, 0x99,
    0xBB, 0xBB, 0x67, 0x63, 0x6E, 0x0E, 0xEC, 0xCC, 0xDD, 0xDC, 0x99, 0x9F, 0xBB, 0xB9, 0x33, 0x3E,
];

/// Cartridge type byte (0x0147) values this machine runs.
pub const TYPE_ROM_ONLY: u8 = 0x00;
/// MBC5 without RAM.
pub const TYPE_MBC5: u8 = 0x19;
/// MBC5 with battery-backed RAM.
pub const TYPE_MBC5_RAM_BATTERY: u8 = 0x1B;
/// CGB flag (0x0143) of a cartridge that runs on both a DMG and a CGB, in CGB mode on a CGB.
pub const CGB_SUPPORTED: u8 = 0x80;
/// The MBC5 family: 0x19 plain, 0x1A +RAM, 0x1B +RAM+battery, 0x1C–0x1E with rumble.
pub const MBC5_TYPES: std::ops::RangeInclusive<u8> = 0x19..=0x1E;

/// Why a ROM image is not a cartridge this machine can run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CartridgeError {
    #[error("ROM is {0} bytes; a cartridge is at least 32 KiB and a multiple of 16 KiB")]
    BadLength(usize),
    #[error(
        "ROM size code {code:#04x} at 0x0148 means {expected} bytes but the file has {actual}"
    )]
    SizeMismatch {
        code: u8,
        expected: usize,
        actual: usize,
    },
    #[error("cartridge type {0:#04x} at 0x0147 is not supported (supported: 0x00 ROM only, 0x19-0x1E MBC5)")]
    UnsupportedType(u8),
    #[error("RAM size code {0:#04x} at 0x0149 is not valid (0x00, 0x02-0x05)")]
    BadRamSize(u8),
    #[error("the logo at 0x0104-0x0133 differs from the one the boot ROM checks")]
    BadLogo,
    #[error("header checksum at 0x014D is {stored:#04x}, the header bytes give {computed:#04x}")]
    HeaderChecksum { stored: u8, computed: u8 },
    #[error("global checksum at 0x014E is {stored:#06x}, the ROM bytes give {computed:#06x}")]
    GlobalChecksum { stored: u16, computed: u16 },
}

/// The parsed header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// Title, 0x0134–0x0143 (0x0142 when 0x0143 is a CGB flag) up to the first NUL (ASCII).
    pub title: String,
    /// CGB flag, 0x0143: bit 7 set (0x80 or 0xC0) runs the cartridge in CGB mode on a CGB.
    pub cgb_flag: u8,
    pub cartridge_type: u8,
    pub rom_size_code: u8,
    pub ram_size_code: u8,
    pub header_checksum: u8,
    pub global_checksum: u16,
}

impl Header {
    /// Whether a CGB runs this cartridge in CGB mode (CGB flag bit 7).
    pub fn cgb(&self) -> bool {
        self.cgb_flag & 0x80 != 0
    }

    /// Whether the cartridge type has a battery keeping its RAM (0x1B, 0x1E).
    pub fn battery(&self) -> bool {
        matches!(self.cartridge_type, 0x1B | 0x1E)
    }

    /// ROM bytes the size code stands for: 32 KiB << code.
    pub fn rom_bytes(&self) -> usize {
        0x8000usize << self.rom_size_code.min(8)
    }

    /// RAM bytes the RAM size code stands for.
    pub fn ram_bytes(&self) -> Result<usize, CartridgeError> {
        match self.ram_size_code {
            0 => Ok(0),
            2 => Ok(0x2000),
            3 => Ok(0x8000),
            4 => Ok(0x20000),
            5 => Ok(0x10000),
            c => Err(CartridgeError::BadRamSize(c)),
        }
    }
}

/// The header checksum the boot ROM verifies: `x = x - byte - 1` over 0x0134–0x014C.
pub fn header_checksum(rom: &[u8]) -> u8 {
    rom[0x134..=0x14C]
        .iter()
        .fold(0u8, |x, &b| x.wrapping_sub(b).wrapping_sub(1))
}

/// The global checksum: the 16-bit sum of every byte except 0x014E–0x014F.
pub fn global_checksum(rom: &[u8]) -> u16 {
    rom.iter()
        .enumerate()
        .filter(|&(i, _)| i != 0x14E && i != 0x14F)
        .fold(0u16, |s, (_, &b)| s.wrapping_add(u16::from(b)))
}

/// Parses and checks the header of a whole ROM image: length, size code, type, logo and both
/// checksums, as a header writer must get them right. (Real hardware ignores the global
/// checksum; [`parse_bootable`] is what the machine runs.)
pub fn parse(rom: &[u8]) -> Result<Header, CartridgeError> {
    let header = parse_bootable(rom)?;
    let computed = global_checksum(rom);
    if computed != header.global_checksum {
        return Err(CartridgeError::GlobalChecksum {
            stored: header.global_checksum,
            computed,
        });
    }
    Ok(header)
}

/// Parses and checks the header as a DMG does before it runs a cartridge (and what this
/// machine can run): length, size code, type, logo and the header checksum, but not the global
/// checksum, which the hardware never reads.
pub fn parse_bootable(rom: &[u8]) -> Result<Header, CartridgeError> {
    if rom.len() < 0x8000 || rom.len() & 0x3FFF != 0 {
        return Err(CartridgeError::BadLength(rom.len()));
    }
    let cgb_flag = rom[0x143];
    let title_bytes = &rom[0x134..if cgb_flag & 0x80 != 0 { 0x143 } else { 0x144 }];
    let end = title_bytes
        .iter()
        .position(|&b| b == 0)
        .unwrap_or(title_bytes.len());
    let header = Header {
        title: title_bytes[..end].iter().map(|&b| b as char).collect(),
        cgb_flag,
        cartridge_type: rom[0x147],
        rom_size_code: rom[0x148],
        ram_size_code: rom[0x149],
        header_checksum: rom[0x14D],
        global_checksum: u16::from_be_bytes([rom[0x14E], rom[0x14F]]),
    };
    if header.rom_size_code > 8 || header.rom_bytes() != rom.len() {
        return Err(CartridgeError::SizeMismatch {
            code: header.rom_size_code,
            expected: header.rom_bytes(),
            actual: rom.len(),
        });
    }
    if header.cartridge_type != TYPE_ROM_ONLY && !MBC5_TYPES.contains(&header.cartridge_type) {
        return Err(CartridgeError::UnsupportedType(header.cartridge_type));
    }
    header.ram_bytes()?;
    if rom[0x104..0x134] != NINTENDO_LOGO {
        return Err(CartridgeError::BadLogo);
    }
    let computed = header_checksum(rom);
    if computed != header.header_checksum {
        return Err(CartridgeError::HeaderChecksum {
            stored: header.header_checksum,
            computed,
        });
    }
    Ok(header)
}

/// What [`write_header_fields`] writes besides the logo, the size code and the checksums.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderFields<'a> {
    /// Up to 15 ASCII bytes.
    pub title: &'a str,
    pub cartridge_type: u8,
    /// 0x00 (DMG only) or [`CGB_SUPPORTED`].
    pub cgb_flag: u8,
    /// RAM size code (0x00 none, 0x02 8 KiB, 0x03 32 KiB, ...).
    pub ram_size_code: u8,
}

/// Writes the header fields into `rom` (which already holds code, including the entry point at
/// 0x0100): logo, title, cartridge type, size codes, then the header checksum and, last, the
/// global checksum. The ROM size code is derived from the length, which must be 32 KiB × 2ⁿ.
/// A DMG-only cartridge without RAM.
pub fn write_header(
    rom: &mut [u8],
    title: &str,
    cartridge_type: u8,
) -> Result<Header, CartridgeError> {
    write_header_fields(
        rom,
        &HeaderFields {
            title,
            cartridge_type,
            cgb_flag: 0,
            ram_size_code: 0,
        },
    )
}

/// [`write_header`] with the CGB flag and the RAM size code given.
pub fn write_header_fields(rom: &mut [u8], f: &HeaderFields) -> Result<Header, CartridgeError> {
    let len = rom.len();
    let code = (0..=8u8)
        .find(|&c| 0x8000usize << c == len)
        .ok_or(CartridgeError::BadLength(len))?;
    rom[0x104..0x134].copy_from_slice(&NINTENDO_LOGO);
    let title = f.title.as_bytes();
    for i in 0..15 {
        rom[0x134 + i] = title.get(i).copied().unwrap_or(0);
    }
    rom[0x143] = f.cgb_flag;
    rom[0x144] = 0; // new licensee code
    rom[0x145] = 0;
    rom[0x146] = 0; // no SGB functions
    rom[0x147] = f.cartridge_type;
    rom[0x148] = code;
    rom[0x149] = f.ram_size_code;
    rom[0x14A] = 1; // non-Japanese
    rom[0x14B] = 0x33; // use the new licensee code
    rom[0x14C] = 0; // version
    rom[0x14D] = header_checksum(rom);
    let sum = global_checksum(rom);
    rom[0x14E..0x150].copy_from_slice(&sum.to_be_bytes());
    parse(rom)
}
