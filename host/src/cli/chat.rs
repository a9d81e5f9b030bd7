//! `z80lm chat`: talk to a model on the host reference engine (spec §9 chat loop).

use std::io::{BufRead, Write};
use std::path::PathBuf;

use anyhow::Result;

use super::{load_model, show_byte};
use crate::model::{Engine, Model, MAX_QUERY};
use crate::term::strip_terminator;

/// Chat with a model on the host reference engine, which is bit-exact with the spec.
///
/// Interactive by default: type a line after `> `, an empty line prompts again, a line starting
/// with `!` or Ctrl-D ends the chat.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The model file (.npz).
    #[arg(long, short, env = "Z80LM_MODEL")]
    pub model: PathBuf,
    /// Read one prompt per line from stdin and print exactly one response line per prompt
    /// (an empty line for an empty response, and for an empty line, which is not answered), and
    /// nothing else on stdout. A line starting with ! ends the chat (spec §9); lines after it
    /// are an error saying how many were left unanswered.
    #[arg(long, conflicts_with = "prompt")]
    pub batch: bool,
    /// Answer this one prompt and exit.
    #[arg(long)]
    pub prompt: Option<String>,
    /// Print each step's top-3 logits to stderr.
    #[arg(long)]
    pub trace: bool,
    /// After answering, print the largest |accumulator| per layer to stderr (16-bit overflow check).
    #[arg(long)]
    pub overflow: bool,
}

pub fn run(args: Args) -> Result<()> {
    let model = load_model(&args.model)?;
    let mut engine = Engine::new(&model);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if let Some(p) = &args.prompt {
        let r = answer(&mut engine, p.as_bytes(), args.trace);
        out.write_all(&r)?;
        out.write_all(b"\n")?;
    } else {
        let stdin = std::io::stdin();
        let mut input = stdin.lock();
        let interactive = !args.batch;
        if interactive {
            eprintln!(
                "{}: type a line and Enter; a line starting with ! or Ctrl-D leaves",
                args.model.display()
            );
        }
        let mut line = Vec::new();
        let mut n = 0;
        loop {
            if interactive {
                out.write_all(b"> ")?;
                out.flush()?;
            }
            line.clear();
            if input.read_until(b'\n', &mut line)? == 0 {
                if interactive {
                    out.write_all(b"\n")?;
                }
                break;
            }
            n += 1;
            strip_terminator(&mut line);
            // Spec §9: an empty line is not answered; a line starting with ! ends the chat.
            if line.is_empty() {
                if !interactive {
                    out.write_all(b"\n")?;
                }
                continue;
            }
            if line[0] == b'!' {
                if !interactive {
                    out.flush()?;
                    super::no_lines_left(
                        &mut input,
                        &format!("the chat ended at line {n} (a line starting with ! ends it)"),
                    )?;
                }
                break;
            }
            let r = answer(&mut engine, &line, args.trace);
            out.write_all(&r)?;
            out.write_all(b"\n")?;
            out.flush()?;
        }
    }
    if args.overflow {
        report_overflow(&engine.overflow.max_abs);
    }
    Ok(())
}

fn answer(engine: &mut Engine, line: &[u8], trace: bool) -> Vec<u8> {
    if !trace {
        return engine.respond(line);
    }
    let model: &Model = engine.model;
    let shown = &line[..line.len().min(MAX_QUERY)];
    eprintln!("query {:?}", String::from_utf8_lossy(shown));
    let mut step = 0;
    engine.respond_traced(line, |s| {
        let mut idx: Vec<usize> = (0..s.logits.len()).collect();
        idx.sort_by_key(|&i| (std::cmp::Reverse(s.logits[i]), i));
        let top: Vec<String> = idx
            .iter()
            .take(3)
            .map(|&i| {
                let name = if i == model.eos() {
                    "EOS".to_string()
                } else {
                    show_byte(model.charset[i])
                };
                format!("{name} {}", s.logits[i])
            })
            .collect();
        eprintln!(
            "step {step:>2}: {}   (active {:?})",
            top.join(", "),
            s.active
        );
        step += 1;
    })
}

fn report_overflow(max_abs: &[i64]) {
    let parts: Vec<String> = max_abs
        .iter()
        .enumerate()
        .map(|(i, m)| {
            format!(
                "fc{} {m}{}",
                i + 1,
                if *m > 32767 { " (wraps)" } else { "" }
            )
        })
        .collect();
    eprintln!("max |acc|: {}", parts.join(", "));
}
