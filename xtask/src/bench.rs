//! `cargo xtask bench <name>`: benchmarks that print figures, built with the `server` profile
//! (what production runs). The measuring lives in `search-server/examples/`:
//!
//! - `search-peers` (`search_peers.rs`): Baton's search endpoint next to plain tantivy, tantivy
//!   with its snippet generator, SQLite FTS5 and PostgreSQL full-text search, on one generated
//!   corpus and query set;
//! - `load` or `search-load` (`search_load.rs`): a bounded load run against a real `baton
//!   serve` process on 127.0.0.1 at 1, 16 and 64 concurrent clients, with its latency, errors
//!   and memory over time;
//! - `handoffs` (`benches/handoffs.rs`): durable handoffs per second on SQLite;
//! - `widget`: builds the widget for release, prints the bytes a visitor downloads (raw, gzip,
//!   brotli) against the budgets, then measures in headless Chromium, on the demo page served by
//!   a real `baton serve`, the main-thread time the loader costs the page and the time from a
//!   click on the launcher to an interactive panel (`tests/e2e/bench-widget.mjs`).

use std::process::Command;

use anyhow::{Context, Result};
use clap::{Args as ClapArgs, Subcommand};

use crate::tools::{self, Needs};
use crate::widget;
use crate::workspace::{Workspace, run};

#[derive(Debug, Subcommand)]
pub enum Bench {
    /// Latency p50/p99 and throughput at 1 and 16 clients: Baton over HTTP, plain BM25 tantivy
    /// (in-process and behind a bare axum handler), tantivy with snippets, SQLite FTS5 and
    /// PostgreSQL FTS (a throwaway cluster; skipped when PostgreSQL is not installed).
    SearchPeers(PeersArgs),
    /// Durable handoffs per second on SQLite (synchronous FULL and NORMAL, 1 and 4 connections).
    Handoffs,
    /// Bounded load on a real `baton serve` on 127.0.0.1: p50/p99, throughput, errors and the
    /// server's memory round by round, at 1, 16 and 64 concurrent clients.
    #[command(alias = "search-load")]
    Load(LoadArgs),
    /// The widget's download size per visitor and its cost to the host page in Chromium.
    Widget(WidgetArgs),
}

#[derive(Debug, ClapArgs)]
pub struct WidgetArgs {
    /// Page loads per measure; the median is printed.
    #[arg(long, default_value_t = 15)]
    pub runs: u32,
}

#[derive(Debug, ClapArgs)]
pub struct PeersArgs {
    /// Generated articles in the corpus.
    #[arg(long, default_value_t = 10_000)]
    pub articles: usize,
    /// Seconds each load (one engine, one client count) runs.
    #[arg(long, default_value_t = 3)]
    pub seconds: u64,
    /// Only the engines whose name contains this (baton, tantivy, sqlite, postgres).
    #[arg(long)]
    pub only: Option<String>,
}

#[derive(Debug, ClapArgs)]
pub struct LoadArgs {
    /// Requests in all, shared equally by the client counts.
    #[arg(long, default_value_t = 30_000)]
    pub requests: usize,
    /// Numbers of concurrent clients, one after the other (comma-separated).
    #[arg(long, default_value = "1,16,64")]
    pub clients: String,
    /// Rounds each client count's requests are split into (memory is read after each).
    #[arg(long, default_value_t = 2)]
    pub rounds: usize,
    /// Upper bound on the whole run, in seconds.
    #[arg(long, default_value_t = 60)]
    pub seconds: u64,
    /// The content folder the server loads.
    #[arg(long, default_value = "kb-content")]
    pub content_dir: String,
}

pub fn run_bench(ws: &Workspace, bench: &Bench) -> Result<()> {
    let example = |name: &str, args: &[String]| {
        let mut command = ws.cargo();
        command.args([
            "run",
            "--profile",
            "server",
            "-p",
            "baton-server",
            "--example",
            name,
            "--",
        ]);
        run(command.args(args))
    };
    match bench {
        Bench::Handoffs => run(ws.cargo().args([
            "bench",
            "--profile",
            "server",
            "-p",
            "baton-server",
            "--bench",
            "handoffs",
        ])),
        Bench::Widget(args) => widget_bench(ws, args),
        Bench::SearchPeers(args) => {
            let mut list = vec![
                "--articles".to_owned(),
                args.articles.to_string(),
                "--seconds".to_owned(),
                args.seconds.to_string(),
            ];
            if let Some(only) = &args.only {
                list.extend(["--only".to_owned(), only.clone()]);
            }
            example("search_peers", &list)
        }
        Bench::Load(args) => {
            run(ws.cargo().args([
                "build",
                "--profile",
                "server",
                "-p",
                "baton-server",
                "--bin",
                "baton",
            ]))?;
            let content = ws.root.join(&args.content_dir);
            example(
                "search_load",
                &[
                    "--requests".to_owned(),
                    args.requests.to_string(),
                    "--clients".to_owned(),
                    args.clients.clone(),
                    "--rounds".to_owned(),
                    args.rounds.to_string(),
                    "--seconds".to_owned(),
                    args.seconds.to_string(),
                    "--content-dir".to_owned(),
                    content.display().to_string(),
                ],
            )
        }
    }
}

fn widget_bench(ws: &Workspace, args: &WidgetArgs) -> Result<()> {
    let tools = tools::ensure(
        ws,
        Needs {
            browser: true,
            smtp: false,
        },
    )?;
    let files = widget::build(ws, &tools, widget::Profile::Release)?;
    // The same server build the e2e tests use; the timings below are the browser's.
    run(ws
        .cargo()
        .args(["build", "-p", "baton-server", "--bin", "baton"]))?;
    let e2e = ws.root.join("tests/e2e");
    tools::npm_ci(&e2e)?;
    let chromium = tools
        .chromium
        .as_ref()
        .context("Chromium was not checked for; this is a bug in xtask")?;
    run(Command::new("node")
        .arg(e2e.join("bench-widget.mjs"))
        .current_dir(&ws.root)
        .env("BATON_BENCH_RUNS", args.runs.to_string())
        .env("BATON_BIN", ws.target_dir.join("debug/baton"))
        .env("BATON_WIDGET_DIR", &files.dist)
        .env("BATON_CONTENT_DIR", ws.root.join("kb-content"))
        .env("BATON_HOST_PAGE", ws.root.join("index.html"))
        .env("CHROMIUM", chromium))
    .context("measuring the widget in Chromium")?;
    // Repeated last, so the sizes sit next to the timings.
    widget::print_sizes(&files)
}
