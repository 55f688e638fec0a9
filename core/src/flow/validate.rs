//! Flow validation: every problem in a flow at once, for `baton check`.
//!
//! Issues name the node (and the key in it) they are about; the loader maps those to
//! `path:line:col`. A flow with no [`Severity::Error`] issue never breaks the engine: every
//! reference resolves, and from every reachable node an outcome can be reached.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::definition::{Flow, InputType, Node, Subject};

/// How bad an issue is: errors block publishing, warnings are shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem found in a flow.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FlowIssue {
    pub severity: Severity,
    /// The node the issue is about; `None` for the top level of the file.
    pub node_id: Option<String>,
    /// The key in that node (or at the top level) the issue is about.
    pub field: Option<&'static str>,
    pub message: String,
    /// What to write instead, when there is something to suggest.
    pub hint: Option<String>,
}

impl std::fmt::Display for FlowIssue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{severity}")?;
        if let Some(node) = &self.node_id {
            write!(f, " in node '{node}'")?;
        }
        if let Some(field) = self.field {
            write!(f, " ({field})")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, " ({hint})")?;
        }
        Ok(())
    }
}

/// Checks a flow and returns every issue, errors first, each group in file order.
pub fn validate(flow: &Flow) -> Vec<FlowIssue> {
    let mut issues = Issues::default();
    let ids: Vec<&str> = flow.nodes.iter().map(Node::id).collect();
    let known: BTreeSet<&str> = ids.iter().copied().collect();

    if flow.title.trim().is_empty() {
        issues.error(None, "title", "the flow has no title".into(), None);
    }
    if flow.start.trim().is_empty() {
        issues.error(None, "start", "the flow has no `start` node".into(), None);
    } else if !known.contains(flow.start.as_str()) {
        issues.error(
            None,
            "start",
            format!(
                "`start` refers to node '{}', which does not exist",
                flow.start
            ),
            did_you_mean(&flow.start, &ids),
        );
    }

    let mut seen = BTreeSet::new();
    for node in &flow.nodes {
        let id = node.id();
        if id.trim().is_empty() {
            issues.error(Some(id), "id", "a node has an empty id".into(), None);
        } else if !seen.insert(id) {
            issues.error(
                Some(id),
                "id",
                format!("the node id '{id}' is used more than once"),
                Some("give each node its own id".into()),
            );
        }
        check_node(flow, node, &ids, &mut issues);
    }

    check_graph(flow, &mut issues);
    issues.into_sorted()
}

