//! Guided flows: `flows/<locale>/<id>.toml`, parsed into `baton_core::flow::Flow`, checked with
//! core's validation (every finding mapped to `path:line:col` in the file), compared with the
//! default locale's version, and their Markdown texts rendered to sanitized HTML for the widget.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use baton_core::flow::{self, Flow, FlowIssue, Node};
use toml_edit::{ImDocument, Item, TableLike, Value};

use super::render;
use super::{ASSETS_DIR, Asset, ContentFiles, FLOWS_DIR, is_slug, text};
use crate::config::{SITE_FILE, SiteConfig};
use crate::diagnostic::{Diagnostic, Severity};

/// A published flow, ready to run and serve.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadedFlow {
    /// The flow, with `id` set to the file stem.
    pub flow: Flow,
    pub locale: String,
    /// The Markdown texts of the nodes rendered to sanitized HTML, by node id (the widget has
    /// no Markdown parser).
    pub html: BTreeMap<String, String>,
}

impl LoadedFlow {
    /// The flow as `GET /api/v1/flows/{id}` sends it.
    pub fn to_api(&self) -> baton_core::api::FlowDocument {
        baton_core::api::FlowDocument {
            locale: self.locale.clone(),
            flow: self.flow.clone(),
            html: self.html.clone(),
        }
    }
}

impl LoadedFlow {
    /// The flow as search results and page suggestions offer it.
    pub fn to_hit(&self) -> baton_core::api::FlowHit {
        baton_core::api::FlowHit {
            id: self.flow.id.clone(),
            title: self.flow.title.clone(),
            description: self.flow.description.clone(),
        }
    }
}

/// A flow file parsed, with what is needed to point at places in it.
struct ParsedFlow {
    path: PathBuf,
    text: String,
    doc: ImDocument<String>,
    loaded: LoadedFlow,
}

/// Loads every flow under `flows/`, reporting every problem into `out`. Returns locale → id →
/// flow for the files that parse (with or without validation errors; errors stop the library).
pub(super) fn load(
    files: &ContentFiles,
    site: &SiteConfig,
    article: &dyn Fn(&str, &str) -> Result<String, &'static str>,
    assets: &BTreeMap<String, Asset>,
    out: &mut Vec<Diagnostic>,
) -> BTreeMap<String, BTreeMap<String, LoadedFlow>> {
    let mut parsed: BTreeMap<String, BTreeMap<String, ParsedFlow>> = BTreeMap::new();
    for (rel, bytes) in files.iter() {
        let Some(below) = rel
            .strip_prefix(FLOWS_DIR)
            .and_then(|r| r.strip_prefix('/'))
        else {
            continue;
        };
        let path = files.display_path(rel);
        let Some((locale, name)) = below.split_once('/') else {
            out.push(Diagnostic::in_file(
                &path,
                "only locale folders belong here, like flows/en/",
            ));
            continue;
        };
        if !site.locales.iter().any(|l| l == locale) {
            out.push(
                Diagnostic::in_file(
                    &path,
                    format!(
                        "locale '{locale}' is not listed in {SITE_FILE} `locales` ({})",
                        site.locales.join(", ")
                    ),
                )
                .with_hint(format!("add \"{locale}\" to `locales`, or move the file")),
            );
            continue;
        }
        let Some(id) = name.strip_suffix(".toml").filter(|id| is_slug(id)) else {
            out.push(Diagnostic::in_file(
                &path,
                "a flow's file name must be lowercase words joined by hyphens, like \
                 hub-connectivity.toml",
            ));
            continue;
        };
        let Some(text) = text(files, rel, bytes, out) else {
            continue;
        };
        if let Some(p) = parse(&path, locale, id, text, out) {
            parsed
                .entry(locale.to_owned())
                .or_default()
                .insert(id.to_owned(), p);
        }
    }

    for flows in parsed.values() {
        for p in flows.values() {
            for issue in flow::validate(&p.loaded.flow) {
                out.push(p.diagnostic(&issue));
            }
        }
    }
    check_translations(site, &parsed, out);
    for (locale, flows) in &mut parsed {
        for p in flows.values_mut() {
            check_links(p, locale, article, assets, out);
        }
    }

    parsed
        .into_iter()
        .map(|(locale, flows)| {
            let flows = flows.into_iter().map(|(id, p)| (id, p.loaded)).collect();
            (locale, flows)
        })
        .collect()
}

