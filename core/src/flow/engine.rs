//! The flow engine: a pure state machine that runs a [`Flow`] one step at a time.
//!
//! The widget runs it in the browser; the server runs [`replay`] on a submitted path to verify
//! it against the published flow before trusting it. Condition nodes are evaluated as the run
//! passes them and never shown. The run records its path: every node visited, and the answer
//! given to each node shown.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::definition::{Flow, InputNode, InputType, Node, Priority, Subject};
use super::validate::longest_from;

/// What the customer did at a shown node.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Answer {
    /// Go on from a message.
    Continue,
    /// The id of a question's choice, or of a `select` input's option.
    Choice(String),
    /// What was typed into an input (for a `select`, the option id).
    Text(String),
    /// The answer to a check: did it fix it?
    Check(bool),
}

impl Answer {
    /// The value conditions compare: a choice or option id, `yes`/`no`, or the typed text.
    pub fn value(&self) -> Option<&str> {
        match self {
            Answer::Continue => None,
            Answer::Choice(id) => Some(id),
            Answer::Text(text) => Some(text),
            Answer::Check(true) => Some("yes"),
            Answer::Check(false) => Some("no"),
        }
    }
}

/// One node on the path a run took.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visit {
    pub node_id: String,
    /// The answer given; `None` for conditions, which are passed without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<Answer>,
    /// The answer as the customer saw it: the choice or option label, the text typed,
    /// `yes`/`no`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// An answer to a shown node, as sent for [`replay`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedAnswer {
    pub node_id: String,
    pub answer: Answer,
}

/// Where a run ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// The id of the outcome node.
    pub node_id: String,
    #[serde(flatten)]
    pub kind: OutcomeKind,
}

/// The three ways a run ends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum OutcomeKind {
    Resolved {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        text: Option<String>,
    },
    Handoff {
        priority: Priority,
        team: String,
        tags: Vec<String>,
        /// The flow's draft with `{node-id}` replaced by the customer's answers.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message_draft: Option<String>,
    },
    Article {
        slug: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        text: Option<String>,
    },
}

impl OutcomeKind {
    /// `resolved`, `handoff` or `article`.
    pub fn name(&self) -> &'static str {
        match self {
            OutcomeKind::Resolved { .. } => "resolved",
            OutcomeKind::Handoff { .. } => "handoff",
            OutcomeKind::Article { .. } => "article",
        }
    }
}

/// How far along a run is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// Answers given on the current path.
    pub steps_taken: usize,
    /// The most answers still needed to reach an outcome from here (0 at an outcome).
    pub remaining_max: usize,
    /// Whether [`FlowRun::back`] has anything to undo.
    pub can_go_back: bool,
}

/// What to show next.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    /// Show this node (a message, question, input or check) and wait for an [`Answer`].
    Show { node: Node, progress: Progress },
    /// The run reached an outcome.
    Finished {
        outcome: Outcome,
        progress: Progress,
    },
}

impl Step {
    pub fn progress(&self) -> Progress {
        match self {
            Step::Show { progress, .. } | Step::Finished { progress, .. } => *progress,
        }
    }

    pub fn outcome(&self) -> Option<&Outcome> {
        match self {
            Step::Finished { outcome, .. } => Some(outcome),
            Step::Show { .. } => None,
        }
    }
}

/// The flow cannot be run from here. Validation rejects every flow that can get here.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BrokenFlow {
    #[error("the flow refers to node '{0}', which does not exist")]
    UnknownNode(String),
    #[error("conditions loop without asking anything, at node '{0}'")]
    ConditionLoop(String),
}

/// Why an answer was not accepted. `Display` gives the message for the customer in English;
/// [`AnswerError::customer_message`] gives it in the widget's locale.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum AnswerError {
    #[error("This guide has already finished.")]
    Finished,
    /// The answer does not fit the kind of node shown (a yes/no for a question, say).
    #[error("This step needs {expected}.")]
    WrongKind {
        node_id: String,
        expected: &'static str,
    },
    #[error("Please pick one of the answers shown.")]
    UnknownChoice { node_id: String, choice: String },
    #[error("Please fill this in.")]
    Required { node_id: String },
    #[error("Please enter at least {min} characters.")]
    TooShort { node_id: String, min: usize },
    #[error("Please enter at most {max} characters.")]
    TooLong { node_id: String, max: usize },
    #[error("Please enter it like this: {example}.")]
    PatternMismatch { node_id: String, example: String },
    #[error("Please enter a valid email address, like name@example.com.")]
    InvalidEmail { node_id: String },
    #[error("Please enter a number.")]
    NotANumber { node_id: String },
    #[error("Please enter a number of at least {min}.")]
    TooSmall { node_id: String, min: f64 },
    #[error("Please enter a number of at most {max}.")]
    TooLarge { node_id: String, max: f64 },
    #[error("Sorry, this guide is broken: {0}")]
    Broken(#[from] BrokenFlow),
}

