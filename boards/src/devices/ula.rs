//! The ZX Spectrum 48K ULA as the software sees it: the keyboard matrix and EAR/border on port
//! 0xFE, and the display file read back as text (by matching the ROM font) or as an image.
//!
//! Keyboard (ZX Spectrum manual ch. 23, "IN"): any even port reads the keyboard; each zero bit
//! of the port's high byte selects one half-row, and bits 0..4 of the result are 0 for keys held
//! in any selected half-row. Bit 6 is the EAR input. Half-rows by address line A8..A15:
//! CAPS Z X C V | A S D F G | Q W E R T | 1 2 3 4 5 | 0 9 8 7 6 | P O I U Y | ENTER L K J H |
//! SPACE SYMBOL-SHIFT M N B. Writes to port 0xFE set the border (bits 0..2), MIC (3), EAR (4).
//!
//! Screen (manual ch. 24): pixel byte of character row r, pixel line l, column c at
//! 0x4000 | (r & 0x18) << 8 | l << 8 | (r & 7) << 5 | c; attribute at 0x5800 + 32 r + c
//! (ink 0..2, paper 3..5, bright 6, flash 7).

/// One key of the matrix: half-row 0..7 (address line A8 + row) and bit 0..4.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    pub row: u8,
    pub bit: u8,
}

/// The matrix legends, half-row by half-row, bit 0 first. `^` = CAPS SHIFT, `$` = SYMBOL SHIFT,
/// `\n` = ENTER.
const MATRIX: [&[u8; 5]; 8] = [
    b"^ZXCV", b"ASDFG", b"QWERT", b"12345", b"09876", b"POIUY", b"\nLKJH", b" $MNB",
];

/// Characters typed with SYMBOL SHIFT held (48K keyboard legends in red), and their key.
const SYMBOLS: &[(char, u8)] = &[
    ('!', b'1'),
    ('@', b'2'),
    ('#', b'3'),
    ('$', b'4'),
    ('%', b'5'),
    ('&', b'6'),
    ('\'', b'7'),
    ('(', b'8'),
    (')', b'9'),
    ('_', b'0'),
    ('<', b'R'),
    ('>', b'T'),
    (';', b'O'),
    ('"', b'P'),
    ('^', b'H'),
    ('-', b'J'),
    ('+', b'K'),
    ('=', b'L'),
    (':', b'Z'),
    ('£', b'X'),
    ('?', b'C'),
    ('/', b'V'),
    ('*', b'B'),
    (',', b'N'),
    ('.', b'M'),
];

impl Key {
    pub const CAPS_SHIFT: Key = Key { row: 0, bit: 0 };
    pub const SYMBOL_SHIFT: Key = Key { row: 7, bit: 1 };
    pub const ENTER: Key = Key { row: 6, bit: 0 };
    pub const SPACE: Key = Key { row: 7, bit: 0 };

    /// The key whose main legend is `legend` (a letter or digit, upper case), or ENTER/SPACE.
    pub fn legend(legend: u8) -> Option<Key> {
        MATRIX.iter().enumerate().find_map(|(row, keys)| {
            let bit = keys
                .iter()
                .position(|&k| k == legend.to_ascii_uppercase())?;
            (!matches!(legend, b'^' | b'$')).then_some(Key {
                row: row as u8,
                bit: bit as u8,
            })
        })
    }

    /// The keys to hold for a character in the ROM's L mode and in our chat driver:
    /// `(shift, key)`. Lower case letters and digits need no shift, capitals need CAPS SHIFT,
    /// symbols SYMBOL SHIFT; `\n` is ENTER and backspace (0x08) is DELETE (CAPS SHIFT + 0).
    pub fn for_char(c: char) -> Option<(Option<Key>, Key)> {
        match c {
            '\n' | '\r' => Some((None, Key::ENTER)),
            ' ' => Some((None, Key::SPACE)),
            '\u{8}' => Some((Some(Key::CAPS_SHIFT), Key::legend(b'0')?)),
            'a'..='z' | '0'..='9' => Some((None, Key::legend(c as u8)?)),
            'A'..='Z' => Some((Some(Key::CAPS_SHIFT), Key::legend(c as u8)?)),
            _ => {
                let &(_, k) = SYMBOLS.iter().find(|(s, _)| *s == c)?;
                Some((Some(Key::SYMBOL_SHIFT), Key::legend(k)?))
            }
        }
    }
}

/// Keyboard matrix, EAR input and port 0xFE outputs.
#[derive(Clone, Debug, Default)]
pub struct Ula {
    /// Per half-row, a 1 bit for each key held.
    held: [u8; 8],
    /// EAR input level (bit 6 of port 0xFE reads).
    pub ear_in: bool,
    /// Last value written to port 0xFE.
    pub out_fe: u8,
}

