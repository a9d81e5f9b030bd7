//! The cassette side of a ZX Spectrum: `.tap` files, WAV recordings decoded back to blocks, and a
//! tape deck that plays blocks into the ULA's EAR input with the 48K ROM's standard timings.
//!
//! Formats (Sinclair Wiki "TAP format" and "Spectrum tape interface"): a `.tap` file is a list of
//! (little-endian u16 length, bytes) records; the bytes are exactly what the ROM's `LD-BYTES`
//! reads: flag, payload, XOR checksum. On tape each block is a pilot tone of 2168 T-state pulses
//! (8063 before a header, flag < 0x80; 3223 before data), sync pulses of 667 and 735 T, then each
//! bit, most significant first, as two pulses of 855 T (0) or 1710 T (1). This module is written
//! independently of the host's tape writer so that each checks the other.

use thiserror::Error;

/// T-states per second of the 48K Spectrum's Z80.
pub const CPU_HZ: u64 = 3_500_000;
const PILOT: u32 = 2168;
const SYNC1: u32 = 667;
const SYNC2: u32 = 735;
const ZERO: u32 = 855;
const ONE: u32 = 1710;
const PAUSE: u64 = CPU_HZ; // 1 s after each block

/// Why a tape file could not be read.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum TapeError {
    #[error(".tap file ends inside block {block} at byte {offset} (needs {need} more bytes)")]
    Truncated {
        block: usize,
        offset: usize,
        need: usize,
    },
    #[error(".tap block {block} at byte {offset} is empty (length 0)")]
    EmptyBlock { block: usize, offset: usize },
    #[error("not a WAV file: {0}")]
    Wav(&'static str),
    #[error("WAV format not supported: {0} (PCM 8- or 16-bit is)")]
    WavFormat(String),
}

/// Split a `.tap` file into its blocks (flag, payload, checksum each).
pub fn parse_tap(bytes: &[u8]) -> Result<Vec<Vec<u8>>, TapeError> {
    let mut blocks = Vec::new();
    let mut p = 0;
    while p < bytes.len() {
        let block = blocks.len();
        if p + 2 > bytes.len() {
            return Err(TapeError::Truncated {
                block,
                offset: p,
                need: p + 2 - bytes.len(),
            });
        }
        let len = usize::from(u16::from_le_bytes([bytes[p], bytes[p + 1]]));
        if len == 0 {
            return Err(TapeError::EmptyBlock { block, offset: p });
        }
        let end = p + 2 + len;
        if end > bytes.len() {
            return Err(TapeError::Truncated {
                block,
                offset: p,
                need: end - bytes.len(),
            });
        }
        blocks.push(bytes[p + 2..end].to_vec());
        p = end;
    }
    Ok(blocks)
}

/// True when the XOR of all bytes of a block (flag..checksum) is zero.
pub fn checksum_ok(block: &[u8]) -> bool {
    block.iter().fold(0, |a, b| a ^ b) == 0
}

/// A standard header block, decoded for listings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// 0 program, 1 number array, 2 character array, 3 code.
    pub kind: u8,
    pub name: String,
    pub length: u16,
    pub param1: u16,
    pub param2: u16,
}

impl Header {
    /// Decode a block (flag 0x00 + 17 bytes + checksum); `None` if it is not a header.
    pub fn parse(block: &[u8]) -> Option<Header> {
        if block.len() != 19 || block[0] != 0 {
            return None;
        }
        let w = |i: usize| u16::from_le_bytes([block[i], block[i + 1]]);
        Some(Header {
            kind: block[1],
            name: block[2..12].iter().map(|&c| c as char).collect(),
            length: w(12),
            param1: w(14),
            param2: w(16),
        })
    }
}

impl std::fmt::Display for Header {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.kind {
            0 if self.param1 < 32768 => {
                write!(f, "Program: {} LINE {}", self.name, self.param1)
            }
            0 => write!(f, "Program: {}", self.name),
            3 => write!(
                f,
                "Bytes: {} CODE {},{}",
                self.name, self.param1, self.length
            ),
            k => write!(f, "Array ({k}): {}", self.name),
        }
    }
}

/// The pulses (T-states) that the ROM's SAVE would produce for one block.
pub fn block_pulses(block: &[u8]) -> impl Iterator<Item = u32> + '_ {
    let pilot = if block.first().is_some_and(|&f| f < 0x80) {
        8063
    } else {
        3223
    };
    let bits = block.iter().flat_map(|&b| {
        (0..8).rev().flat_map(move |i| {
            let len = if b >> i & 1 == 1 { ONE } else { ZERO };
            [len, len]
        })
    });
    std::iter::repeat_n(PILOT, pilot)
        .chain([SYNC1, SYNC2])
        .chain(bits)
}

