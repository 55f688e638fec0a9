//! Markdown to sanitized HTML (for reading) and plain text (for the search index).

use std::collections::HashSet;
use std::ops::Range;
use std::sync::LazyLock;

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd};

/// An article body rendered once, at load time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    /// Sanitized HTML, safe to insert into the widget's DOM.
    pub html: String,
    /// The words of the body without markup, for indexing and snippets.
    pub text: String,
    /// Relative links (`[see](other-slug)`), with their byte range in the Markdown.
    pub relative_links: Vec<(String, Range<usize>)>,
}

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_HEADING_ATTRIBUTES
}

/// The allow-list: ammonia's defaults (no scripts, styles, event handlers or `javascript:`
/// URLs), plus `id` on headings so that anchors work, and safe `rel` on every link.
static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder.link_rel(Some("noopener noreferrer"));
    for heading in ["h1", "h2", "h3", "h4", "h5", "h6"] {
        builder.add_tag_attributes(heading, ["id"]);
    }
    builder
});

/// Renders Markdown (tables, strikethrough, heading attributes) to sanitized HTML, giving each
/// heading a unique `id` slug made from its text unless it sets one with `{#id}`.
pub fn render(markdown: &str) -> Rendered {
    let mut events: Vec<(Event<'_>, Range<usize>)> = Parser::new_ext(markdown, options())
        .into_offset_iter()
        .collect();
    anchor_headings(&mut events);

    let mut relative_links = Vec::new();
    let mut text = String::new();
    // Text inside raw `<script>`/`<style>` elements is dropped by the sanitizer; drop it here too.
    let mut hidden_until: Option<&str> = None;
    for (event, range) in &events {
        if let Event::Html(html) | Event::InlineHtml(html) = event {
            let html = html.to_ascii_lowercase();
            match hidden_until {
                Some(close) if html.contains(close) => hidden_until = None,
                Some(_) => {}
                None => {
                    hidden_until = [("<script", "</script"), ("<style", "</style")]
                        .into_iter()
                        .find(|(open, close)| html.contains(open) && !html.contains(close))
                        .map(|(_, close)| close);
                }
            }
            continue;
        }
        if hidden_until.is_some() {
            continue;
        }
        match event {
            Event::Text(t) | Event::Code(t) => text.push_str(t),
            Event::SoftBreak | Event::HardBreak | Event::Rule => text.push(' '),
            Event::End(end) if is_block(end) => text.push(' '),
            Event::Start(Tag::Link { dest_url, .. }) if is_relative(dest_url) => {
                relative_links.push((dest_url.to_string(), range.clone()));
            }
            _ => {}
        }
    }

    let mut raw_html = String::new();
    pulldown_cmark::html::push_html(&mut raw_html, events.into_iter().map(|(e, _)| e));
    Rendered {
        html: SANITIZER.clean(&raw_html).to_string(),
        text: text.split_whitespace().collect::<Vec<_>>().join(" "),
        relative_links,
    }
}

fn is_block(end: &TagEnd) -> bool {
    !matches!(
        end,
        TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::Link
            | TagEnd::Image
            | TagEnd::Superscript
            | TagEnd::Subscript
    )
}

/// A link to another article of the same locale, such as `factory-reset-your-hub` or
/// `factory-reset-your-hub#before-you-start`.
fn is_relative(url: &str) -> bool {
    !url.is_empty()
        && !url.starts_with('#')
        && !url.starts_with('/')
        && !url.contains(':')
        && !url.starts_with('.')
}

fn anchor_headings(events: &mut [(Event<'_>, Range<usize>)]) {
    let mut used = HashSet::new();
    let mut i = 0;
    while i < events.len() {
        if matches!(events[i].0, Event::Start(Tag::Heading { .. })) {
            let mut words = String::new();
            let mut j = i + 1;
            while j < events.len() && !matches!(events[j].0, Event::End(TagEnd::Heading(_))) {
                if let Event::Text(t) | Event::Code(t) = &events[j].0 {
                    words.push_str(t);
                }
                j += 1;
            }
            if let Event::Start(Tag::Heading { id, .. }) = &mut events[i].0 {
                let base = slugify(id.as_deref().unwrap_or(&words));
                let mut unique = base.clone();
                let mut n = 1;
                while !used.insert(unique.clone()) {
                    n += 1;
                    unique = format!("{base}-{n}");
                }
                *id = Some(CowStr::from(unique));
            }
            i = j;
        }
        i += 1;
    }
}

/// Lowercase letters and digits joined by single hyphens: "Didn't get the email?" →
/// `didn-t-get-the-email`. Never empty.
pub fn slugify(text: &str) -> String {
    let mut slug = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    if slug.is_empty() {
        slug.push_str("section");
    }
    slug
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_get_unique_anchor_ids() {
        let r = render("# Reset your hub\n\n## Before you start\n\n## Before you start\n");
        assert!(r.html.contains(r#"<h1 id="reset-your-hub">"#), "{}", r.html);
        assert!(
            r.html.contains(r#"<h2 id="before-you-start">"#),
            "{}",
            r.html
        );
        assert!(
            r.html.contains(r#"<h2 id="before-you-start-2">"#),
            "{}",
            r.html
        );
    }

    #[test]
    fn an_explicit_heading_id_is_kept() {
        let r = render("## Lights {#led}\n");
        assert!(r.html.contains(r#"<h2 id="led">"#), "{}", r.html);
    }

    #[test]
    fn a_script_in_markdown_never_reaches_the_html() {
        let r = render(
            "Hello <script>alert('x')</script>\n\n<script>\nalert(1)\n</script>\n\n\
             <img src=x onerror=alert(2)> [click](javascript:alert(3))\n",
        );
        assert!(!r.html.contains("<script"), "{}", r.html);
        assert!(!r.html.contains("alert"), "{}", r.html);
        assert!(!r.html.contains("onerror"), "{}", r.html);
        assert!(!r.html.contains("javascript:"), "{}", r.html);
    }

    #[test]
    fn links_are_safe_and_relative_slugs_stay_relative() {
        let r = render("See [reset](factory-reset-your-hub) or [docs](https://example.com).\n");
        assert!(
            r.html
                .contains(r#"href="factory-reset-your-hub" rel="noopener noreferrer""#),
            "{}",
            r.html
        );
        assert!(
            r.html
                .contains(r#"href="https://example.com" rel="noopener noreferrer""#)
        );
        assert_eq!(r.relative_links.len(), 1);
        assert_eq!(r.relative_links[0].0, "factory-reset-your-hub");
    }

    #[test]
    fn tables_strikethrough_code_and_quotes_survive_sanitizing() {
        let r = render("| a | b |\n|---|---|\n| 1 | 2 |\n\n~~old~~ `code`\n\n> quote\n");
        for tag in ["<table>", "<td>", "<del>", "<code>", "<blockquote>"] {
            assert!(r.html.contains(tag), "{tag} missing in {}", r.html);
        }
    }

    #[test]
    fn plain_text_has_the_words_without_markup() {
        let r = render("# Title\n\nSome **bold** and `code`.\n\n- one\n- two\n");
        assert_eq!(r.text, "Title Some bold and code. one two");
    }

    #[test]
    fn script_text_stays_out_of_the_plain_text() {
        let r = render("Before <script>alert('x')</script> after <b>bold</b>.\n");
        assert_eq!(r.text, "Before after bold.");
    }
}
