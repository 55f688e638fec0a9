//! Article view counts, for the "most viewed" suggestions.
//!
//! Reading an article must never wait for the database, so a view only bumps two counters in
//! memory: the running totals (what suggestions read) and the views not yet written. The
//! pending views are written in one transaction at most every [`FLUSH_INTERVAL`] (or sooner
//! when [`FLUSH_PENDING`] distinct articles are waiting), by a background task started from the
//! request that finds the interval passed, and when the storage is closed. A failed write puts
//! its views back into the pending ones, so they are retried, never dropped; a crash loses at
//! most the last interval of views, which is fine for a popularity order.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use sqlx::Row;
use sqlx::sqlite::SqlitePool;

use super::{Storage, StorageError};

/// Longest time views stay only in memory while articles are being read.
pub const FLUSH_INTERVAL: Duration = Duration::from_secs(5);
/// Distinct pending articles that trigger a write before the interval is over.
pub const FLUSH_PENDING: usize = 1_000;

/// (locale, slug)
type Key = (String, String);

#[derive(Debug)]
pub(super) struct ViewCounts {
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    totals: HashMap<String, HashMap<String, u64>>,
    pending: HashMap<Key, u64>,
    last_flush: Instant,
    flushing: bool,
}

impl ViewCounts {
    /// The counts stored in the database.
    pub(super) async fn load(pool: &SqlitePool) -> Result<ViewCounts, StorageError> {
        let rows = sqlx::query("SELECT locale, slug, views FROM article_views")
            .fetch_all(pool)
            .await?;
        let mut totals: HashMap<String, HashMap<String, u64>> = HashMap::new();
        for row in rows {
            let views: i64 = row.try_get("views")?;
            totals
                .entry(row.try_get("locale")?)
                .or_default()
                .insert(row.try_get("slug")?, u64::try_from(views).unwrap_or(0));
        }
        Ok(ViewCounts {
            state: Mutex::new(State {
                totals,
                pending: HashMap::new(),
                last_flush: Instant::now(),
                flushing: false,
            }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state stays consistent even if a holder panicked: every update is one step.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Storage {
    /// Counts one view of the article `slug` of `locale`. Never waits for the database.
    pub fn record_view(&self, locale: &str, slug: &str) {
        let due = {
            let mut state = self.views.lock();
            *state
                .totals
                .entry(locale.to_owned())
                .or_default()
                .entry(slug.to_owned())
                .or_insert(0) += 1;
            *state
                .pending
                .entry((locale.to_owned(), slug.to_owned()))
                .or_insert(0) += 1;
            let due = !state.flushing
                && (state.last_flush.elapsed() >= FLUSH_INTERVAL
                    || state.pending.len() >= FLUSH_PENDING);
            if due {
                state.flushing = true;
            }
            due
        };
        if due {
            match tokio::runtime::Handle::try_current() {
                Ok(runtime) => {
                    let storage = self.clone();
                    runtime.spawn(async move {
                        if let Err(e) = storage.write_pending_views().await {
                            tracing::warn!(error = %e, "cannot store article views; will retry");
                        }
                    });
                }
                Err(_) => self.views.lock().flushing = false,
            }
        }
    }

    /// Calls `read` with the view count of each article of `locale` (0 for unviewed ones).
    pub fn with_view_counts<R>(
        &self,
        locale: &str,
        read: impl FnOnce(&dyn Fn(&str) -> u64) -> R,
    ) -> R {
        let state = self.views.lock();
        let counts = state.totals.get(locale);
        read(&|slug| counts.and_then(|c| c.get(slug)).copied().unwrap_or(0))
    }

    /// Writes every pending view now (also done by [`Storage::close`]).
    pub async fn flush_views(&self) -> Result<(), StorageError> {
        self.views.lock().flushing = true;
        self.write_pending_views().await
    }

    /// Writes the pending views in one transaction; on failure they become pending again.
    /// The caller has set `flushing`; this clears it.
    async fn write_pending_views(&self) -> Result<(), StorageError> {
        let batch = std::mem::take(&mut self.views.lock().pending);
        let result = self.store_views(&batch).await;
        let mut state = self.views.lock();
        if result.is_err() {
            for (key, n) in batch {
                *state.pending.entry(key).or_insert(0) += n;
            }
        }
        state.flushing = false;
        state.last_flush = Instant::now();
        result
    }

    async fn store_views(&self, batch: &HashMap<Key, u64>) -> Result<(), StorageError> {
        if batch.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool.begin().await?;
        for ((locale, slug), n) in batch {
            sqlx::query(
                "INSERT INTO article_views (locale, slug, views) VALUES (?, ?, ?) \
                 ON CONFLICT (locale, slug) DO UPDATE SET views = views + excluded.views",
            )
            .bind(locale)
            .bind(slug)
            .bind(i64::try_from(*n).unwrap_or(i64::MAX))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// Shared between clones of a [`Storage`].
pub(super) type SharedViewCounts = Arc<ViewCounts>;
