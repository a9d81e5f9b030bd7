#!/usr/bin/env python3
"""Trace Z80 instructions on the independent core of the PyPI `z80` package
(kosarev/z80), for boards/tests/z80_crosscheck.rs.

Protocol (stdin, one command per line, numbers in hex):
  case AF BC DE HL AF' BC' DE' HL' IX IY SP PC IR WZ IFF1 IFF2 IM
      start a case: memory is reset to the shared base pattern, then the
      registers are set
  mem ADDR BYTES        patch memory (BYTES is a hex string)
  run N                 execute N instructions, print one line per instruction
  end                   stop

Output per instruction (stdout):
  AF BC DE HL AF' BC' DE' HL' IX IY SP PC IR WZ IFF1 IFF2 IM HALT T [w ADDR:VAL]... [o PORT:VAL]...
A case stops early after an instruction that halts the CPU.

The base memory pattern is an LCG (x = x * 1103515245 + 12345 mod 2^32,
byte = (x >> 16) & 0xff, starting from x = 1) with every 0x76 (HALT)
replaced by 0x00; IN returns (port_lo ^ port_hi ^ 0x5a). The Rust side uses
the same definitions.

Exit status 3 with a message if the `z80` module is not installed.
"""

import sys

try:
    import z80
except ImportError:
    print("SKIP: python module z80 not installed (pip install z80)", file=sys.stderr)
    sys.exit(3)

TICKS_PER_FRAME = 100 * 1000  # kosarev/z80 _z80module.cpp


def base_memory():
    x = 1
    mem = bytearray(0x10000)
    for i in range(0x10000):
        x = (x * 1103515245 + 12345) & 0xFFFFFFFF
        b = (x >> 16) & 0xFF
        mem[i] = 0 if b == 0x76 else b
    return bytes(mem)


def main():
    base = base_memory()
    m = z80.Z80Machine()
    events = []

    def on_write(addr, val):
        m.memory[addr] = val
        events.append("w %04x:%02x" % (addr, val))

    def on_input(port):
        return (port ^ (port >> 8) ^ 0x5A) & 0xFF

    def on_output(port, val):
        events.append("o %04x:%02x" % (port, val))

    m.set_write_callback(on_write)
    m.mark_addrs(0, 0x10000, m.WRITE_MARK)
    m.set_input_callback(on_input)
    m.set_output_callback(on_output)

    out = sys.stdout
    for line in sys.stdin:
        parts = line.split()
        if not parts:
            continue
        cmd = parts[0]
        if cmd == "end":
            break
        if cmd == "case":
            v = [int(p, 16) for p in parts[1:]]
            m.set_memory_block(0, base)
            (m.af, m.bc, m.de, m.hl, m.alt_af, m.alt_bc, m.alt_de, m.alt_hl,
             m.ix, m.iy, m.sp, m.pc, m.ir) = v[:13]
            m._StateBase__wz[:] = v[13].to_bytes(2, "little")
            m.iff1, m.iff2 = v[14], v[15]
            m._Z80State__int_mode[0] = v[16]
            m.halted = 0
        elif cmd == "mem":
            addr = int(parts[1], 16)
            m.set_memory_block(addr, bytes.fromhex(parts[2]))
        elif cmd == "run":
            for _ in range(int(parts[1], 16)):
                events.clear()
                t0 = m.frame_tick
                while True:
                    m.ticks_to_stop = 1
                    m.run()
                    if m.index_rp_kind is z80.HL:
                        break
                t = (m.frame_tick - t0) % TICKS_PER_FRAME
                wz = int.from_bytes(m._StateBase__wz, "little")
                regs = (m.af, m.bc, m.de, m.hl, m.alt_af, m.alt_bc, m.alt_de,
                        m.alt_hl, m.ix, m.iy, m.sp, m.pc, m.ir, wz)
                s = " ".join("%04x" % r for r in regs)
                s += " %d %d %d %d %d" % (m.iff1, m.iff2,
                                          m._Z80State__int_mode[0],
                                          m.halted, t)
                if events:
                    s += " " + " ".join(events)
                out.write(s + "\n")
                if m.halted:
                    break
            out.write("done\n")
            out.flush()


if __name__ == "__main__":
    main()
