//! The knowledge base: `site.toml`, `categories.toml`, `synonyms.toml`,
//! `articles/<locale>/<slug>.md` and `assets/`, loaded into a [`Library`] in which every
//! article is parsed, rendered and sanitized.
//!
//! Loading works on [`ContentFiles`] (bytes in memory), so a folder on disk and a publish bundle
//! go through exactly the same checks. It reports every problem at once, each naming
//! `path:line:col`: errors (the content cannot be published) and warnings (it can, but something
//! is probably wrong).

pub mod categories;
pub mod files;
pub mod flows;
pub mod front_matter;
pub mod render;
pub mod synonyms;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use categories::{CATEGORIES_FILE, Categories, Category};
pub use files::{Bundle, BundleFile, ContentFiles};
pub use flows::LoadedFlow;
pub use synonyms::{LocaleSynonyms, SYNONYMS_FILE, Synonyms};

use crate::config::{SITE_FILE, SiteConfig};
use crate::diagnostic::{Diagnostic, Diagnostics, did_you_mean};

/// Folder of the articles inside the content directory.
pub const ARTICLES_DIR: &str = "articles";
/// Folder of images and attachments inside the content directory.
pub const ASSETS_DIR: &str = "assets";
/// Folder of guided flows inside the content directory (`flows/<locale>/<id>.toml`).
pub const FLOWS_DIR: &str = "flows";

/// An article, ready to search and serve.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoadedArticle {
    /// The file name without `.md`: lowercase words joined by hyphens.
    pub slug: String,
    pub locale: String,
    pub title: String,
    pub summary: String,
    pub category: String,
    pub tags: Vec<String>,
    pub page_urls: Vec<String>,
    /// Slugs of articles to suggest next (same locale, all published).
    pub related: Vec<String>,
    /// The id of a guided flow to offer with the article.
    pub flow: Option<String>,
    /// Equal for the locale versions of one article.
    pub translation_key: String,
    pub draft: bool,
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
            flow: self.flow.clone(),
        }
    }
}

/// A file from `assets/`, served as it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Asset {
    pub bytes: Arc<[u8]>,
    pub content_type: &'static str,
}

/// The whole knowledge base of a site, loaded and checked.
#[derive(Clone, Debug)]
pub struct Library {
    pub site: SiteConfig,
    /// In display order; empty when there is no `categories.toml`.
    pub categories: Categories,
    /// For search; empty when there is no `synonyms.toml`.
    pub synonyms: Synonyms,
    /// Locale → slug → published article.
    articles: BTreeMap<String, BTreeMap<String, LoadedArticle>>,
    /// Locale → slug → draft (served only in preview).
    drafts: BTreeMap<String, BTreeMap<String, LoadedArticle>>,
    /// Path under `assets/` → file.
    assets: BTreeMap<String, Asset>,
    /// Locale → flow id → guided flow.
    flows: BTreeMap<String, BTreeMap<String, LoadedFlow>>,
    /// Hex digest over every file: changes whenever content changes (see
    /// [`ContentFiles::version`]).
    pub version: String,
}

/// The outcome of checking a knowledge base: every problem, and the library when there is no
/// error.
#[derive(Debug)]
pub struct Checked {
    pub library: Option<Library>,
    /// Sorted by file and place.
    pub diagnostics: Vec<Diagnostic>,
}

impl Checked {
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    pub fn warnings(&self) -> usize {
        self.diagnostics.len() - self.errors()
    }

    /// The library, or the errors (warnings are dropped).
    pub fn into_result(self) -> Result<Library, Diagnostics> {
        match self.library {
            Some(library) => Ok(library),
            None => Err(Diagnostics(
                self.diagnostics
                    .into_iter()
                    .filter(Diagnostic::is_error)
                    .collect(),
            )),
        }
    }
}

impl Library {
    /// Loads the knowledge base in `content_dir`; errors stop it, warnings do not.
    pub fn load(content_dir: &Path) -> Result<Library, Diagnostics> {
        Library::check_dir(content_dir).into_result()
    }

    /// Reads and checks the knowledge base in `content_dir`.
    pub fn check_dir(content_dir: &Path) -> Checked {
        Library::read_and_check(content_dir).1
    }

