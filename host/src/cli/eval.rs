//! `z80lm eval --model MODEL DATA...`: accuracy of the integer engine (spec §3) on
//! `input|OUTPUT` lines or hand-written `.tsv` test files, per expected output, overall and as
//! the macro average, with a confusion table and the replies outside the reply vocabulary.

use std::path::PathBuf;

use anyhow::{Context, Result};

use super::load_model;
use super::Failed;
use crate::train::dataset::Dataset;
use crate::train::evaluate::{evaluate_cases, parse_cases, Case};

/// Run the exact integer engine on every line of DATA and compare the full response with the
/// expected one.
///
/// DATA is `input|OUTPUT` lines (training data), or a hand-written test file ending in `.tsv`:
/// `input<TAB>REPLY[<TAB>another acceptable reply...]`, where the first reply is the line's
/// class. Prints one row per class (total, right, accuracy, and what was answered instead), the
/// overall accuracy, the macro average (mean of the class accuracies), the replies that are not
/// in the reply vocabulary (the outputs of --vocab, default the expected replies of DATA), and
/// the largest |accumulator| per layer (above 32767 the 16-bit engine wrapped), and the mean
/// (non-zero weight × non-zero input) pairs per step, the work of the sparse Z80 engines.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The model file (.npz).
    #[arg(long, short, env = "Z80LM_MODEL")]
    pub model: PathBuf,
    /// Dataset files (`input|OUTPUT` lines, `#` comments; `.gz` accepted) or `.tsv` test files.
    #[arg(required = true)]
    pub data: Vec<PathBuf>,
    /// The model's reply vocabulary: the outputs of these dataset files (normally its training
    /// data). Default: the expected replies of DATA.
    #[arg(long, value_name = "DATA")]
    pub vocab: Vec<PathBuf>,
    /// Evaluate only the lines whose input (case folded) is not an input of these dataset files
    /// (normally the training data): how the model does on phrasings it never saw.
    #[arg(long, value_name = "DATA")]
    pub unseen: Vec<PathBuf>,
    /// Reject the data if any line is malformed (default: report and skip).
    #[arg(long)]
    pub strict: bool,
    /// Evaluate only the fixed held-out PERCENT% split that `train --holdout PERCENT` leaves out.
    #[arg(long, value_name = "PERCENT", value_parser = clap::value_parser!(u32).range(1..=100))]
    pub holdout: Option<u32>,
    /// Rows and columns shown in the confusion table (most frequent outputs first).
    #[arg(long, default_value_t = 12)]
    pub classes: usize,
    /// Exit with status 1 if the overall accuracy is below this percentage.
    #[arg(long, value_name = "PERCENT")]
    pub min_accuracy: Option<f64>,
}

fn is_tsv(p: &std::path::Path) -> bool {
    p.extension().is_some_and(|e| e.eq_ignore_ascii_case("tsv"))
}

/// The cases of `.tsv` test files and `input|OUTPUT` dataset files (malformed lines skipped
/// with a warning).
pub fn load_inputs(files: &[PathBuf]) -> Result<Vec<Case>> {
    let mut cases = Vec::new();
    let (tsv, data): (Vec<PathBuf>, Vec<PathBuf>) = files.iter().cloned().partition(|p| is_tsv(p));
    for p in &tsv {
        let text =
            std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?;
        cases.extend(parse_cases(&p.display().to_string(), &text)?);
    }
    if !data.is_empty() {
        let data = Dataset::load(&data, false).context("cannot use the data")?;
        for m in &data.skipped {
            eprintln!("warning: skipped {m}");
        }
        cases.extend(data.examples.iter().map(Case::from));
    }
    Ok(cases)
}

pub fn run(args: Args) -> Result<()> {
    let model = load_model(&args.model)?;
    let mut cases: Vec<Case> = Vec::new();
    let (tsv, data): (Vec<PathBuf>, Vec<PathBuf>) =
        args.data.iter().cloned().partition(|p| is_tsv(p));
    for p in &tsv {
        let text =
            std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?;
        cases.extend(parse_cases(&p.display().to_string(), &text)?);
    }
    if !data.is_empty() {
        let data = Dataset::load(&data, args.strict).context("cannot use the data")?;
        for m in &data.skipped {
            eprintln!("warning: skipped {m}");
        }
        let examples = match args.holdout {
            Some(p) => data.split(p).1,
            None => data.examples,
        };
        cases.extend(examples.iter().map(Case::from));
    }
    if !args.unseen.is_empty() {
        let seen = Dataset::load(&args.unseen, false).context("cannot use the --unseen data")?;
        let seen: std::collections::HashSet<Vec<u8>> = seen
            .examples
            .into_iter()
            .map(|e| e.input.to_ascii_lowercase())
            .collect();
        let before = cases.len();
        cases.retain(|c| !seen.contains(&c.input.to_ascii_lowercase()));
        if cases.is_empty() {
            let which = if before == 1 {
                "the only line is".to_string()
            } else {
                format!("all {before} lines are")
            };
            anyhow::bail!("{which} in the --unseen data; nothing to evaluate");
        }
        outln!(
            "{} of {before} lines are not in the --unseen data",
            cases.len()
        );
    }
    let vocab = if args.vocab.is_empty() {
        cases
            .iter()
            .flat_map(|c| c.accept.iter().cloned())
            .collect()
    } else {
        let v = Dataset::load(&args.vocab, false).context("cannot use the --vocab data")?;
        v.examples.into_iter().map(|e| e.output).collect()
    };
    let report = evaluate_cases(&model, &cases, Some(&vocab));
    out!("{}", report.table(args.classes));
    let outside: Vec<String> = report
        .outside
        .iter()
        .map(|(r, n)| format!("{:?} x{n}", String::from_utf8_lossy(r)))
        .collect();
    outln!(
        "outside the vocabulary ({} replies): {}{}",
        vocab.len(),
        report.outside_total(),
        if outside.is_empty() {
            String::new()
        } else {
            format!(" ({})", outside.join(", "))
        }
    );
    let parts: Vec<String> = report
        .max_abs
        .iter()
        .enumerate()
        .map(|(i, m)| format!("fc{} {m}", i + 1))
        .collect();
    outln!(
        "max |acc|: {}{}",
        parts.join(", "),
        if report.wrapped() {
            "  (WRAPS: the 16-bit accumulator overflowed)"
        } else {
            ""
        }
    );
    outln!(
        "pairs (non-zero weight × non-zero input): {}",
        report.pairs.summary()
    );
    if let Some(min) = args.min_accuracy {
        let acc = 100.0 * report.accuracy();
        if acc < min {
            return Err(Failed(
                super::EXIT_FAILED,
                format!("accuracy {acc:.2}% is below --min-accuracy {min}%"),
            )
            .into());
        }
    }
    Ok(())
}
