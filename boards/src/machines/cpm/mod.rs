//! Emulated CP/M 2.2 machine: a Z80 with 64K of RAM, a BDOS and the console
//! part of a BIOS, trapped in Rust at their entry points.
//!
//! The memory layout copies a 64K CP/M 2.2 system (CP/M 2.2 System
//! Interface Guide §2, "Operating System Call Conventions"): page zero holds
//! `JP WBOOT` at 0x0000 and `JP FBASE` at 0x0005 (FBASE = [`CpmConfig::tpa_top`],
//! 0xE406 by default, i.e. BDOS at 0xE400 and the BIOS jump table at 0xF200),
//! the command tail and the default FCBs at 0x005C/0x006C/0x0080 as the CCP
//! leaves them, and the .COM image at 0x0100. The program starts with a
//! stack holding 0x0000, so `RET` warm-boots.
//!
//! When the PC reaches FBASE the BDOS function in C is performed (see
//! `bdos`), the [`CpmConfig::bdos_cost`] T-states are charged, and the call
//! returns as a `RET` would. Reaching the BIOS warm-boot entry (via `JP 0`
//! or function 0) ends the run.
//!
//! Fault detection (off by default) turns program bugs into typed stop
//! reasons with the PC: writes outside the TPA, stack writes below a floor,
//! execution outside a code range.

mod bdos;
mod files;

pub use files::{fcb_name, Drive};

use std::ops::Range;

use crate::console::Console;
use crate::cpu::z80::{Bus, Z80};

/// Where the .COM image is loaded and started.
pub const TPA_START: u16 = 0x0100;
/// Default FBASE (BDOS entry) of a 64K CP/M 2.2 system.
pub const DEFAULT_TPA_TOP: u16 = 0xe406;
/// Default T-states charged per BDOS call. The trap itself replaces the
/// whole BDOS, so this is an agreed figure, not a measurement: 10 T-states,
/// the `RET` that ends the call.
pub const DEFAULT_BDOS_COST: u32 = 10;

/// Machine configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpmConfig {
    /// FBASE: the BDOS entry and first byte above the TPA (the word at 0x0006).
    pub tpa_top: u16,
    /// T-states charged for each BDOS or BIOS call, `RET` included.
    pub bdos_cost: u32,
    /// Stop on writes at or above `tpa_top` or into page zero below 0x005C.
    pub check_writes: bool,
    /// Stop when a write through SP (PUSH, CALL, RST, EX (SP),HL) lands below
    /// this address.
    pub stack_floor: Option<u16>,
    /// Stop when an instruction is fetched outside this range (the
    /// page-zero jumps at 0x0000 and 0x0005 and the trapped BDOS/BIOS
    /// entries are always allowed).
    pub code_range: Option<Range<u16>>,
}

impl Default for CpmConfig {
    fn default() -> Self {
        CpmConfig {
            tpa_top: DEFAULT_TPA_TOP,
            bdos_cost: DEFAULT_BDOS_COST,
            check_writes: false,
            stack_floor: None,
            code_range: None,
        }
    }
}

/// Why a run stopped normally.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// The program warm-booted (JP 0, BDOS function 0 or RET from the top level).
    WarmBoot,
    /// The program waits for a key and the console has none left.
    InputExhausted,
    /// The T-state budget of this `run` call is spent.
    Budget,
}

/// Errors and abnormal stop reasons.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CpmError {
    #[error("image of {len} bytes does not fit the TPA (0x0100..0x{tpa_top:04X}, {max} bytes): raise tpa_top or shrink the program")]
    ImageTooLarge {
        len: usize,
        max: usize,
        tpa_top: u16,
    },
    #[error("machine tpa_top 0x{tpa_top:04X} is invalid: it must lie in 0x0200..=0xF1FA, below the BIOS at 0xF200")]
    BadTpaTop { tpa_top: u16 },
    #[error("unsupported BDOS function {function} (C register) called from 0x{pc:04X}; supported: 0-2, 6, 9-22, 25, 26, 32")]
    UnsupportedBdos { pc: u16, function: u8 },
    #[error("unsupported BIOS entry {entry} (offset 0x{offset:02X}) called from 0x{pc:04X}; supported: BOOT WBOOT CONST CONIN CONOUT")]
    UnsupportedBios { pc: u16, entry: u8, offset: u16 },
    #[error(
        "write of 0x{value:02X} to 0x{addr:04X} outside the TPA by the instruction at 0x{pc:04X}"
    )]
    WriteOutsideTpa { pc: u16, addr: u16, value: u8 },
    #[error("stack overflow: write at SP=0x{sp:04X} below the floor 0x{floor:04X} by the instruction at 0x{pc:04X}")]
    StackOverflow { pc: u16, sp: u16, floor: u16 },
    #[error("execution outside the code range {start:04X}..{end:04X} at 0x{pc:04X}")]
    ExecOutsideCode { pc: u16, start: u16, end: u16 },
    #[error("{name}? (no {name}.COM in this user area of drive A)")]
    NoCommand { name: String },
    #[error("CPU halted at 0x{pc:04X} with no interrupt source: the program hangs")]
    Halted { pc: u16 },
}

