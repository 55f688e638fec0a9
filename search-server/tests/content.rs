//! Loading a knowledge base: the real one must load cleanly, and broken ones say where.

use std::path::{Path, PathBuf};

use baton_server::content::{ContentFiles, Library};
use baton_server::knowledge::Knowledge;
use proptest::prelude::*;

#[test]
fn the_real_knowledge_base_has_zero_errors_and_zero_warnings() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../kb-content");
    let checked = Library::check_dir(&dir);
    let reports: Vec<String> = checked.diagnostics.iter().map(|d| d.report()).collect();
    assert!(reports.is_empty(), "{}", reports.join("\n"));
    let library = checked.library.expect("loads");
    assert!(library.site.locales.len() >= 2, "a second locale");
    for locale in library.locales() {
        assert!(
            library.articles(locale).count() >= 40,
            "{locale} has fewer than 40 articles"
        );
    }
    assert!(library.categories.0.len() >= 5);
    assert!(!library.synonyms.for_locale("de").expand("wlan").is_empty());
    assert_eq!(library.site.announcements.len(), 1);
    let locale = library.site.default_locale.clone();
    assert!(
        library.articles(&locale).count() > 0,
        "kb-content has no articles"
    );
    let knowledge = Knowledge::build(library).expect("index builds");
    for (locale, query) in [("en", "password"), ("de", "passwort")] {
        let request = baton_server::search::SearchRequest {
            query,
            limit: 5,
            category: None,
            tags: &[],
        };
        let results = knowledge
            .index
            .search(&knowledge.library, locale, &request)
            .expect("search");
        assert!(results.total > 0, "{locale}");
    }
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
    std::fs::write(root.join("articles/fr/a.md"), article("A", "Un.\n")).expect("write");
    let err = Library::load(&root).expect_err("unlisted locale");
    assert!(
        err.to_string().contains("locale 'fr' is not listed"),
        "{err}"
    );
}

const SITE_DE: &str = r##"id = "t"
name = "T"
greeting = { en = "Hi", de = "Hallo" }
brand_color = "#123456"
default_locale = "en"
locales = ["en", "de"]
support_email = "t@example.com"
"##;

const CATEGORIES: &str = r#"
[[category]]
id = "account"
order = 1
title = { en = "Account", de = "Konto" }
description = { en = "Sign-in", de = "Anmeldung" }
"#;

/// A knowledge base from `(path, bytes)` pairs, checked.
fn check(files: &[(&str, &[u8])]) -> (Vec<String>, Option<Library>) {
    let mut content = ContentFiles::new("kb");
    for (path, bytes) in files {
        content.insert(path, bytes.to_vec()).expect("allowed path");
    }
    let checked = Library::from_files(&content);
    (
        checked.diagnostics.iter().map(|d| d.report()).collect(),
        checked.library,
    )
}

fn has(reports: &[String], needle: &str) -> bool {
    reports.iter().any(|r| r.contains(needle))
}

#[test]
fn every_check_reports_its_place_kind_and_hint() {
    let en_ok = b"+++\ntitle = \"A\"\nsummary = \"S\"\ncategory = \"account\"\n+++\nSee ![hub](assets/hub.png).\n";
    let en_bad = b"+++\ntitle = \"B\"\nsummary = \"S\"\ncategory = \"acount\"\nrelated = [\"ok\", \"nope\"]\nflow = \"no-such-flow\"\npage_urls = [\"shop\"]\n+++\n![x](assets/hub.jpg) <img src=x onerror=\"alert(1)\">\n";
    let de_orphan = b"+++\ntitle = \"C\"\nsummary = \"S\"\ncategory = \"account\"\ntranslation_key = \"okk\"\n+++\nText.\n";
    let empty = b"+++\ntitle = \"E\"\nsummary = \"S\"\ncategory = \"account\"\n+++\n\n";
    let (reports, library) = check(&[
        ("site.toml", SITE_DE.as_bytes()),
        ("categories.toml", CATEGORIES.as_bytes()),
        ("assets/hub.png", &[0x89, b'P', b'N', b'G']),
        ("articles/en/ok.md", en_ok),
        ("articles/en/bad.md", en_bad),
        ("articles/en/sub/ok.md", en_ok),
        ("articles/en/empty.md", empty),
        ("articles/de/orphan.md", de_orphan),
        ("articles/de/latin1.md", b"+++\ntitle = \"caf\xe9\"\n"),
    ]);
    assert!(library.is_none());
    let all = reports.join("\n");
    for needle in [
        "kb/articles/en/bad.md:4:12: error: unknown category 'acount'\n  = hint: did you mean 'account'?",
        "kb/articles/en/bad.md:5:18: error: links to 'nope', but that is no article in 'en'",
        "kb/articles/en/bad.md:6:8: error: offers the flow 'no-such-flow', but there is no flows/en/no-such-flow.toml",
        "kb/articles/en/bad.md:7:14: error: invalid page URL pattern \"shop\"",
        "kb/articles/en/bad.md:9:1: error: uses assets/hub.jpg, which does not exist\n  = hint: did you mean assets/hub.png?",
        "kb/articles/en/bad.md:9:22: warning: the `onerror` attribute of <img> is removed",
        "kb/articles/en/empty.md:5:1: error: the article has no text",
        "kb/articles/en/sub/ok.md: error: the slug 'ok' is used twice in 'en'",
        "kb/articles/en/ok.md:1:1: warning: has no translation in 'de'",
        "kb/articles/de/orphan.md:5:19: warning: `translation_key` 'okk' matches no article in the default locale 'en'\n  = hint: did you mean 'ok'?",
        "kb/articles/de/latin1.md:2:13: error: is not UTF-8 text",
    ] {
        assert!(all.contains(needle), "missing:\n{needle}\nin:\n{all}");
    }
}