fn parse(
    path: &Path,
    locale: &str,
    id: &str,
    text: &str,
    out: &mut Vec<Diagnostic>,
) -> Option<ParsedFlow> {
    let mut flow: Flow = match toml::from_str(text) {
        Ok(flow) => flow,
        Err(e) => {
            out.push(Diagnostic::from_toml(path, text, 1, &e));
            return None;
        }
    };
    // The file parsed as TOML above, so this cannot fail; stay quiet if it somehow does.
    let doc = ImDocument::parse(text.to_owned()).ok()?;
    let file_id = (!flow.id.is_empty()).then(|| flow.id.clone());
    if let Some(written) = file_id
        && written != id
    {
        let d = Diagnostic::at_offset(
            path,
            text,
            value_span(doc.as_table(), "id").map_or(0, |s| s.start),
            1,
            format!("the flow says `id = \"{written}\"`, but its file is named {id}.toml"),
        )
        .with_hint("leave `id` out: the file name is the flow id");
        out.push(d);
    }
    flow.id = id.to_owned();
    let html = flow
        .nodes
        .iter()
        .filter_map(|n| {
            let text = n.text()?;
            (!text.trim().is_empty()).then(|| (n.id().to_owned(), render::render(text).html))
        })
        .collect();
    Some(ParsedFlow {
        path: path.to_owned(),
        text: text.to_owned(),
        doc,
        loaded: LoadedFlow {
            flow,
            locale: locale.to_owned(),
            html,
        },
    })
}

impl ParsedFlow {
    /// A diagnostic for core's finding, at the place in the file it is about.
    fn diagnostic(&self, issue: &FlowIssue) -> Diagnostic {
        let offset = self.place(issue).unwrap_or(0);
        let mut d = Diagnostic::at_offset(&self.path, &self.text, offset, 1, &issue.message);
        if issue.severity == flow::Severity::Warning {
            d.severity = Severity::Warning;
        }
        match &issue.hint {
            Some(hint) => d.with_hint(hint),
            None => d,
        }
    }

    /// The byte offset an issue is about: the value of its key in its node (the one holding a
    /// name the message quotes, when there are several), else the node's `id`, else the key at
    /// the top level.
    fn place(&self, issue: &FlowIssue) -> Option<usize> {
        let root = self.doc.as_table();
        let field = issue.field.unwrap_or("id");
        let quoted = quoted(&issue.message);
        let Some(node_id) = &issue.node_id else {
            return value_span(root, field)
                .or_else(|| root.key(field).and_then(toml_edit::Key::span))
                .map(|s| s.start);
        };
        let nodes: Vec<&toml_edit::Table> = root
            .get("nodes")
            .and_then(Item::as_array_of_tables)
            .map(|a| a.iter().collect())
            .unwrap_or_default();
        let mut with_id = nodes
            .iter()
            .filter(|t| str_of(t.get("id")) == Some(node_id));
        // A repeated id is reported at its second use.
        let node = if field == "id" && issue.message.contains("more than once") {
            with_id.nth(1)
        } else {
            with_id.next()
        }?;
        if field == "id" {
            return value_span(*node, "id").map(|s| s.start);
        }
        for needle in quoted.iter().rev() {
            if let Some(span) = find(*node, field, Some(needle)) {
                return Some(span.start);
            }
        }
        for needle in quoted.iter().rev() {
            if let Some(span) = find_in_table_with_id(*node, needle, field) {
                return Some(span.start);
            }
        }
        find(*node, field, None)
            .or_else(|| value_span(*node, "id"))
            .map(|s| s.start)
    }
}

/// The names a message quotes ('like this').
fn quoted(message: &str) -> Vec<&str> {
    message.split('\'').skip(1).step_by(2).collect()
}

fn str_of(item: Option<&Item>) -> Option<&str> {
    item?.as_str()
}

fn value_span(table: &dyn TableLike, key: &str) -> Option<Range<usize>> {
    let (k, item) = table.get_key_value(key)?;
    item.span().or_else(|| k.span())
}

/// Whether `item` is, or holds somewhere inside it, the string `needle`.
fn holds(item: &Item, needle: &str) -> bool {
    match item {
        Item::Value(v) => value_holds(v, needle),
        Item::Table(t) => t.iter().any(|(_, i)| holds(i, needle)),
        Item::ArrayOfTables(a) => a.iter().any(|t| t.iter().any(|(_, i)| holds(i, needle))),
        Item::None => false,
    }
}

fn value_holds(value: &Value, needle: &str) -> bool {
    match value {
        Value::String(s) => s.value() == needle,
        Value::Array(a) => a.iter().any(|v| value_holds(v, needle)),
        Value::InlineTable(t) => t.iter().any(|(_, v)| value_holds(v, needle)),
        _ => false,
    }
}

/// The span of the value of the first `field` in `table` or in the tables inside it (choices,
/// branches, options) whose value holds `needle` (any value when `None`).
fn find(table: &dyn TableLike, field: &str, needle: Option<&str>) -> Option<Range<usize>> {
    for (key, item) in table.iter() {
        if key == field && needle.is_none_or(|n| holds(item, n)) {
            return value_span(table, key);
        }
        if let Some(span) = inner_tables(item)
            .into_iter()
            .find_map(|t| find(t, field, needle))
        {
            return Some(span);
        }
    }
    None
}

/// In the inner table (a choice, an option) whose `id` is `id`: the value of `field`, or the id.
fn find_in_table_with_id(table: &dyn TableLike, id: &str, field: &str) -> Option<Range<usize>> {
    for (_, item) in table.iter() {
        for inner in inner_tables(item) {
            if inner.get("id").and_then(Item::as_str) == Some(id) {
                return value_span(inner, field).or_else(|| value_span(inner, "id"));
            }
            if let Some(span) = find_in_table_with_id(inner, id, field) {
                return Some(span);
            }
        }
    }
    None
}

