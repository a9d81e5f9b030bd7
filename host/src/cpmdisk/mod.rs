//! CP/M 2.2 disk images: write a file into a new image, or add it to an existing one without
//! touching the other files (how a RomWBW CompactFlash card image is updated).
//!
//! The filesystem is CP/M 2.2's (CP/M 2.2 Alteration Guide §10, the disk parameter block; the
//! directory layout as cpmtools' `cpm(5)` describes it): after the boot tracks come allocation
//! blocks; the first ones hold the directory of 32-byte entries (status/user, 8+3 name, EX,
//! S1, S2, RC, then 16 one-byte or 8 two-byte block numbers). One entry maps `EXM + 1`
//! logical 16 KiB extents; EX/S2 number the last logical extent the entry holds and RC the
//! 128-byte records in it. Sectors inside a track are interleaved by the format's skew, the
//! way cpmtools reads them.
//!
//! Nothing is written before every check has passed (name clash, space, directory slots, the
//! image looks like the format asked for). Adding to an image writes the file's blocks first
//! and the directory sectors last, so an interrupted write leaves the old directory intact.

mod format;

use std::fmt;
use std::fs::OpenOptions;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

pub use format::{
    Container, DiskDef, DiskFormat, FORMATS, HD1K_PREFIX, HD1K_SLICE, HD512_SLICE, ROMWBW_PARTITION,
};

/// What can go wrong writing a disk image.
#[derive(Debug, thiserror::Error)]
pub enum DiskError {
    #[error("unknown disk format {name:?}; formats: {}", format_names())]
    UnknownFormat { name: String },
    #[error("{name:?} is not a CP/M file name: {why}")]
    BadName { name: String, why: &'static str },
    #[error("user area {user} is not 0-15")]
    BadUser { user: u8 },
    #[error("{path}: {file} is already on the disk ({format}); remove it first (cpmrm -f {format} {path} {file})")]
    NameClash {
        path: String,
        file: String,
        format: String,
    },
    #[error(
        "{path}: no room for {file} ({format}): it needs {needed_kib} KiB, {free_kib} KiB are free"
    )]
    DiskFull {
        path: String,
        file: String,
        format: String,
        needed_kib: u64,
        free_kib: u64,
    },
    #[error(
        "{path}: the directory is full ({format}): {file} needs {needed} entries, {free} are free"
    )]
    DirectoryFull {
        path: String,
        file: String,
        format: String,
        needed: usize,
        free: usize,
    },
    #[error("{path} is {len} bytes, too short to hold a {format} directory ({need} bytes); is it the image you meant?")]
    TooSmall {
        path: String,
        format: String,
        len: u64,
        need: u64,
    },
    #[error("{path} has no RomWBW partition (MBR type 0x2E): it is not a RomWBW hd1k card image; for a legacy card use wbw_hd512_N, for one bare slice wbw_hd1k")]
    NoRomwbwPartition { path: String },
    #[error("{path}: the RomWBW partition starts at sector {start}, not at sector 2048 (1 MiB) where {format} and cpmtools' wbw_hd1k_N put the slices")]
    PartitionMoved {
        path: String,
        format: String,
        start: u32,
    },
    #[error("{path} is a whole RomWBW card (it has the 0x2E partition), not one slice: use wbw_hd1k_N for slice N, not {format}")]
    WholeCard { path: String, format: String },
    #[error("{path} has a RomWBW partition (MBR type 0x2E), so RomWBW reads it in the hd1k layout; use wbw_hd1k_N, not {format}")]
    Hd1kCard { path: String, format: String },
    #[error("{path} does not hold a {format} filesystem: directory entry {entry} {why} (wrong format, or not formatted; mkfs.cpm -f {format} formats one)")]
    NotThisFormat {
        path: String,
        format: String,
        entry: usize,
        why: String,
    },
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: io::Error,
    },
}

