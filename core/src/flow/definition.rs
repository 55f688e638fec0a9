//! The flow definition: what an editor writes in `kb-content/flows/<locale>/<id>.toml`.
//!
//! One file holds one flow. The flow id is the file stem; the same id in every locale links
//! the translations of a flow, which share node ids, choice ids and option ids and differ
//! only in their texts. Files are TOML; unknown keys are errors, so a typo never passes silently.
//!
//! # Top level
//!
//! | key | meaning |
//! |---|---|
//! | `title` | shown in search results as "Guided fix: …" |
//! | `description` | one sentence: what the flow solves |
//! | `tags` | extra search terms |
//! | `page_urls` | site paths where the flow is offered; `*` matches any suffix |
//! | `start` | the id of the first node |
//! | `[[nodes]]` | the steps, each with an `id` (unique in the flow) and a `kind` |
//!
//! # Node kinds
//!
//! Shown to the customer, one at a time:
//!
//! - `message`: Markdown `text`, optional `article` slug to link, optional `image` asset path
//!   with `image_alt`, and `next`.
//! - `question`: `text` and `[[nodes.choices]]`, each with `id`, `label` and `next`.
//! - `input`: `text`, `input` = `text` | `email` | `number` | `select`, and `next`. Rules:
//!   `required` (default `false`), `min_length`/`max_length` (characters, for `text`),
//!   `pattern` (for `text`: `#` is one digit, `@` one letter, anything else is literal and
//!   compared ignoring case, e.g. `"NB-########"`), `min`/`max` (for `number`), and
//!   `options` = `[{ id, label }, …]` (for `select`).
//! - `check`: "Did this fix it?": `text`, `yes` and `no` (the node to go to on each answer).
//!
//! Evaluated by the engine, never shown:
//!
//! - `condition`: `[[nodes.branches]]`, each with `when` and `next`; the first branch whose
//!   `when` holds is taken, else `otherwise`. A `when` tests an earlier answer,
//!   `{ answer = "node-id", equals = "choice-id" }` or `one_of = ["a", "b"]` (a choice id of a
//!   question, an option id of a select input, `yes`/`no` of a check, or the text typed into an
//!   input), or the host page's context set with `Baton.setContext`,
//!   `{ context = "plan", equals = "plus" }`. An answer not given on the path taken, or a
//!   context key the page did not set, matches nothing.
//!
//! Outcomes, where a run ends:
//!
//! - `resolved`: optional `text`.
//! - `handoff`: `priority` (`normal`, `high` or `urgent`), `team`, `tags`, optional
//!   `message_draft` for the handoff form, in which `{node-id}` stands for the customer's answer
//!   to that node.
//! - `article`: `article` slug of the article to open, optional `text`.
//!
//! # A complete example
//!
//! ```toml
#![doc = include_str!("example.toml")]
//! ```

use serde::{Deserialize, Serialize};

/// A guided troubleshooting flow.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Flow {
    /// The flow id: the file stem, set by the loader. Files leave it out.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub page_urls: Vec<String>,
    /// The id of the first node.
    pub start: String,
    #[serde(default)]
    pub nodes: Vec<Node>,
}

/// One step of a flow. The TOML key `kind` selects the variant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Node {
    Message(MessageNode),
    Question(QuestionNode),
    Input(InputNode),
    Check(CheckNode),
    Condition(ConditionNode),
    Resolved(ResolvedNode),
    Handoff(HandoffNode),
    Article(ArticleNode),
}

/// Information, optionally with an article link or an image; the customer continues.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageNode {
    pub id: String,
    /// Markdown.
    #[serde(default)]
    pub text: String,
    /// Slug of an article to offer next to the text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article: Option<String>,
    /// Path of an image asset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// What the image shows, for screen readers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_alt: Option<String>,
    #[serde(default)]
    pub next: String,
}

/// A question answered by picking one of its choices.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuestionNode {
    pub id: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub choices: Vec<Choice>,
}

/// One answer to a question. The `id` is the same in every locale; the `label` is translated.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub next: String,
}

/// What kind of value an input asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InputType {
    Text,
    Email,
    Number,
    Select,
}

