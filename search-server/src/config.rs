//! `site.toml`: the settings of the one site this server answers for.
//!
//! Texts shown to customers (greeting, urgency labels, announcements) are [`Localized`]: one
//! string, or a table with one string per locale.

use std::collections::BTreeMap;
use std::path::Path;

use baton_core::api::{self, SiteInfo};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::diagnostic::Diagnostic;

/// File name of the site settings inside the content directory.
pub const SITE_FILE: &str = "site.toml";

/// A text for customers: the same in every locale, or one per locale.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Localized(pub BTreeMap<String, String>);

/// The key under which a text written as a plain string is kept: it applies to every locale.
const ANY_LOCALE: &str = "*";

impl<'de> Deserialize<'de> for Localized {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            One(String),
            PerLocale(BTreeMap<String, String>),
        }
        match Raw::deserialize(d) {
            Ok(Raw::One(s)) => Ok(Localized(BTreeMap::from([(ANY_LOCALE.to_owned(), s)]))),
            Ok(Raw::PerLocale(map)) => Ok(Localized(map)),
            Err(_) => Err(serde::de::Error::custom(
                "expected a text, or a table with one text per locale like { en = \"Hi\", de = \"Hallo\" }",
            )),
        }
    }
}

impl Localized {
    /// The text for `locale`, else for `fallback`, else any.
    pub fn get<'a>(&'a self, locale: &str, fallback: &str) -> &'a str {
        self.0
            .get(ANY_LOCALE)
            .or_else(|| self.0.get(locale))
            .or_else(|| self.0.get(fallback))
            .or_else(|| self.0.values().next())
            .map_or("", String::as_str)
    }

    fn check(&self, what: &str, site: &SiteConfig, at: &Place<'_>, out: &mut Vec<Diagnostic>) {
        if self.0.contains_key(ANY_LOCALE) {
            return;
        }
        for key in self.0.keys() {
            if !site.locales.contains(key) {
                out.push(
                    at.diag(format!(
                        "{what} has a text for '{key}', which is not in `locales`"
                    ))
                    .with_hint(format!("the locales are {}", site.locales.join(", "))),
                );
            }
        }
        for locale in &site.locales {
            match self.0.get(locale) {
                None if *locale == site.default_locale => out.push(
                    at.diag(format!("{what} has no text for the default locale '{locale}'")),
                ),
                None => out.push(
                    at.diag(format!("{what} has no text for '{locale}'"))
                        .warning()
                        .with_hint(format!("add `{locale} = \"…\"`; until then customers see the default locale's text")),
                ),
                Some(t) if t.trim().is_empty() => {
                    out.push(at.diag(format!("{what} is empty for '{locale}'")));
                }
                Some(_) => {}
            }
        }
    }
}

/// The contents of `site.toml`. Unknown keys are errors, so a typo never goes unnoticed.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    /// The id the embedding script tag sends as `data-site`.
    pub id: String,
    pub name: String,
    pub greeting: Localized,
    /// CSS hex colour such as `#2557d6`.
    pub brand_color: String,
    pub default_locale: String,
    pub locales: Vec<String>,
    /// Origins (`scheme://host[:port]`) whose pages may call the API from a browser.
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    pub support_email: String,
    #[serde(default)]
    pub support_hours: Option<SupportHours>,
    /// Urgency tiers a customer can choose when asking for help, most urgent first.
    #[serde(default)]
    pub urgency: Vec<UrgencyTier>,
    #[serde(default)]
    pub announcements: Vec<Announcement>,
    /// How handoffs pick their urgency tier.
    #[serde(default)]
    pub handoff: HandoffSettings,
    /// Personal data removed from every stored text of a handoff.
    #[serde(default)]
    pub privacy: Privacy,
    /// How long widget events for the reports are kept.
    #[serde(default)]
    pub insights: InsightsSettings,
    /// How the host site vouches for its signed-in customers.
    #[serde(default)]
    pub identity: IdentitySettings,
}

/// `[insights]`: the events behind the reports.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct InsightsSettings {
    /// Days an event is kept; `baton serve` deletes older ones.
    #[serde(default = "InsightsSettings::default_retention_days")]
    pub retention_days: u32,
}

impl InsightsSettings {
    /// Most days `retention_days` may be (ten years).
    pub const MAX_RETENTION_DAYS: u32 = 3_650;

    fn default_retention_days() -> u32 {
        90
    }
}

