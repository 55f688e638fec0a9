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
    /// Files referenced as `assets/<path>` or `/assets/<path>` (the `<path>`), with their byte
    /// range; their URLs are rewritten to [`ASSET_URL_PREFIX`]`<path>`.
    pub assets: Vec<(String, Range<usize>)>,
    /// What the sanitizer removes from raw HTML in the Markdown, with its byte range.
    pub stripped_html: Vec<(String, Range<usize>)>,
}

/// Where the server serves the files of `kb-content/assets/`.
pub const ASSET_URL_PREFIX: &str = "/api/v1/assets/";

/// The callout kinds (`> [!NOTE]`) and the class each gets.
const CALLOUT_CLASSES: [&str; 5] = [
    "markdown-alert-note",
    "markdown-alert-tip",
    "markdown-alert-important",
    "markdown-alert-warning",
    "markdown-alert-caution",
];

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_GFM
}

/// The allow-list: ammonia's defaults (no scripts, styles, event handlers or `javascript:`
/// URLs), plus `id` on headings so that anchors work, callout classes on block quotes, and safe
/// `rel` on every link.
static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder.link_rel(Some("noopener noreferrer"));
    for heading in ["h1", "h2", "h3", "h4", "h5", "h6"] {
        builder.add_tag_attributes(heading, ["id"]);
    }
    builder.add_allowed_classes("blockquote", CALLOUT_CLASSES);
    builder
});

