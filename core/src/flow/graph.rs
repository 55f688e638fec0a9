//! Flow diagrams for editors: `baton flow graph ID` prints [`to_mermaid`] or [`to_dot`].

use std::fmt::Write as _;

use super::definition::{EdgeLabel, Flow, Node, Subject, Test};

/// Longest node text shown in a diagram box, in characters.
const MAX_LABEL_CHARS: usize = 48;

/// The flow as a Mermaid flowchart (`flowchart TD`). Shapes by kind: message rectangle,
/// question rhombus, input parallelogram, check hexagon, condition flag, resolved stadium,
/// handoff subroutine, article cylinder. Edges carry choice labels, yes/no and conditions.
/// References to unknown nodes are drawn to a node named after the unknown id.
pub fn to_mermaid(flow: &Flow) -> String {
    let mut out = String::from("flowchart TD\n");
    let name = |id: &str| -> String {
        match flow.nodes.iter().position(|n| n.id() == id) {
            Some(i) => format!("n{i}"),
            None => format!(
                "missing_{}",
                id.chars()
                    .filter(char::is_ascii_alphanumeric)
                    .collect::<String>()
            ),
        }
    };
    let _ = writeln!(out, "    start((\"start\")) --> {}", name(&flow.start));
    for (i, node) in flow.nodes.iter().enumerate() {
        let label = escape(&node_text(node));
        let (open, close) = match node {
            Node::Message(_) => ("[", "]"),
            Node::Question(_) => ("{", "}"),
            Node::Input(_) => ("[/", "/]"),
            Node::Check(_) => ("{{", "}}"),
            Node::Condition(_) => (">", "]"),
            Node::Resolved(_) => ("([", "])"),
            Node::Handoff(_) => ("[[", "]]"),
            Node::Article(_) => ("[(", ")]"),
        };
        let _ = writeln!(out, "    n{i}{open}\"{label}\"{close}");
        for edge in node.edges() {
            let label = edge_label(edge.label);
            match label {
                Some(label) => {
                    let _ = writeln!(
                        out,
                        "    n{i} -->|\"{}\"| {}",
                        escape(&shorten(&label)),
                        name(edge.to)
                    );
                }
                None => {
                    let _ = writeln!(out, "    n{i} --> {}", name(edge.to));
                }
            }
        }
    }
    out
}

/// What an edge is labelled with, if anything.
fn edge_label(label: EdgeLabel<'_>) -> Option<String> {
    match label {
        EdgeLabel::Next => None,
        EdgeLabel::Choice(choice) => Some(choice.label.clone()),
        EdgeLabel::Yes => Some("yes".to_owned()),
        EdgeLabel::No => Some("no".to_owned()),
        EdgeLabel::Otherwise => Some("otherwise".to_owned()),
        EdgeLabel::Branch(when) => {
            let subject = match &when.subject {
                Subject::Answer(node) => node.clone(),
                Subject::Context(key) => format!("context.{key}"),
            };
            Some(match &when.test {
                Test::Equals(value) => format!("{subject} = {value}"),
                Test::OneOf(values) => format!("{subject} in {}", values.join(", ")),
            })
        }
    }
}

/// The text in a node's box: the id and a short version of what it shows or does.
fn node_text(node: &Node) -> String {
    let text = match node {
        Node::Condition(_) => "condition".to_owned(),
        Node::Handoff(h) => format!("handoff: {} / {}", h.team, h.priority.as_str()),
        Node::Article(a) => format!("article: {}", a.article),
        Node::Resolved(r) => r.text.clone().unwrap_or_else(|| "resolved".into()),
        other => other.text().unwrap_or_default().to_owned(),
    };
    format!("{}: {}", node.id(), shorten(&text))
}

