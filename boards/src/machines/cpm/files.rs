//! Drive A of the emulated CP/M 2.2 machine: files kept by name, served through the BDOS file
//! functions, and the CCP's loading of a transient command from it.
//!
//! The drive is a set of files (user area, 8+3 name, bytes), not a block device: the BDOS
//! functions act on whole 128-byte records at the position the FCB names, the way the CP/M 2.2
//! Interface Guide §3 describes them (function numbers and return codes as there):
//! - 13 reset disks (DMA back to 0x0080), 14 select disk (A only), 25 current disk;
//! - 15 open, 16 close, 19 delete, 22 make: 0 on success, 0xFF if no such file (or, for
//!   another drive than A, 0xFF: there is none);
//! - 17/18 search first/next: the matching entry at the DMA, code 0, then 0xFF;
//! - 20 read sequential: 0, or 1 at end of file; 21 write sequential: 0;
//! - 26 set DMA; 32 get (E = 0xFF) or set the user area.
//!
//! A file's record position is `(S2 & 0x3F) * 4096 + EX * 128 + CR` (16 KiB logical extents
//! of 128 records, 32 extents per S2 module); reading and writing advance CR and roll it into
//! EX and S2 as the BDOS does. Names match with bit 7 of each character cleared, and `?`
//! matches any character in open, delete and search.

use std::collections::BTreeMap;

use super::Cpm;

/// One record: the BDOS unit of file I/O.
pub const RECORD: usize = 128;

/// The files of drive A: (user area, the 11 name bytes) → contents.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Drive {
    files: BTreeMap<(u8, [u8; 11]), Vec<u8>>,
}

/// The 11 FCB name bytes of `NAME.TYP` (upper-cased, space padded; `None` if it cannot be one).
pub fn fcb_name(name: &str) -> Option<[u8; 11]> {
    let (n, t) = name.split_once('.').unwrap_or((name, ""));
    if n.is_empty() || n.len() > 8 || t.len() > 3 || !name.is_ascii() {
        return None;
    }
    let mut out = [b' '; 11];
    out[..n.len()].copy_from_slice(n.to_ascii_uppercase().as_bytes());
    out[8..8 + t.len()].copy_from_slice(t.to_ascii_uppercase().as_bytes());
    Some(out)
}

impl Drive {
    /// Puts a file on the drive (replacing one of that name), as copying it onto the disk would.
    pub fn insert(&mut self, user: u8, name: &str, bytes: &[u8]) -> Option<()> {
        self.files.insert((user, fcb_name(name)?), bytes.to_vec());
        Some(())
    }

    /// A file's contents: whole 128-byte records if the program wrote it through the BDOS.
    pub fn file(&self, user: u8, name: &str) -> Option<&[u8]> {
        self.files.get(&(user, fcb_name(name)?)).map(Vec::as_slice)
    }

    /// Every file as (user, `NAME.TYP`).
    pub fn list(&self) -> Vec<(u8, String)> {
        self.files
            .keys()
            .map(|(u, n)| {
                let name = String::from_utf8_lossy(&n[..8]).trim_end().to_string();
                let typ = String::from_utf8_lossy(&n[8..]).trim_end().to_string();
                (
                    *u,
                    if typ.is_empty() {
                        name
                    } else {
                        format!("{name}.{typ}")
                    },
                )
            })
            .collect()
    }

    fn matches(&self, user: u8, pattern: &[u8]) -> Vec<(u8, [u8; 11])> {
        self.files
            .keys()
            .filter(|(u, n)| {
                *u == user
                    && n.iter()
                        .zip(pattern)
                        .all(|(a, p)| *p & 0x7f == b'?' || a & 0x7f == p & 0x7f)
            })
            .copied()
            .collect()
    }
}

/// Outcome of a search in progress (function 18 continues it).
#[derive(Debug, Clone, Default)]
pub(super) struct Search {
    pub left: Vec<(u8, [u8; 11])>,
}

impl Cpm {
    /// The FCB at DE: (drive byte, 11 name bytes).
    fn fcb(&self, de: u16) -> (u8, [u8; 11]) {
        let at = usize::from(de);
        let mut name = [0u8; 11];
        for (i, n) in name.iter_mut().enumerate() {
            *n = self.mem[(at + 1 + i) & 0xffff] & 0x7f;
        }
        (self.mem[at], name)
    }

    fn fcb_byte(&self, de: u16, off: u16) -> u8 {
        self.mem[usize::from(de.wrapping_add(off))]
    }

    fn set_fcb_byte(&mut self, de: u16, off: u16, v: u8) {
        self.mem[usize::from(de.wrapping_add(off))] = v;
    }

    /// The record the FCB at DE points at.
    fn fcb_record(&self, de: u16) -> usize {
        let s2 = usize::from(self.fcb_byte(de, 14) & 0x3f);
        let ex = usize::from(self.fcb_byte(de, 12) & 0x1f);
        let cr = usize::from(self.fcb_byte(de, 32));
        (s2 * 32 + ex) * 128 + cr
    }

    /// Points the FCB at `record` (EX, S2, CR) and sets RC to the records of that extent.
    fn set_fcb_record(&mut self, de: u16, record: usize, file_records: usize) {
        let ext = record / 128;
        self.set_fcb_byte(de, 32, (record % 128) as u8);
        self.set_fcb_byte(de, 12, (ext % 32) as u8);
        self.set_fcb_byte(de, 14, (ext / 32) as u8);
        let rc = file_records.saturating_sub(ext * 128).min(128);
        self.set_fcb_byte(de, 15, rc as u8);
    }

