//! `site.toml`: the settings of the one site this server answers for.

use std::path::Path;

use baton_core::api::SiteInfo;
use serde::Deserialize;

use crate::diagnostic::Diagnostic;

/// File name of the site settings inside the content directory.
pub const SITE_FILE: &str = "site.toml";

/// The contents of `site.toml`. Unknown keys are errors, so a typo never goes unnoticed.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    /// The id the embedding script tag sends as `data-site`.
    pub id: String,
    pub name: String,
    pub greeting: String,
    /// CSS hex colour such as `#2557d6`.
    pub brand_color: String,
    pub default_locale: String,
    pub locales: Vec<String>,
    /// Origins (`scheme://host[:port]`) whose pages may call the API from a browser.
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    pub support_email: String,
}

impl SiteConfig {
    /// Reads and checks `<content_dir>/site.toml`.
    pub fn load(content_dir: &Path) -> Result<SiteConfig, Diagnostic> {
        let path = content_dir.join(SITE_FILE);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            Diagnostic::in_file(&path, format!("cannot read the site settings: {e}"))
        })?;
        SiteConfig::parse(&path, &text)
    }

    /// Parses and checks the text of a `site.toml` read from `path`.
    pub fn parse(path: &Path, text: &str) -> Result<SiteConfig, Diagnostic> {
        let site: SiteConfig = toml::from_str(text).map_err(|e| {
            let message = e.message().trim().to_owned();
            match e.span() {
                Some(span) => Diagnostic::at_offset(path, text, span.start, 1, message),
                None => Diagnostic::in_file(path, message),
            }
        })?;
        site.check().map_err(|m| Diagnostic::in_file(path, m))?;
        Ok(site)
    }

    fn check(&self) -> Result<(), String> {
        if !is_identifier(&self.id) {
            return Err(format!(
                "`id = \"{}\"` must be lowercase letters, digits and hyphens, like \"demo\"",
                self.id
            ));
        }
        if self.locales.is_empty() {
            return Err("`locales` must list at least one locale, like [\"en\"]".into());
        }
        if let Some(bad) = self.locales.iter().find(|l| !is_identifier(l)) {
            return Err(format!(
                "locale \"{bad}\" must look like \"en\" or \"pt-br\""
            ));
        }
        if !self.locales.contains(&self.default_locale) {
            return Err(format!(
                "`default_locale = \"{}\"` must be one of `locales` ({})",
                self.default_locale,
                self.locales.join(", ")
            ));
        }
        if !is_hex_colour(&self.brand_color) {
            return Err(format!(
                "`brand_color = \"{}\"` must be a hex colour like \"#2557d6\"",
                self.brand_color
            ));
        }
        if !baton_core::api::is_plausible_email(&self.support_email) {
            return Err(format!(
                "`support_email = \"{}\"` is not an email address",
                self.support_email
            ));
        }
        if let Some(bad) = self.allowed_origins.iter().find(|o| !is_origin(o)) {
            return Err(format!(
                "allowed origin \"{bad}\" must be scheme://host[:port] with no path or trailing slash, \
                 like \"https://www.example.com\""
            ));
        }
        Ok(())
    }

    /// What the widget needs to draw itself.
    pub fn info(&self) -> SiteInfo {
        SiteInfo {
            id: self.id.clone(),
            name: self.name.clone(),
            greeting: self.greeting.clone(),
            brand_color: self.brand_color.clone(),
            default_locale: self.default_locale.clone(),
            locales: self.locales.clone(),
        }
    }

    /// The requested locale when the site has it, else the default locale.
    pub fn resolve_locale<'a>(&'a self, requested: Option<&str>) -> &'a str {
        requested
            .and_then(|r| {
                self.locales
                    .iter()
                    .find(|l| l.eq_ignore_ascii_case(r.trim()))
            })
            .unwrap_or(&self.default_locale)
    }
}

fn is_identifier(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn is_hex_colour(s: &str) -> bool {
    s.strip_prefix('#')
        .is_some_and(|hex| matches!(hex.len(), 3 | 6) && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn is_origin(s: &str) -> bool {
    let Some(rest) = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
    else {
        return false;
    };
    !rest.is_empty()
        && !rest.contains('/')
        && rest
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r##"
id = "demo"
name = "Demo"
greeting = "Hi"
brand_color = "#2557d6"
default_locale = "en"
locales = ["en"]
allowed_origins = ["http://127.0.0.1:8080"]
support_email = "help@example.com"
"##;

    #[test]
    fn a_complete_site_file_loads() {
        let site = SiteConfig::parse(Path::new("site.toml"), GOOD).expect("valid");
        assert_eq!(site.id, "demo");
        assert_eq!(site.resolve_locale(Some("EN")), "en");
        assert_eq!(site.resolve_locale(Some("xx")), "en");
    }

    #[test]
    fn an_unknown_key_is_reported_with_its_line_and_column() {
        let text = format!("{GOOD}colour = \"red\"\n");
        let err = SiteConfig::parse(Path::new("kb/site.toml"), &text).expect_err("unknown key");
        let shown = err.to_string();
        assert!(shown.starts_with("kb/site.toml:10:1: "), "{shown}");
        assert!(shown.contains("colour"), "{shown}");
    }

    #[test]
    fn a_default_locale_outside_locales_is_refused() {
        let text = GOOD.replace("default_locale = \"en\"", "default_locale = \"fr\"");
        let err = SiteConfig::parse(Path::new("site.toml"), &text).expect_err("bad locale");
        assert!(err.message.contains("default_locale"), "{err}");
    }
}
