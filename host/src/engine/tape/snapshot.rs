//! The machine state a 48K snapshot (`.sna`, `.z80`) holds for the chat: a ZX Spectrum 48K at
//! the moment the tape's autostart BASIC loader (see [`super::loader_tape`]) reaches
//! `RANDOMIZE USR entry`, with every CODE block in place, the system variables, the BASIC
//! program and BASIC's machine stack as the 48K ROM leaves them there. Loading the snapshot is
//! loading the tape, minus the minutes; the engine starts at once, clears the screen and shows
//! the chat prompt, and leaving the chat returns to BASIC ("0 OK") as after the tape.
//!
//! The ROM is not needed, and none of its bytes are here (a 48K snapshot holds only RAM). The
//! RAM is written from our own build (the same program and CODE blocks the `.tap` carries, at the
//! same addresses) and from documented values, each named below with where it comes from:
//! "The Complete Spectrum ROM Disassembly" (Logan and O'Hara; routine names as there), the ZX
//! Spectrum BASIC manual ch. 25 ("The system variables"), and, for BASIC's machine stack at the
//! USR call (return addresses into the ROM's interpreter and calculator), a load of our tape
//! through the real ROM in SkoolKit's simulator; `tests/tests/zx_snapshot.rs` repeats that load
//! and compares every system variable and the stack with what we write here.
//!
//! What differs from a machine that loaded the tape: the display file is blank (the ROM's
//! "Program:"/"Bytes:" messages are not drawn, and the upper screen's print position is home),
//! the keyboard state has no key pending, FRAMES is 0, X_PTR (only read after a syntax error) is
//! 0, the workspace above STKEND and the old machine stack below the UDGs (where BASIC's stack
//! was before CLEAR) hold zeros instead of leftovers, and the user-defined graphics
//! (0xFF58-0xFFFF, which the ROM copies from its own font at power-on) are blank: ROM data we
//! do not carry. The engine draws with the ROM font itself and never uses UDGs.

use super::{basic, loader_basic, Loader, TapeError, PROG_START};

/// First RAM address; a 48K snapshot holds 0x4000..=0xFFFF.
pub const RAM_START: u16 = 0x4000;
/// Bytes of RAM in a 48K snapshot.
pub const RAM_BYTES: usize = 0xC000;

/// The Z80's registers as a snapshot stores them (alternate set as 16-bit pairs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Regs {
    pub af: u16,
    pub bc: u16,
    pub de: u16,
    pub hl: u16,
    pub af_alt: u16,
    pub bc_alt: u16,
    pub de_alt: u16,
    pub hl_alt: u16,
    pub ix: u16,
    pub iy: u16,
    pub sp: u16,
    pub pc: u16,
    pub i: u8,
    pub r: u8,
    pub iff1: bool,
    pub iff2: bool,
    /// Interrupt mode 0, 1 or 2.
    pub im: u8,
}

/// A 48K machine state: RAM from 0x4000, registers, border colour and the T-states since the
/// last frame interrupt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    /// 0x4000..=0xFFFF.
    pub ram: Vec<u8>,
    pub regs: Regs,
    /// Border colour 0..=7.
    pub border: u8,
    /// T-states since the start of the frame (0..69888).
    pub frame_t: u32,
}

impl Snapshot {
    /// The RAM byte at `addr` (0x4000 and up).
    pub fn peek(&self, addr: u16) -> u8 {
        self.ram[usize::from(addr - RAM_START)]
    }

    fn poke(&mut self, addr: u16, bytes: &[u8]) {
        let at = usize::from(addr - RAM_START);
        self.ram[at..at + bytes.len()].copy_from_slice(bytes);
    }

    fn poke_word(&mut self, addr: u16, w: u16) {
        self.poke(addr, &w.to_le_bytes());
    }
}

