#!/usr/bin/env python3
"""Independent check of the z80lm Game Boy cartridge in PyBoy (PyPI `pyboy`).

Types one line on the on-screen keyboard using only its documentation (z80rom/asm/gb/README.md:
three pages of 4 x 10 keys, cursor starts top-left on page 0, each D-pad press moves one key and
wraps, Select cycles pages, A types, Start sends), waits, and prints the 18 text rows of the
screen as PyBoy shows them (window over the scrolled background), one per line.

With --cgb, PyBoy runs as a Game Boy Color (PyBoy(cgb=True)) and a last line "KEY1 0xNN" gives
the speed register as the program left it (bit 7: double speed).

With --ram IN, the cartridge RAM starts as the file IN (PyBoy's ram_file); with --save-ram OUT,
PyBoy writes the cartridge RAM to OUT when it stops (stop(ram_file=...)).

With --ask K LINE (repeatable, instead of LINE), the cartridge has several models behind the
start menu (README "Several models"): for each, the script moves the menu's '>' mark to model K
(1 = the first row) with Up/Down, presses A, types LINE, waits, prints the screen and a line
"----", then types "!" and Start to go back to the menu.

Usage: pyboy_chat.py [--cgb] [--ram IN] [--save-ram OUT] CHAT.gb "is it a chair"
       pyboy_chat.py CHAT.gb --ask 1 "is it a chair" --ask 2 "hello"
Exit status: 0 printed the screen, 3 PyBoy is not installed.
"""
import sys
import warnings

PAGES = [
    ["abcdefghij", "klmnopqrst", "uvwxyz .?!", "0123456789"],
    ["ABCDEFGHIJ", "KLMNOPQRST", "UVWXYZ .?!", "0123456789"],
    ["\"#$%&'()*+", ",-/:;<=>@[", "\\]^_`{|}~ ", "0123456789"],
]


def locate(ch, page):
    for p in (page, (page + 1) % 3, (page + 2) % 3):
        for r, row in enumerate(PAGES[p]):
            if ch in row:
                return p, r, row.index(ch)
    raise ValueError(f"{ch!r} is not on the keyboard")


def ring(frm, to, n, fwd, back):
    d = (to - frm) % n
    return [fwd] * d if d <= n - d else [back] * (n - d)


def presses(line, at=(0, 0, 0)):
    """The presses that type `line` and send it, from the keyboard state `at` (page, row,
    column; the cursor starts top-left on page 0); returns them and the state after."""
    (page, row, col), out = at, []
    for ch in line:
        p, r, c = locate(ch, page)
        while page != p:
            out.append("select")
            page = (page + 1) % 3
        out += ring(row, r, 4, "down", "up") + ring(col, c, 10, "right", "left") + ["a"]
        row, col = r, c
    return out + ["start"], (page, row, col)


def tile_char(t):
    if 0x20 <= t <= 0x7E:
        return chr(t)
    if t in (0x7F, 0xFF):
        return " "
    if 0xA0 <= t <= 0xFE:
        return chr(t - 0x80)
    return "?"


def screen_rows(pyboy):
    m = pyboy.memory
    lcdc, scy, scx, wy, wx = m[0xFF40], m[0xFF42], m[0xFF43], m[0xFF4A], m[0xFF4B]
    rows = []
    for r in range(18):
        s = ""
        for c in range(20):
            x, y = c * 8, r * 8
            if lcdc & 0x20 and y >= wy and x + 7 >= wx:
                base = 0x9C00 if lcdc & 0x40 else 0x9800
                my, mx = (y - wy) // 8, (x + 7 - wx) // 8
            else:
                base = 0x9C00 if lcdc & 0x08 else 0x9800
                my, mx = ((y + scy) % 256) // 8, ((x + scx) % 256) // 8
            s += tile_char(m[base + (my % 32) * 32 + mx % 32])
        rows.append(s)
    return rows


def press_all(pyboy, buttons):
    for b in buttons:
        pyboy.button_press(b)
        pyboy.tick(3, False)
        pyboy.button_release(b)
        pyboy.tick(3, False)


MENU_ROW0 = 3  # screen row of the first model in the start menu


def choose(pyboy, k):
    rows = screen_rows(pyboy)
    marked = [r for r in range(MENU_ROW0, 18) if rows[r].startswith(">")]
    if rows[0].rstrip() != "z80lm: pick a model" or len(marked) != 1:
        raise RuntimeError("no start menu on the screen:\n" + "\n".join(rows))
    at = marked[0] - MENU_ROW0 + 1
    press_all(pyboy, (["down"] * (k - at) if k >= at else ["up"] * (at - k)) + ["a"])
    pyboy.tick(60, False)


def main():
    args = sys.argv[1:]
    cgb, ram_in, ram_out = False, None, None
    while args and args[0].startswith("--"):
        if args[0] == "--cgb":
            cgb, args = True, args[1:]
        elif args[0] == "--ram":
            ram_in, args = args[1], args[2:]
        elif args[0] == "--save-ram":
            ram_out, args = args[1], args[2:]
        else:
            print(f"unknown option {args[0]}", file=sys.stderr)
            return 2
    rom, asks = args[0], []
    if len(args) > 2 and args[1] == "--ask":
        rest = args[1:]
        while rest:
            if rest[0] != "--ask" or len(rest) < 3:
                print("expected --ask K LINE", file=sys.stderr)
                return 2
            asks.append((int(rest[1]), rest[2]))
            rest = rest[3:]
    else:
        line = args[1]
    warnings.simplefilter("ignore")
    try:
        from pyboy import PyBoy
    except ImportError:
        print("pyboy is not installed", file=sys.stderr)
        return 3
    import io

    ram = io.BytesIO(open(ram_in, "rb").read()) if ram_in else io.BytesIO()
    pyboy = PyBoy(rom, window="null", sound_emulated=False, cgb=cgb, ram_file=ram if ram_in else None)
    pyboy.set_emulation_speed(0)
    pyboy.tick(300, False)  # PyBoy's boot animation (~64 frames), then our LCD set-up
    if asks:
        # The on-screen keyboard keeps its page and cursor from line to line.
        kb = (0, 0, 0)
        for k, line in asks:
            choose(pyboy, k)
            keys, kb = presses(line, kb)
            press_all(pyboy, keys)
            pyboy.tick(600, False)
            print("\n".join(screen_rows(pyboy)))
            print("----")
            keys, kb = presses("!", kb)
            press_all(pyboy, keys)
            pyboy.tick(60, False)
    else:
        press_all(pyboy, presses(line)[0])
        pyboy.tick(600, False)  # the answer: about 0.2 s of DMG time per generated byte
        print("\n".join(screen_rows(pyboy)))
    if cgb:
        print(f"KEY1 0x{pyboy.memory[0xFF4D]:02X}")
    if ram_out:
        out = io.BytesIO()
        pyboy.stop(save=True, ram_file=out)
        with open(ram_out, "wb") as f:
            f.write(out.getvalue())
    else:
        pyboy.stop(save=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
