//! TOML front matter between `+++` lines at the top of an article.

use std::path::Path;

use serde::Deserialize;

use crate::diagnostic::Diagnostic;

/// The keys an article may set. Unknown keys are errors, so a typo never goes unnoticed.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    pub title: String,
    pub summary: String,
    pub category: toml::Spanned<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Site paths where the article is relevant; `*` at the end matches any suffix.
    #[serde(default)]
    pub page_urls: Vec<toml::Spanned<String>>,
    /// Slugs of articles to suggest next, in the same locale.
    #[serde(default)]
    pub related: Vec<toml::Spanned<String>>,
    /// The id of a guided flow to offer with the article (`flows/<locale>/<id>.toml`).
    #[serde(default)]
    pub flow: Option<toml::Spanned<String>>,
    /// Links the locale versions of one article; the slug when not set.
    #[serde(default)]
    pub translation_key: Option<toml::Spanned<String>>,
    /// Date of the last content change, `YYYY-MM-DD`.
    #[serde(default)]
    pub updated: Option<toml::Spanned<String>>,
    /// Drafts are checked but neither indexed nor served, except in preview.
    #[serde(default)]
    pub draft: bool,
}

/// An article file split into its parsed front matter and its Markdown body.
#[derive(Clone, Debug)]
pub struct Split<'a> {
    pub front: FrontMatter,
    pub body: &'a str,
    /// The 1-based line of the file on which `body` starts.
    pub body_line: usize,
    /// The front matter text (it starts on line 2 of the file), for placing diagnostics.
    pub front_text: &'a str,
}

impl Split<'_> {
    /// A diagnostic at a byte offset into the front matter.
    pub fn at(&self, path: &Path, offset: usize, message: impl Into<String>) -> Diagnostic {
        Diagnostic::at_offset(path, self.front_text, offset, 2, message)
    }
}

const FENCE: &str = "+++";

/// Splits `text` (the contents of `path`) into front matter and body, and checks the front
/// matter. Problems (naming `path:line:col`) go to `out`; `None` when the front matter cannot
/// be read at all.
pub fn split<'a>(path: &Path, text: &'a str, out: &mut Vec<Diagnostic>) -> Option<Split<'a>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.split_inclusive('\n');
    let first = lines.next().unwrap_or("");
    if first.trim_end() != FENCE {
        let hint = if first.trim_end() == "---" {
            "front matter is TOML between `+++` lines; YAML (`---`) is not supported"
        } else {
            "start the file with a `+++` line, then title, summary and category, then `+++`"
        };
        out.push(
            Diagnostic::at(path, 1, 1, "an article must start with TOML front matter")
                .with_hint(hint),
        );
        return None;
    }
    let front_start = first.len();
    let mut offset = front_start;
    let mut line_no = 1;
    let mut close = None;
    for line in lines {
        line_no += 1;
        if line.trim_end() == FENCE {
            close = Some((offset, offset + line.len(), line_no));
            break;
        }
        offset += line.len();
    }
    let Some((front_end, body_start, close_line)) = close else {
        out.push(
            Diagnostic::at(path, 1, 1, "the front matter is never closed")
                .with_hint("add a `+++` line after it"),
        );
        return None;
    };
    let front_text = &text[front_start..front_end];
    let front: FrontMatter = match toml::from_str(front_text) {
        Ok(front) => front,
        Err(e) => {
            out.push(Diagnostic::from_toml(path, front_text, 2, &e));
            return None;
        }
    };
    let split = Split {
        front,
        body: &text[body_start..],
        body_line: close_line + 1,
        front_text,
    };
    check(path, &split, out);
    Some(split)
}

fn check(path: &Path, split: &Split<'_>, out: &mut Vec<Diagnostic>) {
    let front = &split.front;
    for (key, value) in [
        ("title", &front.title),
        ("summary", &front.summary),
        ("category", front.category.get_ref()),
    ] {
        if value.trim().is_empty() {
            let at = key_offset(split.front_text, key);
            out.push(split.at(path, at, format!("`{key}` must not be empty")));
        }
    }
    if let Some(updated) = &front.updated
        && !is_date(updated.get_ref())
    {
        out.push(split.at(
            path,
            updated.span().start,
            format!(
                "`updated = \"{}\"` must be a date written YYYY-MM-DD, like \"2026-01-31\"",
                updated.get_ref()
            ),
        ));
    }
    for url in &front.page_urls {
        if let Err(why) = check_url_pattern(url.get_ref()) {
            out.push(
                split
                    .at(
                        path,
                        url.span().start,
                        format!("invalid page URL pattern \"{}\": {why}", url.get_ref()),
                    )
                    .with_hint("write a path on your site, like \"/shop\" or \"/support/*\""),
            );
        }
    }
    for (key, value) in [
        ("flow", &front.flow),
        ("translation_key", &front.translation_key),
    ] {
        if let Some(v) = value
            && !super::is_slug(v.get_ref())
        {
            out.push(
                split
                    .at(
                        path,
                        v.span().start,
                        format!("`{key} = \"{}\"` is not a valid id", v.get_ref()),
                    )
                    .with_hint("use lowercase words joined by hyphens, like \"hub-connectivity\""),
            );
        }
    }
}

