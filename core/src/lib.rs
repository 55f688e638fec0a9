//! Baton's pure core.
//!
//! Everything here compiles for native targets and for `wasm32-unknown-unknown`, and behaves the
//! same on both: the widget and the server share these types and functions. Nothing in this
//! crate performs I/O, reads a clock or draws random numbers; callers pass such values in.
//!
//! - [`api`]: the JSON wire types of the HTTP API (`/api/v1/...`).
//! - [`flow`]: guided troubleshooting flows: definition, engine, validation, diagrams.
//! - [`transcript`]: the record of what a customer did, and the "what was tried" summary.
//! - [`reference`](mod@reference): human-friendly ticket references.

pub mod api;
pub mod flow;
pub mod reference;
pub mod transcript;

pub use reference::TicketRef;
pub use transcript::{Transcript, TranscriptEvent};
