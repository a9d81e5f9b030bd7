//! The symbol table: labels, equates (with forward references resolved after pass 1) and
//! redefinable `defl` symbols; local `.name` labels are qualified with the enclosing global
//! label. Pass 2 checks that every label lands where pass 1 put it.

use super::expr::{eval, Env, EvalErr, Expr};
use super::pass::Asm;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Label,
    Equ,
    Defl,
}

#[derive(Debug, Clone)]
pub(super) struct Sym {
    pub(super) value: i64,
    pub(super) bank: Option<u32>,
    pub(super) kind: Kind,
    /// Defined (so far) in the current pass.
    pub(super) seen: bool,
    /// A pass-1 equate waiting for a forward reference.
    pub(super) pending: bool,
    pub(super) at: (usize, u32),
}

pub(super) struct Pending {
    pub(super) name: String,
    pub(super) expr: Expr,
    pub(super) scope: String,
    pub(super) pc: u32,
    pub(super) at: (usize, u32),
}

impl Env for Asm<'_> {
    fn here(&self) -> i64 {
        self.here_addr()
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

impl Asm<'_> {
    pub(super) fn qualify(&self, name: &str) -> String {
        if name.starts_with('.') {
            format!("{}{}", self.scope, name)
        } else {
            name.to_string()
        }
    }

    pub(super) fn define(&mut self, name: &str, value: i64, kind: Kind, bank: Option<u32>) {
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

    pub(super) fn resolve_pending(&mut self) {
        let mut list = std::mem::take(&mut self.pending);
        loop {
            let before = list.len();
            let mut rest = Vec::new();
            for p in list {
                self.scope.clone_from(&p.scope);
                self.pc = p.pc;
                self.phase = None;
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
            self.phase = None;
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

    pub(super) fn equ(&mut self, name: &str, e: &Expr, defl: bool) -> Option<i64> {
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
                    pc: self.here_addr() as u32,
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
}
