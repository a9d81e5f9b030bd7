//! The resident RC2014 loader (`asm/loader/loader.asm`) and the upload container it accepts.
//!
//! The loader occupies flash page 0 of the 512K module; the application image goes to flash
//! pages 1-30 and its 16-byte header to flash offset 0x7F000. See the header of `loader.asm`
//! for the protocol and the power-cut rules.

use crate::asm::{assemble, AsmError, Cpu, MemFiles};

/// Loader sources, embedded: (name as seen by `include`, text).
pub const SOURCES: &[(&str, &str)] = &[
    (
        "loader/loader.asm",
        include_str!("../asm/loader/loader.asm"),
    ),
    ("drivers/sio.asm", include_str!("../asm/drivers/sio.asm")),
    ("drivers/acia.asm", include_str!("../asm/drivers/acia.asm")),
];

/// Flash page size of the 512K module.
pub const PAGE: usize = 0x4000;
/// Flash offset of the application (page 1).
pub const APP_OFFSET: usize = 0x4000;
/// Largest application image: 30 pages.
pub const MAX_IMAGE: usize = 30 * PAGE;
/// Flash offset of the header sector.
pub const HEADER_OFFSET: usize = 0x7F000;
/// Bytes in the upload header.
pub const HEADER_LEN: usize = 16;
/// Header magic.
pub const MAGIC: &[u8; 4] = b"Z8LM";
/// The whole flash (SST39SF040): what a restore writes.
pub const FLASH_SIZE: usize = 0x8_0000;
/// Header flag: the upload is a whole-flash restore (page 0 included), not an application.
pub const FLAG_RESTORE: u16 = 1;

/// CRC-32 (IEEE, reflected; as zlib), the loader's image check.
pub const CRC32: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);

/// The loader's sources as in-memory files.
pub fn files() -> MemFiles {
    let mut f = MemFiles::new();
    for (name, text) in SOURCES {
        f.insert(*name, text.as_bytes());
    }
    f
}

/// Assemble the loader: the bytes of flash page 0 (the code is linked at 0xC000 and copied
/// there from flash by its first instructions).
pub fn build() -> Result<Vec<u8>, AsmError> {
    let asm = assemble(&files(), "loader/loader.asm", Cpu::Z80)?;
    let (origin, bytes) = asm.flat(0xFF);
    debug_assert_eq!(origin, 0xC000);
    let mut page = vec![0xFF; PAGE];
    page[..bytes.len()].copy_from_slice(&bytes);
    Ok(page)
}

/// The 16-byte header for `image`.
pub fn header(image: &[u8]) -> [u8; HEADER_LEN] {
    let mut h = [0u8; HEADER_LEN];
    h[..4].copy_from_slice(MAGIC);
    h[4..8].copy_from_slice(&(image.len() as u32).to_le_bytes());
    h[8..12].copy_from_slice(&CRC32.checksum(image).to_le_bytes());
    h[12..14].copy_from_slice(&1u16.to_le_bytes());
    h
}

/// What goes over XMODEM: header then image.
pub fn upload(image: &[u8]) -> Vec<u8> {
    let mut v = header(image).to_vec();
    v.extend_from_slice(image);
    v
}

/// The first pass of a restore over XMODEM: a header flagged [`FLAG_RESTORE`] for the whole
/// 512K `rom` (page 0 included), then the ROM. The loader asks for page 0 again afterwards
/// (`rom[..PAGE]`, no header). `rom` should be [`FLASH_SIZE`] bytes; the loader refuses any
/// other length.
pub fn restore_upload(rom: &[u8]) -> Vec<u8> {
    let mut h = header(rom);
    h[14..16].copy_from_slice(&FLAG_RESTORE.to_le_bytes());
    let mut v = h.to_vec();
    v.extend_from_slice(rom);
    v
}

/// A full 512K flash image: loader in page 0, `image` from page 1, header at 0x7F000 (for a
/// chip programmer, or to seed the emulator). `image` must not exceed [`MAX_IMAGE`].
pub fn flash_image(loader: &[u8], image: Option<&[u8]>) -> Vec<u8> {
    let mut flash = vec![0xFF; 0x8_0000];
    flash[..loader.len()].copy_from_slice(loader);
    if let Some(image) = image {
        flash[APP_OFFSET..APP_OFFSET + image.len()].copy_from_slice(image);
        flash[HEADER_OFFSET..HEADER_OFFSET + HEADER_LEN].copy_from_slice(&header(image));
    }
    flash
}

/// The application in an upload (`.upl`: header then image), if the header is valid, its
/// length is the rest of the file and its CRC-32 matches.
pub fn uploaded_image(upload: &[u8]) -> Option<&[u8]> {
    let h = upload.get(..HEADER_LEN)?;
    if &h[..4] != MAGIC {
        return None;
    }
    let len = u32::from_le_bytes(h[4..8].try_into().ok()?) as usize;
    let crc = u32::from_le_bytes(h[8..12].try_into().ok()?);
    let image = &upload[HEADER_LEN..];
    (len == image.len() && len <= MAX_IMAGE && CRC32.checksum(image) == crc).then_some(image)
}

/// The image stored in a flash dump, if its header is valid and its CRC matches.
pub fn stored_image(flash: &[u8]) -> Option<&[u8]> {
    let h = flash.get(HEADER_OFFSET..HEADER_OFFSET + HEADER_LEN)?;
    if &h[..4] != MAGIC {
        return None;
    }
    let len = u32::from_le_bytes(h[4..8].try_into().ok()?) as usize;
    let crc = u32::from_le_bytes(h[8..12].try_into().ok()?);
    if len == 0 || len > MAX_IMAGE {
        return None;
    }
    let image = flash.get(APP_OFFSET..APP_OFFSET + len)?;
    (CRC32.checksum(image) == crc).then_some(image)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loader_assembles_into_page_zero() {
        let page = build().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(page.len(), PAGE);
        // First instruction: DI.
        assert_eq!(page[0], 0xF3);
        let used = page.iter().rposition(|&b| b != 0xFF).unwrap() + 1;
        assert!(used < 0x2000, "loader grew to {used} bytes");
    }

    #[test]
    fn header_round_trip() {
        let image: Vec<u8> = (0..5000u32).map(|i| i as u8).collect();
        let flash = flash_image(&[0xF3], Some(&image));
        assert_eq!(stored_image(&flash), Some(&image[..]));
        let mut bad = flash.clone();
        bad[APP_OFFSET + 10] ^= 1;
        assert_eq!(stored_image(&bad), None);
        assert_eq!(&upload(&image)[..4], MAGIC);
        assert_eq!(uploaded_image(&upload(&image)), Some(&image[..]));
        let mut bad = upload(&image);
        bad[20] ^= 1;
        assert_eq!(uploaded_image(&bad), None);
    }
}