fn check_node(flow: &Flow, node: &Node, ids: &[&str], issues: &mut Issues) {
    let id = node.id();
    if node.is_shown() && node.text().is_some_and(|t| t.trim().is_empty()) {
        issues.error(
            Some(id),
            "text",
            format!("the {} has no text", node.kind()),
            None,
        );
    }
    for edge in node.edges() {
        if edge.to.trim().is_empty() {
            let what = match node {
                Node::Question(_) => "a choice has no `next`",
                Node::Check(_) => "a check needs both `yes` and `no`",
                Node::Condition(_) if edge.field == "otherwise" => {
                    "a condition needs `otherwise`, for when no branch holds"
                }
                Node::Condition(_) => "a branch has no `next`",
                _ => "the node has no `next`",
            };
            issues.error(Some(id), edge.field, format!("dead end: {what}"), None);
        } else if flow.node(edge.to).is_none() {
            issues.error(
                Some(id),
                edge.field,
                format!("refers to node '{}', which does not exist", edge.to),
                did_you_mean(edge.to, ids),
            );
        }
    }
    match node {
        Node::Message(m) => {
            if m.article.as_deref().is_some_and(|a| a.trim().is_empty()) {
                issues.error(
                    Some(id),
                    "article",
                    "`article` is empty; give an article slug or leave it out".into(),
                    None,
                );
            }
            if m.image.is_some() && m.image_alt.as_deref().is_none_or(|a| a.trim().is_empty()) {
                issues.warning(
                    Some(id),
                    "image_alt",
                    "the image has no `image_alt` for screen readers".into(),
                    None,
                );
            }
        }
        Node::Question(q) => {
            if q.choices.is_empty() {
                issues.error(
                    Some(id),
                    "choices",
                    "dead end: the question has no choices".into(),
                    None,
                );
            }
            let mut choice_ids = BTreeSet::new();
            for choice in &q.choices {
                if choice.id.trim().is_empty() {
                    issues.error(Some(id), "choices", "a choice has no `id`".into(), None);
                } else if !choice_ids.insert(choice.id.as_str()) {
                    issues.error(
                        Some(id),
                        "choices",
                        format!("the choice id '{}' is used more than once", choice.id),
                        None,
                    );
                }
                if choice.label.trim().is_empty() {
                    issues.error(
                        Some(id),
                        "label",
                        format!("the choice '{}' has no label", choice.id),
                        None,
                    );
                }
            }
        }
        Node::Input(input) => check_input(input, issues),
        Node::Condition(c) => {
            if c.branches.is_empty() {
                issues.warning(
                    Some(id),
                    "branches",
                    "the condition has no branches and always goes to `otherwise`".into(),
                    None,
                );
            }
            for branch in &c.branches {
                check_when(flow, id, &branch.when, ids, issues);
            }
        }
        Node::Handoff(h) => {
            if h.team.trim().is_empty() {
                issues.error(Some(id), "team", "the handoff names no `team`".into(), None);
            }
            if let Some(draft) = &h.message_draft {
                for placeholder in placeholders(draft) {
                    if flow.node(placeholder).is_none() {
                        issues.warning(
                            Some(id),
                            "message_draft",
                            format!("`{{{placeholder}}}` names no node, so it stays as written"),
                            did_you_mean(placeholder, ids),
                        );
                    }
                }
            }
        }
        Node::Article(a) => {
            if a.article.trim().is_empty() {
                issues.error(
                    Some(id),
                    "article",
                    "the article outcome names no article".into(),
                    Some("add `article = \"slug\"`".into()),
                );
            }
        }
        Node::Check(_) | Node::Resolved(_) => {}
    }
}

fn check_input(input: &super::definition::InputNode, issues: &mut Issues) {
    let id = Some(input.id.as_str());
    let kind = input.input;
    if kind == InputType::Select {
        if input.options.is_empty() {
            issues.error(
                id,
                "options",
                "a select input has no `options`".into(),
                Some("add `options = [{ id = \"…\", label = \"…\" }]`".into()),
            );
        }
        let mut option_ids = BTreeSet::new();
        for option in &input.options {
            if option.id.trim().is_empty() || !option_ids.insert(option.id.as_str()) {
                issues.error(
                    id,
                    "options",
                    format!(
                        "the option id '{}' is empty or used more than once",
                        option.id
                    ),
                    None,
                );
            }
            if option.label.trim().is_empty() {
                issues.error(
                    id,
                    "options",
                    format!("the option '{}' has no label", option.id),
                    None,
                );
            }
        }
    } else if !input.options.is_empty() {
        issues.warning(
            id,
            "options",
            "`options` only apply to `select` inputs".into(),
            None,
        );
    }
    if kind != InputType::Text {
        for (field, set) in [
            ("min_length", input.min_length.is_some()),
            ("max_length", input.max_length.is_some()),
            ("pattern", input.pattern.is_some()),
        ] {
            if set {
                issues.warning(
                    id,
                    field,
                    format!("`{field}` only applies to `text` inputs"),
                    None,
                );
            }
        }
    }
    if kind != InputType::Number {
        for (field, set) in [("min", input.min.is_some()), ("max", input.max.is_some())] {
            if set {
                issues.warning(
                    id,
                    field,
                    format!("`{field}` only applies to `number` inputs"),
                    None,
                );
            }
        }
    }
    if let (Some(min), Some(max)) = (input.min_length, input.max_length)
        && min > max
    {
        issues.error(
            id,
            "min_length",
            "`min_length` is larger than `max_length`".into(),
            None,
        );
    }
    if let (Some(min), Some(max)) = (input.min, input.max)
        && min > max
    {
        issues.error(id, "min", "`min` is larger than `max`".into(), None);
    }
    if input.pattern.as_deref().is_some_and(|p| p.is_empty()) {
        issues.error(id, "pattern", "`pattern` is empty".into(), None);
    }
}

