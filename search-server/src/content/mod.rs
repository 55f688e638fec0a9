//! The knowledge base on disk: `site.toml` plus `articles/<locale>/<slug>.md`, loaded into a
//! [`Library`] in which every article is parsed, rendered and sanitized.
//!
//! Loading checks everything and reports every problem at once, each naming `path:line:col`.

pub mod front_matter;
pub mod render;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::config::{SITE_FILE, SiteConfig};
use crate::diagnostic::{Diagnostic, Diagnostics};

/// Folder of the articles inside the content directory.
pub const ARTICLES_DIR: &str = "articles";

/// A published article, ready to search and serve.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadedArticle {
    /// The file name without `.md`: lowercase words joined by hyphens.
    pub slug: String,
    pub locale: String,
    pub title: String,
    pub summary: String,
    pub category: String,
    pub tags: Vec<String>,
    pub page_urls: Vec<String>,
    pub updated: Option<String>,
    /// Sanitized HTML.
    pub html: String,
    /// The body as plain text.
    pub text: String,
}

impl LoadedArticle {
    /// The article as the API sends it.
    pub fn to_api(&self) -> baton_core::api::Article {
        baton_core::api::Article {
            slug: self.slug.clone(),
            title: self.title.clone(),
            summary: self.summary.clone(),
            category: self.category.clone(),
            html: self.html.clone(),
            updated: self.updated.clone(),
        }
    }
}

/// The whole knowledge base of a site, loaded and checked. Drafts are not in it.
#[derive(Clone, Debug)]
pub struct Library {
    pub site: SiteConfig,
    /// Locale → slug → article.
    articles: BTreeMap<String, BTreeMap<String, LoadedArticle>>,
    /// Hex digest over `site.toml` and every article file: changes whenever content changes.
    pub version: String,
}

impl Library {
    /// Loads `<content_dir>/site.toml` and `<content_dir>/articles/<locale>/<slug>.md`.
    pub fn load(content_dir: &Path) -> Result<Library, Diagnostics> {
        let site = SiteConfig::load(content_dir)?;
        let mut hasher = Sha256::new();
        hash_file(&mut hasher, SITE_FILE, &read(&content_dir.join(SITE_FILE))?);

        let mut problems = Vec::new();
        let mut articles: BTreeMap<String, BTreeMap<String, LoadedArticle>> = site
            .locales
            .iter()
            .map(|l| (l.clone(), BTreeMap::new()))
            .collect();
        let mut links = Vec::new();
        let mut drafts: BTreeSet<(String, String)> = BTreeSet::new();

        let articles_dir = content_dir.join(ARTICLES_DIR);
        for locale_dir in sorted_entries(&articles_dir, &mut problems) {
            let Some(locale) = file_name(&locale_dir) else {
                continue;
            };
            if !locale_dir.is_dir() {
                problems.push(Diagnostic::in_file(
                    &locale_dir,
                    "only locale folders belong here, like articles/en/",
                ));
                continue;
            }
            if !site.locales.contains(&locale) {
                problems.push(Diagnostic::in_file(
                    &locale_dir,
                    format!(
                        "locale '{locale}' is not listed in {SITE_FILE} `locales` ({})",
                        site.locales.join(", ")
                    ),
                ));
                continue;
            }
            for path in sorted_entries(&locale_dir, &mut problems) {
                let Some(name) = file_name(&path) else {
                    continue;
                };
                let Some(slug) = name.strip_suffix(".md") else {
                    problems.push(Diagnostic::in_file(
                        &path,
                        "only Markdown articles (`<slug>.md`) belong in a locale folder",
                    ));
                    continue;
                };
                if !is_slug(slug) {
                    problems.push(Diagnostic::in_file(
                        &path,
                        "an article's file name must be lowercase words joined by hyphens, \
                         like reset-your-password.md",
                    ));
                    continue;
                }
                let text = match std::fs::read_to_string(&path) {
                    Ok(text) => text,
                    Err(e) => {
                        problems.push(Diagnostic::in_file(&path, format!("cannot read: {e}")));
                        continue;
                    }
                };
                hash_file(
                    &mut hasher,
                    &format!("{ARTICLES_DIR}/{locale}/{name}"),
                    text.as_bytes(),
                );
                match load_article(&path, &locale, slug, &text) {
                    Ok((article, article_links)) => {
                        if article.is_draft {
                            drafts.insert((locale.clone(), slug.to_owned()));
                        } else {
                            links.extend(article_links);
                            articles
                                .entry(locale.clone())
                                .or_default()
                                .insert(slug.to_owned(), article.article);
                        }
                    }
                    Err(d) => problems.push(d),
                }
            }
        }

        for link in links {
            let known = articles
                .get(&link.locale)
                .is_some_and(|a| a.contains_key(&link.slug));
            if !known {
                let hint = if drafts.contains(&(link.locale.clone(), link.slug.clone())) {
                    "a draft"
                } else {
                    "no article"
                };
                problems.push(Diagnostic::at(
                    &link.path,
                    link.line,
                    link.col,
                    format!(
                        "links to '{}', but that is {hint} in '{}'; link to an existing slug",
                        link.slug, link.locale
                    ),
                ));
            }
        }

        if !problems.is_empty() {
            return Err(Diagnostics(problems));
        }
        let digest = hasher.finalize();
        let mut version = String::with_capacity(16);
        for byte in &digest[..8] {
            let _ = write!(version, "{byte:02x}");
        }
        Ok(Library {
            site,
            articles,
            version,
        })
    }