impl Ula {
    pub fn press(&mut self, k: Key) {
        self.held[usize::from(k.row & 7)] |= 1 << (k.bit & 7);
    }

    pub fn release(&mut self, k: Key) {
        self.held[usize::from(k.row & 7)] &= !(1 << (k.bit & 7));
    }

    pub fn release_all(&mut self) {
        self.held = [0; 8];
    }

    /// True if any key is held.
    pub fn any_held(&self) -> bool {
        self.held.iter().any(|&r| r != 0)
    }

    /// Value read from port `port` (only even ports reach the ULA; the caller checks A0).
    pub fn read_port(&self, port: u16) -> u8 {
        let select = !(port >> 8) as u8;
        let mut keys = 0u8;
        for (row, held) in self.held.iter().enumerate() {
            if select >> row & 1 == 1 {
                keys |= held;
            }
        }
        let ear = if self.ear_in { 0x40 } else { 0 };
        (0xBF & !(keys & 0x1F)) | ear
    }

    pub fn write_port(&mut self, value: u8) {
        self.out_fe = value;
    }

    /// Border colour 0..7.
    pub fn border(&self) -> u8 {
        self.out_fe & 7
    }
}

/// The frame timing of one Spectrum model's ULA: what contention and the interrupt depend on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timing {
    /// T-states per frame (and between interrupts).
    pub frame: u64,
    /// T-states per scan line.
    pub line: u64,
    /// T-state of the frame (counted from the start of the interrupt) at which the ULA first
    /// holds a CPU cycle that wants contended memory.
    pub contention_start: u64,
    /// How long INT stays asserted at the start of a frame.
    pub int_length: u64,
}

/// The 48K: 312 lines of 224 T-states; the ULA fetches the top line of the screen from 14,336
/// on, and a cycle starting one T-state earlier already waits ("early" timing, as Fuse and the
/// Sinclair FAQ wiki's "Contended memory" give it); INT lasts 32 T-states.
pub const TIMING_48K: Timing = Timing {
    frame: 69_888,
    line: 224,
    contention_start: 14_335,
    int_length: 32,
};

/// The 128K and +2 (Sinclair FAQ wiki, "ZX Spectrum 128" and "Contended memory"; Fuse's
/// `spec128.c`): 311 lines of 228 T-states, 70,908 a frame; the first contended cycle starts at
/// 14,361; INT lasts 36 T-states. The wait pattern is the 48K's.
pub const TIMING_128K: Timing = Timing {
    frame: 70_908,
    line: 228,
    contention_start: 14_361,
    int_length: 36,
};

/// T-state of the 48K frame at which the ULA first holds a contended cycle
/// ([`TIMING_48K`]).
pub const CONTENTION_START: u64 = TIMING_48K.contention_start;
/// T-states per scan line of the 48K.
pub const LINE_T: u64 = TIMING_48K.line;

/// Wait states for a cycle that starts at T-state `frame_t` of the 48K frame and needs the
/// ULA's memory (0x4000-0x7FFF) or, for I/O, the ULA itself: [`contention_at`] with
/// [`TIMING_48K`].
pub fn contention(frame_t: u64) -> u32 {
    contention_at(&TIMING_48K, frame_t)
}

/// Wait states for a contended cycle starting at T-state `frame_t` of a frame of `timing`.
/// While each of the 192 screen lines is drawn the ULA reads two bytes of pixels and two of
/// attributes in every 8 T-states of the line's first 128; a cycle starting in those 8
/// T-states waits 6, 5, 4, 3, 2, 1, 0, 0.
#[inline]
pub fn contention_at(timing: &Timing, frame_t: u64) -> u32 {
    const PATTERN: [u32; 8] = [6, 5, 4, 3, 2, 1, 0, 0];
    let Some(d) = frame_t.checked_sub(timing.contention_start) else {
        return 0;
    };
    let x = d % timing.line;
    if d >= 192 * timing.line || x >= 128 {
        return 0;
    }
    PATTERN[(x % 8) as usize]
}

/// Length of an I/O cycle to `port` starting at T-state `frame_t` of the 48K frame:
/// [`io_cycle_at`] with [`TIMING_48K`], a high byte in 0x40-0x7F being contended.
pub fn io_cycle(port: u16, frame_t: u64) -> u32 {
    io_cycle_at(&TIMING_48K, port, port & 0xC000 == 0x4000, frame_t)
}