impl Default for InsightsSettings {
    fn default() -> Self {
        InsightsSettings {
            retention_days: InsightsSettings::default_retention_days(),
        }
    }
}

/// `[identity]`: verified identity. The secret never sits in content files: `secret_env` names
/// the environment variable holding it, read each time the content is loaded (at start and on
/// publish).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentitySettings {
    /// The environment variable with the shared secret, like `"BATON_IDENTITY_SECRET"`.
    #[serde(default)]
    pub secret_env: Option<String>,
    /// Whether handoffs and conversation calls must carry a verified identity.
    #[serde(default)]
    pub required: bool,
    #[serde(skip)]
    secret: IdentitySecret,
}

impl IdentitySettings {
    /// Settings with `secret` already read (for tests and tools).
    pub fn with_secret(secret: &[u8], required: bool) -> IdentitySettings {
        IdentitySettings {
            secret_env: None,
            required,
            secret: IdentitySecret(Some(secret.to_vec())),
        }
    }

    /// The shared secret, when `secret_env` named a variable that is set.
    pub fn secret(&self) -> Option<&[u8]> {
        self.secret.0.as_deref()
    }
}

/// The identity secret, kept out of `Debug` output.
#[derive(Clone, Default, PartialEq, Eq)]
struct IdentitySecret(Option<Vec<u8>>);

impl std::fmt::Debug for IdentitySecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() { "<set>" } else { "<unset>" })
    }
}

/// `[handoff]`: how a ticket's urgency tier is chosen.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HandoffSettings {
    /// Whether the customer may pick a tier in the handoff form (a flow's priority still wins).
    #[serde(default)]
    pub customer_chooses_urgency: bool,
    /// The tier of a handoff that neither a flow nor the customer set; the last tier if unset.
    #[serde(default)]
    pub default_urgency: Option<String>,
    /// How long after the customer last typed in the handoff form (with a valid email) an
    /// unsent form is followed up with one "Still need help?" email, like `"30m"` (units `s`,
    /// `m`, `h`, `d`). No follow-up when absent.
    #[serde(default)]
    pub follow_up_after: Option<String>,
}

impl HandoffSettings {
    /// [`HandoffSettings::follow_up_after`] as a duration, when set and valid.
    pub fn follow_up_after(&self) -> Option<std::time::Duration> {
        self.follow_up_after.as_deref().and_then(parse_duration)
    }
}

/// `[privacy]`: what is redacted before a handoff is stored. Card numbers (digit runs that pass
/// the Luhn check) always are; `redact` adds regular expressions (Rust `regex` syntax).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Privacy {
    #[serde(default)]
    pub redact: Vec<String>,
}

/// When people answer: a time zone and opening hours per weekday.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SupportHours {
    /// IANA time zone such as `Europe/Berlin`, or `UTC`.
    pub time_zone: String,
    /// Weekday (`mon` … `sun`) → `"09:00-17:00"`; a day not listed is closed.
    pub weekly: BTreeMap<String, String>,
}

/// A promise about how fast a ticket gets a reply.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct UrgencyTier {
    pub id: String,
    pub label: Localized,
    /// Like `"4h"`, `"30m"` or `"2d"`.
    pub reply_within: String,
}

/// A banner shown in the widget between two instants.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Announcement {
    pub id: String,
    pub severity: AnnouncementSeverity,
    pub text: Localized,
    /// RFC 3339, like `2026-12-05T01:00:00Z`.
    pub starts: String,
    pub ends: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AnnouncementSeverity {
    Info,
    Warning,
    Critical,
}

/// Finds where a key is written, for diagnostics about values that parsed but make no sense.
struct Place<'a> {
    path: &'a Path,
    text: &'a str,
    offset: usize,
}

impl Place<'_> {
    fn of<'a>(path: &'a Path, text: &'a str, key: &str, nth: usize) -> Place<'a> {
        Place {
            path,
            text,
            offset: key_offset(text, key, nth),
        }
    }

    fn diag(&self, message: impl Into<String>) -> Diagnostic {
        Diagnostic::at_offset(self.path, self.text, self.offset, 1, message)
    }
}

