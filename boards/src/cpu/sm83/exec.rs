//! SM83 unprefixed opcodes (0x00–0xFF): decode by the x/y/z octal fields and execute with
//! GBCTR's M-cycle breakdown (one bus access or `idle` per M-cycle).
//!
//! M-cycles per instruction (Pan Docs / gbdev.io/gb-opcodes): `ld r,r'` 1, `ld r,n` 2,
//! `ld r,(hl)` 2, `ld (hl),n` 3, `ld a,(nn)` 4, `ldh` 3, `ld rr,nn` 3, `ld (nn),sp` 5, `push` 4,
//! `pop` 3, `inc/dec rr` 2, `add hl,rr` 2, `inc (hl)` 3, `jp` 4, `jp cc` 4/3, `jr` 3, `jr cc` 3/2,
//! `call` 6, `call cc` 6/3, `ret` 4, `ret cc` 5/2, `reti` 4, `rst` 4, `add sp,e` 4,
//! `ld hl,sp+e` 3, `ld sp,hl` 2, `jp hl` 1.

use super::{Bus, Sm83, Sm83Stop, FLAG_C, FLAG_H, FLAG_N, FLAG_Z};

impl Sm83 {
    /// Register operand by its 3-bit code (B C D E H L (HL) A); code 6 reads memory (1 M-cycle).
    pub(crate) fn get_r<B: Bus>(&mut self, bus: &mut B, r: u8) -> u8 {
        match r {
            0 => self.regs.b,
            1 => self.regs.c,
            2 => self.regs.d,
            3 => self.regs.e,
            4 => self.regs.h,
            5 => self.regs.l,
            6 => self.rd(bus, self.regs.hl()),
            _ => self.regs.a,
        }
    }

    pub(crate) fn set_r<B: Bus>(&mut self, bus: &mut B, r: u8, v: u8) {
        match r {
            0 => self.regs.b = v,
            1 => self.regs.c = v,
            2 => self.regs.d = v,
            3 => self.regs.e = v,
            4 => self.regs.h = v,
            5 => self.regs.l = v,
            6 => self.wr(bus, self.regs.hl(), v),
            _ => self.regs.a = v,
        }
    }

    /// 16-bit register pair by its 2-bit code (BC DE HL SP).
    fn get_rp(&self, p: u8) -> u16 {
        match p {
            0 => self.regs.bc(),
            1 => self.regs.de(),
            2 => self.regs.hl(),
            _ => self.regs.sp,
        }
    }

    fn set_rp(&mut self, p: u8, v: u16) {
        match p {
            0 => self.regs.set_bc(v),
            1 => self.regs.set_de(v),
            2 => self.regs.set_hl(v),
            _ => self.regs.sp = v,
        }
    }

    /// Condition code by its 2-bit code (NZ Z NC C).
    fn cond(&self, cc: u8) -> bool {
        match cc {
            0 => !self.regs.flag(FLAG_Z),
            1 => self.regs.flag(FLAG_Z),
            2 => !self.regs.flag(FLAG_C),
            _ => self.regs.flag(FLAG_C),
        }
    }

    fn set_flags(&mut self, z: bool, n: bool, h: bool, c: bool) {
        self.regs.f = (if z { FLAG_Z } else { 0 })
            | (if n { FLAG_N } else { 0 })
            | (if h { FLAG_H } else { 0 })
            | (if c { FLAG_C } else { 0 });
    }