/// Length of an I/O cycle to `port` starting at T-state `frame_t` (4 with no waits); `high`:
/// the port's high byte addresses contended memory (0x40-0x7F; on the 128K also 0xC0-0xFF
/// while a contended bank is paged there), which the ULA sees for the first T-state. A port
/// with A0 low is the ULA, which holds the cycle from its second T-state as it holds memory;
/// A0 high with a contended high byte is held at each of the remaining T-states too (Sinclair
/// FAQ wiki, "Contended I/O": C:1 C:3, N:1 C:3, C:1 C:1 C:1 C:1, N:4).
pub fn io_cycle_at(timing: &Timing, port: u16, high: bool, frame_t: u64) -> u32 {
    let wait = |t: u64| u64::from(contention_at(timing, t));
    let mut t = frame_t;
    if high {
        t += wait(t);
    }
    t += 1;
    if port & 1 == 0 {
        t += wait(t) + 3;
    } else if high {
        for _ in 0..3 {
            t += wait(t) + 1;
        }
    } else {
        t += 3;
    }
    (t - frame_t) as u32
}

/// Offset into the 48K RAM image (0x4000-based) of the pixel byte for character row `r`,
/// pixel line `l`, column `c`.
pub fn pixel_offset(r: usize, l: usize, c: usize) -> usize {
    ((r & 0x18) << 8) | (l << 8) | ((r & 7) << 5) | c
}

/// Offset of the attribute byte of cell (r, c), relative to 0x4000.
pub fn attr_offset(r: usize, c: usize) -> usize {
    0x1800 + 32 * r + c
}

/// The 8 pixel bytes of cell (r, c); `screen` is memory from 0x4000 (at least 6912 bytes).
pub fn cell(screen: &[u8], r: usize, c: usize) -> [u8; 8] {
    std::array::from_fn(|l| screen[pixel_offset(r, l, c)])
}

/// The ROM character for code 0x20..=0x7F as Unicode (the Spectrum set differs from ASCII at
/// 0x5E ↑, 0x60 £ and 0x7F ©).
pub fn spectrum_char(code: u8) -> char {
    match code {
        0x5E => '↑',
        0x60 => '£',
        0x7F => '©',
        c => c as char,
    }
}

/// Read the screen back as 24 lines of 32 characters by matching each cell against the font
/// (96 glyphs of 8 bytes for codes 0x20..=0x7F, as at 0x3D00 in the 48K ROM). A cell drawn in
/// inverse video (a cursor) reads as its character; a cell that matches no glyph reads as '░';
/// a cell whose ink and paper are the same colour cannot be seen and reads as ' ' (flash is
/// ignored). Trailing spaces of each line are removed.
pub fn screen_text(screen: &[u8], font: &[u8]) -> Vec<String> {
    (0..24)
        .map(|r| {
            let line: String = (0..32)
                .map(|c| {
                    let attr = screen[attr_offset(r, c)];
                    if attr & 7 == attr >> 3 & 7 {
                        return ' ';
                    }
                    let px = cell(screen, r, c);
                    let inv = px.map(|b| !b);
                    font.chunks_exact(8)
                        .position(|g| g == px || g == inv)
                        .map_or('░', |i| spectrum_char(0x20 + i as u8))
                })
                .collect();
            line.trim_end().to_string()
        })
        .collect()
}