/// The offset of the `nth` (0-based) line that starts with `key` (as `key =`, `[key]` or
/// `[[key]]`), or 0.
pub(crate) fn key_offset(text: &str, key: &str, nth: usize) -> usize {
    let mut offset = 0;
    let mut seen = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let bare = trimmed.trim_start_matches('[');
        let matches = bare
            .strip_prefix(key)
            .is_some_and(|rest| rest.trim_start().starts_with(['=', ']', '.']));
        if matches {
            if seen == nth {
                return offset + (line.len() - trimmed.len());
            }
            seen += 1;
        }
        offset += line.len();
    }
    0
}

impl SiteConfig {
    /// Parses and checks the text of a `site.toml` read from `path`. Every problem (errors and
    /// warnings) is pushed to `out`; the settings are returned unless there is an error.
    pub fn parse(path: &Path, text: &str, out: &mut Vec<Diagnostic>) -> Option<SiteConfig> {
        let mut site: SiteConfig = match toml::from_str(text) {
            Ok(site) => site,
            Err(e) => {
                out.push(Diagnostic::from_toml(path, text, 1, &e));
                return None;
            }
        };
        let before = out.iter().filter(|d| d.is_error()).count();
        site.load_identity_secret(path, text, out);
        site.check(path, text, out);
        (out.iter().filter(|d| d.is_error()).count() == before).then_some(site)
    }

    /// Reads the identity secret from the variable `[identity] secret_env` names; a site that
    /// names one that is unset or empty, or requires verification without a secret, is an error.
    fn load_identity_secret(&mut self, path: &Path, text: &str, out: &mut Vec<Diagnostic>) {
        let place = Place::of(path, text, "identity", 0);
        match &self.identity.secret_env {
            Some(name) => match std::env::var(name) {
                Ok(value) if !value.trim().is_empty() => {
                    self.identity.secret = IdentitySecret(Some(value.trim().as_bytes().to_vec()));
                }
                _ => out.push(
                    place
                        .diag(format!(
                            "`secret_env = \"{name}\"` names an environment variable that is not set"
                        ))
                        .with_hint(format!(
                            "set {name} to the secret the site signs customer ids with"
                        )),
                ),
            },
            None if self.identity.required => out.push(
                place
                    .diag("`required = true` needs `secret_env`, the variable holding the secret"),
            ),
            None => {}
        }
    }

