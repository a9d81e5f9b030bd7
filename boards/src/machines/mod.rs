//! Machines: devices wired from a board description.
pub mod cpm;
pub mod gameboy;
pub mod msx;
pub mod rc2014;
pub mod zx48;
pub mod zx_snapshot;

/// An optional check on memory writes (for tests): a write made by an instruction whose
/// address lies in `code`, to an address outside every range of `allowed`, is recorded (the
/// first [`WriteWatch::KEEP`]; `count` counts them all). Writes by other code (a loader) pass.
#[derive(Debug, Clone, Default)]
pub struct WriteWatch {
    pub code: std::ops::Range<u32>,
    pub allowed: Vec<std::ops::Range<u32>>,
    /// (PC of the instruction, address, value) of the first violations.
    pub violations: Vec<(u16, u16, u8)>,
    pub count: u64,
}

impl WriteWatch {
    pub const KEEP: usize = 16;

    pub(crate) fn write(&mut self, pc: u16, addr: u16, value: u8) {
        if self.code.contains(&u32::from(pc))
            && !self.allowed.iter().any(|r| r.contains(&u32::from(addr)))
        {
            self.count += 1;
            if self.violations.len() < Self::KEEP {
                self.violations.push((pc, addr, value));
            }
        }
    }
}
