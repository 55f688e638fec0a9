use std::io::Write as _;

use anyhow::{Context, bail};

use crate::cli::{OutboxCommand, OutputFormat};
use crate::storage::{OutboxState, Storage};

/// `baton outbox list|retry`.
pub async fn outbox(command: OutboxCommand) -> anyhow::Result<()> {
    match command {
        OutboxCommand::List(args) => {
            let storage = Storage::open_existing(&args.data_dir)
                .await
                .with_context(|| {
                    format!("cannot open the database in {}", args.data_dir.display())
                })?;
            let state = args.state.as_deref().and_then(OutboxState::parse);
            let rows = storage
                .outbox(state, args.limit)
                .await
                .context("cannot read the outbox")?;
            storage.close().await;
            let mut out = std::io::stdout().lock();
            match args.format {
                OutputFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?,
                OutputFormat::Text => {
                    writeln!(
                        out,
                        "{:>6}  {:<9}  {:<9}  {:<8}  {:>8}  {:<24}  target / last error",
                        "id", "ticket", "state", "kind", "attempts", "next attempt (UTC)"
                    )?;
                    for row in &rows {
                        let next = time::OffsetDateTime::from_unix_timestamp_nanos(
                            i128::from(row.next_attempt_at) * 1_000_000,
                        )
                        .map(crate::storage::rfc3339)
                        .unwrap_or_default();
                        let next = if row.state == OutboxState::Pending {
                            next
                        } else {
                            "-".into()
                        };
                        writeln!(
                            out,
                            "{:>6}  {:<9}  {:<9}  {:<8}  {:>8}  {:<24}  {}{}",
                            row.id,
                            row.reference,
                            row.state.as_str(),
                            row.kind.as_str(),
                            row.attempts,
                            next,
                            row.target,
                            row.last_error
                                .as_deref()
                                .map(|e| format!(" ({e})"))
                                .unwrap_or_default()
                        )?;
                    }
                    if rows.is_empty() {
                        writeln!(out, "(the outbox is empty)")?;
                    }
                }
            }
            out.flush()?;
            Ok(())
        }
        OutboxCommand::Retry(args) => {
            let storage = Storage::open_existing(&args.data_dir)
                .await
                .with_context(|| {
                    format!("cannot open the database in {}", args.data_dir.display())
                })?;
            let found = storage
                .retry_delivery(args.id, time::OffsetDateTime::now_utc())
                .await
                .context("cannot update the outbox")?;
            storage.close().await;
            if !found {
                bail!(
                    "no outbox row {} waiting or dead (delivered rows are not sent again)",
                    args.id
                );
            }
            println!(
                "outbox row {} is due now; a running `baton serve` delivers it",
                args.id
            );
            Ok(())
        }
    }
}
