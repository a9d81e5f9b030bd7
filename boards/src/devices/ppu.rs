//! The DMG picture processing unit: VRAM, OAM, the LCD registers (0xFF40–0xFF4B), mode and LY
//! timing, VBlank/STAT interrupts, a per-line BG/window renderer, and the access rules.
//!
//! Timing (Pan Docs "Rendering", "LCD Status"): a frame is 154 lines of 456 dots; on lines
//! 0–143 the PPU is in mode 2 (OAM scan, 80 dots), then mode 3 (drawing, 172 dots plus SCX mod 8
//! without sprites), then mode 0 (HBlank, the rest); lines 144–153 are mode 1 (VBlank). The CPU
//! cannot access VRAM in mode 3 nor OAM in modes 2 and 3: such an access (reads give 0xFF,
//! writes are dropped on hardware) is recorded here as an [`AccessFault`] so tests can fail on it.
//! Turning the LCD off outside VBlank can damage a real DMG and is recorded the same way.

/// Screen width in pixels.
pub const WIDTH: usize = 160;
/// Screen height in pixels.
pub const HEIGHT: usize = 144;
/// Dots (T-states) per line.
pub const DOTS_PER_LINE: u32 = 456;
/// Lines per frame, VBlank included.
pub const LINES: u8 = 154;
/// T-states per frame (70 224).
pub const DOTS_PER_FRAME: u32 = DOTS_PER_LINE * LINES as u32;

/// A CPU access the PPU did not allow at that moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccessFault {
    /// Address of the instruction that made the access (filled in by the machine).
    pub pc: u16,
    pub addr: u16,
    pub write: bool,
    /// PPU mode at the time (2 or 3), or 0xFF for "LCD switched off outside VBlank".
    pub mode: u8,
    pub ly: u8,
}

impl std::fmt::Display for AccessFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.mode == 0xFF {
            return write!(
                f,
                "pc {:#06x}: LCD switched off outside VBlank (LY {})",
                self.pc, self.ly
            );
        }
        let what = if self.write { "write to" } else { "read of" };
        write!(
            f,
            "pc {:#06x}: {what} {:#06x} in PPU mode {} (LY {})",
            self.pc, self.addr, self.mode, self.ly
        )
    }
}

/// Interrupt request bits the PPU raises (IF bit 0 VBlank, bit 1 STAT).
pub const IRQ_VBLANK: u8 = 0x01;
pub const IRQ_STAT: u8 = 0x02;

pub struct Ppu {
    pub vram: Vec<u8>,
    /// CGB: VRAM bank 1 (tile attributes), reached through VBK = 1.
    pub vram1: Vec<u8>,
    /// CGB: VBK bit 0, the VRAM bank the CPU sees.
    pub vbk: u8,
    /// CGB: background palette RAM (8 palettes × 4 colours × 2 bytes, RGB555 little-endian).
    pub bg_palette: [u8; 64],
    /// CGB: BCPS, the palette RAM index (bits 0-5) and auto-increment (bit 7).
    pub bcps: u8,
    pub oam: Vec<u8>,
    pub lcdc: u8,
    stat_sel: u8,
    pub scy: u8,
    pub scx: u8,
    pub ly: u8,
    pub lyc: u8,
    pub bgp: u8,
    pub obp0: u8,
    pub obp1: u8,
    pub wy: u8,
    pub wx: u8,
    dot: u32,
    window_line: u8,
    stat_line: bool,
    /// Shades 0–3 per pixel, row-major.
    pub frame: Vec<u8>,
    pub frames: u64,
    pub faults: Vec<AccessFault>,
    /// Address of the instruction the CPU is executing, set by the machine for fault reports.
    pub cpu_pc: u16,
}

impl Default for Ppu {
    fn default() -> Self {
        Self::new()
    }
}

impl Ppu {
    /// The state after the DMG boot ROM: LCD on, BG on, BGP 0xFC.
    pub fn new() -> Self {
        Ppu {
            vram: vec![0; 0x2000],
            vram1: vec![0; 0x2000],
            vbk: 0,
            bg_palette: [0xFF; 64],
            bcps: 0,
            oam: vec![0; 0xA0],
            lcdc: 0x91,
            stat_sel: 0,
            scy: 0,
            scx: 0,
            ly: 0,
            lyc: 0,
            bgp: 0xFC,
            obp0: 0xFF,
            obp1: 0xFF,
            wy: 0,
            wx: 0,
            dot: 0,
            window_line: 0,
            stat_line: false,
            frame: vec![0; WIDTH * HEIGHT],
            frames: 0,
            faults: Vec::new(),
            cpu_pc: 0,
        }
    }

    pub fn lcd_on(&self) -> bool {
        self.lcdc & 0x80 != 0
    }