    /// The eight ALU operations on A (ADD ADC SUB SBC AND XOR OR CP).
    fn alu(&mut self, op: u8, v: u8) {
        let a = self.regs.a;
        let carry = u8::from(self.regs.flag(FLAG_C));
        match op {
            0 | 1 => {
                let c = if op == 1 { carry } else { 0 };
                let r = u16::from(a) + u16::from(v) + u16::from(c);
                let h = (a & 0xF) + (v & 0xF) + c > 0xF;
                self.regs.a = r as u8;
                self.set_flags(r as u8 == 0, false, h, r > 0xFF);
            }
            2 | 3 | 7 => {
                let c = if op == 3 { carry } else { 0 };
                let r = i16::from(a) - i16::from(v) - i16::from(c);
                let h = i16::from(a & 0xF) - i16::from(v & 0xF) - i16::from(c) < 0;
                if op != 7 {
                    self.regs.a = r as u8;
                }
                self.set_flags(r as u8 == 0, true, h, r < 0);
            }
            4 => {
                self.regs.a = a & v;
                self.set_flags(self.regs.a == 0, false, true, false);
            }
            5 => {
                self.regs.a = a ^ v;
                self.set_flags(self.regs.a == 0, false, false, false);
            }
            _ => {
                self.regs.a = a | v;
                self.set_flags(self.regs.a == 0, false, false, false);
            }
        }
    }

    /// SP + signed e with the flags of `add sp,e` / `ld hl,sp+e` (H and C from the low byte).
    fn sp_plus_e(&mut self, e: u8) -> u16 {
        let sp = self.regs.sp;
        let h = (sp & 0xF) + u16::from(e & 0xF) > 0xF;
        let c = (sp & 0xFF) + u16::from(e) > 0xFF;
        self.set_flags(false, false, h, c);
        sp.wrapping_add(e as i8 as u16)
    }

    fn daa(&mut self) {
        let mut a = self.regs.a;
        let n = self.regs.flag(FLAG_N);
        let mut c = self.regs.flag(FLAG_C);
        let h = self.regs.flag(FLAG_H);
        if !n {
            if c || a > 0x99 {
                a = a.wrapping_add(0x60);
                c = true;
            }
            if h || a & 0x0F > 0x09 {
                a = a.wrapping_add(0x06);
            }
        } else {
            if c {
                a = a.wrapping_sub(0x60);
            }
            if h {
                a = a.wrapping_sub(0x06);
            }
        }
        self.regs.a = a;
        self.set_flags(a == 0, n, false, c);
    }

    fn jump_rel<B: Bus>(&mut self, bus: &mut B, e: u8) {
        self.regs.pc = self.regs.pc.wrapping_add(e as i8 as u16);
        self.idle(bus);
    }

    fn call<B: Bus>(&mut self, bus: &mut B, target: u16) {
        self.idle(bus);
        let pc = self.regs.pc;
        self.push(bus, pc);
        self.regs.pc = target;
    }

    fn ret<B: Bus>(&mut self, bus: &mut B) {
        self.regs.pc = self.pop(bus);
        self.idle(bus);
    }

    /// Executes opcode `op` (already fetched from `pc`; PC points past it).
    pub(crate) fn execute<B: Bus>(&mut self, bus: &mut B, op: u8, pc: u16) -> Result<(), Sm83Stop> {
        let x = op >> 6;
        let y = (op >> 3) & 7;
        let z = op & 7;
        match x {
            1 => {
                if op == 0x76 {
                    self.halt(bus);
                } else {
                    let v = self.get_r(bus, z);
                    self.set_r(bus, y, v);
                }
            }
            2 => {
                let v = self.get_r(bus, z);
                self.alu(y, v);
            }
            0 => self.execute_x0(bus, op, y, z, pc)?,
            _ => self.execute_x3(bus, op, y, z, pc)?,
        }
        Ok(())
    }

