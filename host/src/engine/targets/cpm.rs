//! CP/M 2.2 target: the engine is a `.COM` file loaded at 0x0100 (CP/M 2.2 Interface Guide
//! §1.6: the TPA starts at 0100H; the CCP passes the command tail at 0080H). The image may
//! use memory up to the TPA top; its RAM (sums, lists, stack) follows it.

use super::super::{Budget, TargetAsm};

/// TPA top of a standard 64K CP/M 2.2 (CCP at 0xE400, which we leave intact).
pub const TPA_TOP: u32 = 0xE400;

/// The CP/M memory budget with a TPA ending at `top`.
pub fn budget(top: u32) -> Budget {
    Budget {
        board: "cpm".into(),
        org: 0x0100,
        top,
        ram: None,
        fast_code: true,
    }
}

/// CP/M wrapping: load at 0100H, jump to the engine, the BDOS console driver.
pub fn target_asm() -> TargetAsm {
    TargetAsm {
        prologue: "                org 0100h\n                jp start\n".into(),
        driver: "drivers/bdos.asm".into(),
        pages: None,
    }
}

/// The `.COM` container is the image bytes from 0100H as they are.
pub fn com_bytes(image: &super::super::Image) -> Vec<u8> {
    image.bytes.clone()
}

/// Builds a CP/M .COM engine of `model` for a TPA ending at `tpa_top` (default [`TPA_TOP`]):
/// the path `build`, `run`, `bench` and the tests use.
pub fn build(
    model: &crate::model::Model,
    layout: &super::super::Layout,
    tpa_top: Option<u32>,
) -> Result<super::super::Built, super::super::BuildError> {
    let budget = budget(tpa_top.unwrap_or(TPA_TOP));
    super::super::build(model, &budget, layout, &target_asm())
}

use boards::console::{Console, ScriptedConsole};
use boards::cpu::z80::Bus;
use boards::machines::cpm::{Cpm, CpmConfig, CpmError, Exit};

/// The default T-state budget of one exchange (about 25 s at 4 MHz; GUESS.COM needs ~40 M
/// per character).
pub const STEP_BUDGET: u64 = 4_000_000_000;

/// What the program wrote in one exchange, with the T-state of each byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub output: Vec<u8>,
    pub times: Vec<u64>,
    /// T-state count when the exchange started and ended.
    pub start: u64,
    pub end: u64,
    pub exit: Exit,
}

impl Reply {
    /// The response line of a z80lm engine: the bytes after the echoed line's CR LF, up to
    /// the CR LF that ends the response (the prompt after it is dropped).
    pub fn response(&self) -> &[u8] {
        let (a, b) = self.response_span();
        &self.output[a..b]
    }

    /// Byte range of [`Reply::response`] in `output`.
    pub fn response_span(&self) -> (usize, usize) {
        super::super::response_span(&self.output)
    }

    /// T-states between consecutive response bytes (the steady cost of one step).
    pub fn intervals(&self) -> Vec<u64> {
        super::super::intervals(&self.output, &self.times)
    }
}

/// One program on the emulated CP/M machine with a scripted console.
pub struct Session {
    pub cpm: Cpm,
    pub console: ScriptedConsole,
}

impl Session {
    /// Loads a .COM with a command tail and runs it until it waits for input or exits.
    pub fn boot(com: &[u8], tail: &[u8], cfg: CpmConfig) -> Result<(Session, Reply), CpmError> {
        let mut cpm = Cpm::new(cfg);
        cpm.load_com(com, tail)?;
        let mut s = Session {
            cpm,
            console: ScriptedConsole::new(b""),
        };
        let r = s.run(STEP_BUDGET)?;
        Ok((s, r))
    }

    /// Runs until the program waits for a key that is not there, exits, or spends `budget`.
    pub fn run(&mut self, budget: u64) -> Result<Reply, CpmError> {
        let start = self.cpm.cpu.cycles;
        self.console.clear_output();
        let exit = self.cpm.run(&mut self.console, budget)?;
        Ok(self.reply(start, exit))
    }

    /// Types `keys` and runs as [`Session::run`].
    pub fn send(&mut self, keys: &[u8]) -> Result<Reply, CpmError> {
        self.console.push_input(keys);
        self.run(STEP_BUDGET)
    }

    /// Types `keys` and runs, calling `at(cycles, mem)` each time the PC reaches `pc` (e.g. the
    /// engine's acc_ready hook). Slower than [`Session::send`]: it steps one instruction at a time.
    pub fn send_watch(
        &mut self,
        keys: &[u8],
        pc: u16,
        mut at: impl FnMut(u64, &[u8; 0x10000]),
    ) -> Result<Reply, CpmError> {
        self.console.push_input(keys);
        self.console.clear_output();
        let start = self.cpm.cpu.cycles;
        let top = self.cpm.config().tpa_top;
        let end = start + STEP_BUDGET;
        loop {
            if self.cpm.cpu.pc >= top {
                // A BDOS/BIOS trap: let the machine handle it (and maybe one instruction more).
                let t = self.cpm.cpu.cycles;
                match self.cpm.run(&mut self.console, 1)? {
                    Exit::Budget => {}
                    exit => return Ok(self.reply(start, exit)),
                }
                if self.cpm.cpu.cycles == t {
                    continue;
                }
            } else {
                self.cpm.cpu.step(&mut Ram(&mut self.cpm.mem));
            }
            if self.cpm.cpu.pc == pc {
                at(self.cpm.cpu.cycles, &self.cpm.mem);
            }
            if self.cpm.cpu.cycles >= end {
                return Ok(self.reply(start, Exit::Budget));
            }
        }
    }

    fn reply(&self, start: u64, exit: Exit) -> Reply {
        Reply {
            output: self.console.output().to_vec(),
            times: self.console.output_times().to_vec(),
            start,
            end: self.cpm.cpu.cycles,
            exit,
        }
    }
}

/// Plain RAM for stepping outside the machine's own loop (no fault checks).
struct Ram<'a>(&'a mut [u8; 0x10000]);

impl Bus for Ram<'_> {
    fn read(&mut self, addr: u16) -> u8 {
        self.0[usize::from(addr)]
    }
    fn write(&mut self, addr: u16, value: u8) {
        self.0[usize::from(addr)] = value;
    }
    fn input(&mut self, _port: u16) -> u8 {
        0xff
    }
    fn output(&mut self, _port: u16, _value: u8) {}
}

/// A machine configuration for an engine image with every fault check on: writes outside the
/// TPA, stack writes below the engine's stack floor, execution outside its code (page zero
/// included, for the JP 0000H that warm-boots).
pub fn checked_config(image: &super::super::Image, tpa_top: u16) -> CpmConfig {
    CpmConfig {
        tpa_top,
        check_writes: true,
        stack_floor: image.symbol("stack_floor"),
        code_range: Some(0..image.map.code.1),
        ..CpmConfig::default()
    }
}

/// Runs a console session to the end with any [`Console`] (the terminal for `z80lm run`).
pub fn run_console(
    com: &[u8],
    tail: &[u8],
    cfg: CpmConfig,
    console: &mut dyn Console,
) -> Result<(Exit, u64), CpmError> {
    let mut cpm = Cpm::new(cfg);
    cpm.load_com(com, tail)?;
    loop {
        match cpm.run(console, STEP_BUDGET)? {
            Exit::Budget => continue,
            exit => return Ok((exit, cpm.cpu.cycles)),
        }
    }
}
