//! The `.npz` container (spec §2): a ZIP archive of *stored* `.npy` members. Reading takes member
//! names and sizes from the central directory, so the ZIP64 extra field numpy writes in local
//! headers does not matter; writing produces a plain stored ZIP that `np.load` reads.
//!
//! Only what model files need is supported: `.npy` versions 1.0–3.0, C order, and the dtypes
//! `|i1`, `<i2` and `|S<n>`. Everything else is a typed [`NpzError`], never a panic.

use std::collections::BTreeMap;

/// A problem with the container or one of its members.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NpzError {
    #[error("not a zip archive (an .npz model file is a zip of .npy arrays)")]
    NotZip,
    #[error("zip archive is truncated or corrupt: {0}")]
    Corrupt(String),
    #[error("member {0:?} is compressed (method {1}); model files store members uncompressed")]
    Compressed(String, u16),
    #[error("member {0:?} is not a .npy array: {1}")]
    BadNpy(String, String),
}

/// The element type of an array.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dtype {
    /// `|i1`
    I8,
    /// `<i2`
    I16,
    /// `|S<n>`: fixed-size byte strings of n bytes.
    Bytes(usize),
    /// Anything else, kept verbatim for the error message.
    Other(String),
}

impl std::fmt::Display for Dtype {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Dtype::I8 => f.write_str("|i1"),
            Dtype::I16 => f.write_str("<i2"),
            Dtype::Bytes(n) => write!(f, "|S{n}"),
            Dtype::Other(s) => f.write_str(s),
        }
    }
}

/// One `.npy` array: dtype, shape and raw little-endian data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Array {
    pub dtype: Dtype,
    pub shape: Vec<usize>,
    pub data: Vec<u8>,
}

impl Array {
    pub fn i8(shape: Vec<usize>, values: &[i8]) -> Self {
        let data = values.iter().map(|&v| v as u8).collect();
        Array {
            dtype: Dtype::I8,
            shape,
            data,
        }
    }

    pub fn i16(shape: Vec<usize>, values: &[i16]) -> Self {
        let data = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        Array {
            dtype: Dtype::I16,
            shape,
            data,
        }
    }

    /// A 0-d byte-string array (`|S<n>`, shape `()`), as numpy stores `np.bytes_`.
    pub fn bytes(value: &[u8]) -> Self {
        Array {
            dtype: Dtype::Bytes(value.len()),
            shape: vec![],
            data: value.to_vec(),
        }
    }

    pub fn as_i16(&self) -> Vec<i16> {
        self.data
            .chunks_exact(2)
            .map(|c| i16::from_le_bytes([c[0], c[1]]))
            .collect()
    }