    fn execute_x0<B: Bus>(
        &mut self,
        bus: &mut B,
        op: u8,
        y: u8,
        z: u8,
        pc: u16,
    ) -> Result<(), Sm83Stop> {
        let p = y >> 1;
        match (z, op) {
            (0, 0x00) => {}
            (0, 0x08) => {
                let nn = self.imm16(bus);
                let [hi, lo] = self.regs.sp.to_be_bytes();
                self.wr(bus, nn, lo);
                self.wr(bus, nn.wrapping_add(1), hi);
            }
            (0, 0x10) => {
                // A speed switch: STOP's second byte is skipped, the CPU pauses, then goes on.
                let pause = bus.speed_switch().ok_or(Sm83Stop::Stop { pc })?;
                self.regs.pc = self.regs.pc.wrapping_add(1);
                for _ in 0..pause {
                    self.idle(bus);
                }
            }
            (0, 0x18) => {
                let e = self.imm8(bus);
                self.jump_rel(bus, e);
            }
            (0, _) => {
                let e = self.imm8(bus);
                if self.cond(y - 4) {
                    self.jump_rel(bus, e);
                }
            }
            (1, _) if y & 1 == 0 => {
                let nn = self.imm16(bus);
                self.set_rp(p, nn);
            }
            (1, _) => {
                let hl = self.regs.hl();
                let v = self.get_rp(p);
                let r = u32::from(hl) + u32::from(v);
                let h = (hl & 0xFFF) + (v & 0xFFF) > 0xFFF;
                self.regs.f = (self.regs.f & FLAG_Z)
                    | if h { FLAG_H } else { 0 }
                    | if r > 0xFFFF { FLAG_C } else { 0 };
                self.regs.set_hl(r as u16);
                self.idle(bus);
            }
            (2, _) => {
                // ld (bc),a  ld a,(bc)  ld (de),a  ld a,(de)  ld (hl+),a  ld a,(hl+)  ld (hl-),a  ld a,(hl-)
                let addr = match p {
                    0 => self.regs.bc(),
                    1 => self.regs.de(),
                    _ => self.regs.hl(),
                };
                if y & 1 == 0 {
                    self.wr(bus, addr, self.regs.a);
                } else {
                    self.regs.a = self.rd(bus, addr);
                }
                match p {
                    2 => self.regs.set_hl(addr.wrapping_add(1)),
                    3 => self.regs.set_hl(addr.wrapping_sub(1)),
                    _ => {}
                }
            }
            (3, _) => {
                let v = self.get_rp(p);
                let v = if y & 1 == 0 {
                    v.wrapping_add(1)
                } else {
                    v.wrapping_sub(1)
                };
                self.set_rp(p, v);
                self.idle(bus);
            }
            (4, _) => {
                let v = self.get_r(bus, y);
                let r = v.wrapping_add(1);
                self.regs.f = (self.regs.f & FLAG_C)
                    | if r == 0 { FLAG_Z } else { 0 }
                    | if v & 0xF == 0xF { FLAG_H } else { 0 };
                self.set_r(bus, y, r);
            }
            (5, _) => {
                let v = self.get_r(bus, y);
                let r = v.wrapping_sub(1);
                self.regs.f = (self.regs.f & FLAG_C)
                    | FLAG_N
                    | if r == 0 { FLAG_Z } else { 0 }
                    | if v & 0xF == 0 { FLAG_H } else { 0 };
                self.set_r(bus, y, r);
            }
            (6, _) => {
                let n = self.imm8(bus);
                self.set_r(bus, y, n);
            }
            _ => self.execute_x0_z7(y),
        }
        Ok(())
    }

    /// RLCA RRCA RLA RRA DAA CPL SCF CCF.
    fn execute_x0_z7(&mut self, y: u8) {
        let a = self.regs.a;
        let c = self.regs.flag(FLAG_C);
        match y {
            0..=3 => {
                let (r, out) = match y {
                    0 => (a.rotate_left(1), a & 0x80 != 0),
                    1 => (a.rotate_right(1), a & 1 != 0),
                    2 => ((a << 1) | u8::from(c), a & 0x80 != 0),
                    _ => ((a >> 1) | (u8::from(c) << 7), a & 1 != 0),
                };
                self.regs.a = r;
                self.set_flags(false, false, false, out);
            }
            4 => self.daa(),
            5 => {
                self.regs.a = !a;
                self.regs.f |= FLAG_N | FLAG_H;
            }
            6 => self.regs.f = (self.regs.f & FLAG_Z) | FLAG_C,
            _ => self.regs.f = (self.regs.f & FLAG_Z) | if c { 0 } else { FLAG_C },
        }
    }

