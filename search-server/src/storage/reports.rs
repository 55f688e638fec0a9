//! The insights reports: one function per report, each over a [`ReportFilter`] (a range of
//! UTC days, both ends included, and optionally one locale). `docs/insights.md` defines every
//! figure; the SQL here is the definition in code.

use std::collections::BTreeMap;

use serde::Serialize;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use super::{Storage, StorageError};

/// Seconds on an article that count as having read it (for the deflection rate).
pub const READ_SECONDS: i64 = 30;
/// Rows in each "top" list.
pub const TOP_ROWS: usize = 20;
/// Ratings from this value up are satisfied (of 1 to 5).
pub const SATISFIED_RATING: i64 = 4;
/// What a handoff without a flow or an article read before it is grouped under.
pub const NO_TOPIC: &str = "(none)";
/// The agent of a rated ticket that nobody is assigned to.
pub const UNASSIGNED: &str = "(unassigned)";

/// Articles with at least this many votes can be listed as unhelpful.
pub const MIN_VOTES: u64 = 3;
/// Articles with at least [`MIN_VOTES`] votes and a helpful ratio below this are unhelpful.
pub const LOW_HELPFUL_RATIO: f64 = 0.5;

/// Which events a report reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportFilter {
    /// First day, `YYYY-MM-DD` (UTC).
    pub from: String,
    /// Last day, included.
    pub to: String,
    /// One locale, or all.
    pub locale: Option<String>,
}

impl ReportFilter {
    /// The `days` days up to and including `today`.
    pub fn last_days(days: u32, today: time::Date, locale: Option<String>) -> ReportFilter {
        let from = today - time::Duration::days(i64::from(days.max(1)) - 1);
        ReportFilter {
            from: format_day(from),
            to: format_day(today),
            locale,
        }
    }

    fn locale(&self) -> &str {
        self.locale.as_deref().unwrap_or("")
    }
}

/// `YYYY-MM-DD`.
pub fn format_day(date: time::Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// `a / b`, or `None` when `b` is 0.
pub fn ratio(a: u64, b: u64) -> Option<f64> {
    #[allow(clippy::cast_precision_loss)] // Counts far below 2^52.
    (b > 0).then(|| a as f64 / b as f64)
}

/// The events of kind `kind` in range, as `e`: `WHERE` + this + the binds of [`bind_scope`].
const SCOPE: &str = "e.kind = ? AND e.day >= ? AND e.day <= ? AND (? = '' OR e.locale = ?)";

fn bind_scope<'q>(
    query: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
    kind: &'q str,
    filter: &'q ReportFilter,
) -> sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>> {
    query
        .bind(kind)
        .bind(&filter.from)
        .bind(&filter.to)
        .bind(filter.locale())
        .bind(filter.locale())
}

fn count(row: &SqliteRow, column: &str) -> Result<u64, StorageError> {
    let n: Option<i64> = row.try_get(column)?;
    Ok(u64::try_from(n.unwrap_or(0)).unwrap_or(0))
}

/// One query's figures.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct QueryFigures {
    pub query: String,
    pub searches: u64,
    /// Distinct sessions that searched it.
    pub sessions: u64,
    pub zero_result_searches: u64,
    /// Searches with results.
    pub searches_with_results: u64,
    /// Searches with results followed by a click on a result of the same query in the session.
    pub clicked_searches: u64,
}

/// One day of searching.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SearchDay {
    pub day: String,
    pub searches: u64,
    pub zero_result_searches: u64,
    pub clicked_searches: u64,
}

/// What customers search for and whether they find it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SearchReport {
    pub searches: u64,
    pub searches_with_results: u64,
    pub clicked_searches: u64,
    /// `clicked_searches / searches_with_results`.
    pub click_through_rate: Option<f64>,
    /// Mean `position` (1 = first) of the results clicked.
    pub mean_clicked_position: Option<f64>,
    /// Most searched queries.
    pub top: Vec<QueryFigures>,
    /// Queries with zero-result searches, most such searches first.
    pub zero_result: Vec<QueryFigures>,
    /// Queries that had results but whose results nobody clicked: content gaps.
    pub no_click: Vec<QueryFigures>,
    pub by_day: Vec<SearchDay>,
}

/// One group and how many it holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub key: String,
    pub count: u64,
}