impl AnswerError {
    /// The message for the customer in `locale` (`de` or, for anything else, English).
    pub fn customer_message(&self, locale: &str) -> String {
        if !locale.starts_with("de") {
            return self.to_string();
        }
        match self {
            AnswerError::Finished => "Diese Anleitung ist bereits abgeschlossen.".into(),
            AnswerError::WrongKind { .. } => "Dieser Schritt erwartet eine andere Antwort.".into(),
            AnswerError::UnknownChoice { .. } => {
                "Bitte wählen Sie eine der angezeigten Antworten.".into()
            }
            AnswerError::Required { .. } => "Bitte füllen Sie dieses Feld aus.".into(),
            AnswerError::TooShort { min, .. } => {
                format!("Bitte geben Sie mindestens {min} Zeichen ein.")
            }
            AnswerError::TooLong { max, .. } => {
                format!("Bitte geben Sie höchstens {max} Zeichen ein.")
            }
            AnswerError::PatternMismatch { example, .. } => {
                format!("Bitte geben Sie es in dieser Form ein: {example}.")
            }
            AnswerError::InvalidEmail { .. } => {
                "Bitte geben Sie eine gültige E-Mail-Adresse ein, z. B. name@example.com.".into()
            }
            AnswerError::NotANumber { .. } => "Bitte geben Sie eine Zahl ein.".into(),
            AnswerError::TooSmall { min, .. } => format!("Bitte geben Sie eine Zahl ab {min} ein."),
            AnswerError::TooLarge { max, .. } => {
                format!("Bitte geben Sie eine Zahl bis {max} ein.")
            }
            AnswerError::Broken(broken) => {
                format!("Diese Anleitung ist leider fehlerhaft: {broken}")
            }
        }
    }
}

/// A recorded path that does not fit the published flow. Steps count from 1.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ReplayError {
    #[error(transparent)]
    Broken(#[from] BrokenFlow),
    #[error(
        "step {step}: the path answers node '{recorded}', but the flow shows '{expected}' there"
    )]
    WrongNode {
        step: usize,
        recorded: String,
        expected: String,
    },
    #[error("step {step}: the answer to node '{node_id}' is not accepted: {error}")]
    Rejected {
        step: usize,
        node_id: String,
        error: AnswerError,
    },
    #[error("step {step}: the path goes on after the flow ended at '{outcome}'")]
    AfterOutcome { step: usize, outcome: String },
    #[error("the path stops at node '{node_id}' before reaching an outcome")]
    Unfinished { node_id: String },
}

/// One customer's run through a flow.
///
/// The run owns a copy of the flow (flows are small), so the widget can keep it in a signal.
#[derive(Clone, Debug)]
pub struct FlowRun {
    flow: Flow,
    context: BTreeMap<String, String>,
    at: Position,
    step: Step,
}

/// Where a run is: the path so far, and the node shown now or the outcome reached.
#[derive(Clone, Debug)]
struct Position {
    path: Vec<Visit>,
    current: String,
}

impl FlowRun {
    /// Starts a run at the flow's `start` node, passing any conditions before the first shown
    /// node. `context` is what the host page set with `Baton.setContext`.
    pub fn start(flow: &Flow, context: &BTreeMap<String, String>) -> Result<FlowRun, BrokenFlow> {
        let mut at = Position {
            path: Vec::new(),
            current: String::new(),
        };
        at.advance(flow, context, &flow.start)?;
        let step = at.step(flow)?;
        Ok(FlowRun {
            flow: flow.clone(),
            context: context.clone(),
            at,
            step,
        })
    }

    /// What to show now.
    pub fn step(&self) -> &Step {
        &self.step
    }

    pub fn flow(&self) -> &Flow {
        &self.flow
    }

    /// The host page's context the run started with.
    pub fn context(&self) -> &BTreeMap<String, String> {
        &self.context
    }

    /// Every node visited on the current path, in order; conditions included, the node shown
    /// now not (it has no answer yet).
    pub fn path(&self) -> &[Visit] {
        &self.at.path
    }