#[test]
fn warnings_alone_still_publish_and_an_existing_flow_is_accepted() {
    let article = b"+++\ntitle = \"A\"\nsummary = \"S\"\ncategory = \"account\"\nflow = \"login\"\n+++\nText.\n";
    let (reports, library) = check(&[
        ("site.toml", SITE_DE.as_bytes()),
        ("categories.toml", CATEGORIES.as_bytes()),
        ("flows/en/login.toml", GOOD_FLOW.as_bytes()),
        ("flows/de/login.toml", GOOD_FLOW.as_bytes()),
        ("articles/en/a.md", article),
    ]);
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert!(
        has(&reports, "warning: has no translation in 'de'"),
        "{reports:?}"
    );
    let library = library.expect("warnings do not block");
    assert_eq!(
        library.article("en", "a").and_then(|a| a.flow.as_deref()),
        Some("login")
    );
    assert_eq!(library.site.info_for("de").greeting, "Hallo");
}

/// A small valid flow.
const GOOD_FLOW: &str = r#"title = "Login"
description = "Cannot sign in"
start = "q"

[[nodes]]
id = "q"
kind = "question"
text = "Did you **forget** it?"

[[nodes.choices]]
id = "yes"
label = "Yes"
next = "done"

[[nodes.choices]]
id = "no"
label = "No"
next = "human"

[[nodes]]
id = "done"
kind = "resolved"

[[nodes]]
id = "human"
kind = "handoff"
priority = "high"
team = "accounts"
"#;

/// One flow with every structural problem core's validation finds.
const BROKEN_FLOW: &str = r#"title = "Broken"
start = "ask"

[[nodes]]
id = "ask"
kind = "question"
text = "What happened?"

[[nodes.choices]]
id = "a"
label = ""
next = "dnoe"

[[nodes.choices]]
id = "b"
label = "B"
next = "loop1"

[[nodes.choices]]
id = "c"
label = "C"
next = "route"

[[nodes.choices]]
id = "d"
label = "D"
next = "stuck"

[[nodes]]
id = "loop1"
kind = "message"
text = "Again"
next = "loop2"

[[nodes]]
id = "loop2"
kind = "check"
text = "Fixed?"
yes = "loop1"
no = "loop1"

[[nodes]]
id = "route"
kind = "condition"
otherwise = "done"

[[nodes.branches]]
when = { answer = "later", equals = "yes" }
next = "done"

[[nodes]]
id = "stuck"
kind = "message"
text = "Nowhere to go"

[[nodes]]
id = "later"
kind = "check"
text = "Later?"
yes = "done"
no = "done"

[[nodes]]
id = "done"
kind = "resolved"

[[nodes]]
id = "done"
kind = "resolved"
"#;

