//! Our two-pass Z80 / SM83 assembler: `z80lm` builds engine images with no external tool.
//!
//! ```
//! use z80rom::asm::{assemble, Cpu, MemFiles};
//! let files = MemFiles::new().with("main.asm", "  org 0x100\nstart: ld a,5\n  jr start\n");
//! let asm = assemble(&files, "main.asm", Cpu::Z80).unwrap();
//! assert_eq!(asm.flat(0xFF), (0x100, vec![0x3E, 0x05, 0x18, 0xFC]));
//! assert_eq!(asm.symbol("start"), Some(0x100));
//! ```
//!
//! # Syntax (close to pasmo and Debian z80asm)
//!
//! * One statement per line; `;` starts a comment. Mnemonics, registers and directives are
//!   case-insensitive; symbols are case-sensitive. Directives may be written with a leading
//!   dot (`.org`).
//! * Labels: `name:` anywhere, or `name` in column 0. A label starting with `.` is local to
//!   the previous global label: `.loop` inside `copy` is the symbol `copy.loop`, which other
//!   code can reach as `copy.loop`. Register and condition names (`a`, `hl`, `nz`, `p`, `m`..)
//!   are reserved.
//! * Constants: `name equ expr`, `name = expr`, `name: equ expr`; `name defl expr` can be
//!   redefined. Equates may refer forward.
//! * Directives:
//!   `org addr` · `db`/`defb`/`defm` items (numbers, `"strings"`/`'strings'` with escapes
//!   `\n \r \t \0 \\ \" \' \xNN`) · `dw`/`defw` words (little-endian) · `ds`/`defs n[,fill]`
//!   (without `fill` it only reserves: no bytes, the gap is filled by the image's fill byte) ·
//!   `align n[,fill]` (same rule) · `include "file"` (relative to the including file's
//!   directory first, nested at most 16 deep) · `incbin "file"[,skip[,len]]` ·
//!   `if expr` / `ifdef name` / `ifndef name` / `elseif expr` / `else` / `endif` (nested) ·
//!   `assert expr[, "message"]` (checked in pass 2) · `cpu z80|sm83` · `bank n` / `bank none`
//!   · `phase addr` / `dephase`: code assembled for `addr` (labels, `$`) but stored at the
//!   current address, e.g. a loader copied to RAM · `end` (stop assembling).
//! * Macros: `name macro p1, p2` (or `macro name, p1, p2`) ... `endm`; call as an indented
//!   `name arg1, arg2`. Parameters are replaced as whole identifiers by the argument text;
//!   `\@` becomes `_n`, unique per expansion (write `.loop\@:` for labels). `rept n` ...
//!   `endr` repeats a body. Errors inside point at the call and name the macro's body line.
//! * Banks: `bank n` tags the following bytes and labels with bank `n` without changing `$`
//!   (follow it with `org`). Banks may reuse the same logical addresses (Game Boy 0x4000,
//!   RC2014 512K pages); chunks carry the bank, labels resolve to logical addresses, and
//!   `bank(label)` gives a label's bank (0 for an unbanked label).
//! * Expressions (64-bit, C precedence): `|| && | ^ & == != < <= > >= << >> + - * / %`,
//!   unary `- + ~ !`, parentheses, `$` (address of the current statement), numbers `123`,
//!   `0x1F`, `$1F`, `1Fh`, `%1010`, `0b1010`, `1010b`, `17o`, chars `'c'`, and `low(x)`,
//!   `high(x)`, `bank(label)`, `defined(name)`. Comparisons give 1/0. Values and precedence
//!   agree with z80asm; pasmo differs (true is -1, `<<` binds tighter than `+`), so
//!   parenthesise shifts in sources that pasmo must also accept.
//! * `org`, `ds`, `align`, `if`, `bank` and `incbin` arguments must be defined before the
//!   line; instruction operands, `db`/`dw` may refer forward.
//! * Operands: an operand wholly in parentheses is memory (`ld a,(label)`), otherwise an
//!   immediate (`ld a,(1+2)*3`). `(ix+d)`, `(iy-d)`, `(ix)`. `[hl]` may stand for `(hl)`.
//!   A `#` before an immediate or address is accepted and ignored (sdas style).
//! * Z80 (Zilog UM0080): every documented instruction, `ex af,af'`, `in a,(n)`, `in r,(c)`,
//!   `out (c),r`, `im 0/1/2`, `rst 0x38` (addresses 0x00..0x38 only, as pasmo), `jp (hl)`,
//!   `jp (ix)`, both `sub b` and `sub a,b` (likewise `and or xor cp`; pasmo accepts only
//!   `sub b`, so generated code should use that form); undocumented
//!   `ixh ixl iyh iyl`, `sll`/`sl1`, `in f,(c)`/`in (c)`, `out (c),0`.
//! * SM83 (`cpu sm83` or [`Cpu::Sm83`]; Pan Docs opcode table): `ld (hl+),a` `ld a,(hl+)`
//!   `ld (hl-),a` (also `(hli)`, `(hld)`, `ldi (hl),a`, `ldd a,(hl)`), `ldh (n),a`,
//!   `ldh a,(n)`, `ld (0xff00+n),a` (= `ldh`, as rgbds; sdasgb makes it `ld (nn),a`), `ld (c),a`, `ld a,(c)`, `ld (nn),sp`, `add sp,e`,
//!   `ld hl,sp+e` (`ldhl sp,e`), `swap r`, `stop`, `reti`, `jp hl`/`jp (hl)`. Z80-only
//!   instructions are errors.
//! * Errors are `file:line: message` ([`AsmError`]); up to 50 are collected per run.
//!   Bytes > 255 or < -128, words outside -32768..65535, displacements outside -128..127 and
//!   relative jumps out of range (with the distance) are errors; so are overlapping bytes.
//!
//! # Output
//!
//! [`Assembly::chunks`] holds the bytes (logical address, optional bank);
//! [`Assembly::flat`] / [`Assembly::flat_bank`] give one image per bank, [`Assembly::place`]
//! maps (bank, address) to file offsets for a ROM, [`Assembly::symbols`] /
//! [`Assembly::symbol_bank`] the labels, and [`Assembly::listing`] a listing.

mod assembly;
mod emit;
mod enc;
mod error;
mod expr;
mod files;
mod lexer;
mod macros;
mod operand;
mod parse;
mod pass;
mod sm83;
mod source;
mod symbols;
mod z80;

pub use assembly::{Assembly, Chunk};
pub use error::{AsmError, MAX_ERRORS};
pub use files::{DirFiles, Files, Layered, MemFiles};
pub use pass::MAX_INCLUDE_DEPTH;

/// The instruction set to assemble for (a source may switch with `cpu z80|sm83`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cpu {
    Z80,
    Sm83,
}

/// Assembles `main` (read through `files`, as are its includes) for `cpu`.
pub fn assemble(files: &dyn Files, main: &str, cpu: Cpu) -> Result<Assembly, AsmError> {
    pass::Asm::new(files, cpu).run(main)
}

/// Assembles one in-memory source (named `name` in errors) without includes of its own.
pub fn assemble_str(name: &str, source: &str, cpu: Cpu) -> Result<Assembly, AsmError> {
    let files = MemFiles::new().with(name, source);
    assemble(&files, name, cpu)
}
