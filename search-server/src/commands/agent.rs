use std::io::{BufRead as _, Write as _};

use anyhow::{Context as _, bail};

use crate::cli::{AgentCommand, OutputFormat};
use crate::storage::Storage;

/// `baton agent add|list|remove`.
pub async fn agent(command: AgentCommand) -> anyhow::Result<()> {
    let now = time::OffsetDateTime::now_utc();
    match command {
        AgentCommand::Add(args) => {
            let email = crate::storage::normalize_email(&args.email);
            if !baton_core::api::is_plausible_email(&email) {
                bail!("'{}' is not an email address", args.email);
            }
            let name = args
                .name
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map_or_else(
                    || email.split('@').next().unwrap_or_default().to_owned(),
                    str::to_owned,
                );
            let password = if args.password_stdin {
                read_stdin_password()?
            } else {
                prompt_password(&email)?
            };
            let hash = tokio::task::spawn_blocking(move || crate::password::hash(&password))
                .await
                .context("cannot hash the password")??;
            let storage = Storage::open(&args.data_dir).await.with_context(|| {
                format!("cannot open the database in {}", args.data_dir.display())
            })?;
            let added = storage.add_agent(&email, &name, &hash, now).await;
            storage.close().await;
            let agent = added.context("cannot add the agent")?;
            println!("added agent {} ({})", agent.email, agent.name);
            eprintln!("They sign in at /agent/login on the server that uses this database.");
        }
        AgentCommand::List(args) => {
            let storage = Storage::open_existing(&args.data_dir)
                .await
                .with_context(|| {
                    format!("cannot open the database in {}", args.data_dir.display())
                })?;
            let agents = storage.agents().await;
            storage.close().await;
            let agents = agents.context("cannot read the agents")?;
            let mut out = std::io::stdout().lock();
            match args.format {
                OutputFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&agents)?)?,
                OutputFormat::Text => {
                    if agents.is_empty() {
                        writeln!(out, "no agents; add one with `baton agent add EMAIL`")?;
                    }
                    for a in &agents {
                        writeln!(out, "{}\t{}\tadded {}", a.email, a.name, a.created_at)?;
                    }
                }
            }
            out.flush()?;
        }
        AgentCommand::Remove(args) => {
            let storage = Storage::open_existing(&args.data_dir)
                .await
                .with_context(|| {
                    format!("cannot open the database in {}", args.data_dir.display())
                })?;
            let removed = storage.remove_agent(&args.email, now).await;
            storage.close().await;
            if !removed.context("cannot remove the agent")? {
                bail!("there is no agent {}", args.email.trim());
            }
            println!("removed agent {}; their sessions ended", args.email.trim());
        }
    }
    Ok(())
}

/// The first line of stdin, without its line ending.
fn read_stdin_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from stdin")?;
    Ok(line.trim_end_matches(['\n', '\r']).to_owned())
}

/// Asks twice on the terminal, without echo.
fn prompt_password(email: &str) -> anyhow::Result<String> {
    let first = rpassword::prompt_password(format!("Password for {email}: "))
        .context("cannot read the password (use --password-stdin without a terminal)")?;
    let again = rpassword::prompt_password("The same password again: ")
        .context("cannot read the password")?;
    if first != again {
        bail!("the two passwords differ; nothing was changed");
    }
    Ok(first)
}
