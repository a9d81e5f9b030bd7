//! The vocabulary every command shares: machine names ([`Machine`], for `--target` and
//! `--board` alike), the address syntax ([`parse_addr`]), and the check that an option applies
//! to the chosen machine ([`only_for`]).

use anyhow::{bail, Result};
use boards::desc::BoardDesc;

/// A machine z80lm builds for, benchmarks, emulates or flashes. `build`, `bench`, `emu`,
/// `flash` and `info` take these names, by `--target` or `--board` alike.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Machine {
    /// CP/M 2.2 (a .COM for any CP/M machine; `z80lm run` emulates one).
    Cpm,
    /// RC2014: rc2014-512k unless `--board rc2014-classic` says otherwise.
    Rc2014,
    /// RC2014 with the 512K ROM+RAM module (flash behind our resident loader) and SIO/2.
    #[value(name = "rc2014-512k")]
    Rc512k,
    /// RC2014 Classic II: 32K ROM, 68B50 ACIA.
    #[value(name = "rc2014-classic")]
    RcClassic,
    /// Game Boy (DMG) with an MBC5 cartridge.
    #[value(name = "gb", alias = "gb-mbc5")]
    Gb,
    /// Game Boy Color: the same MBC5 cartridge flagged for both (0x143 = 0x80), run in double
    /// speed on a CGB.
    Gbc,
    /// ZX Spectrum 48K.
    Zx48,
    /// MSX (MSX1 or later, 16K RAM or more) with an ASCII8 megaROM cartridge.
    Msx,
    /// ZX Spectrum 128K / +2 (weights in RAM banks paged at 0xC000).
    Zx128,
}

impl Machine {
    /// The name as typed on the command line (rc2014 as the 512K board).
    pub fn name(self) -> &'static str {
        match self.board() {
            Machine::Cpm => "cpm",
            Machine::RcClassic => "rc2014-classic",
            Machine::Gb => "gb",
            Machine::Gbc => "gbc",
            Machine::Zx48 => "zx48",
            Machine::Msx => "msx",
            Machine::Zx128 => "zx128",
            Machine::Rc2014 | Machine::Rc512k => "rc2014-512k",
        }
    }

    /// The board itself: `rc2014` is the 512K board.
    pub fn board(self) -> Machine {
        match self {
            Machine::Rc2014 => Machine::Rc512k,
            m => m,
        }
    }

    pub fn is_rc2014(self) -> bool {
        matches!(self.board(), Machine::Rc512k | Machine::RcClassic)
    }

    /// Its description in `boards/data`.
    pub fn desc(self) -> Result<BoardDesc> {
        let name = match self.board() {
            Machine::Gb | Machine::Gbc => "gb-mbc5",
            m => m.name(),
        };
        Ok(BoardDesc::builtin(name)?)
    }
}

/// The machine a command's `--target` and `--board` name together (either alone, or both
/// when they agree, e.g. `--target rc2014 --board rc2014-classic`); `default` when neither.
pub fn machine(
    target: Option<Machine>,
    board: Option<Machine>,
    default: Option<Machine>,
) -> Result<Machine> {
    let m = match (target, board) {
        (None, None) => match default {
            Some(m) => m,
            None => bail!("which machine? give --board (or --target): {}", names(ALL)),
        },
        (Some(m), None) | (None, Some(m)) => m,
        (Some(t), Some(b)) if t.board() == b.board() => b,
        (Some(Machine::Rc2014), Some(b)) if b.is_rc2014() => b,
        (Some(t), Some(b)) => bail!(
            "--target {} and --board {} name different machines; give one of them",
            t.name(),
            b.name()
        ),
    };
    Ok(m.board())
}

/// Every machine, as `only_for` lists them.
pub const ALL: &[Machine] = &[
    Machine::Cpm,
    Machine::Rc512k,
    Machine::RcClassic,
    Machine::Gb,
    Machine::Gbc,
    Machine::Zx48,
    Machine::Msx,
    Machine::Zx128,
];

/// The RC2014 boards.
pub const RC2014: &[Machine] = &[Machine::Rc512k, Machine::RcClassic];

/// `a, b or c`.
pub fn names(ms: &[Machine]) -> String {
    let n: Vec<&str> = ms.iter().map(|m| m.name()).collect();
    match n.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => n.join(""),
    }
}

/// Refuses `option` when it was `given` but `m` is not one of the machines that `take` it.
pub fn only_for(given: bool, option: &str, m: Machine, take: &[Machine]) -> Result<()> {
    if given && !take.contains(&m.board()) {
        bail!(
            "{option} does not apply to {}; it is for {}",
            m.name(),
            names(take)
        );
    }
    Ok(())
}

/// Refuses a machine a command does not handle, naming those it does.
pub fn supported(command: &str, m: Machine, handles: &[Machine]) -> Result<()> {
    if !handles.contains(&m.board()) {
        bail!(
            "{command} does not handle {}; it takes {}",
            m.name(),
            names(handles)
        );
    }
    Ok(())
}

/// Parses an address option, the one syntax every command takes: `0x8000`, `8000h` or decimal
/// `32768`.
pub fn parse_addr(s: &str) -> Result<u32, String> {
    let t = s.trim();
    let v = if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        u32::from_str_radix(h, 16)
    } else if let Some(h) = t.strip_suffix('h').or_else(|| t.strip_suffix('H')) {
        u32::from_str_radix(h, 16)
    } else {
        t.parse()
    };
    match v {
        Ok(v) if v <= 0x10000 => Ok(v),
        _ => Err(format!(
            "{s:?} is not an address: give 0x8000, 8000h or decimal 32768 (at most 0x10000)"
        )),
    }
}

/// An address for a byte that must exist: at most 0xFFFF.
pub fn parse_addr16(s: &str) -> Result<u16, String> {
    let v = parse_addr(s)?;
    u16::try_from(v).map_err(|_| format!("{s:?} is past 0xFFFF"))
}

/// A TPA top: between 0x0200 and 0x10000.
pub fn parse_tpa_top(s: &str) -> Result<u32, String> {
    match parse_addr(s)? {
        v if v >= 0x200 => Ok(v),
        _ => Err(format!(
            "{s:?} is below 0x0200; a TPA top lies in 0x0200..0x10000"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_address_syntax() {
        assert_eq!(parse_addr("0x8000"), Ok(0x8000));
        assert_eq!(parse_addr("8000h"), Ok(0x8000));
        assert_eq!(parse_addr("32768"), Ok(0x8000));
        assert_eq!(parse_addr("0XE400"), Ok(0xE400));
        assert!(parse_addr("E400").is_err());
        assert!(parse_addr16("0x10000").is_err());
        assert!(parse_tpa_top("0x100").is_err());
    }

    #[test]
    fn target_and_board_agree_or_are_refused() {
        use Machine::*;
        assert_eq!(
            machine(Some(Rc2014), Some(RcClassic), None).unwrap(),
            RcClassic
        );
        assert_eq!(machine(Some(Rc2014), None, None).unwrap(), Rc512k);
        assert_eq!(machine(None, None, Some(Cpm)).unwrap(), Cpm);
        let e = machine(Some(Cpm), Some(RcClassic), None).unwrap_err();
        assert!(e.to_string().contains("different machines"), "{e}");
        let e = only_for(true, "--layout", Gb, &[Cpm, Zx48]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "--layout does not apply to gb; it is for cpm or zx48"
        );
    }
}