/// System variable addresses (BASIC manual ch. 25).
pub mod sysvar {
    pub const KSTATE: u16 = 0x5C00;
    pub const LAST_K: u16 = 0x5C08;
    pub const REPDEL: u16 = 0x5C09;
    pub const REPPER: u16 = 0x5C0A;
    pub const STRMS: u16 = 0x5C10;
    pub const CHARS: u16 = 0x5C36;
    pub const RASP: u16 = 0x5C38;
    pub const ERR_NR: u16 = 0x5C3A;
    pub const FLAGS: u16 = 0x5C3B;
    pub const ERR_SP: u16 = 0x5C3D;
    pub const NEWPPC: u16 = 0x5C42;
    pub const NSPPC: u16 = 0x5C44;
    pub const PPC: u16 = 0x5C45;
    pub const SUBPPC: u16 = 0x5C47;
    pub const BORDCR: u16 = 0x5C48;
    pub const VARS: u16 = 0x5C4B;
    pub const CHANS: u16 = 0x5C4F;
    pub const CURCHL: u16 = 0x5C51;
    pub const PROG: u16 = 0x5C53;
    pub const NXTLIN: u16 = 0x5C55;
    pub const DATADD: u16 = 0x5C57;
    pub const E_LINE: u16 = 0x5C59;
    pub const K_CUR: u16 = 0x5C5B;
    pub const CH_ADD: u16 = 0x5C5D;
    pub const X_PTR: u16 = 0x5C5F;
    pub const WORKSP: u16 = 0x5C61;
    pub const STKBOT: u16 = 0x5C63;
    pub const STKEND: u16 = 0x5C65;
    pub const BREG: u16 = 0x5C67;
    pub const MEM: u16 = 0x5C68;
    pub const DF_SZ: u16 = 0x5C6B;
    pub const T_ADDR: u16 = 0x5C74;
    pub const FRAMES: u16 = 0x5C78;
    pub const UDG: u16 = 0x5C7B;
    pub const P_POSN: u16 = 0x5C7F;
    pub const PR_CC: u16 = 0x5C80;
    pub const ECHO_E: u16 = 0x5C82;
    pub const DF_CC: u16 = 0x5C84;
    pub const DF_CCL: u16 = 0x5C86;
    pub const S_POSN: u16 = 0x5C88;
    pub const S_POSNL: u16 = 0x5C8A;
    pub const SCR_CT: u16 = 0x5C8C;
    pub const ATTR_P: u16 = 0x5C8D;
    pub const ATTR_T: u16 = 0x5C8F;
    pub const MEMBOT: u16 = 0x5C92;
    pub const RAMTOP: u16 = 0x5CB2;
    pub const P_RAMT: u16 = 0x5CB4;
    /// End of the system variables; the channel information starts here.
    pub const END: u16 = 0x5CB6;
}

/// Where the ROM puts the user-defined graphics on a 48K (P_RAMT - 167).
pub const UDG_START: u16 = 0xFF58;
/// T-states into the frame the snapshot starts at: just past the 32 T-states of INT, so the
/// engine (which disables interrupts first thing) starts without the ROM's IM 1 handler.
pub const FRAME_T: u32 = 64;
/// `STACK-BC` (0x2D2B): the USR function pushes it before jumping to the machine code, so a
/// RET from the code stacks BC as the function's result.
const STACK_BC: u16 = 0x2D2B;
/// BASIC's machine stack at the USR call, from the top of the stack (SP) up to RAMTOP - 2:
/// STACK-BC; then the return addresses and saved registers of the calculator and of the
/// expression evaluator (SCANNING) that called USR (0x3365 .. 0x1C10); SCAN-LOOP (0x1B52) and
/// STMT-RET (0x1B76) of the statement loop; and MAIN-4 (0x1303), the error return ERR_SP
/// points at, which `CLEAR-2` leaves below the GO SUB stack's end marker 0x3E00 at RAMTOP - 1.
/// Read from a real load (see the module header, where a test compares it for each build).
const BASIC_STACK: [u16; 11] = [
    STACK_BC, 0x3365, 0x0000, 0x10ED, 0x000D, 0x0009, 0x1C85, 0x1C10, 0x1B52, 0x1B76, 0x1303,
];
/// The channel information area as the ROM's initialisation copies it from `INIT-CHAN`:
/// channels K, S, R and P (output routine, input routine, letter) and the 0x80 end marker.
/// These are ROM addresses (PRINT-OUT 0x09F4, KEY-INPUT 0x10A8, REPORT-J 0x15C4, ADD-CHAR
/// 0x0F81), not ROM contents.
const CHANS_AREA: [u8; 21] = [
    0xF4, 0x09, 0xA8, 0x10, b'K', 0xF4, 0x09, 0xC4, 0x15, b'S', 0x81, 0x0F, 0xC4, 0x15, b'R', 0xF4,
    0x09, 0xC4, 0x15, b'P', 0x80,
];
/// The streams' offsets into CHANS as `INIT-STRM` sets them: streams -3..=3 (K, S, R, K, K, S,
/// P), the rest closed.
const STREAMS: [u8; 14] = [1, 0, 6, 0, 11, 0, 1, 0, 1, 0, 6, 0, 16, 0];
/// The edit line still holds the command that loaded the tape, `LOAD ""`, and its end markers.
const E_LINE_TEXT: [u8; 5] = [0xEF, b'"', b'"', 0x0D, 0x80];

