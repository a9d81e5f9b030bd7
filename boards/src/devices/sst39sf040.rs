//! SST39SF040 512K x8 flash, emulated by its command set (SST39SF010A/020A/040 data sheet,
//! Table 4 "Software Command Sequence"): commands are bus-write cycles to A14-A0 = 5555h/2AAAh
//! (upper address bits ignored); byte-program (AA, 55, A0, then address/data) can only clear bits;
//! sector-erase (AA, 55, 80, AA, 55, then 30h at the sector) sets a 4K sector to FFh; chip-erase
//! ends with 10h at 5555h; software-ID entry (AA, 55, 90) reads BFh/B7h at addresses 0/1 until
//! F0h. A write that breaks a sequence returns the chip to read mode and changes nothing. While an
//! internal program or erase runs (20 us / 25 ms / 100 ms, as the data sheet's maxima), reads
//! return status: DQ7 = complement of the programmed bit (Data# polling) and DQ6 toggling on every
//! read (Toggle Bit); writes are ignored.

use std::path::Path;

pub const SIZE: usize = 0x8_0000;
pub const SECTOR: usize = 0x1000;
pub const MANUFACTURER_ID: u8 = 0xBF;
pub const DEVICE_ID: u8 = 0xB7;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Read,
    Unlock1,
    Unlock2,
    Program,
    Erase1,
    Erase2,
    Erase3,
    Id,
    IdUnlock1,
    IdUnlock2,
}

#[derive(Debug, Clone)]
pub struct Sst39sf040 {
    mem: Vec<u8>,
    state: State,
    busy_until: u64,
    /// DQ7 value to report while busy.
    busy_dq7: u8,
    toggle: u8,
    /// Durations in CPU T-states.
    program_cycles: u64,
    sector_erase_cycles: u64,
    chip_erase_cycles: u64,
    dirty: bool,
    /// Counts of completed operations (for tests and the emulator's status line).
    pub programs: u64,
    pub erases: u64,
}

impl Sst39sf040 {
    /// A chip holding `contents` (shorter images are padded with erased bytes), timed for a CPU
    /// clocked at `cpu_hz`.
    pub fn new(contents: &[u8], cpu_hz: u32) -> Self {
        let mut mem = vec![0xFF; SIZE];
        let n = contents.len().min(SIZE);
        mem[..n].copy_from_slice(&contents[..n]);
        let us = |u: u64| u * cpu_hz as u64 / 1_000_000;
        Sst39sf040 {
            mem,
            state: State::Read,
            busy_until: 0,
            busy_dq7: 0,
            toggle: 0,
            program_cycles: us(20),
            sector_erase_cycles: us(25_000),
            chip_erase_cycles: us(100_000),
            dirty: false,
            programs: 0,
            erases: 0,
        }
    }