    /// The answers on the current path, as [`replay`] takes them.
    pub fn recorded_answers(&self) -> Vec<RecordedAnswer> {
        self.at
            .path
            .iter()
            .filter_map(|v| {
                v.answer.clone().map(|answer| RecordedAnswer {
                    node_id: v.node_id.clone(),
                    answer,
                })
            })
            .collect()
    }

    /// The outcome, once reached.
    pub fn outcome(&self) -> Option<&Outcome> {
        self.step.outcome()
    }

    /// Answers the node shown now. A rejected answer leaves the run unchanged.
    pub fn answer(&mut self, answer: Answer) -> Result<Step, AnswerError> {
        let node = match self.flow.node(&self.at.current) {
            Some(node) if node.is_shown() => node,
            _ => return Err(AnswerError::Finished),
        };
        let (answer, label, next) = accept(node, answer)?;
        let mut at = self.at.clone();
        at.path.push(Visit {
            node_id: at.current.clone(),
            answer: Some(answer),
            label,
        });
        at.advance(&self.flow, &self.context, &next)?;
        let step = at.step(&self.flow)?;
        self.at = at;
        self.step = step.clone();
        Ok(step)
    }

    /// Undoes the last answer (and the conditions passed after it). At the first shown node
    /// there is nothing to undo and the step stays.
    pub fn back(&mut self) -> Step {
        if let Some(last) = self.at.path.iter().rposition(|v| v.answer.is_some()) {
            self.return_to(last);
        }
        self.step.clone()
    }

    /// Goes back to the first shown node, forgetting every answer.
    pub fn restart(&mut self) -> Step {
        if let Some(first) = self.at.path.iter().position(|v| v.answer.is_some()) {
            self.return_to(first);
        }
        self.step.clone()
    }

    /// Shows again the node answered at `index` of the path, forgetting what came after.
    fn return_to(&mut self, index: usize) {
        self.at.current = self.at.path[index].node_id.clone();
        self.at.path.truncate(index);
        // The node was shown before, so it exists and the step can be made.
        if let Ok(step) = self.at.step(&self.flow) {
            self.step = step;
        }
    }
}

impl Position {
    /// From `id`, passes conditions (recording them) until a shown node or an outcome.
    fn advance(
        &mut self,
        flow: &Flow,
        context: &BTreeMap<String, String>,
        id: &str,
    ) -> Result<(), BrokenFlow> {
        let mut id = id.to_owned();
        let mut passed = 0;
        loop {
            let node = flow
                .node(&id)
                .ok_or_else(|| BrokenFlow::UnknownNode(id.clone()))?;
            let Node::Condition(condition) = node else {
                self.current = id;
                return Ok(());
            };
            passed += 1;
            if passed > flow.nodes.len() {
                return Err(BrokenFlow::ConditionLoop(id));
            }
            let next = condition
                .branches
                .iter()
                .find(|b| match &b.when.subject {
                    Subject::Answer(node_id) => self
                        .answer_value(node_id)
                        .is_some_and(|v| b.when.test.matches(v)),
                    Subject::Context(key) => {
                        context.get(key).is_some_and(|v| b.when.test.matches(v))
                    }
                })
                .map_or(&condition.otherwise, |b| &b.next)
                .clone();
            self.path.push(Visit {
                node_id: id,
                answer: None,
                label: None,
            });
            id = next;
        }
    }

    /// The latest answer to `node_id` on the path.
    fn answer_value(&self, node_id: &str) -> Option<&str> {
        self.path
            .iter()
            .rev()
            .find(|v| v.node_id == node_id)
            .and_then(|v| v.answer.as_ref())
            .and_then(Answer::value)
    }

    /// What to show at the current node.
    fn step(&self, flow: &Flow) -> Result<Step, BrokenFlow> {
        let node = flow
            .node(&self.current)
            .ok_or_else(|| BrokenFlow::UnknownNode(self.current.clone()))?;
        let steps_taken = self.path.iter().filter(|v| v.answer.is_some()).count();
        let progress = Progress {
            steps_taken,
            remaining_max: longest_from(flow, &self.current),
            can_go_back: steps_taken > 0,
        };
        let kind = match node {
            Node::Resolved(n) => OutcomeKind::Resolved {
                text: n.text.clone(),
            },
            Node::Article(n) => OutcomeKind::Article {
                slug: n.article.clone(),
                text: n.text.clone(),
            },
            Node::Handoff(n) => OutcomeKind::Handoff {
                priority: n.priority,
                team: n.team.clone(),
                tags: n.tags.clone(),
                message_draft: n.message_draft.as_deref().map(|d| self.fill_draft(flow, d)),
            },
            _ => {
                return Ok(Step::Show {
                    node: node.clone(),
                    progress,
                });
            }
        };
        Ok(Step::Finished {
            outcome: Outcome {
                node_id: self.current.clone(),
                kind,
            },
            progress,
        })
    }

