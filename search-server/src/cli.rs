//! The command line: `baton serve`, `baton ticket show`, `baton outbox`, `baton eval`, `baton flow`,
//! `baton agent`, ….

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::delivery::email::SmtpSecurity;

/// Baton: a self-service support widget and its server.
///
/// Serves the widget, a search API over your knowledge base, and stores the tickets customers
/// create when self-service is not enough.
#[derive(Debug, Parser)]
#[command(name = "baton", version, about, long_about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

// `serve` has many options; the command line is parsed once, so its size does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the widget, the API and the search index over HTTP.
    ///
    /// Prints `baton listening on http://ADDR` on stdout once the socket is bound; logs go to
    /// stderr. Stops gracefully on Ctrl-C or SIGTERM.
    Serve(ServeArgs),
    /// Read stored tickets.
    #[command(subcommand)]
    Ticket(TicketCommand),
    /// Score search relevance on a test collection.
    ///
    /// Indexes `docs.jsonl` with the production search settings, runs every query of
    /// `queries.jsonl` as `GET /api/v1/search` would, and prints nDCG@10, MRR@10, Recall@10
    /// and Recall@1 against `qrels.tsv` as JSON.
    Eval(EvalArgs),
    /// Check a knowledge base like a compiler checks code.
    ///
    /// Prints every problem as `path:line:col: error|warning: message` with a hint, then a
    /// summary. Exits non-zero when there is an error; warnings alone do not fail.
    Check(CheckArgs),
    /// Publish a knowledge base to a running server, or roll back to an earlier version.
    ///
    /// Checks the folder first, then uploads it with its content hash as the version. The
    /// server checks it again, builds the index off to the side and swaps it in atomically.
    Publish(PublishArgs),
    /// Manage the tokens that allow publishing and previewing drafts.
    #[command(subcommand, name = "admin-token")]
    AdminToken(AdminTokenCommand),
    /// See and retry ticket deliveries (emails and webhooks) waiting in the outbox.
    #[command(subcommand)]
    Outbox(OutboxCommand),
    /// Review guided flows: list them, draw one as a diagram, read the surveys after them.
    #[command(subcommand)]
    Flow(FlowCommand),
    /// Manage the agents who sign in to the console at /agent.
    #[command(subcommand)]
    Agent(AgentCommand),
    /// Reports from the widget's events, for editors in the terminal.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Copy the database to a file while `baton serve` keeps running.
    ///
    /// The copy is consistent as of one moment (SQLite `VACUUM INTO`), checked with
    /// `PRAGMA integrity_check` before it takes its name, and never replaces an existing file
    /// without --force. Restore: stop `baton serve`, put the copy in place as
    /// `<data-dir>/baton.sqlite3`, start it (docs/operations.md).
    Backup(BackupArgs),
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The file to write.
    #[arg(long, value_name = "FILE")]
    pub to: PathBuf,
    /// Replace FILE if it exists.
    #[arg(long)]
    pub force: bool,
    /// Folder of the database, as given to `baton serve`.
    #[arg(long, env = "BATON_DATA_DIR", default_value = "baton-data")]
    pub data_dir: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Searches that found nothing, searches whose results nobody clicked, and articles voted
    /// unhelpful: what to write or fix next.
    ContentGaps(ContentGapsArgs),
}

