//! `baton backup --to FILE`: a consistent copy of the database, taken while `baton serve` runs.

use std::io::Write as _;

use anyhow::Context;

use crate::cli::BackupArgs;
use crate::storage;

/// Writes the copy and prints one line about it: size, tickets, schema version.
pub async fn backup(args: &BackupArgs) -> anyhow::Result<()> {
    let report = storage::backup(&args.data_dir, &args.to, args.force)
        .await
        .context("no backup was made")?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "backed up {} bytes to {}: {} tickets, schema version {}, integrity ok",
        report.bytes,
        args.to.display(),
        report.tickets,
        report.schema_version
    )?;
    Ok(())
}
