//! The two-pass driver. Pass 1 walks the parsed sources to fix every label's address
//! (instruction sizes never depend on values); equates with forward references are then
//! resolved; pass 2 walks again, evaluates every operand, checks ranges and emits bytes.
//! `org`, `ds`, `align`, `if`, `bank` and `incbin` arguments must be known when reached.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

use super::assembly::{Assembly, Chunk, ListRec};
use super::error::{AsmError, MAX_ERRORS};
use super::expr::{eval, Env, EvalErr, Expr};
use super::parse::{Block, Body, DbItem, Line};
pub use super::source::Source;
use super::symbols::{Kind, Pending, Sym};
use super::{Cpu, Files};

/// Include nesting limit (catches recursive includes).
pub const MAX_INCLUDE_DEPTH: usize = 16;

struct IfFrame {
    parent: bool,
    taken: bool,
    active: bool,
    in_else: bool,
    at: (usize, u32),
}

pub struct Asm<'f> {
    pub(super) files: &'f dyn Files,
    pub(super) cpu0: Cpu,
    pub(super) cpu: Cpu,
    pub(super) pass: u8,
    pub(super) sources: Vec<Arc<Source>>,
    pub(super) by_name: HashMap<String, usize>,
    pub(super) bins: HashMap<String, Arc<Vec<u8>>>,
    pub(super) syms: HashMap<String, Sym>,
    pub(super) scope: String,
    pub(super) pc: u32,
    pub(super) bank: Option<u32>,
    pub(super) chunks: Vec<Chunk>,
    pub(super) origins: Vec<(usize, u32)>,
    pub(super) errors: Vec<AsmError>,
    ifs: Vec<IfFrame>,
    pub(super) ended: bool,
    pub(super) pending: Vec<Pending>,
    pub(super) listing: Vec<ListRec>,
    pub(super) last_emit: Option<(u32, u32, u32)>,
    pub(super) loc: (usize, u32),
    /// Inside `phase`: logical address minus load address.
    pub(super) phase: Option<i64>,
    /// Macros by name, with the pass that last defined them.
    pub(super) macros: HashMap<String, (Arc<Block>, u8)>,
    /// Macro/rept expansions so far in this pass (for `\@`).
    pub(super) expansions: u32,
    /// The macro/rept expansions being assembled, with the body line.
    pub(super) context: Vec<(String, u32)>,
}

impl<'f> Asm<'f> {
    pub fn new(files: &'f dyn Files, cpu: Cpu) -> Self {
        Asm {
            files,
            cpu0: cpu,
            cpu,
            pass: 1,
            sources: Vec::new(),
            by_name: HashMap::new(),
            bins: HashMap::new(),
            syms: HashMap::new(),
            scope: String::new(),
            pc: 0,
            bank: None,
            chunks: Vec::new(),
            origins: Vec::new(),
            errors: Vec::new(),
            ifs: Vec::new(),
            ended: false,
            pending: Vec::new(),
            listing: Vec::new(),
            last_emit: None,
            loc: (usize::MAX, 0),
            phase: None,
            macros: HashMap::new(),
            expansions: 0,
            context: Vec::new(),
        }
    }

    pub(super) fn err_at(&mut self, at: (usize, u32), msg: impl Into<String>) {
        if self.errors.len() >= MAX_ERRORS {
            return;
        }
        let file = self
            .sources
            .get(at.0)
            .map(|s| s.name.clone())
            .unwrap_or_default();
        self.errors.push(AsmError::new(file, at.1 as usize, msg));
    }

    pub(super) fn err(&mut self, msg: impl Into<String>) {
        let mut msg = msg.into();
        for (what, line) in self.context.iter().rev() {
            let _ = write!(msg, " (in {what}, body line {line})");
        }
        self.err_at(self.loc, msg);
    }

    /// The logical address `$` (differs from the load address inside `phase`).
    pub(super) fn here_addr(&self) -> i64 {
        (self.pc as i64 + self.phase.unwrap_or(0)) & 0x1FFFF
    }

    pub(super) fn too_many_errors(&self) -> bool {
        self.errors.len() >= MAX_ERRORS
    }

    pub(super) fn ifs_len(&self) -> usize {
        self.ifs.len()
    }

    /// Reports the `if`s opened since the stack had `base` entries.
    pub(super) fn close_ifs(&mut self, base: usize) {
        while self.ifs.len() > base {
            if let Some(f) = self.ifs.pop() {
                self.err_at(f.at, "'if' without 'endif'");
            }
        }
    }

    /// Reads and parses a source file (once), returning its index.
    pub(super) fn load(&mut self, name: &str) -> Result<usize, String> {
        if let Some(&i) = self.by_name.get(name) {
            return Ok(i);
        }
        let bytes = self
            .files
            .read(name)
            .map_err(|e| format!("cannot read '{name}': {e}"))?;
        let text = String::from_utf8(bytes).map_err(|e| {
            format!(
                "'{name}' is not UTF-8 text (byte {})",
                e.utf8_error().valid_up_to()
            )
        })?;
        let i = self.sources.len();
        self.sources
            .push(Arc::new(Source::parse(name.to_string(), text)));
        self.by_name.insert(name.to_string(), i);
        Ok(i)
    }

