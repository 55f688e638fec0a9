//! Page-aware suggestions: which articles to offer on a page before anything is typed.
//!
//! An article lists `page_urls` patterns such as `/account*` or `/support/*/hub`, where `*`
//! matches any run of characters (also `/`) and everything else matches literally. Articles
//! with a matching pattern come first, the most specific pattern (most literal characters)
//! first (more viewed first among equals). The rest of the list is filled with the most viewed
//! articles, then in a fixed editorial order: by category, then by title.

use baton_core::api::{PageSuggestions, SuggestedArticle, SuggestionReason};

use crate::content::{Library, LoadedArticle};

/// Articles suggested when the request does not say.
pub const DEFAULT_SUGGESTIONS: usize = 5;
/// Most articles suggested.
pub const MAX_SUGGESTIONS: usize = 20;
/// Longest path looked at, in bytes; the rest is ignored.
const MAX_PATH_BYTES: usize = 2048;

/// The path of a page URL: `https://shop.example/account/?tab=1#x` → `/account/`. A bare path
/// is kept; anything else becomes `/`.
pub fn path_of(page_url: &str) -> String {
    let mut rest = page_url.trim();
    if let Some((scheme, after)) = rest.split_once("://")
        && !scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
    {
        rest = after.find('/').map_or("/", |i| &after[i..]);
    }
    let end = rest.find(['?', '#']).unwrap_or(rest.len());
    let mut path: String = rest[..end].chars().filter(|c| !c.is_control()).collect();
    if path.len() > MAX_PATH_BYTES {
        let mut cut = MAX_PATH_BYTES;
        while !path.is_char_boundary(cut) {
            cut -= 1;
        }
        path.truncate(cut);
    }
    if !path.starts_with('/') {
        path.insert(0, '/');
    }
    path
}

/// How specifically `pattern` matches `path`: its number of literal bytes, or `None` when it
/// does not match.
pub fn specificity(pattern: &str, path: &str) -> Option<usize> {
    glob_matches(pattern.as_bytes(), path.as_bytes())
        .then(|| pattern.bytes().filter(|&b| b != b'*').count())
}

/// Whether `pattern` (with `*` for any run of bytes) matches all of `text`. Backtracks only to
/// the last star, so it takes at most pattern × text steps, never exponential time.
fn glob_matches(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if p < pattern.len() && pattern[p] == text[t] {
            p += 1;
            t += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&b| b == b'*')
}

/// Suggestions for `page_url` in `locale`: matching articles, best first, then the most viewed
/// (`views` gives an article's view count by slug), then editorial filler, `limit` in all
/// (clamped to `1..=MAX_SUGGESTIONS`).
pub fn suggest(
    library: &Library,
    locale: &str,
    page_url: &str,
    limit: usize,
    views: &dyn Fn(&str) -> u64,
) -> PageSuggestions {
    let path = path_of(page_url);
    let limit = limit.clamp(1, MAX_SUGGESTIONS);
    let category_rank = |id: &str| {
        library
            .categories
            .0
            .iter()
            .position(|c| c.id == id)
            .unwrap_or(usize::MAX)
    };
    let mut editorial: Vec<&LoadedArticle> = library.articles(locale).collect();
    editorial.sort_by(|a, b| {
        (category_rank(&a.category), &a.category, &a.title, &a.slug).cmp(&(
            category_rank(&b.category),
            &b.category,
            &b.title,
            &b.slug,
        ))
    });
    let mut matched: Vec<(usize, u64, usize, &LoadedArticle)> = editorial
        .iter()
        .enumerate()
        .filter_map(|(order, article)| {
            article
                .page_urls
                .iter()
                .filter_map(|pattern| specificity(pattern, &path))
                .max()
                .map(|best| (best, views(&article.slug), order, *article))
        })
        .collect();
    matched.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
    let suggestion = |article: &LoadedArticle, reason| SuggestedArticle {
        slug: article.slug.clone(),
        title: article.title.clone(),
        summary: article.summary.clone(),
        category: article.category.clone(),
        reason,
    };
    let mut articles: Vec<SuggestedArticle> = matched
        .iter()
        .take(limit)
        .map(|(_, _, _, a)| suggestion(a, SuggestionReason::PageMatch))
        .collect();
    // Most viewed first (a stable sort keeps the editorial order among equals), then the rest.
    let mut filler: Vec<(u64, &LoadedArticle)> = editorial
        .into_iter()
        .filter(|a| !articles.iter().any(|s| s.slug == a.slug))
        .map(|a| (views(&a.slug), a))
        .collect();
    filler.sort_by_key(|(count, _)| std::cmp::Reverse(*count));
    for (count, article) in filler {
        if articles.len() >= limit {
            break;
        }
        let reason = if count > 0 {
            SuggestionReason::MostViewed
        } else {
            SuggestionReason::Editorial
        };
        articles.push(suggestion(article, reason));
    }
    let flows = suggest_flows(library, locale, &path);
    PageSuggestions {
        path,
        articles,
        flows,
    }
}

/// Most flows offered on one page.
pub const MAX_PAGE_FLOWS: usize = 2;

/// The flows whose `page_urls` match `path`, most specific pattern first, then by title.
fn suggest_flows(library: &Library, locale: &str, path: &str) -> Vec<baton_core::api::FlowHit> {
    let mut matched: Vec<(usize, &crate::content::LoadedFlow)> = library
        .flows(locale)
        .filter_map(|f| {
            f.flow
                .page_urls
                .iter()
                .filter_map(|pattern| specificity(pattern, path))
                .max()
                .map(|best| (best, f))
        })
        .collect();
    matched.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.flow.title.cmp(&b.1.flow.title)));
    matched
        .into_iter()
        .take(MAX_PAGE_FLOWS)
        .map(|(_, f)| f.to_hit())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_star_matches_any_run_of_characters() {
        assert!(glob_matches(b"/account*", b"/account"));
        assert!(glob_matches(b"/account*", b"/account/security/2fa"));
        assert!(glob_matches(b"/support/*/hub", b"/support/de/hub"));
        assert!(glob_matches(b"*checkout*", b"/shop/checkout/pay"));
        assert!(!glob_matches(b"/account*", b"/shop/account"));
        assert!(!glob_matches(b"/account", b"/account/x"));
    }

    #[test]
    fn a_longer_literal_pattern_is_more_specific() {
        let broad = specificity("/support*", "/support/hub/setup");
        let narrow = specificity("/support/hub*", "/support/hub/setup");
        assert!(narrow > broad, "{narrow:?} {broad:?}");
        assert_eq!(specificity("/shop*", "/support"), None);
    }

    #[test]
    fn page_urls_are_reduced_to_their_path() {
        assert_eq!(
            path_of("https://shop.example/account/?tab=1#x"),
            "/account/"
        );
        assert_eq!(path_of("https://shop.example"), "/");
        assert_eq!(path_of("/setup?step=2"), "/setup");
        assert_eq!(path_of("setup"), "/setup");
        assert_eq!(path_of(""), "/");
    }

    #[test]
    fn hostile_patterns_stay_fast() {
        let pattern = "*a".repeat(50);
        let text = "a".repeat(2000) + "b";
        assert!(!glob_matches(pattern.as_bytes(), text.as_bytes()));
    }
}