fn format_names() -> String {
    FORMATS
        .iter()
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A CP/M file name: 8 name and 3 type characters, upper case, space padded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpmName {
    bytes: [u8; 11],
}

impl CpmName {
    /// Parses `NAME.TYP` (lower case is folded to upper case, as the CCP does).
    pub fn parse(s: &str) -> Result<CpmName, DiskError> {
        let bad = |why| DiskError::BadName {
            name: s.to_string(),
            why,
        };
        let (name, typ) = match s.split_once('.') {
            Some((n, t)) => (n, t),
            None => (s, ""),
        };
        if name.is_empty() {
            return Err(bad("the name part is empty"));
        }
        if name.len() > 8 || typ.len() > 3 {
            return Err(bad(
                "CP/M names have at most 8 characters, a dot and 3 more",
            ));
        }
        let mut bytes = [b' '; 11];
        let (name_field, type_field) = bytes.split_at_mut(8);
        for (slot, c) in name_field
            .iter_mut()
            .zip(name.bytes())
            .chain(type_field.iter_mut().zip(typ.bytes()))
        {
            if !c.is_ascii_graphic() || b"<>.,;:=?*[]|\"".contains(&c) {
                return Err(bad(
                    "CP/M names use printable ASCII without spaces or <>.,;:=?*[]|\"",
                ));
            }
            *slot = c.to_ascii_uppercase();
        }
        Ok(CpmName { bytes })
    }

    /// The 11 directory bytes.
    pub fn bytes(&self) -> &[u8; 11] {
        &self.bytes
    }
}

impl fmt::Display for CpmName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = String::from_utf8_lossy(&self.bytes[..8]);
        let typ = String::from_utf8_lossy(&self.bytes[8..]);
        let (name, typ) = (name.trim_end(), typ.trim_end());
        if typ.is_empty() {
            write!(f, "{name}")
        } else {
            write!(f, "{name}.{typ}")
        }
    }
}

/// What adding a file did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Added {
    /// Allocation blocks the file took.
    pub blocks: usize,
    /// Directory entries the file took.
    pub entries: usize,
    /// Free space left on the filesystem, in bytes.
    pub free_bytes: u64,
}

const EMPTY: u8 = 0xe5;
const RECORD: usize = 128;
/// Fill for the rest of the file's last 128-byte record (CP/M's end-of-text mark).
const PAD: u8 = 0x1a;

/// The filesystem of one format inside an image: sector addressing and the directory.
struct Fs<'a> {
    fmt: &'a DiskFormat,
    skew: Vec<u32>,
    path: &'a str,
}

impl<'a> Fs<'a> {
    fn new(fmt: &'a DiskFormat, path: &'a str) -> Self {
        Fs {
            fmt,
            skew: fmt.def.skew_table(),
            path,
        }
    }

    fn io(&self, source: io::Error) -> DiskError {
        DiskError::Io {
            path: self.path.to_string(),
            source,
        }
    }

    /// Byte offsets in the image of the sectors of `block`, in order.
    fn block_sectors(&self, block: u32) -> Vec<u64> {
        let d = &self.fmt.def;
        let per_block = d.blocksize / d.seclen;
        let first = u64::from(block) * u64::from(per_block) + u64::from(d.boottrk * d.sectrk);
        (0..u64::from(per_block))
            .map(|i| {
                let logical = first + i;
                let track = logical / u64::from(d.sectrk);
                let sect = self.skew[(logical % u64::from(d.sectrk)) as usize];
                self.fmt.offset()
                    + (track * u64::from(d.sectrk) + u64::from(sect)) * u64::from(d.seclen)
            })
            .collect()
    }

    /// Byte offsets of the directory's sectors (only those that hold entries).
    fn dir_sectors(&self) -> Vec<u64> {
        let d = &self.fmt.def;
        let n = (d.maxdir * 32).div_ceil(d.seclen) as usize;
        (0..d.dir_blocks())
            .flat_map(|b| self.block_sectors(b))
            .take(n)
            .collect()
    }

