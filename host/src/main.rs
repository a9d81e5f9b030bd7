//! `z80lm`: parse the command line, dispatch to `cli`, map the outcome to an exit code
//! (0 ok, 1 a check failed, 2 bad input or usage).

use clap::Parser;

fn main() {
    let cli = z80lm::cli::Cli::parse();
    std::process::exit(z80lm::cli::run(cli));
}
