//! The BDOS and BIOS console functions of the emulated CP/M 2.2, and the
//! CCP's command-tail/FCB setup.
//!
//! Behaviour paraphrases the CP/M 2.2 Interface Guide §3 and the BDOS
//! source (console handling in `conout`, `read`):
//! - Function 1 reads a key and echoes it if it is printable, CR, LF, TAB
//!   or BS. Function 2 writes E; TAB expands to the next multiple of 8.
//! - Function 6 with E=FF returns a key or 0 without echo (E=FE returns the
//!   status, a CP/M 3 extension accepted here); other E values are output raw.
//! - Function 9 prints from DE up to `$`.
//! - Function 10 reads a line into the buffer at DE (max at DE, count at
//!   DE+1, text from DE+2). CR or LF ends it and only CR is echoed. BS
//!   removes a character (echoing BS SP BS), DEL removes one and echoes it,
//!   ^U prints `#` CR LF and restarts, ^X erases the line on screen, ^E
//!   echoes CR LF, ^C as the first key warm-boots. Other control keys are
//!   stored and echoed as `^X`. The real BDOS ends the line as soon as the
//!   count reaches the maximum (`cmp c; jc readnx` falls into `readen`),
//!   echoing CR; this emulation does the same.
//! - Function 11 returns FF if a key is waiting; 12 returns 0x0022.
//! - Functions 13-22, 25, 26 and 32 (disks, files, DMA, user area) act on drive A, see
//!   `files`.
//!
//! Every function returns HL, with A = L and B = H.

use super::{Cpm, CpmError, Exit, GuardedMem};
use crate::console::Console;

const CR: u8 = 0x0d;
const LF: u8 = 0x0a;
const BS: u8 = 0x08;
const TAB: u8 = 0x09;
const DEL: u8 = 0x7f;

/// Write the command tail at 0x0080 (length, text upper-cased with a
/// leading space, NUL) and parse the first two words into the default FCBs
/// at 0x005C and 0x006C, as the CCP does.
pub(super) fn setup_tail(mem: &mut [u8; 0x10000], tail: &[u8]) {
    let text: Vec<u8> = tail
        .iter()
        .map(u8::to_ascii_uppercase)
        .skip_while(|&b| b == b' ')
        .collect();
    let mut buf = Vec::with_capacity(text.len() + 1);
    if !text.is_empty() {
        buf.push(b' ');
        buf.extend_from_slice(&text);
    }
    buf.truncate(126);
    mem[0x80] = buf.len() as u8;
    mem[0x81..0x81 + buf.len()].copy_from_slice(&buf);
    mem[0x81 + buf.len()] = 0;

    mem[0x5c..0x80].fill(0);
    let mut words = text.split(|&b| b == b' ').filter(|w| !w.is_empty());
    let first = words.next().unwrap_or(&[]);
    let second = words.next().unwrap_or(&[]);
    let fcb1 = parse_fcb(first);
    let fcb2 = parse_fcb(second);
    mem[0x5c..0x5c + 12].copy_from_slice(&fcb1);
    mem[0x6c..0x6c + 12].copy_from_slice(&fcb2);
}

/// Drive byte, 8-byte name and 3-byte type of `d:name.typ` (`*` fills `?`).
fn parse_fcb(word: &[u8]) -> [u8; 12] {
    let mut fcb = [b' '; 12];
    fcb[0] = 0;
    let mut rest = word;
    if rest.len() >= 2 && rest[1] == b':' && rest[0].is_ascii_alphabetic() {
        fcb[0] = rest[0] - b'A' + 1;
        rest = &rest[2..];
    }
    let (name, typ) = match rest.iter().position(|&b| b == b'.') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, &[][..]),
    };
    fill_field(&mut fcb[1..9], name);
    fill_field(&mut fcb[9..12], typ);
    fcb
}

fn fill_field(field: &mut [u8], src: &[u8]) {
    for (i, slot) in field.iter_mut().enumerate() {
        match src.get(i) {
            Some(b'*') => {
                for s in &mut field[i..] {
                    *s = b'?';
                }
                return;
            }
            Some(&b) => *slot = b,
            None => return,
        }
    }
}

/// Outcome of a function 10 call.
enum Line {
    Done,
    Exhausted,
    CtrlC,
}

impl Cpm {
    /// Handle PC at or above FBASE: a BDOS call, a BIOS entry, or ordinary
    /// code placed up there (stepped once).
    pub(super) fn trap(&mut self, console: &mut dyn Console) -> Result<Option<Exit>, CpmError> {
        let pc = self.cpu.pc;
        let bios = self.bios_base();
        if pc == self.cfg.tpa_top {
            return self.bdos(console);
        }
        if pc >= bios && pc < bios + 17 * 3 && (pc - bios) / 3 * 3 == pc - bios {
            return self.bios(console, ((pc - bios) / 3) as u8);
        }
        let mut bus = GuardedMem {
            mem: &mut self.mem,
            check_writes: self.cfg.check_writes,
            tpa_top: self.cfg.tpa_top,
            bad_write: None,
            last_write: u32::MAX,
        };
        self.cpu.step(&mut bus);
        if let Some((addr, value)) = bus.bad_write {
            return Err(CpmError::WriteOutsideTpa { pc, addr, value });
        }
        Ok(None)
    }

    fn caller(&self) -> u16 {
        let sp = usize::from(self.cpu.sp);
        u16::from_le_bytes([self.mem[sp], self.mem[(sp + 1) & 0xffff]]).wrapping_sub(3)
    }