/// A page URL pattern: a path starting with `/`, with an optional `*` at the end.
pub fn check_url_pattern(pattern: &str) -> Result<(), &'static str> {
    if pattern.contains("://") {
        return Err("it must be a path, without scheme and host");
    }
    if !pattern.starts_with('/') {
        return Err("it must start with `/`");
    }
    if pattern.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("it must not contain spaces");
    }
    if pattern.contains(['?', '#']) {
        return Err("query strings and fragments are not matched");
    }
    if pattern.trim_end_matches('*').contains('*') || pattern.ends_with("**") {
        return Err("`*` is only allowed once, at the end");
    }
    Ok(())
}

/// Where `key = ` is written in the front matter, or its start when not found.
fn key_offset(front_text: &str, key: &str) -> usize {
    let mut offset = 0;
    for line in front_text.split_inclusive('\n') {
        if line.trim_start().starts_with(key) {
            return offset + (line.len() - line.trim_start().len());
        }
        offset += line.len();
    }
    0
}

fn is_date(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return false;
    };
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return false;
    }
    let (Ok(y), Ok(m), Ok(d)) = (y.parse::<i32>(), m.parse::<u8>(), d.parse::<u8>()) else {
        return false;
    };
    time::Month::try_from(m)
        .ok()
        .and_then(|m| time::Date::from_calendar_date(y, m, d).ok())
        .is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        let mut out = Vec::new();
        split(Path::new("articles/en/x.md"), text, &mut out);
        out.iter()
            .map(Diagnostic::report)
            .collect::<Vec<_>>()
            .join("\n")
    }

    const OK: &str =
        "+++\ntitle = \"T\"\nsummary = \"S\"\ncategory = \"c\"\ntags = [\"a\"]\n+++\n\n# Body\n";

    #[test]
    fn front_matter_and_body_are_split() {
        let mut out = Vec::new();
        let s = split(Path::new("x.md"), OK, &mut out).expect("valid");
        assert!(out.is_empty());
        assert_eq!(s.front.title, "T");
        assert_eq!(s.front.tags, ["a"]);
        assert!(!s.front.draft);
        assert_eq!(s.body, "\n# Body\n");
        assert_eq!(s.body_line, 7);
    }

    #[test]
    fn a_missing_opening_fence_is_reported_at_the_first_line() {
        assert!(err("title = \"T\"\n").starts_with("articles/en/x.md:1:1: error: "));
        assert!(err("---\ntitle: T\n---\n").contains("YAML"));
    }

    #[test]
    fn an_unclosed_front_matter_says_how_to_fix_it() {
        assert!(err("+++\ntitle = \"T\"\n").contains("never closed"));
    }

    #[test]
    fn a_toml_error_names_the_line_and_column_in_the_file() {
        let e = err("+++\ntitle = \"T\"\nsummary = oops\ncategory = \"c\"\n+++\n");
        assert!(e.starts_with("articles/en/x.md:3:11: "), "{e}");
    }

    #[test]
    fn an_unknown_key_is_named_with_its_place_and_a_suggestion() {
        let e = err("+++\ntitle = \"T\"\nsummary = \"S\"\ncategory = \"c\"\ntitel = \"x\"\n+++\n");
        assert!(e.starts_with("articles/en/x.md:5:1: error: "), "{e}");
        assert!(e.contains("titel"), "{e}");
        assert!(e.contains("hint: did you mean `title`?"), "{e}");
    }

    #[test]
    fn a_missing_required_key_is_named() {
        let e = err("+++\ntitle = \"T\"\ncategory = \"c\"\n+++\n");
        assert!(e.contains("summary"), "{e}");
    }

    #[test]
    fn a_bad_date_points_at_the_value() {
        let e = err(
            "+++\ntitle = \"T\"\nsummary = \"S\"\ncategory = \"c\"\nupdated = \"2026-13-01\"\n+++\n",
        );
        assert!(e.starts_with("articles/en/x.md:5:11: "), "{e}");
        assert!(e.contains("YYYY-MM-DD"), "{e}");
    }

    #[test]
    fn every_bad_value_is_reported_at_once() {
        let e = err(
            "+++\ntitle = \"\"\nsummary = \"S\"\ncategory = \"c\"\npage_urls = [\"shop\", \"/a*b\", \"https://x.com/\"]\nflow = \"Bad Flow\"\n+++\nx\n",
        );
        assert_eq!(e.matches("error:").count(), 5, "{e}");
        assert!(
            e.contains("articles/en/x.md:5:14: error: invalid page URL pattern \"shop\""),
            "{e}"
        );
        assert!(e.contains("`flow = \"Bad Flow\"`"), "{e}");
    }

    #[test]
    fn windows_line_endings_and_a_bom_are_accepted() {
        let text = format!("\u{feff}{}", OK.replace('\n', "\r\n"));
        let mut out = Vec::new();
        let s = split(Path::new("x.md"), &text, &mut out).expect("valid");
        assert_eq!(s.front.summary, "S");
    }
}
