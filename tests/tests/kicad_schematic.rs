//! The bench adapter schematic in `kicad-notes/adapter/` is a real KiCad 6 file that a
//! person can open, and its rendered SVG is drawn from it. This test reads the
//! `.kicad_sch` with its own small s-expression parser and checks what a reviewer
//! would: the format (KiCad 6, file version 20211123, written as eeschema writes it),
//! that every placed symbol has its library symbol embedded, that no wire ends in
//! the air, and that the nets are the ones the notes promise (TX/RX and RTS/CTS
//! crossed, ground common, board power only through the jumper, a divider that
//! gives a 3.3 V module no more than it can take, the tape mixer). It then checks
//! that `adapter.svg` was rendered from this very file.
//!
//! Follows: KiCad 6 schematic file format (s-expressions, version 20211123);
//! kicad-notes/adapter/README.md for the electrical intent.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Debug, Clone)]
enum Sexp {
    List(Vec<Sexp>),
    Atom(String),
    Str(String),
}

impl Sexp {
    fn items(&self) -> &[Sexp] {
        match self {
            Sexp::List(v) => v,
            _ => &[],
        }
    }
    fn head(&self) -> Option<&str> {
        match self.items().first() {
            Some(Sexp::Atom(a)) => Some(a),
            _ => None,
        }
    }
    fn text(&self) -> &str {
        match self {
            Sexp::Atom(s) | Sexp::Str(s) => s,
            Sexp::List(_) => "",
        }
    }
    fn arg(&self, i: usize) -> &str {
        self.items().get(i).map(Sexp::text).unwrap_or("")
    }
    fn num(&self, i: usize) -> f64 {
        self.arg(i)
            .parse()
            .unwrap_or_else(|_| panic!("expected a number at {i} in {self:?}"))
    }
    fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Sexp> + 'a {
        self.items()
            .iter()
            .skip(1)
            .filter(move |c| c.head() == Some(name))
    }
    fn child(&self, name: &str) -> Option<&Sexp> {
        self.items().iter().skip(1).find(|c| c.head() == Some(name))
    }
}

fn parse(text: &str) -> Result<Sexp, String> {
    let bytes = text.as_bytes();
    let mut stack: Vec<Vec<Sexp>> = vec![Vec::new()];
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            b'(' => {
                stack.push(Vec::new());
                i += 1;
            }
            b')' => {
                let done = stack.pop().ok_or("unbalanced ')'")?;
                stack
                    .last_mut()
                    .ok_or_else(|| format!("unbalanced ')' at byte {i}"))?
                    .push(Sexp::List(done));
                i += 1;
            }
            b'"' => {
                let mut s = String::new();
                i += 1;
                loop {
                    let c = *bytes.get(i).ok_or("unterminated string")?;
                    if c == b'\\' && i + 1 < bytes.len() {
                        s.push(bytes[i + 1] as char);
                        i += 2;
                    } else if c == b'"' {
                        i += 1;
                        break;
                    } else {
                        let ch = text[i..].chars().next().ok_or("bad utf-8")?;
                        s.push(ch);
                        i += ch.len_utf8();
                    }
                }
                stack.last_mut().ok_or("no open list")?.push(Sexp::Str(s));
            }
            _ => {
                let start = i;
                while i < bytes.len() && !b" \t\r\n()\"".contains(&bytes[i]) {
                    i += 1;
                }
                stack
                    .last_mut()
                    .ok_or("no open list")?
                    .push(Sexp::Atom(text[start..i].to_string()));
            }
        }
    }
    let mut top = stack.pop().ok_or("empty")?;
    if !stack.is_empty() || top.len() != 1 {
        return Err("expected exactly one balanced top-level list".into());
    }
    Ok(top.remove(0))
}

/// A point in units of 0.1 µm, so equality is exact for values on KiCad's grid.
type Pt = (i64, i64);

fn pt(x: f64, y: f64) -> Pt {
    ((x * 10_000.0).round() as i64, (y * 10_000.0).round() as i64)
}

fn on_segment(p: Pt, a: Pt, b: Pt) -> bool {
    let cross =
        (b.0 - a.0) as i128 * (p.1 - a.1) as i128 - (b.1 - a.1) as i128 * (p.0 - a.0) as i128;
    cross == 0
        && p.0 >= a.0.min(b.0)
        && p.0 <= a.0.max(b.0)
        && p.1 >= a.1.min(b.1)
        && p.1 <= a.1.max(b.1)
}

#[derive(Debug, Clone)]
struct Pin {
    reference: String,
    name: String,
    number: String,
    at: Pt,
}