/// Renders Markdown (tables, strikethrough, heading attributes, `> [!NOTE]` callouts) to
/// sanitized HTML, giving each heading a unique `id` slug made from its text unless it sets one
/// with `{#id}`, and pointing `assets/...` URLs at the server's asset route.
pub fn render(markdown: &str) -> Rendered {
    let mut events: Vec<(Event<'_>, Range<usize>)> = Parser::new_ext(markdown, options())
        .into_offset_iter()
        .collect();
    anchor_headings(&mut events);
    let assets = rewrite_asset_urls(&mut events);

    let mut relative_links = Vec::new();
    let mut stripped_html = Vec::new();
    let mut text = String::new();
    // Text inside raw `<script>`/`<style>` elements is dropped by the sanitizer; drop it here too.
    let mut hidden_until: Option<&str> = None;
    for (event, range) in &events {
        if let Event::Html(html) | Event::InlineHtml(html) = event {
            stripped_html.extend(stripped_by_sanitizer(html).map(|what| (what, range.clone())));
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
        assets,
        stripped_html,
    }
}

/// `assets/x.png` and `/assets/x.png` → [`ASSET_URL_PREFIX`]`x.png`; returns the asset paths.
fn rewrite_asset_urls(events: &mut [(Event<'_>, Range<usize>)]) -> Vec<(String, Range<usize>)> {
    let mut assets = Vec::new();
    for (event, range) in events {
        if let Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) = event
            && let Some(path) = asset_path(dest_url)
        {
            let path = path.to_owned();
            *dest_url = CowStr::from(format!("{ASSET_URL_PREFIX}{path}"));
            assets.push((path, range.clone()));
        }
    }
    assets
}

/// The `<path>` of `assets/<path>` or `/assets/<path>` (without `?query` or `#fragment`).
fn asset_path(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("/assets/")
        .or_else(|| url.strip_prefix("assets/"))?;
    Some(rest.split(['?', '#']).next().unwrap_or_default())
}

/// What the sanitizer would remove from a piece of raw HTML: tags and attributes outside the
/// allow-list, and `javascript:` URLs. Comments are dropped quietly (they are for editors).
fn stripped_by_sanitizer(html: &str) -> impl Iterator<Item = String> {
    struct AllowList {
        tags: HashSet<&'static str>,
        generic: HashSet<&'static str>,
        per_tag: std::collections::HashMap<&'static str, HashSet<&'static str>>,
    }
    static ALLOWED: LazyLock<AllowList> = LazyLock::new(|| AllowList {
        tags: SANITIZER.clone_tags(),
        generic: SANITIZER.clone_generic_attributes(),
        per_tag: SANITIZER.clone_tag_attributes(),
    });
    let AllowList {
        tags,
        generic,
        per_tag,
    } = &*ALLOWED;
    let mut found = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        rest = &rest[start + 1..];
        if rest.starts_with(['/', '!', '?']) {
            continue;
        }
        let name_len = rest
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(rest.len());
        if name_len == 0 {
            continue;
        }
        let name = rest[..name_len].to_ascii_lowercase();
        let end = rest.find('>').unwrap_or(rest.len());
        let attrs = &rest[name_len..end];
        rest = &rest[end..];
        if !tags.contains(name.as_str()) {
            found.push(format!("the <{name}> tag"));
            continue;
        }
        for (attr, value) in attributes(attrs) {
            let allowed = generic.contains(attr.as_str())
                || per_tag
                    .get(name.as_str())
                    .is_some_and(|a| a.contains(attr.as_str()));
            if !allowed {
                found.push(format!("the `{attr}` attribute of <{name}>"));
            } else if value
                .trim_start()
                .to_ascii_lowercase()
                .starts_with("javascript:")
            {
                found.push(format!("the javascript: URL in <{name}>"));
            }
        }
    }
    found.into_iter()
}

/// The `name=value` pairs of the inside of a tag, names lowercased.
fn attributes(mut s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    loop {
        s = s.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
        if s.is_empty() {
            return out;
        }
        let name_end = s
            .find(|c: char| c.is_whitespace() || c == '=' || c == '/')
            .unwrap_or(s.len());
        let name = s[..name_end].to_ascii_lowercase();
        s = s[name_end..].trim_start();
        let mut value = String::new();
        if let Some(after) = s.strip_prefix('=') {
            let after = after.trim_start();
            let (v, remaining) = match after.chars().next() {
                Some(q @ ('"' | '\'')) => {
                    let inner = &after[1..];
                    let close = inner.find(q).unwrap_or(inner.len());
                    (&inner[..close], inner.get(close + 1..).unwrap_or(""))
                }
                _ => {
                    let close = after.find(char::is_whitespace).unwrap_or(after.len());
                    (&after[..close], &after[close..])
                }
            };
            value = v.to_owned();
            s = remaining;
        }
        if !name.is_empty() {
            out.push((name, value));
        }
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
        && asset_path(url).is_none()
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
    fn callouts_keep_their_kind() {
        let r = render("> [!WARNING]\n> Do not unplug the hub.\n");
        assert!(
            r.html
                .contains(r#"<blockquote class="markdown-alert-warning">"#),
            "{}",
            r.html
        );
    }

    #[test]
    fn asset_urls_point_at_the_asset_route_and_are_listed() {
        let r = render("![Hub](assets/hub.png) and [manual](/assets/docs/manual.pdf#p2)\n");
        assert!(
            r.html.contains(r#"src="/api/v1/assets/hub.png""#),
            "{}",
            r.html
        );
        assert!(
            r.html.contains(r#"href="/api/v1/assets/docs/manual.pdf""#),
            "{}",
            r.html
        );
        let paths: Vec<&str> = r.assets.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(paths, ["hub.png", "docs/manual.pdf"]);
        assert!(r.relative_links.is_empty());
    }

    #[test]
    fn html_the_sanitizer_strips_is_reported() {
        let r = render(
            "Hi <b>bold</b> <!-- note -->\n\n<img src=x onerror=\"alert(1)\">\n\n<iframe src=\"x\"></iframe>\n",
        );
        let what: Vec<&str> = r.stripped_html.iter().map(|(w, _)| w.as_str()).collect();
        assert_eq!(
            what,
            ["the `onerror` attribute of <img>", "the <iframe> tag"]
        );
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