#[derive(Debug, Args)]
pub struct ContentGapsArgs {
    /// The last N days (UTC), today included.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub days: u32,
    /// Only events in this locale.
    #[arg(long)]
    pub locale: Option<String>,
    /// `text` for people, `json` for tools.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// Folder of the database, as given to `baton serve`.
    #[arg(long, env = "BATON_DATA_DIR", default_value = "baton-data")]
    pub data_dir: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum AgentCommand {
    /// Add an agent; the password is asked for (twice), or read from stdin.
    Add(AgentAddArgs),
    /// List the agents who can sign in.
    List(AgentListArgs),
    /// Remove an agent: signs them out everywhere; their replies and notes keep their name.
    Remove(AgentRemoveArgs),
}

#[derive(Debug, Args)]
pub struct AgentAddArgs {
    /// The email the agent signs in with.
    #[arg(value_name = "EMAIL")]
    pub email: String,
    /// The name shown with their replies [default: the part of the email before the @].
    #[arg(long)]
    pub name: Option<String>,
    /// Read the password from the first line of stdin instead of asking (for scripts).
    #[arg(long)]
    pub password_stdin: bool,
    /// Folder of the database, as given to `baton serve`.
    #[arg(long, env = "BATON_DATA_DIR", default_value = "baton-data")]
    pub data_dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct AgentListArgs {
    /// `text` for people, `json` for tools.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// Folder of the database, as given to `baton serve`.
    #[arg(long, env = "BATON_DATA_DIR", default_value = "baton-data")]
    pub data_dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct AgentRemoveArgs {
    /// The agent's email.
    #[arg(value_name = "EMAIL")]
    pub email: String,
    /// Folder of the database, as given to `baton serve`.
    #[arg(long, env = "BATON_DATA_DIR", default_value = "baton-data")]
    pub data_dir: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    /// List outbox rows, newest first: state, attempts, next attempt, last error.
    List(OutboxListArgs),
    /// Make a dead (or waiting) delivery due now, with a fresh count of attempts.
    Retry(OutboxRetryArgs),
}

#[derive(Debug, Args)]
pub struct OutboxListArgs {
    /// Only rows in this state.
    #[arg(long, value_parser = ["pending", "delivered", "dead"])]
    pub state: Option<String>,
    /// Most rows shown.
    #[arg(long, default_value_t = 50)]
    pub limit: i64,
    /// `text` for people, `json` for tools.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// Folder of the database, as given to `baton serve`.
    #[arg(long, env = "BATON_DATA_DIR", default_value = "baton-data")]
    pub data_dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct OutboxRetryArgs {
    /// The outbox row id, as `baton outbox list` shows it.
    #[arg(value_name = "ID")]
    pub id: i64,
    /// Folder of the database, as given to `baton serve`.
    #[arg(long, env = "BATON_DATA_DIR", default_value = "baton-data")]
    pub data_dir: PathBuf,
}

/// Where `baton serve` delivers tickets, and how hard it tries. See docs/operations.md.
#[derive(Debug, Args)]
pub struct DeliveryArgs {
    /// SMTP server for ticket emails to the site's `support_email`; no email without it.
    #[arg(long, env = "BATON_SMTP_HOST")]
    pub smtp_host: Option<String>,
    /// SMTP port [default: 25 with `none`, 587 with `starttls`, 465 with `tls`].
    #[arg(long, env = "BATON_SMTP_PORT")]
    pub smtp_port: Option<u16>,
    /// How the SMTP connection is secured; `none` only for a relay on localhost.
    #[arg(long, env = "BATON_SMTP_SECURITY", value_enum, default_value_t = SmtpSecurity::Starttls)]
    pub smtp_security: SmtpSecurity,
    #[arg(long, env = "BATON_SMTP_USERNAME")]
    pub smtp_username: Option<String>,
    #[arg(long, env = "BATON_SMTP_PASSWORD", hide_env_values = true)]
    pub smtp_password: Option<String>,
    /// The `From` of ticket emails [default: the support address].
    #[arg(long, env = "BATON_SMTP_FROM")]
    pub smtp_from: Option<String>,
    /// A URL that receives every ticket as a signed JSON POST; repeat for more
    /// (`BATON_WEBHOOKS` takes a comma-separated list).
    #[arg(
        long = "webhook",
        env = "BATON_WEBHOOKS",
        value_delimiter = ',',
        value_name = "URL"
    )]
    pub webhooks: Vec<String>,
    /// The key of the `Baton-Signature` HMAC; required with --webhook.
    #[arg(long, env = "BATON_WEBHOOK_SECRET", hide_env_values = true)]
    pub webhook_secret: Option<String>,
    /// Attempts per delivery before it is dead (see `baton outbox list --state dead`).
    #[arg(long, env = "BATON_DELIVERY_MAX_ATTEMPTS", default_value_t = 15)]
    pub delivery_max_attempts: u32,
    /// Wait after the first failure, in milliseconds; doubles per failure, with jitter.
    #[arg(long, env = "BATON_DELIVERY_BACKOFF_MS", default_value_t = 10_000)]
    pub delivery_backoff_ms: u64,
    /// Longest wait between attempts, in milliseconds.
    #[arg(
        long,
        env = "BATON_DELIVERY_BACKOFF_MAX_MS",
        default_value_t = 3_600_000
    )]
    pub delivery_backoff_max_ms: u64,
    /// How long a worker owns a claimed delivery, in milliseconds; after a crash, deliveries
    /// resume once it runs out. Keep it above --delivery-timeout-ms.
    #[arg(long, env = "BATON_DELIVERY_LEASE_MS", default_value_t = 60_000)]
    pub delivery_lease_ms: u64,
    /// Longest one SMTP or webhook attempt may take, in milliseconds.
    #[arg(long, env = "BATON_DELIVERY_TIMEOUT_MS", default_value_t = 20_000)]
    pub delivery_timeout_ms: u64,
    /// How often unfinished handoff forms are looked at for their follow-up email
    /// (`[handoff] follow_up_after` in site.toml), in milliseconds.
    #[arg(long, env = "BATON_FOLLOW_UP_INTERVAL_MS", default_value_t = 60_000)]
    pub follow_up_interval_ms: u64,
    /// Handoffs, conversation messages and new handoff drafts one client address may send per
    /// minute (then `429 rate_limited`).
    #[arg(long, env = "BATON_HANDOFFS_PER_CLIENT", default_value_t = 10)]
    pub handoffs_per_client_per_minute: u32,
    /// Handoffs (and conversation messages, new drafts) the whole site accepts per minute.
    #[arg(long, env = "BATON_HANDOFFS_PER_SITE", default_value_t = 600)]
    pub handoffs_per_site_per_minute: u32,
}

