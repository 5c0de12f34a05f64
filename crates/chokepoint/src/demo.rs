//! `chokepoint demo`: a work directory with simulated data, every module run on it.

use crate::{Global, Outcome};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Work directory for the demo's inputs and outputs (created when missing).
    #[arg(long, default_value = "demo-out")]
    pub dir: PathBuf,
    /// Seed of the simulated data.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
}

pub fn run(args: DemoArgs, _global: &Global) -> anyhow::Result<Outcome> {
    std::fs::create_dir_all(&args.dir)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", args.dir.display()))?;
    println!("demo directory: {}", args.dir.display());
    Ok(Outcome::Ok)
}
