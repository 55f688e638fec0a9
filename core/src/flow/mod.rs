//! Guided troubleshooting flows: content-defined decision trees.
//!
//! - [`definition`]: the file format (`kb-content/flows/<locale>/<id>.toml`) as types.
//! - [`engine`]: the state machine that runs a flow one step at a time, and [`replay`] which
//!   verifies a recorded path against the published flow.
//! - [`validate`](mod@validate): every problem in a flow at once, translations that drift from the
//!   original, and the [`max_steps`] bound.
//! - [`graph`]: a Mermaid diagram of a flow for editors.

pub mod definition;
pub mod engine;
pub mod graph;
pub mod validate;

#[cfg(test)]
mod content_tests;

pub use definition::{Flow, Node, Priority};
pub use engine::{
    Answer, AnswerError, BrokenFlow, FlowRun, Outcome, OutcomeKind, Progress, RecordedAnswer,
    ReplayError, Step, Visit, replay,
};
pub use graph::{to_dot, to_mermaid};
pub use validate::{FlowIssue, Severity, compare_translations, max_steps, validate};