/// How often self-service was enough, and what the handoffs were about.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SelfServiceReport {
    /// Sessions with a search or a started flow.
    pub sessions: u64,
    /// Of those: an article read for at least [`READ_SECONDS`] or a flow resolved, and no
    /// handoff submitted.
    pub deflected: u64,
    pub deflection_rate: Option<f64>,
    /// `handoff_submitted` events.
    pub handoffs: u64,
    /// Handoffs by the last flow started before them in the session (every flow).
    pub by_flow: Vec<Tally>,
    /// Handoffs by the last article viewed before them in the session (by slug, every one).
    pub by_last_article: Vec<Tally>,
    /// Queries searched before a handoff in the same session: handoffs per query.
    pub searches_before_handoff: Vec<Tally>,
}

/// One article's figures.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ArticleFigures {
    pub slug: String,
    pub views: u64,
    /// Mean `seconds` of its views.
    pub mean_seconds: Option<f64>,
    pub helpful_votes: u64,
    pub unhelpful_votes: u64,
    /// `helpful_votes / (helpful_votes + unhelpful_votes)`.
    pub helpful_ratio: Option<f64>,
    /// Handoffs submitted in a session after this article was viewed in it.
    pub before_handoff: u64,
}

/// One step of a flow's funnel.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FunnelStep {
    pub step: String,
    /// Sessions that reached the step.
    pub reached: u64,
    /// Sessions that left the flow at the step (`flow_abandoned`).
    pub abandoned: u64,
    /// `abandoned / reached`.
    pub drop_off: Option<f64>,
}

/// A flow's funnel.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FlowFunnel {
    pub flow_id: String,
    /// Sessions that started it.
    pub started: u64,
    /// Most reached first.
    pub steps: Vec<FunnelStep>,
    /// Sessions per outcome.
    pub outcomes: Vec<Tally>,
    /// Sessions that left it at any step.
    pub abandoned: u64,
}

/// Satisfied answers among rated ones, in a group.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Csat {
    pub key: String,
    pub answers: u64,
    pub satisfied: u64,
    /// `satisfied / answers`.
    pub csat: Option<f64>,
}

/// How satisfied customers said they were.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SatisfactionReport {
    /// Every rating: the answers on solved tickets, rated flow surveys, and `survey_answered`
    /// events except those that repeat a stored answer (about a ticket that holds an answer, or
    /// about a flow without a ticket: the flow survey itself counts), so each answer counts once.
    pub overall: Csat,
    pub by_day: Vec<Csat>,
    /// Ratings about a ticket (its answers and events), by the ticket's assignee.
    pub by_agent: Vec<Csat>,
    /// Ratings by flow ([`NO_TOPIC`] for surveys after no flow); a ticket's answers under the
    /// flow last started before its handoff.
    pub by_topic: Vec<Csat>,
    /// Comments of ticket answers and flow surveys, newest first, at most [`TOP_ROWS`].
    pub comments: Vec<SurveyComment>,
}

/// A comment a customer left with a satisfaction answer.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SurveyComment {
    /// RFC 3339 UTC.
    pub created_at: String,
    /// The ticket's reference, or the flow's id.
    pub about: String,
    pub rating: Option<i64>,
    /// Redacted when stored.
    pub comment: String,
}

/// Whether tickets of one urgency tier were answered in time.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SlaTier {
    pub urgency: String,
    /// Tickets created in range with a promised reply time.
    pub tickets: u64,
    /// First agent reply at or before `reply_by`.
    pub in_time: u64,
    /// First agent reply after `reply_by`.
    pub late: u64,
    /// No agent reply yet.
    pub unanswered: u64,
    /// `in_time / tickets`.
    pub share_in_time: Option<f64>,
}

/// What editors should write or fix: the content-gap report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ContentGaps {
    pub from: String,
    pub to: String,
    pub locale: Option<String>,
    /// As in [`SearchReport::zero_result`].
    pub zero_result: Vec<QueryFigures>,
    /// As in [`SearchReport::no_click`].
    pub no_click: Vec<QueryFigures>,
    /// Articles with at least [`MIN_VOTES`] votes and a helpful ratio below
    /// [`LOW_HELPFUL_RATIO`], least helpful first.
    pub unhelpful: Vec<ArticleFigures>,
}

