//! `cargo xtask test`: every check CI runs, in order, stopping at the first failure.

use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::ValueEnum;

use crate::tools::{self, Needs, Tools};
use crate::widget::{self, Profile};
use crate::workspace::{self, Workspace};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Skip the end-to-end tests (and Chromium).
    #[arg(long)]
    skip_e2e: bool,
    /// Run only these steps (comma-separated); tools are always checked first.
    #[arg(long, value_delimiter = ',', conflicts_with = "skip_e2e")]
    only: Vec<Step>,
}

/// The steps, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Step {
    /// `cargo fmt --all --check`.
    Fmt,
    /// Clippy on every crate and target, warnings denied.
    Clippy,
    /// Clippy on the widget compiled for wasm32.
    ClippyWasm,
    /// `cargo test --workspace`.
    Unit,
    /// baton-core's tests compiled to wasm32, run in Node by wasm-bindgen-test-runner.
    UnitWasm,
    /// The release widget build into dist/widget/.
    Widget,
    /// The `baton` binary (dev profile) the e2e tests start.
    Server,
    /// tests/e2e/: the real server and headless Chromium.
    E2e,
}

const ALL_STEPS: [Step; 8] = [
    Step::Fmt,
    Step::Clippy,
    Step::ClippyWasm,
    Step::Unit,
    Step::UnitWasm,
    Step::Widget,
    Step::Server,
    Step::E2e,
];

pub fn run(ws: &Workspace, args: &Args) -> Result<()> {
    let steps: Vec<Step> = ALL_STEPS
        .into_iter()
        .filter(|step| args.only.is_empty() || args.only.contains(step))
        .filter(|step| !(args.skip_e2e && *step == Step::E2e))
        .collect();
    let needs = Needs {
        browser: steps.contains(&Step::E2e),
        smtp: steps.contains(&Step::Unit),
    };

    let mut timings: Vec<(String, Duration, bool)> = Vec::new();
    let started = Instant::now();
    let tools = tools::ensure(ws, needs);
    timings.push(("tools".to_owned(), started.elapsed(), tools.is_ok()));
    let tools = match tools {
        Ok(tools) => tools,
        Err(err) => return fail(&timings, "tools", err),
    };

    for step in steps {
        let name = step_name(step);
        eprintln!("\n==> {name}");
        let started = Instant::now();
        let result = run_step(ws, &tools, step);
        timings.push((name.clone(), started.elapsed(), result.is_ok()));
        if let Err(err) = result {
            return fail(&timings, &name, err);
        }
    }
    print_summary(&timings);
    println!("all steps passed");
    Ok(())
}

fn step_name(step: Step) -> String {
    step.to_possible_value()
        .map(|value| value.get_name().to_owned())
        .unwrap_or_else(|| format!("{step:?}"))
}

fn fail(timings: &[(String, Duration, bool)], name: &str, err: anyhow::Error) -> Result<()> {
    print_summary(timings);
    Err(err.context(format!("step `{name}` failed")))
}

fn print_summary(timings: &[(String, Duration, bool)]) {
    println!("\nsummary:");
    for (name, elapsed, ok) in timings {
        let outcome = if *ok { "ok" } else { "FAILED" };
        println!("  {name:<12} {:>8.1}s  {outcome}", elapsed.as_secs_f64());
    }
}

fn run_step(ws: &Workspace, tools: &Tools, step: Step) -> Result<()> {
    match step {
        Step::Fmt => workspace::run(ws.cargo().args(["fmt", "--all", "--check"]))
            .context("formatting differs; run `cargo fmt --all`"),
        Step::Clippy => workspace::run(ws.cargo().args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ])),
        Step::ClippyWasm => workspace::run(ws.cargo().args([
            "clippy",
            "-p",
            "baton-widget",
            "--target",
            "wasm32-unknown-unknown",
            "--",
            "-D",
            "warnings",
        ])),
        Step::Unit => {
            let mut cargo = ws.cargo();
            cargo.args(["test", "--workspace"]);
            if let Some(python) = &tools.smtp_python {
                cargo.env("BATON_TEST_PYTHON", python);
            }
            workspace::run(&mut cargo)
        }
        Step::UnitWasm => workspace::run(
            ws.cargo()
                .args([
                    "test",
                    "-p",
                    "baton-core",
                    "--target",
                    "wasm32-unknown-unknown",
                ])
                .env(
                    "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
                    &tools.wasm_bindgen_test_runner,
                ),
        ),
        Step::Widget => widget::build(ws, tools, Profile::Release).map(drop),
        Step::Server => workspace::run(ws.cargo().args(["build", "-p", "baton-server"])),
        Step::E2e => e2e(ws, tools),
    }
}

fn e2e(ws: &Workspace, tools: &Tools) -> Result<()> {
    let dir = ws.root.join("tests/e2e");
    let bin = ws.target_dir.join("debug/baton");
    if !bin.exists() {
        bail!(
            "{} does not exist; the `server` step builds it",
            bin.display()
        );
    }
    let chromium = tools
        .chromium
        .as_ref()
        .context("Chromium was not checked for; this is a bug in xtask")?;
    tools::npm_ci(&dir)?;
    workspace::run(
        Command::new("node")
            .args(["--test", "--test-reporter=spec", "tests/e2e/"])
            .current_dir(&ws.root)
            .env("BATON_BIN", &bin)
            .env("BATON_WIDGET_DIR", ws.root.join("dist/widget"))
            .env("BATON_CONTENT_DIR", ws.root.join("kb-content"))
            .env("BATON_HOST_PAGE", ws.root.join("index.html"))
            .env("CHROMIUM", chromium),
    )
}
