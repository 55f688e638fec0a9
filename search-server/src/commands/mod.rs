//! What each subcommand does. Errors carry context for the person at the terminal.

mod admin_token;
mod agent;
mod backup;
mod check;
mod eval;
mod flow;
mod outbox;
mod publish;
mod report;
mod serve;
mod ticket;
mod watch;

pub use admin_token::admin_token;
pub use agent::agent;
pub use backup::backup;
pub use check::check;
pub use eval::eval;
pub use flow::flow;
pub use outbox::outbox;
pub use publish::publish;
pub use report::report;
pub use serve::serve;
pub use ticket::{MessageView, TicketView, show_ticket};

use crate::cli::{Cli, Command, TicketCommand};

/// Runs a parsed command line to completion.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => serve(args).await,
        Command::Ticket(TicketCommand::Show(args)) => show_ticket(args).await,
        Command::Eval(args) => eval(args),
        Command::Check(args) => check(&args),
        Command::Publish(args) => publish(args).await,
        Command::AdminToken(command) => admin_token(command).await,
        Command::Outbox(command) => outbox(command).await,
        Command::Flow(command) => flow(command).await,
        Command::Agent(command) => agent(command).await,
        Command::Report(command) => report(command).await,
        Command::Backup(args) => backup(&args).await,
    }
}
