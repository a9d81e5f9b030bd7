//! The on-screen keyboard as documented in `z80rom/asm/gb/README.md`: three pages of 4 rows ×
//! 10 keys, the cursor starting top-left on page 0; each D-pad press moves one key and wraps,
//! Select cycles the pages, A types, B deletes, Start sends. From that description alone this
//! module turns a line into joypad presses (what any emulator script would do).

use boards::devices::joypad::Button;

/// Keys per row and rows per page.
pub const COLS: usize = 10;
pub const ROWS: usize = 4;

/// The pages, row by row: lower case, upper case, symbols. Digits on the last row everywhere.
pub const PAGES: [[&[u8; COLS]; ROWS]; 3] = [
    [b"abcdefghij", b"klmnopqrst", b"uvwxyz .?!", b"0123456789"],
    [b"ABCDEFGHIJ", b"KLMNOPQRST", b"UVWXYZ .?!", b"0123456789"],
    [b"\"#$%&'()*+", b",-/:;<=>@[", b"\\]^_`{|}~ ", b"0123456789"],
];

/// Where a byte sits: the first (page, row, col) holding it, preferring the current page.
pub fn locate(b: u8, current_page: usize) -> Option<(usize, usize, usize)> {
    let pages = [current_page, (current_page + 1) % 3, (current_page + 2) % 3];
    pages.into_iter().find_map(|p| {
        PAGES[p]
            .iter()
            .enumerate()
            .find_map(|(r, row)| row.iter().position(|&c| c == b).map(|c| (p, r, c)))
    })
}

/// The keyboard state a script keeps to plan presses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Cursor {
    pub page: usize,
    pub row: usize,
    pub col: usize,
}

/// Shortest wrapped moves from `from` to `to` on a ring of `n`: (count, forward?).
fn ring_moves(from: usize, to: usize, n: usize) -> (usize, bool) {
    let fwd = (to + n - from) % n;
    if fwd <= n - fwd {
        (fwd, true)
    } else {
        (n - fwd, false)
    }
}

impl Cursor {
    /// Presses that type `b` (ending with A), updating the cursor; None if `b` is not on the
    /// keyboard (only printable ASCII is).
    pub fn type_byte(&mut self, b: u8) -> Option<Vec<Button>> {
        let (page, row, col) = locate(b, self.page)?;
        let mut presses = Vec::new();
        while self.page != page {
            presses.push(Button::Select);
            self.page = (self.page + 1) % 3;
        }
        let (n, fwd) = ring_moves(self.row, row, ROWS);
        presses.extend(vec![if fwd { Button::Down } else { Button::Up }; n]);
        let (n, fwd) = ring_moves(self.col, col, COLS);
        presses.extend(vec![if fwd { Button::Right } else { Button::Left }; n]);
        self.row = row;
        self.col = col;
        presses.push(Button::A);
        Some(presses)
    }

    /// Presses that type `line` and send it with Start; None if a byte is not on the keyboard.
    pub fn type_line(&mut self, line: &[u8]) -> Option<Vec<Button>> {
        let mut presses = Vec::new();
        for &b in line {
            presses.extend(self.type_byte(b)?);
        }
        presses.push(Button::Start);
        Some(presses)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_printable_ascii_byte_is_on_exactly_one_key_of_a_page() {
        for b in 0x20u8..0x7F {
            let n: usize = PAGES
                .iter()
                .flatten()
                .map(|r| r.iter().filter(|&&c| c == b).count())
                .sum();
            let expected = if b.is_ascii_digit() || b == b' ' {
                3
            } else if b".?!".contains(&b) {
                2
            } else {
                1
            };
            assert_eq!(n, expected, "byte {:?}", b as char);
        }
    }

    #[test]
    fn wrapped_moves_take_the_short_way() {
        let mut c = Cursor::default();
        assert_eq!(c.type_byte(b'j').unwrap(), vec![Button::Left, Button::A]);
        assert_eq!(
            c.type_byte(b'0').unwrap(),
            vec![Button::Up, Button::Right, Button::A]
        );
        let r = Button::Right;
        assert_eq!(
            c.type_byte(b'Z').unwrap(),
            vec![Button::Select, Button::Up, r, r, r, r, r, Button::A]
        );
        assert_eq!(c.type_byte(0xC3), None);
    }
}
