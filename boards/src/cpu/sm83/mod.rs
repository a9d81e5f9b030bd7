//! Sharp SM83 (the Game Boy CPU): registers, the timed bus it sees, interrupts, HALT.
//!
//! Follows Gekkio, *Game Boy: Complete Technical Reference* (GBCTR) and the Pan Docs
//! (gbdev.io/pandocs, "CPU Instruction Set", "Interrupts", "halt"). Every memory access and every
//! internal delay is one M-cycle (4 T-states) on the [`Bus`], so the devices behind it advance in
//! step with the instruction stream and timing is exact by construction. Instruction decode and
//! execution live in `exec.rs` (unprefixed) and `cb.rs` (0xCB page).

mod cb;
mod exec;

/// Zero flag (bit 7 of F).
pub const FLAG_Z: u8 = 0x80;
/// Subtract flag (bit 6 of F).
pub const FLAG_N: u8 = 0x40;
/// Half-carry flag (bit 5 of F).
pub const FLAG_H: u8 = 0x20;
/// Carry flag (bit 4 of F).
pub const FLAG_C: u8 = 0x10;

/// What the CPU sees: memory reads and writes and internal cycles, each one M-cycle (4 T-states),
/// plus the interrupt lines (IE & IF) of the machine.
pub trait Bus {
    /// Reads a byte; costs one M-cycle.
    fn read(&mut self, addr: u16) -> u8;
    /// Writes a byte; costs one M-cycle.
    fn write(&mut self, addr: u16, value: u8);
    /// One M-cycle with no bus access (ALU work, address increments, branch delays).
    fn idle(&mut self);
    /// Requested and enabled interrupts: `IE & IF & 0x1F` (bit 0 VBlank … bit 4 joypad).
    fn pending_interrupts(&self) -> u8;
    /// Clears request bit `bit` (0…4) in IF when the CPU dispatches that interrupt.
    fn acknowledge_interrupt(&mut self, bit: u8);
    /// STOP (0x10 0x00): a CGB whose KEY1 switch is armed changes its speed here and returns
    /// the M-cycles the switch pauses the CPU (Pan Docs "CGB Registers: KEY1"); `None` means a
    /// real STOP (low-power mode), which this core does not emulate.
    fn speed_switch(&mut self) -> Option<u32> {
        None
    }
}

/// Why [`Sm83::step`] could not run an instruction. The hardware locks up on these; an emulator
/// reports them with the address instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Sm83Stop {
    /// One of the eleven unused opcodes (0xD3, 0xDB, 0xDD, 0xE3, 0xE4, 0xEB, 0xEC, 0xED, 0xF4,
    /// 0xFC, 0xFD): the real CPU hangs.
    #[error("illegal SM83 opcode {opcode:#04x} at {pc:#06x} (the CPU would hang)")]
    IllegalOpcode { pc: u16, opcode: u8 },
    /// STOP (0x10) other than a CGB speed switch: low-power mode with the LCD off, not
    /// emulated.
    #[error("STOP instruction at {pc:#06x} is not emulated")]
    Stop { pc: u16 },
}

/// The register file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Regs {
    pub a: u8,
    pub f: u8,
    pub b: u8,
    pub c: u8,
    pub d: u8,
    pub e: u8,
    pub h: u8,
    pub l: u8,
    pub sp: u16,
    pub pc: u16,
}

impl Regs {
    /// The state the DMG boot ROM leaves behind when it jumps to 0x0100 (Pan Docs,
    /// "Power Up Sequence": AF=01B0 BC=0013 DE=00D8 HL=014D SP=FFFE).
    pub fn post_boot_dmg() -> Self {
        Regs {
            a: 0x01,
            f: 0xB0,
            b: 0x00,
            c: 0x13,
            d: 0x00,
            e: 0xD8,
            h: 0x01,
            l: 0x4D,
            sp: 0xFFFE,
            pc: 0x0100,
        }
    }
    /// The state the CGB boot ROM leaves behind for a cartridge it runs in CGB mode (Pan Docs,
    /// "Power Up Sequence": AF=1180 BC=0000 DE=FF56 HL=000D SP=FFFE); A = 0x11 is how a
    /// program tells a CGB.
    pub fn post_boot_cgb() -> Self {
        Regs {
            a: 0x11,
            f: 0x80,
            b: 0x00,
            c: 0x00,
            d: 0xFF,
            e: 0x56,
            h: 0x00,
            l: 0x0D,
            sp: 0xFFFE,
            pc: 0x0100,
        }
    }
    pub fn af(&self) -> u16 {
        u16::from_be_bytes([self.a, self.f])
    }
    pub fn bc(&self) -> u16 {
        u16::from_be_bytes([self.b, self.c])
    }
    pub fn de(&self) -> u16 {
        u16::from_be_bytes([self.d, self.e])
    }
    pub fn hl(&self) -> u16 {
        u16::from_be_bytes([self.h, self.l])
    }
    pub fn set_af(&mut self, v: u16) {
        [self.a, self.f] = v.to_be_bytes();
        self.f &= 0xF0; // the low nibble of F always reads 0
    }
    pub fn set_bc(&mut self, v: u16) {
        [self.b, self.c] = v.to_be_bytes();
    }
    pub fn set_de(&mut self, v: u16) {
        [self.d, self.e] = v.to_be_bytes();
    }
    pub fn set_hl(&mut self, v: u16) {
        [self.h, self.l] = v.to_be_bytes();
    }
    pub fn flag(&self, mask: u8) -> bool {
        self.f & mask != 0
    }
}

