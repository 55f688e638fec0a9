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
    pub category: String,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Site paths where the article is relevant; `*` matches any suffix.
    #[serde(default)]
    pub page_urls: Vec<String>,
    /// Date of the last content change, `YYYY-MM-DD`.
    #[serde(default)]
    pub updated: Option<toml::Spanned<String>>,
    /// Drafts are checked but neither indexed nor served.
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
}

const FENCE: &str = "+++";

/// Splits `text` (the contents of `path`) into front matter and body, and checks the front
/// matter. Errors name `path:line:col`.
pub fn split<'a>(path: &Path, text: &'a str) -> Result<Split<'a>, Diagnostic> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.split_inclusive('\n');
    let first = lines.next().unwrap_or("");
    if first.trim_end() != FENCE {
        return Err(Diagnostic::at(
            path,
            1,
            1,
            "an article must start with a `+++` line, then TOML front matter (title, summary, \
             category, ...), then another `+++` line",
        ));
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
        return Err(Diagnostic::at(
            path,
            1,
            1,
            "the front matter is never closed: add a `+++` line after it",
        ));
    };
    let front_text = &text[front_start..front_end];
    let front: FrontMatter = toml::from_str(front_text).map_err(|e| {
        let message = e.message().trim().to_owned();
        let at = e.span().map_or(0, |s| s.start);
        Diagnostic::at_offset(path, front_text, at, 2, message)
    })?;
    check(path, front_text, &front)?;
    Ok(Split {
        front,
        body: &text[body_start..],
        body_line: close_line + 1,
    })
}

fn check(path: &Path, front_text: &str, front: &FrontMatter) -> Result<(), Diagnostic> {
    for (key, value) in [
        ("title", &front.title),
        ("summary", &front.summary),
        ("category", &front.category),
    ] {
        if value.trim().is_empty() {
            let at = key_offset(front_text, key);
            return Err(Diagnostic::at_offset(
                path,
                front_text,
                at,
                2,
                format!("`{key}` must not be empty"),
            ));
        }
    }
    if let Some(updated) = &front.updated
        && !is_date(updated.get_ref())
    {
        return Err(Diagnostic::at_offset(
            path,
            front_text,
            updated.span().start,
            2,
            format!(
                "`updated = \"{}\"` must be a date written YYYY-MM-DD, like \"2026-01-31\"",
                updated.get_ref()
            ),
        ));
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
        split(Path::new("articles/en/x.md"), text)
            .expect_err("should fail")
            .to_string()
    }

    const OK: &str =
        "+++\ntitle = \"T\"\nsummary = \"S\"\ncategory = \"c\"\ntags = [\"a\"]\n+++\n\n# Body\n";

    #[test]
    fn front_matter_and_body_are_split() {
        let s = split(Path::new("x.md"), OK).expect("valid");
        assert_eq!(s.front.title, "T");
        assert_eq!(s.front.tags, ["a"]);
        assert!(!s.front.draft);
        assert_eq!(s.body, "\n# Body\n");
        assert_eq!(s.body_line, 7);
    }

    #[test]
    fn a_missing_opening_fence_is_reported_at_the_first_line() {
        assert!(err("title = \"T\"\n").starts_with("articles/en/x.md:1:1: "));
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
    fn an_unknown_key_is_named_with_its_place() {
        let e = err("+++\ntitle = \"T\"\nsummary = \"S\"\ncategory = \"c\"\ntitel = \"x\"\n+++\n");
        assert!(e.starts_with("articles/en/x.md:5:1: "), "{e}");
        assert!(e.contains("titel"), "{e}");
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
    fn windows_line_endings_and_a_bom_are_accepted() {
        let text = format!("\u{feff}{}", OK.replace('\n', "\r\n"));
        let s = split(Path::new("x.md"), &text).expect("valid");
        assert_eq!(s.front.summary, "S");
    }
}
