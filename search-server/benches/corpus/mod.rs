//! A generated knowledge base for search benchmarks: help-centre vocabulary with a Zipf-like
//! word distribution, deterministic (same seed, same articles), and the query set that
//! exercises each kind of query. Shared by `benches/search.rs` and `examples/search_peers.rs`.

#![allow(dead_code)]

/// Help-centre words, most frequent first: word `i` is drawn with weight `1 / (i + 1)`.
const WORDS: &[&str] = &[
    "your",
    "account",
    "device",
    "app",
    "settings",
    "open",
    "select",
    "password",
    "hub",
    "order",
    "email",
    "update",
    "connect",
    "network",
    "wifi",
    "reset",
    "change",
    "sign",
    "payment",
    "subscription",
    "delivery",
    "camera",
    "light",
    "sensor",
    "room",
    "automation",
    "schedule",
    "notification",
    "button",
    "screen",
    "tap",
    "choose",
    "menu",
    "profile",
    "security",
    "code",
    "verify",
    "phone",
    "number",
    "address",
    "invoice",
    "refund",
    "return",
    "warranty",
    "battery",
    "charge",
    "power",
    "cable",
    "router",
    "signal",
    "firmware",
    "version",
    "install",
    "download",
    "restart",
    "error",
    "message",
    "problem",
    "support",
    "contact",
    "team",
    "family",
    "member",
    "invite",
    "share",
    "access",
    "remove",
    "delete",
    "export",
    "data",
    "privacy",
    "backup",
    "restore",
    "storage",
    "cloud",
    "plan",
    "upgrade",
    "cancel",
    "renew",
    "billing",
    "card",
    "bank",
    "transfer",
    "shipping",
    "tracking",
    "parcel",
    "courier",
    "store",
    "product",
    "replacement",
    "damaged",
    "missing",
    "item",
    "voice",
    "assistant",
    "speaker",
    "volume",
    "microphone",
    "video",
    "recording",
    "motion",
    "alert",
    "door",
    "lock",
    "window",
    "thermostat",
    "temperature",
    "heating",
    "energy",
    "usage",
    "report",
    "history",
    "calendar",
    "timezone",
    "language",
    "region",
    "display",
    "brightness",
    "color",
    "scene",
    "trigger",
    "condition",
    "bridge",
    "zigbee",
    "bluetooth",
    "pairing",
    "range",
    "interference",
    "channel",
    "bandwidth",
    "ethernet",
    "port",
    "adapter",
    "mount",
    "bracket",
    "installation",
    "guide",
    "manual",
    "troubleshooting",
    "diagnostics",
    "logs",
    "performance",
    "slow",
    "offline",
    "online",
    "status",
    "outage",
    "maintenance",
    "compatibility",
    "integration",
    "developer",
    "token",
    "authentication",
    "two-factor",
    "recovery",
    "locked",
    "suspended",
    "verification",
    "identity",
    "document",
    "license",
    "terms",
    "policy",
    "consent",
    "cookies",
    "tracking",
    "analytics",
    "newsletter",
    "preferences",
    "unsubscribe",
    "feedback",
    "rating",
    "review",
    "community",
    "forum",
    "beta",
    "feature",
    "request",
    "roadmap",
    "release",
    "notes",
    "changelog",
];

/// A word that occurs in only about one article in a thousand.
pub const RARE_WORD: &str = "dehumidifier";
const RARE_EVERY: usize = 997;

const CATEGORIES: &[&str] = &[
    "getting-started",
    "account",
    "devices",
    "connectivity",
    "automations",
    "billing",
    "orders",
    "privacy",
    "troubleshooting",
];

/// One generated article.
#[derive(Clone, Debug)]
pub struct Doc {
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub category: String,
    pub tags: Vec<String>,
    pub body: String,
}

/// The kinds of query benchmarked, with the text of each.
pub const QUERIES: &[(&str, &str)] = &[
    ("rare_word", RARE_WORD),
    ("two_words", "reset password"),
    ("common_word", "account"),
    ("one_typo", "pasword"),
    ("two_typos", "notifcaitons"),
    ("prefix", "wifi netw"),
    ("phrase", "factory reset hub"),
    ("no_result", "zyxwvut qqqq"),
];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*: deterministic and good enough for text.
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Cumulative Zipf weights of [`WORDS`].
fn cumulative() -> Vec<f64> {
    let mut total = 0.0;
    WORDS
        .iter()
        .enumerate()
        .map(|(i, _)| {
            total += 1.0 / (i as f64 + 1.0);
            total
        })
        .collect()
}

fn word(rng: &mut Rng, weights: &[f64]) -> &'static str {
    let total = weights.last().copied().unwrap_or(1.0);
    let x = (rng.next() >> 11) as f64 / (1u64 << 53) as f64 * total;
    let i = weights.partition_point(|w| *w < x).min(WORDS.len() - 1);
    WORDS[i]
}

fn sentence(rng: &mut Rng, weights: &[f64], words: usize) -> String {
    let s: Vec<&str> = (0..words).map(|_| word(rng, weights)).collect();
    let mut text = s.join(" ");
    if let Some(c) = text.get(..1) {
        text.replace_range(..1, &c.to_uppercase());
    }
    text
}

/// `n` articles, the same every time.
pub fn articles(n: usize) -> Vec<Doc> {
    let weights = cumulative();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    (0..n)
        .map(|i| {
            let title_len = 3 + rng.below(5);
            let title = sentence(&mut rng, &weights, title_len);
            let summary_len = 8 + rng.below(8);
            let summary = sentence(&mut rng, &weights, summary_len);
            let mut body = String::new();
            for _ in 0..(8 + rng.below(10)) {
                let len = 8 + rng.below(14);
                body.push_str(&sentence(&mut rng, &weights, len));
                body.push_str(". ");
            }
            if i % RARE_EVERY == 0 {
                body.push_str("Keep the dehumidifier away from the hub. ");
            }
            if i % 50 == 0 {
                body.push_str("A factory reset of the hub erases every setting. ");
            }
            let tags = (0..2 + rng.below(2))
                .map(|_| word(&mut rng, &weights).to_owned())
                .collect();
            Doc {
                slug: format!("article-{i:06}"),
                title,
                summary,
                category: CATEGORIES[rng.below(CATEGORIES.len())].to_owned(),
                tags,
                body: body.trim_end().to_owned(),
            }
        })
        .collect()
}

/// Writes `docs` as a content folder `baton serve` and `Library::load` read: `site.toml` and one
/// Markdown article per doc under `articles/en/`.
pub fn write_content(dir: &std::path::Path, docs: &[Doc]) -> std::io::Result<()> {
    let articles = dir.join("articles/en");
    std::fs::create_dir_all(&articles)?;
    std::fs::write(
        dir.join("site.toml"),
        "id = \"bench\"\nname = \"Bench\"\ngreeting = \"Hi\"\nbrand_color = \"#2557d6\"\n\
         default_locale = \"en\"\nlocales = [\"en\"]\nsupport_email = \"help@bench.example\"\n",
    )?;
    for doc in docs {
        let tags: Vec<String> = doc.tags.iter().map(|t| format!("{t:?}")).collect();
        let text = format!(
            "+++\ntitle = {:?}\nsummary = {:?}\ncategory = {:?}\ntags = [{}]\n+++\n\n{}\n",
            doc.title,
            doc.summary,
            doc.category,
            tags.join(", "),
            doc.body
        );
        std::fs::write(articles.join(format!("{}.md", doc.slug)), text)?;
    }
    Ok(())
}

/// Percent-encodes a query-string value.
pub fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