    fn bios(&mut self, console: &mut dyn Console, entry: u8) -> Result<Option<Exit>, CpmError> {
        match entry {
            0 | 1 => return Ok(Some(Exit::WarmBoot)),
            2 => {
                let st = self.const_status(console);
                self.cpu.a = st;
            }
            3 => match self.getkey(console) {
                Some(k) => self.cpu.a = k,
                None => return Ok(Some(Exit::InputExhausted)),
            },
            4 => {
                let c = self.cpu.c;
                self.emit(console, c);
            }
            _ => {
                return Err(CpmError::UnsupportedBios {
                    pc: self.caller(),
                    entry,
                    offset: u16::from(entry) * 3,
                })
            }
        }
        self.trap_return();
        Ok(None)
    }

    fn bdos(&mut self, console: &mut dyn Console) -> Result<Option<Exit>, CpmError> {
        let function = self.cpu.c;
        let de = self.cpu.de();
        let result: u16 = match function {
            0 => return Ok(Some(Exit::WarmBoot)),
            1 => match self.getkey(console) {
                Some(k) => {
                    if k >= b' ' || matches!(k, CR | LF | TAB | BS) {
                        self.conout(console, k);
                    }
                    u16::from(k)
                }
                None => return Ok(Some(Exit::InputExhausted)),
            },
            2 => {
                self.conout(console, self.cpu.e);
                0
            }
            6 => match self.cpu.e {
                0xff => u16::from(
                    self.kbchar
                        .take()
                        .or_else(|| console.poll_key())
                        .unwrap_or(0),
                ),
                0xfe => u16::from(self.const_status(console)),
                e => {
                    self.emit(console, e);
                    0
                }
            },
            9 => {
                let mut addr = de;
                // Bounded: a missing '$' cannot loop forever.
                for _ in 0..0x10000 {
                    let ch = self.mem[usize::from(addr)];
                    if ch == b'$' {
                        break;
                    }
                    self.conout(console, ch);
                    addr = addr.wrapping_add(1);
                }
                0
            }
            10 => match self.read_line(console, de) {
                Line::Done => 0,
                Line::Exhausted => return Ok(Some(Exit::InputExhausted)),
                Line::CtrlC => return Ok(Some(Exit::WarmBoot)),
            },
            11 => u16::from(self.const_status(console) & 1),
            12 => 0x0022,
            _ => match self.file_function(function, de, self.cpu.e) {
                Some(r) => r,
                None => {
                    return Err(CpmError::UnsupportedBdos {
                        pc: self.caller(),
                        function,
                    })
                }
            },
        };
        self.set_result(result);
        self.trap_return();
        Ok(None)
    }

    /// 0xFF if a key is waiting (kept for the next read), else 0.
    fn const_status(&mut self, console: &mut dyn Console) -> u8 {
        if self.kbchar.is_none() {
            self.kbchar = console.poll_key();
        }
        if self.kbchar.is_some() {
            0xff
        } else {
            0
        }
    }

    fn getkey(&mut self, console: &mut dyn Console) -> Option<u8> {
        self.kbchar.take().or_else(|| console.wait_key())
    }

    /// Raw output with column tracking.
    fn emit(&mut self, console: &mut dyn Console, ch: u8) {
        console.put(ch, self.cpu.cycles);
        match ch {
            CR => self.column = 0,
            BS => self.column = self.column.saturating_sub(1),
            c if c >= b' ' && c != DEL => self.column = self.column.wrapping_add(1),
            _ => {}
        }
    }

    /// BDOS `tabout`: TAB expands to spaces up to a multiple of 8.
    fn conout(&mut self, console: &mut dyn Console, ch: u8) {
        if ch == TAB {
            loop {
                self.emit(console, b' ');
                if self.column & 7 == 0 {
                    break;
                }
            }
        } else {
            self.emit(console, ch);
        }
    }

    /// Echo a key the way `ctlout` does: control keys other than CR, LF,
    /// TAB and BS as `^X`.
    fn ctlout(&mut self, console: &mut dyn Console, ch: u8) {
        if ch < b' ' && !matches!(ch, CR | LF | TAB | BS) {
            self.emit(console, b'^');
            self.emit(console, ch | 0x40);
        } else {
            self.conout(console, ch);
        }
    }

    /// Function 10. If input runs out the partial line is kept for the
    /// next call.
    fn read_line(&mut self, console: &mut dyn Console, de: u16) -> Line {
        let base = usize::from(de);
        let max = usize::from(self.mem[base]);
        let mut line = self.line.take().unwrap_or_default();
        loop {
            if line.len() >= max {
                break;
            }
            let Some(k) = self.getkey(console) else {
                self.line = Some(line);
                return Line::Exhausted;
            };
            match k {
                CR | LF => break,
                BS => {
                    if line.pop().is_some() {
                        for c in [BS, b' ', BS] {
                            self.emit(console, c);
                        }
                    }
                }
                DEL => {
                    if let Some(c) = line.pop() {
                        self.ctlout(console, c);
                    }
                }
                0x15 => {
                    for c in [b'#', CR, LF] {
                        self.emit(console, c);
                    }
                    line.clear();
                }
                0x18 => {
                    for _ in 0..line.len() {
                        for c in [BS, b' ', BS] {
                            self.emit(console, c);
                        }
                    }
                    line.clear();
                }
                0x05 => {
                    self.emit(console, CR);
                    self.emit(console, LF);
                }
                0x03 if line.is_empty() => {
                    self.ctlout(console, k);
                    return Line::CtrlC;
                }
                _ => {
                    line.push(k);
                    self.ctlout(console, k);
                }
            }
        }
        self.mem[(base + 1) & 0xffff] = line.len() as u8;
        for (i, &c) in line.iter().enumerate() {
            self.mem[(base + 2 + i) & 0xffff] = c;
        }
        self.emit(console, CR);
        Line::Done
    }
}