fn check_when(
    flow: &Flow,
    id: &str,
    when: &super::definition::When,
    ids: &[&str],
    issues: &mut Issues,
) {
    let Subject::Answer(asked) = &when.subject else {
        return;
    };
    let Some(asked_node) = flow.node(asked) else {
        issues.error(
            Some(id),
            "when",
            format!("the condition tests the answer to node '{asked}', which does not exist"),
            did_you_mean(asked, ids),
        );
        return;
    };
    let allowed: Option<Vec<&str>> = match asked_node {
        Node::Question(q) => Some(q.choices.iter().map(|c| c.id.as_str()).collect()),
        Node::Check(_) => Some(vec!["yes", "no"]),
        Node::Input(i) if i.input == InputType::Select => {
            Some(i.options.iter().map(|o| o.id.as_str()).collect())
        }
        Node::Input(_) => None,
        other => {
            issues.error(
                Some(id),
                "when",
                format!(
                    "the condition tests the answer to '{asked}', but a {} has no answer",
                    other.kind()
                ),
                None,
            );
            return;
        }
    };
    if let Some(allowed) = allowed {
        for value in when.test.values() {
            if !allowed.contains(&value.as_str()) {
                issues.error(
                    Some(id),
                    "when",
                    format!("'{asked}' has no answer '{value}'"),
                    did_you_mean(value, &allowed)
                        .or_else(|| Some(format!("its answers are: {}", allowed.join(", ")))),
                );
            }
        }
    }
    let successors = successor_map(flow);
    if !reachable_from(&successors, asked, None).contains(id) {
        issues.error(
            Some(id),
            "when",
            format!("the condition tests the answer to '{asked}', which is never asked before it"),
            Some("a condition can only test answers given earlier on the way to it".into()),
        );
    } else if reachable_from(&successors, &flow.start, Some(asked)).contains(id) {
        issues.warning(
            Some(id),
            "when",
            format!(
                "on some paths '{asked}' is not asked before this condition; those take `otherwise`"
            ),
            None,
        );
    }
}

/// Reachability, dead ends that are really loops, and conditions that loop among themselves.
fn check_graph(flow: &Flow, issues: &mut Issues) {
    let successors = successor_map(flow);
    if flow.node(&flow.start).is_none() {
        return;
    }
    let reachable = reachable_from(&successors, &flow.start, None);
    for node in &flow.nodes {
        if !reachable.contains(node.id()) && !node.id().is_empty() {
            issues.warning(
                Some(node.id()),
                "id",
                format!("the node '{}' cannot be reached from `start`", node.id()),
                None,
            );
        }
    }

    // Nodes from which an outcome can be reached, found backwards from the outcomes.
    let mut can_finish: BTreeSet<&str> = flow
        .nodes
        .iter()
        .filter(|n| n.is_outcome())
        .map(Node::id)
        .collect();
    loop {
        let before = can_finish.len();
        for node in &flow.nodes {
            if node.edges().iter().any(|e| can_finish.contains(e.to)) {
                can_finish.insert(node.id());
            }
        }
        if can_finish.len() == before {
            break;
        }
    }
    // A doomed node that is not itself a dead end goes round in circles: report each loop once.
    let doomed: Vec<&str> = flow
        .nodes
        .iter()
        .map(Node::id)
        .filter(|id| reachable.contains(id) && !can_finish.contains(id))
        .collect();
    let mut reported = BTreeSet::new();
    for &id in &doomed {
        if reported.contains(id) {
            continue;
        }
        let component = strongly_connected(&successors, id);
        if component.len() > 1 || successors.get(id).is_some_and(|s| s.contains(&id)) {
            let members: Vec<&str> = doomed
                .iter()
                .copied()
                .filter(|d| component.contains(d))
                .collect();
            issues.error(
                Some(id),
                "next",
                format!(
                    "these nodes loop with no way to an outcome: {}",
                    members.join(", ")
                ),
                Some(
                    "add a choice or branch that leads to a resolved, handoff or article node"
                        .into(),
                ),
            );
            reported.extend(component);
        }
    }

    // Conditions that only lead to each other would make the engine spin without asking.
    let conditions: BTreeMap<&str, Vec<&str>> = flow
        .nodes
        .iter()
        .filter(|n| matches!(n, Node::Condition(_)))
        .map(|n| {
            let next = n
                .edges()
                .iter()
                .map(|e| e.to)
                .filter(|to| matches!(flow.node(to), Some(Node::Condition(_))))
                .collect();
            (n.id(), next)
        })
        .collect();
    let mut reported = BTreeSet::new();
    for &id in conditions.keys() {
        if reported.contains(id) {
            continue;
        }
        let component = strongly_connected(&conditions, id);
        if component.len() > 1 || conditions.get(id).is_some_and(|s| s.contains(&id)) {
            issues.error(
                Some(id),
                "next",
                format!(
                    "conditions lead back to each other without asking anything: {}",
                    component.iter().copied().collect::<Vec<_>>().join(", ")
                ),
                None,
            );
            reported.extend(component);
        }
    }
}