    fn check(&self, path: &Path, text: &str, out: &mut Vec<Diagnostic>) {
        let at = |key: &str| Place::of(path, text, key, 0);
        if !is_identifier(&self.id) {
            out.push(at("id").diag(format!(
                "`id = \"{}\"` must be lowercase letters, digits and hyphens, like \"demo\"",
                self.id
            )));
        }
        if self.locales.is_empty() {
            out.push(at("locales").diag("`locales` must list at least one locale, like [\"en\"]"));
        }
        if let Some(bad) = self.locales.iter().find(|l| !is_identifier(l)) {
            out.push(at("locales").diag(format!(
                "locale \"{bad}\" must look like \"en\" or \"pt-br\""
            )));
        }
        if !self.locales.contains(&self.default_locale) {
            out.push(at("default_locale").diag(format!(
                "`default_locale = \"{}\"` must be one of `locales` ({})",
                self.default_locale,
                self.locales.join(", ")
            )));
            return;
        }
        if !is_hex_colour(&self.brand_color) {
            out.push(at("brand_color").diag(format!(
                "`brand_color = \"{}\"` must be a hex colour like \"#2557d6\"",
                self.brand_color
            )));
        }
        if !baton_core::api::is_plausible_email(&self.support_email) {
            out.push(at("support_email").diag(format!(
                "`support_email = \"{}\"` is not an email address",
                self.support_email
            )));
        }
        if let Some(bad) = self.allowed_origins.iter().find(|o| !is_origin(o)) {
            out.push(at("allowed_origins").diag(format!(
                "allowed origin \"{bad}\" must be scheme://host[:port] with no path or trailing slash, \
                 like \"https://www.example.com\""
            )));
        }
        self.greeting
            .check("`greeting`", self, &at("greeting"), out);
        if let Some(hours) = &self.support_hours {
            hours.check(&at("support_hours"), out);
        }
        for pattern in &self.privacy.redact {
            if let Err(e) = regex::Regex::new(pattern) {
                out.push(
                    at("redact")
                        .diag(format!(
                            "redact pattern \"{pattern}\" is not a regular expression"
                        ))
                        .with_hint(e.to_string()),
                );
            }
        }
        let retention = self.insights.retention_days;
        if !(1..=InsightsSettings::MAX_RETENTION_DAYS).contains(&retention) {
            out.push(at("retention_days").diag(format!(
                "`retention_days = {retention}` must be 1 to {} days",
                InsightsSettings::MAX_RETENTION_DAYS
            )));
        }
        if let Some(default) = &self.handoff.default_urgency
            && !self.urgency.iter().any(|t| &t.id == default)
        {
            out.push(at("default_urgency").diag(format!(
                "`default_urgency = \"{default}\"` is not the id of an [[urgency]] tier"
            )));
        }
        if let Some(after) = &self.handoff.follow_up_after
            && parse_duration(after).is_none()
        {
            out.push(
                at("follow_up_after")
                    .diag(format!("`follow_up_after = \"{after}\"` is not a duration"))
                    .with_hint("write a number and a unit: \"30m\", \"2h\" or \"1d\" (at most 1d)"),
            );
        }
        let mut ids = Vec::new();
        for (i, tier) in self.urgency.iter().enumerate() {
            let place = Place::of(path, text, "urgency", i);
            if !is_identifier(&tier.id) || ids.contains(&tier.id) {
                out.push(place.diag(format!(
                    "urgency id \"{}\" must be unique lowercase letters, digits and hyphens",
                    tier.id
                )));
            }
            ids.push(tier.id.clone());
            if parse_duration_minutes(&tier.reply_within).is_none() {
                out.push(
                    place
                        .diag(format!(
                            "`reply_within = \"{}\"` is not a duration",
                            tier.reply_within
                        ))
                        .with_hint("write a number and a unit: \"30m\", \"4h\" or \"2d\""),
                );
            }
            tier.label.check(
                &format!("the label of urgency '{}'", tier.id),
                self,
                &place,
                out,
            );
        }
        let mut ids = Vec::new();
        for (i, a) in self.announcements.iter().enumerate() {
            let place = Place::of(path, text, "announcements", i);
            if !is_identifier(&a.id) || ids.contains(&a.id) {
                out.push(place.diag(format!(
                    "announcement id \"{}\" must be unique lowercase letters, digits and hyphens",
                    a.id
                )));
            }
            ids.push(a.id.clone());
            a.text
                .check(&format!("announcement '{}'", a.id), self, &place, out);
            match (parse_instant(&a.starts), parse_instant(&a.ends)) {
                (Some(s), Some(e)) if s >= e => out.push(place.diag(format!(
                    "announcement '{}' ends ({}) before it starts ({})",
                    a.id, a.ends, a.starts
                ))),
                (Some(_), Some(_)) => {}
                _ => out.push(
                    place
                        .diag(format!(
                            "announcement '{}' has a start or end that is not a date and time",
                            a.id
                        ))
                        .with_hint(
                            "write RFC 3339 with a time zone, like \"2026-12-05T01:00:00Z\"",
                        ),
                ),
            }
        }
    }

    /// What the widget needs to draw itself, in the default locale.
    pub fn info(&self) -> SiteInfo {
        self.info_for(&self.default_locale)
    }

    /// What the widget needs to draw itself, with texts in `locale`, announcements as of now.
    pub fn info_for(&self, locale: &str) -> SiteInfo {
        self.info_at(locale, OffsetDateTime::now_utc())
    }

    /// What the widget needs to draw itself, with texts in `locale` and the announcements
    /// showing at `now`.
    pub fn info_at(&self, locale: &str, now: OffsetDateTime) -> SiteInfo {
        let announcements = self
            .active_announcements(now)
            .map(|a| api::Announcement {
                id: a.id.clone(),
                severity: match a.severity {
                    AnnouncementSeverity::Info => api::Severity::Info,
                    AnnouncementSeverity::Warning => api::Severity::Warning,
                    AnnouncementSeverity::Critical => api::Severity::Critical,
                },
                text: a.text.get(locale, &self.default_locale).to_owned(),
            })
            .filter(|a| !a.text.is_empty())
            .collect();
        let urgencies = if self.handoff.customer_chooses_urgency {
            self.urgency
                .iter()
                .map(|t| api::UrgencyChoice {
                    id: t.id.clone(),
                    label: t.label.get(locale, &self.default_locale).to_owned(),
                })
                .collect()
        } else {
            Vec::new()
        };
        SiteInfo {
            support: self.support_hours.as_ref().map(|h| h.now(now)),
            urgencies,
            follow_up: self.handoff.follow_up_after().is_some(),
            identity_required: self.identity.required,
            announcements,
            id: self.id.clone(),
            name: self.name.clone(),
            greeting: self.greeting.get(locale, &self.default_locale).to_owned(),
            brand_color: self.brand_color.clone(),
            default_locale: self.default_locale.clone(),
            locales: self.locales.clone(),
        }
    }

