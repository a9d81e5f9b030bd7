//! `macro` / `endm` and `rept` / `endr`: bodies are kept as text and expanded by substituting
//! parameters (whole identifiers) and `\@` (a `_n` unique to each expansion, for labels),
//! then parsed and assembled at the call. Errors point at the calling line and name the macro.

use std::fmt::Write as _;
use std::sync::Arc;

use super::pass::{Asm, MAX_INCLUDE_DEPTH};
use super::source::Source;

/// Expansions allowed per pass (stops runaway nested `rept`s).
pub const MAX_EXPANSIONS: u32 = 100_000;
/// Most bytes one macro or `rept` body may expand to: a macro that passes its arguments on to
/// itself twice doubles them at each level, so 16 levels would be 65536 times its text.
pub const MAX_EXPANSION_BYTES: usize = 64 * 1024;

/// A macro or rept body: parameter names and the raw lines (with their line numbers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub params: Vec<Box<str>>,
    pub lines: Vec<(u32, String)>,
}

/// Splits raw call arguments at commas outside parentheses and quotes; stops at `;`.
pub fn split_args(raw: &str) -> Vec<String> {
    let mut args = Vec::new();
    let mut cur = String::new();
    let mut depth = 0i32;
    let mut quote = None;
    let mut prev = ' ';
    for c in raw.chars() {
        match quote {
            Some(q) => {
                if c == q && prev != '\\' {
                    quote = None;
                }
            }
            None => match c {
                ';' => break,
                '"' => quote = Some(c),
                '\'' if !cur.trim_end().to_ascii_lowercase().ends_with("af") => quote = Some(c),
                '(' | '[' => depth += 1,
                ')' | ']' => depth -= 1,
                ',' if depth == 0 => {
                    args.push(cur.trim().to_string());
                    cur.clear();
                    prev = c;
                    continue;
                }
                _ => {}
            },
        }
        cur.push(c);
        prev = c;
    }
    if !cur.trim().is_empty() || !args.is_empty() {
        args.push(cur.trim().to_string());
    }
    args
}

/// Appends `line` with parameters replaced by arguments and `\@` by `_id`.
pub fn substitute(line: &str, params: &[Box<str>], args: &[String], id: u32, out: &mut String) {
    let b = line.as_bytes();
    let mut i = 0;
    let mut last_word = "";
    while i < b.len() {
        let c = b[i];
        if c == b';' {
            out.push_str(&line[i..]);
            return;
        }
        if c == b'\\' && b.get(i + 1) == Some(&b'@') {
            let _ = write!(out, "_{id}");
            i += 2;
            continue;
        }
        if c == b'"' || (c == b'\'' && !last_word.eq_ignore_ascii_case("af")) {
            let start = i;
            i += 1;
            while i < b.len() && b[i] != c {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i = (i + 1).min(b.len());
            out.push_str(&line[start..i]);
            last_word = "";
            continue;
        }
        if c.is_ascii_alphanumeric() || c == b'_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            let word = &line[start..i];
            let dotted = start > 0 && b[start - 1] == b'.';
            match params.iter().position(|p| **p == *word) {
                Some(k) if !dotted && !c.is_ascii_digit() => {
                    out.push_str(args.get(k).map_or("", |a| a.as_str()))
                }
                _ => out.push_str(word),
            }
            last_word = word;
            continue;
        }
        let ch = line[i..].chars().next().unwrap_or(' ');
        out.push(ch);
        i += ch.len_utf8();
        last_word = "";
    }
}

impl Asm<'_> {
    /// Expands `block` with `args` and assembles the result at the current line.
    pub(super) fn expand(
        &mut self,
        what: String,
        block: &Arc<Block>,
        args: &[String],
        depth: usize,
    ) {
        if depth >= MAX_INCLUDE_DEPTH {
            return self.err(format!(
                "macros nested deeper than {MAX_INCLUDE_DEPTH} (recursive macro?)"
            ));
        }
        if self.expansions >= MAX_EXPANSIONS {
            return self.err(format!("more than {MAX_EXPANSIONS} macro/rept expansions"));
        }
        self.expansions += 1;
        let id = self.expansions;
        let mut text = String::new();
        for (_, l) in &block.lines {
            substitute(l, &block.params, args, id, &mut text);
            text.push('\n');
            if text.len() > MAX_EXPANSION_BYTES {
                return self.err(format!(
                    "{what} expands to more than {MAX_EXPANSION_BYTES} bytes (recursive macro?)"
                ));
            }
        }
        let src = Source::parse(what.clone(), text);
        let at = self.loc;
        let base = self.ifs_len();
        self.context.push((what, 0));
        for line in &src.lines {
            if self.ended || self.too_many_errors() {
                break;
            }
            self.loc = at;
            let body_line = block.lines.get(line.line as usize - 1).map_or(0, |l| l.0);
            if let Some(c) = self.context.last_mut() {
                c.1 = body_line;
            }
            self.line(line, depth + 1);
        }
        self.close_ifs(base);
        self.context.pop();
        self.loc = at;
    }

    /// `name args`: a macro call, or an unknown instruction.
    pub(super) fn call(&mut self, name: &str, args: &[String], depth: usize) {
        let Some(block) = self.macros.get(name).map(|m| m.0.clone()) else {
            return self.err(format!("unknown instruction or directive '{name}'"));
        };
        if args.len() > block.params.len() {
            return self.err(format!(
                "macro '{name}' takes {} argument(s), found {}",
                block.params.len(),
                args.len()
            ));
        }
        self.expand(format!("macro '{name}'"), &block, args, depth);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_split_outside_brackets_and_strings() {
        assert_eq!(
            split_args(" (ix+1), \"a,b\" , 'x' ; c,d"),
            ["(ix+1)", "\"a,b\"", "'x'"]
        );
        assert_eq!(split_args("   ; nothing"), Vec::<String>::new());
        assert_eq!(split_args(" af,af'"), ["af", "af'"]);
    }

    #[test]
    fn substitution_replaces_whole_identifiers_only() {
        let mut out = String::new();
        let params = [Box::from("src"), Box::from("n")];
        let args = ["(hl)".to_string(), "3".to_string()];
        substitute(" ld a,src ; src\n", &params, &args, 7, &mut out);
        substitute(
            ".l\\@: add a,n+srcx+\"n\"+n1 ; n",
            &params,
            &args,
            7,
            &mut out,
        );
        assert_eq!(out, " ld a,(hl) ; src\n.l_7: add a,3+srcx+\"n\"+n1 ; n");
    }

    /// Found by the `assembler` fuzz target: a macro that calls itself with its argument
    /// doubled grew its text 2^16 times over 16 levels (minutes, gigabytes); it stops with an
    /// error once one expansion passes MAX_EXPANSION_BYTES.
    #[test]
    fn a_macro_doubling_its_argument_at_each_level_is_an_error_not_a_hang() {
        let src = "m macro a\n m a+a\n endm\n m 1\n";
        let t = std::time::Instant::now();
        let e = crate::asm::assemble_str("t.asm", src, crate::asm::Cpu::Z80).unwrap_err();
        assert!(e.to_string().contains("expands to more than"), "{e}");
        assert!(t.elapsed().as_secs() < 10);
        // The fuzzer's input, as it found it.
        let src = "m       macro a,b\n&   a,a\n  \t    m en  cpe 16),a    ld %a,a\n        endm\n        m%1?\n";
        let t = std::time::Instant::now();
        assert!(crate::asm::assemble_str("t.asm", src, crate::asm::Cpu::Z80).is_err());
        assert!(t.elapsed().as_secs() < 10, "{:?}", t.elapsed());
    }
}
