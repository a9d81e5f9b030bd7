//! The disk formats the writer knows, as cpmtools `diskdef` parameters, and where a format's
//! filesystem sits inside an image file (RomWBW hard-disk slices, plain floppies).
//!
//! Sources of the parameters (the tests carry the same `diskdefs` text and check our images
//! with cpmtools):
//! - `wbw_hd1k`, `wbw_hd1k_N`, `wbw_hd512`, `wbw_hd512_N`: RomWBW `Tools/cpmtools/diskdefs`
//!   (RomWBW master, 2026). hd1k: 1024 tracks of 16 × 512-byte sectors (8 MiB per slice),
//!   4 KiB blocks, 1024 directory entries, 2 boot tracks; on a card the slices follow a 1 MiB
//!   prefix whose MBR holds a partition of type 0x2E at sector 2048, and slice N starts at
//!   track 128 + 1024 N. hd512 (the legacy layout): 1040 tracks per slice (8320 KiB), 512
//!   directory entries, 16 boot tracks, slice N at track 1040 N, and no RomWBW partition (RomWBW
//!   User Guide, "Hard Disk Layouts": a 0x2E partition switches a card to the hd1k layout).
//! - `ibm-3740`: the 8" single-density disk of CP/M 2.2 (cpmtools `/etc/cpmtools/diskdefs`):
//!   77 tracks × 26 × 128 bytes, 1 KiB blocks, 64 entries, 2 boot tracks, skew 6.
//! - `kpii`: Kaypro II single-sided double-density 5.25" (RomWBW
//!   `Tools/unix/cpmtools/diskdefs`): 40 tracks × 10 × 512 bytes, 1 KiB blocks, 64 entries,
//!   1 boot track. Debian's cpmtools file says `dirblks 4` for it and RomWBW's other copy says
//!   `maxdir 32`; a Kaypro II disk image (izkaypro `disks/Diagnostics.img`) holds 33 files and
//!   data in block 2, which only the 64-entry, 2-directory-block reading allows.

use std::fmt;

use super::DiskError;

/// Bytes in one RomWBW hd1k slice (1024 tracks × 16 × 512).
pub const HD1K_SLICE: u64 = 1024 * 16 * 512;
/// Bytes in one legacy RomWBW hd512 slice (1040 tracks × 16 × 512).
pub const HD512_SLICE: u64 = 1040 * 16 * 512;
/// The 1 MiB prefix in front of the hd1k slices of a card (MBR + room for boot code).
pub const HD1K_PREFIX: u64 = 1 << 20;
/// RomWBW's MBR partition type for its slices.
pub const ROMWBW_PARTITION: u8 = 0x2e;
/// Slices RomWBW addresses on one device.
pub const MAX_SLICES: u32 = 256;

/// One cpmtools `diskdef`: the geometry and filesystem parameters of a CP/M 2.2 disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskDef {
    pub seclen: u32,
    pub tracks: u32,
    pub sectrk: u32,
    pub blocksize: u32,
    pub maxdir: u32,
    /// Logical-to-physical sector interleave step (0: none).
    pub skew: u32,
    pub boottrk: u32,
}

impl DiskDef {
    /// Bytes of the whole filesystem area, boot tracks included.
    pub fn bytes(&self) -> u64 {
        u64::from(self.tracks) * u64::from(self.sectrk) * u64::from(self.seclen)
    }

    /// Allocation blocks after the boot tracks (the DPB's DSM + 1).
    pub fn blocks(&self) -> u32 {
        let data =
            u64::from(self.tracks - self.boottrk) * u64::from(self.sectrk) * u64::from(self.seclen);
        (data / u64::from(self.blocksize)) as u32
    }

    /// Blocks the directory occupies (the bits of AL0/AL1).
    pub fn dir_blocks(&self) -> u32 {
        (self.maxdir * 32).div_ceil(self.blocksize)
    }

    /// Block numbers fit in a byte (16 per directory entry), else 16 bits (8 per entry).
    pub fn byte_pointers(&self) -> bool {
        self.blocks() <= 256
    }

    /// Block pointers in one directory entry.
    pub fn pointers_per_entry(&self) -> usize {
        if self.byte_pointers() {
            16
        } else {
            8
        }
    }

    /// The extent mask EXM: logical 16 KiB extents per directory entry, minus one.
    pub fn exm(&self) -> u32 {
        let per_entry = self.pointers_per_entry() as u32 * self.blocksize;
        per_entry / 16384 - 1
    }

