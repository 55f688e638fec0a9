//! What each subcommand does. Errors carry context for the person at the terminal.

mod serve;
mod ticket;

pub use serve::serve;
pub use ticket::{TicketView, show_ticket};

use crate::cli::{Cli, Command, TicketCommand};

/// Runs a parsed command line to completion.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => serve(args).await,
        Command::Ticket(TicketCommand::Show(args)) => show_ticket(args).await,
    }
}
