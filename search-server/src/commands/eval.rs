//! `baton eval`: scores the production search on a relevance test collection.

use anyhow::Context;

use crate::cli::{EvalArgs, RunFileFormat};
use crate::search::relevance::{Collection, RunFormat, run_file};

/// Loads the collection, runs every query, prints the metrics as JSON on stdout and writes the
/// run file if asked.
pub fn eval(args: EvalArgs) -> anyhow::Result<()> {
    let collection = Collection::load(&args.data)
        .with_context(|| format!("cannot read the collection in {}", args.data.display()))?;
    let run = collection.run().context("cannot run the queries")?;
    if let Some(path) = &args.run_file {
        let format = match args.format {
            RunFileFormat::Trec => RunFormat::Trec,
            RunFileFormat::Jsonl => RunFormat::Jsonl,
        };
        std::fs::write(path, run_file(&run, format))
            .with_context(|| format!("cannot write the run file {}", path.display()))?;
    }
    let metrics = collection.evaluate(&run);
    println!("{}", serde_json::to_string(&metrics)?);
    Ok(())
}
