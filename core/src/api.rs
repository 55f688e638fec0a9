//! The JSON wire types of Baton's HTTP API, version 1 (`/api/v1/...`).
//!
//! The server serializes these and the widget deserializes them (and the other way round for
//! requests), so both sides always agree. Field names are part of the public API: changing one
//! is a breaking change that shows up in the wire-format tests.

use serde::{Deserialize, Serialize};

use std::collections::BTreeMap;

use crate::flow::{Flow, RecordedAnswer};
use crate::reference::TicketRef;
use crate::transcript::Transcript;

/// Longest name accepted in a handoff, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// Longest email address accepted (RFC 5321 path limit).
pub const MAX_EMAIL_CHARS: usize = 254;
/// Longest customer message accepted, in characters.
pub const MAX_MESSAGE_CHARS: usize = 10_000;
/// Longest search query the server looks at, in characters; the rest is ignored.
pub const MAX_QUERY_CHARS: usize = 200;

/// `GET /api/v1/site`: what the widget needs to draw itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteInfo {
    pub id: String,
    pub name: String,
    pub greeting: String,
    /// CSS colour such as `#2557d6`.
    pub brand_color: String,
    pub default_locale: String,
    pub locales: Vec<String>,
    /// The announcements showing now, with texts in the requested locale, in `site.toml` order.
    #[serde(default)]
    pub announcements: Vec<Announcement>,
    /// The urgency tiers the customer may choose from in the handoff form, most urgent first;
    /// empty unless the site sets `customer_chooses_urgency`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub urgencies: Vec<UrgencyChoice>,
    /// Whether the widget should save a draft of the handoff form (`POST
    /// /api/v1/handoff-drafts`) so that an unfinished one is followed up by email.
    #[serde(default, skip_serializing_if = "is_false")]
    pub follow_up: bool,
    /// Whether people answer now; absent when the site sets no support hours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub support: Option<SupportNow>,
    /// Whether handoffs need a verified identity (`[identity] required`): the widget asks the
    /// customer to sign in on the site instead of showing a form the server would refuse.
    #[serde(default, skip_serializing_if = "is_false")]
    pub identity_required: bool,
}

/// The site's support hours as of the request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupportNow {
    /// Whether support is open at this moment.
    pub open: bool,
    /// When support opens next (RFC 3339 UTC), when it is closed; absent when open or when
    /// no day is open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opens_at: Option<String>,
}

/// An urgency tier offered in the handoff form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UrgencyChoice {
    /// The tier id sent back as the handoff's `urgency`.
    pub id: String,
    /// The tier's label in the requested locale.
    pub label: String,
}

/// A banner the widget shows at the top of the panel while it is active.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Announcement {
    /// Stable id from `site.toml`; the widget remembers dismissals by it.
    pub id: String,
    pub severity: Severity,
    pub text: String,
}

/// How urgent an announcement is: `info` and `warning` are announced politely
/// (`role="status"`), `critical` at once (`role="alert"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

/// A piece of a snippet: plain text, highlighted where it matched the query.
///
/// Snippets are structured so that no HTML from content ever reaches the widget's DOM.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fragment {
    pub text: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub highlight: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// One search result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchHit {
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub category: String,
    pub snippet: Vec<Fragment>,
}

/// `GET /api/v1/search?q=&locale=&limit=`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchResponse {
    /// The query as the server understood it (trimmed and truncated).
    pub query: String,
    /// How many articles matched in all (more than `hits` holds when limited).
    pub total: u64,
    pub hits: Vec<SearchHit>,
    /// How many matching articles each category has, most first (ignoring the `category`
    /// filter, so the widget can offer the others).
    #[serde(default)]
    pub facets: Vec<CategoryCount>,
    /// "Did you mean": a corrected query, when this one found nothing and a correction exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<String>,
    /// Guided flows that match the query (title, description, tags), best first; the widget
    /// shows them as "Guided fix: …" above the articles.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flows: Vec<FlowHit>,
}

/// A guided flow offered in search results or on a page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowHit {
    /// The flow id, for `GET /api/v1/flows/{id}`.
    pub id: String,
    pub title: String,
    pub description: String,
}