/// The flow as a Graphviz digraph, with the same boxes and edge labels as [`to_mermaid`]
/// (shapes: message box, question diamond, input parallelogram, check hexagon, condition
/// house, resolved oval, handoff double box, article cylinder).
pub fn to_dot(flow: &Flow) -> String {
    let quote = |text: &str| format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""));
    let mut out = format!("digraph {} {{\n    rankdir=TB;\n", quote(&flow.id));
    // Node ids never hold parentheses, so the entry point cannot clash with a node.
    let _ = writeln!(out, "    \"(start)\" [shape=circle, label=\"start\"];");
    let _ = writeln!(out, "    \"(start)\" -> {};", quote(&flow.start));
    for node in &flow.nodes {
        let shape = match node {
            Node::Message(_) => "box",
            Node::Question(_) => "diamond",
            Node::Input(_) => "parallelogram",
            Node::Check(_) => "hexagon",
            Node::Condition(_) => "house",
            Node::Resolved(_) => "oval",
            Node::Handoff(_) => "box3d",
            Node::Article(_) => "cylinder",
        };
        let _ = writeln!(
            out,
            "    {} [shape={shape}, label={}];",
            quote(node.id()),
            quote(&node_text(node))
        );
        for edge in node.edges() {
            match edge_label(edge.label) {
                Some(label) => {
                    let _ = writeln!(
                        out,
                        "    {} -> {} [label={}];",
                        quote(node.id()),
                        quote(edge.to),
                        quote(&shorten(&label))
                    );
                }
                None => {
                    let _ = writeln!(out, "    {} -> {};", quote(node.id()), quote(edge.to));
                }
            }
        }
    }
    out.push_str("}\n");
    out
}

/// The first line of `text` without Markdown emphasis, cut to [`MAX_LABEL_CHARS`].
fn shorten(text: &str) -> String {
    let line = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default()
        .replace(['*', '`'], "");
    let line = line.trim();
    if line.chars().count() <= MAX_LABEL_CHARS {
        line.to_owned()
    } else {
        let cut: String = line.chars().take(MAX_LABEL_CHARS - 1).collect();
        format!("{}…", cut.trim_end())
    }
}

/// Mermaid labels are quoted; quotes and markup characters become entity codes.
fn escape(text: &str) -> String {
    text.replace('"', "#quot;")
        .replace('<', "#lt;")
        .replace('>', "#gt;")
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn the_diagram_has_a_shape_per_kind_and_labelled_edges() {
        let flow: Flow = toml::from_str(include_str!("example.toml")).expect("example parses");
        let mermaid = to_mermaid(&flow);
        let lines: Vec<&str> = mermaid.lines().collect();
        assert_eq!(lines[0], "flowchart TD");
        assert_eq!(lines[1], "    start((\"start\")) --> n0");
        for expected in [
            "    n0>\"plan-check: condition\"]",
            "    n0 -->|\"context.plan = plus\"| n1",
            "    n0 -->|\"otherwise\"| n2",
            "    n2{\"led-colour: What colour is the ring on your hub?\"}",
            "    n2 -->|\"Amber\"| n3",
            "    n4{{\"restart-check: Did the ring turn green?\"}}",
            "    n4 -->|\"yes\"| n7",
            "    n6 -->|\"led-colour in amber\"| n9",
            "    n7([\"fixed: Great, your hub is back online.\"])",
            "    n8[(\"led-article: article: what-the-led-ring-colours-mean\")]",
            "    n9[[\"support: handoff: connectivity / high\"]]",
        ] {
            assert!(
                lines.contains(&expected),
                "missing {expected:?} in\n{mermaid}"
            );
        }
        let input = lines
            .iter()
            .find(|l| l.starts_with("    n5[/\"router-age: How many days ago"))
            .expect("input");
        assert!(input.ends_with("E…\"/]"), "long texts are cut: {input}");
    }

    #[test]
    fn quotes_in_texts_cannot_break_the_diagram() {
        let mut flow: Flow = toml::from_str(include_str!("example.toml")).expect("example parses");
        if let Some(Node::Resolved(r)) = flow.nodes.iter_mut().find(|n| n.id() == "fixed") {
            r.text = Some("Say \"hi\" <b>".into());
        }
        assert!(to_mermaid(&flow).contains("fixed: Say #quot;hi#quot; #lt;b#gt;"));
        assert!(to_dot(&flow).contains(r#"label="fixed: Say \"hi\" <b>"]"#));
    }

    #[test]
    fn the_dot_graph_has_the_same_nodes_and_edges() {
        let mut flow: Flow = toml::from_str(include_str!("example.toml")).expect("example parses");
        flow.id = "example".into();
        let dot = to_dot(&flow);
        assert!(dot.starts_with("digraph \"example\" {\n"), "{dot}");
        assert!(dot.ends_with("}\n"));
        for expected in [
            "    \"(start)\" -> \"plan-check\";",
            "    \"led-colour\" [shape=diamond, label=\"led-colour: What colour is the ring on your hub?\"];",
            "    \"led-colour\" -> \"restart\" [label=\"Amber\"];",
            "    \"support\" [shape=box3d, label=\"support: handoff: connectivity / high\"];",
        ] {
            assert!(dot.contains(expected), "missing {expected:?} in\n{dot}");
        }
    }
}