    /// Reads the knowledge base in `content_dir` and checks it, keeping the files (to publish
    /// them).
    pub fn read_and_check(content_dir: &Path) -> (ContentFiles, Checked) {
        let (files, mut problems) = ContentFiles::read_dir(content_dir);
        let mut checked = Library::from_files(&files);
        if !problems.is_empty() {
            problems.append(&mut checked.diagnostics);
            sort(&mut problems);
            checked.diagnostics = problems;
            if checked.errors() > 0 {
                checked.library = None;
            }
        }
        (files, checked)
    }

    /// Checks the knowledge base in `files` and loads it when there is no error.
    pub fn from_files(files: &ContentFiles) -> Checked {
        let mut out = Vec::new();
        let library = load(files, &mut out);
        sort(&mut out);
        let library = library.filter(|_| !out.iter().any(Diagnostic::is_error));
        Checked {
            library,
            diagnostics: out,
        }
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

    /// A published article or a draft, for editors previewing their work.
    pub fn article_or_draft(&self, locale: &str, slug: &str) -> Option<&LoadedArticle> {
        self.article(locale, slug)
            .or_else(|| self.drafts.get(locale)?.get(slug))
    }

    /// The version of an article in another locale, if it has one.
    pub fn translation(&self, article: &LoadedArticle, locale: &str) -> Option<&LoadedArticle> {
        self.articles(locale)
            .find(|a| a.translation_key == article.translation_key)
    }

    /// A file from `assets/`, by its path below that folder.
    pub fn asset(&self, path: &str) -> Option<&Asset> {
        self.assets.get(path)
    }

    /// The guided flows of a locale, by id.
    pub fn flows(&self, locale: &str) -> impl Iterator<Item = &LoadedFlow> {
        self.flows.get(locale).into_iter().flat_map(|f| f.values())
    }

    /// A guided flow.
    pub fn flow(&self, locale: &str, id: &str) -> Option<&LoadedFlow> {
        self.flows.get(locale)?.get(id)
    }

    /// How many articles are published, in all locales.
    pub fn article_count(&self) -> usize {
        self.articles.values().map(BTreeMap::len).sum()
    }
}

fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics
        .sort_by(|a, b| (&a.path, a.position, a.severity).cmp(&(&b.path, b.position, b.severity)));
}

/// A file's text, or an error naming where it stops being UTF-8.
fn text<'a>(
    files: &ContentFiles,
    rel: &str,
    bytes: &'a [u8],
    out: &mut Vec<Diagnostic>,
) -> Option<&'a str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Some(text),
        Err(e) => {
            let valid = std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default();
            let (line, col) = crate::diagnostic::line_col(valid, valid.len());
            out.push(
                Diagnostic::at(&files.display_path(rel), line, col, "is not UTF-8 text")
                    .with_hint("save the file as UTF-8"),
            );
            None
        }
    }
}