/// A value the customer types or selects, checked against the node's rules.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputNode {
    pub id: String,
    #[serde(default)]
    pub text: String,
    pub input: InputType,
    #[serde(default)]
    pub required: bool,
    /// Fewest characters (`text`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_length: Option<usize>,
    /// Most characters (`text`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<usize>,
    /// The shape of the value (`text`): `#` a digit, `@` a letter, anything else literal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// Smallest number (`number`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Largest number (`number`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// The options of a `select`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<SelectOption>,
    #[serde(default)]
    pub next: String,
}

/// One option of a `select` input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SelectOption {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub label: String,
}

/// "Did this fix it?": yes or no.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckNode {
    pub id: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub yes: String,
    #[serde(default)]
    pub no: String,
}

/// A branch point evaluated by the engine; never shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConditionNode {
    pub id: String,
    #[serde(default)]
    pub branches: Vec<Branch>,
    /// Where to go when no branch holds.
    #[serde(default)]
    pub otherwise: String,
}

/// Go to `next` when `when` holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Branch {
    pub when: When,
    #[serde(default)]
    pub next: String,
}

/// A test on an earlier answer or on the host page's context.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawWhen", into = "RawWhen")]
pub struct When {
    pub subject: Subject,
    pub test: Test,
}

/// What a [`When`] looks at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    /// The answer given to this node earlier in the run.
    Answer(String),
    /// This key of the context set by the host page.
    Context(String),
}

/// How a [`When`] compares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Test {
    Equals(String),
    OneOf(Vec<String>),
}

impl Test {
    /// Whether `value` passes the test.
    pub fn matches(&self, value: &str) -> bool {
        match self {
            Test::Equals(expected) => expected == value,
            Test::OneOf(expected) => expected.iter().any(|e| e == value),
        }
    }

    /// The values the test accepts.
    pub fn values(&self) -> &[String] {
        match self {
            Test::Equals(expected) => std::slice::from_ref(expected),
            Test::OneOf(expected) => expected,
        }
    }
}

/// How a [`When`] is written: `{ answer | context = "…", equals = "…" | one_of = […] }`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWhen {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    answer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    context: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    equals: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    one_of: Option<Vec<String>>,
}

impl TryFrom<RawWhen> for When {
    type Error = String;

    fn try_from(raw: RawWhen) -> Result<Self, Self::Error> {
        let subject =
            match (raw.answer, raw.context) {
                (Some(node), None) => Subject::Answer(node),
                (None, Some(key)) => Subject::Context(key),
                _ => return Err(
                    "a `when` needs exactly one of `answer = \"node-id\"` or `context = \"key\"`"
                        .into(),
                ),
            };
        let test = match (raw.equals, raw.one_of) {
            (Some(value), None) => Test::Equals(value),
            (None, Some(values)) => Test::OneOf(values),
            _ => {
                return Err(
                    "a `when` needs exactly one of `equals = \"…\"` or `one_of = [\"…\"]`".into(),
                );
            }
        };
        Ok(When { subject, test })
    }
}

impl From<When> for RawWhen {
    fn from(when: When) -> Self {
        let mut raw = RawWhen::default();
        match when.subject {
            Subject::Answer(node) => raw.answer = Some(node),
            Subject::Context(key) => raw.context = Some(key),
        }
        match when.test {
            Test::Equals(value) => raw.equals = Some(value),
            Test::OneOf(values) => raw.one_of = Some(values),
        }
        raw
    }
}

/// The customer's problem is solved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResolvedNode {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// How soon a handed-off ticket needs an answer; the site's SLA tiers are named after these.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Normal,
    High,
    Urgent,
}

impl Priority {
    /// The name used in files and on the wire: `normal`, `high` or `urgent`.
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }
}

/// The flow hands the customer to a person, with the path attached.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandoffNode {
    pub id: String,
    pub priority: Priority,
    /// The team or queue that gets the ticket.
    #[serde(default)]
    pub team: String,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Prefills the handoff form; `{node-id}` stands for the answer to that node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_draft: Option<String>,
}

