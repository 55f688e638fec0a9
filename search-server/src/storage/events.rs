//! Widget events for the insights reports: batches stored in one transaction, and the
//! retention purge. What each kind carries is checked before it gets here (`http::events`).

use std::time::Duration;

use time::OffsetDateTime;

use super::{Storage, StorageError, unix_ms};

/// What happened in the widget.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventKind {
    WidgetOpened,
    Search,
    ResultClicked,
    ArticleViewed,
    Vote,
    FlowStarted,
    FlowStep,
    FlowOutcome,
    FlowAbandoned,
    HandoffStarted,
    HandoffAbandoned,
    HandoffSubmitted,
    SurveyAnswered,
}

impl EventKind {
    /// Every kind, in the order of the documentation.
    pub const ALL: [EventKind; 13] = [
        EventKind::WidgetOpened,
        EventKind::Search,
        EventKind::ResultClicked,
        EventKind::ArticleViewed,
        EventKind::Vote,
        EventKind::FlowStarted,
        EventKind::FlowStep,
        EventKind::FlowOutcome,
        EventKind::FlowAbandoned,
        EventKind::HandoffStarted,
        EventKind::HandoffAbandoned,
        EventKind::HandoffSubmitted,
        EventKind::SurveyAnswered,
    ];

    /// The name on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::WidgetOpened => "widget_opened",
            EventKind::Search => "search",
            EventKind::ResultClicked => "result_clicked",
            EventKind::ArticleViewed => "article_viewed",
            EventKind::Vote => "vote",
            EventKind::FlowStarted => "flow_started",
            EventKind::FlowStep => "flow_step",
            EventKind::FlowOutcome => "flow_outcome",
            EventKind::FlowAbandoned => "flow_abandoned",
            EventKind::HandoffStarted => "handoff_started",
            EventKind::HandoffAbandoned => "handoff_abandoned",
            EventKind::HandoffSubmitted => "handoff_submitted",
            EventKind::SurveyAnswered => "survey_answered",
        }
    }

    pub fn parse(name: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// One checked event. Fields the kind does not use are `None`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewEvent {
    pub kind: EventKind,
    /// Unix ms, already clamped to the server's clock.
    pub at_ms: i64,
    pub query: Option<String>,
    pub result_count: Option<i64>,
    pub position: Option<i64>,
    pub slug: Option<String>,
    pub seconds: Option<i64>,
    pub helpful: Option<bool>,
    pub flow_id: Option<String>,
    pub step: Option<String>,
    pub outcome: Option<String>,
    pub reference: Option<String>,
    pub rating: Option<i64>,
    pub solved: Option<bool>,
}

impl NewEvent {
    /// An event of `kind` at `at_ms` with no fields set.
    pub fn new(kind: EventKind, at_ms: i64) -> NewEvent {
        NewEvent {
            kind,
            at_ms,
            query: None,
            result_count: None,
            position: None,
            slug: None,
            seconds: None,
            helpful: None,
            flow_id: None,
            step: None,
            outcome: None,
            reference: None,
            rating: None,
            solved: None,
        }
    }
}

/// The events of one page load's batch.
#[derive(Clone, Copy, Debug)]
pub struct EventBatch<'a> {
    pub site: &'a str,
    pub session_id: &'a str,
    pub locale: &'a str,
    pub events: &'a [NewEvent],
}

/// `YYYY-MM-DD` (UTC) of a Unix ms instant.
pub fn day_of(at_ms: i64) -> String {
    let at = OffsetDateTime::from_unix_timestamp_nanos(i128::from(at_ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let date = at.date();
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

impl Storage {
    /// Stores the batches in one transaction, received at `now`.
    pub async fn store_events(
        &self,
        batches: &[EventBatch<'_>],
        now: OffsetDateTime,
    ) -> Result<(), StorageError> {
        let received = unix_ms(now);
        let mut tx = self.pool.begin().await?;
        for batch in batches {
            for e in batch.events {
                sqlx::query(
                    "INSERT INTO events (site, session_id, kind, locale, at_ms, day, received_ms, \
                     query, result_count, position, slug, seconds, helpful, flow_id, step, \
                     outcome, reference, rating, solved) \
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                )
                .bind(batch.site)
                .bind(batch.session_id)
                .bind(e.kind.as_str())
                .bind(batch.locale)
                .bind(e.at_ms)
                .bind(day_of(e.at_ms))
                .bind(received)
                .bind(&e.query)
                .bind(e.result_count)
                .bind(e.position)
                .bind(&e.slug)
                .bind(e.seconds)
                .bind(e.helpful)
                .bind(&e.flow_id)
                .bind(&e.step)
                .bind(&e.outcome)
                .bind(&e.reference)
                .bind(e.rating)
                .bind(e.solved)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// How many events are stored.
    pub async fn event_count(&self) -> Result<u64, StorageError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM events")
            .fetch_one(&self.pool)
            .await?;
        Ok(u64::try_from(n).unwrap_or_default())
    }

    /// Deletes the events that happened before `cutoff`; answers how many.
    pub async fn purge_events_before(&self, cutoff: OffsetDateTime) -> Result<u64, StorageError> {
        let done = sqlx::query("DELETE FROM events WHERE at_ms < ?")
            .bind(unix_ms(cutoff))
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// Starts the retention job: every `interval` (first right away) deletes the events older
    /// than `retention_days()` days (read each time, so a publish that changes it applies).
    pub fn spawn_event_retention(
        &self,
        retention_days: impl Fn() -> u32 + Send + 'static,
        interval: Duration,
    ) -> tokio::task::JoinHandle<()> {
        let storage = self.clone();
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(interval);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                let days = i64::from(retention_days());
                let cutoff = OffsetDateTime::now_utc() - time::Duration::days(days);
                match storage.purge_events_before(cutoff).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(deleted = n, days, "old events purged"),
                    Err(e) => tracing::warn!(error = %e, "cannot purge old events; will retry"),
                }
            }
        })
    }
}
