//! Exact-T-state Zilog Z80 core.
//!
//! Follows the Zilog Z80 CPU User Manual (UM0080) for instruction timing and
//! documented flags, and "The Undocumented Z80 Documented" (Sean Young, v0.91)
//! for undocumented opcodes, the X/Y flag bits (bits 3 and 5 of F), MEMPTR
//! (WZ) and the R register.
//!
//! The CPU sees memory and I/O only through [`Bus`]. [`Z80::step`] executes
//! one whole instruction, prefixes included, and returns its T-states. The
//! instruction families live in separate files: `alu` (arithmetic and flag
//! helpers), `ops_main` (unprefixed opcodes), `ops_index` (DD/FD), `ops_cb`
//! (CB, DDCB, FDCB) and `ops_ed` (ED).

mod alu;
mod ops_cb;
mod ops_ed;
mod ops_index;
mod ops_main;

/// Carry flag (bit 0 of F).
pub const FLAG_C: u8 = 0x01;
/// Add/subtract flag.
pub const FLAG_N: u8 = 0x02;
/// Parity/overflow flag.
pub const FLAG_PV: u8 = 0x04;
/// Undocumented copy of bit 3 of a result.
pub const FLAG_X: u8 = 0x08;
/// Half-carry flag.
pub const FLAG_H: u8 = 0x10;
/// Undocumented copy of bit 5 of a result.
pub const FLAG_Y: u8 = 0x20;
/// Zero flag.
pub const FLAG_Z: u8 = 0x40;
/// Sign flag.
pub const FLAG_S: u8 = 0x80;

/// What the CPU is wired to: memory and the I/O space.
///
/// The core charges T-states itself (the standard Z80 timing with no wait
/// states), so a bus only has to move bytes. A bus that can hold the CPU
/// (the ZX Spectrum's ULA, which stops the clock while it reads the screen)
/// sets [`Bus::WAITS`]; the core then asks it at the first T-state of every
/// machine cycle how long to wait, with the address on the bus at that moment.
pub trait Bus {
    /// True when [`Bus::wait`] and [`Bus::io_time`] can add T-states. When
    /// false (the default) the core never calls them and every instruction
    /// takes its fixed time, at no cost.
    const WAITS: bool = false;
    /// Wait states before a machine cycle that starts at absolute T-state `t`
    /// (the [`Z80::cycles`] scale) with `addr` on the address bus: every
    /// opcode fetch, memory read and write, and each T-state of the internal
    /// cycles, for which the CPU leaves an address on the bus (IR, HL, PC, ...
    /// as "The Undocumented Z80 Documented" and the Fuse core give them).
    fn wait(&mut self, _addr: u16, _t: u64) -> u32 {
        0
    }
    /// Wait states before an opcode fetch (M1) cycle: as [`Bus::wait`] unless the board adds
    /// its own (the MSX inserts one wait state in every M1 cycle).
    fn wait_m1(&mut self, addr: u16, t: u64) -> u32 {
        self.wait(addr, t)
    }
    /// Wait states of `n` internal T-states in a row with `addr` on the bus,
    /// the first at `t` (each one waits as [`Bus::wait`] says, then takes 1).
    fn wait_internal(&mut self, addr: u16, t: u64, n: u32) -> u32 {
        let mut now = t;
        for _ in 0..n {
            now += u64::from(self.wait(addr, now)) + 1;
        }
        (now - t) as u32 - n
    }
    /// Length in T-states (4 with no waits) of an I/O cycle to `port` that
    /// starts at absolute T-state `t`.
    fn io_time(&mut self, _port: u16, _t: u64) -> u32 {
        4
    }
    /// Any memory read: opcode fetch, operand or data.
    fn read(&mut self, addr: u16) -> u8;
    /// A memory write.
    fn write(&mut self, addr: u16, value: u8);
    /// `IN`: the full 16-bit port address (B or A on the high byte, as the
    /// real CPU drives it).
    fn input(&mut self, port: u16) -> u8;
    /// `OUT`: the full 16-bit port address.
    fn output(&mut self, port: u16, value: u8);
}