fn load(files: &ContentFiles, out: &mut Vec<Diagnostic>) -> Option<Library> {
    let site_path = files.display_path(SITE_FILE);
    let Some(site_bytes) = files.get(SITE_FILE) else {
        out.push(
            Diagnostic::in_file(&site_path, "the knowledge base has no site settings").with_hint(
                "create site.toml with id, name, greeting, brand_color, locales and support_email",
            ),
        );
        return None;
    };
    let site = SiteConfig::parse(&site_path, text(files, SITE_FILE, site_bytes, out)?, out)?;

    let mut categories = Categories::default();
    let mut has_categories = false;
    if let Some(bytes) = files.get(CATEGORIES_FILE)
        && let Some(t) = text(files, CATEGORIES_FILE, bytes, out)
    {
        categories = Categories::parse(&files.display_path(CATEGORIES_FILE), t, &site, out);
        has_categories = true;
    }
    let mut synonyms = Synonyms::default();
    if let Some(bytes) = files.get(SYNONYMS_FILE)
        && let Some(t) = text(files, SYNONYMS_FILE, bytes, out)
    {
        synonyms = Synonyms::parse(&files.display_path(SYNONYMS_FILE), t, &site, out);
    }

    let mut jobs = Vec::new();
    let mut assets = BTreeMap::new();
    for (rel, bytes) in files.iter() {
        let path = files.display_path(rel);
        let mut parts = rel.split('/');
        match parts.next().unwrap_or_default() {
            SITE_FILE | CATEGORIES_FILE | SYNONYMS_FILE | "README.md" | FLOWS_DIR => {}
            ASSETS_DIR => {
                let below = &rel[ASSETS_DIR.len() + 1..];
                assets.insert(
                    below.to_owned(),
                    Asset {
                        bytes: Arc::from(bytes),
                        content_type: content_type(below),
                    },
                );
            }
            ARTICLES_DIR => {
                let locale = parts.next().unwrap_or_default();
                let name = rel.rsplit('/').next().unwrap_or_default();
                if parts.next().is_none() {
                    out.push(Diagnostic::in_file(&path, "only locale folders belong here, like articles/en/"));
                } else if !site.locales.iter().any(|l| l == locale) {
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
                } else if let Some(slug) = name.strip_suffix(".md") {
                    if is_slug(slug) {
                        jobs.push((rel, path, locale, slug, bytes));
                    } else {
                        out.push(Diagnostic::in_file(
                            &path,
                            "an article's file name must be lowercase words joined by hyphens, \
                             like reset-your-password.md",
                        ));
                    }
                } else {
                    out.push(Diagnostic::in_file(
                        &path,
                        "only Markdown articles (`<slug>.md`) belong in a locale folder",
                    ).with_hint("put images and attachments in assets/"));
                }
            }
            _ => out.push(
                Diagnostic::in_file(&path, "is not part of a knowledge base")
                    .warning()
                    .with_hint("a knowledge base has site.toml, categories.toml, synonyms.toml, articles/, assets/ and flows/"),
            ),
        }
    }

    // Parsing and rendering is most of the work: spread it over the cores.
    let parsed: Vec<(Option<Parsed>, Vec<Diagnostic>)> =
        parallel_map(&jobs, |(rel, path, locale, slug, bytes)| {
            let mut problems = Vec::new();
            let parsed = text(files, rel, bytes, &mut problems)
                .and_then(|t| parse_article(path, locale, slug, t, &mut problems));
            (parsed, problems)
        });

    let mut by_locale: BTreeMap<String, BTreeMap<String, Parsed>> = site
        .locales
        .iter()
        .map(|l| (l.clone(), BTreeMap::new()))
        .collect();
    for (parsed, mut problems) in parsed {
        out.append(&mut problems);
        let Some(p) = parsed else { continue };
        let locale = by_locale.entry(p.article.locale.clone()).or_default();
        if let Some(first) = locale.get(&p.article.slug) {
            out.push(
                Diagnostic::in_file(
                    &p.path,
                    format!(
                        "the slug '{}' is used twice in '{}'",
                        p.article.slug, p.article.locale
                    ),
                )
                .with_hint(format!(
                    "{} has the same file name; rename one",
                    first.path.display()
                )),
            );
            continue;
        }
        locale.insert(p.article.slug.clone(), p);
    }

    cross_check(
        files,
        &site,
        &categories,
        has_categories,
        &by_locale,
        &assets,
        out,
    );

    // Flows name articles by their slug in the default locale (a translation keeps the file
    // as it is), so in other locales the translation with that `translation_key` is linked.
    let article = |locale: &str, slug: &str| -> Result<String, &'static str> {
        let articles = by_locale.get(locale);
        let found = articles.and_then(|a| a.get(slug)).or_else(|| {
            articles?
                .values()
                .find(|p| p.article.translation_key == slug)
        });
        match found {
            Some(p) if !p.article.draft => Ok(p.article.slug.clone()),
            Some(_) => Err("a draft"),
            None => Err("no article"),
        }
    };
    let flows = flows::load(files, &site, &article, &assets, out);

    let mut articles = BTreeMap::new();
    let mut drafts = BTreeMap::new();
    for (locale, parsed) in by_locale {
        let (published, draft): (Vec<_>, Vec<_>) =
            parsed.into_values().partition(|p| !p.article.draft);
        articles.insert(
            locale.clone(),
            published
                .into_iter()
                .map(|p| (p.article.slug.clone(), p.article))
                .collect(),
        );
        drafts.insert(
            locale,
            draft
                .into_iter()
                .map(|p| (p.article.slug.clone(), p.article))
                .collect(),
        );
    }
    Some(Library {
        site,
        categories,
        synonyms,
        articles,
        drafts,
        assets,
        flows,
        version: files.version(),
    })
}