struct Sheet {
    pins: Vec<Pin>,
    wires: Vec<(Pt, Pt)>,
    junctions: Vec<Pt>,
    labels: Vec<(String, Pt)>,
    values: HashMap<String, String>,
}

fn notes_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../kicad-notes")
}

fn load() -> (String, Sexp) {
    let path = notes_dir().join("adapter/adapter.kicad_sch");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let tree = parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (text, tree)
}

/// Places every pin of every symbol, after checking the symbol against its embedded
/// library copy. Only rotation 0 without mirroring is used (and allowed) here, so a
/// library point (x, y) lands at (X + x, Y - y): library Y grows up, sheet Y down.
fn sheet(tree: &Sexp) -> Sheet {
    let libs: HashMap<&str, &Sexp> = tree
        .child("lib_symbols")
        .expect("lib_symbols")
        .children("symbol")
        .map(|s| (s.arg(1), s))
        .collect();
    let mut pins = Vec::new();
    let mut values = HashMap::new();
    let mut refs = BTreeSet::new();
    for inst in tree.children("symbol") {
        let lib_id = inst.child("lib_id").expect("lib_id").arg(1);
        let lib = libs
            .get(lib_id)
            .unwrap_or_else(|| panic!("symbol {lib_id} has no embedded lib_symbol"));
        let at = inst.child("at").expect("at");
        assert_eq!(at.num(3), 0.0, "{lib_id}: only unrotated symbols are used");
        assert!(inst.child("mirror").is_none(), "{lib_id}: mirrored");
        let unit: u32 = inst
            .child("unit")
            .map_or("1", |u| u.arg(1))
            .parse()
            .unwrap();
        let prop = |name: &str| {
            inst.children("property")
                .find(|p| p.arg(1) == name)
                .map(|p| p.arg(2).to_string())
                .unwrap_or_else(|| panic!("{lib_id}: no {name} property"))
        };
        let reference = prop("Reference");
        assert!(
            refs.insert(reference.clone()),
            "duplicate reference {reference}"
        );
        values.insert(reference.clone(), prop("Value"));
        let mut lib_numbers = BTreeSet::new();
        for sub in lib.children("symbol") {
            let sub_unit: u32 = sub.arg(1).rsplit('_').nth(1).unwrap().parse().unwrap();
            if sub_unit != 0 && sub_unit != unit {
                continue;
            }
            for p in sub.children("pin") {
                let pat = p.child("at").unwrap();
                let number = p.child("number").unwrap().arg(1).to_string();
                lib_numbers.insert(number.clone());
                pins.push(Pin {
                    reference: reference.clone(),
                    name: p.child("name").unwrap().arg(1).to_string(),
                    number,
                    at: pt(at.num(1) + pat.num(1), at.num(2) - pat.num(2)),
                });
            }
        }
        let inst_numbers: BTreeSet<String> =
            inst.children("pin").map(|p| p.arg(1).to_string()).collect();
        assert_eq!(
            inst_numbers, lib_numbers,
            "{reference}: pin list differs from {lib_id}"
        );
    }
    let xy = |n: &Sexp| pt(n.num(1), n.num(2));
    let wires = tree
        .children("wire")
        .map(|w| {
            let pts: Vec<Pt> = w.child("pts").unwrap().children("xy").map(xy).collect();
            assert_eq!(pts.len(), 2, "a wire has two points");
            (pts[0], pts[1])
        })
        .collect();
    let junctions = tree
        .children("junction")
        .map(|j| xy(j.child("at").unwrap()))
        .collect();
    let labels = tree
        .children("label")
        .map(|l| (l.arg(1).to_string(), xy(l.child("at").unwrap())))
        .collect();
    Sheet {
        pins,
        wires,
        junctions,
        labels,
        values,
    }
}

/// Union-find over "things that carry a net": pins and wires, joined where they meet.
struct Nets {
    parent: Vec<usize>,
}

impl Nets {
    fn find(&mut self, i: usize) -> usize {
        let p = self.parent[i];
        if p == i {
            return i;
        }
        let r = self.find(p);
        self.parent[i] = r;
        r
    }
    fn join(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        self.parent[ra] = rb;
    }
}

