//! What is on the LCD, read back three ways: the tile numbers of the 20×18 text grid (window over
//! scrolled background, as the PPU composes them), the rendered shades as a PNG, and a block
//! rendering for a terminal.

use super::GameBoy;
use crate::devices::ppu::{HEIGHT, WIDTH};

/// Text columns and rows of the screen (8×8 tiles).
pub const COLS: usize = 20;
pub const ROWS: usize = 18;

/// Why a screenshot could not be encoded.
#[derive(Debug, thiserror::Error)]
#[error("PNG encoding failed: {0}")]
pub struct ScreenshotError(#[from] png::EncodingError);

impl GameBoy {
    /// The tile number at every text cell of the visible screen, top row first.
    pub fn screen_tiles(&self) -> Vec<[u8; COLS]> {
        (0..ROWS)
            .map(|r| {
                let mut row = [0; COLS];
                for (c, t) in row.iter_mut().enumerate() {
                    *t = self.bus.ppu.screen_tile(r, c);
                }
                row
            })
            .collect()
    }

    /// The visible screen as text lines, mapping each tile number through `glyph` (the font in the
    /// cartridge decides which tile shows which character).
    pub fn screen_text(&self, glyph: impl Fn(u8) -> char) -> Vec<String> {
        self.screen_tiles()
            .iter()
            .map(|row| row.iter().map(|&t| glyph(t)).collect())
            .collect()
    }

    /// The last rendered frame as a 160×144 greyscale PNG (shade 0 white … 3 black).
    pub fn screenshot_png(&self) -> Result<Vec<u8>, ScreenshotError> {
        let mut out = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut out, WIDTH as u32, HEIGHT as u32);
            enc.set_color(png::ColorType::Grayscale);
            enc.set_depth(png::BitDepth::Eight);
            let mut w = enc.write_header()?;
            let pixels: Vec<u8> = self.bus.ppu.frame.iter().map(|&s| 255 - s * 85).collect();
            w.write_image_data(&pixels)?;
        }
        Ok(out)
    }

    /// The last rendered frame as text, two pixel rows per line with half-block characters and
    /// four shades (for `z80lm emu --board gb` in a terminal).
    pub fn screen_blocks(&self) -> String {
        let frame = &self.bus.ppu.frame;
        let mut s = String::new();
        for y in (0..HEIGHT).step_by(2) {
            for x in 0..WIDTH {
                let top = frame[y * WIDTH + x] >= 2;
                let bottom = frame[(y + 1) * WIDTH + x] >= 2;
                s.push(match (top, bottom) {
                    (false, false) => ' ',
                    (true, false) => '▀',
                    (false, true) => '▄',
                    (true, true) => '█',
                });
            }
            s.push('\n');
        }
        s
    }
}