/// The flow ends by opening an article.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArticleNode {
    pub id: String,
    /// Slug of the article to open.
    #[serde(default)]
    pub article: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// Why an edge is taken, for validation messages and diagrams.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EdgeLabel<'a> {
    /// A message's `next` or an input's `next`.
    Next,
    /// A question's choice.
    Choice(&'a Choice),
    Yes,
    No,
    /// A condition's branch.
    Branch(&'a When),
    Otherwise,
}

/// A reference from one node to the next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Edge<'a> {
    /// The id of the node referred to, as written (may be empty or unknown).
    pub to: &'a str,
    pub label: EdgeLabel<'a>,
    /// The key in the file that holds the reference.
    pub field: &'static str,
}

impl Node {
    pub fn id(&self) -> &str {
        match self {
            Node::Message(n) => &n.id,
            Node::Question(n) => &n.id,
            Node::Input(n) => &n.id,
            Node::Check(n) => &n.id,
            Node::Condition(n) => &n.id,
            Node::Resolved(n) => &n.id,
            Node::Handoff(n) => &n.id,
            Node::Article(n) => &n.id,
        }
    }

    /// The `kind` as written in files.
    pub fn kind(&self) -> &'static str {
        match self {
            Node::Message(_) => "message",
            Node::Question(_) => "question",
            Node::Input(_) => "input",
            Node::Check(_) => "check",
            Node::Condition(_) => "condition",
            Node::Resolved(_) => "resolved",
            Node::Handoff(_) => "handoff",
            Node::Article(_) => "article",
        }
    }

    /// The text shown to the customer, for the kinds that show one.
    pub fn text(&self) -> Option<&str> {
        match self {
            Node::Message(n) => Some(&n.text),
            Node::Question(n) => Some(&n.text),
            Node::Input(n) => Some(&n.text),
            Node::Check(n) => Some(&n.text),
            Node::Resolved(n) => n.text.as_deref(),
            Node::Article(n) => n.text.as_deref(),
            Node::Condition(_) | Node::Handoff(_) => None,
        }
    }

    /// Whether a run ends here.
    pub fn is_outcome(&self) -> bool {
        matches!(
            self,
            Node::Resolved(_) | Node::Handoff(_) | Node::Article(_)
        )
    }

    /// Whether the customer sees this node and answers it (everything but conditions and
    /// outcomes).
    pub fn is_shown(&self) -> bool {
        !self.is_outcome() && !matches!(self, Node::Condition(_))
    }

    /// The references to other nodes, in file order.
    pub fn edges(&self) -> Vec<Edge<'_>> {
        fn edge<'a>(to: &'a str, label: EdgeLabel<'a>, field: &'static str) -> Edge<'a> {
            Edge { to, label, field }
        }
        match self {
            Node::Message(n) => vec![edge(&n.next, EdgeLabel::Next, "next")],
            Node::Input(n) => vec![edge(&n.next, EdgeLabel::Next, "next")],
            Node::Question(n) => n
                .choices
                .iter()
                .map(|c| Edge {
                    to: &c.next,
                    label: EdgeLabel::Choice(c),
                    field: "next",
                })
                .collect(),
            Node::Check(n) => vec![
                edge(&n.yes, EdgeLabel::Yes, "yes"),
                edge(&n.no, EdgeLabel::No, "no"),
            ],
            Node::Condition(n) => n
                .branches
                .iter()
                .map(|b| Edge {
                    to: &b.next,
                    label: EdgeLabel::Branch(&b.when),
                    field: "next",
                })
                .chain(std::iter::once(edge(
                    &n.otherwise,
                    EdgeLabel::Otherwise,
                    "otherwise",
                )))
                .collect(),
            Node::Resolved(_) | Node::Handoff(_) | Node::Article(_) => Vec::new(),
        }
    }
}

impl Flow {
    /// The node with this id (the first one, should ids repeat).
    pub fn node(&self, id: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.id() == id)
    }

    /// Every article slug the flow links to, with the id of the node that links it, so the
    /// loader can check that the articles exist.
    pub fn article_links(&self) -> Vec<(&str, &str)> {
        self.nodes
            .iter()
            .filter_map(|n| match n {
                Node::Message(m) => m.article.as_deref().map(|a| (m.id.as_str(), a)),
                Node::Article(a) => Some((a.id.as_str(), a.article.as_str())),
                _ => None,
            })
            .collect()
    }
}