#[derive(Debug, Subcommand)]
pub enum FlowCommand {
    /// List the flows of a knowledge base: id, locales and title.
    List(FlowListArgs),
    /// Print a flow as a Mermaid or Graphviz diagram.
    Graph(FlowGraphArgs),
    /// Print the most recent micro-surveys after flows as JSON.
    Surveys(FlowSurveysArgs),
}

#[derive(Debug, Args)]
pub struct FlowListArgs {
    /// Knowledge base folder.
    #[arg(long, value_name = "DIR", default_value = "kb-content")]
    pub content_dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct FlowGraphArgs {
    /// The flow id (its file name without `.toml`).
    #[arg(value_name = "ID")]
    pub id: String,
    /// Which translation to draw; the default locale when not given.
    #[arg(long)]
    pub locale: Option<String>,
    /// `mermaid` (paste into Markdown) or `dot` (Graphviz: `| dot -Tsvg`).
    #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
    pub format: GraphFormat,
    /// Knowledge base folder.
    #[arg(long, value_name = "DIR", default_value = "kb-content")]
    pub content_dir: PathBuf,
}

/// Diagram languages of `baton flow graph`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    Mermaid,
    Dot,
}

#[derive(Debug, Args)]
pub struct FlowSurveysArgs {
    /// How many surveys, newest first.
    #[arg(long, default_value_t = 20)]
    pub limit: u32,
    /// Folder of the database, as given to `baton serve`.
    #[arg(long, env = "BATON_DATA_DIR", default_value = "baton-data")]
    pub data_dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Knowledge base folder.
    #[arg(value_name = "DIR", default_value = "kb-content")]
    pub dir: PathBuf,
    /// `text` for people, `json` for tools.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

/// How `baton check` prints problems.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct PublishArgs {
    /// Knowledge base folder to publish.
    #[arg(value_name = "DIR", default_value = "kb-content")]
    pub dir: PathBuf,
    /// The running server, like http://127.0.0.1:8080.
    #[arg(long, env = "BATON_SERVER", default_value = "http://127.0.0.1:8080")]
    pub server: String,
    /// An admin token from `baton admin-token create`.
    #[arg(long, env = "BATON_ADMIN_TOKEN", hide_env_values = true)]
    pub token: String,
    /// Instead of publishing DIR, bring back an earlier version (see the versions list).
    #[arg(long, value_name = "VERSION")]
    pub rollback: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum AdminTokenCommand {
    /// Create a token and print it once; only its hash is stored.
    Create(AdminTokenArgs),
    /// Revoke every token with a label.
    Revoke(AdminTokenArgs),
}

#[derive(Debug, Args)]
pub struct AdminTokenArgs {
    /// What the token is for, like "ci" or "anna".
    #[arg(long, default_value = "admin")]
    pub label: String,
    /// Folder of the database, as given to `baton serve`.
    #[arg(long, env = "BATON_DATA_DIR", default_value = "baton-data")]
    pub data_dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, env = "BATON_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// Folder for the database (`baton.sqlite3`); created if missing.
    #[arg(long, env = "BATON_DATA_DIR", default_value = "baton-data")]
    pub data_dir: PathBuf,
    /// Knowledge base folder: `site.toml` and `articles/<locale>/<slug>.md`.
    #[arg(long, env = "BATON_CONTENT_DIR", default_value = "kb-content")]
    pub content_dir: PathBuf,
    /// Reload the knowledge base when a file in it changes (for editors working locally).
    /// Problems are printed and the last good version keeps serving.
    #[arg(long)]
    pub watch: bool,
    /// Folder of the built widget (`loader.js` and hashed files), served under /widget/.
    #[arg(long, env = "BATON_WIDGET_DIR", default_value = "dist/widget")]
    pub widget_dir: PathBuf,
    /// An HTML file to serve at `/`, such as a demo page embedding the widget.
    #[arg(long, env = "BATON_HOST_PAGE")]
    pub host_page: Option<PathBuf>,
    /// Which logs to show, in tracing's EnvFilter syntax (`info`, `baton_server=debug,info`).
    #[arg(long, env = "BATON_LOG", default_value = "info")]
    pub log_level: String,
    /// How logs are written to stderr.
    #[arg(long, env = "BATON_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    #[command(flatten)]
    pub delivery: DeliveryArgs,
    /// Event batches (`POST /api/v1/events`) one client address may send per minute.
    #[arg(
        long,
        env = "BATON_EVENT_BATCHES_PER_CLIENT",
        default_value_t = crate::http::events::DEFAULT_LIMITS.per_client_per_minute
    )]
    pub event_batches_per_client_per_minute: u32,
    /// Seconds between runs of the job that deletes events older than `[insights]
    /// retention_days`.
    #[arg(
        long,
        env = "BATON_EVENTS_PURGE_INTERVAL_SECS",
        default_value_t = 3_600,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub events_purge_interval_secs: u64,
    /// Serve Prometheus metrics at `GET /metrics` on this address (like 127.0.0.1:9464), a
    /// listener of its own that the public port never answers; no metrics without it.
    #[arg(long, env = "BATON_METRICS_LISTEN", value_name = "ADDR")]
    pub metrics_listen: Option<String>,
}

