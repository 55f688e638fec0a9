//! `cargo xtask bench search-peers`: Baton's search endpoint next to plain tantivy, SQLite FTS5
//! and PostgreSQL full-text search, on one generated corpus and query set.
//!
//! The measuring lives in `search-server/examples/search_peers.rs`; this builds it and the
//! `baton` binary with the `server` profile (what production runs) and runs it.
//!
//! `cargo xtask bench widget`: builds the widget for release, prints the bytes a visitor
//! downloads (raw, gzip, brotli) against the budgets, then measures in headless Chromium, on the
//! demo page served by a real `baton serve`, the main-thread time the loader costs the page and
//! the time from a click on the launcher to an interactive panel (`tests/e2e/bench-widget.mjs`).

use std::process::Command;

use anyhow::{Context, Result};
use clap::{Args as ClapArgs, Subcommand};

use crate::tools::{self, Needs};
use crate::widget;
use crate::workspace::{Workspace, run};

#[derive(Debug, Subcommand)]
pub enum Bench {
    /// Latency p50/p99 and throughput at 1 and 16 clients: Baton over HTTP, plain BM25 tantivy
    /// (in-process and behind a bare axum handler), SQLite FTS5 and PostgreSQL FTS.
    SearchPeers(PeersArgs),
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
}

pub fn run_bench(ws: &Workspace, bench: &Bench) -> Result<()> {
    match bench {
        Bench::Widget(args) => widget_bench(ws, args),
        Bench::SearchPeers(args) => {
            run(ws.cargo().args([
                "build",
                "--profile",
                "server",
                "-p",
                "baton-server",
                "--bin",
                "baton",
            ]))?;
            run(ws.cargo().args([
                "run",
                "--profile",
                "server",
                "-p",
                "baton-server",
                "--example",
                "search_peers",
                "--",
                "--articles",
                &args.articles.to_string(),
                "--seconds",
                &args.seconds.to_string(),
            ]))
        }
    }
}

fn widget_bench(ws: &Workspace, args: &WidgetArgs) -> Result<()> {
    let tools = tools::ensure(ws, Needs { browser: true })?;
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