    /// `name` relative to the directory of the current file, else as given.
    pub(super) fn resolve(&self, name: &str, read: impl Fn(&str) -> bool) -> String {
        if let Some(cur) = self.sources.get(self.loc.0) {
            if let Some(slash) = cur.name.rfind('/') {
                let rel = format!("{}{}", &cur.name[..=slash], name);
                if read(&rel) {
                    return rel;
                }
            }
        }
        name.to_string()
    }

    fn active(&self) -> bool {
        self.ifs.last().is_none_or(|f| f.active)
    }

    /// A value needed now (org, ds, if...): an undefined symbol is an error in either pass.
    pub(super) fn eval_now(&mut self, e: &Expr, what: &str) -> Option<i64> {
        match eval(e, self) {
            Ok(v) => Some(v),
            Err(EvalErr::Undefined(s)) if self.pass == 1 => {
                self.err(format!("{what}: '{s}' must be defined before this line"));
                None
            }
            Err(EvalErr::Undefined(s)) => {
                self.err(format!("{what}: undefined symbol '{s}'"));
                None
            }
            Err(e) => {
                self.err(format!("{what}: {e}"));
                None
            }
        }
    }

    /// An operand value: pass 1 does not need it; pass 2 reports problems.
    pub(super) fn eval_operand(&mut self, e: &Expr) -> Option<i64> {
        match eval(e, self) {
            Ok(v) => Some(v),
            Err(_) if self.pass == 1 => Some(0),
            Err(e) => {
                self.err(e.to_string());
                None
            }
        }
    }

    pub fn run(&mut self, main: &str) -> Result<Assembly, AsmError> {
        let idx = self.load(main).map_err(|m| AsmError::new(main, 0, m))?;
        self.walk(idx, 0);
        if self.errors.is_empty() {
            self.resolve_pending();
        }
        if !self.errors.is_empty() {
            return Err(AsmError::from_list(std::mem::take(&mut self.errors)));
        }
        self.pass = 2;
        self.pc = 0;
        self.phase = None;
        self.bank = None;
        self.cpu = self.cpu0;
        self.scope.clear();
        self.ended = false;
        self.expansions = 0;
        for s in self.syms.values_mut() {
            s.seen = false;
        }
        self.walk(idx, 0);
        if self.errors.is_empty() {
            self.check_overlaps();
        }
        if !self.errors.is_empty() {
            return Err(AsmError::from_list(std::mem::take(&mut self.errors)));
        }
        Ok(Assembly::new(
            std::mem::take(&mut self.chunks),
            self.syms.iter().map(|(k, s)| (k.clone(), s.value, s.bank)),
            std::mem::take(&mut self.sources),
            std::mem::take(&mut self.listing),
        ))
    }

    pub(super) fn walk(&mut self, idx: usize, depth: usize) {
        let src = self.sources[idx].clone();
        let base = self.ifs.len();
        for line in &src.lines {
            if self.ended || self.errors.len() >= MAX_ERRORS {
                break;
            }
            self.loc = (idx, line.line);
            self.line(line, depth);
        }
        self.close_ifs(base);
    }