    /// The announcements showing at `now`.
    pub fn active_announcements(&self, now: OffsetDateTime) -> impl Iterator<Item = &Announcement> {
        self.announcements.iter().filter(move |a| {
            matches!((parse_instant(&a.starts), parse_instant(&a.ends)), (Some(s), Some(e)) if s <= now && now < e)
        })
    }

    /// The urgency tier of a handoff: the flow's priority when a tier has that id, else the
    /// customer's choice where the site allows it and the tier exists, else the default tier
    /// (`[handoff] default_urgency`, or the last, least urgent tier). `None` without tiers.
    pub fn urgency_tier(
        &self,
        flow_priority: Option<&str>,
        customer_choice: Option<&str>,
    ) -> Option<&UrgencyTier> {
        let find = |id: &str| self.urgency.iter().find(|t| t.id == id);
        flow_priority
            .and_then(find)
            .or_else(|| {
                customer_choice
                    .filter(|_| self.handoff.customer_chooses_urgency)
                    .and_then(find)
            })
            .or_else(|| self.handoff.default_urgency.as_deref().and_then(find))
            .or_else(|| self.urgency.last())
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

impl SupportHours {
    /// Whether support is open at `now` and, if not, when it opens next.
    pub fn now(&self, now: OffsetDateTime) -> api::SupportNow {
        let now = now
            .replace_second(0)
            .unwrap_or(now)
            .replace_nanosecond(0)
            .unwrap_or(now);
        match crate::sla::next_opening(now, self) {
            Some(at) if at == now => api::SupportNow {
                open: true,
                opens_at: None,
            },
            at => api::SupportNow {
                open: false,
                opens_at: at.and_then(|at| {
                    at.format(&time::format_description::well_known::Rfc3339)
                        .ok()
                }),
            },
        }
    }

    fn check(&self, at: &Place<'_>, out: &mut Vec<Diagnostic>) {
        let zone = &self.time_zone;
        let plausible_zone = zone == "UTC"
            || zone.split('/').count() >= 2
                && zone.split('/').all(|p| {
                    !p.is_empty()
                        && p.bytes()
                            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'+'))
                });
        if !plausible_zone || crate::sla::zone(zone).is_none() {
            out.push(
                at.diag(format!("`time_zone = \"{zone}\"` is not an IANA time zone"))
                    .with_hint("write it like \"Europe/Berlin\", \"America/New_York\" or \"UTC\""),
            );
        }
        const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        for (day, hours) in &self.weekly {
            if !DAYS.contains(&day.as_str()) {
                let mut d = at.diag(format!("`{day}` is not a weekday"));
                d = match crate::diagnostic::did_you_mean(day, DAYS) {
                    Some(best) => d.with_hint(format!("did you mean `{best}`?")),
                    None => d.with_hint("use mon, tue, wed, thu, fri, sat or sun"),
                };
                out.push(d);
            }
            if parse_hours(hours).is_none() {
                out.push(
                    at.diag(format!(
                        "support hours \"{hours}\" for {day} are not a time range"
                    ))
                    .with_hint("write them like \"09:00-17:30\" (24-hour clock, start before end)"),
                );
            }
        }
    }
}

/// `"09:00-17:30"` → minutes after midnight, start before end.
pub fn parse_hours(s: &str) -> Option<(u16, u16)> {
    let (a, b) = s.split_once('-')?;
    let minutes = |t: &str| -> Option<u16> {
        let (h, m) = t.trim().split_once(':')?;
        let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
        (h <= 24 && m < 60 && h * 60 + m <= 24 * 60).then_some(h * 60 + m)
    };
    let (start, end) = (minutes(a)?, minutes(b)?);
    (start < end).then_some((start, end))
}

/// `"30m"`, `"4h"`, `"2d"` → minutes.
pub fn parse_duration_minutes(s: &str) -> Option<u32> {
    let s = s.trim();
    let unit = s.chars().last()?;
    let n: u32 = s[..s.len() - unit.len_utf8()].parse().ok()?;
    let factor = match unit {
        'm' => 1,
        'h' => 60,
        'd' => 24 * 60,
        _ => return None,
    };
    if n == 0 { None } else { n.checked_mul(factor) }
}