/// Checks that `translation` is the same flow as `original` in another language: the same
/// `start`, the same nodes with the same kinds and references, and the same choice and option
/// ids. Only texts may differ. Issues name the translation's nodes.
pub fn compare_translations(original: &Flow, translation: &Flow) -> Vec<FlowIssue> {
    let mut issues = Issues::default();
    if original.start != translation.start {
        issues.error(
            None,
            "start",
            format!(
                "`start` is '{}' here but '{}' in the original",
                translation.start, original.start
            ),
            None,
        );
    }
    for node in &original.nodes {
        let Some(translated) = translation.node(node.id()) else {
            issues.error(
                None,
                "nodes",
                format!("the node '{}' of the original is missing", node.id()),
                None,
            );
            continue;
        };
        if shape(node) != shape(translated) {
            issues.error(
                Some(node.id()),
                "kind",
                format!("the node '{}' differs from the original in more than its texts", node.id()),
                Some("keep kinds, ids, references, conditions and handoff settings as in the original; translate only texts".into()),
            );
        }
    }
    for node in &translation.nodes {
        if original.node(node.id()).is_none() {
            issues.error(
                Some(node.id()),
                "id",
                format!("the node '{}' is not in the original", node.id()),
                None,
            );
        }
    }
    issues.into_sorted()
}

/// A node with every translatable text removed.
fn shape(node: &Node) -> Node {
    let mut node = node.clone();
    match &mut node {
        Node::Message(m) => {
            m.text.clear();
            m.image_alt = None;
        }
        Node::Question(q) => {
            q.text.clear();
            q.choices.iter_mut().for_each(|c| c.label.clear());
        }
        Node::Input(i) => {
            i.text.clear();
            i.options.iter_mut().for_each(|o| o.label.clear());
        }
        Node::Check(c) => c.text.clear(),
        Node::Resolved(r) => r.text = None,
        Node::Handoff(h) => h.message_draft = None,
        Node::Article(a) => a.text = None,
        Node::Condition(_) => {}
    }
    node
}

type Successors<'a> = BTreeMap<&'a str, Vec<&'a str>>;

/// The references of every node; for a repeated id, of the first node with it, as the engine
/// sees it.
fn successor_map(flow: &Flow) -> Successors<'_> {
    let mut map = Successors::new();
    for node in &flow.nodes {
        map.entry(node.id())
            .or_insert_with(|| node.edges().iter().map(|e| e.to).collect());
    }
    map
}

/// The nodes reachable from `from` (itself included), never entering `avoid`.
fn reachable_from<'a>(
    successors: &Successors<'a>,
    from: &'a str,
    avoid: Option<&str>,
) -> BTreeSet<&'a str> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![from];
    while let Some(id) = stack.pop() {
        if Some(id) == avoid || !seen.insert(id) {
            continue;
        }
        stack.extend(successors.get(id).into_iter().flatten().copied());
    }
    seen
}

/// The strongly connected component of `id`: the nodes it reaches that also reach it.
fn strongly_connected<'a>(successors: &Successors<'a>, id: &'a str) -> BTreeSet<&'a str> {
    reachable_from(successors, id, None)
        .into_iter()
        .filter(|&other| reachable_from(successors, other, None).contains(id))
        .collect()
}

/// The `{node-id}` placeholders in a message draft.
fn placeholders(draft: &str) -> Vec<&str> {
    draft
        .split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .filter(|name| !name.is_empty() && !name.contains(char::is_whitespace))
        .collect()
}

