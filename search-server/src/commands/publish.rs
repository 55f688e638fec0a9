use std::time::Duration;

use anyhow::{Context as _, bail};
use serde_json::{Value, json};

use crate::cli::PublishArgs;
use crate::commands::check::summary;
use crate::content::Library;

/// `baton publish [DIR] --server URL` and `baton publish --rollback VERSION`.
pub async fn publish(args: PublishArgs) -> anyhow::Result<()> {
    tokio::task::spawn_blocking(move || publish_blocking(&args))
        .await
        .context("the publish task failed")?
}

fn publish_blocking(args: &PublishArgs) -> anyhow::Result<()> {
    let server = args.server.trim_end_matches('/');
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(600)))
        .build()
        .into();
    let auth = format!("Bearer {}", args.token.trim());
    let (url, body) = match &args.rollback {
        Some(version) => (
            format!("{server}/api/v1/admin/rollback"),
            json!({ "version": version }),
        ),
        None => {
            let (files, checked) = Library::read_and_check(&args.dir);
            for d in &checked.diagnostics {
                eprintln!("{}", d.report());
            }
            if checked.errors() > 0 {
                bail!(
                    "{} has {}; nothing was published",
                    args.dir.display(),
                    summary(checked.errors(), checked.warnings())
                );
            }
            let bundle = files.to_bundle();
            eprintln!(
                "uploading {} files ({} bytes), version {}",
                files.len(),
                files.total_bytes(),
                bundle.version
            );
            (
                format!("{server}/api/v1/admin/publish"),
                serde_json::to_value(&bundle)?,
            )
        }
    };
    let mut response = agent
        .post(&url)
        .header("Authorization", &auth)
        .send_json(&body)
        .with_context(|| format!("cannot reach {server}"))?;
    let status = response.status();
    let answer: Value = response
        .body_mut()
        .with_config()
        .limit(64 * 1024 * 1024)
        .read_json()
        .with_context(|| format!("{server} answered {status} without JSON"))?;
    if status.is_success() {
        println!(
            "published version {} ({} articles); before it: {}",
            answer["version"].as_str().unwrap_or("?"),
            answer["articles"],
            answer["previous"].as_str().unwrap_or("none"),
        );
        return Ok(());
    }
    if let Some(problems) = answer["error"]["diagnostics"].as_array() {
        for p in problems {
            let place = match (p["line"].as_u64(), p["col"].as_u64()) {
                (Some(l), Some(c)) => format!("{}:{l}:{c}", p["path"].as_str().unwrap_or("?")),
                _ => p["path"].as_str().unwrap_or("?").to_owned(),
            };
            eprintln!(
                "{place}: {}: {}",
                p["severity"].as_str().unwrap_or("error"),
                p["message"].as_str().unwrap_or("")
            );
            if let Some(hint) = p["hint"].as_str() {
                eprintln!("  = hint: {hint}");
            }
        }
    }
    bail!(
        "{server} refused ({status}, {}): {}; the version it serves is unchanged",
        answer["error"]["code"].as_str().unwrap_or("?"),
        answer["error"]["message"].as_str().unwrap_or("?")
    )
}