    fn execute_x3<B: Bus>(
        &mut self,
        bus: &mut B,
        op: u8,
        y: u8,
        z: u8,
        pc: u16,
    ) -> Result<(), Sm83Stop> {
        let p = y >> 1;
        match op {
            0xC0 | 0xC8 | 0xD0 | 0xD8 => {
                self.idle(bus);
                if self.cond(y) {
                    self.ret(bus);
                }
            }
            0xC9 => self.ret(bus),
            0xD9 => {
                self.ret(bus);
                self.ime = true;
            }
            0xC1 | 0xD1 | 0xE1 | 0xF1 => {
                let v = self.pop(bus);
                match p {
                    0 => self.regs.set_bc(v),
                    1 => self.regs.set_de(v),
                    2 => self.regs.set_hl(v),
                    _ => self.regs.set_af(v),
                }
            }
            0xC5 | 0xD5 | 0xE5 | 0xF5 => {
                let v = match p {
                    0 => self.regs.bc(),
                    1 => self.regs.de(),
                    2 => self.regs.hl(),
                    _ => self.regs.af(),
                };
                self.idle(bus);
                self.push(bus, v);
            }
            0xC2 | 0xCA | 0xD2 | 0xDA => {
                let nn = self.imm16(bus);
                if self.cond(y) {
                    self.regs.pc = nn;
                    self.idle(bus);
                }
            }
            0xC3 => {
                let nn = self.imm16(bus);
                self.regs.pc = nn;
                self.idle(bus);
            }
            0xE9 => self.regs.pc = self.regs.hl(),
            0xC4 | 0xCC | 0xD4 | 0xDC => {
                let nn = self.imm16(bus);
                if self.cond(y) {
                    self.call(bus, nn);
                }
            }
            0xCD => {
                let nn = self.imm16(bus);
                self.call(bus, nn);
            }
            0xCB => {
                let cb = self.imm8(bus);
                self.execute_cb(bus, cb);
            }
            0xE0 => {
                let n = self.imm8(bus);
                self.wr(bus, 0xFF00 | u16::from(n), self.regs.a);
            }
            0xF0 => {
                let n = self.imm8(bus);
                self.regs.a = self.rd(bus, 0xFF00 | u16::from(n));
            }
            0xE2 => self.wr(bus, 0xFF00 | u16::from(self.regs.c), self.regs.a),
            0xF2 => self.regs.a = self.rd(bus, 0xFF00 | u16::from(self.regs.c)),
            0xEA => {
                let nn = self.imm16(bus);
                self.wr(bus, nn, self.regs.a);
            }
            0xFA => {
                let nn = self.imm16(bus);
                self.regs.a = self.rd(bus, nn);
            }
            0xE8 => {
                let e = self.imm8(bus);
                self.regs.sp = self.sp_plus_e(e);
                self.idle(bus);
                self.idle(bus);
            }
            0xF8 => {
                let e = self.imm8(bus);
                let v = self.sp_plus_e(e);
                self.regs.set_hl(v);
                self.idle(bus);
            }
            0xF9 => {
                self.regs.sp = self.regs.hl();
                self.idle(bus);
            }
            0xF3 => self.ime = false,
            0xFB => self.set_ei_pending(),
            _ if z == 6 => {
                let n = self.imm8(bus);
                self.alu(y, n);
            }
            _ if z == 7 => {
                self.idle(bus);
                let pc_now = self.regs.pc;
                self.push(bus, pc_now);
                self.regs.pc = u16::from(y) * 8;
            }
            _ => return Err(Sm83Stop::IllegalOpcode { pc, opcode: op }),
        }
        Ok(())
    }
}