/// Returns the net (a representative index) of every pin, keyed by "REF.PINNAME".
fn netlist(s: &Sheet) -> BTreeMap<String, usize> {
    let np = s.pins.len();
    let mut nets = Nets {
        parent: (0..np + s.wires.len()).collect(),
    };
    // A point joins a wire if it is an end of it, or lies inside it and is a
    // junction, a label, a pin or another wire's end (eeschema's T-connection).
    let mut taps: Vec<Pt> = s.junctions.clone();
    taps.extend(s.labels.iter().map(|l| l.1));
    taps.extend(s.pins.iter().map(|p| p.at));
    taps.extend(s.wires.iter().flat_map(|w| [w.0, w.1]));
    for (wi, &(a, b)) in s.wires.iter().enumerate() {
        for (pi, p) in s.pins.iter().enumerate() {
            if on_segment(p.at, a, b) {
                nets.join(pi, np + wi);
            }
        }
        for (wj, &(c, d)) in s.wires.iter().enumerate() {
            if wi != wj
                && taps
                    .iter()
                    .any(|&t| on_segment(t, a, b) && on_segment(t, c, d))
            {
                nets.join(np + wi, np + wj);
            }
        }
    }
    let mut by_label: HashMap<&str, usize> = HashMap::new();
    for (name, at) in &s.labels {
        let wi = s
            .wires
            .iter()
            .position(|&(a, b)| on_segment(*at, a, b))
            .unwrap_or_else(|| panic!("label {name} is not on a wire"));
        if let Some(&other) = by_label.get(name.as_str()) {
            nets.join(np + wi, other);
        } else {
            by_label.insert(name, np + wi);
        }
    }
    let mut out = BTreeMap::new();
    for (i, p) in s.pins.iter().enumerate() {
        let key = format!(
            "{}.{}",
            p.reference,
            if p.name == "~" { &p.number } else { &p.name }
        );
        out.insert(key, nets.find(i));
    }
    out
}

/// "2k2" -> 2200, "3k3" -> 3300, "1k" -> 1000, "470" -> 470.
fn ohms(value: &str) -> f64 {
    let (mult, idx) = match value.find(['k', 'K', 'M', 'R']) {
        Some(i) if value.as_bytes()[i] == b'R' => (1.0, i),
        Some(i) if value.as_bytes()[i] == b'M' => (1e6, i),
        Some(i) => (1e3, i),
        None => {
            return value
                .parse()
                .unwrap_or_else(|_| panic!("resistor value {value}"))
        }
    };
    let whole = &value[..idx];
    let frac = &value[idx + 1..];
    let text = if frac.is_empty() {
        whole.to_string()
    } else {
        format!("{whole}.{frac}")
    };
    text.parse::<f64>()
        .unwrap_or_else(|_| panic!("resistor value {value}"))
        * mult
}

#[test]
fn file_is_kicad6_with_embedded_symbols() {
    let (_, tree) = load();
    assert_eq!(tree.head(), Some("kicad_sch"));
    assert_eq!(
        tree.child("version").map(|v| v.arg(1)),
        Some("20211123"),
        "KiCad 6 format"
    );
    assert_eq!(tree.child("generator").map(|v| v.arg(1)), Some("eeschema"));
    let s = sheet(&tree);
    assert!(
        s.pins.len() >= 20,
        "all symbols placed: {} pins",
        s.pins.len()
    );
    // symbol_instances must name every placed symbol, or eeschema re-annotates it.
    let placed: BTreeSet<String> = tree
        .children("symbol")
        .map(|i| format!("/{}", i.child("uuid").unwrap().arg(1)))
        .collect();
    let listed: BTreeSet<String> = tree
        .child("symbol_instances")
        .expect("symbol_instances")
        .children("path")
        .map(|p| p.arg(1).to_string())
        .collect();
    assert_eq!(placed, listed);
    assert!(tree.child("sheet_instances").is_some());
}

#[test]
fn no_wire_ends_in_the_air() {
    let (_, tree) = load();
    let s = sheet(&tree);
    let mut ends: Vec<Pt> = s.pins.iter().map(|p| p.at).collect();
    ends.extend(&s.junctions);
    ends.extend(s.labels.iter().map(|l| l.1));
    let mut dangling = Vec::new();
    for (i, &(a, b)) in s.wires.iter().enumerate() {
        assert_ne!(a, b, "zero-length wire");
        for e in [a, b] {
            let other_end = s
                .wires
                .iter()
                .enumerate()
                .any(|(j, w)| j != i && (w.0 == e || w.1 == e));
            if !other_end && !ends.contains(&e) {
                dangling.push((e.0 as f64 / 1e4, e.1 as f64 / 1e4));
            }
        }
    }
    assert!(
        dangling.is_empty(),
        "wire ends touching nothing at (mm): {dangling:?}"
    );
    for j in &s.junctions {
        let n = s
            .wires
            .iter()
            .filter(|&&(a, b)| on_segment(*j, a, b))
            .count();
        assert!(n >= 2, "junction at {j:?} joins {n} wire(s)");
    }
    for p in &s.pins {
        let wired = s.wires.iter().any(|&(a, b)| a == p.at || b == p.at);
        assert!(
            wired,
            "{}.{} ({}) is not wired",
            p.reference, p.number, p.name
        );
    }
}

