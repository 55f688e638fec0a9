//! `categories.toml`: the categories articles belong to, in display order, with a title and a
//! description per locale.

use std::path::Path;

use serde::Deserialize;

use crate::config::{Localized, SiteConfig, key_offset};
use crate::diagnostic::Diagnostic;

/// File name of the categories inside the content directory.
pub const CATEGORIES_FILE: &str = "categories.toml";

/// One category.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub id: String,
    /// Smaller comes first.
    pub order: i32,
    pub title: Localized,
    pub description: Localized,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    category: Vec<Category>,
}

/// Every category, sorted by `order`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Categories(pub Vec<Category>);

impl Categories {
    /// Parses and checks `categories.toml`; problems go to `out`.
    pub fn parse(
        path: &Path,
        text: &str,
        site: &SiteConfig,
        out: &mut Vec<Diagnostic>,
    ) -> Categories {
        let file: File = match toml::from_str(text) {
            Ok(file) => file,
            Err(e) => {
                out.push(Diagnostic::from_toml(path, text, 1, &e));
                return Categories::default();
            }
        };
        let mut seen: Vec<&str> = Vec::new();
        for (i, c) in file.category.iter().enumerate() {
            let at = |m: String| {
                Diagnostic::at_offset(path, text, key_offset(text, "category", i), 1, m)
            };
            if !super::is_slug(&c.id) || seen.contains(&c.id.as_str()) {
                out.push(at(format!(
                    "category id \"{}\" must be unique lowercase words joined by hyphens",
                    c.id
                )));
            }
            seen.push(&c.id);
            for (what, text) in [("title", &c.title), ("description", &c.description)] {
                for locale in &site.locales {
                    if text.0.contains_key("*") {
                        continue;
                    }
                    if text.0.get(locale).is_none_or(|t| t.trim().is_empty()) {
                        let d = at(format!("category '{}' has no {what} for '{locale}'", c.id));
                        out.push(if *locale == site.default_locale {
                            d
                        } else {
                            d.warning()
                        });
                    }
                }
            }
        }
        let mut categories = file.category;
        categories.sort_by_key(|c| c.order);
        Categories(categories)
    }

    pub fn get(&self, id: &str) -> Option<&Category> {
        self.0.iter().find(|c| c.id == id)
    }

    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|c| c.id.as_str())
    }
}
