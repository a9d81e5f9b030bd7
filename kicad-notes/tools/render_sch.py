#!/usr/bin/env python3
"""Render a KiCad 6 schematic (.kicad_sch, format version 20211123) to SVG.

KiCad 6 as shipped by Debian bookworm has no `kicad-cli`, and plotting from
eeschema needs a display, so this small renderer draws the parts of the file
that our adapter schematic uses, straight from the file:

* the embedded `lib_symbols` graphics (rectangle, circle, polyline, arc, text)
  and pins (line, name, number) of every placed symbol;
* visible symbol fields (Reference, Value);
* wires, junctions, local labels and free text;
* the page frame and the title block text.

Placed symbols must have rotation 0 and no mirror (the test in
tests/tests/kicad_schematic.rs checks the same rule), because that is all the
adapter needs and it keeps the coordinate transform obvious:
screen = (X + x, Y - y) for a symbol at (X, Y) and a library point (x, y)
(library Y grows upwards, schematic Y grows downwards).

The output is deterministic.  Its first comment records the FNV-1a 64-bit hash
of the schematic bytes, so a test can tell a stale SVG from a fresh one without
re-rendering:  <!-- source: adapter.kicad_sch fnv1a64=0123456789abcdef -->

Usage:  python3 render_sch.py IN.kicad_sch OUT.svg
"""

import os
import sys

SCALE = 4.0  # SVG user units per millimetre
PAPER = {"A4": (297.0, 210.0), "A3": (420.0, 297.0)}
COL_BODY = "#840000"
COL_FILL = "#ffffc2"
COL_WIRE = "#008400"
COL_TEXT = "#000084"
COL_FIELD = "#006464"
COL_FRAME = "#840000"


def fnv1a64(data):
    h = 0xCBF29CE484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h


# ----------------------------------------------------------------- s-expr --
def parse_sexpr(text):
    """Parse one s-expression into nested lists of str (quoted strings keep
    no quotes; they are wrapped in Str so they are told apart from atoms)."""
    pos = 0
    n = len(text)
    stack = [[]]
    while pos < n:
        c = text[pos]
        if c in " \t\r\n":
            pos += 1
        elif c == "(":
            stack.append([])
            pos += 1
        elif c == ")":
            if len(stack) < 2:
                raise ValueError("unbalanced ')' at byte %d" % pos)
            done = stack.pop()
            stack[-1].append(done)
            pos += 1
        elif c == '"':
            pos += 1
            out = []
            while True:
                if pos >= n:
                    raise ValueError("unterminated string")
                c = text[pos]
                if c == "\\" and pos + 1 < n:
                    out.append(text[pos + 1])
                    pos += 2
                elif c == '"':
                    pos += 1
                    break
                else:
                    out.append(c)
                    pos += 1
            stack[-1].append(Str("".join(out)))
        else:
            start = pos
            while pos < n and text[pos] not in ' \t\r\n()"':
                pos += 1
            stack[-1].append(text[start:pos])
    if len(stack) != 1 or len(stack[0]) != 1:
        raise ValueError("expected exactly one top-level list")
    return stack[0][0]


class Str(str):
    """A quoted string from the file."""


def head(node):
    return node[0] if isinstance(node, list) and node else None


def children(node, name):
    return [c for c in node[1:] if isinstance(c, list) and head(c) == name]


def child(node, name):
    found = children(node, name)
    return found[0] if found else None


def num(x):
    return float(x)


def is_hidden(node):
    eff = child(node, "effects")
    return eff is not None and "hide" in eff[1:]


def font_size(node, default=1.27):
    eff = child(node, "effects")
    if eff is None:
        return default
    font = child(eff, "font")
    if font is None:
        return default
    size = child(font, "size")
    return num(size[1]) if size else default


def justify(node):
    eff = child(node, "effects")
    if eff is None:
        return []
    j = child(eff, "justify")
    return [str(x) for x in j[1:]] if j else []


# --------------------------------------------------------------------- svg --
def f(v):
    s = "%.3f" % (v * SCALE)
    s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def svg_text(out, x, y, s, size, color, anchor="start", rotate=0, baseline="auto"):
    attrs = 'x="%s" y="%s" font-size="%s" fill="%s" text-anchor="%s"' % (
        f(x), f(y), f(size * 1.25), color, anchor)
    if baseline != "auto":
        attrs += ' dominant-baseline="%s"' % baseline
    if rotate:
        attrs += ' transform="rotate(%d %s %s)"' % (rotate, f(x), f(y))
    out.append("<text %s>%s</text>" % (attrs, esc(s)))


def anchor_of(just):
    if "left" in just:
        return "start"
    if "right" in just:
        return "end"
    return "middle"


def baseline_of(just):
    if "bottom" in just:
        return "auto"
    if "top" in just:
        return "hanging"
    return "central"