/// Suggests the closest known id when it is only a few edits away.
fn did_you_mean(wrong: &str, known: &[&str]) -> Option<String> {
    known
        .iter()
        .filter(|k| !k.is_empty())
        .map(|k| (edit_distance(wrong, k), *k))
        .filter(|(d, k)| *d > 0 && *d <= 2.max(k.chars().count() / 3))
        .min()
        .map(|(_, k)| format!("did you mean '{k}'?"))
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// The most answers any run can need: the longest simple path from `start` to an outcome,
/// counting the shown nodes on it.
pub fn max_steps(flow: &Flow) -> usize {
    longest_from(flow, &flow.start)
}

/// Most simple paths explored before [`longest_from`] falls back to a cruder bound.
const SEARCH_BUDGET: usize = 100_000;

/// The most answers needed from node `id` to an outcome, along a simple path. Exact for flows
/// without loops (the usual case) and for small looping ones; otherwise the number of shown
/// nodes, which bounds every simple path.
pub(crate) fn longest_from(flow: &Flow, id: &str) -> usize {
    let mut on_path = BTreeSet::new();
    let mut budget = SEARCH_BUDGET;
    let mut memo = BTreeMap::new();
    longest(flow, id, &mut on_path, &mut memo, &mut budget)
        .unwrap_or_else(|| flow.nodes.iter().filter(|n| n.is_shown()).count())
}

/// Depth-first search for the longest simple path. Results are memoized only for nodes whose
/// search never met a node already on the path, which makes it linear on flows without loops.
fn longest<'a>(
    flow: &'a Flow,
    id: &'a str,
    on_path: &mut BTreeSet<&'a str>,
    memo: &mut BTreeMap<&'a str, usize>,
    budget: &mut usize,
) -> Option<usize> {
    if let Some(&known) = memo.get(id) {
        return Some(known);
    }
    *budget = budget.checked_sub(1)?;
    let Some(node) = flow.node(id) else {
        return Some(0);
    };
    on_path.insert(id);
    let mut best = 0;
    let mut met_loop = false;
    for edge in node.edges() {
        if on_path.contains(edge.to) {
            met_loop = true;
            continue;
        }
        best = best.max(longest(flow, edge.to, on_path, memo, budget)?);
        met_loop |= !memo.contains_key(edge.to);
    }
    on_path.remove(id);
    let total = best + usize::from(node.is_shown());
    if !met_loop {
        memo.insert(id, total);
    }
    Some(total)
}

#[derive(Default)]
struct Issues(Vec<FlowIssue>);

impl Issues {
    fn push(
        &mut self,
        severity: Severity,
        node: Option<&str>,
        field: &'static str,
        message: String,
        hint: Option<String>,
    ) {
        self.0.push(FlowIssue {
            severity,
            node_id: node.map(str::to_owned),
            field: Some(field),
            message,
            hint,
        });
    }

    fn error(
        &mut self,
        node: Option<&str>,
        field: &'static str,
        message: String,
        hint: Option<String>,
    ) {
        self.push(Severity::Error, node, field, message, hint);
    }

    fn warning(
        &mut self,
        node: Option<&str>,
        field: &'static str,
        message: String,
        hint: Option<String>,
    ) {
        self.push(Severity::Warning, node, field, message, hint);
    }

