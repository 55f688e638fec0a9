//! The `baton` server: CLI, content pipeline, search index, storage and HTTP API.
//!
//! The binary (`main.rs`) only parses arguments and reports errors; everything else lives here
//! so that tests drive it directly:
//!
//! - [`cli`]: the command line (`baton serve`, `baton ticket show`).
//! - [`commands`]: what each subcommand does.
//! - [`config`]: `site.toml`, the site's settings.
//! - [`content`]: articles (TOML front matter + Markdown) loaded into a [`content::Library`].
//! - [`search`]: the only module that knows tantivy.
//! - [`knowledge`]: the published library with its index, swapped atomically.
//! - [`storage`]: the only module with SQL.
//! - [`live`]: the in-process notice of ticket changes that event streams wait on.
//! - [`password`]: agent passwords (Argon2id).
//! - [`privacy`]: redaction of personal data before a handoff is stored.
//! - [`sla`]: the promised reply time, counted in support hours.
//! - [`delivery`]: the outbox worker: email over SMTP and signed webhooks.
//! - [`http`]: the only module that knows axum.
//! - [`telemetry`]: Prometheus metrics: names, recording, the `/metrics` text.
//! - [`diagnostic`]: errors that point at a place in a file.

pub mod cli;
pub mod commands;
pub mod config;
pub mod content;
pub mod delivery;
pub mod diagnostic;
pub mod http;
pub mod identity;
pub mod knowledge;
pub mod live;
pub mod password;
pub mod privacy;
pub mod search;
pub mod sla;
pub mod storage;
pub mod telemetry;
