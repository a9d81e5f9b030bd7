//! `z80lm train DATA... -o MODEL.npz`: quantization-aware training (see `crate::train`), with an
//! indicatif progress bar, a CSV log, an SVG plot and Ctrl-C that keeps the best model so far.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};

use super::load_model;
use crate::fit::BUDGETS;
use crate::model::Model;
use crate::train::dataset::Dataset;
use crate::train::evaluate::evaluate;
use crate::train::plot::svg;
use crate::train::trainer::{train, Config, EpochStats, Progress};

/// Train a 2-bit model from `input|OUTPUT` lines.
///
/// Every epoch the fully quantized model is checked with the exact integer semantics; the most
/// accurate one that never overflows a 16-bit accumulator is written to OUTPUT (also on Ctrl-C).
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Dataset files (`input|OUTPUT` lines, `#` comments, blank lines ignored; `.gz` accepted).
    #[arg(required = true)]
    pub data: Vec<PathBuf>,
    /// Where to write the model (.npz).
    #[arg(long, short)]
    pub output: PathBuf,
    /// Hidden layer sizes, comma separated.
    #[arg(long, default_value = "256,192,128", value_delimiter = ',')]
    pub hidden: Vec<usize>,
    /// Passes over the data.
    #[arg(long, default_value_t = 30)]
    pub epochs: usize,
    /// Random seed: the same seed and data give the same model file, with any --threads.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Worker threads (default: all cores).
    #[arg(long, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub threads: Option<usize>,
    /// Fine-tune this model (keeps its architecture and charset; quantized from the start).
    #[arg(long, value_name = "MODEL")]
    pub resume: Option<PathBuf>,
    /// Fail at once if the weights cannot fit this board (see `z80lm info`).
    #[arg(long, value_name = "BOARD")]
    pub budget: Option<String>,
    /// Target share of zero weights, 0 to 0.95 (more zeros = faster inference on the Z80).
    #[arg(long, default_value_t = 0.0)]
    pub sparsity: f32,
    /// Cost target: at most this mean of (non-zero weight × non-zero input) pairs per step
    /// outside layer 1's query half, the adds the sparse Z80 engines do per generated character
    /// (`z80lm eval` prints it as `per step`). Trades accuracy for speed: an activation penalty,
    /// each hidden neuron weighted by the non-zero weights of its next-layer column, steered
    /// every epoch towards the target; only epochs within it are kept. Combine with --sparsity
    /// (weight zeros); for the CP/M engine ~34 T-states per pair plus a fixed ~120 K per char.
    #[arg(long, value_name = "PAIRS")]
    pub max_pairs: Option<f64>,
    /// Learning rate (Adam, on shadow weights in integer units), above 0 and at most 1.
    #[arg(long, default_value_t = 0.01)]
    pub lr: f32,
    /// Teacher-forced steps per batch.
    #[arg(long, default_value_t = 256)]
    pub batch: usize,
    /// Hold out this fixed PERCENT% of the examples (by content) and report accuracy on them.
    #[arg(long, default_value_t = 0, value_name = "PERCENT", value_parser = clap::value_parser!(u32).range(0..=90))]
    pub holdout: u32,
    /// Reject the data if any line is malformed (default: report and skip).
    #[arg(long)]
    pub strict: bool,
    /// Write one CSV row per epoch here.
    #[arg(long, value_name = "CSV")]
    pub log: Option<PathBuf>,
    /// Write a loss/accuracy chart here (default: OUTPUT with .svg).
    #[arg(long, value_name = "SVG")]
    pub plot: Option<PathBuf>,
    /// No progress bar (one line per epoch on stderr instead).
    #[arg(long, short)]
    pub quiet: bool,
}

/// Packed weight bytes plus biases for an architecture, as `fit` counts them.
fn packed_bytes(sizes: &[usize]) -> usize {
    sizes
        .windows(2)
        .map(|w| w[1] * w[0].div_ceil(4) + 2 * w[1])
        .sum()
}

struct Bar {
    bar: ProgressBar,
    log: Option<std::fs::File>,
    output: PathBuf,
    quiet: bool,
    last: String,
    save_error: Option<String>,
}