    /// Current mode 0–3 (0 while the LCD is off).
    pub fn mode(&self) -> u8 {
        if !self.lcd_on() {
            0
        } else if self.ly >= 144 {
            1
        } else if self.dot < 80 {
            2
        } else if self.dot < 80 + 172 + u32::from(self.scx & 7) {
            3
        } else {
            0
        }
    }

    fn fault(&mut self, addr: u16, write: bool, mode: u8) {
        self.faults.push(AccessFault {
            pc: self.cpu_pc,
            addr,
            write,
            mode,
            ly: self.ly,
        });
    }

    /// CPU read of 0x8000–0x9FFF.
    pub fn read_vram(&mut self, addr: u16) -> u8 {
        let mode = self.mode();
        if mode == 3 {
            self.fault(addr, false, mode);
            return 0xFF;
        }
        self.vram_bank()[usize::from(addr & 0x1FFF)]
    }

    fn vram_bank(&mut self) -> &mut Vec<u8> {
        if self.vbk & 1 == 0 {
            &mut self.vram
        } else {
            &mut self.vram1
        }
    }

    /// CGB register read: VBK (0xFF4F), BCPS (0xFF68), BCPD (0xFF69).
    pub fn read_cgb_reg(&mut self, addr: u16) -> u8 {
        match addr {
            0xFF4F => 0xFE | self.vbk,
            0xFF68 => 0x40 | self.bcps,
            0xFF69 => {
                let mode = self.mode();
                if mode == 3 {
                    self.fault(addr, false, mode);
                    return 0xFF;
                }
                self.bg_palette[usize::from(self.bcps & 0x3F)]
            }
            _ => 0xFF,
        }
    }

    /// CGB register write: VBK, BCPS, BCPD (palette RAM is locked in mode 3 as VRAM is; a
    /// write steps the index when BCPS bit 7 is set, Pan Docs "LCD Color Palettes").
    pub fn write_cgb_reg(&mut self, addr: u16, v: u8) {
        match addr {
            0xFF4F => self.vbk = v & 1,
            0xFF68 => self.bcps = v & 0xBF,
            0xFF69 => {
                let mode = self.mode();
                if mode == 3 {
                    self.fault(addr, true, mode);
                } else {
                    self.bg_palette[usize::from(self.bcps & 0x3F)] = v;
                }
                if self.bcps & 0x80 != 0 {
                    self.bcps = 0x80 | (self.bcps + 1) & 0x3F;
                }
            }
            _ => {}
        }
    }

    /// CPU write of 0x8000–0x9FFF.
    pub fn write_vram(&mut self, addr: u16, v: u8) {
        let mode = self.mode();
        if mode == 3 {
            self.fault(addr, true, mode);
            return;
        }
        self.vram_bank()[usize::from(addr & 0x1FFF)] = v;
    }

    /// CPU read of 0xFE00–0xFE9F.
    pub fn read_oam(&mut self, addr: u16) -> u8 {
        let mode = self.mode();
        if mode >= 2 {
            self.fault(addr, false, mode);
            return 0xFF;
        }
        self.oam[usize::from(addr - 0xFE00)]
    }

    /// CPU write of 0xFE00–0xFE9F.
    pub fn write_oam(&mut self, addr: u16, v: u8) {
        let mode = self.mode();
        if mode >= 2 {
            self.fault(addr, true, mode);
            return;
        }
        self.oam[usize::from(addr - 0xFE00)] = v;
    }

    /// Register read, 0xFF40–0xFF4B.
    pub fn read_reg(&self, addr: u16) -> u8 {
        match addr {
            0xFF40 => self.lcdc,
            0xFF41 => {
                let coincidence = if self.ly == self.lyc { 0x04 } else { 0 };
                0x80 | self.stat_sel | coincidence | self.mode()
            }
            0xFF42 => self.scy,
            0xFF43 => self.scx,
            0xFF44 => self.ly,
            0xFF45 => self.lyc,
            0xFF47 => self.bgp,
            0xFF48 => self.obp0,
            0xFF49 => self.obp1,
            0xFF4A => self.wy,
            0xFF4B => self.wx,
            _ => 0xFF,
        }
    }

    /// Register write, 0xFF40–0xFF4B (0xFF46 OAM DMA is handled by the machine).
    pub fn write_reg(&mut self, addr: u16, v: u8) {
        match addr {
            0xFF40 => {
                let was_on = self.lcd_on();
                if was_on && v & 0x80 == 0 && self.ly < 144 {
                    self.fault(addr, true, 0xFF);
                }
                self.lcdc = v;
                if was_on != self.lcd_on() {
                    self.ly = 0;
                    self.dot = 0;
                    self.window_line = 0;
                }
            }
            0xFF41 => self.stat_sel = v & 0x78,
            0xFF42 => self.scy = v,
            0xFF43 => self.scx = v,
            0xFF45 => self.lyc = v,
            0xFF47 => self.bgp = v,
            0xFF48 => self.obp0 = v,
            0xFF49 => self.obp1 = v,
            0xFF4A => self.wy = v,
            0xFF4B => self.wx = v,
            _ => {}
        }
    }

