//! The command-line layer: one module per subcommand (a folder when it has a part per target:
//! `build/`, `emu/`), each an args struct whose doc comments are the `--help` text and a `run`
//! function that parses, calls the library and prints. Only this layer uses anyhow, clap and
//! indicatif. A command module uses the library and the helpers here, never another command's
//! module.

use std::path::Path;

use anyhow::Result;
use clap::{Parser, Subcommand};

use crate::model::Model;

/// `print!` for what a command writes to stdout, through [`write_out`]: a reader that has
/// gone away (a closed pipe, as in `z80lm eval … | head`) ends the program quietly.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::write_out(format_args!($($arg)*))
    };
}

/// `println!` through [`write_out`] (see [`out!`]).
macro_rules! outln {
    () => {
        $crate::cli::write_out(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::cli::write_out(format_args!("{}\n", format_args!($($arg)*)))
    };
}

pub mod args;
pub mod bench;
pub mod build;
pub mod chat;
pub mod data;
pub mod emu;
pub mod eval;
pub mod flash;
pub mod info;
pub mod ports;
pub mod run;
pub mod term;
pub mod train;

/// Train a tiny 2-bit language model and run it on 8-bit hardware.
///
/// A model (`.npz`) is built into an inference engine for a board (CP/M, RC2014, Game Boy,
/// ZX Spectrum), uploaded and chatted with; an emulator stands in for every board.
#[derive(Parser, Debug)]
#[command(name = "z80lm", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Show a model's layers, weights, charset and which targets it fits.
    Info(info::Args),
    /// Chat with a model on the host reference engine (bit-exact with the spec).
    Chat(chat::Args),
    /// Train a model from `input|OUTPUT` lines (quantization-aware, exact integer checkpoints).
    Train(train::Args),
    /// Exact-match accuracy of a model's integer engine on `input|OUTPUT` lines.
    Eval(eval::Args),
    /// Generate one of our datasets (20-questions `guess`, `tinychat`).
    Data(data::Args),
    /// Build the inference engine for a target (CP/M .COM, RC2014 ROM, Game Boy .gb, ZX Spectrum
    /// .tap) and print the layout it chose and its memory map.
    Build(build::Args),
    /// Run a CP/M .COM on the emulated CP/M 2.2 machine (terminal or --batch).
    Run(run::Args),
    /// Benchmark T-states per generated char on an emulated machine (CP/M with upstream
    /// GUESS.COM side by side, RC2014, Game Boy, ZX Spectrum 48K).
    Bench(bench::Args),
    /// List serial ports.
    Ports(ports::Args),
    /// Flash an image to a board over its serial line (XMODEM through the RC2014 resident loader,
    /// Intel HEX through a ROM monitor, or plain XMODEM to a CP/M receiver); --restore writes a
    /// whole 512K ROM such as RomWBW back over the RC2014's flash.
    Flash(flash::Args),
    /// Streaming chat terminal on a serial port (exit with Ctrl-]).
    Term(term::Args),
    /// Run an emulated board: RC2014 with its serial port on a pseudo-terminal, Game Boy or ZX
    /// Spectrum with its screen in the terminal.
    ///
    /// RC2014 (Linux): the UART's pty path is printed; connect with `z80lm term --port PATH`,
    /// `z80lm flash --port PATH`, picocom, minicom or screen. The line is paced at the board's
    /// baud rate in real time; a client set to another rate sees garbage, as on a real serial
    /// line. Three Ctrl-\ (0x1C) bytes in a row press the reset button. On rc2014-512k the flash
    /// is kept in a state file, so a reflashed image survives a restart. Ctrl-C stops it.
    ///
    /// Game Boy, ZX Spectrum and MSX: type a line and press Enter to send it (typed on the machine's
    /// keyboard), Ctrl-R resets, Ctrl-C or Ctrl-D quits; the keys are shown under the screen.
    /// From a pipe each line is sent in turn, and the emulator stops when the input ends and the
    /// screen settles, printing the screen.
    Emu(emu::Args),
}

/// Exit status: a check the user asked for failed (e.g. a verification mismatch).
pub const EXIT_FAILED: i32 = 1;
/// Exit status: bad input (unreadable or invalid file, bad option value).
pub const EXIT_BAD_INPUT: i32 = 2;

/// After a batch ended early (`how`, e.g. "the chat ended at line 3 (...)"): an error saying how
/// many lines of `input` were left unanswered, if any.
pub fn no_lines_left(input: &mut dyn std::io::BufRead, how: &str) -> anyhow::Result<()> {
    let mut left = 0;
    let mut line = Vec::new();
    while input.read_until(b'\n', &mut line)? > 0 {
        left += 1;
        line.clear();
    }
    if left > 0 {
        anyhow::bail!(
            "{left} line{} left unanswered: {how}",
            if left == 1 { "" } else { "s" }
        );
    }
    Ok(())
}

