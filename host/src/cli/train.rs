//! `z80lm train`: see `crate::train`.
use anyhow::Result;

/// Train a model (work in progress).
#[derive(clap::Args, Debug)]
pub struct Args {}

pub fn run(_args: Args) -> Result<()> {
    anyhow::bail!("train is not built yet")
}