    pub fn as_i8(&self) -> Vec<i8> {
        self.data.iter().map(|&b| b as i8).collect()
    }
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// Reads every member of a stored ZIP archive into `name -> bytes`, from the central directory.
pub fn read_zip(bytes: &[u8]) -> Result<BTreeMap<String, Vec<u8>>, NpzError> {
    if bytes.len() < 22 || !bytes.starts_with(b"PK") {
        return Err(NpzError::NotZip);
    }
    let corrupt = |what: &str| NpzError::Corrupt(what.to_string());
    // End of central directory: the last "PK\5\6" within the final 64 KiB + 22 bytes.
    let lo = bytes.len().saturating_sub(22 + 65535);
    let eocd = (lo..=bytes.len() - 22)
        .rev()
        .find(|&i| bytes[i..i + 4] == *b"PK\x05\x06")
        .ok_or_else(|| corrupt("no end-of-central-directory record"))?;
    let mut count = u64::from(u16_at(bytes, eocd + 10).ok_or_else(|| corrupt("eocd"))?);
    let mut cd_off = u64::from(u32_at(bytes, eocd + 16).ok_or_else(|| corrupt("eocd"))?);
    if (count == 0xFFFF || cd_off == 0xFFFF_FFFF)
        && eocd >= 20
        && bytes[eocd - 20..eocd - 16] == *b"PK\x06\x07"
    {
        let z64 = u64_at(bytes, eocd - 12).ok_or_else(|| corrupt("zip64 locator"))? as usize;
        if bytes.get(z64..z64 + 4) != Some(b"PK\x06\x06") {
            return Err(corrupt("zip64 end-of-central-directory record"));
        }
        count = u64_at(bytes, z64 + 32).ok_or_else(|| corrupt("zip64 eocd"))?;
        cd_off = u64_at(bytes, z64 + 48).ok_or_else(|| corrupt("zip64 eocd"))?;
    }
    let mut members = BTreeMap::new();
    let mut at = usize::try_from(cd_off).map_err(|_| corrupt("central directory offset"))?;
    for _ in 0..count {
        if bytes.get(at..at + 4) != Some(b"PK\x01\x02") {
            return Err(corrupt("central directory entry"));
        }
        let hdr =
            |o: usize| u32_at(bytes, at + o).ok_or_else(|| corrupt("central directory entry"));
        let hdr16 =
            |o: usize| u16_at(bytes, at + o).ok_or_else(|| corrupt("central directory entry"));
        let method = hdr16(10)?;
        let mut csize = u64::from(hdr(20)?);
        let mut usize_ = u64::from(hdr(24)?);
        let name_len = usize::from(hdr16(28)?);
        let extra_len = usize::from(hdr16(30)?);
        let comment_len = usize::from(hdr16(32)?);
        let mut local = u64::from(hdr(42)?);
        let name_bytes = bytes
            .get(at + 46..at + 46 + name_len)
            .ok_or_else(|| corrupt("member name"))?;
        let name = String::from_utf8_lossy(name_bytes).into_owned();
        // ZIP64 extra field in the central directory: values that are 0xFFFFFFFF follow in order.
        let extra = bytes
            .get(at + 46 + name_len..at + 46 + name_len + extra_len)
            .ok_or_else(|| corrupt("extra field"))?;
        let mut e = 0;
        while e + 4 <= extra.len() {
            let id = u16_at(extra, e).unwrap_or(0);
            let len = usize::from(u16_at(extra, e + 2).unwrap_or(0));
            if id == 1 {
                let mut f = e + 4;
                for v in [&mut usize_, &mut csize, &mut local] {
                    if *v == 0xFFFF_FFFF {
                        *v = u64_at(extra, f).ok_or_else(|| corrupt("zip64 extra field"))?;
                        f += 8;
                    }
                }
            }
            e += 4 + len;
        }
        if method != 0 {
            return Err(NpzError::Compressed(name, method));
        }
        if csize != usize_ {
            return Err(corrupt("stored member sizes disagree"));
        }
        let local = usize::try_from(local).map_err(|_| corrupt("local header offset"))?;
        if bytes.get(local..local + 4) != Some(b"PK\x03\x04") {
            return Err(corrupt("local header"));
        }
        let lname = usize::from(u16_at(bytes, local + 26).ok_or_else(|| corrupt("local header"))?);
        let lextra = usize::from(u16_at(bytes, local + 28).ok_or_else(|| corrupt("local header"))?);
        let start = local + 30 + lname + lextra;
        let end = usize::try_from(csize)
            .ok()
            .and_then(|n| start.checked_add(n))
            .ok_or_else(|| corrupt("member size"))?;
        let data = bytes
            .get(start..end)
            .ok_or_else(|| corrupt("member data runs past the end"))?;
        members.insert(name, data.to_vec());
        at += 46 + name_len + extra_len + comment_len;
    }
    Ok(members)
}

/// Parses one `.npy` member.
pub fn parse_npy(name: &str, b: &[u8]) -> Result<Array, NpzError> {
    let bad = |why: &str| NpzError::BadNpy(name.to_string(), why.to_string());
    if !b.starts_with(b"\x93NUMPY") || b.len() < 10 {
        return Err(bad("missing \\x93NUMPY magic"));
    }
    let (hlen, start) = match b[6] {
        1 => (usize::from(u16_at(b, 8).unwrap_or(0)), 10usize),
        2 | 3 => (
            u32_at(b, 8).ok_or_else(|| bad("truncated header"))? as usize,
            12,
        ),
        v => return Err(bad(&format!("unsupported .npy version {v}"))),
    };
    let header = b
        .get(start..start.saturating_add(hlen))
        .ok_or_else(|| bad("truncated header"))?;
    let header = std::str::from_utf8(header).map_err(|_| bad("header is not text"))?;
    let field = |key: &str| -> Option<&str> {
        let at = header.find(&format!("'{key}'"))? + key.len() + 2;
        let rest = header[at..].trim_start().strip_prefix(':')?.trim_start();
        Some(rest)
    };
    let descr = field("descr").ok_or_else(|| bad("header has no 'descr'"))?;
    let descr = descr
        .strip_prefix('\'')
        .and_then(|d| d.split('\'').next())
        .ok_or_else(|| bad("malformed 'descr'"))?;
    let dtype = match descr {
        "|i1" | "i1" | "<i1" => Dtype::I8,
        "<i2" => Dtype::I16,
        d if d.starts_with("|S") => {
            Dtype::Bytes(d[2..].parse().map_err(|_| bad("malformed |S dtype"))?)
        }
        d => Dtype::Other(d.to_string()),
    };
    let fortran = field("fortran_order").ok_or_else(|| bad("header has no 'fortran_order'"))?;
    if fortran.starts_with("True") {
        return Err(bad("Fortran order is not supported (save with C order)"));
    }
    let shape = field("shape").ok_or_else(|| bad("header has no 'shape'"))?;
    let shape = shape
        .strip_prefix('(')
        .and_then(|s| s.split(')').next())
        .ok_or_else(|| bad("malformed 'shape'"))?;
    let shape = shape
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.trim_end_matches('L')
                .parse::<usize>()
                .map_err(|_| bad("malformed 'shape'"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let item = match dtype {
        Dtype::I8 => 1,
        Dtype::I16 => 2,
        Dtype::Bytes(n) => n,
        Dtype::Other(_) => 0,
    };
    let count = shape
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .ok_or_else(|| bad("shape too large"))?;
    let need = count
        .checked_mul(item)
        .ok_or_else(|| bad("shape too large"))?;
    let data = &b[start + hlen..];
    if !matches!(dtype, Dtype::Other(_)) && data.len() != need {
        return Err(bad(&format!(
            "data is {} bytes, shape {:?} of {} needs {need}",
            data.len(),
            shape,
            dtype
        )));
    }
    Ok(Array {
        dtype,
        shape,
        data: data.to_vec(),
    })
}

/// Serialises one array as `.npy` version 1.0 (header padded to a multiple of 64 bytes).
pub fn write_npy(a: &Array) -> Vec<u8> {
    let shape = match a.shape.len() {
        0 => "()".to_string(),
        1 => format!("({},)", a.shape[0]),
        _ => format!(
            "({})",
            a.shape
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let mut header = format!(
        "{{'descr': '{}', 'fortran_order': False, 'shape': {shape}, }}",
        a.dtype
    );
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(&a.data);
    out
}

/// Writes a stored (uncompressed) ZIP archive with fixed timestamps, so the same arrays always
/// give the same bytes.
pub fn write_zip(members: &[(String, Vec<u8>)]) -> Vec<u8> {
    const CRC: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);
    let mut out = Vec::new();
    let mut central = Vec::new();
    // 1980-01-01 00:00:00 in DOS format.
    let (time, date) = (0u16, 0x21u16);
    for (name, data) in members {
        let offset = out.len() as u32;
        let crc = CRC.checksum(data);
        let mut common = Vec::new();
        common.extend_from_slice(&20u16.to_le_bytes()); // version needed
        common.extend_from_slice(&0u16.to_le_bytes()); // flags
        common.extend_from_slice(&0u16.to_le_bytes()); // method: stored
        common.extend_from_slice(&time.to_le_bytes());
        common.extend_from_slice(&date.to_le_bytes());
        common.extend_from_slice(&crc.to_le_bytes());
        common.extend_from_slice(&(data.len() as u32).to_le_bytes());
        common.extend_from_slice(&(data.len() as u32).to_le_bytes());
        common.extend_from_slice(&(name.len() as u16).to_le_bytes());
        common.extend_from_slice(&0u16.to_le_bytes()); // extra length
        out.extend_from_slice(b"PK\x03\x04");
        out.extend_from_slice(&common);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        central.extend_from_slice(b"PK\x01\x02");
        central.extend_from_slice(&20u16.to_le_bytes()); // version made by
        central.extend_from_slice(&common);
        central.extend_from_slice(&[0; 6]); // comment len, disk, internal attrs
        central.extend_from_slice(&0u32.to_le_bytes()); // external attrs
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let cd_off = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(b"PK\x05\x06");
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&(members.len() as u16).to_le_bytes());
    out.extend_from_slice(&(members.len() as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&cd_off.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}
