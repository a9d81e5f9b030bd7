//! `z80lm run`: run a CP/M .COM on the emulated CP/M 2.2 machine, with the terminal as its
//! console, or in batch mode (one response line per stdin line, as `chat --batch`).

use std::io::{BufRead, Write};
use std::path::PathBuf;

use anyhow::{Context, Result};
use boards::console::{Console, StdioConsole};
use boards::machines::cpm::{CpmConfig, Exit, DEFAULT_TPA_TOP};

use super::args::parse_tpa_top;
use super::Failed;
use crate::engine::targets::cpm::{run_console, Session};
use crate::term::strip_terminator;

/// Run a CP/M .COM on the emulated CP/M 2.2 machine (exact Z80 T-states).
///
/// Interactive by default: the terminal is the console, key by key as a serial terminal sends
/// them (the program echoes what it reads); the program's warm boot or Ctrl-D ends the run,
/// Ctrl-C stops it.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The .COM file.
    pub com: PathBuf,
    /// Command tail passed to the program (as typed after its name at the CCP).
    pub tail: Vec<String>,
    /// Read one prompt per line from stdin, type each into the program and print exactly one
    /// response line per prompt, with the engine's prompt and echo stripped (z80lm engines; an
    /// empty line, which they do not answer, gives an empty line). When the program ends
    /// before the input does, how many lines were left unanswered is an error.
    #[arg(long)]
    pub batch: bool,
    /// Print total T-states, T-states per generated character and the time at 4 MHz to stderr.
    #[arg(long)]
    pub stats: bool,
    /// FBASE, the first address past the TPA [default: 0xE406] (0xE406, E406h or decimal).
    #[arg(long, value_parser = parse_tpa_top)]
    pub tpa_top: Option<u32>,
}

pub fn run(args: Args) -> Result<()> {
    let com =
        std::fs::read(&args.com).with_context(|| format!("cannot read {}", args.com.display()))?;
    let mut tail = args.tail.join(" ");
    if !tail.is_empty() {
        // The CCP upper-cases the tail and keeps the separating space.
        tail = format!(" {}", tail.to_ascii_uppercase());
    }
    let cfg = CpmConfig {
        tpa_top: args.tpa_top.map_or(DEFAULT_TPA_TOP, |t| t as u16),
        ..CpmConfig::default()
    };
    if !args.batch {
        // On a terminal the keys go to the program one by one, unechoed, as from a serial
        // terminal: the program echoes them itself. Restored on every way out.
        #[cfg(unix)]
        let _raw = std::io::IsTerminal::is_terminal(&std::io::stdin())
            .then(crate::term::RawStdin::enter)
            .flatten();
        let mut console = Keys {
            inner: StdioConsole::new(),
            closed: false,
        };
        let (exit, cycles) = run_console(&com, tail.as_bytes(), cfg, &mut console)?;
        std::io::stdout().flush()?;
        if args.stats {
            eprintln!(
                "stats: {cycles} T-states ({:.3} s at 4 MHz), exit: {exit:?}",
                cycles as f64 / 4e6
            );
        }
        return Ok(());
    }
    let (mut session, _) = Session::boot(&com, tail.as_bytes(), cfg)?;
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let (mut chars, mut busy) = (0usize, 0u64);
    let mut line = Vec::new();
    let mut input = stdin.lock();
    let mut n = 0;
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        n += 1;
        strip_terminator(&mut line);
        let empty = line.is_empty();
        line.push(b'\r');
        let reply = session.send(&line)?;
        // An empty line is not answered (the engine prompts again, spec §9): an empty line.
        let r = if empty { &[][..] } else { reply.response() };
        chars += r.len();
        busy += reply.end - reply.start;
        if reply.exit != Exit::WarmBoot || !r.is_empty() {
            out.write_all(r)?;
            out.write_all(b"\n")?;
        }
        out.flush()?;
        match reply.exit {
            Exit::InputExhausted => {}
            Exit::WarmBoot => {
                super::no_lines_left(
                    &mut input,
                    &format!(
                        "the program returned to CP/M at line {n} (a z80lm engine does on a line \
                         starting with ! or with ^C)"
                    ),
                )?;
                break;
            }
            Exit::Budget => {
                return Err(Failed(
                    super::EXIT_FAILED,
                    "the program ran past its T-state budget without asking for input".into(),
                )
                .into())
            }
        }
    }
    if args.stats {
        let total = session.cpm.cpu.cycles;
        let per = if chars > 0 { busy / chars as u64 } else { 0 };
        eprintln!(
            "stats: {total} T-states ({:.3} s at 4 MHz); {chars} chars generated, {per} T-states per char ({:.3} s at 4 MHz)",
            total as f64 / 4e6,
            per as f64 / 4e6
        );
    }
    Ok(())
}

/// The terminal as the console, with Ctrl-D ending the input as it does on a cooked terminal
/// (in raw mode it arrives as a 0x04 byte).
struct Keys {
    inner: StdioConsole,
    closed: bool,
}

impl Keys {
    fn filter(&mut self, key: Option<u8>) -> Option<u8> {
        if key == Some(0x04) {
            self.closed = true;
        }
        if self.closed {
            None
        } else {
            key
        }
    }
}

impl Console for Keys {
    fn poll_key(&mut self) -> Option<u8> {
        let k = self.inner.poll_key();
        self.filter(k)
    }

    fn wait_key(&mut self) -> Option<u8> {
        let k = self.inner.wait_key();
        self.filter(k)
    }

    fn put(&mut self, b: u8, t_state: u64) {
        self.inner.put(b, t_state);
    }
}
