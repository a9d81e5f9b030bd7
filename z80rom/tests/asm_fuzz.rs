//! Random source text never panics the assembler: it assembles or returns `file:line` errors.

use proptest::prelude::*;
use z80rom::asm::{assemble, Cpu, MemFiles};

const FRAGS: &[&str] = &[
    "ld",
    "add",
    "jr",
    "djnz",
    "bit",
    "ex",
    "in",
    "out",
    "im",
    "rst",
    "jp",
    "call",
    "ret",
    "push",
    "ldh",
    "swap",
    "stop",
    "ldi",
    "a",
    "b",
    "(hl)",
    "(ix+",
    "(iy-",
    ")",
    "(",
    "hl",
    "ix",
    "iy",
    "sp",
    "af'",
    "af",
    "nz",
    "c",
    "(c)",
    "ixh",
    ",",
    "+",
    "-",
    "*",
    "/",
    "%",
    "<<",
    ">>",
    "~",
    "!",
    "==",
    "&&",
    "$",
    "$+2",
    "0x1F",
    "1Fh",
    "%101",
    "255",
    "256",
    "-129",
    "65536",
    "99999999999",
    "'x'",
    "\"str\\n\"",
    "\"",
    "'",
    ";",
    ":",
    "lbl",
    "lbl:",
    ".loc",
    ".loc:",
    "lbl.loc",
    "equ",
    "=",
    "defl",
    "org",
    "db",
    "dw",
    "ds",
    "align",
    "if",
    "else",
    "endif",
    "ifdef",
    "assert",
    "cpu z80",
    "cpu sm83",
    "bank",
    "bank none",
    "include \"self.asm\"",
    "include \"x.asm\"",
    "incbin \"bin\"",
    "incbin \"bin\",1,9",
    "end",
    "low(",
    "high(",
    "bank(",
    "defined(",
    "#",
    "(0xff00+",
    "sp+",
    "[",
    "]",
    "\t",
    "0",
    "7",
    "8",
    "mac macro p",
    "macro m2,x",
    "endm",
    "mac",
    "m2",
    "p",
    "x",
    "rept",
    "rept 3",
    "endr",
    ".l\\@:",
    "\\@",
    "phase 0xFFF0",
    "dephase",
    "elseif",
];

fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::collection::vec(prop::sample::select(FRAGS), 0..8).prop_map(|v| {
            let mut s = String::from(" ");
            for f in v {
                s.push_str(f);
                s.push(' ');
            }
            s
        }),
        "[ -~]{0,30}",
    ]
}

proptest! {
    // 400 cases by default; set PROPTEST_CASES for a longer hunt.
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(400)
    ))]
    #[test]
    fn random_source_never_panics(lines in prop::collection::vec(line(), 0..12), sm83 in any::<bool>()) {
        let src = lines.join("\n");
        let files = MemFiles::new()
            .with("main.asm", src.clone())
            .with("self.asm", src)
            .with("bin", vec![1u8, 2, 3]);
        let cpu = if sm83 { Cpu::Sm83 } else { Cpu::Z80 };
        match assemble(&files, "main.asm", cpu) {
            Ok(a) => {
                let _ = a.flat(0);
                let _ = a.listing();
            }
            Err(e) => {
                let text = e.to_string();
                prop_assert!(text.starts_with("main.asm:") || text.starts_with("self.asm:"), "{}", text);
            }
        }
    }
}