/// Memory as the CPU sees it, with optional write guarding.
struct GuardedMem<'a> {
    mem: &'a mut [u8; 0x10000],
    check_writes: bool,
    tpa_top: u16,
    /// First offending write of this step: (addr, value).
    bad_write: Option<(u16, u8)>,
    /// Address of the last write of this step (u32::MAX = none).
    last_write: u32,
}

impl Bus for GuardedMem<'_> {
    #[inline(always)]
    fn read(&mut self, addr: u16) -> u8 {
        self.mem[addr as usize]
    }

    #[inline(always)]
    fn write(&mut self, addr: u16, value: u8) {
        if self.check_writes && (addr >= self.tpa_top || addr < 0x5c) && self.bad_write.is_none() {
            self.bad_write = Some((addr, value));
        }
        self.last_write = u32::from(addr);
        self.mem[addr as usize] = value;
    }

    /// The CP/M machine has no I/O devices: the bus floats high.
    fn input(&mut self, _port: u16) -> u8 {
        0xff
    }

    fn output(&mut self, _port: u16, _value: u8) {}
}

/// A CP/M 2.2 computer.
pub struct Cpm {
    pub cpu: Z80,
    pub mem: Box<[u8; 0x10000]>,
    cfg: CpmConfig,
    /// A key read by a status call and not yet consumed (BDOS `kbchar`).
    kbchar: Option<u8>,
    /// Console column, for TAB expansion and ^X/backspace.
    column: u8,
    /// Partly typed line of an interrupted function 10 (input ran out).
    line: Option<Vec<u8>>,
    /// Drive A's files (kept across program loads, as a disk is).
    pub drive: Drive,
    /// The current user area (BDOS function 32).
    user: u8,
    /// The record buffer address (BDOS function 26).
    dma: u16,
    /// Matches left for BDOS function 18.
    search: files::Search,
}

/// Offset of the BIOS jump table above FBASE's page (BDOS 0xE400, BIOS 0xF200).
const BIOS_OFFSET: u16 = 0x0e00;

impl Cpm {
    /// A machine with empty memory (call [`Cpm::load_com`] next).
    pub fn new(cfg: CpmConfig) -> Self {
        Cpm {
            cpu: Z80::new(),
            mem: Box::new([0u8; 0x10000]),
            cfg,
            kbchar: None,
            column: 0,
            line: None,
            drive: Drive::default(),
            user: 0,
            dma: 0x0080,
            search: files::Search::default(),
        }
    }

    /// The current user area.
    pub fn user(&self) -> u8 {
        self.user
    }

    /// Does what the CCP does with a command line naming a transient program
    /// (`[A:]NAME [tail]`): loads `NAME.COM` from the current user area of drive A and
    /// passes the tail. Built-in commands are not served.
    pub fn load_command(&mut self, line: &[u8]) -> Result<(), CpmError> {
        let text = String::from_utf8_lossy(line).trim().to_string();
        let (cmd, tail) = text.split_once(' ').unwrap_or((&text, ""));
        let cmd = cmd
            .strip_prefix("A:")
            .or_else(|| cmd.strip_prefix("a:"))
            .unwrap_or(cmd);
        let image = fcb_name(cmd)
            .filter(|n| &n[8..] == b"   ")
            .and_then(|_| self.drive.file(self.user, &format!("{cmd}.COM")))
            .ok_or_else(|| CpmError::NoCommand {
                name: cmd.to_ascii_uppercase(),
            })?
            .to_vec();
        self.load_com(&image, tail.as_bytes())
    }

    pub fn config(&self) -> &CpmConfig {
        &self.cfg
    }

    /// Address of the BIOS jump table (BOOT; WBOOT is 3 bytes above).
    pub fn bios_base(&self) -> u16 {
        (self.cfg.tpa_top & 0xff00).wrapping_add(BIOS_OFFSET)
    }

