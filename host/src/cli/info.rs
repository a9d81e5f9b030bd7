//! `z80lm info --model MODEL`: what a model is made of and where it fits.

use std::path::PathBuf;

use anyhow::{Context, Result};

use super::{load_model, show_byte};
use crate::model::Model;

/// Show layers, parameters, non-zero weights per layer, the charset, packed weight bytes, and
/// which boards and targets the model fits.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The model file (.npz).
    #[arg(long, short, env = "Z80LM_MODEL", value_name = "MODEL")]
    pub model: Option<PathBuf>,
    /// The model file, as --model.
    #[arg(value_name = "MODEL")]
    pub model_file: Option<PathBuf>,
    /// Also run the integer engine on these prompts (`input|OUTPUT` dataset files or `.tsv`
    /// test files; only the inputs are used) and show the mean (non-zero weight × non-zero
    /// input) pairs per step: the adds the sparse Z80 engines do per generated character.
    #[arg(long, value_name = "DATA")]
    pub data: Vec<PathBuf>,
}

pub fn run(args: Args) -> Result<()> {
    let path = args
        .model_file
        .or(args.model)
        .context("which model? z80lm info --model MODEL.npz")?;
    let model = load_model(&path)?;
    out!("{}", report(&model));
    if !args.data.is_empty() {
        let inputs = super::eval::load_inputs(&args.data)?;
        let r = crate::train::evaluate::evaluate_cases(&model, &inputs, None);
        outln!(
            "\npairs (non-zero weight × non-zero input) on {} prompts: {}",
            r.total,
            r.pairs.summary()
        );
    }
    Ok(())
}

/// The text `info` prints.
pub fn report(model: &Model) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let arch: Vec<String> = std::iter::once(crate::model::INPUTS.to_string())
        .chain(model.layers.iter().map(|l| l.out.to_string()))
        .collect();
    let _ = writeln!(s, "architecture  {}", arch.join(" → "));
    let _ = writeln!(s, "parameters    {}", model.parameters());
    let charset: String = model.charset[..model.eos()]
        .iter()
        .map(|&b| show_byte(b))
        .collect();
    let _ = writeln!(
        s,
        "charset       {} symbols + EOS: {charset}",
        model.classes() - 1
    );
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "layer  shape       non-zero weights      -2      -1      +1  packed bytes  bias range"
    );
    let (mut nz, mut total, mut packed) = (0, 0, 0);
    for (i, l) in model.layers.iter().enumerate() {
        let count = |v: i8| l.weights.iter().filter(|&&w| w == v).count();
        let (lo, hi) = (
            l.bias.iter().min().copied().unwrap_or(0),
            l.bias.iter().max().copied().unwrap_or(0),
        );
        let _ = writeln!(
            s,
            "fc{:<4} {:<11} {:>7} ({:>5.1}%)  {:>7} {:>7} {:>7}  {:>12}  {lo}..{hi}",
            i + 1,
            format!("{}×{}", l.out, l.inp),
            l.nonzero(),
            100.0 * l.nonzero() as f64 / l.weights.len() as f64,
            count(-2),
            count(-1),
            count(1),
            l.packed_bytes()
        );
        nz += l.nonzero();
        total += l.weights.len();
        packed += l.packed_bytes();
    }
    let _ = writeln!(
        s,
        "total  {:<11} {:>7} ({:>5.1}%)  {:>31}  {:>12}",
        "",
        nz,
        100.0 * nz as f64 / total as f64,
        "",
        packed
    );
    let _ = writeln!(s);
    s.push_str(&crate::fit::fit_table(model));
    s
}