    fn read_dir<M: Read + Seek>(&self, img: &mut M) -> Result<Vec<u8>, DiskError> {
        let seclen = self.fmt.def.seclen as usize;
        let mut dir = Vec::with_capacity(self.dir_sectors().len() * seclen);
        for off in self.dir_sectors() {
            let mut sector = vec![0u8; seclen];
            img.seek(SeekFrom::Start(off)).map_err(|e| self.io(e))?;
            img.read_exact(&mut sector).map_err(|e| self.io(e))?;
            dir.extend_from_slice(&sector);
        }
        dir.truncate(self.fmt.def.maxdir as usize * 32);
        Ok(dir)
    }

    fn not_this_format(&self, entry: usize, why: String) -> DiskError {
        DiskError::NotThisFormat {
            path: self.path.to_string(),
            format: self.fmt.name.clone(),
            entry,
            why,
        }
    }

    /// Block numbers in use, checking that every entry is one this format can hold.
    fn used_blocks(&self, dir: &[u8]) -> Result<Vec<bool>, DiskError> {
        let d = &self.fmt.def;
        let mut used = vec![false; d.blocks() as usize];
        for b in used.iter_mut().take(d.dir_blocks() as usize) {
            *b = true;
        }
        for (i, e) in dir.chunks_exact(32).enumerate() {
            match e[0] {
                EMPTY => continue,
                // CP/M 3 / ZSDOS disk label and date stamps: no blocks.
                0x20 | 0x21 => continue,
                st if st > 0x21 => {
                    return Err(self.not_this_format(i, format!("has status byte 0x{st:02X}")))
                }
                _ => {}
            }
            if e[1..12].iter().any(|&c| (c & 0x7f) < 0x20) {
                return Err(self.not_this_format(i, "has control bytes in its name".into()));
            }
            if e[12] > 31 || e[15] > 0x80 {
                return Err(self.not_this_format(
                    i,
                    format!("has extent {} and record count {}", e[12], e[15]),
                ));
            }
            let ptrs: Vec<u32> = if d.byte_pointers() {
                e[16..].iter().map(|&b| u32::from(b)).collect()
            } else {
                e[16..]
                    .chunks_exact(2)
                    .map(|p| u32::from(u16::from_le_bytes([p[0], p[1]])))
                    .collect()
            };
            for p in ptrs.into_iter().filter(|&p| p != 0) {
                if p < d.dir_blocks() || p >= d.blocks() {
                    return Err(self.not_this_format(
                        i,
                        format!(
                            "points at block {p}, outside the data blocks {}..{}",
                            d.dir_blocks(),
                            d.blocks()
                        ),
                    ));
                }
                if used[p as usize] {
                    return Err(self.not_this_format(
                        i,
                        format!("points at block {p}, which another entry holds too"),
                    ));
                }
                used[p as usize] = true;
            }
        }
        Ok(used)
    }
}

