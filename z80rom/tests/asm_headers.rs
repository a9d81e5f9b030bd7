//! The assembly sources keep STYLE.md's promise: every routine that is called has a header
//! comment that says what it clobbers (or preserves) and how long it takes (T-states, or a
//! time for the routines that wait on hardware). A routine entered under a second label
//! shares the header of the first when that header names it.

use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "asm") {
            out.push(path);
        }
    }
}

/// Names that follow `call` (with or without a condition) anywhere in `text`.
fn called(text: &str) -> std::collections::BTreeSet<String> {
    let mut names = std::collections::BTreeSet::new();
    for line in text.lines() {
        let code = line.split(';').next().unwrap_or("");
        let mut words = code.split_whitespace();
        while let Some(w) = words.next() {
            if !w.eq_ignore_ascii_case("call") {
                continue;
            }
            let Some(target) = words.next() else { break };
            let target = target.rsplit(',').next().unwrap_or(target);
            if target.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
                names.insert(target.to_string());
            }
        }
    }
    names
}

fn says_clobbers(header: &str) -> bool {
    header.contains("clobber") || header.contains("preserves")
}

fn says_time(header: &str) -> bool {
    let words: Vec<&str> = header
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')' || c == ',' || c == ';')
        .filter(|w| !w.is_empty())
        .collect();
    header.contains("t-states")
        || header.contains("t:")
        || words.windows(2).any(|w| {
            w[0].trim_start_matches(['~', '+'])
                .starts_with(|c: char| c.is_ascii_digit())
                && ["t", "ms", "s", "us", "frame", "frames"].contains(&w[1].trim_end_matches('.'))
        })
}

/// The comment block right above line `at` (a label), lowercased.
fn header_above(lines: &[&str], at: usize) -> String {
    let mut j = at;
    let mut block = Vec::new();
    while j > 0 && lines[j - 1].trim_start().starts_with(';') {
        j -= 1;
        block.push(lines[j].to_ascii_lowercase());
    }
    block.reverse();
    block.join(" ")
}

#[test]
fn every_called_routine_has_a_header_with_clobbers_and_time() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("asm");
    let mut files = Vec::new();
    sources(&root, &mut files);
    files.sort();
    assert!(files.len() > 10, "asm sources under {}", root.display());
    let mut missing = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let called = called(&text);
        for (i, line) in lines.iter().enumerate() {
            let Some((label, _)) = line.split_once(':') else {
                continue;
            };
            if label.is_empty()
                || !label.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                || !label.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                || !called.contains(label)
            {
                continue;
            }
            let own = header_above(&lines, i);
            let ok = |h: &str| says_clobbers(h) && says_time(h);
            // A second entry point: a header up to 40 lines above that names it.
            let shared = (i.saturating_sub(40)..i).any(|k| {
                let h = header_above(&lines, k + 1);
                lines[k].trim_start().starts_with(';')
                    && h.contains(&label.to_ascii_lowercase())
                    && ok(&h)
            });
            if !(ok(&own) || shared) {
                let rel = file.strip_prefix(&root).unwrap_or(file);
                missing.push(format!("{}:{}: {label}", rel.display(), i + 1));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "routines without a header naming clobbers and T-states (STYLE.md):\n{}",
        missing.join("\n")
    );
}
