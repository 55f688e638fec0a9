use std::io::Write as _;
use std::sync::Arc;

use anyhow::{Context, bail};
use tracing_subscriber::EnvFilter;

use crate::cli::{LogFormat, ServeArgs};
use crate::content::Library;
use crate::http::{AppState, app};
use crate::knowledge::{Knowledge, LiveKnowledge};
use crate::storage::Storage;

/// `baton serve`: loads content, builds the index, opens storage, serves until a signal.
pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    init_logging(&args.log_level, args.log_format)?;

    let (files, checked) = Library::read_and_check(&args.content_dir);
    for d in checked.diagnostics.iter().filter(|d| !d.is_error()) {
        tracing::warn!("{}", d.report());
    }
    let library = checked.into_result().with_context(|| {
        format!(
            "cannot load the knowledge base in {}",
            args.content_dir.display()
        )
    })?;
    let articles: usize = library.locales().map(|l| library.articles(l).count()).sum();
    let knowledge = Knowledge::build(library).context("cannot build the search index")?;
    tracing::info!(
        content_dir = %args.content_dir.display(),
        articles,
        version = %knowledge.library.version,
        "knowledge base loaded"
    );
    if let Some(page) = &args.host_page
        && !page.is_file()
    {
        bail!("the host page {} does not exist", page.display());
    }
    let storage = Storage::open(&args.data_dir)
        .await
        .with_context(|| format!("cannot open the database in {}", args.data_dir.display()))?;

    let bundle = serde_json::to_vec(&files.to_bundle())?;
    storage
        .activate_version(
            &knowledge.library.version,
            &bundle,
            articles,
            "start",
            time::OffsetDateTime::now_utc(),
        )
        .await
        .context("cannot record the content version")?;
    drop(bundle);

    let state = AppState {
        knowledge: Arc::new(LiveKnowledge::new(knowledge)),
        storage: storage.clone(),
        widget_dir: args.widget_dir.clone(),
        host_page: args.host_page.clone(),
    };
    let listener = tokio::net::TcpListener::bind(&args.addr)
        .await
        .with_context(|| format!("cannot listen on {}", args.addr))?;
    let addr = listener
        .local_addr()
        .context("cannot read the bound address")?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "baton listening on http://{addr}")?;
        out.flush()?;
    }
    tracing::info!(%addr, "listening");
    let _watcher = if args.watch {
        Some(super::watch::start(
            state.clone(),
            args.content_dir.clone(),
        )?)
    } else {
        None
    };

    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("the server stopped with an error")?;
    storage.close().await;
    tracing::info!("stopped");
    Ok(())
}

fn init_logging(filter: &str, format: LogFormat) -> anyhow::Result<()> {
    let filter =
        EnvFilter::try_new(filter).with_context(|| format!("invalid --log-level '{filter}'"))?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let result = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
    result.map_err(|e| anyhow::anyhow!("cannot set up logging: {e}"))
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