    /// Physical sector of each logical sector in a track (cpmtools' skew table).
    pub fn skew_table(&self) -> Vec<u32> {
        let n = self.sectrk;
        let mut table: Vec<u32> = Vec::with_capacity(n as usize);
        let mut j = 0;
        for i in 0..n {
            if i > 0 {
                j = (j + self.skew.max(1)) % n;
            }
            while table.contains(&j) {
                j = (j + 1) % n;
            }
            table.push(j);
        }
        table
    }

    /// The `diskdef` text cpmtools reads for this format.
    pub fn cpmtools_text(&self, name: &str, offset: u64) -> String {
        let mut s = format!(
            "diskdef {name}\n  seclen {}\n  tracks {}\n  sectrk {}\n  blocksize {}\n  maxdir {}\n  skew {}\n  boottrk {}\n",
            self.seclen, self.tracks, self.sectrk, self.blocksize, self.maxdir, self.skew, self.boottrk
        );
        if offset > 0 {
            let track = u64::from(self.sectrk) * u64::from(self.seclen);
            s += &format!("  offset {}T\n", offset / track);
        }
        s += "  os 2.2\nend\n";
        s
    }
}

/// How the filesystem sits in the image file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    /// The image is the filesystem (a floppy, or one bare RomWBW slice).
    Bare,
    /// Slice `n` of a RomWBW card in the modern layout: 1 MiB prefix with a 0x2E partition.
    Hd1kCard(u32),
    /// Slice `n` of a RomWBW card in the legacy layout: slices from sector 0, no 0x2E partition.
    Hd512Card(u32),
}

/// A named format: the filesystem parameters and where they sit in the image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskFormat {
    pub name: String,
    pub def: DiskDef,
    pub container: Container,
}

/// The formats `--disk` accepts, with one line each for the help and error texts.
pub const FORMATS: &[(&str, &str)] = &[
    (
        "wbw_hd1k",
        "one bare RomWBW hd1k slice (8 MiB, 1024 entries), as RomWBW's hd1k_*.img files",
    ),
    (
        "wbw_hd1k_N",
        "slice N (0-255) of a RomWBW card image: 1 MiB prefix with the 0x2E partition, then 8 MiB slices",
    ),
    (
        "wbw_hd512",
        "legacy RomWBW slice (8320 KiB, 512 entries, 16 boot tracks); the same as wbw_hd512_0",
    ),
    (
        "wbw_hd512_N",
        "slice N (0-255) of a legacy (hd512) RomWBW card image, slices from sector 0",
    ),
    (
        "ibm-3740",
        "8\" single-sided single-density CP/M disk (250 KiB, skew 6), what most CP/M emulators boot",
    ),
    ("kpii", "Kaypro II 5.25\" single-sided double-density disk (200 KiB)"),
];

const HD1K: DiskDef = DiskDef {
    seclen: 512,
    tracks: 1024,
    sectrk: 16,
    blocksize: 4096,
    maxdir: 1024,
    skew: 0,
    boottrk: 2,
};

const HD512: DiskDef = DiskDef {
    seclen: 512,
    tracks: 1040,
    sectrk: 16,
    blocksize: 4096,
    maxdir: 512,
    skew: 0,
    boottrk: 16,
};

const IBM_3740: DiskDef = DiskDef {
    seclen: 128,
    tracks: 77,
    sectrk: 26,
    blocksize: 1024,
    maxdir: 64,
    skew: 6,
    boottrk: 2,
};

const KPII: DiskDef = DiskDef {
    seclen: 512,
    tracks: 40,
    sectrk: 10,
    blocksize: 1024,
    maxdir: 64,
    skew: 0,
    boottrk: 1,
};