/// Z80 registers and the few internal latches that affect behaviour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Z80 {
    pub a: u8,
    pub f: u8,
    pub b: u8,
    pub c: u8,
    pub d: u8,
    pub e: u8,
    pub h: u8,
    pub l: u8,
    /// Alternate AF' (A' in the high byte).
    pub af_alt: u16,
    /// Alternate BC'.
    pub bc_alt: u16,
    /// Alternate DE'.
    pub de_alt: u16,
    /// Alternate HL'.
    pub hl_alt: u16,
    pub ix: u16,
    pub iy: u16,
    pub sp: u16,
    pub pc: u16,
    pub i: u8,
    /// Refresh register: the low 7 bits count opcode fetches, bit 7 only
    /// changes through `LD R,A`.
    pub r: u8,
    pub iff1: bool,
    pub iff2: bool,
    /// Interrupt mode 0, 1 or 2.
    pub im: u8,
    /// Set by `HALT`; cleared by an accepted interrupt or NMI. While set,
    /// `step` executes internal NOPs (4 T-states each) and `pc` already
    /// points past the `HALT`.
    pub halted: bool,
    /// Internal MEMPTR register (WZ); leaks into X/Y of `BIT n,(HL)`.
    pub wz: u16,
    /// Total T-states executed since power-on.
    pub cycles: u64,
    /// True right after `EI`: no maskable interrupt may be accepted before
    /// the next instruction. (DD/FD prefix chains run inside one `step`, so
    /// no interrupt can land between a prefix and its opcode.)
    pub ei_delay: bool,
    /// On a bus with [`Bus::WAITS`]: the T-state at which the next machine
    /// cycle of the current instruction starts, and the wait states so far.
    bus_t: u64,
    waits: u32,
}

impl Default for Z80 {
    fn default() -> Self {
        Self::new()
    }
}

macro_rules! pair {
    ($get:ident, $set:ident, $hi:ident, $lo:ident) => {
        #[doc = concat!("Register pair ", stringify!($hi), stringify!($lo), ".")]
        #[inline(always)]
        pub fn $get(&self) -> u16 {
            u16::from_le_bytes([self.$lo, self.$hi])
        }
        #[doc = concat!("Set register pair ", stringify!($hi), stringify!($lo), ".")]
        #[inline(always)]
        pub fn $set(&mut self, v: u16) {
            let [lo, hi] = v.to_le_bytes();
            self.$lo = lo;
            self.$hi = hi;
        }
    };
}

impl Z80 {
    /// Power-on state: PC = 0, interrupts disabled, IM 0, AF and SP = 0xFFFF
    /// (what real parts show after reset), other registers 0.
    pub fn new() -> Self {
        Z80 {
            a: 0xff,
            f: 0xff,
            b: 0,
            c: 0,
            d: 0,
            e: 0,
            h: 0,
            l: 0,
            af_alt: 0xffff,
            bc_alt: 0,
            de_alt: 0,
            hl_alt: 0,
            ix: 0,
            iy: 0,
            sp: 0xffff,
            pc: 0,
            i: 0,
            r: 0,
            iff1: false,
            iff2: false,
            im: 0,
            halted: false,
            wz: 0,
            cycles: 0,
            ei_delay: false,
            bus_t: 0,
            waits: 0,
        }
    }

    pair!(af, set_af, a, f);
    pair!(bc, set_bc, b, c);
    pair!(de, set_de, d, e);
    pair!(hl, set_hl, h, l);

    /// Execute one instruction (or one internal NOP while halted) and return
    /// its T-states, which are also added to [`Z80::cycles`].
    #[inline]
    pub fn step<B: Bus>(&mut self, bus: &mut B) -> u32 {
        self.ei_delay = false;
        self.start_waits::<B>();
        let t = if self.halted {
            // The halted CPU keeps fetching (and ignoring) at the HALT.
            self.cycle_m1(bus, self.pc.wrapping_sub(1));
            self.inc_r();
            4
        } else {
            let op = self.fetch_op(bus);
            self.exec_main(bus, op)
        };
        let t = self.end_waits::<B>(t);
        self.cycles += u64::from(t);
        t
    }

    #[inline(always)]
    fn start_waits<B: Bus>(&mut self) {
        if B::WAITS {
            self.bus_t = self.cycles;
            self.waits = 0;
        }
    }

    /// The fixed time `t` of what just ran plus its wait states; checks (in
    /// debug builds) that its machine cycles add up to `t`.
    #[inline(always)]
    fn end_waits<B: Bus>(&mut self, t: u32) -> u32 {
        if B::WAITS {
            debug_assert_eq!(
                self.bus_t - self.cycles,
                u64::from(t + self.waits),
                "machine cycles of the instruction before PC={:04X}",
                self.pc
            );
            t + self.waits
        } else {
            t
        }
    }