impl Progress for Bar {
    fn start(&mut self, epochs: usize, batches: usize) {
        self.bar.set_length((epochs * batches) as u64);
    }
    fn batch(&mut self, epoch: usize, _batch: usize, loss: f64) {
        self.bar.inc(1);
        self.bar
            .set_message(format!("epoch {epoch} loss {loss:.4} {}", self.last));
    }
    fn epoch(&mut self, s: &EpochStats) {
        let held = s
            .held_acc
            .map_or(String::new(), |h| format!(" held {:.2}%", 100.0 * h));
        self.last = format!(
            "| float {:.2}% int {:.2}%{held}",
            100.0 * s.float_acc,
            100.0 * s.int_acc
        );
        if self.quiet {
            eprintln!(
                "epoch {:>3} {:>7.1}s loss {:.4} {} max|acc| {:?} zeros {:.0}% pairs/step {:.0}{}",
                s.epoch,
                s.seconds,
                s.loss,
                self.last,
                s.max_abs,
                100.0 * s.zeros,
                s.pairs,
                if s.best { " *" } else { "" }
            );
        }
        if let Some(f) = &mut self.log {
            let _ = writeln!(
                f,
                "{},{:.2},{:.6},{:.5},{:.5},{},{},{:.4},{:.3},{:.1},{:.3e},{}",
                s.epoch,
                s.seconds,
                s.loss,
                s.float_acc,
                s.int_acc,
                s.held_acc.map_or(String::new(), |h| format!("{h:.5}")),
                s.max_abs.iter().max().copied().unwrap_or(0),
                s.zeros,
                s.alpha,
                s.pairs,
                s.lambda,
                u8::from(s.best)
            );
        }
    }
    fn best(&mut self, model: &Model) {
        if let Err(e) = model.save(&self.output) {
            self.save_error = Some(format!("cannot write {}: {e}", self.output.display()));
        }
    }
}

pub fn run(args: Args) -> Result<()> {
    if !(0.0..=0.95).contains(&args.sparsity) {
        bail!(
            "--sparsity must be between 0 and 0.95, got {}",
            args.sparsity
        );
    }
    if let Some(p) = args.max_pairs {
        if !(p.is_finite() && p > 0.0) {
            bail!("--max-pairs must be a number above 0, got {p}");
        }
    }
    if args.epochs == 0 || args.batch == 0 {
        bail!("--epochs and --batch must be at least 1");
    }
    // NaN or an infinite rate trains an all-zero model; a rate above 1 integer unit a step
    // only oscillates.
    if !(args.lr.is_finite() && args.lr > 0.0 && args.lr <= 1.0) {
        bail!(
            "--lr must be above 0 and at most 1 (default 0.01), got {}",
            args.lr
        );
    }
    let resume = args.resume.as_deref().map(load_model).transpose()?;
    let data = Dataset::load(&args.data, args.strict).context("cannot use the data")?;
    // Mostly unparseable (random bytes, a binary, the wrong file): no training on the rest.
    if data.skipped.len() > data.examples.len() {
        bail!(
            "cannot use the data: {} of {} lines are not `input|OUTPUT` lines (the first: {}); is it a training data file?",
            data.skipped.len(),
            data.skipped.len() + data.examples.len(),
            data.skipped[0]
        );
    }
    for m in data.skipped.iter().take(20) {
        eprintln!("warning: skipped {m}");
    }
    if data.skipped.len() > 20 {
        eprintln!(
            "warning: ... and {} more malformed lines",
            data.skipped.len() - 20
        );
    }
    let charset = data.charset()?;
    let hidden = match &resume {
        Some(m) => m.layers[..m.layers.len() - 1]
            .iter()
            .map(|l| l.out)
            .collect(),
        None => args.hidden.clone(),
    };
    let mut sizes = vec![crate::model::INPUTS];
    sizes.extend(&hidden);
    sizes.push(resume.as_ref().map_or(charset.len(), |m| m.charset.len()));
    if let Some(board) = &args.budget {
        let b = BUDGETS
            .iter()
            .find(|b| b.board == board || b.target == board)
            .with_context(|| {
                let names: Vec<&str> = BUDGETS.iter().map(|b| b.board).collect();
                format!(
                    "unknown board {board:?}; known boards: {}",
                    names.join(", ")
                )
            })?;
        let need = packed_bytes(&sizes);
        if need > b.weight_bytes {
            bail!(
                "architecture {sizes:?} needs {need} bytes of packed weights and biases but {} has {}; use smaller --hidden",
                b.board,
                b.weight_bytes
            );
        }
    }
    if resume.is_none() {
        check_buildable(&sizes, &charset, args.sparsity)?;
    }
    for p in [Some(&args.output), args.log.as_ref(), args.plot.as_ref()]
        .into_iter()
        .flatten()
    {
        check_writable(p)?;
    }
    let (train_set, held) = data.split(args.holdout);
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()?;
    let cfg = Config {
        hidden,
        epochs: args.epochs,
        seed: args.seed,
        batch: args.batch,
        lr: args.lr,
        sparsity: args.sparsity,
        max_pairs: args.max_pairs,
        ..Config::default()
    };
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = stop.clone();
        // A second Ctrl-C while stopping is ignored; the best model is already on disk.
        let _ = ctrlc::set_handler(move || stop.store(true, Ordering::Relaxed));
    }
    let log = match &args.log {
        Some(p) => {
            let mut f = std::fs::File::create(p)
                .with_context(|| format!("cannot write {}", p.display()))?;
            writeln!(
                f,
                "epoch,seconds,loss,float_acc,int_acc,held_acc,max_abs,zeros,alpha,pairs,lambda,best"
            )?;
            Some(f)
        }
        None => None,
    };
    let bar = if args.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(1)
    };
    bar.set_style(
        ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} eta {eta} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut progress = Bar {
        bar,
        log,
        output: args.output.clone(),
        quiet: args.quiet,
        last: String::new(),
        save_error: None,
    };
    eprintln!(
        "training {sizes:?} on {} examples ({} held out), {} threads",
        train_set.len(),
        held.len(),
        threads
    );
    let outcome = pool.install(|| {
        train(
            &train_set,
            &held,
            &charset,
            &cfg,
            resume.as_ref(),
            &mut progress,
            &stop,
        )
    })?;
    progress.bar.finish_and_clear();
    if let Some(e) = progress.save_error {
        bail!(e);
    }
    let plot = args
        .plot
        .clone()
        .unwrap_or_else(|| args.output.with_extension("svg"));
    let title = format!("z80lm train {}", args.output.display());
    std::fs::write(&plot, svg(&outcome.history, &title))
        .with_context(|| format!("cannot write {}", plot.display()))?;
    let Some(best) = outcome.best else {
        if outcome.interrupted {
            return Err(super::Failed(
                EXIT_INTERRUPTED,
                "interrupted before the first epoch ended; nothing written".into(),
            )
            .into());
        }
        bail!("no model without 16-bit overflow was found; nothing written");
    };
    report(&best, &train_set, &held, outcome.best_epoch, &args.output);
    let why = match (args.sparsity > 0.0, args.max_pairs.is_some()) {
        (true, true) => "the highest engine exact match on the training lines among the epochs at the full --sparsity target and within --max-pairs, with no 16-bit overflow",
        (true, false) => "the highest engine exact match on the training lines among the epochs at the full --sparsity target, with no 16-bit overflow",
        (false, true) => "the highest engine exact match on the training lines among the epochs within --max-pairs, with no 16-bit overflow",
        (false, false) => "the highest engine exact match on the training lines with no 16-bit overflow",
    };
    eprintln!(
        "kept epoch {} of {}: {why} ({:.2}%)",
        outcome.best_epoch,
        outcome.history.len(),
        100.0 * outcome.best_acc
    );
    if outcome.interrupted {
        return Err(super::Failed(
            EXIT_INTERRUPTED,
            format!(
                "interrupted after {} of {} epochs; {} holds the best so far",
                outcome.history.len(),
                args.epochs,
                args.output.display()
            ),
        )
        .into());
    }
    Ok(())
}

