//! `z80lm data guess|tinychat`: write one of our generated datasets (see `crate::data`).

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};

use super::{Failed, EXIT_FAILED};
use crate::data::{guess, lint, tinychat, to_text};
use crate::train::dataset::Dataset;

/// Generate a dataset of `input|OUTPUT` lines from the tables built into z80lm.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub kind: Kind,
    /// Write here instead of standard output.
    #[arg(long, short, global = true)]
    pub output: Option<PathBuf>,
    /// Seed for phrasing variants and typos (same seed, same file).
    #[arg(long, default_value_t = 1, global = true)]
    pub seed: u64,
    /// Chance of a typo in each varied copy (0 to 1).
    #[arg(long, default_value_t = 0.2, global = true)]
    pub typos: f32,
}

#[derive(clap::Subcommand, Debug)]
pub enum Kind {
    /// A 20-questions game about one secret object: YES / NO / MAYBE per question, WIN for a
    /// right guess.
    Guess {
        /// The secret object (see --list).
        #[arg(long, required_unless_present = "list")]
        secret: Option<String>,
        /// List the objects the table knows and exit.
        #[arg(long)]
        list: bool,
        /// The knowledge table (TOML; default: the one built into z80lm, the format is
        /// explained at the top of host/src/data/guess_table.toml).
        #[arg(long, value_name = "FILE")]
        table: Option<PathBuf>,
        /// Questions drawn per attribute answered NO (at least twice as many for YES and MAYBE,
        /// more when the secret has few of them, so they make ~45% of the questions).
        #[arg(long, default_value_t = 16)]
        per_attribute: usize,
    },
    /// Check a dataset before training: conflicting labels for the same input, class balance,
    /// distinct replies, reply length, different inputs that fall into the same trigram buckets
    /// with different outputs, and the accuracy ceiling those imply. Exit 1 when a threshold
    /// fails.
    Lint {
        /// Dataset files (`input|OUTPUT` lines; `.gz` accepted).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Most lines one output may have, in percent.
        #[arg(long, default_value_t = 60.0, value_name = "PERCENT")]
        max_class_share: f64,
        /// Most distinct replies.
        #[arg(long, default_value_t = 64)]
        max_replies: usize,
        /// Longest reply, in characters.
        #[arg(long, default_value_t = 12)]
        max_reply_len: usize,
        /// Lowest accuracy ceiling, in percent.
        #[arg(long, default_value_t = 99.0, value_name = "PERCENT")]
        min_ceiling: f64,
        /// Examples shown per problem.
        #[arg(long, default_value_t = 5)]
        show: usize,
    },
    /// A terse chatbot (HI, BYE, YES, NO, MAYBE, ...).
    Tinychat {
        /// Varied copies of each phrase.
        #[arg(long, default_value_t = 12)]
        variants: usize,
    },
}

pub fn run(args: Args) -> Result<()> {
    if !(0.0..=1.0).contains(&args.typos) {
        anyhow::bail!("--typos must be between 0 and 1, got {}", args.typos);
    }
    let (header, examples) = match args.kind {
        Kind::Lint {
            files,
            max_class_share,
            max_replies,
            max_reply_len,
            min_ceiling,
            show,
        } => {
            if args.output.is_some() {
                anyhow::bail!("--output does not apply to data lint (it only reads FILES)");
            }
            let data = Dataset::load(&files, false).context("cannot use the data")?;
            for m in &data.skipped {
                eprintln!("warning: skipped {m}");
            }
            let limits = lint::Limits {
                max_class_share: max_class_share / 100.0,
                max_replies,
                max_reply_len,
                min_ceiling: min_ceiling / 100.0,
                max_conflicts: 0,
            };
            let l = lint::lint(&data.examples, limits);
            out!("{}", l.render(show));
            let failed = l.failures();
            if failed.is_empty() {
                outln!("ok");
                return Ok(());
            }
            return Err(Failed(EXIT_FAILED, failed.join("; ")).into());
        }
        Kind::Guess {
            secret,
            list,
            table,
            per_attribute,
        } => {
            let table = match &table {
                Some(p) => {
                    let text = std::fs::read_to_string(p)
                        .with_context(|| format!("cannot read {}", p.display()))?;
                    guess::Table::parse(&text).with_context(|| p.display().to_string())?
                }
                None => guess::Table::builtin()?,
            };
            if list {
                outln!("{}", table.secrets());
                return Ok(());
            }
            let secret = secret.unwrap_or_default();
            let opt = guess::Options {
                seed: args.seed,
                per_attribute,
                typo: args.typos,
            };
            let ex = guess::generate(&table, &secret, opt)?;
            let cmd = format!(
                "z80lm data guess --secret {secret} --per-attribute {per_attribute} --seed {} --typos {}",
                args.seed, args.typos
            );
            (cmd, ex)
        }
        Kind::Tinychat { variants } => {
            let opt = tinychat::Options {
                seed: args.seed,
                variants,
                typo: args.typos,
            };
            let ex = tinychat::generate(tinychat::BUILTIN_INTENTS, opt)?;
            let cmd = format!(
                "z80lm data tinychat --variants {variants} --seed {} --typos {}",
                args.seed, args.typos
            );
            (cmd, ex)
        }
    };
    let header = format!(
        "Generated by `{header}` ({} lines). Do not edit: regenerate.",
        examples.len()
    );
    let text = to_text(&header, &examples);
    match &args.output {
        Some(p) => {
            crate::files::write_whole(p, text.as_bytes())?;
            let classes: std::collections::BTreeSet<&[u8]> =
                examples.iter().map(|e| e.output.as_slice()).collect();
            eprintln!(
                "wrote {} ({} lines, {} classes)",
                p.display(),
                examples.len(),
                classes.len()
            );
        }
        None => std::io::stdout().write_all(text.as_bytes())?,
    }
    Ok(())
}
