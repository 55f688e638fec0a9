//! The follow-up job started by `baton serve` next to the outbox worker: a handoff form the
//! customer started (with a valid email) and never sent gets one "Still need help?" email,
//! `[handoff] follow_up_after` after they last typed, quoting what they wrote.
//!
//! Drafts are claimed with a lease (a claim is an attempt), so a crash mid-send leaves the
//! draft to be claimed again; the `Message-ID` comes from the draft, so a repeat is
//! recognisable. A sent follow-up deletes the draft; so does a sent handoff (in its own
//! transaction), failing `max_attempts` times, and a day after the draft was started. A
//! handoff sent while its follow-up is already being sent cannot stop that one email.

use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;

use super::DeliveryConfig;
use crate::knowledge::LiveKnowledge;
use crate::storage::{ClaimedDraft, Storage, unix_ms};

/// How long a draft is kept at most, in milliseconds: one day.
pub const DRAFT_LIFETIME_MS: i64 = 24 * 3600 * 1000;

/// Drafts claimed per turn.
const BATCH: i64 = 16;

/// Starts the job on the current runtime; it runs until the handle is aborted.
pub fn spawn(
    storage: Storage,
    knowledge: Arc<LiveKnowledge>,
    config: Arc<DeliveryConfig>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(e) = turn(&storage, &knowledge, &config).await {
                tracing::error!(error = %e, "cannot follow up unfinished handoffs");
            }
            tokio::time::sleep(config.follow_up_interval).await;
        }
    })
}

/// One pass: forget old drafts, then send every due follow-up.
pub async fn turn(
    storage: &Storage,
    knowledge: &LiveKnowledge,
    config: &DeliveryConfig,
) -> Result<(), crate::storage::StorageError> {
    let now = unix_ms(OffsetDateTime::now_utc());
    storage.expire_drafts(now - DRAFT_LIFETIME_MS).await?;
    let current = knowledge.current();
    let site = &current.library.site;
    let (Some(after), Some(smtp)) = (site.handoff.follow_up_after(), &config.smtp) else {
        return Ok(());
    };
    let after_ms = i64::try_from(after.as_millis()).unwrap_or(i64::MAX);
    let lease_ms = i64::try_from(config.lease.as_millis()).unwrap_or(i64::MAX);
    loop {
        let claimed = storage
            .claim_due_drafts(now, now - after_ms, lease_ms, BATCH)
            .await?;
        if claimed.is_empty() {
            return Ok(());
        }
        for draft in claimed {
            let sent = if draft.site == site.id {
                send(
                    smtp,
                    &site.name,
                    &site.support_email,
                    &draft,
                    config.timeout,
                )
                .await
            } else {
                Err(format!("the site '{}' is no longer served", draft.site))
            };
            match sent {
                Ok(()) => {
                    tracing::info!(draft = %draft.id, "unfinished handoff followed up");
                    storage.delete_draft(&draft.id).await?;
                }
                Err(error) => match config.retry_delay(draft.attempt) {
                    Some(wait) if draft.site == site.id => {
                        tracing::warn!(draft = %draft.id, attempt = draft.attempt, %error, "follow-up failed");
                        let retry = unix_ms(OffsetDateTime::now_utc() + wait);
                        storage.retry_draft_at(&draft.id, retry).await?;
                    }
                    _ => {
                        tracing::warn!(draft = %draft.id, %error, "follow-up given up");
                        storage.delete_draft(&draft.id).await?;
                    }
                },
            }
        }
    }
}

async fn send(
    smtp: &super::email::SmtpConfig,
    site_name: &str,
    support_email: &str,
    draft: &ClaimedDraft,
    timeout: Duration,
) -> Result<(), String> {
    let email = super::email::follow_up(smtp, site_name, support_email, draft)?;
    super::email::send_message(smtp, email, timeout).await
}
