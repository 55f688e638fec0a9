//! The outbox worker: delivers every outbox row written with a ticket, as an email to the
//! site's support address (SMTP, [`email`]) or a signed webhook ([`webhook`]).
//!
//! Rows are claimed with a lease, so a worker that dies (kill -9, power loss) leaves them to be
//! claimed again once the lease runs out. Delivery is at least once; every row carries a stable
//! id (the email's `Message-ID`, the webhook's `Baton-Delivery`), so receivers see each ticket
//! exactly once by dropping repeats. Failures wait with exponential backoff and jitter; after
//! `max_attempts` a row is dead, listed by `baton outbox list --state dead`, and
//! `baton outbox retry ID` brings it back.

pub mod email;
pub mod follow_up;
pub mod render;
pub mod reply;
pub mod webhook;

use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;
use tokio::task::JoinSet;

use crate::storage::{ClaimedDelivery, DeliveryKind, Storage};

/// How `baton serve` delivers tickets. Built from its flags and environment.
#[derive(Clone, Debug)]
pub struct DeliveryConfig {
    /// Where emails go out; `None` sends no email.
    pub smtp: Option<email::SmtpConfig>,
    /// URLs that receive every ticket as a signed JSON POST.
    pub webhooks: Vec<String>,
    /// The HMAC-SHA256 key of the `Baton-Signature` header (required with webhooks).
    pub webhook_secret: Option<String>,
    /// Attempts before a row is dead.
    pub max_attempts: u32,
    /// The wait after the first failure; doubled after each one, up to `backoff_max`.
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// How long a claimed row belongs to its worker; more than `timeout`.
    pub lease: Duration,
    /// How often the worker looks for due rows when idle.
    pub poll: Duration,
    /// Longest one SMTP or HTTP attempt may take.
    pub timeout: Duration,
    /// How often the follow-up job looks for unfinished handoff forms ([`follow_up`]).
    pub follow_up_interval: Duration,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        DeliveryConfig {
            smtp: None,
            webhooks: Vec::new(),
            webhook_secret: None,
            max_attempts: 15,
            backoff_base: Duration::from_secs(10),
            backoff_max: Duration::from_secs(3600),
            lease: Duration::from_secs(60),
            poll: Duration::from_millis(500),
            timeout: Duration::from_secs(20),
            follow_up_interval: Duration::from_secs(60),
        }
    }
}

impl DeliveryConfig {
    /// The outbox rows a new ticket gets: an email to `support_email` when SMTP is set up, and
    /// one row per webhook URL.
    pub fn deliveries_for(&self, support_email: &str) -> Vec<(DeliveryKind, String)> {
        let mut rows = Vec::new();
        if self.smtp.is_some() {
            rows.push((DeliveryKind::Email, support_email.to_owned()));
        }
        for url in &self.webhooks {
            rows.push((DeliveryKind::Webhook, url.clone()));
        }
        rows
    }

    /// When to try again after failed attempt number `attempt` (from 1): `base · 2^(attempt-1)`,
    /// at most `backoff_max`, times a random factor in [0.5, 1.0] (so many rows failing together
    /// do not retry together). `None` once `max_attempts` is reached.
    pub fn retry_delay(&self, attempt: i64) -> Option<Duration> {
        if attempt >= i64::from(self.max_attempts) {
            return None;
        }
        let exponent = u32::try_from(attempt.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
        let full = self
            .backoff_base
            .saturating_mul(2u32.saturating_pow(exponent))
            .min(self.backoff_max);
        let jitter: f64 = rand::random_range(0.5..=1.0);
        Some(full.mul_f64(jitter))
    }
}

/// Rows claimed per turn.
const BATCH: i64 = 16;

/// Starts the worker on the current runtime. It runs until the handle is aborted; aborting
/// mid-delivery is safe (the lease runs out and the row is delivered again, with the same id).
pub fn spawn(storage: Storage, config: Arc<DeliveryConfig>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        if config.smtp.is_none() && config.webhooks.is_empty() {
            tracing::info!("no SMTP server or webhook configured: tickets are stored only");
        }
        loop {
            let claimed = match storage
                .claim_deliveries(
                    OffsetDateTime::now_utc(),
                    i64::try_from(config.lease.as_millis()).unwrap_or(i64::MAX),
                    BATCH,
                )
                .await
            {
                Ok(claimed) => claimed,
                Err(e) => {
                    tracing::error!(error = %e, "cannot read the outbox");
                    tokio::time::sleep(config.poll).await;
                    continue;
                }
            };
            if claimed.is_empty() {
                tokio::time::sleep(config.poll).await;
                continue;
            }
            let mut running = JoinSet::new();
            for delivery in claimed {
                let storage = storage.clone();
                let config = Arc::clone(&config);
                running.spawn(async move { deliver_one(&storage, &config, delivery).await });
            }
            while running.join_next().await.is_some() {}
        }
    })
}

/// One attempt at one row, recorded either way.
pub async fn deliver_one(storage: &Storage, config: &DeliveryConfig, delivery: ClaimedDelivery) {
    let started = OffsetDateTime::now_utc();
    let result = match delivery.kind {
        DeliveryKind::Email => match &config.smtp {
            Some(smtp) => email::send(smtp, &delivery, config.timeout).await,
            None => Err("no SMTP server is configured (--smtp-host)".to_owned()),
        },
        DeliveryKind::Webhook => match &config.webhook_secret {
            Some(secret) => webhook::send(&delivery, secret, config.timeout).await,
            None => Err("no webhook secret is configured (--webhook-secret)".to_owned()),
        },
    };
    let dead = result.is_err() && delivery.attempt >= i64::from(config.max_attempts);
    crate::telemetry::delivery_attempt(delivery.kind.as_str(), result.is_ok(), dead);
    let recorded = match &result {
        Ok(()) => {
            tracing::info!(
                reference = %delivery.ticket.reference,
                kind = delivery.kind.as_str(),
                delivery_id = %delivery.delivery_id,
                attempt = delivery.attempt,
                "delivered"
            );
            storage
                .record_delivered(&delivery, started, OffsetDateTime::now_utc())
                .await
        }
        Err(error) => {
            let retry = config.retry_delay(delivery.attempt);
            tracing::warn!(
                reference = %delivery.ticket.reference,
                kind = delivery.kind.as_str(),
                delivery_id = %delivery.delivery_id,
                attempt = delivery.attempt,
                error = %error,
                retry_in_ms = retry.map(|d| d.as_millis()),
                "delivery failed"
            );
            let retry_at = retry.map(|d| OffsetDateTime::now_utc() + d);
            storage
                .record_failed(&delivery, started, error, retry_at)
                .await
        }
    };
    if let Err(e) = recorded {
        // The lease runs out and the row is tried again: nothing is lost.
        tracing::error!(error = %e, delivery_id = %delivery.delivery_id, "cannot record a delivery attempt");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_stops_at_the_limit() {
        let config = DeliveryConfig {
            max_attempts: 5,
            backoff_base: Duration::from_secs(10),
            backoff_max: Duration::from_secs(60),
            ..DeliveryConfig::default()
        };
        for _ in 0..100 {
            let first = config.retry_delay(1).expect("retries");
            assert!((5_000..=10_000).contains(&first.as_millis()), "{first:?}");
            let third = config.retry_delay(3).expect("retries");
            assert!((20_000..=40_000).contains(&third.as_millis()), "{third:?}");
            let capped = config.retry_delay(4).expect("retries");
            assert!(capped <= Duration::from_secs(60));
        }
        assert_eq!(config.retry_delay(5), None);
    }
}
