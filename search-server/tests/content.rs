//! Loading a knowledge base: the real one must load cleanly, and broken ones say where.

use std::path::{Path, PathBuf};

use baton_server::content::Library;
use baton_server::knowledge::Knowledge;

#[test]
fn the_real_knowledge_base_loads_with_zero_errors() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../kb-content");
    let library = Library::load(&dir).unwrap_or_else(|e| panic!("{e}"));
    let locale = library.site.default_locale.clone();
    assert!(
        library.articles(&locale).count() > 0,
        "kb-content has no articles"
    );
    let knowledge = Knowledge::build(library).expect("index builds");
    let results = knowledge
        .index
        .search(&knowledge.library, &locale, "password", 5)
        .expect("search");
    assert!(results.total > 0);
}

const SITE: &str = r##"id = "t"
name = "T"
greeting = "Hi"
brand_color = "#123456"
default_locale = "en"
locales = ["en"]
allowed_origins = []
support_email = "t@example.com"
"##;

fn content(articles: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().to_owned();
    std::fs::write(root.join("site.toml"), SITE).expect("write");
    let en = root.join("articles/en");
    std::fs::create_dir_all(&en).expect("mkdir");
    for (name, text) in articles {
        std::fs::write(en.join(name), text).expect("write");
    }
    (dir, root)
}

fn article(title: &str, body: &str) -> String {
    format!("+++\ntitle = \"{title}\"\nsummary = \"S\"\ncategory = \"c\"\n+++\n{body}")
}

#[test]
fn every_problem_is_reported_at_once_with_its_place() {
    let (_dir, root) = content(&[
        ("good.md", &article("Good", "Fine.\n")),
        ("bad-toml.md", "+++\ntitle = \n+++\n"),
        ("Bad Name.md", &article("X", "")),
        ("notes.txt", "hello"),
        (
            "links.md",
            &article("Links", "\nSee [missing](no-such-article).\n"),
        ),
    ]);
    let err = Library::load(&root).expect_err("broken content");
    let shown = err.to_string();
    assert_eq!(err.0.len(), 4, "{shown}");
    assert!(shown.contains("bad-toml.md:2:"), "{shown}");
    assert!(shown.contains("Bad Name.md: "), "{shown}");
    assert!(shown.contains("notes.txt: "), "{shown}");
    assert!(
        shown.contains("links.md:7:5: links to 'no-such-article'"),
        "{shown}"
    );
}

#[test]
fn drafts_are_checked_but_not_published() {
    let draft = "+++\ntitle = \"D\"\nsummary = \"S\"\ncategory = \"c\"\ndraft = true\n+++\nSoon.\n";
    let (_dir, root) = content(&[("public.md", &article("P", "Hi.\n")), ("draft.md", draft)]);
    let library = Library::load(&root).expect("loads");
    let slugs: Vec<&str> = library.articles("en").map(|a| a.slug.as_str()).collect();
    assert_eq!(slugs, ["public"]);
    assert!(library.article("en", "draft").is_none());
}

#[test]
fn the_content_version_changes_with_the_content() {
    let (_dir, root) = content(&[("a.md", &article("A", "One.\n"))]);
    let first = Library::load(&root).expect("loads").version;
    assert_eq!(Library::load(&root).expect("loads").version, first);
    std::fs::write(root.join("articles/en/a.md"), article("A", "Two.\n")).expect("write");
    assert_ne!(Library::load(&root).expect("loads").version, first);
}

#[test]
fn a_locale_folder_the_site_does_not_list_is_an_error() {
    let (_dir, root) = content(&[]);
    std::fs::create_dir_all(root.join("articles/fr")).expect("mkdir");
    let err = Library::load(&root).expect_err("unlisted locale");
    assert!(
        err.to_string().contains("locale 'fr' is not listed"),
        "{err}"
    );
}