    /// Advances `dots` dots (at most one line's worth per call; the bus passes 4 per M-cycle);
    /// returns the interrupt requests raised (IF bits).
    pub fn tick(&mut self, dots: u32) -> u8 {
        if !self.lcd_on() {
            return 0;
        }
        let mut irq = 0;
        let mode3_end = 80 + 172 + u32::from(self.scx & 7);
        let old = self.dot;
        self.dot += dots;
        if self.ly < 144 && old < mode3_end && self.dot >= mode3_end {
            self.render_line();
        }
        if self.dot >= DOTS_PER_LINE {
            self.dot -= DOTS_PER_LINE;
            self.ly += 1;
            if self.ly == 144 {
                irq |= IRQ_VBLANK;
                self.frames += 1;
            } else if self.ly == LINES {
                self.ly = 0;
                self.window_line = 0;
            }
        }
        if self.stat_sel != 0 || self.stat_line {
            let mode = self.mode();
            let line = (self.stat_sel & 0x40 != 0 && self.ly == self.lyc)
                || (self.stat_sel & 0x20 != 0 && mode == 2)
                || (self.stat_sel & 0x10 != 0 && mode == 1)
                || (self.stat_sel & 0x08 != 0 && mode == 0);
            if line && !self.stat_line {
                irq |= IRQ_STAT;
            }
            self.stat_line = line;
        }
        irq
    }

    /// The tile number shown at map cell (`row`, `col`) of the map at 0x9800 (`high` false) or
    /// 0x9C00 (`high` true).
    pub fn map_tile(&self, high: bool, row: usize, col: usize) -> u8 {
        let base = if high { 0x1C00 } else { 0x1800 };
        self.vram[base + (row % 32) * 32 + (col % 32)]
    }

    /// Colour index 0–3 of pixel (`x`, `y`) of tile `tile` under the current addressing mode.
    fn tile_pixel(&self, tile: u8, x: usize, y: usize) -> u8 {
        let base = if self.lcdc & 0x10 != 0 {
            usize::from(tile) * 16
        } else {
            (0x1000 + i32::from(tile as i8) * 16) as usize
        };
        let lo = self.vram[base + y * 2];
        let hi = self.vram[base + y * 2 + 1];
        let bit = 7 - x;
        ((lo >> bit) & 1) | (((hi >> bit) & 1) << 1)
    }

    /// Whether the window covers screen pixel (`x`, `y`).
    fn window_at(&self, x: usize, y: usize) -> bool {
        self.lcdc & 0x20 != 0 && y >= usize::from(self.wy) && x + 7 >= usize::from(self.wx)
    }

    /// Which tile the screen shows at text cell (`row`, `col`) of the 20×18 grid: window where it
    /// is enabled and covers the cell's top-left pixel, otherwise the scrolled background.
    pub fn screen_tile(&self, row: usize, col: usize) -> u8 {
        let (x, y) = (col * 8, row * 8);
        if self.window_at(x, y) {
            let wy = y - usize::from(self.wy);
            let wx = x + 7 - usize::from(self.wx);
            self.map_tile(self.lcdc & 0x40 != 0, wy / 8, wx / 8)
        } else {
            let by = (y + usize::from(self.scy)) % 256;
            let bx = (x + usize::from(self.scx)) % 256;
            self.map_tile(self.lcdc & 0x08 != 0, by / 8, bx / 8)
        }
    }

    fn render_line(&mut self) {
        let y = usize::from(self.ly);
        let bg_on = self.lcdc & 0x01 != 0;
        let mut used_window = false;
        for x in 0..WIDTH {
            let colour = if !bg_on {
                0
            } else if self.window_at(x, y) {
                used_window = true;
                let wy = usize::from(self.window_line);
                let wx = x + 7 - usize::from(self.wx);
                let tile = self.map_tile(self.lcdc & 0x40 != 0, wy / 8, wx / 8);
                self.tile_pixel(tile, wx % 8, wy % 8)
            } else {
                let by = (y + usize::from(self.scy)) % 256;
                let bx = (x + usize::from(self.scx)) % 256;
                let tile = self.map_tile(self.lcdc & 0x08 != 0, by / 8, bx / 8);
                self.tile_pixel(tile, bx % 8, by % 8)
            };
            self.frame[y * WIDTH + x] = (self.bgp >> (colour * 2)) & 3;
        }
        if used_window {
            self.window_line += 1;
        }
    }
}
