//! Cross-field checks on a [`BoardDesc`]: the facts a TOML schema alone cannot express.

use super::{BankScheme, BoardDesc, ConsoleDevice, Cpu, DescError, ImageFormat, RegionKind};

const ADDRESS_SPACE: u32 = 0x1_0000;

impl BoardDesc {
    /// Check the description for consistency. Called by every loader; errors name the field.
    pub fn validate(&self) -> Result<(), DescError> {
        if self.name.is_empty()
            || !self
                .name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(self.invalid(format!(
                "name `{}` must be lowercase letters, digits and `-`",
                self.name
            )));
        }
        if !(100_000..=50_000_000).contains(&self.clock_hz) {
            return Err(self.invalid(format!(
                "clock_hz = {} is outside 100 kHz..50 MHz",
                self.clock_hz
            )));
        }
        self.check_memory()?;
        self.check_banking()?;
        self.check_console()?;
        self.check_flash()?;
        self.check_image()?;
        if self.sources.is_empty() {
            return Err(
                self.invalid("no `[[sources]]`: every board records where its facts come from")
            );
        }
        for s in &self.sources {
            if s.fact.trim().is_empty() || s.document.trim().is_empty() {
                return Err(self.invalid("a `[[sources]]` entry has an empty `fact` or `document`"));
            }
        }
        Ok(())
    }

    fn check_memory(&self) -> Result<(), DescError> {
        if self.memory.is_empty() {
            return Err(self.invalid("`memory` lists no regions"));
        }
        let mut prev_end = 0u32;
        let mut prev_name = "";
        for r in &self.memory {
            if r.size == 0 {
                return Err(self.invalid(format!("region `{}` has size 0", r.name)));
            }
            if r.end() > ADDRESS_SPACE {
                return Err(self.invalid(format!(
                    "region `{}` ends at {:#x}, past the 64K address space",
                    r.name,
                    r.end()
                )));
            }
            if r.start < prev_end {
                return Err(self.invalid(format!(
                    "region `{}` at {:#06x} overlaps or precedes `{}` (ends {:#06x}); list regions in address order without overlap",
                    r.name, r.start, prev_name, prev_end
                )));
            }
            if self.memory.iter().filter(|o| o.name == r.name).count() > 1 {
                return Err(self.invalid(format!("region name `{}` is used twice", r.name)));
            }
            if let Some(w) = r.window {
                let Some(b) = &self.banking else {
                    return Err(self.invalid(format!(
                        "region `{}` names window {w} but the board has no `[banking]`",
                        r.name
                    )));
                };
                let Some(win) = b.windows.get(w) else {
                    return Err(self.invalid(format!(
                        "region `{}` names window {w}; banking has {} window(s)",
                        r.name,
                        b.windows.len()
                    )));
                };
                if win.start != r.start || win.size != r.size {
                    return Err(self.invalid(format!(
                        "region `{}` ({:#06x}+{:#x}) does not match banking window {w} ({:#06x}+{:#x})",
                        r.name, r.start, r.size, win.start, win.size
                    )));
                }
            }
            prev_end = r.end();
            prev_name = &r.name;
        }
        if self.regions(RegionKind::Ram).next().is_none() {
            return Err(
                self.invalid("no `ram` region: the engine needs RAM for activations and stack")
            );
        }
        Ok(())
    }

    fn check_banking(&self) -> Result<(), DescError> {
        let Some(b) = &self.banking else {
            return Ok(());
        };
        for (what, size) in [
            ("rom_page_size", b.rom_page_size),
            ("ram_page_size", b.ram_page_size),
        ] {
            if !size.is_power_of_two() || size < 0x400 {
                return Err(self.invalid(format!(
                    "banking.{what} = {size:#x} must be a power of two of at least 1K"
                )));
            }
        }
        if b.rom_pages == 0 {
            return Err(self.invalid("banking.rom_pages is 0"));
        }
        if b.windows.is_empty() {
            return Err(self.invalid("banking lists no windows"));
        }
        for (i, w) in b.windows.iter().enumerate() {
            if w.start + w.size > ADDRESS_SPACE {
                return Err(self.invalid(format!("banking window {i} runs past 0xFFFF")));
            }
            let page = match w.source {
                super::WindowSource::Ram => b.ram_page_size,
                _ => b.rom_page_size,
            };
            if w.size != page {
                return Err(self.invalid(format!(
                    "banking window {i} is {:#x} bytes but its pages are {page:#x}",
                    w.size
                )));
            }
            if w.start % w.size != 0 {
                return Err(self.invalid(format!(
                    "banking window {i} at {:#06x} is not aligned to its size",
                    w.start
                )));
            }
            if !self.memory.iter().any(|r| r.window == Some(i)) {
                return Err(self.invalid(format!(
                    "banking window {i} is not named by any memory region"
                )));
            }
        }
        match b.scheme {
            BankScheme::Rc2014_512k => {
                if b.windows.iter().any(|w| w.port.is_none()) {
                    return Err(self.invalid(
                        "rc2014-512k banking: every window needs its page register `port`",
                    ));
                }
                if b.enable_port.is_none() {
                    return Err(self.invalid("rc2014-512k banking needs `enable_port`"));
                }
                if b.first_ram_page != b.rom_pages {
                    return Err(self.invalid(format!(
                        "rc2014-512k banking: first_ram_page ({}) must follow the ROM pages ({})",
                        b.first_ram_page, b.rom_pages
                    )));
                }
                if b.rom_pages + b.ram_pages > 64 {
                    return Err(
                        self.invalid("rc2014-512k page registers hold 6 bits: at most 64 pages")
                    );
                }
            }
            BankScheme::Mbc5 => {
                if self.cpu != Cpu::Sm83 {
                    return Err(self.invalid("mbc5 banking belongs to a Game Boy (cpu = \"sm83\")"));
                }
                if b.rom_pages > 512 || b.ram_pages > 16 {
                    return Err(
                        self.invalid("mbc5 supports at most 512 ROM banks and 16 RAM banks")
                    );
                }
                if b.windows.iter().any(|w| w.select.is_empty()) {
                    return Err(self.invalid(
                        "mbc5 banking: every window needs its `select` register address(es)",
                    ));
                }
            }
            BankScheme::Zx128 => {
                if b.windows.iter().any(|w| w.port != Some(0x7FFD)) {
                    return Err(
                        self.invalid("zx128 banking: every window is paged through port 0x7ffd")
                    );
                }
                if b.rom_pages != 2 || b.ram_pages != 8 {
                    return Err(
                        self.invalid("zx128 banking has 2 ROM pages and 8 RAM banks of 16K")
                    );
                }
            }
            BankScheme::Ascii8 => {
                if self.cpu != Cpu::Z80 {
                    return Err(self.invalid("ascii8 banking belongs to an MSX (cpu = \"z80\")"));
                }
                if b.rom_pages > 256 {
                    return Err(
                        self.invalid("ascii8 bank registers hold 8 bits: at most 256 banks")
                    );
                }
                for w in &b.windows {
                    if !(0x4000..0xC000).contains(&w.start)
                        || w.select.len() != 1
                        || !(0x6000..0x8000).contains(&w.select[0])
                    {
                        return Err(self.invalid(
                            "ascii8 banking: windows lie in 0x4000-0xBFFF, each with one `select` register in 0x6000-0x7FFF",
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    fn check_console(&self) -> Result<(), DescError> {
        let c = &self.console;
        let serial = matches!(c.device, ConsoleDevice::Acia | ConsoleDevice::Sio);
        if serial {
            if self.cpu != Cpu::Z80 {
                return Err(
                    self.invalid("a port-mapped UART console needs a Z80 (the SM83 has no IN/OUT)")
                );
            }
            let Some(p) = &c.ports else {
                return Err(
                    self.invalid("console.ports (control, data) is required for a UART console")
                );
            };
            let (Some(ctl), Some(data)) = (p.control, p.data) else {
                return Err(self.invalid("console.ports needs both `control` and `data`"));
            };
            if ctl > 0xff || data > 0xff || ctl == data {
                return Err(self.invalid(format!(
                    "console ports control={ctl:#x} data={data:#x} must be distinct 8-bit ports"
                )));
            }
            let baud = c
                .baud
                .ok_or_else(|| self.invalid("console.baud is required for a UART console"))?;
            if let (Some(clk), Some(div)) = (c.uart_clock_hz, c.divider) {
                if div == 0 || clk / div != baud {
                    return Err(self.invalid(format!(
                        "console: uart_clock_hz {clk} / divider {div} is not the stated baud {baud}"
                    )));
                }
            }
            if let Some(b) = &self.banking {
                let used: Vec<u16> = b
                    .windows
                    .iter()
                    .filter_map(|w| w.port)
                    .chain(b.enable_port)
                    .collect();
                if used.contains(&ctl) || used.contains(&data) {
                    return Err(self.invalid("console ports collide with the banking ports"));
                }
            }
        } else if c.baud.is_some() {
            return Err(self.invalid(format!(
                "console.baud is set but the {:?} console is not a serial line",
                c.device
            )));
        }
        let wants = match c.device {
            ConsoleDevice::Bdos | ConsoleDevice::ZxRst16 | ConsoleDevice::MsxBios => Cpu::Z80,
            ConsoleDevice::GbLcd => Cpu::Sm83,
            _ => self.cpu,
        };
        if wants != self.cpu {
            return Err(self.invalid(format!(
                "console {:?} does not exist on a {:?} board",
                c.device, self.cpu
            )));
        }
        Ok(())
    }

    fn check_flash(&self) -> Result<(), DescError> {
        let Some(f) = &self.flash else { return Ok(()) };
        if !f.sector_size.is_power_of_two() || f.size % f.sector_size != 0 {
            return Err(self.invalid(format!(
                "flash: sector_size {:#x} must be a power of two dividing size {:#x}",
                f.sector_size, f.size
            )));
        }
        if let Some(b) = &self.banking {
            if b.rom_pages as u64 * b.rom_page_size as u64 != f.size as u64 {
                return Err(self.invalid(format!(
                    "flash size {:#x} differs from banking ROM ({} pages of {:#x})",
                    f.size, b.rom_pages, b.rom_page_size
                )));
            }
        }
        for (what, off) in [
            ("loader_offset", f.loader_offset),
            ("loader_size", f.loader_size),
            ("app_offset", f.app_offset),
            ("header_offset", f.header_offset),
        ] {
            if off % f.sector_size != 0 {
                return Err(self.invalid(format!(
                    "flash.{what} = {off:#x} is not on a sector boundary"
                )));
            }
        }
        let loader_end = f.loader_offset + f.loader_size;
        if f.loader_size == 0 || loader_end > f.app_offset {
            return Err(
                self.invalid("flash: the loader must be non-empty and end before app_offset")
            );
        }
        if f.loader_offset != 0 {
            return Err(
                self.invalid("flash: the loader must start at offset 0 (it runs from reset)")
            );
        }
        if f.header_offset < f.app_offset || f.header_offset + f.sector_size > f.size {
            return Err(self.invalid(
                "flash: header_offset must be a sector after the app start, inside the chip",
            ));
        }
        Ok(())
    }

    fn check_image(&self) -> Result<(), DescError> {
        let i = &self.image;
        let expect = match self.console.device {
            ConsoleDevice::Bdos => ImageFormat::Com,
            ConsoleDevice::GbLcd => ImageFormat::Gb,
            ConsoleDevice::ZxRst16 => ImageFormat::Tap,
            ConsoleDevice::Acia | ConsoleDevice::Sio | ConsoleDevice::MsxBios => ImageFormat::Rom,
        };
        if i.format != expect {
            return Err(self.invalid(format!(
                "image.format {:?} does not fit a {:?} console board (expected {expect:?})",
                i.format, self.console.device
            )));
        }
        let holds = |addr: u32, kinds: &[RegionKind]| {
            self.memory
                .iter()
                .any(|r| kinds.contains(&r.kind) && (r.start..r.end()).contains(&addr))
        };
        if !holds(i.origin, &[RegionKind::Rom, RegionKind::Ram]) {
            return Err(self.invalid(format!(
                "image.origin {:#06x} is not inside a rom or ram region",
                i.origin
            )));
        }
        if !holds(i.entry, &[RegionKind::Rom, RegionKind::Ram]) {
            return Err(self.invalid(format!(
                "image.entry {:#06x} is not inside a rom or ram region",
                i.entry
            )));
        }
        Ok(())
    }
}
