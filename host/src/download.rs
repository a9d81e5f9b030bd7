//! DOWNLOAD.COM packages: a CP/M file as text to paste into a terminal, in the format of Grant
//! Searle's `DOWNLOAD.COM` (his CP/M-on-a-breadboard pages; RomWBW ships the program, its
//! disk catalog: "Grant Searle's DOWNLOAD, used by File Packager").
//!
//! ```text
//! A:DOWNLOAD CHAT.COM          the CCP runs DOWNLOAD with the file name as its argument
//! U0                           user area (one hex digit)
//! :C3...5A>3E91                ':' then two upper-case hex digits per byte, then '>',
//!                              the byte count's low byte and the byte sum's low byte in hex
//! ```
//!
//! DOWNLOAD skips everything before `U` or `:`, then reads hex pairs up to `>`, writing the file
//! one 128-byte record at a time through the BDOS, and answers `OK` or a length/checksum error.
//! The hex stream must stay on one line: the receiver takes every character between `:` and
//! `>` as a hex digit.

use crate::cpmdisk::CpmName;

/// What cannot be packaged.
#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    #[error("user area {user} is not 0-15")]
    BadUser { user: u8 },
}

/// The package text for `data` as `user:name`, lines ended with CR LF (what a terminal sends
/// for Enter; the CCP also ends a line on LF).
pub fn package(name: &CpmName, user: u8, data: &[u8]) -> Result<Vec<u8>, PackageError> {
    if user > 15 {
        return Err(PackageError::BadUser { user });
    }
    let mut out = Vec::with_capacity(data.len() * 2 + 64);
    out.extend_from_slice(format!("A:DOWNLOAD {name}\r\nU{user:X}\r\n:").as_bytes());
    let mut sum = 0u8;
    for &b in data {
        out.extend_from_slice(format!("{b:02X}").as_bytes());
        sum = sum.wrapping_add(b);
    }
    out.extend_from_slice(format!(">{:02X}{sum:02X}\r\n", data.len() as u8).as_bytes());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_file_in_the_documented_layout() {
        let name = CpmName::parse("hi.com").unwrap();
        let pkg = package(&name, 0, &[0xc3, 0x00, 0x01, 0xff]).unwrap();
        // 4 bytes; sum 0xC3 + 0x01 + 0xFF = 0x1C3 -> C3.
        assert_eq!(
            String::from_utf8(pkg).unwrap(),
            "A:DOWNLOAD HI.COM\r\nU0\r\n:C30001FF>04C3\r\n"
        );
        let pkg = package(&name, 12, &[]).unwrap();
        assert_eq!(
            String::from_utf8(pkg).unwrap(),
            "A:DOWNLOAD HI.COM\r\nUC\r\n:>0000\r\n"
        );
        assert!(package(&name, 16, &[]).is_err());
    }
}