    /// A machine cycle of `len` T-states with `addr` on the bus (waits first).
    #[inline(always)]
    fn cycle<B: Bus>(&mut self, bus: &mut B, addr: u16, len: u32) {
        if B::WAITS {
            let w = bus.wait(addr, self.bus_t);
            self.waits += w;
            self.bus_t += u64::from(w + len);
        }
    }

    /// An opcode fetch (M1) cycle, 4 T-states with `addr` on the bus (waits first).
    #[inline(always)]
    fn cycle_m1<B: Bus>(&mut self, bus: &mut B, addr: u16) {
        if B::WAITS {
            let w = bus.wait_m1(addr, self.bus_t);
            self.waits += w;
            self.bus_t += u64::from(w + 4);
        }
    }

    /// `n` internal T-states with `addr` on the bus.
    #[inline(always)]
    fn idle<B: Bus>(&mut self, bus: &mut B, addr: u16, n: u32) {
        if B::WAITS {
            let w = bus.wait_internal(addr, self.bus_t, n);
            self.waits += w;
            self.bus_t += u64::from(w + n);
        }
    }

    /// Internal T-states with IR on the bus (the refresh address).
    #[inline(always)]
    fn idle_ir<B: Bus>(&mut self, bus: &mut B, n: u32) {
        if B::WAITS {
            let ir = u16::from_le_bytes([self.r, self.i]);
            self.idle(bus, ir, n);
        }
    }

    /// Memory read (3 T-states).
    #[inline(always)]
    fn rd<B: Bus>(&mut self, bus: &mut B, addr: u16) -> u8 {
        self.cycle(bus, addr, 3);
        bus.read(addr)
    }

    /// Memory write (3 T-states).
    #[inline(always)]
    fn wr<B: Bus>(&mut self, bus: &mut B, addr: u16, v: u8) {
        self.cycle(bus, addr, 3);
        bus.write(addr, v);
    }

    /// `IN` cycle.
    #[inline(always)]
    fn port_in<B: Bus>(&mut self, bus: &mut B, port: u16) -> u8 {
        if B::WAITS {
            let len = bus.io_time(port, self.bus_t);
            self.waits += len - 4;
            self.bus_t += u64::from(len);
        }
        bus.input(port)
    }

    /// `OUT` cycle.
    #[inline(always)]
    fn port_out<B: Bus>(&mut self, bus: &mut B, port: u16, v: u8) {
        if B::WAITS {
            let len = bus.io_time(port, self.bus_t);
            self.waits += len - 4;
            self.bus_t += u64::from(len);
        }
        bus.output(port, v);
    }

    /// Maskable interrupt request with `data` on the bus. Accepted only when
    /// IFF1 is set and the previous instruction was not `EI`; returns the
    /// T-states used (0 when not accepted).
    ///
    /// IM 0 executes `data` as an `RST` opcode (the only form real boards put
    /// on the bus: `data & 0x38` is the target), 13 T-states. IM 1 calls
    /// 0x0038, 13 T-states. IM 2 calls through the vector at `I:data`,
    /// 19 T-states.
    pub fn interrupt<B: Bus>(&mut self, bus: &mut B, data: u8) -> u32 {
        if !self.iff1 || self.ei_delay {
            return 0;
        }
        self.halted = false;
        self.iff1 = false;
        self.iff2 = false;
        self.inc_r();
        self.start_waits::<B>();
        // The acknowledge cycle (7 T-states) puts no memory address out.
        self.bus_t += 7;
        let pc = self.pc;
        self.push(bus, pc);
        let t = match self.im {
            2 => {
                let vec = u16::from_le_bytes([data, self.i]);
                self.pc = self.read16(bus, vec);
                19
            }
            1 => {
                self.pc = 0x38;
                13
            }
            _ => {
                self.pc = u16::from(data & 0x38);
                13
            }
        };
        self.wz = self.pc;
        let t = self.end_waits::<B>(t);
        self.cycles += u64::from(t);
        t
    }

