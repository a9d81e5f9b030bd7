//! `z80lm eval --model MODEL DATA...`: exact-match accuracy of the integer engine (spec §3) on
//! `input|OUTPUT` lines, per expected output and overall, with a confusion table.

use std::path::PathBuf;

use anyhow::{Context, Result};

use super::load_model;
use super::Failed;
use crate::train::dataset::Dataset;
use crate::train::evaluate::evaluate;

/// Run the exact integer engine on every line of DATA and compare the full response with OUTPUT.
///
/// Prints one row per expected output (total, exact matches, accuracy, and what was answered
/// instead), the overall accuracy, and the largest |accumulator| per layer (a value above 32767
/// means the 16-bit engine wrapped).
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The model file (.npz).
    #[arg(long, short, env = "Z80LM_MODEL")]
    pub model: PathBuf,
    /// Dataset files (`input|OUTPUT` lines, `#` comments; `.gz` accepted).
    #[arg(required = true)]
    pub data: Vec<PathBuf>,
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

pub fn run(args: Args) -> Result<()> {
    let model = load_model(&args.model)?;
    let data = Dataset::load(&args.data, args.strict).context("cannot use the data")?;
    for m in &data.skipped {
        eprintln!("warning: skipped {m}");
    }
    let examples = match args.holdout {
        Some(p) => data.split(p).1,
        None => data.examples,
    };
    let report = evaluate(&model, &examples);
    print!("{}", report.table(args.classes));
    let parts: Vec<String> = report
        .max_abs
        .iter()
        .enumerate()
        .map(|(i, m)| format!("fc{} {m}", i + 1))
        .collect();
    println!(
        "max |acc|: {}{}",
        parts.join(", "),
        if report.wrapped() {
            "  (WRAPS: the 16-bit accumulator overflowed)"
        } else {
            ""
        }
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