DIRS = {0: (1.0, 0.0), 90: (0.0, 1.0), 180: (-1.0, 0.0), 270: (0.0, -1.0)}


def draw_symbol(out, inst, lib):
    at = child(inst, "at")
    X, Y = num(at[1]), num(at[2])
    rot = int(float(at[3])) if len(at) > 3 else 0
    if rot != 0 or child(inst, "mirror") is not None:
        raise SystemExit("render_sch.py: only unrotated, unmirrored symbols are supported")
    unit = int(child(inst, "unit")[1]) if child(inst, "unit") else 1

    def P(x, y):
        return X + num(x), Y - num(y)

    names_hidden = False
    name_offset = 0.508
    pn = child(lib, "pin_names")
    if pn is not None:
        names_hidden = "hide" in pn[1:]
        off = child(pn, "offset")
        if off:
            name_offset = num(off[1])
    numbers_hidden = child(lib, "pin_numbers") is not None and "hide" in child(lib, "pin_numbers")[1:]

    for sub in children(lib, "symbol"):
        parts = str(sub[1]).rsplit("_", 2)
        sub_unit = int(parts[-2])
        if sub_unit not in (0, unit):
            continue
        for g in sub[2:]:
            if not isinstance(g, list):
                continue
            kind = head(g)
            fill = child(g, "fill")
            filled = fill is not None and child(fill, "type") is not None and str(child(fill, "type")[1]) in ("background", "outline")
            fillc = COL_FILL if filled else "none"
            if kind == "rectangle":
                x1, y1 = P(*child(g, "start")[1:3])
                x2, y2 = P(*child(g, "end")[1:3])
                out.append('<rect x="%s" y="%s" width="%s" height="%s" fill="%s" stroke="%s" stroke-width="%s"/>' % (
                    f(min(x1, x2)), f(min(y1, y2)), f(abs(x2 - x1)), f(abs(y2 - y1)), fillc, COL_BODY, f(0.254)))
            elif kind == "circle":
                cx, cy = P(*child(g, "center")[1:3])
                r = num(child(g, "radius")[1])
                out.append('<circle cx="%s" cy="%s" r="%s" fill="%s" stroke="%s" stroke-width="%s"/>' % (
                    f(cx), f(cy), f(r), fillc, COL_BODY, f(0.254)))
            elif kind == "polyline":
                pts = [P(p[1], p[2]) for p in child(g, "pts")[1:]]
                out.append('<polyline points="%s" fill="%s" stroke="%s" stroke-width="%s"/>' % (
                    " ".join("%s,%s" % (f(a), f(b)) for a, b in pts), fillc, COL_BODY, f(0.254)))
            elif kind == "arc":
                sx, sy = P(*child(g, "start")[1:3])
                mx, my = P(*child(g, "mid")[1:3])
                ex, ey = P(*child(g, "end")[1:3])
                out.append('<polyline points="%s,%s %s,%s %s,%s" fill="none" stroke="%s" stroke-width="%s"/>' % (
                    f(sx), f(sy), f(mx), f(my), f(ex), f(ey), COL_BODY, f(0.254)))
            elif kind == "text":
                tat = child(g, "at")
                tx, ty = P(tat[1], tat[2])
                svg_text(out, tx, ty, str(g[1]), font_size(g), COL_BODY, "middle", 0, "central")
            elif kind == "pin":
                pat = child(g, "at")
                px, py = num(pat[1]), num(pat[2])
                ang = int(float(pat[3])) if len(pat) > 3 else 0
                length = num(child(g, "length")[1])
                dx, dy = DIRS[ang % 360]
                x0, y0 = P(px, py)
                x1, y1 = P(px + dx * length, py + dy * length)
                out.append('<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="%s"/>' % (
                    f(x0), f(y0), f(x1), f(y1), COL_BODY, f(0.1524)))
                out.append('<circle cx="%s" cy="%s" r="%s" fill="none" stroke="%s" stroke-width="%s"/>' % (
                    f(x0), f(y0), f(0.3), COL_BODY, f(0.05)))
                name = str(child(g, "name")[1])
                number = str(child(g, "number")[1])
                sdx, sdy = dx, -dy  # direction on screen
                if not names_hidden and name != "~" and not is_hidden(child(g, "name")):
                    nx, ny = x1 + sdx * name_offset, y1 + sdy * name_offset
                    if sdy == 0:
                        svg_text(out, nx, ny, name, font_size(child(g, "name")), COL_FIELD,
                                 "start" if sdx > 0 else "end", 0, "central")
                    else:
                        svg_text(out, nx, ny, name, font_size(child(g, "name")), COL_FIELD,
                                 "start" if sdy > 0 else "end", 90, "central")
                if not numbers_hidden and not is_hidden(child(g, "number")):
                    mx, my = (x0 + x1) / 2, (y0 + y1) / 2
                    if sdy == 0:
                        svg_text(out, mx, my - 0.4, number, font_size(child(g, "number")), COL_BODY, "middle")
                    else:
                        svg_text(out, mx - 0.4, my, number, font_size(child(g, "number")), COL_BODY, "middle", -90)

    for prop in children(inst, "property"):
        if is_hidden(prop) or str(prop[2]) == "":
            continue
        pat = child(prop, "at")
        just = justify(prop)
        svg_text(out, num(pat[1]), num(pat[2]), str(prop[2]), font_size(prop), COL_FIELD,
                 anchor_of(just), 0, baseline_of(just) if just else "central")


