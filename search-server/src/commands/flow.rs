use std::io::Write as _;

use anyhow::{Context, anyhow};
use baton_core::flow::{to_dot, to_mermaid};

use crate::cli::{FlowCommand, GraphFormat};
use crate::content::Library;
use crate::storage::Storage;

/// `baton flow list|graph|surveys`.
pub async fn flow(command: FlowCommand) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match command {
        FlowCommand::List(args) => {
            let library = load(&args.content_dir)?;
            let default = library.site.default_locale.clone();
            for flow in library.flows(&default) {
                let locales: Vec<&str> = library
                    .locales()
                    .filter(|l| library.flow(l, &flow.flow.id).is_some())
                    .collect();
                writeln!(
                    out,
                    "{}\t{}\t{}",
                    flow.flow.id,
                    locales.join(","),
                    flow.flow.title
                )?;
            }
        }
        FlowCommand::Graph(args) => {
            let library = load(&args.content_dir)?;
            let locale = args
                .locale
                .clone()
                .unwrap_or_else(|| library.site.default_locale.clone());
            let flow = library.flow(&locale, &args.id).ok_or_else(|| {
                let known: Vec<String> =
                    library.flows(&locale).map(|f| f.flow.id.clone()).collect();
                anyhow!(
                    "there is no flow '{}' in '{locale}' (flows: {})",
                    args.id,
                    known.join(", ")
                )
            })?;
            let diagram = match args.format {
                GraphFormat::Mermaid => to_mermaid(&flow.flow),
                GraphFormat::Dot => to_dot(&flow.flow),
            };
            out.write_all(diagram.as_bytes())?;
        }
        FlowCommand::Surveys(args) => {
            let storage = Storage::open_existing(&args.data_dir)
                .await
                .with_context(|| {
                    format!("cannot open the database in {}", args.data_dir.display())
                })?;
            let surveys = storage
                .recent_surveys(args.limit)
                .await
                .context("cannot read the surveys")?;
            storage.close().await;
            writeln!(out, "{}", serde_json::to_string_pretty(&surveys)?)?;
        }
    }
    Ok(())
}

/// The knowledge base, or its errors as `baton check` prints them.
fn load(dir: &std::path::Path) -> anyhow::Result<Library> {
    Library::load(dir).map_err(|errors| {
        let reports: Vec<String> = errors.0.iter().map(|d| d.report()).collect();
        anyhow!(
            "{} has errors (run `baton check`):\n{}",
            dir.display(),
            reports.join("\n")
        )
    })
}