fn inner_tables(item: &Item) -> Vec<&dyn TableLike> {
    match item {
        Item::Table(t) => vec![t as &dyn TableLike],
        Item::ArrayOfTables(a) => a.iter().map(|t| t as &dyn TableLike).collect(),
        Item::Value(Value::InlineTable(t)) => vec![t as &dyn TableLike],
        Item::Value(Value::Array(a)) => a
            .iter()
            .filter_map(|v| v.as_inline_table().map(|t| t as &dyn TableLike))
            .collect(),
        _ => Vec::new(),
    }
}

/// Articles and images a flow shows must exist (articles published, in the flow's locale).
fn check_links(
    p: &mut ParsedFlow,
    locale: &str,
    article: &dyn Fn(&str, &str) -> Result<String, &'static str>,
    assets: &BTreeMap<String, Asset>,
    out: &mut Vec<Diagnostic>,
) {
    let nodes: Vec<&toml_edit::Table> = p
        .doc
        .as_table()
        .get("nodes")
        .and_then(Item::as_array_of_tables)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let at = |node_id: &str, field: &str| {
        nodes
            .iter()
            .find(|t| str_of(t.get("id")) == Some(node_id))
            .and_then(|t| value_span(*t, field))
            .map_or(0, |s| s.start)
    };
    let mut resolved = BTreeMap::new();
    for (node_id, slug) in p.loaded.flow.article_links() {
        if slug.trim().is_empty() {
            continue; // core's validation reports it
        }
        match article(locale, slug) {
            Ok(found) => {
                resolved.insert(node_id.to_owned(), found);
            }
            Err(what) => out.push(
                Diagnostic::at_offset(
                    &p.path,
                    &p.text,
                    at(node_id, "article"),
                    1,
                    format!("links to '{slug}', but that is {what} in '{locale}'"),
                )
                .with_hint(
                    "name a published article by its slug in the default locale (translations \
                     are found by `translation_key`)",
                ),
            ),
        }
    }
    // Served flows link to the article of their own locale.
    for node in &mut p.loaded.flow.nodes {
        match node {
            Node::Message(m) => {
                if let Some(slug) = resolved.get(&m.id) {
                    m.article = Some(slug.clone());
                }
            }
            Node::Article(a) => {
                if let Some(slug) = resolved.get(&a.id) {
                    a.article.clone_from(slug);
                }
            }
            _ => {}
        }
    }
    for node in &p.loaded.flow.nodes {
        if let Node::Message(m) = node
            && let Some(image) = &m.image
        {
            let below = image
                .trim_start_matches('/')
                .strip_prefix(ASSETS_DIR)
                .and_then(|r| r.strip_prefix('/'))
                .unwrap_or(image);
            if !assets.contains_key(below) {
                out.push(
                    Diagnostic::at_offset(
                        &p.path,
                        &p.text,
                        at(&m.id, "image"),
                        1,
                        format!("uses assets/{below}, which does not exist"),
                    )
                    .with_hint("put the file in the knowledge base's assets/ folder"),
                );
            }
        }
    }
}

/// Every flow of the default locale in every other locale, with the same shape; no
/// translation of a flow the default locale does not have.
fn check_translations(
    site: &SiteConfig,
    parsed: &BTreeMap<String, BTreeMap<String, ParsedFlow>>,
    out: &mut Vec<Diagnostic>,
) {
    let empty = BTreeMap::new();
    let originals = parsed.get(&site.default_locale).unwrap_or(&empty);
    for locale in site.locales.iter().filter(|l| **l != site.default_locale) {
        let these = parsed.get(locale).unwrap_or(&empty);
        for (id, original) in originals {
            match these.get(id) {
                None => out.push(
                    Diagnostic::at(
                        &original.path,
                        1,
                        1,
                        format!("has no translation in '{locale}'"),
                    )
                    .warning()
                    .with_hint(format!(
                        "add {FLOWS_DIR}/{locale}/{id}.toml with the same nodes, texts translated"
                    )),
                ),
                Some(translation) => {
                    for issue in
                        flow::compare_translations(&original.loaded.flow, &translation.loaded.flow)
                    {
                        out.push(translation.diagnostic(&issue));
                    }
                }
            }
        }
        for (id, translation) in these {
            if !originals.contains_key(id) {
                out.push(
                    Diagnostic::at(
                        &translation.path,
                        1,
                        1,
                        format!(
                            "translates a flow the default locale '{}' does not have",
                            site.default_locale
                        ),
                    )
                    .warning()
                    .with_hint(format!(
                        "add {FLOWS_DIR}/{}/{id}.toml, or rename this file to match it",
                        site.default_locale
                    )),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_names_come_out_in_order() {
        assert_eq!(quoted("'q' has no answer 'og'"), ["q", "og"]);
        assert!(quoted("no quotes").is_empty());
    }
}