/// An SM83 core. `cycles` counts T-states (4 per M-cycle) since reset.
#[derive(Debug, Clone)]
pub struct Sm83 {
    pub regs: Regs,
    /// Interrupt master enable.
    pub ime: bool,
    /// EI takes effect after the instruction that follows it.
    ei_pending: bool,
    /// In HALT, waiting for `IE & IF != 0`.
    pub halted: bool,
    /// The HALT bug: the next opcode byte is read without incrementing PC.
    halt_bug: bool,
    /// T-states elapsed.
    pub cycles: u64,
}

impl Default for Sm83 {
    fn default() -> Self {
        Self::new(Regs::post_boot_dmg())
    }
}

impl Sm83 {
    pub fn new(regs: Regs) -> Self {
        Sm83 {
            regs,
            ime: false,
            ei_pending: false,
            halted: false,
            halt_bug: false,
            cycles: 0,
        }
    }

    pub(crate) fn rd<B: Bus>(&mut self, bus: &mut B, addr: u16) -> u8 {
        self.cycles += 4;
        bus.read(addr)
    }
    pub(crate) fn wr<B: Bus>(&mut self, bus: &mut B, addr: u16, v: u8) {
        self.cycles += 4;
        bus.write(addr, v)
    }
    pub(crate) fn idle<B: Bus>(&mut self, bus: &mut B) {
        self.cycles += 4;
        bus.idle()
    }
    pub(crate) fn imm8<B: Bus>(&mut self, bus: &mut B) -> u8 {
        let v = self.rd(bus, self.regs.pc);
        self.regs.pc = self.regs.pc.wrapping_add(1);
        v
    }
    pub(crate) fn imm16<B: Bus>(&mut self, bus: &mut B) -> u16 {
        let lo = self.imm8(bus);
        let hi = self.imm8(bus);
        u16::from_le_bytes([lo, hi])
    }
    pub(crate) fn push<B: Bus>(&mut self, bus: &mut B, v: u16) {
        let [hi, lo] = v.to_be_bytes();
        self.regs.sp = self.regs.sp.wrapping_sub(1);
        self.wr(bus, self.regs.sp, hi);
        self.regs.sp = self.regs.sp.wrapping_sub(1);
        self.wr(bus, self.regs.sp, lo);
    }
    pub(crate) fn pop<B: Bus>(&mut self, bus: &mut B) -> u16 {
        let lo = self.rd(bus, self.regs.sp);
        self.regs.sp = self.regs.sp.wrapping_add(1);
        let hi = self.rd(bus, self.regs.sp);
        self.regs.sp = self.regs.sp.wrapping_add(1);
        u16::from_le_bytes([lo, hi])
    }

    /// Runs one instruction, or one M-cycle of HALT, or one interrupt dispatch.
    /// Returns the T-states it took.
    pub fn step<B: Bus>(&mut self, bus: &mut B) -> Result<u32, Sm83Stop> {
        let start = self.cycles;
        let pending = bus.pending_interrupts() & 0x1F;
        if self.halted {
            if pending == 0 {
                // Sleep in one go until a request arrives (at most 1024 M-cycles per step, so
                // callers still see time pass); every M-cycle still ticks the bus.
                for _ in 0..1024 {
                    self.idle(bus);
                    if bus.pending_interrupts() & 0x1F != 0 {
                        break;
                    }
                }
                return Ok((self.cycles - start) as u32);
            }
            // Waking up costs one extra M-cycle (GBCTR "HALT").
            self.halted = false;
            self.idle(bus);
        }
        if self.ime && pending != 0 {
            self.dispatch(bus, pending);
            return Ok((self.cycles - start) as u32);
        }
        let enable_after = self.ei_pending;
        self.ei_pending = false;
        let pc = self.regs.pc;
        let op = self.rd(bus, pc);
        if self.halt_bug {
            self.halt_bug = false;
        } else {
            self.regs.pc = pc.wrapping_add(1);
        }
        self.execute(bus, op, pc)?;
        // EI enables after the next instruction, unless that one is DI.
        if enable_after && op != 0xF3 {
            self.ime = true;
        }
        Ok((self.cycles - start) as u32)
    }

    /// Interrupt dispatch: 2 idle M-cycles, push PC (2), jump (1) = 5 M-cycles (GBCTR, Pan Docs
    /// "Interrupts: ISR"). The highest-priority (lowest) bit wins; vectors 0x40 + 8·bit.
    fn dispatch<B: Bus>(&mut self, bus: &mut B, pending: u8) {
        self.ime = false;
        self.idle(bus);
        self.idle(bus);
        let pc = self.regs.pc;
        self.push(bus, pc);
        let bit = pending.trailing_zeros() as u8;
        bus.acknowledge_interrupt(bit);
        self.regs.pc = 0x0040 + 8 * u16::from(bit);
        self.idle(bus);
    }

    /// HALT (0x76): with IME set or nothing pending, sleep until `IE & IF != 0`; with IME clear and
    /// an interrupt already pending, continue at once and hit the HALT bug (the next byte is read
    /// twice, Pan Docs "halt bug").
    pub(crate) fn halt<B: Bus>(&mut self, bus: &B) {
        if !self.ime && bus.pending_interrupts() & 0x1F != 0 {
            self.halt_bug = true;
        } else {
            self.halted = true;
        }
    }

    pub(crate) fn set_ei_pending(&mut self) {
        self.ei_pending = true;
    }
}