    /// The locales the site has, default first.
    pub fn locales(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.site.default_locale.as_str()).chain(
            self.site
                .locales
                .iter()
                .map(String::as_str)
                .filter(|l| *l != self.site.default_locale),
        )
    }

    /// The published articles of a locale, by slug.
    pub fn articles(&self, locale: &str) -> impl Iterator<Item = &LoadedArticle> {
        self.articles
            .get(locale)
            .into_iter()
            .flat_map(|a| a.values())
    }

    /// A published article.
    pub fn article(&self, locale: &str, slug: &str) -> Option<&LoadedArticle> {
        self.articles.get(locale)?.get(slug)
    }
}

struct Parsed {
    article: LoadedArticle,
    is_draft: bool,
}

struct Link {
    path: PathBuf,
    line: usize,
    col: usize,
    locale: String,
    slug: String,
}

fn load_article(
    path: &Path,
    locale: &str,
    slug: &str,
    text: &str,
) -> Result<(Parsed, Vec<Link>), Diagnostic> {
    let split = front_matter::split(path, text)?;
    let rendered = render::render(split.body);
    let links = rendered
        .relative_links
        .iter()
        .map(|(dest, range)| {
            let (line, col) = crate::diagnostic::line_col(split.body, range.start);
            let target = dest.split('#').next().unwrap_or_default();
            Link {
                path: path.to_owned(),
                line: line + split.body_line - 1,
                col,
                locale: locale.to_owned(),
                slug: target.to_owned(),
            }
        })
        .collect();
    let front = split.front;
    Ok((
        Parsed {
            is_draft: front.draft,
            article: LoadedArticle {
                slug: slug.to_owned(),
                locale: locale.to_owned(),
                title: front.title.trim().to_owned(),
                summary: front.summary.trim().to_owned(),
                category: front.category.trim().to_owned(),
                tags: front.tags,
                page_urls: front.page_urls,
                updated: front.updated.map(toml::Spanned::into_inner),
                html: rendered.html,
                text: rendered.text,
            },
        },
        links,
    ))
}

fn read(path: &Path) -> Result<Vec<u8>, Diagnostic> {
    std::fs::read(path).map_err(|e| Diagnostic::in_file(path, format!("cannot read: {e}")))
}

fn hash_file(hasher: &mut Sha256, name: &str, bytes: &[u8]) {
    hasher.update((name.len() as u64).to_le_bytes());
    hasher.update(name.as_bytes());
    hasher.update((bytes.len() as u64).to_le_bytes());
    hasher.update(bytes);
}

/// The entries of a directory, sorted, skipping hidden files; a problem if it cannot be read.
fn sorted_entries(dir: &Path, problems: &mut Vec<Diagnostic>) -> Vec<PathBuf> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            problems.push(Diagnostic::in_file(
                dir,
                format!("cannot read the folder: {e}"),
            ));
            return Vec::new();
        }
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| file_name(p).is_some_and(|n| !n.starts_with('.')))
        .collect();
    paths.sort();
    paths
}

fn file_name(path: &Path) -> Option<String> {
    path.file_name()?.to_str().map(str::to_owned)
}

fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}