    fn into_sorted(mut self) -> Vec<FlowIssue> {
        self.0.sort_by_key(|i| i.severity);
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn parse(toml: &str) -> Flow {
        toml::from_str(toml).expect("test flow parses")
    }

    /// A flow with the given nodes after a question `q` whose one choice `go` leads to `first`.
    fn flow_with(first: &str, nodes: &str) -> Flow {
        parse(&format!(
            "title = \"Test\"\nstart = \"q\"\n\
             [[nodes]]\nid = \"q\"\nkind = \"question\"\ntext = \"?\"\n\
             [[nodes.choices]]\nid = \"go\"\nlabel = \"Go\"\nnext = \"{first}\"\n\
             {nodes}\n\
             [[nodes]]\nid = \"done\"\nkind = \"resolved\"\n"
        ))
    }

    /// The (severity, node, field) of every issue, and the messages for failure output.
    fn found(flow: &Flow) -> Vec<(Severity, Option<String>, Option<&'static str>)> {
        validate(flow)
            .into_iter()
            .map(|i| (i.severity, i.node_id, i.field))
            .collect()
    }

    fn error(node: &str, field: &'static str) -> (Severity, Option<String>, Option<&'static str>) {
        (Severity::Error, Some(node.into()), Some(field))
    }

    fn warning(
        node: &str,
        field: &'static str,
    ) -> (Severity, Option<String>, Option<&'static str>) {
        (Severity::Warning, Some(node.into()), Some(field))
    }

    #[test]
    fn the_editor_guide_shows_the_documented_example() {
        let guide = include_str!("../../../docs/flows.md");
        assert!(
            guide.contains(include_str!("example.toml")),
            "update docs/flows.md"
        );
    }

    #[test]
    fn the_documented_example_has_no_issues() {
        let flow = parse(include_str!("example.toml"));
        assert_eq!(validate(&flow), []);
    }

    #[test]
    fn an_unknown_reference_suggests_the_closest_node_id() {
        let flow = flow_with("dnoe", "");
        let issues = validate(&flow);
        assert_eq!(found(&flow), [error("q", "next"), warning("done", "id")]);
        assert_eq!(
            issues[0].message,
            "refers to node 'dnoe', which does not exist"
        );
        assert_eq!(issues[0].hint.as_deref(), Some("did you mean 'done'?"));
        assert_eq!(
            issues[0].to_string(),
            "error in node 'q' (next): refers to node 'dnoe', which does not exist (did you mean 'done'?)"
        );
    }

    #[test]
    fn an_unknown_start_is_an_error_at_the_top_level() {
        let mut flow = flow_with("done", "");
        flow.start = "qq".into();
        let issues = validate(&flow);
        assert_eq!(issues[0].field, Some("start"));
        assert_eq!(issues[0].node_id, None);
        assert_eq!(issues[0].hint.as_deref(), Some("did you mean 'q'?"));
    }

    #[test]
    fn an_unreachable_node_is_a_warning() {
        let flow = flow_with("done", "[[nodes]]\nid = \"orphan\"\nkind = \"resolved\"\n");
        assert_eq!(found(&flow), [warning("orphan", "id")]);
    }

    #[test]
    fn a_node_without_a_way_on_is_a_dead_end() {
        let flow = flow_with(
            "m",
            "[[nodes]]\nid = \"m\"\nkind = \"message\"\ntext = \"Hi\"\n",
        );
        assert_eq!(found(&flow), [error("m", "next"), warning("done", "id")]);
        let flow = flow_with(
            "c",
            "[[nodes]]\nid = \"c\"\nkind = \"check\"\ntext = \"Fixed?\"\nyes = \"done\"\n",
        );
        assert_eq!(found(&flow), [error("c", "no")]);
        let flow = flow_with(
            "e",
            "[[nodes]]\nid = \"e\"\nkind = \"question\"\ntext = \"?\"\n",
        );
        assert_eq!(found(&flow), [error("e", "choices"), warning("done", "id")]);
        let flow = flow_with(
            "w",
            "[[nodes]]\nid = \"w\"\nkind = \"condition\"\n[[nodes.branches]]\n\
             when = { context = \"plan\", equals = \"plus\" }\nnext = \"done\"\n",
        );
        assert_eq!(found(&flow), [error("w", "otherwise")]);
    }

    #[test]
    fn a_loop_with_no_way_out_is_reported_once() {
        let flow = flow_with(
            "a",
            "[[nodes]]\nid = \"a\"\nkind = \"message\"\ntext = \"A\"\nnext = \"b\"\n\
             [[nodes]]\nid = \"b\"\nkind = \"check\"\ntext = \"B?\"\nyes = \"a\"\nno = \"a\"\n",
        );
        let issues = validate(&flow);
        let loops: Vec<_> = issues
            .iter()
            .filter(|i| i.message.contains("loop"))
            .collect();
        assert_eq!(loops.len(), 1, "{issues:?}");
        assert!(loops[0].message.ends_with("a, b"), "{}", loops[0].message);
        // `done` cannot be reached either.
        assert!(found(&flow).contains(&warning("done", "id")));
    }

    #[test]
    fn a_loop_with_a_way_out_is_fine() {
        let flow = flow_with(
            "a",
            "[[nodes]]\nid = \"a\"\nkind = \"message\"\ntext = \"Try again\"\nnext = \"b\"\n\
             [[nodes]]\nid = \"b\"\nkind = \"check\"\ntext = \"Fixed?\"\nyes = \"done\"\nno = \"a\"\n",
        );
        assert_eq!(validate(&flow), []);
    }

    #[test]
    fn conditions_that_lead_back_to_each_other_are_an_error() {
        let flow = flow_with(
            "c1",
            "[[nodes]]\nid = \"c1\"\nkind = \"condition\"\notherwise = \"c2\"\n\
             [[nodes.branches]]\nwhen = { context = \"plan\", equals = \"plus\" }\nnext = \"done\"\n\
             [[nodes]]\nid = \"c2\"\nkind = \"condition\"\notherwise = \"c1\"\n\
             [[nodes.branches]]\nwhen = { context = \"plan\", equals = \"free\" }\nnext = \"done\"\n",
        );
        let issues = validate(&flow);
        assert_eq!(issues.len(), 1, "{issues:?}");
        assert!(issues[0].message.contains("c1, c2"));
    }

    #[test]
    fn a_duplicate_node_id_is_an_error() {
        let flow = flow_with("done", "[[nodes]]\nid = \"q\"\nkind = \"resolved\"\n");
        assert_eq!(found(&flow), [error("q", "id")]);
    }

    #[test]
    fn choices_need_labels_and_distinct_ids() {
        let flow = flow_with(
            "q2",
            "[[nodes]]\nid = \"q2\"\nkind = \"question\"\ntext = \"?\"\n\
             [[nodes.choices]]\nid = \"a\"\nlabel = \" \"\nnext = \"done\"\n\
             [[nodes.choices]]\nid = \"a\"\nlabel = \"A\"\nnext = \"done\"\n",
        );
        assert_eq!(found(&flow), [error("q2", "label"), error("q2", "choices")]);
    }

    #[test]
    fn a_shown_node_needs_text() {
        let flow = flow_with(
            "m",
            "[[nodes]]\nid = \"m\"\nkind = \"message\"\ntext = \"\"\nnext = \"done\"\n",
        );
        assert_eq!(found(&flow), [error("m", "text")]);
    }

    #[test]
    fn a_condition_cannot_test_an_answer_not_given_before_it() {
        let flow = flow_with(
            "c",
            "[[nodes]]\nid = \"c\"\nkind = \"condition\"\notherwise = \"later\"\n\
             [[nodes.branches]]\nwhen = { answer = \"later\", equals = \"yes\" }\nnext = \"done\"\n\
             [[nodes]]\nid = \"later\"\nkind = \"check\"\ntext = \"Fixed?\"\nyes = \"done\"\nno = \"done\"\n",
        );
        let issues = validate(&flow);
        assert_eq!(found(&flow), [error("c", "when")]);
        assert!(issues[0].message.contains("never asked before it"));
    }

    #[test]
    fn a_condition_on_an_answer_asked_on_only_some_paths_is_a_warning() {
        let flow = parse(
            "title = \"T\"\nstart = \"q\"\n\
             [[nodes]]\nid = \"q\"\nkind = \"question\"\ntext = \"?\"\n\
             [[nodes.choices]]\nid = \"ask\"\nlabel = \"Ask\"\nnext = \"c\"\n\
             [[nodes.choices]]\nid = \"skip\"\nlabel = \"Skip\"\nnext = \"route\"\n\
             [[nodes]]\nid = \"c\"\nkind = \"check\"\ntext = \"Fixed?\"\nyes = \"route\"\nno = \"route\"\n\
             [[nodes]]\nid = \"route\"\nkind = \"condition\"\notherwise = \"done\"\n\
             [[nodes.branches]]\nwhen = { answer = \"c\", equals = \"yes\" }\nnext = \"done\"\n\
             [[nodes]]\nid = \"done\"\nkind = \"resolved\"\n",
        );
        assert_eq!(found(&flow), [warning("route", "when")]);
    }

    #[test]
    fn equals_must_name_an_answer_the_node_has() {
        let flow = flow_with(
            "c",
            "[[nodes]]\nid = \"c\"\nkind = \"condition\"\notherwise = \"done\"\n\
             [[nodes.branches]]\nwhen = { answer = \"q\", one_of = [\"go\", \"og\"] }\nnext = \"done\"\n",
        );
        let issues = validate(&flow);
        assert_eq!(found(&flow), [error("c", "when")]);
        assert_eq!(issues[0].message, "'q' has no answer 'og'");
        assert_eq!(issues[0].hint.as_deref(), Some("did you mean 'go'?"));
    }

    #[test]
    fn an_article_outcome_needs_a_slug() {
        let flow = flow_with("a", "[[nodes]]\nid = \"a\"\nkind = \"article\"\n");
        assert_eq!(found(&flow), [error("a", "article"), warning("done", "id")]);
    }

    #[test]
    fn a_select_input_needs_options() {
        let flow = flow_with(
            "s",
            "[[nodes]]\nid = \"s\"\nkind = \"input\"\ninput = \"select\"\ntext = \"Which?\"\nnext = \"done\"\n",
        );
        assert_eq!(found(&flow), [error("s", "options")]);
    }

    #[test]
    fn a_handoff_needs_a_team() {
        let flow = flow_with(
            "h",
            "[[nodes]]\nid = \"h\"\nkind = \"handoff\"\npriority = \"high\"\n",
        );
        assert_eq!(found(&flow), [error("h", "team"), warning("done", "id")]);
    }

    #[test]
    fn typos_in_keys_and_values_fail_to_parse() {
        let unknown_key = "title = \"T\"\nstart = \"d\"\n[[nodes]]\nid = \"d\"\nkind = \"resolved\"\ntxet = \"x\"\n";
        assert!(toml::from_str::<Flow>(unknown_key).is_err());
        let unknown_kind =
            "title = \"T\"\nstart = \"d\"\n[[nodes]]\nid = \"d\"\nkind = \"resolve\"\n";
        assert!(toml::from_str::<Flow>(unknown_kind).is_err());
        let bad_priority = "title = \"T\"\nstart = \"d\"\n[[nodes]]\nid = \"d\"\nkind = \"handoff\"\npriority = \"asap\"\nteam = \"x\"\n";
        assert!(toml::from_str::<Flow>(bad_priority).is_err());
        let both = "title = \"T\"\nstart = \"d\"\n[[nodes]]\nid = \"d\"\nkind = \"condition\"\notherwise = \"d\"\n\
                    [[nodes.branches]]\nwhen = { answer = \"x\", context = \"y\", equals = \"z\" }\nnext = \"d\"\n";
        let err = toml::from_str::<Flow>(both).expect_err("two subjects");
        assert!(err.to_string().contains("exactly one of `answer"), "{err}");
    }

    #[test]
    fn a_translation_may_change_only_texts() {
        let original = parse(include_str!("example.toml"));
        let mut translation = original.clone();
        if let Some(Node::Question(q)) = translation
            .nodes
            .iter_mut()
            .find(|n| n.id() == "led-colour")
        {
            q.text = "Welche Farbe hat der Ring?".into();
            q.choices[0].label = "Gelb".into();
        }
        assert_eq!(compare_translations(&original, &translation), []);
        if let Some(Node::Question(q)) = translation
            .nodes
            .iter_mut()
            .find(|n| n.id() == "led-colour")
        {
            q.choices[0].id = "gelb".into();
        }
        translation.nodes.retain(|n| n.id() != "fixed");
        let issues: Vec<_> = compare_translations(&original, &translation)
            .into_iter()
            .map(|i| (i.node_id, i.field))
            .collect();
        assert_eq!(
            issues,
            [
                (Some("led-colour".into()), Some("kind")),
                (None, Some("nodes"))
            ]
        );
    }

    #[test]
    fn max_steps_is_the_longest_path_in_answers() {
        let flow = parse(include_str!("example.toml"));
        assert_eq!(max_steps(&flow), 5);
        let looping = flow_with(
            "a",
            "[[nodes]]\nid = \"a\"\nkind = \"message\"\ntext = \"Try again\"\nnext = \"b\"\n\
             [[nodes]]\nid = \"b\"\nkind = \"check\"\ntext = \"Fixed?\"\nyes = \"done\"\nno = \"a\"\n",
        );
        assert_eq!(max_steps(&looping), 3);
    }
}