/// A category and how many search results it has.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryCount {
    pub category: String,
    pub count: u64,
}

/// `GET /api/v1/suggestions?page_url=&locale=`: articles to offer on a page before the
/// customer types anything.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageSuggestions {
    /// The path the suggestions are for (the `page_url` without origin, query or fragment).
    pub path: String,
    pub articles: Vec<SuggestedArticle>,
    /// Guided flows whose `page_urls` match the page, most specific first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flows: Vec<FlowHit>,
}

/// An article suggested for a page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuggestedArticle {
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub category: String,
    pub reason: SuggestionReason,
}

/// Why an article is suggested.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SuggestionReason {
    /// One of the article's `page_urls` patterns matches the page.
    PageMatch,
    /// Filler when few articles match: among the most read articles of the locale.
    MostViewed,
    /// Filler in the site's editorial order (category, then title) after the most viewed.
    Editorial,
}

/// `GET /api/v1/articles/{slug}`: an article ready to show.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Article {
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub category: String,
    /// Sanitized HTML rendered from the article's Markdown on the server.
    pub html: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated: Option<String>,
    /// The id of a guided flow the article offers ("Guided fix").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow: Option<String>,
}

/// `POST /api/v1/handoffs`: the customer asks for a person. Sent with an `Idempotency-Key`
/// header so that a retry never creates a second ticket.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoffRequest {
    /// The site id from the embedding script tag (`data-site`).
    pub site: String,
    pub name: String,
    pub email: String,
    pub message: String,
    #[serde(default)]
    pub transcript: Transcript,
    /// What the host page passed to `Baton.identify`; the server keeps it in the transcript
    /// (see [`Identity::from_host`](crate::transcript::Identity::from_host)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<serde_json::Value>,
    /// What the host page passed to `Baton.setContext`; the server keeps it in the transcript
    /// (see [`host_context`](crate::transcript::host_context)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<serde_json::Value>,
    /// The urgency tier id the customer chose, where the site lets customers choose.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urgency: Option<String>,
    /// The id of the form's saved draft (`POST /api/v1/handoff-drafts`): the handoff deletes
    /// it, so no "Still need help?" email follows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draft_id: Option<String>,
}

/// The answer to a stored handoff.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoffResponse {
    /// What the customer quotes when they write again.
    pub reference: TicketRef,
    /// When the ticket was stored, RFC 3339 in UTC.
    pub created_at: String,
    /// The urgency tier the promise is from (a tier id of the site), if the site has tiers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urgency: Option<String>,
    /// The promised reply time, RFC 3339 in UTC: the tier's reply time counted in the site's
    /// support hours only. Absent when the site makes no promise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_by: Option<String>,
    /// The secret that lets this customer read and continue the conversation (`Authorization:
    /// Bearer <token>` on `/api/v1/conversations/{reference}`). The same on a replay.
    pub conversation_token: String,
}

/// Longest message a customer may add to a conversation, in characters (as a handoff message).
pub const MAX_CONVERSATION_MESSAGE_CHARS: usize = MAX_MESSAGE_CHARS;

/// `GET /api/v1/conversations/{reference}`: the ticket as its customer sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conversation {
    pub reference: TicketRef,
    /// `open`, `pending` or `solved`.
    pub status: String,
    /// RFC 3339 UTC.
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urgency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_by: Option<String>,
    /// The handoff's message first (id 0), then the customer's and agents' messages in the
    /// order they were written. Internal notes are never listed.
    pub messages: Vec<ConversationMessage>,
    /// Whether the ticket is solved and its customer has not answered "Was your issue
    /// resolved?" since it was solved.
    #[serde(default)]
    pub satisfaction_due: bool,
    /// The customer's latest satisfaction answer, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub satisfaction: Option<SatisfactionAnswer>,
    /// Where the event stream (`GET …/events?last=`) resumes to hear only what came after
    /// this answer.
    #[serde(default)]
    pub events_cursor: String,
}

/// Longest satisfaction comment, in characters.
pub const MAX_SATISFACTION_COMMENT_CHARS: usize = 2_000;

