//! `cargo xtask demo`: build the widget and the server, then serve the demo host page with the
//! `kb-content/` knowledge base until ctrl-c.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use crate::tools::{self, Needs};
use crate::widget::{self, Profile};
use crate::workspace::{self, Workspace};

/// What the server prints on stdout once it is bound, followed by its URL.
const LISTENING: &str = "baton listening on ";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to serve on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: String,
}

pub fn run(ws: &Workspace, args: &Args) -> Result<()> {
    let tools = tools::ensure(ws, Needs::WIDGET)?;
    widget::build(ws, &tools, Profile::Release)?;
    workspace::run(
        ws.cargo()
            .args(["build", "-p", "baton-server", "--profile", "server"]),
    )
    .context("building the server")?;
    let bin = ws.target_dir.join("server/baton");

    // Registered before the child starts, so no signal falls between the two.
    let mut signals = Signals::new([SIGINT, SIGTERM]).context("listening for ctrl-c")?;
    let mut child = Command::new(&bin)
        .args(["serve", "--addr", &args.addr])
        .args(["--data-dir", "baton-data", "--content-dir", "kb-content"])
        .args(["--widget-dir", "dist/widget", "--host-page", "index.html"])
        .current_dir(&ws.root)
        .stdout(Stdio::piped())
        .spawn()
        .with_context(|| format!("starting {}", bin.display()))?;

    let stdout = child
        .stdout
        .take()
        .context("the server's stdout is not piped")?;
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            println!("{line}");
            if let Some(url) = line.strip_prefix(LISTENING) {
                println!("\nBaton demo: {}/\n", url.trim_end_matches('/'));
            }
        }
    });

    let pid = rustix::process::Pid::from_raw(
        i32::try_from(child.id()).context("the server's pid does not fit an i32")?,
    )
    .context("the server has no valid pid")?;
    let handle = signals.handle();
    std::thread::spawn(move || {
        for _ in signals.forever() {
            // Forward the stop to the server only; it shuts down gracefully on SIGTERM. An error
            // here means it has already exited.
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
        }
    });

    let status = child.wait().context("waiting for the server")?;
    handle.close();
    if !status.success() && status.code().is_some() {
        bail!("the server exited with {status}");
    }
    Ok(())
}
