//! `cargo xtask bench search-peers`: Baton's search endpoint next to plain tantivy, SQLite FTS5
//! and PostgreSQL full-text search, on one generated corpus and query set.
//!
//! The measuring lives in `search-server/examples/search_peers.rs`; this builds it and the
//! `baton` binary with the `server` profile (what production runs) and runs it.

use anyhow::Result;
use clap::{Args as ClapArgs, Subcommand};

use crate::workspace::{Workspace, run};

#[derive(Debug, Subcommand)]
pub enum Bench {
    /// Latency p50/p99 and throughput at 1 and 16 clients: Baton over HTTP, plain BM25 tantivy
    /// (in-process and behind a bare axum handler), SQLite FTS5 and PostgreSQL FTS.
    SearchPeers(PeersArgs),
    /// Durable handoffs per second on SQLite (synchronous FULL and NORMAL, 1 and 4 connections).
    Handoffs,
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
        Bench::Handoffs => {
            run(ws
                .cargo()
                .args(["bench", "-p", "baton-server", "--bench", "handoffs"]))
        }
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