/// `"30s"`, `"30m"`, `"2h"` or `"1d"` as a duration from one second to one day (drafts are
/// kept for a day, so a later follow-up could never be sent).
pub fn parse_duration(s: &str) -> Option<std::time::Duration> {
    let s = s.trim();
    let unit = s.chars().last()?;
    let n: u64 = s[..s.len() - unit.len_utf8()].parse().ok()?;
    let factor = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        _ => return None,
    };
    let seconds = n.checked_mul(factor)?;
    (1..=86_400)
        .contains(&seconds)
        .then(|| std::time::Duration::from_secs(seconds))
}

fn parse_instant(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339).ok()
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

    fn parse(text: &str) -> (Option<SiteConfig>, Vec<Diagnostic>) {
        let mut out = Vec::new();
        let site = SiteConfig::parse(Path::new("kb/site.toml"), text, &mut out);
        (site, out)
    }

    #[test]
    fn a_complete_site_file_loads() {
        let (site, out) = parse(GOOD);
        let site = site.expect("valid");
        assert!(out.is_empty(), "{out:?}");
        assert_eq!(site.id, "demo");
        assert_eq!(site.resolve_locale(Some("EN")), "en");
        assert_eq!(site.resolve_locale(Some("xx")), "en");
        assert_eq!(site.info().greeting, "Hi");
    }

    #[test]
    fn an_unknown_key_is_reported_with_its_line_column_and_a_suggestion() {
        let text = format!("{GOOD}brand_colour = \"red\"\n");
        let (site, out) = parse(&text);
        assert!(site.is_none());
        let shown = out[0].report();
        assert!(shown.starts_with("kb/site.toml:10:1: error: "), "{shown}");
        assert!(shown.contains("did you mean `brand_color`?"), "{shown}");
    }

    #[test]
    fn event_retention_defaults_to_90_days_and_must_be_1_to_3650() {
        let (site, _) = parse(GOOD);
        assert_eq!(site.expect("valid").insights.retention_days, 90);
        let (site, _) = parse(&format!("{GOOD}\n[insights]\nretention_days = 30\n"));
        assert_eq!(site.expect("valid").insights.retention_days, 30);
        for bad in ["0", "3651"] {
            let (site, out) = parse(&format!("{GOOD}\n[insights]\nretention_days = {bad}\n"));
            assert!(site.is_none());
            assert!(out[0].message.contains("retention_days"), "{out:?}");
        }
    }

    #[test]
    fn a_default_locale_outside_locales_is_refused_at_its_line() {
        let text = GOOD.replace("default_locale = \"en\"", "default_locale = \"fr\"");
        let (_, out) = parse(&text);
        assert!(out[0].message.contains("default_locale"), "{out:?}");
        assert_eq!(out[0].position, Some((6, 1)));
    }

    #[test]
    fn per_locale_texts_hours_tiers_and_announcements_are_checked() {
        let text = r##"
id = "demo"
name = "Demo"
brand_color = "#2557d6"
default_locale = "en"
locales = ["en", "de"]
support_email = "help@example.com"
greeting = { en = "Hi", fr = "Salut" }

[support_hours]
time_zone = "Berlin"
weekly = { mon = "09:00-17:00", tue = "17:00-09:00", sunday = "10:00-12:00" }

[[urgency]]
id = "urgent"
label = { en = "Urgent", de = "Dringend" }
reply_within = "soon"

[[announcements]]
id = "maintenance"
severity = "warning"
text = { en = "Down", de = "Weg" }
starts = "2026-12-05T03:00:00Z"
ends = "2026-12-05T01:00:00Z"
"##;
        let (site, out) = parse(text);
        assert!(site.is_none());
        let shown: Vec<String> = out.iter().map(Diagnostic::report).collect();
        let all = shown.join("\n");
        for needle in [
            "'fr', which is not in `locales`",
            "warning: `greeting` has no text for 'de'",
            "not an IANA time zone",
            "\"17:00-09:00\" for tue",
            "did you mean `sun`?",
            "`reply_within = \"soon\"`",
            "ends (2026-12-05T01:00:00Z) before it starts",
        ] {
            assert!(all.contains(needle), "{needle} missing in\n{all}");
        }
    }

    #[test]
    fn the_greeting_follows_the_locale() {
        let text = GOOD
            .replace(
                "greeting = \"Hi\"",
                "greeting = { en = \"Hi\", de = \"Hallo\" }",
            )
            .replace("locales = [\"en\"]", "locales = [\"en\", \"de\"]");
        let (site, out) = parse(&text);
        assert!(out.is_empty(), "{out:?}");
        let site = site.expect("valid");
        assert_eq!(site.info_for("de").greeting, "Hallo");
        assert_eq!(site.info_for("en").greeting, "Hi");
    }

    #[test]
    fn info_carries_the_announcements_showing_then_in_the_locale() {
        let text = GOOD.replace("locales = [\"en\"]", "locales = [\"en\", \"de\"]")
            + r#"
[[announcements]]
id = "past"
severity = "info"
text = "Over"
starts = "2026-01-01T00:00:00Z"
ends = "2026-02-01T00:00:00Z"

[[announcements]]
id = "now"
severity = "critical"
text = { en = "Down", de = "Weg" }
starts = "2026-03-01T00:00:00Z"
ends = "2026-03-02T00:00:00Z"
"#;
        let (site, _) = parse(&text);
        let site = site.expect("valid");
        let at = |instant: &str| OffsetDateTime::parse(instant, &Rfc3339).expect("instant");
        let info = site.info_at("de", at("2026-03-01T12:00:00Z"));
        assert_eq!(
            info.announcements,
            vec![api::Announcement {
                id: "now".into(),
                severity: api::Severity::Critical,
                text: "Weg".into(),
            }]
        );
        // `ends` is exclusive; nothing shows before the first start.
        assert!(
            site.info_at("en", at("2026-03-02T00:00:00Z"))
                .announcements
                .is_empty()
        );
        assert!(
            site.info_at("en", at("2025-12-31T00:00:00Z"))
                .announcements
                .is_empty()
        );
    }

    #[test]
    fn site_info_says_whether_support_is_open_and_when_it_opens() {
        let text = format!(
            "{GOOD}\n[support_hours]\ntime_zone = \"Europe/Berlin\"\n\
             weekly = {{ mon = \"08:00-20:00\", fri = \"08:00-20:00\" }}\n"
        );
        let (site, _) = parse(&text);
        let site = site.expect("valid");
        let at = |instant: &str| OffsetDateTime::parse(instant, &Rfc3339).expect("instant");
        // Friday 10:30:15 Berlin: open.
        let open = site.info_at("en", at("2026-11-27T09:30:15Z")).support;
        assert_eq!(
            open,
            Some(api::SupportNow {
                open: true,
                opens_at: None
            })
        );
        // Friday 21:00 Berlin: closed until Monday 08:00 CET.
        let closed = site.info_at("en", at("2026-11-27T20:00:00Z")).support;
        assert_eq!(
            closed,
            Some(api::SupportNow {
                open: false,
                opens_at: Some("2026-11-30T07:00:00Z".into())
            })
        );
    }

    #[test]
    fn durations_and_hours_parse() {
        assert_eq!(parse_duration_minutes("4h"), Some(240));
        assert_eq!(parse_duration_minutes("2d"), Some(2880));
        assert_eq!(parse_duration_minutes("0m"), None);
        assert_eq!(parse_hours("09:00-17:30"), Some((540, 1050)));
        assert_eq!(parse_hours("9-5"), None);
    }

    #[test]
    fn follow_up_after_is_a_duration_up_to_a_day_and_turns_on_drafts() {
        assert_eq!(
            parse_duration("2s"),
            Some(std::time::Duration::from_secs(2))
        );
        assert_eq!(
            parse_duration("30m"),
            Some(std::time::Duration::from_secs(1800))
        );
        assert_eq!(
            parse_duration("1d"),
            Some(std::time::Duration::from_secs(86_400))
        );
        for bad in ["0s", "2d", "30", "m", "soon"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
        let (site, out) = parse(&format!("{GOOD}\n[handoff]\nfollow_up_after = \"30m\"\n"));
        assert!(out.is_empty(), "{out:?}");
        assert!(site.expect("valid").info().follow_up);
        let (site, out) = parse(&format!("{GOOD}\n[handoff]\nfollow_up_after = \"later\"\n"));
        assert!(site.is_none());
        assert!(out[0].message.contains("follow_up_after"), "{out:?}");
        assert_eq!(out[0].position, Some((12, 1)));
    }
}