    /// Replaces `{node-id}` in a draft with the label of the answer to that node, or with a
    /// dash where the node was not answered on this path (or was left empty).
    fn fill_draft(&self, flow: &Flow, draft: &str) -> String {
        let mut out = draft.to_owned();
        for node in &flow.nodes {
            let placeholder = format!("{{{}}}", node.id());
            if out.contains(&placeholder) {
                let label = self
                    .path
                    .iter()
                    .rev()
                    .find(|v| v.node_id == node.id())
                    .and_then(|v| v.label.as_deref())
                    .filter(|l| !l.is_empty())
                    .unwrap_or("–");
                out = out.replace(&placeholder, label);
            }
        }
        out
    }
}

/// Checks `answer` against the node shown; returns the answer as stored, its label and the id
/// of the node to go to.
fn accept(node: &Node, answer: Answer) -> Result<(Answer, Option<String>, String), AnswerError> {
    let wrong = |expected| AnswerError::WrongKind {
        node_id: node.id().to_owned(),
        expected,
    };
    match (node, answer) {
        (Node::Message(m), Answer::Continue) => Ok((Answer::Continue, None, m.next.clone())),
        (Node::Message(_), _) => Err(wrong("a click on Continue")),
        (Node::Question(q), Answer::Choice(id)) => match q.choices.iter().find(|c| c.id == id) {
            Some(c) => Ok((Answer::Choice(id), Some(c.label.clone()), c.next.clone())),
            None => Err(AnswerError::UnknownChoice {
                node_id: q.id.clone(),
                choice: id,
            }),
        },
        (Node::Question(_), _) => Err(wrong("one of the answers shown")),
        (Node::Check(c), Answer::Check(yes)) => {
            let next = if yes { &c.yes } else { &c.no };
            let label = if yes { "yes" } else { "no" };
            Ok((Answer::Check(yes), Some(label.to_owned()), next.clone()))
        }
        (Node::Check(_), _) => Err(wrong("a yes or a no")),
        (Node::Input(input), Answer::Text(text) | Answer::Choice(text)) => {
            let (value, label) = check_input(input, &text)?;
            let answer = if input.input == InputType::Select {
                Answer::Choice(value)
            } else {
                Answer::Text(value)
            };
            Ok((answer, Some(label), input.next.clone()))
        }
        (Node::Input(_), _) => Err(wrong("a value")),
        _ => Err(AnswerError::Finished),
    }
}

/// Validates what was typed into an input; returns the value kept and the label shown.
fn check_input(input: &InputNode, raw: &str) -> Result<(String, String), AnswerError> {
    let node_id = || input.id.clone();
    let text = raw.trim();
    if text.is_empty() {
        return if input.required {
            Err(AnswerError::Required { node_id: node_id() })
        } else {
            Ok((String::new(), String::new()))
        };
    }
    match input.input {
        InputType::Text => {
            let chars = text.chars().count();
            if let Some(min) = input.min_length.filter(|&min| chars < min) {
                return Err(AnswerError::TooShort {
                    node_id: node_id(),
                    min,
                });
            }
            if let Some(max) = input.max_length.filter(|&max| chars > max) {
                return Err(AnswerError::TooLong {
                    node_id: node_id(),
                    max,
                });
            }
            if let Some(pattern) = &input.pattern
                && !matches_pattern(pattern, text)
            {
                return Err(AnswerError::PatternMismatch {
                    node_id: node_id(),
                    example: pattern_example(pattern),
                });
            }
        }
        InputType::Email => {
            if !crate::api::is_plausible_email(text) {
                return Err(AnswerError::InvalidEmail { node_id: node_id() });
            }
        }
        InputType::Number => {
            let number =
                parse_number(text).ok_or_else(|| AnswerError::NotANumber { node_id: node_id() })?;
            if let Some(min) = input.min.filter(|&min| number < min) {
                return Err(AnswerError::TooSmall {
                    node_id: node_id(),
                    min,
                });
            }
            if let Some(max) = input.max.filter(|&max| number > max) {
                return Err(AnswerError::TooLarge {
                    node_id: node_id(),
                    max,
                });
            }
        }
        InputType::Select => {
            return match input.options.iter().find(|o| o.id == text) {
                Some(option) => Ok((option.id.clone(), option.label.clone())),
                None => Err(AnswerError::UnknownChoice {
                    node_id: node_id(),
                    choice: text.to_owned(),
                }),
            };
        }
    }
    Ok((text.to_owned(), text.to_owned()))
}