/// Add `data` as `user:name` to the filesystem of `fmt` inside `img`, leaving every other
/// file as it was. `path` names the image in messages. Nothing is written unless the file fits.
pub fn add_file<M: Read + Write + Seek>(
    img: &mut M,
    path: &str,
    fmt: &DiskFormat,
    user: u8,
    name: &CpmName,
    data: &[u8],
) -> Result<Added, DiskError> {
    if user > 15 {
        return Err(DiskError::BadUser { user });
    }
    let fs = Fs::new(fmt, path);
    // An image may end after its directory (mkfs.cpm writes no more than that): the blocks
    // written past its end extend it.
    let len = img.seek(SeekFrom::End(0)).map_err(|e| fs.io(e))?;
    let need = fs
        .dir_sectors()
        .iter()
        .max()
        .map_or(0, |s| s + u64::from(fmt.def.seclen));
    if len < need {
        return Err(DiskError::TooSmall {
            path: path.to_string(),
            format: fmt.name.clone(),
            len,
            need,
        });
    }
    check_container(img, path, fmt)?;
    let mut dir = fs.read_dir(img)?;
    let used = fs.used_blocks(&dir)?;

    let d = &fmt.def;
    let file = format!("{user}:{name}");
    let clash = dir.chunks_exact(32).any(|e| {
        e[0] == user
            && e[1..12]
                .iter()
                .zip(name.bytes())
                .all(|(a, b)| a & 0x7f == *b)
    });
    if clash {
        return Err(DiskError::NameClash {
            path: path.to_string(),
            file,
            format: fmt.name.clone(),
        });
    }
    let bs = d.blocksize as usize;
    let nblocks = data.len().div_ceil(bs);
    let ppe = d.pointers_per_entry();
    let nentries = nblocks.div_ceil(ppe).max(1);
    let free: Vec<u32> = (0..d.blocks()).filter(|&b| !used[b as usize]).collect();
    if free.len() < nblocks {
        return Err(DiskError::DiskFull {
            path: path.to_string(),
            file,
            format: fmt.name.clone(),
            needed_kib: (nblocks * bs / 1024) as u64,
            free_kib: (free.len() * bs / 1024) as u64,
        });
    }
    let slots: Vec<usize> = dir
        .chunks_exact(32)
        .enumerate()
        .filter(|(_, e)| e[0] == EMPTY)
        .map(|(i, _)| i)
        .collect();
    if slots.len() < nentries {
        return Err(DiskError::DirectoryFull {
            path: path.to_string(),
            file,
            format: fmt.name.clone(),
            needed: nentries,
            free: slots.len(),
        });
    }

    // The file's blocks: its bytes, the last record padded with ^Z, the rest of the block E5.
    let blocks = &free[..nblocks];
    let records = data.len().div_ceil(RECORD);
    for (k, &b) in blocks.iter().enumerate() {
        let mut buf = vec![EMPTY; bs];
        let part = &data[k * bs..data.len().min((k + 1) * bs)];
        buf[..part.len()].copy_from_slice(part);
        let rec_end = (records * RECORD).min((k + 1) * bs) - k * bs;
        buf[part.len()..rec_end].fill(PAD);
        write_sectors(img, &fs, &fs.block_sectors(b), &buf)?;
    }
    img.flush().map_err(|e| fs.io(e))?;

    // The directory entries, each holding ppe blocks = (EXM + 1) logical extents.
    let per_entry = ppe * bs / RECORD;
    let exm = d.exm() as usize;
    for (k, &slot) in slots[..nentries].iter().enumerate() {
        let recs = records.saturating_sub(k * per_entry).min(per_entry);
        let (ext, rc) = if recs == 0 {
            (0, 0)
        } else if recs == per_entry {
            (k * (exm + 1) + exm, 128)
        } else {
            let ext = (k * per_entry + recs - 1) / 128;
            (ext, k * per_entry + recs - ext * 128)
        };
        let e = &mut dir[slot * 32..slot * 32 + 32];
        e.fill(0);
        e[0] = user;
        e[1..12].copy_from_slice(name.bytes());
        e[12] = (ext & 0x1f) as u8;
        e[14] = (ext >> 5) as u8;
        e[15] = rc as u8;
        let mine = &blocks[(k * ppe).min(nblocks)..((k + 1) * ppe).min(nblocks)];
        for (j, &b) in mine.iter().enumerate() {
            if d.byte_pointers() {
                e[16 + j] = b as u8;
            } else {
                e[16 + 2 * j..18 + 2 * j].copy_from_slice(&(b as u16).to_le_bytes());
            }
        }
    }
    let seclen = d.seclen as usize;
    let sectors = fs.dir_sectors();
    let mut dirty: Vec<usize> = slots[..nentries].iter().map(|s| s * 32 / seclen).collect();
    dirty.dedup();
    for s in dirty {
        let mut sector = dir[s * seclen..((s + 1) * seclen).min(dir.len())].to_vec();
        // A directory that ends inside a sector: keep the sector's tail as it was.
        if sector.len() < seclen {
            let mut old = vec![0u8; seclen];
            img.seek(SeekFrom::Start(sectors[s]))
                .map_err(|e| fs.io(e))?;
            img.read_exact(&mut old).map_err(|e| fs.io(e))?;
            old[..sector.len()].copy_from_slice(&sector);
            sector = old;
        }
        img.seek(SeekFrom::Start(sectors[s]))
            .map_err(|e| fs.io(e))?;
        img.write_all(&sector).map_err(|e| fs.io(e))?;
    }
    img.flush().map_err(|e| fs.io(e))?;
    Ok(Added {
        blocks: nblocks,
        entries: nentries,
        free_bytes: ((free.len() - nblocks) * bs) as u64,
    })
}