/// Exit status after Ctrl-C (128 + SIGINT, as shells report it).
const EXIT_INTERRUPTED: i32 = 130;

/// Refuses an architecture that no target can build, and says which boards take it.
fn check_buildable(sizes: &[usize], charset: &[u8], sparsity: f32) -> Result<()> {
    let density = if sparsity > 0.0 {
        1.0 - f64::from(sparsity)
    } else {
        0.5
    };
    let boards = crate::fit::boards_for(&crate::fit::stand_in(sizes, charset, density));
    let yes: Vec<&str> = boards.iter().filter(|b| b.1).map(|b| b.0.board).collect();
    let no: Vec<&str> = boards.iter().filter(|b| !b.1).map(|b| b.0.board).collect();
    if yes.is_empty() {
        let why: Vec<String> = boards
            .iter()
            .map(|(b, _, s)| format!("{}: {s}", b.board))
            .collect();
        bail!(
            "no target can build a {sizes:?} model ({}); use smaller --hidden (the default is 256,192,128)",
            why.join("; ")
        );
    }
    eprintln!(
        "a {sizes:?} model builds for {}{}",
        yes.join(", "),
        if no.is_empty() {
            String::new()
        } else {
            format!(" (not {})", no.join(", "))
        }
    );
    Ok(())
}

/// Fails before training when `path` cannot be written (a directory, a missing or read-only
/// directory), by creating and removing a scratch file beside it.
fn check_writable(path: &Path) -> Result<()> {
    if path.is_dir() {
        bail!("cannot write {}: it is a directory", path.display());
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map_or_else(|| "out".to_string(), |n| n.to_string_lossy().into_owned());
    let probe = dir.join(format!(".{name}.{}.z80lm-probe", std::process::id()));
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
        .with_context(|| format!("cannot write {}", path.display()))?;
    let _ = std::fs::remove_file(&probe);
    if path.exists() {
        std::fs::OpenOptions::new()
            .append(true)
            .open(path)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// Final report, measured with the engine from the model core.
fn report(
    model: &Model,
    train_set: &[crate::train::dataset::Example],
    held: &[crate::train::dataset::Example],
    epoch: usize,
    path: &Path,
) {
    let r = evaluate(model, train_set);
    eprintln!(
        "wrote {} (epoch {epoch}): engine exact match {:.2}% on {} training examples, max |acc| {:?}{}",
        path.display(),
        100.0 * r.accuracy(),
        r.total,
        r.max_abs,
        if r.wrapped() { " WRAPS" } else { " (no 16-bit overflow)" }
    );
    eprintln!(
        "pairs (non-zero weight × non-zero input): {}",
        r.pairs.summary()
    );
    if !held.is_empty() {
        let h = evaluate(model, held);
        eprintln!("held-out: {:.2}% of {}", 100.0 * h.accuracy(), h.total);
    }
}
