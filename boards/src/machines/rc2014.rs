//! Emulated RC2014, wired from a board description (`boards/data/rc2014-*.toml`): a Z80 at the
//! board's clock, the Classic's fixed 32K ROM / 32K RAM or the 512K ROM + 512K RAM module (paging
//! registers and an SST39SF040 emulated by its command set), and the console UART (MC68B50 ACIA
//! or Z80 SIO/2) paced at the configured line rate in CPU T-states.
//!
//! The host side of the serial line is [`Rc2014::send`] / [`Rc2014::take_output`]; [`serve`]
//! runs the machine against any [`HostLine`] (a pty, an in-memory pipe) in real time or as fast
//! as it can, saving the flash to a state file whenever it changes.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use thiserror::Error;

use crate::cpu::z80::{Bus, Z80};
use crate::desc::{BankScheme, BoardDesc, ConsoleDevice};
use crate::devices::acia::Acia;
use crate::devices::rom_banks::{classic_map, Paging512k, Target};
use crate::devices::serial_line::SerialLine;
use crate::devices::sio::Sio;
use crate::devices::sst39sf040::{self, Sst39sf040};
pub use crate::machines::WriteWatch;

#[derive(Debug, Error)]
pub enum MachineError {
    #[error("board `{0}` is not an RC2014 (expected rc2014-classic or rc2014-512k)")]
    NotRc2014(String),
    #[error("ROM image is {len} bytes; {board} takes at most {max} bytes")]
    RomTooLarge {
        board: String,
        len: usize,
        max: usize,
    },
    #[error("the CPU halted with interrupts off at PC={pc:#06x} (nothing can wake it)")]
    Halted { pc: u16 },
    #[error("flash state file {path}: {source}")]
    State {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Memory behind the CPU.
pub enum Memory {
    Classic {
        rom: Vec<u8>,
        ram: Vec<u8>,
    },
    Paged {
        paging: Paging512k,
        flash: Box<Sst39sf040>,
        ram: Vec<u8>,
    },
}

/// The console UART.
pub enum Uart {
    Acia(Acia),
    Sio(Sio),
}

impl Uart {
    fn line(&mut self) -> &mut SerialLine {
        match self {
            Uart::Acia(a) => &mut a.line,
            Uart::Sio(s) => &mut s.line,
        }
    }
}

/// Everything on the bus except the CPU.
pub struct Rc2014Bus {
    pub mem: Memory,
    pub uart: Uart,
    uart_base: u8,
    /// Cycle count at the start of the current instruction.
    now: u64,
    /// PC of the current instruction (kept for [`Rc2014Bus::watch`]).
    pc: u16,
    /// Off (`None`) unless a test sets it: one branch per write.
    pub watch: Option<Box<WriteWatch>>,
}

impl Bus for Rc2014Bus {
    fn read(&mut self, addr: u16) -> u8 {
        match &mut self.mem {
            Memory::Classic { rom, ram } => match classic_map(addr) {
                Target::Rom(a) => rom[a as usize],
                Target::Ram(a) => ram[a as usize],
            },
            Memory::Paged { paging, flash, ram } => match paging.map(addr) {
                Target::Rom(a) => flash.read(a, self.now),
                Target::Ram(a) => ram[a as usize],
            },
        }
    }

    fn write(&mut self, addr: u16, value: u8) {
        if let Some(w) = &mut self.watch {
            w.write(self.pc, addr, value);
        }
        match &mut self.mem {
            Memory::Classic { ram, .. } => {
                if let Target::Ram(a) = classic_map(addr) {
                    ram[a as usize] = value;
                }
            }
            Memory::Paged { paging, flash, ram } => match paging.map(addr) {
                Target::Rom(a) => flash.write(a, value, self.now),
                Target::Ram(a) => ram[a as usize] = value,
            },
        }
    }

    fn input(&mut self, port: u16) -> u8 {
        let port = port as u8;
        if port & 0xC0 == self.uart_base & 0xC0 {
            let now = self.now;
            return match &mut self.uart {
                // The Serial I/O module decodes A7/A6 only; RS = A0.
                Uart::Acia(a) => a.read(port & 1, now),
                Uart::Sio(s) => s.read(port & 3, now),
            };
        }
        0xFF
    }

    fn output(&mut self, port: u16, value: u8) {
        let port = port as u8;
        if let Memory::Paged { paging, .. } = &mut self.mem {
            if paging.output(port, value) {
                return;
            }
        }
        if port & 0xC0 == self.uart_base & 0xC0 {
            let now = self.now;
            match &mut self.uart {
                Uart::Acia(a) => a.write(port & 1, value, now),
                Uart::Sio(s) => s.write(port & 3, value, now),
            }
        }
    }
}

/// An RC2014 with its CPU.
pub struct Rc2014 {
    pub cpu: Z80,
    pub bus: Rc2014Bus,
    pub clock_hz: u32,
    pub board: String,
}

impl Rc2014 {
    /// Build the board. `rom` is the 32K ROM of a Classic, or the flash contents (up to 512K;
    /// shorter images are padded with erased bytes) of the 512K module.
    pub fn new(desc: &BoardDesc, rom: &[u8]) -> Result<Self, MachineError> {
        let paged = match &desc.banking {
            Some(b) if b.scheme == BankScheme::Rc2014_512k => true,
            None if desc.name.starts_with("rc2014") => false,
            _ => return Err(MachineError::NotRc2014(desc.name.clone())),
        };
        let max = if paged {
            sst39sf040::SIZE
        } else {
            desc.visible_rom_bytes() as usize
        };
        if rom.len() > max {
            return Err(MachineError::RomTooLarge {
                board: desc.name.clone(),
                len: rom.len(),
                max,
            });
        }
        let mem = if paged {
            Memory::Paged {
                paging: Paging512k::default(),
                flash: Box::new(Sst39sf040::new(rom, desc.clock_hz)),
                ram: vec![0; 0x8_0000],
            }
        } else {
            let mut r = vec![0xFF; 0x8000];
            r[..rom.len()].copy_from_slice(rom);
            Memory::Classic {
                rom: r,
                ram: vec![0; 0x8000],
            }
        };
        Self::with_memory(desc, mem)
    }

    /// Build a 512K board around an existing flash chip (e.g. loaded from a state file).
    pub fn with_flash(desc: &BoardDesc, flash: Sst39sf040) -> Result<Self, MachineError> {
        if !matches!(&desc.banking, Some(b) if b.scheme == BankScheme::Rc2014_512k) {
            return Err(MachineError::NotRc2014(desc.name.clone()));
        }
        let mem = Memory::Paged {
            paging: Paging512k::default(),
            flash: Box::new(flash),
            ram: vec![0; 0x8_0000],
        };
        Self::with_memory(desc, mem)
    }

    fn with_memory(desc: &BoardDesc, mem: Memory) -> Result<Self, MachineError> {
        let c = &desc.console;
        let line = SerialLine::new(desc.clock_hz, c.baud.unwrap_or(0));
        let uart = match c.device {
            ConsoleDevice::Acia => Uart::Acia(Acia::new(line)),
            ConsoleDevice::Sio => Uart::Sio(Sio::new(line)),
            _ => return Err(MachineError::NotRc2014(desc.name.clone())),
        };
        let uart_base = c.ports.as_ref().and_then(|p| p.control).unwrap_or(0x80) as u8;
        Ok(Rc2014 {
            cpu: Z80::new(),
            bus: Rc2014Bus {
                mem,
                uart,
                uart_base,
                now: 0,
                pc: 0,
                watch: None,
            },
            clock_hz: desc.clock_hz,
            board: desc.name.clone(),
        })
    }

    /// Press reset: CPU and paging to their reset state; RAM, flash and the line keep theirs.
    pub fn reset(&mut self) {
        let cycles = self.cpu.cycles;
        self.cpu = Z80::new();
        self.cpu.cycles = cycles;
        if let Memory::Paged { paging, .. } = &mut self.bus.mem {
            paging.reset();
        }
        self.bus.uart.line().reset();
    }

    /// Run for `cycles` T-states.
    pub fn run(&mut self, cycles: u64) -> Result<(), MachineError> {
        let end = self.cpu.cycles + cycles;
        while self.cpu.cycles < end {
            self.bus.now = self.cpu.cycles;
            self.bus.pc = self.cpu.pc;
            self.cpu.step(&mut self.bus);
            if self.cpu.halted && !self.cpu.iff1 {
                return Err(MachineError::Halted { pc: self.cpu.pc });
            }
        }
        Ok(())
    }

    /// Host -> board bytes on the serial line.
    pub fn send(&mut self, bytes: &[u8]) {
        let now = self.cpu.cycles;
        self.bus.uart.line().push_from_host(bytes, now);
    }

    /// Bytes sent but not yet taken by the board.
    pub fn pending_input(&mut self) -> usize {
        self.bus.uart.line().pending_from_host()
    }

    /// Board -> host bytes since the last call.
    pub fn take_output(&mut self) -> Vec<u8> {
        self.bus.uart.line().take_to_host()
    }

    /// T-states per character on the line.
    pub fn cycles_per_char(&mut self) -> u64 {
        self.bus.uart.line().cycles_per_char
    }

    /// The flash chip of a 512K board.
    pub fn flash(&self) -> Option<&Sst39sf040> {
        match &self.bus.mem {
            Memory::Paged { flash, .. } => Some(flash),
            Memory::Classic { .. } => None,
        }
    }

    pub fn flash_mut(&mut self) -> Option<&mut Sst39sf040> {
        match &mut self.bus.mem {
            Memory::Paged { flash, .. } => Some(flash),
            Memory::Classic { .. } => None,
        }
    }
}

/// The host end of the serial line, for [`serve`].
pub trait HostLine {
    /// Bytes from the host, without blocking (0 when none).
    fn poll_in(&mut self, buf: &mut [u8]) -> std::io::Result<usize>;
    /// Bytes to the host.
    fn write_out(&mut self, bytes: &[u8]) -> std::io::Result<()>;
    /// A reset request from the host side (the emulator's reset button).
    fn reset_requested(&mut self) -> bool {
        false
    }
}

/// How [`serve`] runs.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Keep emulated time in step with wall-clock time (for ptys and terminals).
    pub realtime: bool,
    /// Save the flash here whenever it changed (checked every slice).
    pub state_file: Option<PathBuf>,
    /// Emulated time per slice.
    pub slice: Duration,
    /// Treat three consecutive 0x1C bytes (Ctrl-\\ x3) from the host as the reset button.
    pub reset_sequence: bool,
    /// A CPU halted with interrupts off (nothing but reset wakes it) keeps the board up, as a
    /// real one stays powered: it idles until reset, and this is called once per halt with
    /// the PC. `None` ends [`serve`] with [`MachineError::Halted`] instead.
    pub on_halt: Option<fn(u16)>,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            realtime: true,
            state_file: None,
            slice: Duration::from_millis(5),
            reset_sequence: true,
            on_halt: None,
        }
    }
}