fn write_sectors<M: Write + Seek>(
    img: &mut M,
    fs: &Fs,
    sectors: &[u64],
    buf: &[u8],
) -> Result<(), DiskError> {
    let seclen = fs.fmt.def.seclen as usize;
    for (&off, chunk) in sectors.iter().zip(buf.chunks(seclen)) {
        img.seek(SeekFrom::Start(off)).map_err(|e| fs.io(e))?;
        img.write_all(chunk).map_err(|e| fs.io(e))?;
    }
    Ok(())
}

/// The RomWBW partition of an MBR in `sector0`: (type 0x2E entry's first sector), if any.
fn romwbw_partition(sector0: &[u8; 512]) -> Option<u32> {
    if sector0[510..] != [0x55, 0xaa] {
        return None;
    }
    sector0[446..510]
        .chunks_exact(16)
        .find(|p| p[4] == ROMWBW_PARTITION)
        .map(|p| u32::from_le_bytes([p[8], p[9], p[10], p[11]]))
}

/// A card image must be in the layout the format names (RomWBW decides by the 0x2E partition).
fn check_container<M: Read + Seek>(
    img: &mut M,
    path: &str,
    fmt: &DiskFormat,
) -> Result<(), DiskError> {
    // Floppies have no partition table; a bare RomWBW slice must not be a whole card.
    let slice = fmt.def.sectrk == 16 && fmt.def.seclen == 512;
    if fmt.container == Container::Bare && !slice {
        return Ok(());
    }
    let mut s0 = [0u8; 512];
    let io = |source| DiskError::Io {
        path: path.to_string(),
        source,
    };
    img.seek(SeekFrom::Start(0)).map_err(io)?;
    img.read_exact(&mut s0).map_err(io)?;
    match (fmt.container, romwbw_partition(&s0)) {
        (Container::Hd1kCard(_), None) => Err(DiskError::NoRomwbwPartition {
            path: path.to_string(),
        }),
        (Container::Hd1kCard(_), Some(start)) if u64::from(start) * 512 != HD1K_PREFIX => {
            Err(DiskError::PartitionMoved {
                path: path.to_string(),
                format: fmt.name.clone(),
                start,
            })
        }
        (Container::Bare, Some(_)) => Err(DiskError::WholeCard {
            path: path.to_string(),
            format: fmt.name.clone(),
        }),
        (Container::Hd512Card(_), Some(_)) => Err(DiskError::Hd1kCard {
            path: path.to_string(),
            format: fmt.name.clone(),
        }),
        _ => Ok(()),
    }
}

/// The length of a new image of `fmt`: the filesystem, and on a card every slice up to it.
pub fn new_image_len(fmt: &DiskFormat) -> u64 {
    match fmt.container {
        Container::Bare => fmt.def.bytes(),
        Container::Hd1kCard(n) => HD1K_PREFIX + u64::from(n + 1) * HD1K_SLICE,
        Container::Hd512Card(n) => u64::from(n + 1) * HD512_SLICE,
    }
}

/// The MBR of a new hd1k card: one RomWBW partition (type 0x2E) from sector 2048 holding
/// `slices` slices, CHS fields in RomWBW's 16-head, 16-sector geometry (as `hd1k_prefix.dat`).
pub fn hd1k_mbr(slices: u32) -> [u8; 512] {
    let mut s = [0u8; 512];
    let start = (HD1K_PREFIX / 512) as u32;
    let count = slices * (HD1K_SLICE / 512) as u32;
    let chs = |lba: u32| -> [u8; 3] {
        let (cyl, head, sect) = if lba / 256 > 1023 {
            (1023, 15, 16)
        } else {
            (lba / 256, (lba / 16) % 16, lba % 16 + 1)
        };
        [
            head as u8,
            (sect as u8) | (((cyl >> 8) as u8) << 6),
            cyl as u8,
        ]
    };
    let p = &mut s[446..462];
    p[1..4].copy_from_slice(&chs(start));
    p[4] = ROMWBW_PARTITION;
    p[5..8].copy_from_slice(&chs(start + count - 1));
    p[8..12].copy_from_slice(&start.to_le_bytes());
    p[12..16].copy_from_slice(&count.to_le_bytes());
    s[510] = 0x55;
    s[511] = 0xaa;
    s
}