def render(src_path, dst_path):
    raw = open(src_path, "rb").read()
    tree = parse_sexpr(raw.decode("utf-8"))
    if head(tree) != "kicad_sch":
        raise SystemExit("render_sch.py: %s is not a kicad_sch file" % src_path)
    paper = str(child(tree, "paper")[1]) if child(tree, "paper") else "A4"
    W, H = PAPER.get(paper, PAPER["A4"])
    libs = {str(s[1]): s for s in children(child(tree, "lib_symbols"), "symbol")}

    out = []
    out.append('<svg xmlns="http://www.w3.org/2000/svg" width="%s" height="%s" viewBox="0 0 %s %s" '
               'font-family="DejaVu Sans Mono, monospace">' % (f(W), f(H), f(W), f(H)))
    out.append('<rect x="0" y="0" width="%s" height="%s" fill="#ffffff"/>' % (f(W), f(H)))
    out.append('<rect x="%s" y="%s" width="%s" height="%s" fill="none" stroke="%s" stroke-width="%s"/>' % (
        f(10), f(10), f(W - 20), f(H - 20), COL_FRAME, f(0.254)))

    tb = child(tree, "title_block")
    if tb is not None:
        bx, by = W - 110.0, H - 10.0 - 24.0
        out.append('<rect x="%s" y="%s" width="%s" height="%s" fill="none" stroke="%s" stroke-width="%s"/>' % (
            f(bx), f(by), f(100), f(24), COL_FRAME, f(0.254)))
        lines = []
        for key in ("title", "company", "rev", "date"):
            node = child(tb, key)
            if node is not None:
                lines.append("%s: %s" % (key.capitalize(), node[1]))
        for c in children(tb, "comment"):
            lines.append(str(c[2]))
        for i, line in enumerate(lines):
            svg_text(out, bx + 2, by + 5 + i * 4.2, line, 1.27 if i else 1.6, COL_FRAME)

    for w in children(tree, "wire"):
        pts = child(w, "pts")[1:]
        (x1, y1), (x2, y2) = [(num(p[1]), num(p[2])) for p in pts]
        out.append('<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="%s" stroke-linecap="round"/>' % (
            f(x1), f(y1), f(x2), f(y2), COL_WIRE, f(0.1524)))
    for j in children(tree, "junction"):
        at = child(j, "at")
        out.append('<circle cx="%s" cy="%s" r="%s" fill="%s"/>' % (f(num(at[1])), f(num(at[2])), f(0.5), COL_WIRE))
    for inst in children(tree, "symbol"):
        lib_id = str(child(inst, "lib_id")[1])
        if lib_id not in libs:
            raise SystemExit("render_sch.py: symbol %s has no embedded lib_symbol" % lib_id)
        draw_symbol(out, inst, libs[lib_id])
    for lab in children(tree, "label"):
        at = child(lab, "at")
        x, y, ang = num(at[1]), num(at[2]), int(float(at[3]))
        anchor = "end" if ang in (180, 270) else "start"
        rot = -90 if ang in (90, 270) else 0
        dy = -0.3 if rot == 0 else 0
        svg_text(out, x, y + dy, str(lab[1]), font_size(lab), "#000000", anchor, rot)
    for t in children(tree, "text"):
        at = child(t, "at")
        just = justify(t)
        for i, line in enumerate(str(t[1]).split("\n")):
            svg_text(out, num(at[1]), num(at[2]) + i * font_size(t) * 1.6, line, font_size(t), COL_TEXT,
                     anchor_of(just) if just else "start")
    out.append("</svg>")

    name = os.path.basename(src_path)
    header = ('<?xml version="1.0" encoding="UTF-8"?>\n'
              "<!-- source: %s fnv1a64=%s -->\n"
              "<!-- generated by kicad-notes/tools/render_sch.py from the schematic; do not edit -->\n"
              % (name, fnv1a64(raw)))
    with open(dst_path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(header + "\n".join(out) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.stderr.write("usage: render_sch.py IN.kicad_sch OUT.svg\n")
        sys.exit(2)
    render(sys.argv[1], sys.argv[2])