    /// Non-maskable interrupt: call 0x0066, IFF1 cleared (IFF2 keeps the old
    /// state for `RETN`). 11 T-states.
    pub fn nmi<B: Bus>(&mut self, bus: &mut B) -> u32 {
        self.halted = false;
        self.iff1 = false;
        self.inc_r();
        self.start_waits::<B>();
        self.bus_t += 5;
        let pc = self.pc;
        self.push(bus, pc);
        self.pc = 0x66;
        self.wz = 0x66;
        let t = self.end_waits::<B>(11);
        self.cycles += u64::from(t);
        t
    }

    #[inline(always)]
    fn inc_r(&mut self) {
        self.r = (self.r & 0x80) | (self.r.wrapping_add(1) & 0x7f);
    }

    /// M1 cycle: read the opcode at PC, bump PC and R.
    #[inline(always)]
    fn fetch_op<B: Bus>(&mut self, bus: &mut B) -> u8 {
        self.cycle_m1(bus, self.pc);
        let op = bus.read(self.pc);
        self.pc = self.pc.wrapping_add(1);
        self.inc_r();
        op
    }

    #[inline(always)]
    fn fetch8<B: Bus>(&mut self, bus: &mut B) -> u8 {
        let v = self.rd(bus, self.pc);
        self.pc = self.pc.wrapping_add(1);
        v
    }

    #[inline(always)]
    fn fetch16<B: Bus>(&mut self, bus: &mut B) -> u16 {
        let lo = self.fetch8(bus);
        let hi = self.fetch8(bus);
        u16::from_le_bytes([lo, hi])
    }

    #[inline(always)]
    fn read16<B: Bus>(&mut self, bus: &mut B, addr: u16) -> u16 {
        let lo = self.rd(bus, addr);
        let hi = self.rd(bus, addr.wrapping_add(1));
        u16::from_le_bytes([lo, hi])
    }

    #[inline(always)]
    fn write16<B: Bus>(&mut self, bus: &mut B, addr: u16, v: u16) {
        let [lo, hi] = v.to_le_bytes();
        self.wr(bus, addr, lo);
        self.wr(bus, addr.wrapping_add(1), hi);
    }

    /// EX (SP),rr writes the high byte first.
    #[inline(always)]
    fn write16_hi_first<B: Bus>(&mut self, bus: &mut B, addr: u16, v: u16) {
        let [lo, hi] = v.to_le_bytes();
        self.wr(bus, addr.wrapping_add(1), hi);
        self.wr(bus, addr, lo);
    }

    #[inline(always)]
    fn push<B: Bus>(&mut self, bus: &mut B, v: u16) {
        let [lo, hi] = v.to_le_bytes();
        self.sp = self.sp.wrapping_sub(1);
        self.wr(bus, self.sp, hi);
        self.sp = self.sp.wrapping_sub(1);
        self.wr(bus, self.sp, lo);
    }

    #[inline(always)]
    fn pop<B: Bus>(&mut self, bus: &mut B) -> u16 {
        let lo = self.rd(bus, self.sp);
        self.sp = self.sp.wrapping_add(1);
        let hi = self.rd(bus, self.sp);
        self.sp = self.sp.wrapping_add(1);
        u16::from_le_bytes([lo, hi])
    }

    /// Condition code `cc` (0..7: NZ Z NC C PO PE P M) against F.
    #[inline(always)]
    fn cond(&self, cc: u8) -> bool {
        let f = self.f;
        match cc & 7 {
            0 => f & FLAG_Z == 0,
            1 => f & FLAG_Z != 0,
            2 => f & FLAG_C == 0,
            3 => f & FLAG_C != 0,
            4 => f & FLAG_PV == 0,
            5 => f & FLAG_PV != 0,
            6 => f & FLAG_S == 0,
            _ => f & FLAG_S != 0,
        }
    }

    /// 8-bit register by its 3-bit code (B C D E H L - A); code 6 is not a
    /// register and returns A's neighbour F only to keep this total.
    #[inline(always)]
    fn reg8(&self, code: u8) -> u8 {
        match code & 7 {
            0 => self.b,
            1 => self.c,
            2 => self.d,
            3 => self.e,
            4 => self.h,
            5 => self.l,
            6 => self.f,
            _ => self.a,
        }
    }

    #[inline(always)]
    fn set_reg8(&mut self, code: u8, v: u8) {
        match code & 7 {
            0 => self.b = v,
            1 => self.c = v,
            2 => self.d = v,
            3 => self.e = v,
            4 => self.h = v,
            5 => self.l = v,
            6 => self.f = v,
            _ => self.a = v,
        }
    }
}
