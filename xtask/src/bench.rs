//! `cargo xtask bench <name>`: benchmarks that print figures, built with the `server` profile
//! (what production runs). The measuring lives in `search-server/examples/`:
//!
//! - `search-peers` (`search_peers.rs`): Baton's search endpoint next to plain tantivy, tantivy
//!   with its snippet generator, SQLite FTS5 and PostgreSQL full-text search, on one generated
//!   corpus and query set;
//! - `load` (`search_load.rs`): a bounded load run against a real `baton serve` process on
//!   127.0.0.1, with its latency, errors and memory over time.

use anyhow::Result;
use clap::{Args as ClapArgs, Subcommand};

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
    /// server's memory round by round.
    Load(LoadArgs),
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
    /// Requests in all.
    #[arg(long, default_value_t = 30_000)]
    pub requests: usize,
    /// Concurrent clients.
    #[arg(long, default_value_t = 16)]
    pub clients: usize,
    /// Rounds the requests are split into (memory is read after each).
    #[arg(long, default_value_t = 3)]
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
                    args.clients.to_string(),
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
