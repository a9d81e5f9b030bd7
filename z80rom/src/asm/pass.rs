//! The two-pass driver. Pass 1 walks the parsed sources to fix every label's address
//! (instruction sizes never depend on values); equates with forward references are then
//! resolved; pass 2 walks again, evaluates every operand, checks ranges and emits bytes.
//! `org`, `ds`, `align`, `if`, `bank` and `incbin` arguments must be known when reached.

use std::collections::HashMap;
use std::sync::Arc;

use super::assembly::{Assembly, Chunk, ListRec};
use super::error::{AsmError, MAX_ERRORS};
use super::expr::{eval, Env, EvalErr, Expr};
use super::parse::{parse_line, Body, DbItem, Line};
use super::{sm83, z80, Cpu, Files};

/// Include nesting limit (catches recursive includes).
pub const MAX_INCLUDE_DEPTH: usize = 16;

/// One source file, parsed once and walked by both passes.
#[derive(Debug)]
pub struct Source {
    pub name: String,
    pub text: String,
    /// Byte range of each line in `text` (index = line number - 1).
    pub spans: Vec<(u32, u32)>,
    pub lines: Vec<Line>,
}

impl Source {
    fn parse(name: String, text: String) -> Source {
        let mut spans = Vec::new();
        let mut lines = Vec::new();
        let mut toks = Vec::new();
        let mut start = 0usize;
        for (k, l) in text.split('\n').enumerate() {
            spans.push((start as u32, (start + l.len()) as u32));
            start += l.len() + 1;
            let line = parse_line(l, k as u32 + 1, &mut toks);
            if line.label.is_some() || line.body != Body::Empty {
                lines.push(line);
            }
        }
        Source {
            name,
            text,
            spans,
            lines,
        }
    }

    /// The text of 1-based line `no`.
    pub fn line_text(&self, no: u32) -> &str {
        match self.spans.get(no as usize - 1) {
            Some(&(a, b)) => self.text[a as usize..b as usize].trim_end_matches('\r'),
            None => "",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Label,
    Equ,
    Defl,
}

#[derive(Debug, Clone)]
struct Sym {
    value: i64,
    bank: Option<u32>,
    kind: Kind,
    /// Defined (so far) in the current pass.
    seen: bool,
    /// A pass-1 equate waiting for a forward reference.
    pending: bool,
    at: (usize, u32),
}

struct Pending {
    name: String,
    expr: Expr,
    scope: String,
    pc: u32,
    at: (usize, u32),
}

struct IfFrame {
    parent: bool,
    taken: bool,
    active: bool,
    in_else: bool,
    at: (usize, u32),
}

pub struct Asm<'f> {
    files: &'f dyn Files,
    cpu0: Cpu,
    cpu: Cpu,
    pass: u8,
    sources: Vec<Arc<Source>>,
    by_name: HashMap<String, usize>,
    bins: HashMap<String, Arc<Vec<u8>>>,
    syms: HashMap<String, Sym>,
    scope: String,
    pc: u32,
    bank: Option<u32>,
    chunks: Vec<Chunk>,
    origins: Vec<(usize, u32)>,
    errors: Vec<AsmError>,
    ifs: Vec<IfFrame>,
    ended: bool,
    pending: Vec<Pending>,
    listing: Vec<ListRec>,
    last_emit: Option<(u32, u32, u32)>,
    loc: (usize, u32),
}

impl Env for Asm<'_> {
    fn here(&self) -> i64 {
        self.pc as i64
    }

    fn lookup(&self, name: &str) -> Result<(i64, Option<u32>), EvalErr> {
        let found = if name.starts_with('.') {
            let full = format!("{}{}", self.scope, name);
            self.syms.get(&full)
        } else {
            self.syms.get(name)
        };
        match found {
            Some(s) if !s.pending => Ok((s.value, s.bank)),
            _ => Err(EvalErr::Undefined(name.to_string())),
        }
    }