impl Storage {
    /// The content-gap report: zero-result and no-click queries, and unhelpful articles.
    pub async fn content_gaps(&self, filter: &ReportFilter) -> Result<ContentGaps, StorageError> {
        let searches = self.search_report(filter).await?;
        let mut unhelpful: Vec<ArticleFigures> = self
            .article_report(filter)
            .await?
            .into_iter()
            .filter(|a| {
                a.helpful_votes + a.unhelpful_votes >= MIN_VOTES
                    && a.helpful_ratio.is_some_and(|r| r < LOW_HELPFUL_RATIO)
            })
            .collect();
        unhelpful.sort_by(|a, b| {
            a.helpful_ratio
                .partial_cmp(&b.helpful_ratio)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then_with(|| a.slug.cmp(&b.slug))
        });
        Ok(ContentGaps {
            from: filter.from.clone(),
            to: filter.to.clone(),
            locale: filter.locale.clone(),
            zero_result: searches.zero_result,
            no_click: searches.no_click,
            unhelpful,
        })
    }

    /// The searches report.
    pub async fn search_report(&self, filter: &ReportFilter) -> Result<SearchReport, StorageError> {
        let searches = format!(
            "SELECT e.query, e.day, e.session_id, e.result_count, \
               CASE WHEN e.result_count > 0 AND EXISTS (SELECT 1 FROM events c \
                 WHERE c.session_id = e.session_id AND c.kind = 'result_clicked' \
                   AND c.query = e.query) THEN 1 ELSE 0 END AS clicked \
             FROM events e WHERE {SCOPE}"
        );
        let groups = bind_scope(
            sqlx::query(&format!(
                "SELECT s.query, COUNT(*) AS searches, COUNT(DISTINCT s.session_id) AS sessions, \
                   SUM(CASE WHEN s.result_count = 0 THEN 1 ELSE 0 END) AS zero, \
                   SUM(CASE WHEN s.result_count > 0 THEN 1 ELSE 0 END) AS with_results, \
                   SUM(s.clicked) AS clicked \
                 FROM ({searches}) s GROUP BY s.query"
            )),
            "search",
            filter,
        )
        .fetch_all(&self.pool)
        .await?;
        let mut all = Vec::with_capacity(groups.len());
        for row in &groups {
            all.push(QueryFigures {
                query: row.try_get("query")?,
                searches: count(row, "searches")?,
                sessions: count(row, "sessions")?,
                zero_result_searches: count(row, "zero")?,
                searches_with_results: count(row, "with_results")?,
                clicked_searches: count(row, "clicked")?,
            });
        }
        let days = bind_scope(
            sqlx::query(&format!(
                "SELECT s.day, COUNT(*) AS searches, \
                   SUM(CASE WHEN s.result_count = 0 THEN 1 ELSE 0 END) AS zero, \
                   SUM(s.clicked) AS clicked \
                 FROM ({searches}) s GROUP BY s.day ORDER BY s.day"
            )),
            "search",
            filter,
        )
        .fetch_all(&self.pool)
        .await?;
        let mut by_day = Vec::with_capacity(days.len());
        for row in &days {
            by_day.push(SearchDay {
                day: row.try_get("day")?,
                searches: count(row, "searches")?,
                zero_result_searches: count(row, "zero")?,
                clicked_searches: count(row, "clicked")?,
            });
        }
        let position: Option<f64> = bind_scope(
            sqlx::query(&format!(
                "SELECT AVG(CAST(e.position AS DOUBLE PRECISION)) AS p FROM events e WHERE {SCOPE}"
            )),
            "result_clicked",
            filter,
        )
        .fetch_one(&self.pool)
        .await?
        .try_get("p")?;

        let searches: u64 = all.iter().map(|q| q.searches).sum();
        let searches_with_results: u64 = all.iter().map(|q| q.searches_with_results).sum();
        let clicked_searches: u64 = all.iter().map(|q| q.clicked_searches).sum();
        let top = top_by(&all, |q| q.searches, |_| true);
        let zero_result = top_by(
            &all,
            |q| q.zero_result_searches,
            |q| q.zero_result_searches > 0,
        );
        let no_click = top_by(
            &all,
            |q| q.searches_with_results,
            |q| q.searches_with_results > 0 && q.clicked_searches == 0,
        );
        Ok(SearchReport {
            searches,
            searches_with_results,
            clicked_searches,
            click_through_rate: ratio(clicked_searches, searches_with_results),
            mean_clicked_position: position,
            top,
            zero_result,
            no_click,
            by_day,
        })
    }

