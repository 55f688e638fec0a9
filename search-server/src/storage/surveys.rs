//! Micro-surveys after a guided flow: "did this solve it", a rating and a comment.

use baton_core::api::SurveyRequest;
use sqlx::Row;
use time::OffsetDateTime;

use super::{Storage, StorageError, rfc3339};

/// A stored survey.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct StoredSurvey {
    pub site: String,
    pub flow_id: String,
    pub locale: String,
    /// The outcome node the replayed path reached.
    pub outcome: String,
    pub solved: bool,
    pub rating: Option<u8>,
    pub comment: String,
    /// The flow path as JSON.
    pub path_json: String,
    pub created_at: String,
}

impl Storage {
    /// Stores a (validated, replayed) survey before returning.
    pub async fn create_survey(
        &self,
        request: &SurveyRequest,
        locale: &str,
        outcome: &str,
        now: OffsetDateTime,
    ) -> Result<StoredSurvey, StorageError> {
        let survey = StoredSurvey {
            site: request.site.clone(),
            flow_id: request.flow.flow_id.clone(),
            locale: locale.to_owned(),
            outcome: outcome.to_owned(),
            solved: request.solved,
            rating: request.rating,
            comment: request.comment.trim().to_owned(),
            path_json: serde_json::to_string(&request.flow)
                .map_err(|e| StorageError::Corrupt(e.to_string()))?,
            created_at: rfc3339(now),
        };
        sqlx::query(
            "INSERT INTO flow_surveys \
             (site, flow_id, locale, outcome, solved, rating, comment, path, created_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&survey.site)
        .bind(&survey.flow_id)
        .bind(&survey.locale)
        .bind(&survey.outcome)
        .bind(survey.solved)
        .bind(survey.rating.map(i64::from))
        .bind(&survey.comment)
        .bind(&survey.path_json)
        .bind(&survey.created_at)
        .execute(&self.pool)
        .await?;
        Ok(survey)
    }

    /// The most recent surveys, newest first.
    pub async fn recent_surveys(&self, limit: u32) -> Result<Vec<StoredSurvey>, StorageError> {
        let rows = sqlx::query(
            "SELECT site, flow_id, locale, outcome, solved, rating, comment, path, created_at \
             FROM flow_surveys ORDER BY id DESC LIMIT ?",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let rating: Option<i64> = row.try_get("rating")?;
                Ok(StoredSurvey {
                    site: row.try_get("site")?,
                    flow_id: row.try_get("flow_id")?,
                    locale: row.try_get("locale")?,
                    outcome: row.try_get("outcome")?,
                    solved: row.try_get("solved")?,
                    rating: rating.and_then(|r| u8::try_from(r).ok()),
                    comment: row.try_get("comment")?,
                    path_json: row.try_get("path")?,
                    created_at: row.try_get("created_at")?,
                })
            })
            .collect()
    }
}