    pub(super) fn line(&mut self, l: &Line, depth: usize) {
        match &l.body {
            Body::If(_) | Body::Ifdef(..) => {
                let parent = self.active();
                let taken = parent
                    && match &l.body {
                        Body::If(e) => self.eval_now(e, "if").is_some_and(|v| v != 0),
                        Body::Ifdef(n, neg) => self.defined(n) != *neg,
                        _ => false,
                    };
                self.ifs.push(IfFrame {
                    parent,
                    taken,
                    active: taken,
                    in_else: false,
                    at: self.loc,
                });
                return;
            }
            Body::ElseIf(e) => {
                match self.ifs.last() {
                    Some(f) if !f.in_else => {
                        let open = f.parent && !f.taken;
                        let cond = open && self.eval_now(e, "elseif").is_some_and(|v| v != 0);
                        if let Some(f) = self.ifs.last_mut() {
                            f.active = cond;
                            f.taken |= cond;
                        }
                    }
                    Some(_) => self.err("'elseif' after 'else'"),
                    None => self.err("'elseif' without 'if'"),
                }
                return;
            }
            Body::Else => {
                match self.ifs.last_mut() {
                    Some(f) if !f.in_else => {
                        f.in_else = true;
                        f.active = f.parent && !f.taken;
                    }
                    Some(_) => self.err("second 'else' for one 'if'"),
                    None => self.err("'else' without 'if'"),
                }
                return;
            }
            Body::Endif => {
                if self.ifs.pop().is_none() {
                    self.err("'endif' without 'if'");
                }
                return;
            }
            _ => {}
        }
        if !self.active() {
            return;
        }
        let start = self.here_addr() as u32;
        let start_bank = self.bank;
        self.last_emit = None;
        if let Some(name) = &l.label {
            if self.pc > 0xFFFF {
                self.err("label is past the end of the 64 KiB address space");
            }
            self.define(name, self.here_addr(), Kind::Label, self.bank);
            if !name.starts_with('.') && !name.contains('.') {
                self.scope.clear();
                self.scope.push_str(name);
            }
        }
        let mut value = None;
        match &l.body {
            Body::Empty
            | Body::If(_)
            | Body::Ifdef(..)
            | Body::ElseIf(_)
            | Body::Else
            | Body::Endif => {}
            Body::Bad(m) => self.err(m.clone()),
            Body::Instr(m, ops) => self.instr(*m, ops, start),
            Body::Equ(name, e, defl) => value = self.equ(name, e, *defl),
            Body::Org(e) => {
                if let Some(v) = self.eval_now(e, "org") {
                    if (0..=0xFFFF).contains(&v) {
                        self.pc = v as u32;
                    } else {
                        self.err(format!("org address {v} is outside 0..0xFFFF"));
                    }
                }
            }
            Body::Db(items) => {
                let mut out = Vec::with_capacity(items.len());
                for it in items {
                    match it {
                        DbItem::Bytes(b) => out.extend_from_slice(b),
                        DbItem::Expr(e) => {
                            let v = self.eval_operand(e).unwrap_or(0);
                            out.push(self.check_byte(v, "byte"));
                        }
                    }
                }
                self.emit(&out);
            }
            Body::Dw(items) => {
                let mut out = Vec::with_capacity(items.len() * 2);
                for e in items {
                    let v = self.eval_operand(e).unwrap_or(0);
                    out.extend_from_slice(&self.check_word(v).to_le_bytes());
                }
                self.emit(&out);
            }
            Body::Ds(n, fill) => {
                if let Some(n) = self.eval_now(n, "ds") {
                    if (0..=0x10000).contains(&n) {
                        self.fill(n as u32, fill.as_ref());
                    } else {
                        self.err(format!("ds size {n} is outside 0..65536"));
                    }
                }
            }
            Body::Align(n, fill) => {
                if let Some(n) = self.eval_now(n, "align") {
                    if (1..=0x10000).contains(&n) {
                        let here = self.here_addr() as u32;
                        let pad = (n as u32 - here % n as u32) % n as u32;
                        self.fill(pad, fill.as_ref());
                    } else {
                        self.err(format!("align {n} is outside 1..65536"));
                    }
                }
            }
            Body::Include(name) => self.include(name, depth),
            Body::Incbin(name, skip, len) => self.incbin(name, skip.as_ref(), len.as_ref()),
            Body::Assert(e, msg) => {
                if self.pass == 2 && self.eval_now(e, "assert") == Some(0) {
                    match msg {
                        Some(m) => self.err(format!("assertion failed: {m}")),
                        None => self.err("assertion failed"),
                    }
                }
            }
            Body::Cpu(c) => self.cpu = *c,
            Body::Bank(None) => self.bank = None,
            Body::Bank(Some(e)) => {
                if let Some(v) = self.eval_now(e, "bank") {
                    if (0..=0xFFFF).contains(&v) {
                        self.bank = Some(v as u32);
                    } else {
                        self.err(format!("bank number {v} is outside 0..65535"));
                    }
                }
            }
            Body::End => self.ended = true,
            Body::Phase(e) => {
                if let Some(v) = self.eval_now(e, "phase") {
                    if (0..=0xFFFF).contains(&v) {
                        self.phase = Some(v - self.pc as i64);
                    } else {
                        self.err(format!("phase address {v} is outside 0..0xFFFF"));
                    }
                }
            }
            Body::Dephase => self.phase = None,
            Body::MacroStart(..) | Body::ReptStart(_) | Body::EndBlock => {}
            Body::Macro(name, block) => {
                let pass = self.pass;
                match self.macros.insert(name.to_string(), (block.clone(), pass)) {
                    Some((_, p)) if p == pass => {
                        self.err(format!("macro '{name}' is already defined"))
                    }
                    _ => {}
                }
            }
            Body::Rept(n, block) => {
                if let Some(n) = self.eval_now(n, "rept") {
                    if (0..=0x10000).contains(&n) {
                        for _ in 0..n {
                            if self.too_many_errors() || self.ended {
                                break;
                            }
                            self.expand("rept".into(), block, &[], depth);
                        }
                    } else {
                        self.err(format!("rept count {n} is outside 0..65536"));
                    }
                }
            }
            Body::Call(name, args) => self.call(name, args, depth),
        }
        if self.pass == 2 {
            let (chunk, off, len) = self.last_emit.unwrap_or((u32::MAX, 0, 0));
            // `org` and `bank` lines show where they lead.
            let moved = matches!(l.body, Body::Org(_) | Body::Bank(_) | Body::Phase(_));
            self.listing.push(ListRec {
                file: self.loc.0 as u32,
                line: self.loc.1,
                addr: if moved {
                    self.here_addr() as u32
                } else {
                    start
                },
                bank: if moved { self.bank } else { start_bank },
                chunk,
                off,
                len,
                value,
            });
        }
    }
}

pub fn hex(v: i64) -> String {
    if v < 0 {
        format!("-{:#X}", v.unsigned_abs())
    } else {
        format!("{v:#X}")
    }
}