/// The 256x192 screen as RGB pixels (flash ignored), using the common emulator palette.
pub fn screen_rgb(screen: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(256 * 192 * 3);
    for y in 0..192 {
        for x in 0..256 {
            let (r, l, c) = (y / 8, y % 8, x / 8);
            let px = screen[pixel_offset(r, l, c)] >> (7 - x % 8) & 1;
            let attr = screen[attr_offset(r, c)];
            let colour = if px == 1 { attr & 7 } else { attr >> 3 & 7 };
            let level = if attr & 0x40 != 0 { 0xFF } else { 0xD7 };
            let on = |bit: u8| if colour & bit != 0 { level } else { 0 };
            out.extend([on(2), on(4), on(1)]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_rows_select_by_high_address_lines() {
        let mut ula = Ula::default();
        ula.press(Key::legend(b'Q').unwrap());
        assert_eq!(ula.read_port(0xFBFE) & 0x1F, 0x1E, "Q is bit 0 of A10");
        assert_eq!(
            ula.read_port(0xFEFE) & 0x1F,
            0x1F,
            "other half-rows unaffected"
        );
        assert_eq!(ula.read_port(0x00FE) & 0x1F, 0x1E, "all rows selected");
        ula.press(Key::ENTER);
        assert_eq!(ula.read_port(0xBFFE) & 0x1F, 0x1E);
        ula.release_all();
        assert_eq!(ula.read_port(0x00FE), 0xBF);
        ula.ear_in = true;
        assert_eq!(ula.read_port(0x00FE), 0xFF);
    }

    #[test]
    fn contention_follows_the_screen_lines() {
        assert_eq!(contention(0), 0);
        assert_eq!(contention(14_334), 0);
        let first: Vec<u32> = (14_335..14_351).map(contention).collect();
        assert_eq!(first, [6, 5, 4, 3, 2, 1, 0, 0, 6, 5, 4, 3, 2, 1, 0, 0]);
        assert_eq!(contention(14_335 + 127), 0);
        assert_eq!(contention(14_335 + 120), 6);
        assert_eq!(contention(14_335 + 128), 0, "right border and retrace");
        assert_eq!(contention(14_335 + 223), 0);
        assert_eq!(contention(14_335 + 224), 6, "next line");
        assert_eq!(contention(14_335 + 191 * 224 + 125), 1, "last line");
        assert_eq!(contention(14_335 + 192 * 224), 0, "bottom border");
        let per_line: u32 = (14_335..14_335 + 224).map(contention).sum();
        assert_eq!(per_line, 16 * 21);
    }

    #[test]
    fn contention_on_the_128k_starts_later_with_longer_lines() {
        let t = &TIMING_128K;
        assert_eq!(contention_at(t, 14_360), 0);
        let first: Vec<u32> = (14_361..14_369).map(|f| contention_at(t, f)).collect();
        assert_eq!(first, [6, 5, 4, 3, 2, 1, 0, 0]);
        assert_eq!(contention_at(t, 14_361 + 228), 6, "next line, 228 T later");
        assert_eq!(contention_at(t, 14_361 + 224), 0, "still the border");
        assert_eq!(contention_at(t, 14_361 + 192 * 228), 0, "bottom border");
        let frame: u32 = (0..t.frame).map(|f| contention_at(t, f)).sum();
        assert_eq!(frame, 192 * 16 * 21);
    }

    #[test]
    fn io_cycles_by_port_kind() {
        let t = 14_335; // waits 6, 5, 4, ...
        assert_eq!(io_cycle(0x00FE, 0), 4);
        assert_eq!(io_cycle(0x80FF, t), 4, "N:4");
        assert_eq!(io_cycle(0x80FE, t), 4 + 5, "N:1 C:3 checks at t+1");
        assert_eq!(io_cycle(0x40FE, t), 4 + 6, "C:1 C:3: 6, then t+7 waits 0");
        assert_eq!(io_cycle(0x40FE, t + 2), 4 + 4, "4, then t+7 waits 0");
        // C:1 C:1 C:1 C:1: 6 at t, 0 at t+7, 6 at t+8, 0 at t+15.
        assert_eq!(io_cycle(0x40FF, t), 4 + 12);
    }

    #[test]
    fn characters_map_to_shifted_keys() {
        let k = |c| Key::legend(c).unwrap();
        assert_eq!(Key::for_char('a'), Some((None, k(b'A'))));
        assert_eq!(Key::for_char('A'), Some((Some(Key::CAPS_SHIFT), k(b'A'))));
        assert_eq!(Key::for_char('?'), Some((Some(Key::SYMBOL_SHIFT), k(b'C'))));
        assert_eq!(
            Key::for_char('\u{8}'),
            Some((Some(Key::CAPS_SHIFT), k(b'0')))
        );
        assert_eq!(Key::for_char('é'), None);
        assert_eq!(Key::legend(b'$'), None);
        assert_eq!(k(b'B'), Key { row: 7, bit: 4 });
        assert_eq!(k(b'6'), Key { row: 4, bit: 4 });
    }

    #[test]
    fn screen_text_matches_glyphs_and_inverse_cells() {
        let mut font = vec![0u8; 96 * 8];
        for (i, g) in font.chunks_exact_mut(8).enumerate() {
            g[3] = i as u8;
            g[0] = 0x80;
        }
        let mut screen = vec![0u8; 6912];
        screen[0x1800..].fill(0x38);
        screen[attr_offset(22, 0)] = 0x3F; // white on white: hidden
        screen[pixel_offset(22, 0, 0)] = 0xAA;
        let put = |s: &mut Vec<u8>, r, c, code: u8, inv: bool| {
            for l in 0..8 {
                let b = font[(code as usize - 0x20) * 8 + l];
                s[pixel_offset(r, l, c)] = if inv { !b } else { b };
            }
        };
        put(&mut screen, 9, 0, b'H', false);
        put(&mut screen, 9, 1, b'i', false);
        put(&mut screen, 9, 2, 0x7F, false);
        put(&mut screen, 9, 3, b' ', true);
        for r in 0..24 {
            for c in 0..32 {
                if r != 9 || c > 3 {
                    put(&mut screen, r, c, b' ', false);
                }
            }
        }
        screen[pixel_offset(23, 0, 31)] = 0x5A;
        let text = screen_text(&screen, &font);
        assert_eq!(text[9], "Hi©");
        assert_eq!(text[23], format!("{}░", " ".repeat(31)));
        assert_eq!(text[0], "");
        assert_eq!(text[22], "", "hidden cell");
    }
}