    /// Set up page zero and the command tail, load `image` at 0x0100 and
    /// point the CPU at it, as the CCP does for `NAME tail`.
    pub fn load_com(&mut self, image: &[u8], tail: &[u8]) -> Result<(), CpmError> {
        let top = self.cfg.tpa_top;
        if !(0x0200..=0xf1fa).contains(&top) {
            return Err(CpmError::BadTpaTop { tpa_top: top });
        }
        let max = usize::from(top) - usize::from(TPA_START);
        if image.len() > max {
            return Err(CpmError::ImageTooLarge {
                len: image.len(),
                max,
                tpa_top: top,
            });
        }
        self.mem.fill(0);
        let bios = self.bios_base();
        let wboot = bios + 3;
        self.mem[0] = 0xc3;
        self.mem[1..3].copy_from_slice(&wboot.to_le_bytes());
        self.mem[5] = 0xc3;
        self.mem[6..8].copy_from_slice(&top.to_le_bytes());
        // BIOS jump table: 17 entries, each a JP to itself (trapped before use).
        for i in 0..17u16 {
            let at = usize::from(bios + 3 * i);
            self.mem[at] = 0xc3;
            self.mem[at + 1..at + 3].copy_from_slice(&(bios + 3 * i).to_le_bytes());
        }
        self.mem[usize::from(top)] = 0xc9;
        bdos::setup_tail(&mut self.mem, tail);
        self.mem[usize::from(TPA_START)..usize::from(TPA_START) + image.len()]
            .copy_from_slice(image);

        self.cpu = Z80::new();
        self.cpu.pc = TPA_START;
        // The CCP's stack sits just below the BDOS; the CCP's return
        // address is replaced by 0x0000 (warm boot).
        let sp = (top & 0xff00).wrapping_sub(2);
        self.mem[usize::from(sp)] = 0;
        self.mem[usize::from(sp) + 1] = 0;
        self.cpu.sp = sp;
        self.kbchar = None;
        self.column = 0;
        self.line = None;
        self.dma = 0x0080;
        Ok(())
    }

    /// Run until warm boot, input exhaustion, a fault, or `budget` more
    /// T-states have elapsed. A run stopped by `InputExhausted` or `Budget`
    /// can be resumed by calling `run` again (after queueing more input).
    pub fn run(&mut self, console: &mut dyn Console, budget: u64) -> Result<Exit, CpmError> {
        let end = self.cpu.cycles.saturating_add(budget);
        loop {
            self.run_fast(end)?;
            if self.cpu.cycles >= end {
                return Ok(Exit::Budget);
            }
            // The fast loop stopped at FBASE or above it: a BDOS/BIOS trap.
            if let Some(exit) = self.trap(console)? {
                return Ok(exit);
            }
        }
    }

    /// Execute instructions until the budget ends or PC reaches FBASE or
    /// higher (BDOS and BIOS), checking faults as configured.
    fn run_fast(&mut self, end: u64) -> Result<(), CpmError> {
        let top = self.cfg.tpa_top;
        let floor = self.cfg.stack_floor;
        let code = self.cfg.code_range.clone();
        let mut bus = GuardedMem {
            mem: &mut self.mem,
            check_writes: self.cfg.check_writes,
            tpa_top: top,
            bad_write: None,
            last_write: u32::MAX,
        };
        let cpu = &mut self.cpu;
        let checked = floor.is_some() || code.is_some() || bus.check_writes;
        while cpu.cycles < end {
            let pc = cpu.pc;
            if pc >= top {
                return Ok(());
            }
            if !checked {
                cpu.step(&mut bus);
            } else {
                if let Some(r) = &code {
                    // The page-zero jumps to WBOOT and FBASE are system code.
                    if !r.contains(&pc) && pc != 0x0000 && pc != 0x0005 {
                        return Err(CpmError::ExecOutsideCode {
                            pc,
                            start: r.start,
                            end: r.end,
                        });
                    }
                }
                bus.last_write = u32::MAX;
                cpu.step(&mut bus);
                if let Some((addr, value)) = bus.bad_write {
                    return Err(CpmError::WriteOutsideTpa { pc, addr, value });
                }
                if let Some(floor) = floor {
                    let sp = cpu.sp;
                    let lw = bus.last_write;
                    if sp < floor && (lw == u32::from(sp) || lw == u32::from(sp) + 1) {
                        return Err(CpmError::StackOverflow { pc, sp, floor });
                    }
                }
            }
            if cpu.halted {
                return Err(CpmError::Halted {
                    pc: cpu.pc.wrapping_sub(1),
                });
            }
        }
        Ok(())
    }

    /// Return from a trapped call: RET, plus the configured cost.
    fn trap_return(&mut self) {
        let lo = self.mem[usize::from(self.cpu.sp)];
        let hi = self.mem[usize::from(self.cpu.sp.wrapping_add(1))];
        self.cpu.sp = self.cpu.sp.wrapping_add(2);
        self.cpu.pc = u16::from_le_bytes([lo, hi]);
        self.cpu.cycles += u64::from(self.cfg.bdos_cost);
    }

    /// Set the BDOS result registers: HL = value, A = L, B = H.
    fn set_result(&mut self, value: u16) {
        self.cpu.set_hl(value);
        self.cpu.a = value as u8;
        self.cpu.b = (value >> 8) as u8;
    }
}
