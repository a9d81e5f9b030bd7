#!/usr/bin/env python3
"""Run a CP/M .COM under the PyPI `cpm80` package -- the real Digital
Research CP/M 2.2 BDOS and CCP on kosarev's exact Z80 core -- typing the
given console lines, and print the console output.

usage: cpm80_run.py [--tail TEXT] [--ticks] FILE.COM [LINE...]

The program is put on drive A: under its own name and started from the CCP
as `NAME TAIL`. Each LINE is typed followed by CR (what a terminal sends).
When the program waits for a key after the last line, the run ends.

Output: the console bytes written after the CCP command line, on stdout,
as they are (CR LF included). With --ticks, instead one line per output
byte: `<T-state> <byte hex>`, T-states counted from the start of the
program's command line (via the core's ticks_to_stop countdown).

Exit status 3 with a message if `cpm80` is not installed; 2 on bad usage.
"""

import os
import sys

try:
    import cpm80
except ImportError:
    print("SKIP: python module cpm80 not installed (pip install cpm80)", file=sys.stderr)
    sys.exit(3)

TICKS_START = 0xFFFFFFFF


class Keyboard:
    """Types the command line and the lines, each ending with CR, one key
    per BIOS CONIN; never reports a key waiting (no type-ahead)."""

    def __init__(self, lines):
        self.data = "".join(line + "\r" for line in lines).encode("latin-1")
        self.i = 0
        self.started = False

    def input(self):
        if self.i >= len(self.data):
            return None
        c = self.data[self.i]
        self.i += 1
        return c

    def ready(self):
        return False


class Display:
    def __init__(self):
        self.out = []
        self.machine = None
        self.base = 0

    def ticks(self):
        m = self.machine
        used = TICKS_START - m.ticks_to_stop
        if m.ticks_to_stop < (1 << 31):
            self.base += used
            m.ticks_to_stop = TICKS_START
            used = 0
        return self.base + used

    def output(self, c):
        t = self.ticks() if self.machine is not None else 0
        self.out.append((t, c))


def main(argv):
    tail = ""
    ticks = False
    args = list(argv)
    while args and args[0].startswith("--"):
        opt = args.pop(0)
        if opt == "--tail" and args:
            tail = args.pop(0)
        elif opt == "--ticks":
            ticks = True
        else:
            print(__doc__, file=sys.stderr)
            return 2
    if not args:
        print(__doc__, file=sys.stderr)
        return 2
    path, lines = args[0], args[1:]
    with open(path, "rb") as f:
        image = f.read()
    name = os.path.splitext(os.path.basename(path))[0].upper()
    command = (name + " " + tail).strip()

    keyboard = Keyboard([command] + lines)
    display = Display()
    m = cpm80.Z80CPMMachine(drives=[cpm80.DiskDrive()],
                            console_reader=keyboard, console_writer=display)
    m.make_file(name + ".COM")
    m.write_file(image)
    m.close_file()
    # Start counting from here: the CCP is at its prompt.
    display.out.clear()
    display.machine = m
    m.ticks_to_stop = TICKS_START
    m.run()

    # Drop the echo of the command line up to its CR (the CCP prompt and
    # the command typed): the program's output starts after it.
    out = display.out
    echo = (command + "\r").encode("latin-1")
    raw = bytes(c for _, c in out)
    at = raw.find(echo)
    if at >= 0:
        out = out[at + len(echo):]
    if ticks:
        for t, c in out:
            sys.stdout.write("%d %02x\n" % (t, c))
    else:
        sys.stdout.buffer.write(bytes(c for _, c in out))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
