//! A tape as audio: 8-bit mono PCM WAV at 44.1 kHz, square waves with the 48K ROM's standard
//! `SA-BYTES` timings, for playing into a real Spectrum's EAR socket.
//!
//! Timings (Sinclair Wiki "Spectrum tape interface", in T-states of the 3.5 MHz Z80): pilot
//! pulses of 2168, 8063 of them before a header block (flag < 128) and 3223 before a data block;
//! two sync pulses of 667 and 735; each bit is two equal pulses, 855 for 0 and 1710 for 1, most
//! significant bit first. A pulse is the time between two edges; the ROM loader is edge
//! triggered, so polarity does not matter. Each block is followed by a 1 s pause.

use super::{Block, Tape};

/// Z80 clock of the 48K Spectrum, in Hz.
pub const CPU_HZ: u64 = 3_500_000;
/// Sample rate of the WAV files we write.
pub const SAMPLE_RATE: u32 = 44_100;
pub const PILOT_PULSE: u32 = 2168;
pub const PILOT_PULSES_HEADER: u32 = 8063;
pub const PILOT_PULSES_DATA: u32 = 3223;
pub const SYNC1: u32 = 667;
pub const SYNC2: u32 = 735;
pub const ZERO: u32 = 855;
pub const ONE: u32 = 1710;
/// Silence after each block, in milliseconds (what the ROM's SAVE leaves between blocks).
pub const PAUSE_MS: u32 = 1000;

const LOW: u8 = 0x00;
const HIGH: u8 = 0xFF;

/// The pulse lengths (T-states) of one block: pilot, sync, then two pulses per bit.
pub fn block_pulses(block: &Block) -> Vec<u32> {
    let pilot = if block.flag < 0x80 {
        PILOT_PULSES_HEADER
    } else {
        PILOT_PULSES_DATA
    };
    let bytes = block.to_bytes();
    let mut p = Vec::with_capacity(pilot as usize + 2 + bytes.len() * 16);
    p.extend(std::iter::repeat_n(PILOT_PULSE, pilot as usize));
    p.extend([SYNC1, SYNC2]);
    for b in bytes {
        for bit in (0..8).rev() {
            let len = if b >> bit & 1 == 1 { ONE } else { ZERO };
            p.extend([len, len]);
        }
    }
    p
}

/// Render the tape at `rate` Hz: each pulse holds one level, each edge toggles it, and the pause
/// after a block holds the level reached by the edge that ends the block's last pulse.
pub fn render(tape: &Tape, rate: u32) -> Vec<u8> {
    // Segments of (end time in T-states, level).
    let mut segments: Vec<(u64, u8)> = Vec::new();
    let mut t = 0u64;
    let mut level = LOW;
    for block in &tape.blocks {
        for len in block_pulses(block) {
            t += u64::from(len);
            segments.push((t, level));
            level = if level == LOW { HIGH } else { LOW };
        }
        t += u64::from(PAUSE_MS) * CPU_HZ / 1000;
        segments.push((t, level));
    }
    let total = t * u64::from(rate) / CPU_HZ;
    let mut samples = Vec::with_capacity(total as usize);
    let mut seg = 0;
    for n in 0..total {
        // Sample n is taken at the middle of its period.
        let at = (2 * n + 1) * CPU_HZ / (2 * u64::from(rate));
        while seg + 1 < segments.len() && segments[seg].0 <= at {
            seg += 1;
        }
        samples.push(segments[seg].1);
    }
    samples
}

/// The tape as a WAV file (RIFF, PCM, 8-bit unsigned, mono, 44.1 kHz).
pub fn to_wav(tape: &Tape) -> Vec<u8> {
    wav_file(&render(tape, SAMPLE_RATE), SAMPLE_RATE)
}

/// Wrap 8-bit mono samples in a RIFF/WAVE container.
pub fn wav_file(samples: &[u8], rate: u32) -> Vec<u8> {
    let data_len = samples.len() as u32;
    let mut w = Vec::with_capacity(samples.len() + 44);
    w.extend_from_slice(b"RIFF");
    w.extend_from_slice(&(36 + data_len).to_le_bytes());
    w.extend_from_slice(b"WAVEfmt ");
    w.extend_from_slice(&16u32.to_le_bytes());
    w.extend_from_slice(&1u16.to_le_bytes()); // PCM
    w.extend_from_slice(&1u16.to_le_bytes()); // mono
    w.extend_from_slice(&rate.to_le_bytes());
    w.extend_from_slice(&rate.to_le_bytes()); // byte rate
    w.extend_from_slice(&1u16.to_le_bytes()); // block align
    w.extend_from_slice(&8u16.to_le_bytes()); // bits per sample
    w.extend_from_slice(b"data");
    w.extend_from_slice(&data_len.to_le_bytes());
    w.extend_from_slice(samples);
    if data_len % 2 == 1 {
        w.push(0x80); // RIFF chunks are word aligned
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pulse_counts_follow_the_rom_timings() {
        let h = Block {
            flag: 0,
            data: vec![0x80; 17],
        };
        let p = block_pulses(&h);
        assert_eq!(p.len(), 8063 + 2 + 19 * 16);
        assert_eq!(&p[8063..8067], &[667, 735, 855, 855]);
        let d = Block {
            flag: 0xFF,
            data: vec![],
        };
        let p = block_pulses(&d);
        assert_eq!(p.len(), 3223 + 2 + 2 * 16);
        assert!(
            p[3225..3241].iter().all(|&x| x == ONE),
            "flag 0xFF is eight 1 bits"
        );
    }

    #[test]
    fn wav_header_and_duration() {
        let tape = Tape {
            blocks: vec![Block {
                flag: 0xFF,
                data: vec![0; 10],
            }],
        };
        let wav = to_wav(&tape);
        assert_eq!(&wav[0..4], b"RIFF");
        assert_eq!(&wav[8..16], b"WAVEfmt ");
        assert_eq!(u32::from_le_bytes(wav[24..28].try_into().unwrap()), 44_100);
        // flag 0xFF and checksum 0xFF are ones, the ten data bytes zeros.
        let t = 3223 * 2168 + 667 + 735 + 2 * 16 * 1710 + 10 * 16 * 855 + 3_500_000;
        let samples = u32::from_le_bytes(wav[40..44].try_into().unwrap()) as u64;
        assert_eq!(samples, t * 44_100 / 3_500_000);
    }
}