/// `POST /api/v1/conversations/{reference}/satisfaction`: "Was your issue resolved?" after the
/// ticket was solved. `resolved: false` reopens the ticket.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SatisfactionRequest {
    pub resolved: bool,
    /// 1 (poor) to 5 (great).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

impl SatisfactionRequest {
    /// A rating is 1 to 5; a comment at most [`MAX_SATISFACTION_COMMENT_CHARS`] characters
    /// (whitespace around it not counted; an empty one is no comment).
    pub fn validate(&self) -> Result<(), FieldError> {
        if self.rating.is_some_and(|r| !(1..=5).contains(&r)) {
            return Err(FieldError {
                field: "rating".into(),
                message: "A rating is a whole number from 1 to 5.".into(),
            });
        }
        let comment = self.comment.as_deref().unwrap_or_default().trim();
        if comment.chars().count() > MAX_SATISFACTION_COMMENT_CHARS {
            return Err(FieldError {
                field: "comment".into(),
                message: format!(
                    "A comment can be at most {MAX_SATISFACTION_COMMENT_CHARS} characters."
                ),
            });
        }
        Ok(())
    }
}

/// A stored satisfaction answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SatisfactionAnswer {
    pub resolved: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// RFC 3339 UTC.
    pub created_at: String,
}

/// The answer to a satisfaction answer or a reopen: the ticket's status after it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationStatus {
    /// `open`, `pending` or `solved`.
    pub status: String,
}

/// `GET /api/v1/conversations?site=…` with a verified identity: the customer's conversations.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationList {
    /// Newest first.
    pub conversations: Vec<ConversationSummary>,
}

/// One conversation of a verified customer, with the token that opens it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationSummary {
    pub reference: TicketRef,
    /// `open`, `pending` or `solved`.
    pub status: String,
    /// RFC 3339 UTC.
    pub created_at: String,
    /// When the last customer or agent message was written (the handoff if none), RFC 3339.
    pub last_message_at: String,
    /// Opens the conversation, as `Authorization: Bearer …`.
    pub conversation_token: String,
}

/// One message of a conversation. Bodies are plain text, never HTML.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationMessage {
    /// 0 for the handoff's own message, else the stored message's id (increasing).
    pub id: i64,
    /// `customer` or `agent`.
    pub author: String,
    pub body: String,
    /// RFC 3339 UTC.
    pub created_at: String,
}

/// `POST /api/v1/conversations/{reference}/messages`: the customer adds to their ticket.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewMessageRequest {
    pub body: String,
}

impl NewMessageRequest {
    /// A message is 1 to [`MAX_CONVERSATION_MESSAGE_CHARS`] characters, not counting the
    /// whitespace around it.
    pub fn validate(&self) -> Result<(), FieldError> {
        let body = self.body.trim();
        let message = if body.is_empty() {
            "Please write a message.".to_owned()
        } else if body.chars().count() > MAX_CONVERSATION_MESSAGE_CHARS {
            format!("A message can be at most {MAX_CONVERSATION_MESSAGE_CHARS} characters.")
        } else {
            return Ok(());
        };
        Err(FieldError {
            field: "body".into(),
            message,
        })
    }
}

/// `POST /api/v1/handoff-drafts`: what the customer has typed so far in the handoff form,
/// saved once the email is valid, so that an unfinished form is followed up.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftRequest {
    pub site: String,
    /// The id an earlier save answered; absent the first time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draft_id: Option<String>,
    #[serde(default)]
    pub name: String,
    pub email: String,
    #[serde(default)]
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
}

impl DraftRequest {
    /// The email must be plausible; name and message may be empty but not over the handoff's
    /// limits.
    pub fn validate(&self) -> Result<(), FieldError> {
        let err = |field: &str, message: String| {
            Err(FieldError {
                field: field.to_owned(),
                message,
            })
        };
        if !is_plausible_email(self.email.trim()) {
            return err(
                "email",
                "Please enter a valid email address, like name@example.com.".into(),
            );
        }
        if self.name.trim().chars().count() > MAX_NAME_CHARS {
            return err(
                "name",
                format!("A name can be at most {MAX_NAME_CHARS} characters."),
            );
        }
        if self.message.trim().chars().count() > MAX_MESSAGE_CHARS {
            return err(
                "message",
                format!("A message can be at most {MAX_MESSAGE_CHARS} characters."),
            );
        }
        if self
            .draft_id
            .as_ref()
            .is_some_and(|id| id.is_empty() || id.len() > 64)
        {
            return err("draft_id", "This draft id is not one Baton gave.".into());
        }
        Ok(())
    }
}

