"""Chat with a ZX Spectrum 48K snapshot (.z80 or .sna) in SkoolKit's Z80 simulator.

usage: zx_snap_chat.py SNAPSHOT CON_IN CON_OUT QUESTION

SkoolKit reads the snapshot (its own reader; the 48K ROM comes from SkoolKit) and runs it in
its simulator (the C one when built). The keyboard is ours: a tracer answers the ULA port
0xFE reads with the matrix of the key being held (rows picked by the port's high byte, a
pressed key reads 0). Each character of QUESTION and then ENTER is held until the program
echoes it through CON_OUT, then released for 10 ms (the chat driver debounces for 5).
Everything the program passes to CON_OUT after the prompt is collected until the next prompt
("\\r\\n> "); the screen is then read back as text by matching each 8x8 cell against the ROM
font. Prints the bytes collected in hex on one line, then the 24 screen rows.
"""

import sys

from skoolkit import CSimulator
from skoolkit.simulator import Simulator
from skoolkit.simutils import from_snapshot
from skoolkit.snapshot import Snapshot

# Half-row (address line A8..A15 held low) and bit of each key, ZX Spectrum manual ch. 23.
ROWS = ['\x01zxcv', 'asdfg', 'qwert', '12345', '09876', 'poiuy', '\nlkjh', ' \x02mnb']
KEYS = {}
for row, keys in enumerate(ROWS):
    for bit, k in enumerate(keys):
        KEYS[k] = (row, bit)
CAPS, SYM = KEYS['\x01'], KEYS['\x02']
SYMBOLS = {'?': 'c', '!': '1', ',': 'n', '.': 'm', "'": '7', '-': 'j', ':': 'z', ';': 'o',
           '"': 'p', '+': 'k', '=': 'l', '/': 'v', '*': 'b', '(': '8', ')': '9'}

def keys_for(c):
    if c in KEYS:
        return [KEYS[c]]
    if c.isalpha() and c.lower() in KEYS:
        return [CAPS, KEYS[c.lower()]]
    if c in SYMBOLS:
        return [SYM, KEYS[SYMBOLS[c]]]
    raise SystemExit(f'no key for {c!r}')

class Keyboard:
    def __init__(self):
        self.held = []

    def read_port(self, registers, port):
        if port & 1:
            return 0xFF
        value = 0xFF
        for row, bit in self.held:
            if not (port >> 8) & (1 << row):
                value &= ~(1 << bit)
        return value & 0xBF | 0xA0

def main():
    path, con_in, con_out, question = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    snapshot = Snapshot.get(path)
    sim = from_snapshot(CSimulator or Simulator, snapshot)
    kb = Keyboard()
    sim.set_tracer(kb)
    regs = sim.registers
    out = []

    def to_out():
        sim.run(stop=con_out)
        return regs[0]  # A

    def run_for(t):
        end = regs[25] + t
        while regs[25] < end:
            sim.run()

    def until(suffix, limit):
        got = []
        while not bytes(got).endswith(suffix):
            got.append(to_out())
            if len(got) > limit:
                raise SystemExit(f'no {suffix!r} in {bytes(got)!r}')
        return got

    until(b'> ', 200)  # the engine clears the screen and prompts
    for c in question + '\n':
        kb.held = keys_for(c)
        out.append(to_out())
        kb.held = []
        if c != '\n':
            run_for(35000)
    out.extend(until(b'\r\n> ', 2000))
    mem = sim.memory
    font = [bytes(mem[0x3D00 + 8 * i:0x3D08 + 8 * i]) for i in range(96)]
    screen = []
    for row in range(24):
        line = ''
        for col in range(32):
            base = 0x4000 + (row // 8) * 0x800 + (row % 8) * 32 + col
            cell = bytes(mem[base + 256 * k] for k in range(8))
            line += chr(32 + font.index(cell)) if cell in font else '?'
        screen.append(line.rstrip())
    print(bytes(out).hex())
    print('\n'.join(screen))

main()