/// How logs look.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Folder with `docs.jsonl`, `queries.jsonl` and `qrels.tsv`.
    #[arg(long, value_name = "DIR")]
    pub data: PathBuf,
    /// Also write the ranking of every query to this file.
    #[arg(long, value_name = "PATH")]
    pub run_file: Option<PathBuf>,
    /// Format of the run file.
    #[arg(long, value_enum, default_value_t = RunFileFormat::Trec)]
    pub format: RunFileFormat,
}

/// Run file formats, both read by `tests/data/relevance.py`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RunFileFormat {
    /// `qid Q0 docid rank score tag` lines.
    Trec,
    /// `{"query_id": .., "doc_ids": [..]}` lines.
    Jsonl,
}

#[derive(Debug, Subcommand)]
pub enum TicketCommand {
    /// Print a stored ticket as JSON, with the summary of what the customer tried.
    Show(TicketShowArgs),
}

#[derive(Debug, Args)]
pub struct TicketShowArgs {
    /// The ticket reference the customer was given, such as K7QM-4XRT.
    #[arg(value_name = "REF")]
    pub reference: String,
    /// Folder of the database, as given to `baton serve`.
    #[arg(long, env = "BATON_DATA_DIR", default_value = "baton-data")]
    pub data_dir: PathBuf,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn serve_has_sensible_defaults() {
        let cli = Cli::try_parse_from(["baton", "serve"]).expect("parses");
        let Command::Serve(args) = cli.command else {
            panic!("expected serve");
        };
        assert_eq!(args.content_dir, PathBuf::from("kb-content"));
        assert_eq!(args.log_format, LogFormat::Text);
    }
}