/// The answer to a saved draft.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftResponse {
    /// Send it with the next save and with the handoff.
    pub draft_id: String,
}

/// A field of a request that is not acceptable, and why, in words for the customer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl HandoffRequest {
    /// Checks the fields a customer fills in. The widget runs the same check before sending,
    /// and the server runs it again before storing anything.
    pub fn validate(&self) -> Result<(), FieldError> {
        let err = |field: &str, message: String| {
            Err(FieldError {
                field: field.to_owned(),
                message,
            })
        };
        let name = self.name.trim();
        if name.is_empty() {
            return err("name", "Please tell us your name.".into());
        }
        if name.chars().count() > MAX_NAME_CHARS {
            return err(
                "name",
                format!("A name can be at most {MAX_NAME_CHARS} characters."),
            );
        }
        if !is_plausible_email(self.email.trim()) {
            return err(
                "email",
                "Please enter a valid email address, like name@example.com.".into(),
            );
        }
        let message = self.message.trim();
        if message.is_empty() {
            return err("message", "Please describe what you need help with.".into());
        }
        if message.chars().count() > MAX_MESSAGE_CHARS {
            return err(
                "message",
                format!("A message can be at most {MAX_MESSAGE_CHARS} characters."),
            );
        }
        if let Some(urgency) = &self.urgency
            && (urgency.is_empty() || urgency.len() > 64)
        {
            return err(
                "urgency",
                "Please choose one of the offered urgencies.".into(),
            );
        }
        if self
            .draft_id
            .as_ref()
            .is_some_and(|id| id.is_empty() || id.len() > 64)
        {
            return err("draft_id", "This draft id is not one Baton gave.".into());
        }
        if let Err(message) = self.transcript.check_limits() {
            return err("transcript", message);
        }
        Ok(())
    }
}

/// A deliberately simple address check: one `@`, a non-empty local part, a domain with a dot,
/// no spaces, control characters or specials (`<>()[]\,;:"`), at most [`MAX_EMAIL_CHARS`].
/// Delivery is the real test.
pub fn is_plausible_email(email: &str) -> bool {
    if email.is_empty() || email.chars().count() > MAX_EMAIL_CHARS {
        return false;
    }
    // Whitespace, controls and the RFC 5322 specials never appear unquoted in an address; they
    // are how header injection and markup would sneak in.
    if email
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || "<>()[]\\,;:\"".contains(c))
    {
        return false;
    }
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
}

/// `GET /api/v1/flows/{id}?locale=`: a guided flow for the widget to run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FlowDocument {
    /// The locale the flow is in (the requested one, or the default when it has no version).
    pub locale: String,
    pub flow: Flow,
    /// The nodes' Markdown texts rendered to sanitized HTML on the server, by node id.
    #[serde(default)]
    pub html: BTreeMap<String, String>,
}

/// The path a customer took through a flow, for the server to
/// [`replay`](crate::flow::replay) against the published flow before trusting it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowPath {
    pub flow_id: String,
    /// What the host page set with `Baton.setContext`.
    #[serde(default)]
    pub context: BTreeMap<String, String>,
    pub answers: Vec<RecordedAnswer>,
}

/// Longest survey comment accepted, in characters.
pub const MAX_COMMENT_CHARS: usize = 2_000;

/// `POST /api/v1/surveys`: "Did this solve your problem?" after a flow ended `resolved`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyRequest {
    /// The site id from the embedding script tag (`data-site`).
    pub site: String,
    /// The locale the flow ran in (the widget's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    pub solved: bool,
    /// Satisfaction from 1 to 5, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<u8>,
    #[serde(default)]
    pub comment: String,
    /// The run the survey is about.
    pub flow: FlowPath,
}