impl DiskFormat {
    /// Look a format up by its cpmtools name.
    pub fn by_name(name: &str) -> Result<DiskFormat, DiskError> {
        let unknown = || DiskError::UnknownFormat {
            name: name.to_string(),
        };
        let slice = |rest: &str| -> Result<u32, DiskError> {
            if rest.is_empty() || !rest.bytes().all(|b| b.is_ascii_digit()) {
                return Err(unknown());
            }
            let n: u32 = rest.parse().map_err(|_| unknown())?;
            if (rest.len() > 1 && rest.starts_with('0')) || n >= MAX_SLICES {
                return Err(unknown());
            }
            Ok(n)
        };
        let (def, container) = match name {
            "wbw_hd1k" => (HD1K, Container::Bare),
            "wbw_hd512" => (HD512, Container::Hd512Card(0)),
            "ibm-3740" => (IBM_3740, Container::Bare),
            "kpii" => (KPII, Container::Bare),
            _ => {
                if let Some(rest) = name.strip_prefix("wbw_hd1k_") {
                    (HD1K, Container::Hd1kCard(slice(rest)?))
                } else if let Some(rest) = name.strip_prefix("wbw_hd512_") {
                    (HD512, Container::Hd512Card(slice(rest)?))
                } else {
                    return Err(unknown());
                }
            }
        };
        Ok(DiskFormat {
            name: name.to_string(),
            def,
            container,
        })
    }

    /// Byte offset of the filesystem (its first boot track) in the image.
    pub fn offset(&self) -> u64 {
        match self.container {
            Container::Bare => 0,
            Container::Hd1kCard(n) => HD1K_PREFIX + u64::from(n) * HD1K_SLICE,
            Container::Hd512Card(n) => u64::from(n) * HD512_SLICE,
        }
    }

    /// The cpmtools `diskdef` for this format (with `offset` for card slices).
    pub fn cpmtools_text(&self) -> String {
        self.def.cpmtools_text(&self.name, self.offset())
    }
}

impl fmt::Display for DiskFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dpb_values_match_the_romwbw_bios() {
        // RomWBW CBIOS: hd1k DSM 2043 (2044 blocks), DRM 1023, EXM 1, 8 directory blocks;
        // hd512 DSM 2047, DRM 511, EXM 1, 4 directory blocks.
        let hd1k = DiskFormat::by_name("wbw_hd1k").unwrap().def;
        assert_eq!((hd1k.blocks(), hd1k.dir_blocks(), hd1k.exm()), (2044, 8, 1));
        let hd512 = DiskFormat::by_name("wbw_hd512_3").unwrap().def;
        assert_eq!(
            (hd512.blocks(), hd512.dir_blocks(), hd512.exm()),
            (2048, 4, 1)
        );
        // CP/M 2.2 8" disk: DSM 242, DRM 63, EXM 0, AL0 = C0.
        let ibm = DiskFormat::by_name("ibm-3740").unwrap().def;
        assert_eq!((ibm.blocks(), ibm.dir_blocks(), ibm.exm()), (243, 2, 0));
        // Kaypro II: DSM 194, DRM 63, EXM 0.
        let kp = DiskFormat::by_name("kpii").unwrap().def;
        assert_eq!((kp.blocks(), kp.dir_blocks(), kp.exm()), (195, 2, 0));
    }

    #[test]
    fn skew_6_gives_the_cpm_22_sector_translation_table() {
        // CP/M 2.2 Alteration Guide, the 8" skew table (1-based there).
        let want = [
            1, 7, 13, 19, 25, 5, 11, 17, 23, 3, 9, 15, 21, 2, 8, 14, 20, 26, 6, 12, 18, 24, 4, 10,
            16, 22,
        ];
        let got: Vec<u32> = IBM_3740.skew_table().iter().map(|s| s + 1).collect();
        assert_eq!(got, want);
        assert_eq!(HD1K.skew_table(), (0..16).collect::<Vec<_>>());
    }

    #[test]
    fn slice_offsets_are_those_of_the_romwbw_diskdefs() {
        let off = |n: &str| DiskFormat::by_name(n).unwrap().offset() / (16 * 512);
        assert_eq!(off("wbw_hd1k_0"), 128);
        assert_eq!(off("wbw_hd1k_3"), 3200);
        assert_eq!(off("wbw_hd512_0"), 0);
        assert_eq!(off("wbw_hd512_3"), 3120);
        assert_eq!(off("wbw_hd1k"), 0);
    }

    #[test]
    fn bad_names_are_refused() {
        for n in [
            "wbw_hd1k_256",
            "wbw_hd1k_+1",
            "wbw_hd1k_",
            "wbw_hd1k_01",
            "wbw_hd1024",
            "hd1k",
            "",
        ] {
            assert!(
                matches!(DiskFormat::by_name(n), Err(DiskError::UnknownFormat { .. })),
                "{n}"
            );
        }
    }
}
