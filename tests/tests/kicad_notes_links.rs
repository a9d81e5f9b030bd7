//! The hardware notes promise that every `z80lm` hardware error points to a matching
//! troubleshooting entry and that every cited source can be found. This test holds
//! the notes and the code to that promise:
//!
//! * every anchor in `kicad-notes/troubleshooting.md` is listed in `ANCHORS.md`, and
//!   every row of `ANCHORS.md` names an anchor that exists, with a message that links
//!   to that same anchor;
//! * every `troubleshooting.md#<anchor>` written anywhere in the workspace's `.rs`, `.md`
//!   and `.toml` files names an existing anchor (so an error message cannot point into
//!   the void);
//! * every relative link in the notes (inline or reference-style) reaches an existing
//!   file, and its `#fragment`, if any, an existing `<a id>` or GitHub heading slug.
//!
//! Follows: GitHub's Markdown heading anchors (lower case, punctuation dropped, spaces
//! to hyphens); kicad-notes/ANCHORS.md for the message format.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn notes() -> PathBuf {
    root().join("kicad-notes")
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The `<a id="...">` anchors and the heading slugs of a Markdown file.
fn anchors(md: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = md;
    while let Some(i) = rest.find("<a id=\"") {
        rest = &rest[i + 7..];
        let end = rest.find('"').expect("closing quote of <a id>");
        out.insert(rest[..end].to_string());
    }
    let mut in_code = false;
    for line in md.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
        }
        if in_code || !line.starts_with('#') {
            continue;
        }
        let title = line.trim_start_matches('#').trim();
        let slug: String = title
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
            .map(|c| if c == ' ' { '-' } else { c })
            .collect();
        out.insert(slug);
    }
    out
}

fn troubleshooting_anchors() -> BTreeSet<String> {
    let md = read(&notes().join("troubleshooting.md"));
    let mut out = BTreeSet::new();
    let mut rest = md.as_str();
    while let Some(i) = rest.find("<a id=\"") {
        rest = &rest[i + 7..];
        out.insert(rest[..rest.find('"').unwrap()].to_string());
    }
    out
}

#[test]
fn anchors_table_matches_troubleshooting() {
    let have = troubleshooting_anchors();
    assert!(
        have.len() >= 15,
        "troubleshooting.md has only {} anchors",
        have.len()
    );
    let table = read(&notes().join("ANCHORS.md"));
    let mut listed = BTreeSet::new();
    for line in table.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let anchor = cells[1].trim_matches('`').to_string();
        let message = cells[2];
        assert!(
            have.contains(&anchor),
            "ANCHORS.md lists `{anchor}`, not in troubleshooting.md"
        );
        let link = format!("kicad-notes/troubleshooting.md#{anchor}");
        let after = message.split(&link).nth(1).and_then(|r| r.chars().next());
        assert!(
            matches!(after, Some(')') | Some('`')),
            "the message for `{anchor}` does not link to {link}"
        );
        if message.starts_with("`error:") {
            let tail = format!("(see {link})`");
            assert!(
                message.ends_with(&tail),
                "`{anchor}`: an error message ends with {tail}"
            );
        }
        assert!(listed.insert(anchor.clone()), "`{anchor}` listed twice");
    }
    let missing: Vec<_> = have.difference(&listed).collect();
    assert!(
        missing.is_empty(),
        "anchors with no ANCHORS.md row: {missing:?}"
    );
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().to_string();
        if p.is_dir() {
            if !name.starts_with('.') && name != "target" && !name.starts_with("target-") {
                walk(&p, out);
            }
        } else if [".rs", ".md", ".toml"].iter().any(|x| name.ends_with(x)) {
            out.push(p);
        }
    }
}

#[test]
fn every_pointer_into_troubleshooting_exists() {
    let have = troubleshooting_anchors();
    let mut files = Vec::new();
    walk(&root(), &mut files);
    let mut bad = Vec::new();
    let mut seen = 0;
    for f in &files {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        let mut rest = text.as_str();
        while let Some(i) = rest.find("troubleshooting.md#") {
            rest = &rest[i + "troubleshooting.md#".len()..];
            let anchor: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect();
            seen += 1;
            // ANCHORS.md and this test describe the pattern itself (`#<anchor>`, `#ANCHOR`).
            if anchor.is_empty() || anchor == "ANCHOR" {
                continue;
            }
            if !have.contains(&anchor) {
                bad.push(format!(
                    "{}: #{anchor}",
                    f.strip_prefix(root()).unwrap_or(f).display()
                ));
            }
        }
    }
    assert!(
        seen > 20,
        "found only {seen} pointers; is the workspace root right?"
    );
    assert!(
        bad.is_empty(),
        "pointers to missing troubleshooting entries:\n{}",
        bad.join("\n")
    );
}

/// Relative link targets in a Markdown file: `](target)` and `[ref]: target`.
fn link_targets(md: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = md;
    while let Some(i) = rest.find("](") {
        rest = &rest[i + 2..];
        if let Some(end) = rest.find(')') {
            out.push(rest[..end].to_string());
        }
    }
    for line in md.lines() {
        let l = line.trim_start();
        if l.starts_with('[') {
            if let Some(i) = l.find("]: ") {
                out.push(l[i + 3..].trim().to_string());
            }
        }
    }
    out.retain(|t| !t.contains("://") && !t.starts_with("mailto:") && !t.is_empty());
    out
}

#[test]
fn relative_links_in_the_notes_resolve() {
    let mut files = Vec::new();
    walk(&notes(), &mut files);
    files.retain(|f| f.extension().is_some_and(|e| e == "md"));
    assert!(
        files.len() >= 8,
        "expected the notes' Markdown files, found {}",
        files.len()
    );
    let mut bad = Vec::new();
    for f in &files {
        let md = read(f);
        let dir = f.parent().unwrap();
        for target in link_targets(&md) {
            let (path, frag) = match target.split_once('#') {
                Some((p, fr)) => (p, Some(fr)),
                None => (target.as_str(), None),
            };
            let file = if path.is_empty() {
                f.clone()
            } else {
                dir.join(path)
            };
            let name = f.strip_prefix(notes()).unwrap().display().to_string();
            if !file.exists() {
                bad.push(format!("{name}: {target} (no such file)"));
                continue;
            }
            if let Some(frag) = frag {
                if file.extension().is_some_and(|e| e == "md")
                    && !anchors(&read(&file)).contains(frag)
                {
                    bad.push(format!("{name}: {target} (no such anchor)"));
                }
            }
        }
    }
    assert!(
        bad.is_empty(),
        "broken links in kicad-notes:\n{}",
        bad.join("\n")
    );
}