    fn defined(&self, name: &str) -> bool {
        let full;
        let key = if name.starts_with('.') {
            full = format!("{}{}", self.scope, name);
            &full
        } else {
            name
        };
        self.syms.get(key).is_some_and(|s| s.seen && !s.pending)
    }
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
        }
    }

    fn err_at(&mut self, at: (usize, u32), msg: impl Into<String>) {
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

    fn err(&mut self, msg: impl Into<String>) {
        self.err_at(self.loc, msg);
    }

    /// Reads and parses a source file (once), returning its index.
    fn load(&mut self, name: &str) -> Result<usize, String> {
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
    fn resolve(&self, name: &str, read: impl Fn(&str) -> bool) -> String {
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
    fn eval_now(&mut self, e: &Expr, what: &str) -> Option<i64> {
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
    fn eval_operand(&mut self, e: &Expr) -> Option<i64> {
        match eval(e, self) {
            Ok(v) => Some(v),
            Err(_) if self.pass == 1 => Some(0),
            Err(e) => {
                self.err(e.to_string());
                None
            }
        }
    }

    fn qualify(&self, name: &str) -> String {
        if name.starts_with('.') {
            format!("{}{}", self.scope, name)
        } else {
            name.to_string()
        }
    }

    fn define(&mut self, name: &str, value: i64, kind: Kind, bank: Option<u32>) {
        let full = self.qualify(name);
        let at = self.loc;
        match self.syms.get_mut(&full) {
            Some(s) if kind == Kind::Defl && s.kind == Kind::Defl => {
                s.value = value;
                s.seen = true;
            }
            Some(s) if self.pass == 1 || s.seen || s.kind != kind => {
                let (f, l) = s.at;
                let where_ = self
                    .sources
                    .get(f)
                    .map(|s| s.name.clone())
                    .unwrap_or_default();
                self.err(format!(
                    "symbol '{full}' is already defined at {where_}:{l}"
                ));
            }
            Some(s) => {
                s.seen = true;
                if s.value != value {
                    let old = s.value;
                    self.err(format!(
                        "'{full}' is {value:#06X} in pass 2 but was {old:#06X} in pass 1 \
                         (a size or condition depends on a later definition)"
                    ));
                }
            }
            None => {
                let sym = Sym {
                    value,
                    bank,
                    kind,
                    seen: true,
                    pending: false,
                    at,
                };
                self.syms.insert(full, sym);
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
        self.bank = None;
        self.cpu = self.cpu0;
        self.scope.clear();
        self.ended = false;
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

    fn resolve_pending(&mut self) {
        let mut list = std::mem::take(&mut self.pending);
        loop {
            let before = list.len();
            let mut rest = Vec::new();
            for p in list {
                self.scope.clone_from(&p.scope);
                self.pc = p.pc;
                match eval(&p.expr, self) {
                    Ok(v) => {
                        if let Some(s) = self.syms.get_mut(&p.name) {
                            s.value = v;
                            s.pending = false;
                        }
                    }
                    Err(_) => rest.push(p),
                }
            }
            list = rest;
            if list.is_empty() || list.len() == before {
                break;
            }
        }
        for p in list {
            self.scope.clone_from(&p.scope);
            self.pc = p.pc;
            let msg = match eval(&p.expr, self) {
                Err(EvalErr::Undefined(s)) if self.syms.get(&s).is_some_and(|s| s.pending) => {
                    format!("'{}' depends on itself through '{s}'", p.name)
                }
                Err(e) => e.to_string(),
                Ok(_) => continue,
            };
            self.err_at(p.at, msg);
        }
    }

    fn walk(&mut self, idx: usize, depth: usize) {
        let src = self.sources[idx].clone();
        let base = self.ifs.len();
        for line in &src.lines {
            if self.ended || self.errors.len() >= MAX_ERRORS {
                break;
            }
            self.loc = (idx, line.line);
            self.line(line, depth);
        }
        while self.ifs.len() > base {
            if let Some(f) = self.ifs.pop() {
                self.err_at(f.at, "'if' without 'endif'");
            }
        }
    }

    fn line(&mut self, l: &Line, depth: usize) {
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
        let start = self.pc;
        let start_bank = self.bank;
        self.last_emit = None;
        if let Some(name) = &l.label {
            if self.pc > 0xFFFF {
                self.err("label is past the end of the 64 KiB address space");
            }
            self.define(name, self.pc as i64, Kind::Label, self.bank);
            if !name.starts_with('.') && !name.contains('.') {
                self.scope.clear();
                self.scope.push_str(name);
            }
        }
        let mut value = None;
        match &l.body {
            Body::Empty | Body::If(_) | Body::Ifdef(..) | Body::Else | Body::Endif => {}
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
                        let pad = (n as u32 - self.pc % n as u32) % n as u32;
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
        }
        if self.pass == 2 {
            let (chunk, off, len) = self.last_emit.unwrap_or((u32::MAX, 0, 0));
            self.listing.push(ListRec {
                file: self.loc.0 as u32,
                line: self.loc.1,
                addr: start,
                bank: start_bank,
                chunk,
                off,
                len,
                value,
            });
        }
    }

    fn equ(&mut self, name: &str, e: &Expr, defl: bool) -> Option<i64> {
        let kind = if defl { Kind::Defl } else { Kind::Equ };
        match eval(e, self) {
            Ok(v) => {
                self.define(name, v, kind, None);
                Some(v)
            }
            Err(EvalErr::Undefined(_)) if self.pass == 1 && !defl => {
                let full = self.qualify(name);
                if self.syms.contains_key(&full) {
                    self.define(name, 0, kind, None);
                    return None;
                }
                let at = self.loc;
                let sym = Sym {
                    value: 0,
                    bank: None,
                    kind,
                    seen: true,
                    pending: true,
                    at,
                };
                self.syms.insert(full.clone(), sym);
                let scope = self.scope.clone();
                self.pending.push(Pending {
                    name: full,
                    expr: e.clone(),
                    scope,
                    pc: self.pc,
                    at,
                });
                None
            }
            Err(err) => {
                self.err(err.to_string());
                None
            }
        }
    }

    fn check_byte(&mut self, v: i64, what: &str) -> u8 {
        if self.pass == 2 && !(-128..=255).contains(&v) {
            self.err(format!(
                "{what} value {v} ({}) is out of range -128..255",
                hex(v)
            ));
        }
        v as u8
    }

    fn check_word(&mut self, v: i64) -> u16 {
        if self.pass == 2 && !(-32768..=65535).contains(&v) {
            self.err(format!(
                "word value {v} ({}) is out of range -32768..65535",
                hex(v)
            ));
        }
        v as u16
    }

    fn fill(&mut self, n: u32, fill: Option<&Expr>) {
        match fill {
            None => self.advance(n),
            Some(f) => {
                let v = self.eval_operand(f).unwrap_or(0);
                let b = self.check_byte(v, "fill");
                self.emit(&vec![b; n as usize]);
            }
        }
    }

    fn advance(&mut self, n: u32) {
        self.pc += n;
        if self.pc > 0x10000 {
            self.err(format!(
                "address {:#X} is past the end of the 64 KiB address space",
                self.pc - 1
            ));
            self.pc &= 0xFFFF;
        }
    }

    fn emit(&mut self, bytes: &[u8]) {
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

    fn include(&mut self, name: &str, depth: usize) {
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

    fn incbin(&mut self, name: &str, skip: Option<&Expr>, len: Option<&Expr>) {
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
        if skip < 0 || len < 0 || skip + len > total {
            return self.err(format!(
                "incbin range {skip}+{len} is outside '{path}' ({total} bytes)"
            ));
        }
        self.emit(&data[skip as usize..(skip + len) as usize]);
    }

    fn instr(&mut self, m: super::parse::Mnem, ops: &[super::parse::Operand], start: u32) {
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
            if let Err(msg) = super::assembly::apply_fix(kind, v, end, &mut bytes[off..]) {
                self.err(msg);
            }
        }
        self.emit(&bytes[..enc.len as usize]);
    }

    fn check_overlaps(&mut self) {
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

pub fn hex(v: i64) -> String {
    if v < 0 {
        format!("-{:#X}", v.unsigned_abs())
    } else {
        format!("{v:#X}")
    }
}
