use std::io::Write as _;

use anyhow::Context;

use crate::cli::{ContentGapsArgs, OutputFormat, ReportCommand};
use crate::storage::Storage;
use crate::storage::reports::{ContentGaps, QueryFigures, ReportFilter};

/// `baton report content-gaps`.
pub async fn report(command: ReportCommand) -> anyhow::Result<()> {
    match command {
        ReportCommand::ContentGaps(args) => content_gaps(&args).await,
    }
}

async fn content_gaps(args: &ContentGapsArgs) -> anyhow::Result<()> {
    let storage = Storage::open_existing(&args.data_dir)
        .await
        .with_context(|| format!("cannot open the database in {}", args.data_dir.display()))?;
    let today = time::OffsetDateTime::now_utc().date();
    let filter = ReportFilter::last_days(args.days, today, args.locale.clone());
    let gaps = storage
        .content_gaps(&filter)
        .await
        .context("cannot read the events")?;
    storage.close().await;
    let mut out = std::io::stdout().lock();
    match args.format {
        OutputFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&gaps)?)?,
        OutputFormat::Text => out.write_all(text(&gaps).as_bytes())?,
    }
    Ok(())
}

/// The report for people: three sections, tab-separated rows under a heading.
fn text(gaps: &ContentGaps) -> String {
    let mut s = format!(
        "Content gaps {} to {}{}\n",
        gaps.from,
        gaps.to,
        gaps.locale
            .as_deref()
            .map(|l| format!(", locale {l}"))
            .unwrap_or_default()
    );
    let section =
        |s: &mut String, title: &str, rows: &[QueryFigures], n: fn(&QueryFigures) -> u64| {
            s.push_str(&format!("\n{title}\n"));
            if rows.is_empty() {
                s.push_str("  (none)\n");
            }
            for q in rows {
                s.push_str(&format!("  {}\t{}\n", n(q), q.query));
            }
        };
    section(
        &mut s,
        "Searches with no results (searches, query):",
        &gaps.zero_result,
        |q| q.zero_result_searches,
    );
    section(
        &mut s,
        "Searches with results nobody clicked (searches, query):",
        &gaps.no_click,
        |q| q.searches_with_results,
    );
    s.push_str("\nArticles voted unhelpful (helpful %, votes, slug):\n");
    if gaps.unhelpful.is_empty() {
        s.push_str("  (none)\n");
    }
    for a in &gaps.unhelpful {
        let percent = a.helpful_ratio.unwrap_or(0.0) * 100.0;
        s.push_str(&format!(
            "  {percent:.0}%\t{}\t{}\n",
            a.helpful_votes + a.unhelpful_votes,
            a.slug
        ));
    }
    s
}
