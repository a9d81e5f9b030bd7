//! Pass helpers that produce bytes: instructions (encode, then fill fix-ups in pass 2),
//! data and reserved space, `include`/`incbin`, and the final overlap check.

use std::sync::Arc;

use super::assembly::{apply_fix, Chunk};
use super::expr::Expr;
use super::parse::{Mnem, Operand};
use super::pass::{hex, Asm, MAX_INCLUDE_DEPTH};
use super::{sm83, z80, Cpu};

impl Asm<'_> {
    pub(super) fn check_byte(&mut self, v: i64, what: &str) -> u8 {
        if self.pass == 2 && !(-128..=255).contains(&v) {
            self.err(format!(
                "{what} value {v} ({}) is out of range -128..255",
                hex(v)
            ));
        }
        v as u8
    }

    pub(super) fn check_word(&mut self, v: i64) -> u16 {
        if self.pass == 2 && !(-32768..=65535).contains(&v) {
            self.err(format!(
                "word value {v} ({}) is out of range -32768..65535",
                hex(v)
            ));
        }
        v as u16
    }

    pub(super) fn fill(&mut self, n: u32, fill: Option<&Expr>) {
        match fill {
            None => self.advance(n),
            Some(f) => {
                let v = self.eval_operand(f).unwrap_or(0);
                let b = self.check_byte(v, "fill");
                self.emit(&vec![b; n as usize]);
            }
        }
    }

    pub(super) fn advance(&mut self, n: u32) {
        self.pc += n;
        if self.pc > 0x10000 {
            self.err(format!(
                "address {:#X} is past the end of the 64 KiB address space",
                self.pc - 1
            ));
            self.pc &= 0xFFFF;
        }
    }

    pub(super) fn emit(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        if self.pass == 2 && self.pc <= 0xFFFF {
            let (pc, bank) = (self.pc, self.bank);
            let same = self.chunks.last().is_some_and(|c| {
                c.bank == bank
                    && c.addr as u32 + c.bytes.len() as u32 == pc
                    && c.bytes.len() < 0x10000
            });
            if !same {
                self.chunks.push(Chunk {
                    addr: pc as u16,
                    bank,
                    bytes: Vec::new(),
                });
                self.origins.push(self.loc);
            }
            let ci = self.chunks.len() - 1;
            let c = &mut self.chunks[ci];
            let off = c.bytes.len() as u32;
            c.bytes.extend_from_slice(bytes);
            self.last_emit = Some((ci as u32, off, bytes.len() as u32));
        }
        self.advance(bytes.len() as u32);
    }

    pub(super) fn include(&mut self, name: &str, depth: usize) {
        if depth >= MAX_INCLUDE_DEPTH {
            self.err(format!(
                "includes nested deeper than {MAX_INCLUDE_DEPTH} (recursive include?)"
            ));
            return;
        }
        let files = self.files;
        let path = self.resolve(name, |p| {
            self.by_name.contains_key(p) || files.read(p).is_ok()
        });
        match self.load(&path) {
            Ok(i) => {
                let back = self.loc;
                self.walk(i, depth + 1);
                self.loc = back;
            }
            Err(m) => self.err(m),
        }
    }

    pub(super) fn incbin(&mut self, name: &str, skip: Option<&Expr>, len: Option<&Expr>) {
        let files = self.files;
        let path = self.resolve(name, |p| self.bins.contains_key(p) || files.read(p).is_ok());
        let data = match self.bins.get(&path) {
            Some(d) => d.clone(),
            None => match files.read(&path) {
                Ok(d) => {
                    let d = Arc::new(d);
                    self.bins.insert(path.clone(), d.clone());
                    d
                }
                Err(e) => return self.err(format!("cannot read '{path}': {e}")),
            },
        };
        let skip = match skip.map(|e| self.eval_now(e, "incbin offset")) {
            None => 0,
            Some(Some(v)) => v,
            Some(None) => return,
        };
        let total = data.len() as i64;
        let len = match len.map(|e| self.eval_now(e, "incbin length")) {
            None => total - skip,
            Some(Some(v)) => v,
            Some(None) => return,
        };
        if skip < 0 || len < 0 || skip.checked_add(len).is_none_or(|e| e > total) {
            return self.err(format!(
                "incbin range {skip}+{len} is outside '{path}' ({total} bytes)"
            ));
        }
        self.emit(&data[skip as usize..(skip + len) as usize]);
    }

    pub(super) fn instr(&mut self, m: Mnem, ops: &[Operand], start: u32) {
        let enc = match self.cpu {
            Cpu::Z80 => z80::encode(m, ops),
            Cpu::Sm83 => sm83::encode(m, ops),
        };
        let enc = match enc {
            Ok(e) => e,
            Err(msg) => return self.err(msg),
        };
        if self.pass == 1 {
            return self.advance(enc.len as u32);
        }
        let mut bytes = enc.bytes;
        for &(off, kind, opi) in enc.fixes() {
            let Some(e) = ops.get(opi as usize).and_then(|o| o.expr()) else {
                continue;
            };
            let Some(v) = self.eval_operand(e) else {
                continue;
            };
            let off = off as usize;
            let end = start as i64 + enc.len as i64;
            if let Err(msg) = apply_fix(kind, v, end, &mut bytes[off..]) {
                self.err(msg);
            }
        }
        self.emit(&bytes[..enc.len as usize]);
    }

    pub(super) fn check_overlaps(&mut self) {
        let mut order: Vec<usize> = (0..self.chunks.len()).collect();
        order.sort_by_key(|&i| (self.chunks[i].bank, self.chunks[i].addr));
        for w in order.windows(2) {
            let (a, b) = (&self.chunks[w[0]], &self.chunks[w[1]]);
            if a.bank == b.bank && a.addr as u32 + a.bytes.len() as u32 > b.addr as u32 {
                let (f, l) = self.origins[w[0]];
                let first = self
                    .sources
                    .get(f)
                    .map(|s| s.name.clone())
                    .unwrap_or_default();
                let bank = b.bank.map(|n| format!(" in bank {n}")).unwrap_or_default();
                let msg = format!(
                    "code at {:#06X}{bank} overlaps bytes already placed by {first}:{l}",
                    b.addr
                );
                self.err_at(self.origins[w[1]], msg);
            }
        }
    }
}