#[test]
fn every_flow_problem_names_its_line_and_column() {
    let mut de_drift = GOOD_FLOW.replace("team = \"accounts\"", "team = \"billing\"");
    de_drift.push_str("\n[[nodes]]\nid = \"extra\"\nkind = \"resolved\"\n");
    let (reports, library) = check(&[
        ("site.toml", SITE_DE.as_bytes()),
        ("flows/en/broken.toml", BROKEN_FLOW.as_bytes()),
        ("flows/en/login.toml", GOOD_FLOW.as_bytes()),
        ("flows/en/only-en.toml", GOOD_FLOW.as_bytes()),
        ("flows/de/login.toml", de_drift.as_bytes()),
        ("flows/de/broken.toml", BROKEN_FLOW.as_bytes()),
        (
            "flows/en/typo.toml",
            b"title = \"T\"\nstart = \"x\"\nstrat = \"y\"\n",
        ),
        ("flows/en/Bad_Name.toml", GOOD_FLOW.as_bytes()),
        ("flows/fr/login.toml", GOOD_FLOW.as_bytes()),
    ]);
    assert!(library.is_none());
    let lines: Vec<&str> = reports
        .iter()
        .filter_map(|r| r.split('\n').next())
        .filter(|r| r.starts_with("kb/flows/en/broken.toml"))
        .collect();
    assert_eq!(
        lines,
        [
            "kb/flows/en/broken.toml:11:9: error: the choice 'a' has no label",
            "kb/flows/en/broken.toml:12:8: error: refers to node 'dnoe', which does not exist",
            "kb/flows/en/broken.toml:33:8: error: these nodes loop with no way to an outcome: loop1, loop2",
            "kb/flows/en/broken.toml:48:8: error: the condition tests the answer to 'later', which is never asked before it",
            "kb/flows/en/broken.toml:52:6: error: dead end: the node has no `next`",
            "kb/flows/en/broken.toml:57:6: warning: the node 'later' cannot be reached from `start`",
            "kb/flows/en/broken.toml:68:6: error: the node id 'done' is used more than once",
        ],
        "{}",
        reports.join("\n")
    );
    let all = reports.join("\n");
    for needle in [
        "kb/flows/en/broken.toml:12:8: error: refers to node 'dnoe', which does not exist\n  = hint: did you mean 'done'?",
        "kb/flows/en/only-en.toml:1:1: warning: has no translation in 'de'",
        "kb/flows/de/login.toml:26:8: error: the node 'human' differs from the original in more than its texts",
        "kb/flows/de/login.toml:31:6: error: the node 'extra' is not in the original",
        "kb/flows/en/typo.toml:3:1: error: unknown field `strat`",
        "kb/flows/en/Bad_Name.toml: error: a flow's file name must be lowercase words",
        "kb/flows/fr/login.toml: error: locale 'fr' is not listed",
    ] {
        assert!(all.contains(needle), "missing:\n{needle}\nin:\n{all}");
    }
}

#[test]
fn flows_load_with_rendered_texts_and_localized_article_links() {
    let en = b"+++\ntitle = \"A\"\nsummary = \"S\"\ncategory = \"account\"\n+++\nText.\n";
    let de = b"+++\ntitle = \"A\"\nsummary = \"S\"\ncategory = \"account\"\ntranslation_key = \"reset\"\n+++\nText.\n";
    let linked = GOOD_FLOW.replace(
        "[[nodes]]\nid = \"done\"\nkind = \"resolved\"",
        "[[nodes]]\nid = \"done\"\nkind = \"article\"\narticle = \"reset\"",
    );
    let (reports, library) = check(&[
        ("site.toml", SITE_DE.as_bytes()),
        ("categories.toml", CATEGORIES.as_bytes()),
        ("articles/en/reset.md", en),
        ("articles/de/zuruecksetzen.md", de),
        ("flows/en/login.toml", linked.as_bytes()),
        ("flows/de/login.toml", linked.as_bytes()),
    ]);
    assert!(reports.is_empty(), "{reports:?}");
    let library = library.expect("loads");
    let flow = library.flow("de", "login").expect("de flow");
    assert_eq!(flow.flow.id, "login");
    assert_eq!(
        flow.html["q"],
        "<p>Did you <strong>forget</strong> it?</p>\n"
    );
    let article = flow.flow.article_links();
    assert_eq!(article, [("done", "zuruecksetzen")]);
    assert_eq!(library.flows("en").count(), 1);
}

#[test]
fn unsafe_paths_and_huge_files_never_enter_a_knowledge_base() {
    let mut files = ContentFiles::new("");
    for bad in [
        "../site.toml",
        "assets/../../etc/passwd",
        "/etc/passwd",
        "assets/.htaccess",
    ] {
        assert!(files.insert(bad, b"x".to_vec()).is_err(), "{bad}");
    }
    let huge = vec![b'a'; baton_server::content::files::MAX_TEXT_FILE_BYTES + 1];
    assert!(files.insert("articles/en/huge.md", huge).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// No article file, however broken, makes the loader panic.
    #[test]
    fn no_article_makes_the_loader_panic(
        front in "(title|summary|category|tags|draft|flow|related|page_urls|updated|x)? ?=? ?[\"\\[\\]a-z0-9/*{}#, .-]{0,40}\n{0,2}",
        body in any::<String>(),
        raw in proptest::collection::vec(any::<u8>(), 0..200),
        fence in prop_oneof!["\\+\\+\\+\n", "", "---\n", "\\+\\+\\+"],
    ) {
        let text = format!("{fence}title = \"T\"\nsummary = \"S\"\ncategory = \"c\"\n{front}+++\n{body}");
        let _ = check(&[
            ("site.toml", SITE.as_bytes()),
            ("articles/en/a.md", text.as_bytes()),
            ("articles/en/b.md", &raw),
            ("articles/en/c.md", format!("{fence}{front}{body}").as_bytes()),
        ]);
    }
}
