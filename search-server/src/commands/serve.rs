use std::io::Write as _;
use std::sync::Arc;

use anyhow::{Context, bail};
use tracing_subscriber::EnvFilter;

use std::time::Duration;

use crate::cli::{DeliveryArgs, LogFormat, ServeArgs};
use crate::content::Library;
use crate::delivery::DeliveryConfig;
use crate::delivery::email::{SmtpConfig, SmtpSecurity};
use crate::http::HandoffServices;
use crate::http::rate_limit::{Limits, RateLimiter};
use crate::http::{AppState, app};
use crate::knowledge::{Knowledge, LiveKnowledge};
use crate::storage::Storage;

/// `baton serve`: loads content, builds the index, opens storage, serves until a signal.
pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    init_logging(&args.log_level, args.log_format)?;
    // Installed first, so that the first index build is measured too.
    let metrics = match &args.metrics_listen {
        Some(_) => Some(
            crate::telemetry::install_recorder().context("cannot set up the metrics recorder")?,
        ),
        None => None,
    };

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

    let delivery = Arc::new(delivery_config(&args.delivery)?);
    let state = AppState {
        knowledge: Arc::new(LiveKnowledge::new(knowledge)),
        storage: storage.clone(),
        widget_dir: args.widget_dir.clone(),
        host_page: args.host_page.clone(),
        handoff: HandoffServices {
            delivery: Arc::clone(&delivery),
            limiter: Arc::new(RateLimiter::new(Limits {
                per_client_per_minute: args.delivery.handoffs_per_client_per_minute,
                per_site_per_minute: args.delivery.handoffs_per_site_per_minute,
            })),
        },
        events: Arc::new(RateLimiter::new(Limits {
            per_client_per_minute: args.event_batches_per_client_per_minute,
            ..crate::http::events::DEFAULT_LIMITS
        })),
    };
    let listener = tokio::net::TcpListener::bind(&args.addr)
        .await
        .with_context(|| format!("cannot listen on {}", args.addr))?;
    let addr = listener
        .local_addr()
        .context("cannot read the bound address")?;
    let metrics_listener = match (&args.metrics_listen, metrics) {
        (Some(metrics_addr), Some(handle)) => {
            let listener = tokio::net::TcpListener::bind(metrics_addr)
                .await
                .with_context(|| format!("cannot listen for metrics on {metrics_addr}"))?;
            let router = crate::http::metrics::router(crate::http::metrics::MetricsState {
                handle: handle.clone(),
                storage: storage.clone(),
                knowledge: Arc::clone(&state.knowledge),
            });
            Some((listener, router, handle))
        }
        _ => None,
    };
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "baton listening on http://{addr}")?;
        if let Some((listener, _, _)) = &metrics_listener {
            let metrics_addr = listener
                .local_addr()
                .context("cannot read the metrics address")?;
            writeln!(out, "baton metrics on http://{metrics_addr}/metrics")?;
            tracing::info!(%metrics_addr, "serving metrics");
        }
        out.flush()?;
    }
    tracing::info!(%addr, "listening");
    let metrics_server = metrics_listener.map(|(listener, router, handle)| {
        let upkeep = crate::http::metrics::spawn_upkeep(handle);
        tokio::spawn(async move {
            let _upkeep = AbortOnDrop(upkeep);
            if let Err(e) = axum::serve(listener, router).await {
                tracing::error!(error = %e, "the metrics listener stopped");
            }
        })
    });
    let _watcher = if args.watch {
        Some(super::watch::start(
            state.clone(),
            args.content_dir.clone(),
        )?)
    } else {
        None
    };

    // Delivers what earlier runs left in the outbox too.
    let worker = crate::delivery::spawn(storage.clone(), Arc::clone(&delivery));
    let follow_up =
        crate::delivery::follow_up::spawn(storage.clone(), Arc::clone(&state.knowledge), delivery);
    let retention = {
        let knowledge = Arc::clone(&state.knowledge);
        storage.spawn_event_retention(
            move || knowledge.current().library.site.insights.retention_days,
            Duration::from_secs(args.events_purge_interval_secs),
        )
    };
    axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        shutdown_signal().await;
        // Open event streams (consoles, customers' widgets) would keep the shutdown waiting.
        crate::live::close_event_streams();
    })
    .await
    .context("the server stopped with an error")?;
    // A delivery cut short here is claimed again after its lease, with the same id.
    worker.abort();
    follow_up.abort();
    retention.abort();
    if let Some(metrics_server) = metrics_server {
        metrics_server.abort();
    }
    storage.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// The delivery settings from the command line, checked.
fn delivery_config(args: &DeliveryArgs) -> anyhow::Result<DeliveryConfig> {
    let smtp = args.smtp_host.as_ref().map(|host| SmtpConfig {
        host: host.clone(),
        port: args.smtp_port.unwrap_or(match args.smtp_security {
            SmtpSecurity::None => 25,
            SmtpSecurity::Starttls => 587,
            SmtpSecurity::Tls => 465,
        }),
        security: args.smtp_security,
        username: args.smtp_username.clone(),
        password: args.smtp_password.clone(),
        from: args.smtp_from.clone(),
    });
    if let Some(from) = &args.smtp_from
        && from.parse::<lettre::message::Mailbox>().is_err()
    {
        bail!("--smtp-from '{from}' is not an email address");
    }
    let webhooks: Vec<String> = args
        .webhooks
        .iter()
        .map(|u| u.trim().to_owned())
        .filter(|u| !u.is_empty())
        .collect();
    if let Some(bad) = webhooks
        .iter()
        .find(|u| !(u.starts_with("http://") || u.starts_with("https://")))
    {
        bail!("--webhook '{bad}' must be an http:// or https:// URL");
    }
    let secret = args.webhook_secret.clone().filter(|s| !s.is_empty());
    if !webhooks.is_empty() && secret.is_none() {
        bail!("--webhook needs --webhook-secret (or BATON_WEBHOOK_SECRET) to sign deliveries");
    }
    if args.delivery_max_attempts == 0 {
        bail!("--delivery-max-attempts must be at least 1");
    }
    Ok(DeliveryConfig {
        smtp,
        webhooks,
        webhook_secret: secret,
        max_attempts: args.delivery_max_attempts,
        backoff_base: Duration::from_millis(args.delivery_backoff_ms),
        backoff_max: Duration::from_millis(
            args.delivery_backoff_max_ms.max(args.delivery_backoff_ms),
        ),
        lease: Duration::from_millis(args.delivery_lease_ms.max(args.delivery_timeout_ms + 1_000)),
        poll: DeliveryConfig::default().poll,
        timeout: Duration::from_millis(args.delivery_timeout_ms),
        follow_up_interval: Duration::from_millis(args.follow_up_interval_ms.max(10)),
    })
}

fn init_logging(filter: &str, format: LogFormat) -> anyhow::Result<()> {
    let filter =
        EnvFilter::try_new(filter).with_context(|| format!("invalid --log-level '{filter}'"))?;
    // Colours only for a person at a terminal, never into journald or a log file.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    let result = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
    result.map_err(|e| anyhow::anyhow!("cannot set up logging: {e}"))
}

/// Aborts a background task when the task that owns it ends.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
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
