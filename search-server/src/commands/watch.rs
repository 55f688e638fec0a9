//! `baton serve --watch`: reload the knowledge base when its files change.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;
use notify::{EventKind, RecursiveMode, Watcher as _};

use crate::content::Library;
use crate::http::AppState;
use crate::http::admin::publish_files;

/// How long to wait for more changes before reloading (editors save several files at once).
const SETTLE: Duration = Duration::from_millis(250);

/// Watches `dir` and publishes every good change; problems are printed on stderr and the last
/// good version keeps serving. Watching stops when the returned watcher is dropped.
pub fn start(state: AppState, dir: PathBuf) -> anyhow::Result<notify::RecommendedWatcher> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event
            && !matches!(event.kind, EventKind::Access(_))
        {
            let _ = tx.send(());
        }
    })
    .context("cannot watch for file changes")?;
    watcher
        .watch(&dir, RecursiveMode::Recursive)
        .with_context(|| format!("cannot watch {}", dir.display()))?;
    eprintln!("watching {} for changes", dir.display());
    tokio::spawn(async move {
        while rx.recv().await.is_some() {
            tokio::time::sleep(SETTLE).await;
            while rx.try_recv().is_ok() {}
            reload(&state, &dir).await;
        }
    });
    Ok(watcher)
}

async fn reload(state: &AppState, dir: &Path) {
    let serving = state.knowledge.current().library.version.clone();
    let owned = dir.to_owned();
    let Ok((files, checked)) =
        tokio::task::spawn_blocking(move || Library::read_and_check(&owned)).await
    else {
        return;
    };
    if files.version() == serving {
        return;
    }
    for d in &checked.diagnostics {
        eprintln!("{}", d.report());
    }
    if checked.errors() > 0 {
        eprintln!(
            "{}: {} error(s); still serving version {serving}",
            dir.display(),
            checked.errors()
        );
        return;
    }
    match publish_files(state, files, "watch").await {
        Ok(published) => eprintln!(
            "reloaded {}: version {} ({} articles)",
            dir.display(),
            published.version,
            published.articles
        ),
        Err(e) => eprintln!(
            "cannot reload: {}; still serving version {serving}",
            e.error.message
        ),
    }
}