/// The state at `RANDOMIZE USR loader.entry` after the ROM ran `loader`'s tape (the blocks
/// the tape carries, at their addresses). Errors as [`super::loader_tape`] gives them for an
/// inconsistent loader.
pub fn at_usr(loader: &Loader) -> Result<Snapshot, TapeError> {
    use sysvar::*;
    // The same checks the tape gets: the layout must be loadable by the BASIC loader.
    super::loader_tape(loader)?;
    let program = basic::tokenise_line(&loader_basic(loader))?;
    let mut s = Snapshot {
        ram: vec![0; RAM_BYTES],
        regs: Regs::default(),
        border: 7,
        frame_t: FRAME_T,
    };
    // Attributes: CLS fills them with ATTR_P (black ink on white paper).
    s.poke(0x5800, &[0x38; 0x300]);
    // The system variables as the ROM's initialisation (START/NEW, `RAM-SET` and `INIT-CHAN`)
    // leaves them, then CLEAR, LOAD and the running loader line.
    s.poke(KSTATE, &[0xFF, 0, 0, 0, 0xFF, 0, 0x23, 0x0D]); // both key sets free
    s.poke(LAST_K, &[0x0D]); // the ENTER of LOAD ""
    s.poke(REPDEL, &[0x23, 0x05]); // REPDEL 35 frames, REPPER 5 frames
    let _ = REPPER;
    s.poke(STRMS, &STREAMS);
    s.poke_word(CHARS, 0x3C00); // the ROM font - 256
    s.poke(RASP, &[0x40, 0x00]); // RASP, PIP
    s.poke(ERR_NR, &[0xFF]); // no report
    s.poke(FLAGS, &[0xCD]);
    let ramtop = loader.clear;
    let sp = ramtop - 1 - 2 * BASIC_STACK.len() as u16;
    s.poke_word(ERR_SP, ramtop - 3); // MAIN-4 on the stack
    s.poke_word(NEWPPC, 10);
    s.poke(NSPPC, &[0xFF]);
    s.poke_word(PPC, 10);
    // RANDOMIZE is the last statement: CLEAR, one LOAD "" CODE per block, RANDOMIZE.
    s.poke(SUBPPC, &[loader.blocks.len() as u8 + 2]);
    s.poke(BORDCR, &[0x38]);
    let prog = PROG_START;
    let vars = prog + program.len() as u16;
    let e_line = vars + 1;
    let worksp = e_line + E_LINE_TEXT.len() as u16;
    s.poke_word(VARS, vars);
    s.poke_word(CHANS, END);
    s.poke_word(CURCHL, END + 5); // channel S
    s.poke_word(PROG, prog);
    s.poke_word(NXTLIN, vars); // after the last line
    s.poke_word(DATADD, prog - 1); // RUN's RESTORE
    s.poke_word(E_LINE, e_line);
    s.poke_word(K_CUR, e_line + 3); // after LOAD ""
    s.poke_word(CH_ADD, vars - 1); // the line's ENTER, after the USR argument
    s.poke_word(X_PTR, 0);
    s.poke_word(WORKSP, worksp);
    s.poke_word(STKBOT, worksp);
    s.poke_word(STKEND, worksp); // the calculator stack is empty
    s.poke(BREG, &[0x2D]);
    s.poke_word(MEM, MEMBOT);
    s.poke(DF_SZ, &[2]);
    s.poke_word(T_ADDR, 0x1AB6); // RANDOMIZE's entry in the syntax table
    s.poke(FRAMES, &[0, 0, 0]);
    s.poke_word(UDG, UDG_START);
    s.poke(P_POSN, &[0x21]);
    s.poke_word(PR_CC, 0x5B00);
    s.poke_word(ECHO_E, 0x1721);
    s.poke_word(DF_CC, 0x4000); // upper screen: home, as after CLS
    s.poke_word(DF_CCL, 0x50E0); // lower screen: as CLS-LOWER leaves it
    s.poke(S_POSN, &[0x21, 0x18]);
    s.poke(S_POSNL, &[0x21, 0x17]);
    s.poke(SCR_CT, &[1]); // no scroll pending
    s.poke(ATTR_P, &[0x38, 0x00, 0x38, 0x00]); // ATTR_P, MASK_P, ATTR_T, MASK_T
    let _ = ATTR_T;
    s.poke_word(RAMTOP, ramtop);
    s.poke_word(P_RAMT, 0xFFFF);
    s.poke(END, &CHANS_AREA);
    s.poke(prog, &program);
    s.poke(vars, &[0x80]); // no variables
    s.poke(e_line, &E_LINE_TEXT);
    // BASIC's machine stack and the GO SUB stack's end marker at RAMTOP.
    for (i, w) in BASIC_STACK.iter().enumerate() {
        s.poke_word(sp + 2 * i as u16, *w);
    }
    s.poke(ramtop - 1, &[0x00, 0x3E]);
    // The tape's CODE blocks.
    for b in &loader.blocks {
        s.poke(b.start, &b.data);
    }
    // Registers as the USR function leaves them (`USR-NO`: BC = the address, HL = STACK-BC,
    // A = C from FP-TO-BC, DE = STKEND), IX one past the last byte LD-BYTES loaded, IY = ERR_NR
    // (which the ROM's interrupt handler needs), H'L' = 0x2758 (what the calculator expects
    // back), the other alternates as the calculator left them, I = 0x3F (set by START),
    // interrupts on in IM 1.
    let last = loader
        .blocks
        .last()
        .map_or(0, |b| b.start + b.data.len() as u16);
    let entry = loader.entry;
    s.regs = Regs {
        af: u16::from(entry as u8) << 8 | 0x54,
        bc: entry,
        de: worksp,
        hl: STACK_BC,
        af_alt: 0xFF81,
        bc_alt: 0x1221,
        de_alt: 0x369B,
        hl_alt: 0x2758,
        ix: last,
        iy: ERR_NR,
        sp,
        pc: entry,
        i: 0x3F,
        r: 0,
        iff1: true,
        iff2: true,
        im: 1,
    };
    Ok(s)
}
