//! The command line: `baton serve` and `baton ticket show`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

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
}

/// How logs look.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
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