/// Formats a new, zero-filled image of length [`new_image_len`]: a floppy is filled with E5
/// as a formatted disk is; a card gets its MBR (hd1k) and an empty directory in every slice
/// up to the one named, so RomWBW sees empty drives, not garbage.
pub fn format_new<M: Write + Seek>(
    img: &mut M,
    path: &str,
    fmt: &DiskFormat,
) -> Result<(), DiskError> {
    let io = |source| DiskError::Io {
        path: path.to_string(),
        source,
    };
    let slices: Vec<DiskFormat> = match fmt.container {
        Container::Bare => {
            img.seek(SeekFrom::Start(0)).map_err(io)?;
            let fill = vec![EMPTY; 64 * 1024];
            let mut left = fmt.def.bytes();
            while left > 0 {
                let n = left.min(fill.len() as u64) as usize;
                img.write_all(&fill[..n]).map_err(io)?;
                left -= n as u64;
            }
            return img.flush().map_err(io);
        }
        Container::Hd1kCard(n) => {
            img.seek(SeekFrom::Start(0)).map_err(io)?;
            img.write_all(&hd1k_mbr(n + 1)).map_err(io)?;
            (0..=n)
                .map(|k| DiskFormat {
                    container: Container::Hd1kCard(k),
                    ..fmt.clone()
                })
                .collect()
        }
        Container::Hd512Card(n) => (0..=n)
            .map(|k| DiskFormat {
                container: Container::Hd512Card(k),
                ..fmt.clone()
            })
            .collect(),
    };
    for slice in &slices {
        let fs = Fs::new(slice, path);
        let empty = vec![EMPTY; slice.def.seclen as usize];
        for off in fs.dir_sectors() {
            img.seek(SeekFrom::Start(off)).map_err(io)?;
            img.write_all(&empty).map_err(io)?;
        }
    }
    img.flush().map_err(io)
}