/// Decode a stream of pulse lengths (T-states) into blocks, as the ROM loader would: a pilot
/// of at least 256 pulses, a short sync pulse pair, then bit pulse pairs until a pulse that is
/// neither a 0 nor a 1 (a pause or the end). A block whose bytes do not fill a byte is dropped.
pub fn decode_pulses(pulses: &[u32]) -> Vec<Vec<u8>> {
    let near = |p: u32, want: u32| p.abs_diff(want) * 4 < want; // within 25 %
    let mut blocks = Vec::new();
    let mut i = 0;
    while i < pulses.len() {
        // Find a pilot tone.
        let start = i;
        while i < pulses.len() && near(pulses[i], PILOT) {
            i += 1;
        }
        if i - start < 256 {
            i = i.max(start + 1);
            continue;
        }
        // Sync: two pulses, together well below one pilot pulse pair.
        if i + 1 >= pulses.len() || pulses[i] > 1100 || pulses[i + 1] > 1100 {
            continue;
        }
        i += 2;
        let mut bytes = Vec::new();
        let (mut byte, mut nbits) = (0u8, 0);
        while i + 1 < pulses.len() {
            let (a, b) = (pulses[i], pulses[i + 1]);
            let bit = if near(a, ZERO) && near(b, ZERO) {
                0
            } else if near(a, ONE) && near(b, ONE) {
                1
            } else {
                break;
            };
            byte = byte << 1 | bit;
            nbits += 1;
            if nbits == 8 {
                bytes.push(byte);
                (byte, nbits) = (0, 0);
            }
            i += 2;
        }
        if !bytes.is_empty() {
            blocks.push(bytes);
        }
    }
    blocks
}

/// Decode a WAV recording (PCM, 8-bit unsigned or 16-bit signed, any channel count: the first
/// channel is used, any rate) into tape blocks. Edges are found with a hysteresis around the
/// midpoint of the signal's range.
pub fn decode_wav(wav: &[u8]) -> Result<Vec<Vec<u8>>, TapeError> {
    Ok(decode_pulses(&wav_pulses(wav)?))
}

/// The pulses (T-states between edges) of a WAV recording; see [`decode_wav`].
pub fn wav_pulses(wav: &[u8]) -> Result<Vec<u32>, TapeError> {
    let (rate, samples) = read_wav(wav)?;
    let (lo, hi) = samples
        .iter()
        .fold((i32::MAX, i32::MIN), |(l, h), &s| (l.min(s), h.max(s)));
    if samples.is_empty() || hi - lo < 16 {
        return Ok(Vec::new());
    }
    let mid = (lo + hi) / 2;
    let band = (hi - lo) / 8;
    let mut high = samples[0] > mid;
    let mut last_edge = 0usize;
    let mut pulses = Vec::new();
    for (n, &s) in samples.iter().enumerate() {
        let flip = if high { s < mid - band } else { s > mid + band };
        if flip {
            let len = (n - last_edge) as u64 * CPU_HZ / u64::from(rate);
            pulses.push(len.min(u64::from(u32::MAX)) as u32);
            last_edge = n;
            high = !high;
        }
    }
    let tail = (samples.len() - last_edge) as u64 * CPU_HZ / u64::from(rate);
    pulses.push(tail.min(u64::from(u32::MAX)) as u32);
    Ok(pulses)
}

/// Read a RIFF/WAVE file: (sample rate, first-channel samples as signed values).
fn read_wav(wav: &[u8]) -> Result<(u32, Vec<i32>), TapeError> {
    if wav.len() < 12 || &wav[0..4] != b"RIFF" || &wav[8..12] != b"WAVE" {
        return Err(TapeError::Wav("no RIFF/WAVE signature"));
    }
    let mut p = 12;
    let mut fmt: Option<(u16, u16, u32, u16)> = None;
    while p + 8 <= wav.len() {
        let id = &wav[p..p + 4];
        let len = u32::from_le_bytes(wav[p + 4..p + 8].try_into().unwrap_or_default()) as usize;
        let body = &wav[p + 8..(p + 8 + len).min(wav.len())];
        if id == b"fmt " {
            if body.len() < 16 {
                return Err(TapeError::Wav("fmt chunk too short"));
            }
            let u16_at = |i: usize| u16::from_le_bytes([body[i], body[i + 1]]);
            let rate = u32::from_le_bytes([body[4], body[5], body[6], body[7]]);
            fmt = Some((u16_at(0), u16_at(2), rate, u16_at(14)));
        } else if id == b"data" {
            let (format, channels, rate, bits) = fmt.ok_or(TapeError::Wav("data before fmt"))?;
            if format != 1 || channels == 0 || rate == 0 || !(bits == 8 || bits == 16) {
                return Err(TapeError::WavFormat(format!(
                    "format {format}, {channels} channels, {rate} Hz, {bits} bits"
                )));
            }
            let frame = usize::from(channels) * usize::from(bits / 8);
            let samples = body
                .chunks_exact(frame)
                .map(|f| match bits {
                    8 => i32::from(f[0]) - 128,
                    _ => i32::from(i16::from_le_bytes([f[0], f[1]])),
                })
                .collect();
            return Ok((rate, samples));
        }
        p += 8 + len + (len & 1);
    }
    Err(TapeError::Wav("no data chunk"))
}