/// Parses a finite number written with a decimal point or, as in German, a decimal comma.
fn parse_number(text: &str) -> Option<f64> {
    let normalized = if text.contains('.') {
        text.to_owned()
    } else {
        text.replace(',', ".")
    };
    normalized.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// Whether `text` has the shape of `pattern`: `#` one digit, `@` one letter, anything else
/// itself, ignoring case.
pub fn matches_pattern(pattern: &str, text: &str) -> bool {
    let mut text = text.chars();
    for p in pattern.chars() {
        let Some(t) = text.next() else {
            return false;
        };
        let fits = match p {
            '#' => t.is_ascii_digit(),
            '@' => t.is_alphabetic(),
            _ => p.to_lowercase().eq(t.to_lowercase()),
        };
        if !fits {
            return false;
        }
    }
    text.next().is_none()
}

/// An example value for a pattern, for messages: `NB-########` gives `NB-12345678`.
pub fn pattern_example(pattern: &str) -> String {
    let mut digit = 0;
    pattern
        .chars()
        .map(|p| match p {
            '#' => {
                digit = digit % 9 + 1;
                char::from_digit(digit, 10).unwrap_or('0')
            }
            '@' => 'A',
            other => other,
        })
        .collect()
}

/// Runs a recorded path through the published flow and returns where it ends, or the first
/// step that does not fit. The server uses this before trusting a submitted path.
pub fn replay(
    flow: &Flow,
    context: &BTreeMap<String, String>,
    answers: &[RecordedAnswer],
) -> Result<Outcome, ReplayError> {
    let mut run = FlowRun::start(flow, context)?;
    for (index, recorded) in answers.iter().enumerate() {
        let step = index + 1;
        if let Some(outcome) = run.outcome() {
            return Err(ReplayError::AfterOutcome {
                step,
                outcome: outcome.node_id.clone(),
            });
        }
        if recorded.node_id != run.at.current {
            return Err(ReplayError::WrongNode {
                step,
                recorded: recorded.node_id.clone(),
                expected: run.at.current.clone(),
            });
        }
        run.answer(recorded.answer.clone())
            .map_err(|error| ReplayError::Rejected {
                step,
                node_id: recorded.node_id.clone(),
                error,
            })?;
    }
    match run.outcome() {
        Some(outcome) => Ok(outcome.clone()),
        None => Err(ReplayError::Unfinished {
            node_id: run.at.current,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn example() -> Flow {
        toml::from_str(include_str!("example.toml")).expect("the documented example parses")
    }

    fn no_context() -> BTreeMap<String, String> {
        BTreeMap::new()
    }

    fn plan(plan: &str) -> BTreeMap<String, String> {
        BTreeMap::from([("plan".to_owned(), plan.to_owned())])
    }

    fn shown_id(step: &Step) -> &str {
        match step {
            Step::Show { node, .. } => node.id(),
            Step::Finished { outcome, .. } => {
                panic!("expected a shown node, got outcome {outcome:?}")
            }
        }
    }

    fn started(context: &BTreeMap<String, String>) -> FlowRun {
        FlowRun::start(&example(), context).expect("the example starts")
    }

    fn choose(run: &mut FlowRun, id: &str) -> Step {
        run.answer(Answer::Choice(id.into()))
            .expect("choice accepted")
    }

    /// A run of the example up to the number input `router-age`.
    fn at_router_age() -> FlowRun {
        let mut run = started(&no_context());
        choose(&mut run, "amber");
        run.answer(Answer::Continue).expect("continue");
        run.answer(Answer::Check(false)).expect("no");
        assert_eq!(shown_id(run.step()), "router-age");
        run
    }

    fn input_error(run: &mut FlowRun, text: &str) -> AnswerError {
        run.answer(Answer::Text(text.into()))
            .expect_err("input rejected")
    }

    #[test]
    fn a_run_starts_at_the_first_shown_node_after_passing_conditions() {
        assert_eq!(shown_id(started(&no_context()).step()), "led-colour");
        assert_eq!(shown_id(started(&plan("plus")).step()), "plus-hello");
        assert_eq!(shown_id(started(&plan("free")).step()), "led-colour");
    }

    #[test]
    fn a_message_goes_on_with_continue_and_nothing_else() {
        let mut run = started(&plan("plus"));
        let err = run
            .answer(Answer::Check(true))
            .expect_err("a message takes no yes/no");
        assert!(matches!(err, AnswerError::WrongKind { .. }));
        assert_eq!(
            shown_id(&run.answer(Answer::Continue).expect("continue")),
            "led-colour"
        );
    }

    #[test]
    fn a_question_follows_the_chosen_choice() {
        let mut run = started(&no_context());
        assert_eq!(shown_id(&choose(&mut run, "amber")), "restart");
        let mut run = started(&no_context());
        let step = choose(&mut run, "other");
        let outcome = step.outcome().expect("finished");
        assert_eq!(
            outcome.kind,
            OutcomeKind::Article {
                slug: "what-the-led-ring-colours-mean".into(),
                text: None
            }
        );
    }

    #[test]
    fn an_unknown_choice_is_rejected_and_changes_nothing() {
        let mut run = started(&no_context());
        let before = run.step().clone();
        let err = run
            .answer(Answer::Choice("purple".into()))
            .expect_err("unknown choice");
        assert_eq!(
            err,
            AnswerError::UnknownChoice {
                node_id: "led-colour".into(),
                choice: "purple".into()
            }
        );
        assert_eq!(err.to_string(), "Please pick one of the answers shown.");
        assert_eq!(run.step(), &before);
        assert_eq!(run.recorded_answers(), []);
    }

    #[test]
    fn a_check_follows_yes_or_no() {
        let mut run = started(&no_context());
        choose(&mut run, "amber");
        run.answer(Answer::Continue).expect("continue");
        let mut yes = run.clone();
        let fixed = yes.answer(Answer::Check(true)).expect("yes");
        assert_eq!(fixed.outcome().map(|o| o.node_id.as_str()), Some("fixed"));
        assert_eq!(
            shown_id(&run.answer(Answer::Check(false)).expect("no")),
            "router-age"
        );
    }

    #[test]
    fn a_number_input_takes_numbers_within_its_bounds() {
        let mut run = at_router_age();
        assert!(matches!(
            input_error(&mut run, ""),
            AnswerError::Required { .. }
        ));
        assert!(matches!(
            input_error(&mut run, "soon"),
            AnswerError::NotANumber { .. }
        ));
        assert!(matches!(
            input_error(&mut run, "NaN"),
            AnswerError::NotANumber { .. }
        ));
        assert!(matches!(
            input_error(&mut run, "-1"),
            AnswerError::TooSmall { .. }
        ));
        assert!(matches!(
            input_error(&mut run, "4000"),
            AnswerError::TooLarge { .. }
        ));
        let step = run
            .answer(Answer::Text(" 2,5 ".into()))
            .expect("a decimal comma is a number");
        assert!(step.outcome().is_some());
        assert_eq!(
            run.path().iter().rev().find_map(|v| v.label.clone()),
            Some("2,5".into())
        );
    }

    fn input_flow(input: &str) -> Flow {
        let toml = format!(
            "title = \"t\"\nstart = \"i\"\n[[nodes]]\nid = \"i\"\nkind = \"input\"\ntext = \"?\"\nnext = \"done\"\n{input}\n\
             [[nodes]]\nid = \"done\"\nkind = \"resolved\"\n"
        );
        toml::from_str(&toml).expect("input flow parses")
    }

    fn try_input(input: &str, text: &str) -> Result<Step, AnswerError> {
        let mut run = FlowRun::start(&input_flow(input), &no_context()).expect("starts");
        run.answer(Answer::Text(text.into()))
    }

    #[test]
    fn an_optional_input_may_be_left_empty() {
        assert!(try_input("input = \"text\"", "  ").is_ok());
        assert!(matches!(
            try_input("input = \"text\"\nrequired = true", "  "),
            Err(AnswerError::Required { .. })
        ));
    }

    #[test]
    fn a_text_input_checks_length_and_pattern() {
        let rules = "input = \"text\"\nmin_length = 3\nmax_length = 5";
        assert!(matches!(
            try_input(rules, "ab"),
            Err(AnswerError::TooShort { min: 3, .. })
        ));
        assert!(matches!(
            try_input(rules, "abcdef"),
            Err(AnswerError::TooLong { max: 5, .. })
        ));
        assert!(try_input(rules, "äöü").is_ok());
        let order = "input = \"text\"\npattern = \"NB-########\"";
        assert!(try_input(order, "NB-12345678").is_ok());
        assert!(try_input(order, " nb-12345678 ").is_ok());
        let err = try_input(order, "NB-1234").expect_err("too short for the pattern");
        assert_eq!(err.to_string(), "Please enter it like this: NB-12345678.");
        assert!(try_input(order, "NB-1234567X").is_err());
        assert!(try_input(order, "NB-123456789").is_err());
    }

    #[test]
    fn an_email_input_takes_only_plausible_addresses() {
        assert!(try_input("input = \"email\"", "ada@example.com").is_ok());
        assert!(matches!(
            try_input("input = \"email\"", "ada@"),
            Err(AnswerError::InvalidEmail { .. })
        ));
    }

    #[test]
    fn a_select_input_takes_only_its_options_and_records_the_label() {
        let select = "input = \"select\"\noptions = [{ id = \"lock\", label = \"Door lock\" }]";
        assert!(matches!(
            try_input(select, "Door lock"),
            Err(AnswerError::UnknownChoice { .. })
        ));
        let mut run = FlowRun::start(&input_flow(select), &no_context()).expect("starts");
        run.answer(Answer::Choice("lock".into()))
            .expect("option id accepted");
        assert_eq!(
            run.path(),
            [Visit {
                node_id: "i".into(),
                answer: Some(Answer::Choice("lock".into())),
                label: Some("Door lock".into())
            }]
        );
    }

    #[test]
    fn conditions_test_earlier_answers_and_are_never_shown() {
        let mut run = at_router_age();
        let step = run.answer(Answer::Text("3".into())).expect("accepted");
        let outcome = step.outcome().expect("finished");
        assert_eq!(outcome.node_id, "support");
        let visited: Vec<&str> = run.path().iter().map(|v| v.node_id.as_str()).collect();
        assert_eq!(
            visited,
            [
                "plan-check",
                "led-colour",
                "restart",
                "restart-check",
                "router-age",
                "route"
            ]
        );
        assert_eq!(run.path()[5].answer, None);
    }

    #[test]
    fn a_handoff_draft_is_filled_with_the_answers() {
        let mut run = at_router_age();
        let step = run.answer(Answer::Text("12".into())).expect("accepted");
        let Some(Outcome {
            kind:
                OutcomeKind::Handoff {
                    priority,
                    team,
                    message_draft,
                    ..
                },
            ..
        }) = step.outcome()
        else {
            panic!("expected a handoff, got {step:?}");
        };
        assert_eq!((*priority, team.as_str()), (Priority::High, "connectivity"));
        assert_eq!(
            message_draft.as_deref(),
            Some("My hub stays amber after a restart. Router changed 12 days ago.")
        );
    }

    #[test]
    fn answering_after_the_outcome_is_an_error() {
        let mut run = started(&no_context());
        choose(&mut run, "other");
        assert_eq!(run.answer(Answer::Continue), Err(AnswerError::Finished));
    }

    #[test]
    fn back_undoes_the_last_answer_and_the_conditions_after_it() {
        let mut run = at_router_age();
        run.answer(Answer::Text("1".into())).expect("accepted");
        assert_eq!(shown_id(&run.back()), "router-age");
        assert_eq!(run.path().len(), 4);
        assert_eq!(shown_id(&run.back()), "restart-check");
        let step = run.answer(Answer::Check(true)).expect("yes");
        assert_eq!(step.outcome().map(|o| o.node_id.as_str()), Some("fixed"));
    }

    #[test]
    fn back_at_the_first_step_stays_there() {
        let mut run = started(&plan("plus"));
        let first = run.step().clone();
        assert!(!first.progress().can_go_back);
        assert_eq!(run.back(), first);
        assert_eq!(run.path().len(), 1, "the start condition stays on the path");
    }

    #[test]
    fn restart_forgets_every_answer_but_keeps_the_start_conditions() {
        let mut run = started(&plan("plus"));
        run.answer(Answer::Continue).expect("continue");
        choose(&mut run, "amber");
        let step = run.restart();
        assert_eq!(shown_id(&step), "plus-hello");
        assert_eq!(step.progress().steps_taken, 0);
        assert_eq!(run.recorded_answers(), []);
        assert_eq!(run.path().len(), 1);
    }

    #[test]
    fn progress_counts_answers_and_bounds_what_is_left() {
        let mut run = started(&plan("plus"));
        // plus-hello, led-colour, restart, restart-check, router-age.
        assert_eq!(
            run.step().progress(),
            Progress {
                steps_taken: 0,
                remaining_max: 5,
                can_go_back: false
            }
        );
        run.answer(Answer::Continue).expect("continue");
        assert_eq!(
            run.step().progress(),
            Progress {
                steps_taken: 1,
                remaining_max: 4,
                can_go_back: true
            }
        );
        let done = choose(&mut run, "other");
        assert_eq!(
            done.progress(),
            Progress {
                steps_taken: 2,
                remaining_max: 0,
                can_go_back: true
            }
        );
    }

    #[test]
    fn replay_of_a_recorded_path_gives_the_same_outcome() {
        let mut run = at_router_age();
        let step = run.answer(Answer::Text("7".into())).expect("accepted");
        let replayed = replay(&example(), &no_context(), &run.recorded_answers()).expect("replays");
        assert_eq!(Some(&replayed), step.outcome());
    }

    #[test]
    fn replay_names_the_first_step_that_does_not_fit() {
        let flow = example();
        let answer = |node: &str, answer: Answer| RecordedAnswer {
            node_id: node.into(),
            answer,
        };
        let path = [
            answer("led-colour", Answer::Choice("amber".into())),
            answer("restart", Answer::Continue),
            answer("restart-check", Answer::Check(true)),
        ];
        assert_eq!(
            replay(&flow, &no_context(), &path).map(|o| o.node_id),
            Ok("fixed".into())
        );
        // The page said the customer is on Plus: the path must start with the Plus message.
        assert_eq!(
            replay(&flow, &plan("plus"), &path),
            Err(ReplayError::WrongNode {
                step: 1,
                recorded: "led-colour".into(),
                expected: "plus-hello".into()
            })
        );
        let mut tampered = path.clone();
        tampered[0].answer = Answer::Choice("purple".into());
        assert!(matches!(
            replay(&flow, &no_context(), &tampered),
            Err(ReplayError::Rejected { step: 1, .. })
        ));
        assert_eq!(
            replay(&flow, &no_context(), &path[..2]),
            Err(ReplayError::Unfinished {
                node_id: "restart-check".into()
            })
        );
        let mut longer = path.to_vec();
        longer.push(answer("router-age", Answer::Text("1".into())));
        assert_eq!(
            replay(&flow, &no_context(), &longer),
            Err(ReplayError::AfterOutcome {
                step: 4,
                outcome: "fixed".into()
            })
        );
    }

    #[test]
    fn a_broken_flow_is_reported_not_panicked() {
        let mut flow = example();
        flow.start = "nowhere".into();
        assert_eq!(
            FlowRun::start(&flow, &no_context()).err(),
            Some(BrokenFlow::UnknownNode("nowhere".into()))
        );
        let mut flow = example();
        if let Some(Node::Condition(route)) = flow.nodes.iter_mut().find(|n| n.id() == "plan-check")
        {
            route.otherwise = "plan-check".into();
        }
        assert_eq!(
            FlowRun::start(&flow, &no_context()).err(),
            Some(BrokenFlow::ConditionLoop("plan-check".into()))
        );
    }

    #[test]
    fn answer_errors_speak_the_customers_language() {
        let err = AnswerError::TooShort {
            node_id: "i".into(),
            min: 3,
        };
        assert_eq!(
            err.customer_message("en"),
            "Please enter at least 3 characters."
        );
        assert_eq!(
            err.customer_message("de-AT"),
            "Bitte geben Sie mindestens 3 Zeichen ein."
        );
    }

    #[test]
    fn answers_and_outcomes_have_a_stable_wire_format() {
        let answers = [
            Answer::Continue,
            Answer::Choice("a".into()),
            Answer::Text("t".into()),
            Answer::Check(true),
        ];
        assert_eq!(
            serde_json::to_value(answers).expect("json"),
            serde_json::json!([
                {"type": "continue"},
                {"type": "choice", "value": "a"},
                {"type": "text", "value": "t"},
                {"type": "check", "value": true}
            ])
        );
        let outcome = Outcome {
            node_id: "support".into(),
            kind: OutcomeKind::Handoff {
                priority: Priority::Urgent,
                team: "hardware".into(),
                tags: vec!["reset".into()],
                message_draft: None,
            },
        };
        let json = serde_json::to_value(&outcome).expect("json");
        assert_eq!(
            json,
            serde_json::json!({"node_id": "support", "outcome": "handoff", "priority": "urgent",
                               "team": "hardware", "tags": ["reset"]})
        );
        assert_eq!(
            serde_json::from_value::<Outcome>(json).expect("parses"),
            outcome
        );
    }
}