impl SurveyRequest {
    /// Checks what the customer filled in; the server checks the flow path by replaying it.
    pub fn validate(&self) -> Result<(), FieldError> {
        if self.rating.is_some_and(|r| !(1..=5).contains(&r)) {
            return Err(FieldError {
                field: "rating".into(),
                message: "A rating is a number from 1 to 5.".into(),
            });
        }
        if self.comment.trim().chars().count() > MAX_COMMENT_CHARS {
            return Err(FieldError {
                field: "comment".into(),
                message: format!("A comment can be at most {MAX_COMMENT_CHARS} characters."),
            });
        }
        Ok(())
    }
}

/// The answer to a stored survey.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyResponse {
    /// When the survey was stored, RFC 3339 in UTC.
    pub created_at: String,
}

/// The body of every error answer: `{ "error": { "code": "...", "message": "..." } }`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// A stable machine-readable `code` and a message for people.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn request() -> HandoffRequest {
        HandoffRequest {
            site: "demo".into(),
            name: "Ada".into(),
            email: "ada@example.com".into(),
            message: "My hub blinks red.".into(),
            ..HandoffRequest::default()
        }
    }

    #[test]
    fn a_complete_handoff_is_valid() {
        assert_eq!(request().validate(), Ok(()));
    }

    #[test]
    fn each_missing_or_bad_field_is_named() {
        let field = |r: HandoffRequest| r.validate().map_err(|e| e.field);
        assert_eq!(
            field(HandoffRequest {
                name: "  ".into(),
                ..request()
            }),
            Err("name".into())
        );
        assert_eq!(
            field(HandoffRequest {
                email: "ada".into(),
                ..request()
            }),
            Err("email".into())
        );
        assert_eq!(
            field(HandoffRequest {
                message: "".into(),
                ..request()
            }),
            Err("message".into())
        );
        let long = "x".repeat(MAX_MESSAGE_CHARS + 1);
        assert_eq!(
            field(HandoffRequest {
                message: long,
                ..request()
            }),
            Err("message".into())
        );
    }

    #[test]
    fn conversation_messages_and_drafts_are_checked_like_handoffs() {
        let message = |body: &str| NewMessageRequest { body: body.into() }.validate();
        assert_eq!(message(" more details "), Ok(()));
        assert_eq!(message("  ").map_err(|e| e.field), Err("body".into()));
        let long = "ü".repeat(MAX_CONVERSATION_MESSAGE_CHARS + 1);
        assert_eq!(message(&long).map_err(|e| e.field), Err("body".into()));
        let draft = DraftRequest {
            site: "demo".into(),
            email: "ada@example.com".into(),
            ..DraftRequest::default()
        };
        assert_eq!(draft.validate(), Ok(()));
        let field = |d: DraftRequest| d.validate().map_err(|e| e.field);
        assert_eq!(
            field(DraftRequest {
                email: "ada".into(),
                ..draft.clone()
            }),
            Err("email".into())
        );
        assert_eq!(
            field(DraftRequest {
                draft_id: Some("x".repeat(65)),
                ..draft
            }),
            Err("draft_id".into())
        );
    }

    #[test]
    fn email_check_accepts_real_addresses_and_rejects_junk() {
        for ok in ["a@b.co", "first.last+tag@sub.example.org"] {
            assert!(is_plausible_email(ok), "{ok}");
        }
        for bad in [
            "",
            "a",
            "a@b",
            "@b.co",
            "a@b..co",
            "a b@c.co",
            "a@b.co.",
            "a@@b.co",
            "<script>@b.co",
            "a@b.co>",
            "a,b@c.co",
            "\"a\"@b.co",
        ] {
            assert!(!is_plausible_email(bad), "{bad}");
        }
    }

    #[test]
    fn snippet_fragments_omit_highlight_when_false() {
        let plain = Fragment {
            text: "hub".into(),
            highlight: false,
        };
        let hit = Fragment {
            text: "reset".into(),
            highlight: true,
        };
        assert_eq!(
            serde_json::to_string(&plain).expect("json"),
            r#"{"text":"hub"}"#
        );
        assert_eq!(
            serde_json::to_string(&hit).expect("json"),
            r#"{"text":"reset","highlight":true}"#
        );
    }
}