    /// The self-service report.
    pub async fn self_service_report(
        &self,
        filter: &ReportFilter,
    ) -> Result<SelfServiceReport, StorageError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS sessions, SUM(CASE WHEN (EXISTS (SELECT 1 FROM events r \
                 WHERE r.session_id = s.session_id AND r.kind = 'article_viewed' \
                   AND r.seconds >= ?) \
               OR EXISTS (SELECT 1 FROM events o WHERE o.session_id = s.session_id \
                 AND o.kind = 'flow_outcome' AND o.outcome = 'resolved')) \
               AND NOT EXISTS (SELECT 1 FROM events h WHERE h.session_id = s.session_id \
                 AND h.kind = 'handoff_submitted') THEN 1 ELSE 0 END) AS deflected \
             FROM (SELECT DISTINCT e.session_id FROM events e \
               WHERE e.kind IN ('search', 'flow_started') AND e.day >= ? AND e.day <= ? \
                 AND (? = '' OR e.locale = ?)) s",
        )
        .bind(READ_SECONDS)
        .bind(&filter.from)
        .bind(&filter.to)
        .bind(filter.locale())
        .bind(filter.locale())
        .fetch_one(&self.pool)
        .await?;
        let sessions = count(&row, "sessions")?;
        let deflected = count(&row, "deflected")?;
        let handoffs = count(
            &bind_scope(
                sqlx::query(&format!("SELECT COUNT(*) AS n FROM events e WHERE {SCOPE}")),
                "handoff_submitted",
                filter,
            )
            .fetch_one(&self.pool)
            .await?,
            "n",
        )?;
        // Every group: flows and articles are as many as the knowledge base has.
        let last_before = |kind: &str, column: &str| {
            format!(
                "SELECT COALESCE((SELECT p.{column} FROM events p \
                   WHERE p.session_id = e.session_id AND p.kind = '{kind}' \
                     AND p.at_ms <= e.at_ms ORDER BY p.at_ms DESC, p.id DESC LIMIT 1), '{NO_TOPIC}') \
                   AS topic, COUNT(*) AS n \
                 FROM events e WHERE {SCOPE} GROUP BY topic ORDER BY n DESC, topic"
            )
        };
        let by_flow = self
            .tallies(&last_before("flow_started", "flow_id"), filter)
            .await?;
        let by_last_article = self
            .tallies(&last_before("article_viewed", "slug"), filter)
            .await?;
        let searches_before_handoff = self
            .tallies(
                &format!(
                    "SELECT s.query AS topic, COUNT(DISTINCT e.id) AS n FROM events e \
                     JOIN events s ON s.session_id = e.session_id AND s.kind = 'search' \
                       AND s.at_ms <= e.at_ms \
                     WHERE {SCOPE} GROUP BY s.query ORDER BY n DESC, topic LIMIT {TOP_ROWS}"
                ),
                filter,
            )
            .await?;
        Ok(SelfServiceReport {
            sessions,
            deflected,
            deflection_rate: ratio(deflected, sessions),
            handoffs,
            by_flow,
            by_last_article,
            searches_before_handoff,
        })
    }

    /// `(topic, n)` rows of a query over `handoff_submitted` events in scope.
    async fn tallies(&self, sql: &str, filter: &ReportFilter) -> Result<Vec<Tally>, StorageError> {
        let rows = bind_scope(sqlx::query(sql), "handoff_submitted", filter)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Tally {
                    key: r.try_get("topic")?,
                    count: count(r, "n")?,
                })
            })
            .collect()
    }

    /// The articles report: every article viewed or voted on in range, most viewed first.
    pub async fn article_report(
        &self,
        filter: &ReportFilter,
    ) -> Result<Vec<ArticleFigures>, StorageError> {
        let mut articles: BTreeMap<String, ArticleFigures> = BTreeMap::new();
        let entry = |articles: &mut BTreeMap<String, ArticleFigures>, slug: String| {
            articles
                .entry(slug.clone())
                .or_insert_with(|| ArticleFigures {
                    slug,
                    views: 0,
                    mean_seconds: None,
                    helpful_votes: 0,
                    unhelpful_votes: 0,
                    helpful_ratio: None,
                    before_handoff: 0,
                })
                .clone()
        };
        let views = bind_scope(
            sqlx::query(&format!(
                "SELECT e.slug, COUNT(*) AS n, AVG(CAST(e.seconds AS DOUBLE PRECISION)) AS s \
                 FROM events e WHERE {SCOPE} GROUP BY e.slug"
            )),
            "article_viewed",
            filter,
        )
        .fetch_all(&self.pool)
        .await?;
        for row in &views {
            let mut a = entry(&mut articles, row.try_get("slug")?);
            a.views = count(row, "n")?;
            a.mean_seconds = row.try_get("s")?;
            articles.insert(a.slug.clone(), a);
        }
        let votes = bind_scope(
            sqlx::query(&format!(
                "SELECT e.slug, SUM(CASE WHEN e.helpful THEN 1 ELSE 0 END) AS yes, \
                   SUM(CASE WHEN e.helpful THEN 0 ELSE 1 END) AS no \
                 FROM events e WHERE {SCOPE} GROUP BY e.slug"
            )),
            "vote",
            filter,
        )
        .fetch_all(&self.pool)
        .await?;
        for row in &votes {
            let mut a = entry(&mut articles, row.try_get("slug")?);
            a.helpful_votes = count(row, "yes")?;
            a.unhelpful_votes = count(row, "no")?;
            a.helpful_ratio = ratio(a.helpful_votes, a.helpful_votes + a.unhelpful_votes);
            articles.insert(a.slug.clone(), a);
        }
        let before = bind_scope(
            sqlx::query(&format!(
                "SELECT v.slug, COUNT(DISTINCT e.id) AS n FROM events e \
                 JOIN events v ON v.session_id = e.session_id AND v.kind = 'article_viewed' \
                   AND v.at_ms <= e.at_ms \
                 WHERE {SCOPE} GROUP BY v.slug"
            )),
            "handoff_submitted",
            filter,
        )
        .fetch_all(&self.pool)
        .await?;
        for row in &before {
            let mut a = entry(&mut articles, row.try_get("slug")?);
            a.before_handoff = count(row, "n")?;
            articles.insert(a.slug.clone(), a);
        }
        let mut list: Vec<ArticleFigures> = articles.into_values().collect();
        list.sort_by(|a, b| b.views.cmp(&a.views).then_with(|| a.slug.cmp(&b.slug)));
        Ok(list)
    }

    /// The flows report: a funnel per flow started in range, by flow id.
    pub async fn flow_report(
        &self,
        filter: &ReportFilter,
    ) -> Result<Vec<FlowFunnel>, StorageError> {
        let mut funnels: BTreeMap<String, FlowFunnel> = BTreeMap::new();
        for row in self.per_flow("flow_started", None, filter).await? {
            funnels.insert(
                row.0.clone(),
                FlowFunnel {
                    flow_id: row.0,
                    started: row.2,
                    steps: Vec::new(),
                    outcomes: Vec::new(),
                    abandoned: 0,
                },
            );
        }
        let reached = self.per_flow("flow_step", Some("step"), filter).await?;
        let abandoned = self
            .per_flow("flow_abandoned", Some("step"), filter)
            .await?;
        for (flow, step, n) in &reached {
            if let Some(f) = funnels.get_mut(flow) {
                let left = abandoned
                    .iter()
                    .find(|(af, s, _)| af == flow && s == step)
                    .map_or(0, |a| a.2);
                f.steps.push(FunnelStep {
                    step: step.clone(),
                    reached: *n,
                    abandoned: left,
                    drop_off: ratio(left, *n),
                });
            }
        }
        let left_flows = self.per_flow("flow_abandoned", None, filter).await?;
        for (flow, _, n) in left_flows {
            if let Some(f) = funnels.get_mut(&flow) {
                f.abandoned = n;
            }
        }
        for (flow, outcome, n) in self
            .per_flow("flow_outcome", Some("outcome"), filter)
            .await?
        {
            if let Some(f) = funnels.get_mut(&flow) {
                f.outcomes.push(Tally {
                    key: outcome,
                    count: n,
                });
            }
        }
        let mut list: Vec<FlowFunnel> = funnels.into_values().collect();
        for f in &mut list {
            f.steps
                .sort_by(|a, b| b.reached.cmp(&a.reached).then_with(|| a.step.cmp(&b.step)));
            f.outcomes
                .sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
        }
        Ok(list)
    }

    /// Distinct sessions per `(flow_id, by)` of `kind` events in scope (`by` empty when None).
    async fn per_flow(
        &self,
        kind: &str,
        by: Option<&str>,
        filter: &ReportFilter,
    ) -> Result<Vec<(String, String, u64)>, StorageError> {
        let by = by.map_or("''".to_owned(), |c| format!("e.{c}"));
        let rows = bind_scope(
            sqlx::query(&format!(
                "SELECT e.flow_id AS flow, {by} AS item, COUNT(DISTINCT e.session_id) AS n \
                 FROM events e WHERE {SCOPE} GROUP BY e.flow_id, {by}"
            )),
            kind,
            filter,
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("flow")?, r.try_get("item")?, count(r, "n")?)))
            .collect()
    }

    /// The satisfaction report.
    pub async fn satisfaction_report(
        &self,
        filter: &ReportFilter,
    ) -> Result<SatisfactionReport, StorageError> {
        // Every rating in range: (day, topic, agent) with the rating. An event that repeats a
        // stored answer is left out: one about a ticket that holds an answer, and one about a
        // flow without a ticket (the widget sends one for each stored flow survey, which counts).
        let ratings = format!(
            "SELECT e.day AS day, COALESCE(e.flow_id, '{NO_TOPIC}') AS topic, \
               CASE WHEN e.reference IS NULL THEN NULL \
                 ELSE COALESCE(a.name, '{UNASSIGNED}') END AS agent, e.rating AS rating \
             FROM events e LEFT JOIN tickets t ON t.reference = e.reference \
               LEFT JOIN agents a ON a.id = t.assignee_id \
             WHERE {SCOPE} AND (e.flow_id IS NULL OR e.reference IS NOT NULL) \
               AND (t.id IS NULL OR NOT EXISTS \
               (SELECT 1 FROM ticket_satisfaction x WHERE x.ticket_id = t.id)) \
             UNION ALL \
             SELECT SUBSTR(f.created_at, 1, 10), f.flow_id, NULL, f.rating FROM flow_surveys f \
             WHERE f.rating IS NOT NULL AND SUBSTR(f.created_at, 1, 10) >= ? \
               AND SUBSTR(f.created_at, 1, 10) <= ? AND (? = '' OR f.locale = ?) \
             UNION ALL \
             SELECT SUBSTR(s.created_at, 1, 10), \
               COALESCE((SELECT p.flow_id FROM events h JOIN events p \
                   ON p.session_id = h.session_id AND p.kind = 'flow_started' \
                     AND p.at_ms <= h.at_ms \
                 WHERE h.kind = 'handoff_submitted' AND h.reference = t.reference \
                 ORDER BY p.at_ms DESC, p.id DESC LIMIT 1), '{NO_TOPIC}'), \
               COALESCE(a.name, '{UNASSIGNED}'), s.rating \
             FROM ticket_satisfaction s JOIN tickets t ON t.id = s.ticket_id \
               LEFT JOIN agents a ON a.id = t.assignee_id \
             WHERE s.rating IS NOT NULL AND SUBSTR(s.created_at, 1, 10) >= ? \
               AND SUBSTR(s.created_at, 1, 10) <= ? AND (? = '' OR t.locale = ?)"
        );
        let grouped = |by: &str| {
            format!(
                "SELECT {by} AS k, COUNT(*) AS n, \
                   SUM(CASE WHEN r.rating >= {SATISFIED_RATING} THEN 1 ELSE 0 END) AS yes \
                 FROM ({ratings}) r WHERE {by} IS NOT NULL GROUP BY {by} ORDER BY {by}"
            )
        };
        let overall = self.csat(&grouped("'all'"), filter).await?;
        Ok(SatisfactionReport {
            overall: overall.into_iter().next().unwrap_or(Csat {
                key: "all".into(),
                answers: 0,
                satisfied: 0,
                csat: None,
            }),
            by_day: self.csat(&grouped("r.day"), filter).await?,
            by_agent: self.csat(&grouped("r.agent"), filter).await?,
            by_topic: self.csat(&grouped("r.topic"), filter).await?,
            comments: self.survey_comments(filter).await?,
        })
    }

    /// The newest [`TOP_ROWS`] comments of ticket answers and flow surveys in range.
    async fn survey_comments(
        &self,
        filter: &ReportFilter,
    ) -> Result<Vec<SurveyComment>, StorageError> {
        let rows = sqlx::query(&format!(
            "SELECT c.created_at, c.about, c.rating, c.comment FROM ( \
               SELECT s.created_at, t.reference AS about, s.rating, s.comment, t.locale \
               FROM ticket_satisfaction s JOIN tickets t ON t.id = s.ticket_id \
               WHERE s.comment IS NOT NULL AND s.comment <> '' \
               UNION ALL \
               SELECT f.created_at, f.flow_id, f.rating, f.comment, f.locale FROM flow_surveys f \
               WHERE f.comment <> '') c \
             WHERE SUBSTR(c.created_at, 1, 10) >= ? AND SUBSTR(c.created_at, 1, 10) <= ? \
               AND (? = '' OR c.locale = ?) \
             ORDER BY c.created_at DESC, c.about LIMIT {TOP_ROWS}"
        ))
        .bind(&filter.from)
        .bind(&filter.to)
        .bind(filter.locale())
        .bind(filter.locale())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SurveyComment {
                    created_at: r.try_get("created_at")?,
                    about: r.try_get("about")?,
                    rating: r.try_get("rating")?,
                    comment: r.try_get("comment")?,
                })
            })
            .collect()
    }

    async fn csat(&self, sql: &str, filter: &ReportFilter) -> Result<Vec<Csat>, StorageError> {
        let rows = bind_scope(sqlx::query(sql), "survey_answered", filter)
            .bind(&filter.from)
            .bind(&filter.to)
            .bind(filter.locale())
            .bind(filter.locale())
            .bind(&filter.from)
            .bind(&filter.to)
            .bind(filter.locale())
            .bind(filter.locale())
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                let answers = count(r, "n")?;
                let satisfied = count(r, "yes")?;
                Ok(Csat {
                    key: r.try_get("k")?,
                    answers,
                    satisfied,
                    csat: ratio(satisfied, answers),
                })
            })
            .collect()
    }

    /// The SLA report: tickets created in range with a promised reply time, per urgency tier.
    pub async fn sla_report(&self, filter: &ReportFilter) -> Result<Vec<SlaTier>, StorageError> {
        let rows = sqlx::query(
            "SELECT x.urgency, COUNT(*) AS tickets, \
               SUM(CASE WHEN x.first_reply IS NOT NULL AND x.first_reply <= x.reply_by \
                 THEN 1 ELSE 0 END) AS in_time, \
               SUM(CASE WHEN x.first_reply > x.reply_by THEN 1 ELSE 0 END) AS late, \
               SUM(CASE WHEN x.first_reply IS NULL THEN 1 ELSE 0 END) AS unanswered \
             FROM (SELECT t.urgency, t.reply_by, (SELECT MIN(m.created_at) FROM ticket_messages m \
                 WHERE m.ticket_id = t.id AND m.author = 'agent') AS first_reply \
               FROM tickets t WHERE t.reply_by IS NOT NULL AND t.urgency IS NOT NULL \
                 AND SUBSTR(t.created_at, 1, 10) >= ? AND SUBSTR(t.created_at, 1, 10) <= ? \
                 AND (? = '' OR t.locale = ?)) x \
             GROUP BY x.urgency ORDER BY x.urgency",
        )
        .bind(&filter.from)
        .bind(&filter.to)
        .bind(filter.locale())
        .bind(filter.locale())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let tickets = count(r, "tickets")?;
                let in_time = count(r, "in_time")?;
                Ok(SlaTier {
                    urgency: r.try_get("urgency")?,
                    tickets,
                    in_time,
                    late: count(r, "late")?,
                    unanswered: count(r, "unanswered")?,
                    share_in_time: ratio(in_time, tickets),
                })
            })
            .collect()
    }
}

/// The [`TOP_ROWS`] queries that pass `keep`, highest `by` first, then by query.
fn top_by(
    all: &[QueryFigures],
    by: impl Fn(&QueryFigures) -> u64,
    keep: impl Fn(&QueryFigures) -> bool,
) -> Vec<QueryFigures> {
    let mut list: Vec<QueryFigures> = all.iter().filter(|q| keep(q)).cloned().collect();
    list.sort_by(|a, b| by(b).cmp(&by(a)).then_with(|| a.query.cmp(&b.query)));
    list.truncate(TOP_ROWS);
    list
}