    /// Only drive A (FCB drive 0 = current, 1 = A) exists.
    fn on_a(drive: u8) -> bool {
        drive == 0 || drive == 1
    }

    /// BDOS file functions; `None` for a function number that is not one of them.
    pub(super) fn file_function(&mut self, function: u8, de: u16, e: u8) -> Option<u16> {
        let user = self.user;
        let r = match function {
            13 => {
                self.dma = 0x0080;
                0
            }
            14 => {
                if e == 0 {
                    0
                } else {
                    0xff
                }
            }
            15 => {
                let (drive, name) = self.fcb(de);
                let found = Self::on_a(drive)
                    .then(|| self.drive.matches(user, &name).first().copied())
                    .flatten();
                match found {
                    Some(key) => {
                        let records = self.drive.files[&key].len().div_ceil(RECORD);
                        let ext = usize::from(self.fcb_byte(de, 12) & 0x1f)
                            + 32 * usize::from(self.fcb_byte(de, 14) & 0x3f);
                        // Open keeps EX and CR as the program set them; RC comes from the entry.
                        let rc = records.saturating_sub(ext * 128).min(128);
                        self.set_fcb_byte(de, 15, rc as u8);
                        for (i, b) in key.1.iter().enumerate() {
                            self.set_fcb_byte(de, 1 + i as u16, *b);
                        }
                        0
                    }
                    None => 0xff,
                }
            }
            16 => {
                let (drive, name) = self.fcb(de);
                if Self::on_a(drive) && self.drive.files.contains_key(&(user, name)) {
                    0
                } else {
                    0xff
                }
            }
            17 | 18 => {
                if function == 17 {
                    let (drive, name) = self.fcb(de);
                    self.search.left = if Self::on_a(drive) {
                        self.drive.matches(user, &name)
                    } else {
                        Vec::new()
                    };
                    self.search.left.reverse();
                }
                match self.search.left.pop() {
                    Some((u, n)) => {
                        let records = self.drive.files[&(u, n)].len().div_ceil(RECORD);
                        let mut entry = [0u8; 32];
                        entry[0] = u;
                        entry[1..12].copy_from_slice(&n);
                        let last_ext = records.saturating_sub(1) / 128;
                        entry[12] = (last_ext % 32) as u8;
                        entry[14] = (last_ext / 32) as u8;
                        entry[15] = (records - last_ext * 128).min(128) as u8;
                        let dma = usize::from(self.dma);
                        for (i, b) in entry.iter().enumerate() {
                            self.mem[(dma + i) & 0xffff] = *b;
                        }
                        0
                    }
                    None => 0xff,
                }
            }
            19 => {
                let (drive, name) = self.fcb(de);
                let hit = if Self::on_a(drive) {
                    self.drive.matches(user, &name)
                } else {
                    Vec::new()
                };
                for k in &hit {
                    self.drive.files.remove(k);
                }
                if hit.is_empty() {
                    0xff
                } else {
                    0
                }
            }
            20 => {
                let (drive, name) = self.fcb(de);
                let record = self.fcb_record(de);
                let Some(data) = self
                    .drive
                    .files
                    .get(&(user, name))
                    .filter(|_| Self::on_a(drive))
                else {
                    return Some(1);
                };
                let records = data.len().div_ceil(RECORD);
                if record >= records {
                    return Some(1);
                }
                // A file put on the drive by the host may end inside a record: pad with ^Z.
                let mut buf = [0x1au8; RECORD];
                let part = &data[record * RECORD..data.len().min((record + 1) * RECORD)];
                buf[..part.len()].copy_from_slice(part);
                let dma = usize::from(self.dma);
                for (i, b) in buf.iter().enumerate() {
                    self.mem[(dma + i) & 0xffff] = *b;
                }
                self.set_fcb_record(de, record + 1, records);
                0
            }
            21 => {
                let (drive, name) = self.fcb(de);
                let record = self.fcb_record(de);
                let dma = usize::from(self.dma);
                let buf: Vec<u8> = (0..RECORD).map(|i| self.mem[(dma + i) & 0xffff]).collect();
                let Some(data) = self
                    .drive
                    .files
                    .get_mut(&(user, name))
                    .filter(|_| Self::on_a(drive))
                else {
                    // Writing to a file that was never made or opened: "no directory space".
                    return Some(1);
                };
                let end = (record + 1) * RECORD;
                if data.len() < end {
                    data.resize(end, 0);
                }
                data[record * RECORD..end].copy_from_slice(&buf);
                let records = data.len().div_ceil(RECORD);
                self.set_fcb_record(de, record + 1, records);
                0
            }
            22 => {
                let (drive, name) = self.fcb(de);
                if !Self::on_a(drive) || name.contains(&b'?') {
                    0xff
                } else {
                    self.drive.files.insert((user, name), Vec::new());
                    self.set_fcb_byte(de, 15, 0);
                    0
                }
            }
            25 => 0,
            26 => {
                self.dma = de;
                0
            }
            32 => {
                if e == 0xff {
                    u16::from(self.user)
                } else {
                    self.user = e & 0x0f;
                    0
                }
            }
            _ => return None,
        };
        Some(r)
    }
}
