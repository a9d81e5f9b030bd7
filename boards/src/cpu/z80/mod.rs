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
/// states), so a bus only has to move bytes.
pub trait Bus {
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
        let t = if self.halted {
            self.inc_r();
            4
        } else {
            let op = self.fetch_op(bus);
            self.exec_main(bus, op)
        };
        self.cycles += u64::from(t);
        t
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
        self.cycles += u64::from(t);
        t
    }

    /// Non-maskable interrupt: call 0x0066, IFF1 cleared (IFF2 keeps the old
    /// state for `RETN`). 11 T-states.
    pub fn nmi<B: Bus>(&mut self, bus: &mut B) -> u32 {
        self.halted = false;
        self.iff1 = false;
        self.inc_r();
        let pc = self.pc;
        self.push(bus, pc);
        self.pc = 0x66;
        self.wz = 0x66;
        self.cycles += 11;
        11
    }

    #[inline(always)]
    fn inc_r(&mut self) {
        self.r = (self.r & 0x80) | (self.r.wrapping_add(1) & 0x7f);
    }

    /// M1 cycle: read the opcode at PC, bump PC and R.
    #[inline(always)]
    fn fetch_op<B: Bus>(&mut self, bus: &mut B) -> u8 {
        let op = bus.read(self.pc);
        self.pc = self.pc.wrapping_add(1);
        self.inc_r();
        op
    }

    #[inline(always)]
    fn fetch8<B: Bus>(&mut self, bus: &mut B) -> u8 {
        let v = bus.read(self.pc);
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
        let lo = bus.read(addr);
        let hi = bus.read(addr.wrapping_add(1));
        u16::from_le_bytes([lo, hi])
    }

    #[inline(always)]
    fn write16<B: Bus>(&mut self, bus: &mut B, addr: u16, v: u16) {
        let [lo, hi] = v.to_le_bytes();
        bus.write(addr, lo);
        bus.write(addr.wrapping_add(1), hi);
    }

    /// EX (SP),rr writes the high byte first.
    #[inline(always)]
    fn write16_hi_first<B: Bus>(&mut self, bus: &mut B, addr: u16, v: u16) {
        let [lo, hi] = v.to_le_bytes();
        bus.write(addr.wrapping_add(1), hi);
        bus.write(addr, lo);
    }

    #[inline(always)]
    fn push<B: Bus>(&mut self, bus: &mut B, v: u16) {
        let [lo, hi] = v.to_le_bytes();
        self.sp = self.sp.wrapping_sub(1);
        bus.write(self.sp, hi);
        self.sp = self.sp.wrapping_sub(1);
        bus.write(self.sp, lo);
    }

    #[inline(always)]
    fn pop<B: Bus>(&mut self, bus: &mut B) -> u16 {
        let lo = bus.read(self.sp);
        self.sp = self.sp.wrapping_add(1);
        let hi = bus.read(self.sp);
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