#[test]
fn nets_are_the_ones_the_notes_describe() {
    let (_, tree) = load();
    let s = sheet(&tree);
    let n = netlist(&s);
    let net = |k: &str| {
        *n.get(k)
            .unwrap_or_else(|| panic!("no pin {k}; have {:?}", n.keys()))
    };
    let same = |a: &str, b: &str| net(a) == net(b);
    // Serial: the module's outputs drive the board's inputs and back.
    assert!(same("J1.TXD", "J2.RXD"), "module TXD must reach RC2014 RXD");
    assert!(
        same("J1.CTS", "J2.RTS") && same("J1.RTS", "J2.CTS"),
        "RTS/CTS crossed"
    );
    assert!(
        !same("J1.TXD", "J1.RXD") && !same("J2.TXD", "J2.RXD"),
        "TX and RX shorted"
    );
    assert!(
        !same("J2.TXD", "J1.RXD"),
        "RC2014 TXD reaches the module only through R1/JP2"
    );
    for k in ["J2.GND", "R2.2", "J3.S", "J4.S"] {
        assert!(same("J1.GND", k), "{k} not on the common ground");
    }
    // Board power only through JP1, never straight from the module.
    assert!(
        !same("J1.VCC", "J2.5V"),
        "module VCC wired straight to the RC2014 5 V rail"
    );
    let jp1: BTreeSet<usize> = [net("JP1.1"), net("JP1.2")].into();
    assert_eq!(
        jp1,
        [net("J1.VCC"), net("J2.5V")].into(),
        "JP1 bridges VCC_USB and +5V_RC"
    );
    // Level shift: R1 in series, JP2 bypass, R2 to ground.
    let across =
        |r: &str| -> BTreeSet<usize> { [net(&format!("{r}.1")), net(&format!("{r}.2"))].into() };
    let tx_pair: BTreeSet<usize> = [net("J2.TXD"), net("J1.RXD")].into();
    assert_eq!(
        across("R1"),
        tx_pair,
        "R1 between RC2014 TXD and module RXD"
    );
    assert_eq!(across("JP2"), tx_pair, "JP2 bypasses R1");
    assert_eq!(
        across("R2"),
        [net("J1.RXD"), net("J1.GND")].into(),
        "R2 from module RXD to GND"
    );
    let (r1, r2) = (ohms(&s.values["R1"]), ohms(&s.values["R2"]));
    let v_out = 5.0 * r2 / (r1 + r2);
    assert!(
        (2.4..=3.6).contains(&v_out),
        "divider gives {v_out:.2} V from 5 V: must be a valid 3.3 V logic high and not over 3.6 V"
    );
    assert!(
        r1 + r2 >= 1000.0,
        "divider loads the RC2014 TXD with {} ohm",
        r1 + r2
    );
    // Tape: both channels mixed through resistors into the mono tip.
    assert_eq!(
        across("R3"),
        [net("J3.T"), net("J4.T")].into(),
        "R3 from left channel to EAR tip"
    );
    assert_eq!(
        across("R4"),
        [net("J3.R"), net("J4.T")].into(),
        "R4 from right channel to EAR tip"
    );
    assert!(
        !same("J3.T", "J3.R") && !same("J3.R", "J3.S"),
        "a source channel is shorted"
    );
}

fn fnv1a64(data: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in data {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

#[test]
fn svg_is_rendered_from_this_schematic() {
    let dir = notes_dir().join("adapter");
    let sch = std::fs::read(dir.join("adapter.kicad_sch")).unwrap();
    let svg = std::fs::read_to_string(dir.join("adapter.svg")).expect("adapter.svg is committed");
    let want = format!("fnv1a64={}", fnv1a64(&sch));
    assert!(
        svg.lines().take(3).any(|l| l.contains(&want)),
        "adapter.svg is stale: re-render with `python3 kicad-notes/tools/render_sch.py \
         kicad-notes/adapter/adapter.kicad_sch kicad-notes/adapter/adapter.svg` (want {want})"
    );
    let python = hil::require!(testsupport::tool("python3", "Debian python3"));
    let out = std::env::temp_dir().join(format!("z80lm-adapter-{}.svg", std::process::id()));
    let status = Command::new(python)
        .arg(notes_dir().join("tools/render_sch.py"))
        .arg(dir.join("adapter.kicad_sch"))
        .arg(&out)
        .status()
        .expect("run render_sch.py");
    assert!(status.success(), "render_sch.py failed");
    let fresh = std::fs::read_to_string(&out).unwrap();
    let _ = std::fs::remove_file(&out);
    assert!(
        fresh == svg,
        "adapter.svg differs from a fresh render: re-render and commit it"
    );
}