/// Writes a new image file at `out` holding `user:name`: built as `out.part` and renamed,
/// so a failure leaves no file behind and never a half-written one.
pub fn create_image(
    out: &Path,
    fmt: &DiskFormat,
    user: u8,
    name: &CpmName,
    data: &[u8],
) -> Result<Added, DiskError> {
    let shown = out.display().to_string();
    let mut tmp = out.as_os_str().to_owned();
    tmp.push(".part");
    let tmp = PathBuf::from(tmp);
    let io = |source| DiskError::Io {
        path: shown.clone(),
        source,
    };
    let result = (|| {
        let mut f = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)
            .map_err(io)?;
        // Zero-filled and sparse where the file system allows: card images are large.
        f.set_len(new_image_len(fmt)).map_err(io)?;
        format_new(&mut f, &shown, fmt)?;
        let added = add_file(&mut f, &shown, fmt, user, name, data)?;
        f.sync_all().map_err(io)?;
        Ok(added)
    })();
    match result {
        Ok(added) => {
            std::fs::rename(&tmp, out).map_err(io)?;
            Ok(added)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// Adds `user:name` to the existing image (or card device) at `path`, in place.
pub fn add_to_image(
    path: &Path,
    fmt: &DiskFormat,
    user: u8,
    name: &CpmName,
    data: &[u8],
) -> Result<Added, DiskError> {
    let shown = path.display().to_string();
    let io = |source| DiskError::Io {
        path: shown.clone(),
        source,
    };
    let mut f = OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(io)?;
    let added = add_file(&mut f, &shown, fmt, user, name, data)?;
    f.sync_all().map_err(io)?;
    Ok(added)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn blank(fmt: &DiskFormat) -> Cursor<Vec<u8>> {
        let mut c = Cursor::new(vec![0u8; new_image_len(fmt) as usize]);
        format_new(&mut c, "t.img", fmt).unwrap();
        c
    }

    /// Reads a file back the way CP/M does: entries of that name in extent order.
    fn read_back(img: &[u8], fmt: &DiskFormat, user: u8, name: &CpmName) -> Vec<u8> {
        let fs = Fs::new(fmt, "t.img");
        let mut c = Cursor::new(img.to_vec());
        let dir = fs.read_dir(&mut c).unwrap();
        let d = &fmt.def;
        let mut entries: Vec<&[u8]> = dir
            .chunks_exact(32)
            .filter(|e| e[0] == user && &e[1..12] == name.bytes())
            .collect();
        entries.sort_by_key(|e| usize::from(e[14]) * 32 + usize::from(e[12]));
        let mut out = Vec::new();
        let mut records = 0;
        for e in &entries {
            let ext = usize::from(e[14]) * 32 + usize::from(e[12]);
            records = ext * 128 + usize::from(e[15]);
            let ptrs: Vec<u32> = if d.byte_pointers() {
                e[16..].iter().map(|&b| u32::from(b)).collect()
            } else {
                e[16..]
                    .chunks_exact(2)
                    .map(|p| u32::from(u16::from_le_bytes([p[0], p[1]])))
                    .collect()
            };
            for p in ptrs.into_iter().filter(|&p| p != 0) {
                for off in fs.block_sectors(p) {
                    let off = off as usize;
                    out.extend_from_slice(&img[off..off + d.seclen as usize]);
                }
            }
        }
        out.truncate(records * RECORD);
        out
    }

    fn program(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 7 + i / 251) as u8).collect()
    }

    #[test]
    fn files_of_many_sizes_read_back_in_every_format() {
        for name in ["wbw_hd1k", "wbw_hd1k_1", "wbw_hd512_1", "ibm-3740", "kpii"] {
            let fmt = DiskFormat::by_name(name).unwrap();
            for len in [0, 1, 128, 300, 16384, 16385, 40000, 70000] {
                let mut img = blank(&fmt);
                let n = CpmName::parse("chat.com").unwrap();
                let data = program(len);
                add_file(&mut img, "t.img", &fmt, 0, &n, &data).unwrap();
                let back = read_back(img.get_ref(), &fmt, 0, &n);
                assert_eq!(back.len(), len.div_ceil(128) * 128, "{name} {len}");
                assert_eq!(&back[..len], &data[..], "{name} {len}");
                assert!(back[len..].iter().all(|&b| b == PAD), "{name} {len}");
            }
        }
    }

    #[test]
    fn a_second_file_keeps_the_first_and_a_clash_or_full_disk_writes_nothing() {
        let fmt = DiskFormat::by_name("ibm-3740").unwrap();
        let mut img = blank(&fmt);
        let a = CpmName::parse("A.COM").unwrap();
        let b = CpmName::parse("B.COM").unwrap();
        add_file(&mut img, "t.img", &fmt, 0, &a, &program(5000)).unwrap();
        add_file(&mut img, "t.img", &fmt, 3, &b, &program(9000)).unwrap();
        assert_eq!(
            read_back(img.get_ref(), &fmt, 0, &a)[..5000],
            program(5000)[..]
        );
        assert_eq!(
            read_back(img.get_ref(), &fmt, 3, &b)[..9000],
            program(9000)[..]
        );
        let before = img.get_ref().clone();
        let clash = add_file(&mut img, "t.img", &fmt, 0, &a, &[1, 2, 3]).unwrap_err();
        assert!(matches!(clash, DiskError::NameClash { .. }), "{clash}");
        // The same name in another user area is another file.
        add_file(&mut img.clone(), "t.img", &fmt, 1, &a, &[1]).unwrap();
        let big = add_file(
            &mut img,
            "t.img",
            &fmt,
            0,
            &CpmName::parse("C").unwrap(),
            &program(250_000),
        )
        .unwrap_err();
        assert!(matches!(big, DiskError::DiskFull { .. }), "{big}");
        assert_eq!(img.get_ref(), &before);
    }

    #[test]
    fn a_full_directory_is_an_error() {
        let fmt = DiskFormat::by_name("kpii").unwrap();
        let mut img = blank(&fmt);
        for i in 0..64 {
            let n = CpmName::parse(&format!("F{i}")).unwrap();
            add_file(&mut img, "t.img", &fmt, 0, &n, &[i as u8]).unwrap();
        }
        let e = add_file(
            &mut img,
            "t.img",
            &fmt,
            0,
            &CpmName::parse("X").unwrap(),
            &[0],
        )
        .unwrap_err();
        assert!(
            matches!(
                e,
                DiskError::DirectoryFull {
                    needed: 1,
                    free: 0,
                    ..
                }
            ),
            "{e}"
        );
    }

    #[test]
    fn cards_must_be_in_the_layout_the_format_names() {
        let hd1k = DiskFormat::by_name("wbw_hd1k_0").unwrap();
        let hd512 = DiskFormat::by_name("wbw_hd512_0").unwrap();
        let n = CpmName::parse("CHAT.COM").unwrap();
        // A legacy card (no partition) refused as hd1k, and the other way round.
        let mut legacy = Cursor::new(vec![0u8; new_image_len(&hd1k) as usize]);
        format_new(&mut legacy, "c.img", &hd512).unwrap();
        let e = add_file(&mut legacy, "c.img", &hd1k, 0, &n, &[1]).unwrap_err();
        assert!(matches!(e, DiskError::NoRomwbwPartition { .. }), "{e}");
        let mut modern = blank(&hd1k);
        let e = add_file(&mut modern, "c.img", &hd512, 0, &n, &[1]).unwrap_err();
        assert!(matches!(e, DiskError::Hd1kCard { .. }), "{e}");
        // An unformatted (zeroed) slice is not taken for an empty one.
        let mut zero = Cursor::new(hd1k_mbr(1).to_vec());
        zero.get_mut().resize(new_image_len(&hd1k) as usize, 0);
        let e = add_file(&mut zero, "c.img", &hd1k, 0, &n, &[1]).unwrap_err();
        assert!(
            matches!(e, DiskError::NotThisFormat { entry: 0, .. }),
            "{e}"
        );
        // A whole card given as one bare slice.
        let bare = DiskFormat::by_name("wbw_hd1k").unwrap();
        let e = add_file(&mut blank(&hd1k), "c.img", &bare, 0, &n, &[1]).unwrap_err();
        assert!(matches!(e, DiskError::WholeCard { .. }), "{e}");
        let mut short = Cursor::new(vec![0u8; 1000]);
        let e = add_file(&mut short, "c.img", &hd1k, 0, &n, &[1]).unwrap_err();
        assert!(matches!(e, DiskError::TooSmall { .. }), "{e}");
    }

    #[test]
    fn the_mbr_matches_romwbws_prefix() {
        // hd1k_prefix.dat: partition 1 = 00 | 00 01 08 | 2E | 0F D0 FF | 00080000 | 00001000.
        let m = hd1k_mbr(64);
        assert_eq!(
            m[446..462],
            [0, 0, 1, 8, 0x2e, 0x0f, 0xd0, 0xff, 0, 8, 0, 0, 0, 0, 0x10, 0]
        );
    }

    #[test]
    fn names() {
        assert_eq!(CpmName::parse("chat.com").unwrap().to_string(), "CHAT.COM");
        assert_eq!(CpmName::parse("README").unwrap().to_string(), "README");
        for bad in [
            "",
            ".COM",
            "TOOLONGNAME.COM",
            "A.COMX",
            "A B.COM",
            "A*.COM",
            "A.B.C",
        ] {
            assert!(CpmName::parse(bad).is_err(), "{bad}");
        }
    }
}