/// Runs `f` over `items` on every available core, keeping the order.
fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    if threads < 2 || items.len() < 32 {
        return items.iter().map(&f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(|| part.iter().map(&f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

/// Checks that need the whole knowledge base: categories, links, related articles, flows,
/// assets, translations.
fn cross_check(
    files: &ContentFiles,
    site: &SiteConfig,
    categories: &Categories,
    has_categories: bool,
    by_locale: &BTreeMap<String, BTreeMap<String, Parsed>>,
    assets: &BTreeMap<String, Asset>,
    out: &mut Vec<Diagnostic>,
) {
    let published = |locale: &str, slug: &str| {
        by_locale
            .get(locale)
            .and_then(|a| a.get(slug))
            .map(|p| !p.article.draft)
    };
    let missing = |locale: &str, slug: &str| match published(locale, slug) {
        Some(true) => None,
        Some(false) => Some("a draft"),
        None => Some("no article"),
    };
    for (locale, parsed) in by_locale {
        let slugs: Vec<&str> = parsed.keys().map(String::as_str).collect();
        for p in parsed.values() {
            let a = &p.article;
            if has_categories && categories.get(&a.category).is_none() {
                let (line, col) = p.category_at;
                let mut d = Diagnostic::at(
                    &p.path,
                    line,
                    col,
                    format!("unknown category '{}'", a.category),
                );
                d = match did_you_mean(&a.category, categories.ids()) {
                    Some(best) => d.with_hint(format!("did you mean '{best}'?")),
                    None => d.with_hint(format!(
                        "add it to {CATEGORIES_FILE}, or use one of: {}",
                        categories.ids().collect::<Vec<_>>().join(", ")
                    )),
                };
                out.push(d);
            }
            // A draft may link to anything; published articles must not lead customers nowhere.
            if !a.draft {
                for (slug, (line, col)) in p.links.iter().chain(&p.related) {
                    if let Some(what) = missing(locale, slug) {
                        let mut d = Diagnostic::at(
                            &p.path,
                            *line,
                            *col,
                            format!("links to '{slug}', but that is {what} in '{locale}'"),
                        );
                        d = match did_you_mean(slug, slugs.iter().copied()) {
                            Some(best) if what == "no article" => {
                                d.with_hint(format!("did you mean '{best}'?"))
                            }
                            _ => d.with_hint(
                                "link to the slug (file name without .md) of a published article",
                            ),
                        };
                        out.push(d);
                    }
                }
            }
            if let Some((flow, (line, col))) = &p.flow
                && !files.contains(&format!("{FLOWS_DIR}/{locale}/{flow}.toml"))
            {
                out.push(
                    Diagnostic::at(
                        &p.path,
                        *line,
                        *col,
                        format!(
                            "offers the flow '{flow}', but there is no flows/{locale}/{flow}.toml"
                        ),
                    )
                    .with_hint("create the flow, or remove `flow`"),
                );
            }
            for (asset, (line, col)) in &p.assets {
                if !assets.contains_key(asset) {
                    let d = Diagnostic::at(
                        &p.path,
                        *line,
                        *col,
                        format!("uses assets/{asset}, which does not exist"),
                    );
                    out.push(
                        match did_you_mean(asset, assets.keys().map(String::as_str)) {
                            Some(best) => d.with_hint(format!("did you mean assets/{best}?")),
                            None => {
                                d.with_hint("put the file in the knowledge base's assets/ folder")
                            }
                        },
                    );
                }
            }
        }
    }

    // Translations: every article of the default locale in every other locale, and no
    // translation of an article the default locale does not have.
    let keys = |locale: &str| -> BTreeSet<&str> {
        by_locale
            .get(locale)
            .map(|a| {
                a.values()
                    .map(|p| p.article.translation_key.as_str())
                    .collect()
            })
            .unwrap_or_default()
    };
    let default_keys = keys(&site.default_locale);
    for locale in site.locales.iter().filter(|l| **l != site.default_locale) {
        let these = keys(locale);
        for p in by_locale
            .get(&site.default_locale)
            .into_iter()
            .flat_map(BTreeMap::values)
        {
            let key = &p.article.translation_key;
            if !p.article.draft && !these.contains(key.as_str()) {
                out.push(
                    Diagnostic::at(&p.path, 1, 1, format!("has no translation in '{locale}'"))
                        .warning()
                        .with_hint(format!(
                            "add {ARTICLES_DIR}/{locale}/<slug>.md with `translation_key = \"{key}\"`"
                        )),
                );
            }
        }
        for p in by_locale.get(locale).into_iter().flat_map(BTreeMap::values) {
            let key = &p.article.translation_key;
            if !default_keys.contains(key.as_str()) {
                let (line, col) = p.translation_key_at;
                let d = Diagnostic::at(
                    &p.path,
                    line,
                    col,
                    format!(
                        "`translation_key` '{key}' matches no article in the default locale '{}'",
                        site.default_locale
                    ),
                )
                .warning();
                out.push(match did_you_mean(key, default_keys.iter().copied()) {
                    Some(best) => d.with_hint(format!("did you mean '{best}'?")),
                    None => d.with_hint(
                        "set `translation_key` to the slug of the article it translates",
                    ),
                });
            }
        }
    }
}

/// An article with the places of what refers to other files, for the cross checks.
struct Parsed {
    path: PathBuf,
    article: LoadedArticle,
    category_at: (usize, usize),
    translation_key_at: (usize, usize),
    links: Vec<(String, (usize, usize))>,
    related: Vec<(String, (usize, usize))>,
    flow: Option<(String, (usize, usize))>,
    assets: Vec<(String, (usize, usize))>,
}

fn parse_article(
    path: &Path,
    locale: &str,
    slug: &str,
    text: &str,
    out: &mut Vec<Diagnostic>,
) -> Option<Parsed> {
    let split = front_matter::split(path, text, out)?;
    let rendered = render::render(split.body);
    let body_place = |offset: usize| {
        let (line, col) = crate::diagnostic::line_col(split.body, offset);
        (line + split.body_line - 1, col)
    };
    let front_place = |offset: usize| {
        let (line, col) = crate::diagnostic::line_col(split.front_text, offset);
        (line + 1, col)
    };
    if rendered.text.trim().is_empty() {
        out.push(
            Diagnostic::at(
                path,
                split.body_line.saturating_sub(1).max(1),
                1,
                "the article has no text",
            )
            .with_hint("write the answer below the front matter, or delete the file"),
        );
    }
    for (what, range) in &rendered.stripped_html {
        let (line, col) = body_place(range.start);
        out.push(
            Diagnostic::at(path, line, col, format!("{what} is removed when the article is sanitized"))
                .warning()
                .with_hint("use Markdown instead of raw HTML; scripts, styles, frames and event handlers never reach readers"),
        );
    }
    let links = rendered
        .relative_links
        .iter()
        .map(|(dest, range)| {
            let target = dest.split('#').next().unwrap_or_default().to_owned();
            (target, body_place(range.start))
        })
        .collect();
    let assets = rendered
        .assets
        .iter()
        .map(|(asset, range)| (asset.clone(), body_place(range.start)))
        .collect();
    let front = split.front;
    let related = front
        .related
        .iter()
        .map(|r| (r.get_ref().clone(), front_place(r.span().start)))
        .collect();
    let flow = front
        .flow
        .as_ref()
        .map(|f| (f.get_ref().clone(), front_place(f.span().start)));
    let translation_key_at = front
        .translation_key
        .as_ref()
        .map_or((1, 1), |k| front_place(k.span().start));
    Some(Parsed {
        path: path.to_owned(),
        category_at: front_place(front.category.span().start),
        translation_key_at,
        links,
        related,
        flow,
        assets,
        article: LoadedArticle {
            slug: slug.to_owned(),
            locale: locale.to_owned(),
            title: front.title.trim().to_owned(),
            summary: front.summary.trim().to_owned(),
            category: front.category.into_inner().trim().to_owned(),
            tags: front.tags,
            page_urls: front
                .page_urls
                .into_iter()
                .map(toml::Spanned::into_inner)
                .collect(),
            related: front
                .related
                .into_iter()
                .map(toml::Spanned::into_inner)
                .collect(),
            flow: front.flow.map(toml::Spanned::into_inner),
            translation_key: front
                .translation_key
                .map_or_else(|| slug.to_owned(), toml::Spanned::into_inner),
            draft: front.draft,
            updated: front.updated.map(toml::Spanned::into_inner),
            html: rendered.html,
            text: rendered.text,
        },
    })
}

/// The media type an asset is served with, by extension.
fn content_type(path: &str) -> &'static str {
    let ext = path
        .rsplit('.')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    match ext.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "svg" => "image/svg+xml",
        "pdf" => "application/pdf",
        "txt" => "text/plain; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        _ => "application/octet-stream",
    }
}

pub(crate) fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}