/// Writes to stdout at once. When the reader has gone away (EPIPE: `| head` has read enough)
/// the program ends quietly with status 0, as when its output is complete: the workspace
/// forbids the unsafe code that would restore SIGPIPE's default, the reader chose to stop, and
/// a `set -o pipefail` script should not fail because `head` did (141, a death by SIGPIPE,
/// would). Any other write error is one `error:` line and status 1.
pub fn write_out(args: std::fmt::Arguments) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|()| out.flush()) {
        stdout_failed(&e);
    }
}

/// Ends the program after a failed write to stdout (see [`write_out`]).
fn stdout_failed(e: &std::io::Error) -> ! {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    eprintln!("error: cannot write to standard output: {e}");
    std::process::exit(EXIT_FAILED);
}

/// An error that carries its own exit code; anything else maps to [`EXIT_BAD_INPUT`].
#[derive(Debug)]
pub struct Failed(pub i32, pub String);

impl std::fmt::Display for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.1)
    }
}

impl std::error::Error for Failed {}

/// Runs a parsed command line and returns the process exit code. Errors print as one line.
pub fn run(cli: Cli) -> i32 {
    let result = match cli.command {
        Command::Info(args) => info::run(args),
        Command::Chat(args) => chat::run(args),
        Command::Train(args) => train::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Ports(args) => ports::run(args),
        Command::Flash(args) => flash::run(args),
        Command::Term(args) => term::run(args),
        Command::Emu(args) => emu::run(args),
        Command::Data(args) => data::run(args),
        Command::Build(args) => build::run(args),
        Command::Run(args) => run::run(args),
        Command::Bench(args) => bench::run(args),
    };
    match result {
        Ok(()) => 0,
        // A write to stdout that met a closed pipe, passed up with `?`: see [`write_out`].
        Err(err)
            if err.chain().any(|e| {
                e.downcast_ref::<std::io::Error>()
                    .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            0
        }
        Err(err) => {
            let code = err.downcast_ref::<Failed>().map_or(EXIT_BAD_INPUT, |f| f.0);
            // One line: the outermost context first, causes after it.
            let msg = err
                .chain()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join(": ");
            eprintln!("error: {msg}");
            code
        }
    }
}

/// Loads a model for a command: the error names the file; a warning goes to stderr.
pub fn load_model(path: &Path) -> Result<Model> {
    let model = crate::model::load_file(path)?;
    warn_model(path, &model);
    Ok(model)
}

/// Prints a loaded model's warning, if it has one.
pub fn warn_model(path: &Path, model: &Model) {
    if let Some(w) = &model.warning {
        eprintln!("warning: {}: {w}", path.display());
    }
}

/// Shows a charset byte readably: printable ASCII as itself, others as `\xNN`.
pub fn show_byte(b: u8) -> String {
    match b {
        b' ' => "␠".to_string(),
        0x21..=0x7e => (b as char).to_string(),
        _ => format!("\\x{b:02x}"),
    }
}

/// The serial port for `flash` and `term`: `--port` (or `Z80LM_PORT`) when given, else the only
/// USB serial adapter; with several, a TTY is asked to pick one and anything else gets the list.
pub fn port(given: Option<String>) -> Result<String> {
    use crate::flash::serial::{choose, list, PortChoice};
    use std::io::{BufRead, IsTerminal, Write};
    if let Some(p) = given {
        return Ok(p);
    }
    let show = |ports: &[(String, String)]| {
        ports
            .iter()
            .map(|(n, w)| format!("{n} ({w})"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match choose(&list()) {
        PortChoice::One(p) => {
            eprintln!("port: {p}, the only USB serial port (--port or Z80LM_PORT picks another)");
            Ok(p)
        }
        PortChoice::NoUsb(others) => anyhow::bail!(
            "no --port given and no USB serial port found: plug in the USB-serial adapter, or give \
             --port PORT (`z80lm emu` prints an emulated board's pty){}",
            if others.is_empty() {
                String::new()
            } else {
                format!("; other ports here: {}", show(&others))
            }
        ),
        PortChoice::Several(usb) => {
            if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
                anyhow::bail!(
                    "no --port given and several USB serial ports: {}; give --port PORT",
                    show(&usb)
                );
            }
            for (i, (n, w)) in usb.iter().enumerate() {
                eprintln!("  {}: {n} ({w})", i + 1);
            }
            eprint!("port [1-{}]: ", usb.len());
            std::io::stderr().flush()?;
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            match line.trim().parse::<usize>() {
                Ok(k) if (1..=usb.len()).contains(&k) => Ok(usb[k - 1].0.clone()),
                _ => anyhow::bail!("{:?} is not one of 1..{}", line.trim(), usb.len()),
            }
        }
    }
}