/// A cassette player feeding the EAR input: blocks become pulses on demand, indexed by the
/// machine's T-state clock. `ear(now)` is the level at `now`; the tape runs while `playing`.
#[derive(Debug, Default)]
pub struct TapeDeck {
    blocks: Vec<Vec<u8>>,
    next_block: usize,
    pulses: Vec<u32>,
    pulse: usize,
    /// T-state at which the current pulse ends.
    edge_at: u64,
    level: bool,
    playing: bool,
}

impl TapeDeck {
    pub fn new(blocks: Vec<Vec<u8>>) -> Self {
        TapeDeck {
            blocks,
            ..Default::default()
        }
    }

    /// A deck that plays exactly these pulses (e.g. from [`wav_pulses`]); it has no blocks
    /// for the loader trap.
    pub fn from_pulses(pulses: Vec<u32>) -> Self {
        TapeDeck {
            pulses,
            ..Default::default()
        }
    }

    /// Start (or resume) the tape at machine time `now`.
    pub fn play(&mut self, now: u64) {
        if !self.playing {
            self.playing = true;
            self.edge_at = now;
        }
    }

    pub fn stop(&mut self) {
        self.playing = false;
    }

    pub fn is_playing(&self) -> bool {
        self.playing
    }

    /// True once every block has been played.
    pub fn at_end(&self) -> bool {
        self.next_block >= self.blocks.len() && self.pulse >= self.pulses.len()
    }

    /// Blocks not yet started, for a trap loader that takes whole blocks.
    pub fn next_block(&mut self) -> Option<&[u8]> {
        let i = self.next_block;
        if i < self.blocks.len() {
            self.next_block += 1;
            self.pulses.clear();
            self.pulse = 0;
            Some(&self.blocks[i])
        } else {
            None
        }
    }

    /// The EAR level at machine time `now` (advancing through the pulses that ended before it).
    pub fn ear(&mut self, now: u64) -> bool {
        while self.playing && now >= self.edge_at {
            if self.pulse < self.pulses.len() {
                self.level = !self.level;
                self.edge_at += u64::from(self.pulses[self.pulse]);
                self.pulse += 1;
            } else if self.next_block < self.blocks.len() {
                // The pause is a last "pulse": its leading edge ends the block's last bit.
                let block = &self.blocks[self.next_block];
                self.pulses = block_pulses(block).chain([PAUSE as u32]).collect();
                self.next_block += 1;
                self.pulse = 0;
            } else {
                self.playing = false;
            }
        }
        self.level
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tap_records_split_and_errors_name_the_block() {
        let tap = [2, 0, 0xFF, 0xFF, 3, 0, 0x00, 1, 1];
        assert_eq!(
            parse_tap(&tap).unwrap(),
            vec![vec![0xFF, 0xFF], vec![0, 1, 1]]
        );
        assert_eq!(
            parse_tap(&tap[..8]),
            Err(TapeError::Truncated {
                block: 1,
                offset: 4,
                need: 1
            })
        );
        assert_eq!(
            parse_tap(&[0, 0]),
            Err(TapeError::EmptyBlock {
                block: 0,
                offset: 0
            })
        );
        assert!(checksum_ok(&[0xFF, 1, 2, 0xFC]));
    }

    #[test]
    fn pulses_decode_back_to_the_block() {
        let block = vec![0xFF, 0x00, 0x5A, 0xA5, 0x5A ^ 0xA5];
        let mut pulses: Vec<u32> = block_pulses(&block).collect();
        pulses.push(3_500_000);
        pulses.extend(block_pulses(&[0x00, 0x03]));
        assert_eq!(decode_pulses(&pulses), vec![block, vec![0, 3]]);
    }

    #[test]
    fn deck_plays_edges_at_pulse_boundaries() {
        let mut deck = TapeDeck::new(vec![vec![0xFF]]);
        deck.play(100);
        let l0 = deck.ear(100);
        assert_eq!(deck.ear(100 + 2167), l0);
        assert_ne!(deck.ear(100 + 2168), l0);
        let end = 100 + 3223 * 2168 + 667 + 735 + 16 * 1710 + CPU_HZ;
        deck.ear(end);
        assert!(!deck.is_playing() && deck.at_end());
    }
}