/// Run `m` against `line` until `stop` is set or the line fails. Input is paced by the UART; in
/// real-time mode each slice of emulated time takes the same wall-clock time.
pub fn serve(
    m: &mut Rc2014,
    line: &mut dyn HostLine,
    opts: &ServeOptions,
    stop: &AtomicBool,
) -> Result<(), MachineError> {
    serve_paced(m, line, opts, stop, &mut |_| {})
}

/// [`serve`], calling `pace` with the emulated time of each slice once it has run: a simulation
/// keeps its host side in step with the board by advancing a shared virtual clock there.
pub fn serve_paced(
    m: &mut Rc2014,
    line: &mut dyn HostLine,
    opts: &ServeOptions,
    stop: &AtomicBool,
    pace: &mut dyn FnMut(Duration),
) -> Result<(), MachineError> {
    let slice_cycles = (m.clock_hz as u128 * opts.slice.as_nanos() / 1_000_000_000) as u64;
    let started = Instant::now();
    let start_cycles = m.cpu.cycles;
    let mut buf = [0u8; 4096];
    let mut last_save = Instant::now();
    let mut fs_run = 0;
    let mut halted = false;
    let result = loop {
        if stop.load(Ordering::Relaxed) {
            break Ok(());
        }
        if line.reset_requested() {
            m.reset();
        }
        // Keep the UART's host queue short so a reset or a slow board never hoards bytes; a
        // halted board takes nothing, but the line is still read for the reset sequence.
        if m.pending_input() < 64 || halted {
            match line.poll_in(&mut buf) {
                Ok(0) => {
                    // A lone Ctrl-\ (or two) followed by silence is data, not the reset button.
                    for _ in 0..std::mem::take(&mut fs_run) {
                        m.send(&[0x1C]);
                    }
                }
                Ok(n) => {
                    for &b in &buf[..n] {
                        if opts.reset_sequence && b == 0x1C {
                            fs_run += 1;
                            if fs_run == 3 {
                                m.reset();
                                fs_run = 0;
                            }
                            continue;
                        }
                        for _ in 0..std::mem::take(&mut fs_run) {
                            m.send(&[0x1C]);
                        }
                        m.send(&[b]);
                    }
                }
                Err(_) => break Ok(()),
            }
        }
        halted &= m.cpu.halted && !m.cpu.iff1; // until a reset
        if halted {
            m.cpu.cycles += slice_cycles; // the halted CPU idles through the slice
            if !opts.realtime {
                std::thread::sleep(opts.slice); // without burning the host's CPU
            }
        } else {
            match (m.run(slice_cycles), opts.on_halt) {
                (Err(MachineError::Halted { pc }), Some(said)) => {
                    said(pc);
                    halted = true;
                }
                (Err(e), _) => break Err(e),
                (Ok(()), _) => {}
            }
        }
        pace(opts.slice);
        let out = m.take_output();
        if !out.is_empty() && line.write_out(&out).is_err() {
            break Ok(());
        }
        if let (Some(path), Some(flash)) = (&opts.state_file, m.flash_mut()) {
            if flash.is_dirty() && last_save.elapsed() > Duration::from_millis(200) {
                flash.save(path).map_err(|source| MachineError::State {
                    path: path.clone(),
                    source,
                })?;
                last_save = Instant::now();
            }
        }
        if opts.realtime {
            let emulated = Duration::from_nanos(
                ((m.cpu.cycles - start_cycles) as u128 * 1_000_000_000 / m.clock_hz as u128) as u64,
            );
            if let Some(ahead) = emulated.checked_sub(started.elapsed()) {
                std::thread::sleep(ahead);
            }
        }
    };
    if let (Some(path), Some(flash)) = (&opts.state_file, m.flash_mut()) {
        if flash.is_dirty() {
            flash.save(path).map_err(|source| MachineError::State {
                path: path.clone(),
                source,
            })?;
        }
    }
    result
}
