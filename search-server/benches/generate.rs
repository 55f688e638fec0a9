//! A generated knowledge base of any size, for benchmarks: realistic article lengths, links,
//! lists, tables and callouts.

use baton_server::content::{ContentFiles, Library};
use baton_server::knowledge::{Knowledge, LiveKnowledge};

const WORDS: &[&str] = &[
    "hub",
    "wifi",
    "router",
    "sensor",
    "automation",
    "password",
    "account",
    "camera",
    "light",
    "schedule",
    "firmware",
    "update",
    "battery",
    "zigbee",
    "thread",
    "matter",
    "reset",
    "pair",
    "offline",
    "signal",
    "invoice",
    "subscription",
    "order",
    "delivery",
    "the",
    "and",
    "your",
    "with",
    "when",
    "after",
    "before",
    "check",
    "open",
    "tap",
    "settings",
    "network",
    "device",
];

const CATEGORIES: &[&str] = &[
    "getting-started",
    "connectivity",
    "devices",
    "account",
    "billing",
];

fn word(seed: usize) -> &'static str {
    WORDS[seed.wrapping_mul(2_654_435_761) % WORDS.len()]
}

fn sentence(seed: usize, len: usize) -> String {
    let words: Vec<&str> = (0..len).map(|i| word(seed * 31 + i)).collect();
    let mut s = words.join(" ");
    if let Some(first) = s.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    s.push('.');
    s
}

/// `n` English articles of about 350 words each, with categories and cross links.
pub fn knowledge_base(n: usize) -> ContentFiles {
    let mut files = ContentFiles::new("");
    let site = r##"id = "bench"
name = "Bench"
greeting = "Hi"
brand_color = "#2557d6"
default_locale = "en"
locales = ["en"]
support_email = "help@example.com"
"##;
    files
        .insert("site.toml", site.as_bytes().to_vec())
        .expect("site");
    let mut categories = String::new();
    for (i, c) in CATEGORIES.iter().enumerate() {
        categories.push_str(&format!(
            "[[category]]\nid = \"{c}\"\norder = {i}\ntitle = \"{c}\"\ndescription = \"About {c}\"\n\n"
        ));
    }
    files
        .insert("categories.toml", categories.into_bytes())
        .expect("categories");
    for i in 0..n {
        let mut body = String::new();
        body.push_str(&format!("{}\n\n## Before you start\n\n", sentence(i, 24)));
        for step in 0..6 {
            body.push_str(&format!("{}. {}\n", step + 1, sentence(i + step, 14)));
        }
        body.push_str(&format!(
            "\n> [!NOTE]\n> {}\n\n## Details\n\n| Setting | Value |\n|---|---|\n| {} | {} |\n\n",
            sentence(i + 7, 16),
            word(i),
            word(i + 1)
        ));
        for p in 0..5 {
            body.push_str(&format!(
                "{} {}\n\n",
                sentence(i * 7 + p, 20),
                sentence(i * 11 + p, 18)
            ));
        }
        body.push_str(&format!(
            "See also [article {0}](article-{0}).\n",
            (i + 1) % n
        ));
        let text = format!(
            "+++\ntitle = \"{} {i}\"\nsummary = \"{}\"\ncategory = \"{}\"\ntags = [\"{}\", \"{}\"]\npage_urls = [\"/support*\"]\nupdated = \"2026-01-31\"\n+++\n\n{body}",
            sentence(i, 5).trim_end_matches('.'),
            sentence(i + 3, 12),
            CATEGORIES[i % CATEGORIES.len()],
            word(i),
            word(i + 2)
        );
        files
            .insert(&format!("articles/en/article-{i}.md"), text.into_bytes())
            .expect("article");
    }
    files
}

/// A server's live knowledge serving a one-article version, ready for a publish to replace it.
pub fn live_knowledge() -> LiveKnowledge {
    LiveKnowledge::new(publishable(&knowledge_base(1)))
}

/// Checks, renders and indexes `files` the way a publish does.
pub fn publishable(files: &ContentFiles) -> Knowledge {
    let library = Library::from_files(files)
        .library
        .expect("generated content is valid");
    Knowledge::build(library).expect("index builds")
}