    /// Load the chip contents from a state file (exactly 512K).
    pub fn load(path: &Path, cpu_hz: u32) -> std::io::Result<Self> {
        let bytes = std::fs::read(path)?;
        if bytes.len() != SIZE {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "{}: flash state must be {SIZE} bytes, found {}",
                    path.display(),
                    bytes.len()
                ),
            ));
        }
        Ok(Self::new(&bytes, cpu_hz))
    }

    /// Write the contents to a state file (via a temporary file, so a crash never truncates it).
    pub fn save(&mut self, path: &Path) -> std::io::Result<()> {
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, &self.mem)?;
        std::fs::rename(&tmp, path)?;
        self.dirty = false;
        Ok(())
    }

    /// Has the array changed since the last save?
    pub fn is_dirty(&self) -> bool {
        self.dirty
    }

    pub fn contents(&self) -> &[u8] {
        &self.mem
    }

    /// Is an internal program/erase running at `now`?
    pub fn busy(&self, now: u64) -> bool {
        now < self.busy_until
    }

    pub fn read(&mut self, addr: u32, now: u64) -> u8 {
        let addr = addr as usize % SIZE;
        if self.busy(now) {
            self.toggle ^= 0x40;
            return self.busy_dq7 | self.toggle;
        }
        if matches!(self.state, State::Id | State::IdUnlock1 | State::IdUnlock2) {
            return match addr & 1 {
                0 => MANUFACTURER_ID,
                _ => DEVICE_ID,
            };
        }
        self.mem[addr]
    }

    pub fn write(&mut self, addr: u32, value: u8, now: u64) {
        if self.busy(now) {
            return;
        }
        let addr = addr as usize % SIZE;
        let cmd = addr & 0x7FFF;
        self.state = match (self.state, cmd, value) {
            (_, _, 0xF0) if !matches!(self.state, State::Program) => State::Read,
            (State::Read, 0x5555, 0xAA) => State::Unlock1,
            (State::Unlock1, 0x2AAA, 0x55) => State::Unlock2,
            (State::Unlock2, 0x5555, 0xA0) => State::Program,
            (State::Unlock2, 0x5555, 0x80) => State::Erase1,
            (State::Unlock2, 0x5555, 0x90) => State::Id,
            (State::Program, _, v) => {
                let old = self.mem[addr];
                self.mem[addr] = old & v;
                self.dirty |= old != old & v;
                self.busy_until = now + self.program_cycles;
                self.busy_dq7 = !v & 0x80;
                self.programs += 1;
                State::Read
            }
            (State::Erase1, 0x5555, 0xAA) => State::Erase2,
            (State::Erase2, 0x2AAA, 0x55) => State::Erase3,
            (State::Erase3, _, 0x30) => {
                let start = addr & !(SECTOR - 1);
                self.mem[start..start + SECTOR].fill(0xFF);
                self.finish_erase(now, self.sector_erase_cycles);
                State::Read
            }
            (State::Erase3, 0x5555, 0x10) => {
                self.mem.fill(0xFF);
                self.finish_erase(now, self.chip_erase_cycles);
                State::Read
            }
            (State::Id, 0x5555, 0xAA) => State::IdUnlock1,
            (State::IdUnlock1, 0x2AAA, 0x55) => State::IdUnlock2,
            (State::Id | State::IdUnlock1 | State::IdUnlock2, _, _) => State::Id,
            // Anything else breaks the sequence: back to reading, nothing written.
            _ => State::Read,
        };
    }

    fn finish_erase(&mut self, now: u64, cycles: u64) {
        self.dirty = true;
        self.busy_until = now + cycles;
        self.busy_dq7 = 0;
        self.erases += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(f: &mut Sst39sf040, seq: &[(u32, u8)], now: u64) {
        for &(a, v) in seq {
            f.write(a, v, now);
        }
    }

    const UNLOCK: [(u32, u8); 2] = [(0x5555, 0xAA), (0x2AAA, 0x55)];

    #[test]
    fn program_clears_bits_only_after_the_full_sequence() {
        let mut f = Sst39sf040::new(&[], 7_372_800);
        f.write(0x1234, 0x00, 0); // a bare write does nothing
        assert_eq!(f.read(0x1234, 0), 0xFF);
        cmd(&mut f, &UNLOCK, 0);
        cmd(&mut f, &[(0x5555, 0xA0), (0x41234, 0x5A)], 0);
        // Busy: DQ6 toggles, DQ7 is the complement of bit 7 of the data.
        let (s1, s2) = (f.read(0x41234, 1), f.read(0x41234, 2));
        assert_eq!((s1 ^ s2) & 0x40, 0x40);
        assert_eq!(s1 & 0x80, 0x80);
        let later = 1 + f.program_cycles;
        assert_eq!(f.read(0x41234, later), 0x5A);
        // Programming 0xFF over 0x5A cannot set bits.
        cmd(&mut f, &UNLOCK, later);
        cmd(&mut f, &[(0x5555, 0xA0), (0x41234, 0xFF)], later);
        assert_eq!(f.read(0x41234, later * 3), 0x5A);
    }

    #[test]
    fn wrong_sequences_do_nothing() {
        let mut f = Sst39sf040::new(&[0u8; SIZE], 7_372_800);
        // Wrong second address, then erase with a wrong confirm byte.
        cmd(&mut f, &[(0x5555, 0xAA), (0x2AAB, 0x55), (0x5555, 0x80)], 0);
        cmd(&mut f, &UNLOCK, 0);
        cmd(
            &mut f,
            &[
                (0x5555, 0x80),
                (0x5555, 0xAA),
                (0x2AAA, 0x55),
                (0x3000, 0x31),
            ],
            0,
        );
        assert!(f.contents().iter().all(|&b| b == 0));
        assert!(!f.is_dirty());
    }

    #[test]
    fn sector_erase_touches_one_sector_and_upper_address_bits_are_ignored_for_commands() {
        let mut f = Sst39sf040::new(&[0u8; SIZE], 7_372_800);
        cmd(
            &mut f,
            &[
                (0x7D555, 0xAA),
                (0x12AAA, 0x55),
                (0x5555, 0x80),
                (0x5555, 0xAA),
                (0x2AAA, 0x55),
                (0x23456, 0x30),
            ],
            0,
        );
        let c = f.contents();
        assert!(c[0x23000..0x24000].iter().all(|&b| b == 0xFF));
        assert_eq!((c[0x22FFF], c[0x24000]), (0, 0));
        assert!(f.busy(100) && !f.busy(f.sector_erase_cycles));
    }

    #[test]
    fn software_id() {
        let mut f = Sst39sf040::new(&[], 7_372_800);
        cmd(&mut f, &UNLOCK, 0);
        f.write(0x5555, 0x90, 0);
        assert_eq!((f.read(0, 0), f.read(1, 0)), (MANUFACTURER_ID, DEVICE_ID));
        f.write(0, 0xF0, 0);
        assert_eq!(f.read(0, 0), 0xFF);
    }

    #[test]
    fn state_survives_save_and_load() {
        let dir = std::env::temp_dir().join(format!("sst-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("flash.bin");
        let mut f = Sst39sf040::new(&[], 7_372_800);
        cmd(&mut f, &UNLOCK, 0);
        cmd(&mut f, &[(0x5555, 0xA0), (0x7FFFF, 0x12)], 0);
        f.save(&path).unwrap();
        let mut g = Sst39sf040::load(&path, 7_372_800).unwrap();
        assert_eq!(g.read(0x7FFFF, 0), 0x12);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
