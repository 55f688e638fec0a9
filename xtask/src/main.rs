//! `cargo xtask`: Baton's single entry point to build, run and test everything.
//!
//! Every command installs the tools it needs (checking first, so a second run installs
//! nothing), then runs the same steps a developer or CI would run by hand.

mod bench;
mod demo;
mod link;
mod test;
mod tools;
mod widget;
mod workspace;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::workspace::Workspace;

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    about = "Build, run and test Baton."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the widget (wasm + JS glue + loader) into dist/widget/ and print its sizes.
    BuildWidget {
        /// Debug build without wasm-opt: faster to build, much larger to ship.
        #[arg(long)]
        dev: bool,
    },
    /// Build the widget and the server, index kb-content/ and serve the demo host page.
    Demo(demo::Args),
    /// Run every check CI runs: fmt, clippy, unit tests (native and wasm32), end-to-end tests.
    Test(test::Args),
    /// Run a benchmark: the widget's bytes and browser timings, or search next to other engines.
    #[command(subcommand)]
    Bench(bench::Bench),
}

fn main() -> ExitCode {
    // Called by rustc as the widget's linker (see `link`).
    if let Some(lld) = std::env::var_os(link::LLD_ENV) {
        return link::run(&lld);
    }
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("\nerror: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let ws = Workspace::locate()?;
    match cli.command {
        Command::BuildWidget { dev } => {
            let tools = tools::ensure(&ws, tools::Needs::WIDGET)?;
            let profile = if dev {
                widget::Profile::Dev
            } else {
                widget::Profile::Release
            };
            widget::build(&ws, &tools, profile).map(drop)
        }
        Command::Demo(args) => demo::run(&ws, &args),
        Command::Test(args) => test::run(&ws, &args),
        Command::Bench(bench) => bench::run_bench(&ws, &bench),
    }
}
