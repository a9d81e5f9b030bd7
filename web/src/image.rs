//! The page's build: a model and a target in, the file `z80lm build` writes out (byte for byte:
//! the same library calls as `host/src/cli/build`), with the report it prints and what the
//! emulated board needs to run it.

use boards::desc::BoardDesc;
use z80lm::engine::targets::{cpm, gameboy, msx, rc2014, zx48};
use z80lm::engine::Layout;
use z80lm::model::Model;

/// The targets the page offers, by the numbers the JavaScript passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Cpm,
    Rc512k,
    RcClassic,
    Gb,
    Zx48,
    Msx,
}

impl Target {
    /// The target numbered `n` (0 cpm, 1 rc2014-512k, 2 rc2014-classic, 3 gb, 4 zx48, 5 msx).
    pub fn from_code(n: u32) -> Option<Target> {
        Some(match n {
            0 => Target::Cpm,
            1 => Target::Rc512k,
            2 => Target::RcClassic,
            3 => Target::Gb,
            4 => Target::Zx48,
            5 => Target::Msx,
            _ => return None,
        })
    }

    /// The name `z80lm build --target` takes.
    pub fn name(self) -> &'static str {
        match self {
            Target::Cpm => "cpm",
            Target::Rc512k => "rc2014-512k",
            Target::RcClassic => "rc2014-classic",
            Target::Gb => "gb",
            Target::Zx48 => "zx48",
            Target::Msx => "msx",
        }
    }

    /// The CPU clock the board runs at, in Hz. CP/M has no clock of its own: 4 MHz, the figure
    /// BENCHMARKS.md converts T-states with.
    pub fn clock_hz(self) -> f64 {
        match self {
            Target::Cpm => 4_000_000.0,
            Target::Rc512k | Target::RcClassic => 7_372_800.0,
            Target::Gb => 4_194_304.0,
            Target::Zx48 => 3_500_000.0,
            Target::Msx => boards::machines::msx::CLOCK_HZ as f64,
        }
    }
}

/// What an emulated board boots.
#[derive(Debug, Clone)]
pub enum Boot {
    /// A CP/M `.COM`.
    Com(Vec<u8>),
    /// An RC2014 ROM or flash image for the board.
    Rom(Box<BoardDesc>, Vec<u8>),
    /// A Game Boy cartridge; `read_pad` is the ROM's joypad poll.
    Cart { rom: Vec<u8>, read_pad: u16 },
    /// A ZX Spectrum tape: blocks of flag, payload and checksum.
    Tape(Vec<Vec<u8>>),
    /// An MSX ASCII8 megaROM cartridge.
    MsxCart(Vec<u8>),
}

/// One build.
#[derive(Debug, Clone)]
pub struct Built {
    pub target: Target,
    /// The file `z80lm build` writes for the target (`CHAT.COM`, `CHAT.bin`, `CHAT.gb`,
    /// `CHAT.tap`, `CHAT.rom`) and its name.
    pub file: Vec<u8>,
    pub file_name: &'static str,
    /// The plan and the memory (or bank) map, as `build` prints them.
    pub report: String,
    pub boot: Boot,
    /// The engine's `argmax` routine, entered once per generated character.
    pub argmax: Option<u16>,
}

/// An error and its causes on one line, as the command line shows them.
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s += &format!(": {c}");
        cur = c.source();
    }
    s
}

/// Builds `model` for `target` with the default (auto) layout, as `z80lm build --target`
/// does without options.
pub fn build(model: &Model, target: Target) -> Result<Built, String> {
    let layout = Layout::default();
    let err = |e: &dyn std::error::Error| chain(e);
    Ok(match target {
        Target::Cpm => {
            let built = cpm::build(model, &layout, None).map_err(|e| err(&e))?;
            let file = cpm::com_bytes(&built.image);
            Built {
                target,
                report: built.plan_report() + &built.image.map.render(),
                boot: Boot::Com(file.clone()),
                argmax: built.image.symbol("argmax"),
                file,
                file_name: "CHAT.COM",
            }
        }
        Target::Rc512k | Target::RcClassic => {
            let desc = BoardDesc::builtin(target.name()).map_err(|e| err(&e))?;
            let rom = rc2014::build(model, &desc, &layout).map_err(|e| err(&e))?;
            Built {
                target,
                report: rom.built.plan_report() + &rom.memory_map(),
                argmax: rom.built.image.symbol("argmax"),
                boot: Boot::Rom(Box::new(desc), rom.rom.clone()),
                file: rom.rom,
                file_name: "CHAT.bin",
            }
        }
        Target::Gb => {
            let image = gameboy::build(model, &layout).map_err(|e| err(&e))?;
            let sym = |n: &str| image.symbols.get(n).map(|&v| v as u16);
            let read_pad = sym("read_pad").ok_or("the cartridge has no read_pad routine")?;
            Built {
                target,
                report: image.plan.report() + &image.report(),
                argmax: sym("argmax"),
                boot: Boot::Cart {
                    rom: image.rom.clone(),
                    read_pad,
                },
                file: image.rom,
                file_name: "CHAT.gb",
            }
        }
        Target::Zx48 => {
            let zx = zx48::build(model, &layout).map_err(|e| err(&e))?;
            let file = zx.tape.to_tap();
            Built {
                target,
                report: zx.built.plan_report() + &zx.memory_map(),
                argmax: zx.built.image.symbol("argmax"),
                boot: Boot::Tape(tap_blocks(&file)),
                file,
                file_name: "CHAT.tap",
            }
        }
        Target::Msx => {
            let cart = msx::build(model, &layout).map_err(|e| err(&e))?;
            Built {
                target,
                report: cart.built.plan_report() + &cart.memory_map(),
                argmax: cart.built.image.symbol("argmax"),
                boot: Boot::MsxCart(cart.rom.clone()),
                file: cart.rom,
                file_name: "CHAT.rom",
            }
        }
    })
}

/// The blocks of a `.tap` file (each after its 16-bit length).
fn tap_blocks(tap: &[u8]) -> Vec<Vec<u8>> {
    let mut blocks = Vec::new();
    let mut rest = tap;
    while let [lo, hi, tail @ ..] = rest {
        let n = usize::from(u16::from_le_bytes([*lo, *hi])).min(tail.len());
        blocks.push(tail[..n].to_vec());
        rest = &tail[n..];
    }
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tap_blocks_splits_at_the_lengths() {
        let tap = [2, 0, 0xAA, 0xBB, 1, 0, 0xCC];
        assert_eq!(tap_blocks(&tap), vec![vec![0xAA, 0xBB], vec![0xCC]]);
    }
}
