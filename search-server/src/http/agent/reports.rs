//! The insights reports in the console: `GET /agent/reports` (the list) and
//! `GET /agent/reports/{report}` for `searches`, `self-service`, `articles`, `flows`,
//! `satisfaction`, `sla` and `content-gaps`, signed-in agents only.
//!
//! Every page has a date range and locale form (`from`, `to` as `YYYY-MM-DD`, both included;
//! `locale`; the last 30 days by default), draws its chart as inline SVG on the server (with a
//! text alternative; the same numbers are in a table next to it), and offers every table as CSV
//! (`?format=csv&table=ID`, RFC 4180 quoting, `Content-Disposition: attachment`) and the whole
//! report as JSON (`?format=json`).

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::PageError;
use super::session::Signed;
use super::views::{self, Banner};
use crate::content::Library;
use crate::http::AppState;
use crate::storage::reports::{NO_TOPIC, QueryFigures, ReportFilter, Tally, format_day};

/// Days a report covers when the form does not say.
pub const DEFAULT_DAYS: u32 = 30;

/// The reports: path segment and title.
pub const REPORTS: &[(&str, &str)] = &[
    ("searches", "Searches"),
    ("self-service", "Self-service"),
    ("articles", "Articles"),
    ("flows", "Guided flows"),
    ("satisfaction", "Satisfaction"),
    ("sla", "Reply times (SLA)"),
    ("content-gaps", "Content gaps"),
];

/// The query string of a report page.
#[derive(Debug, Default, Deserialize)]
pub struct ReportQuery {
    from: Option<String>,
    to: Option<String>,
    locale: Option<String>,
    /// `html` (default), `csv` or `json`.
    format: Option<String>,
    /// The table a CSV download holds (its id); the first table when unset.
    table: Option<String>,
}

impl ReportQuery {
    fn filter(&self) -> Result<ReportFilter, PageError> {
        let today = time::OffsetDateTime::now_utc().date();
        let default = ReportFilter::last_days(DEFAULT_DAYS, today, None);
        let day = |value: &Option<String>, fallback: String| match value.as_deref().map(str::trim) {
            None | Some("") => Ok(fallback),
            Some(v) => parse_day(v).map(format_day).ok_or_else(|| {
                PageError::new(
                    StatusCode::BAD_REQUEST,
                    "This date is not valid",
                    format!("\"{v}\" is not a date; write it as YYYY-MM-DD, like 2026-11-30."),
                )
            }),
        };
        let from = day(&self.from, default.from)?;
        let to = day(&self.to, default.to)?;
        if from > to {
            return Err(PageError::new(
                StatusCode::BAD_REQUEST,
                "This date range is empty",
                format!("The range starts ({from}) after it ends ({to})."),
            ));
        }
        let locale = self
            .locale
            .as_deref()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned);
        Ok(ReportFilter { from, to, locale })
    }
}

fn parse_day(s: &str) -> Option<time::Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s, &format).ok()
}

/// One value of a table: shown one way on the page, written plainly in CSV.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Text(String),
    Count(u64),
    /// A share, shown as a percentage; empty when there is nothing to divide.
    Share(Option<f64>),
    /// A mean or other decimal.
    Number(Option<f64>),
}

impl Cell {
    fn shown(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Count(n) => n.to_string(),
            Cell::Share(Some(r)) => format!("{:.1}%", r * 100.0),
            Cell::Number(Some(x)) => format!("{x:.1}"),
            Cell::Share(None) | Cell::Number(None) => "–".to_owned(),
        }
    }

    fn csv(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Count(n) => n.to_string(),
            Cell::Share(Some(x)) | Cell::Number(Some(x)) => format!("{x:.4}"),
            Cell::Share(None) | Cell::Number(None) => String::new(),
        }
    }
}

/// A table of a report.
#[derive(Clone, Debug)]
pub struct Table {
    /// In the CSV link and the file name.
    pub id: String,
    pub caption: String,
    pub columns: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
}

/// A bar chart of one series.
#[derive(Clone, Debug)]
pub struct Chart {
    pub title: String,
    /// Which table holds the same numbers.
    pub table: String,
    pub bars: Vec<(String, f64)>,
    /// Values are shares (0 to 1), shown as percentages.
    pub shares: bool,
}

/// A report as the page draws it, and as JSON.
struct Rendered {
    json: serde_json::Value,
    tables: Vec<Table>,
    charts: Vec<Chart>,
}

/// `GET /agent/reports`.
pub async fn index(signed: Signed) -> Response {
    let content = html! {
        h1 { "Reports" }
        p { "What customers search for, read and ask about, from the widget's events. "
            "Every report has a date range and locale filter, and every table downloads as CSV." }
        ul.reports {
            @for (id, title) in REPORTS {
                li { a href={"/agent/reports/" (id)} { (title) } }
            }
        }
    };
    page(&signed, "Reports", content)
}

fn page(signed: &Signed, title: &str, content: Markup) -> Response {
    views::layout(
        title,
        "reports",
        Some(Banner {
            agent: &signed.agent,
            csrf: &signed.csrf,
        }),
        content,
    )
    .into_response()
}

/// `GET /agent/reports/{report}`.
pub async fn report(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
    query: Result<Query<ReportQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let (id, title) = REPORTS
        .iter()
        .copied()
        .find(|(r, _)| *r == id)
        .ok_or_else(|| PageError::not_found("report"))?;
    let filter = query.filter()?;
    let rendered = render(&state, id, &filter).await?;
    match query.format.as_deref().unwrap_or("html") {
        "json" => Ok(axum::Json(rendered.json).into_response()),
        "csv" => {
            let table = match query.table.as_deref() {
                None => rendered.tables.first(),
                Some(t) => rendered.tables.iter().find(|x| x.id == t),
            }
            .ok_or_else(|| PageError::not_found("table"))?;
            Ok(csv_response(id, table, &filter))
        }
        "html" => {
            let locales: Vec<String> = state.knowledge.current().library.site.locales.clone();
            let content = html! {
                h1 { (title) }
                (filter_form(id, &filter, &locales))
                p.downloads {
                    a href={"/agent/reports/" (id) "?" (filter_query(&filter)) "&format=json"} {
                        "Download the whole report as JSON"
                    }
                }
                @for chart in &rendered.charts { (svg_chart(chart)) }
                @for table in &rendered.tables { (html_table(id, table, &filter)) }
            };
            Ok(page(&signed, title, content))
        }
        other => Err(PageError::new(
            StatusCode::BAD_REQUEST,
            "This format is not known",
            format!("\"{other}\" is not a format; use html, csv or json."),
        )),
    }
}

async fn render(state: &AppState, id: &str, filter: &ReportFilter) -> Result<Rendered, PageError> {
    let storage = &state.storage;
    Ok(match id {
        "searches" => {
            let r = storage.search_report(filter).await?;
            let tables = vec![
                figures(
                    "summary",
                    "Summary",
                    vec![
                        ("Searches", Cell::Count(r.searches)),
                        (
                            "Searches with results",
                            Cell::Count(r.searches_with_results),
                        ),
                        (
                            "Searches followed by a click",
                            Cell::Count(r.clicked_searches),
                        ),
                        ("Click-through rate", Cell::Share(r.click_through_rate)),
                        (
                            "Mean position clicked",
                            Cell::Number(r.mean_clicked_position),
                        ),
                    ],
                ),
                queries_table("top", "Top queries", &r.top),
                queries_table("zero-result", "Queries with no results", &r.zero_result),
                queries_table(
                    "no-click",
                    "Queries with results nobody clicked",
                    &r.no_click,
                ),
                Table {
                    id: "by-day".into(),
                    caption: "Searches per day".into(),
                    columns: vec!["Day", "Searches", "No results", "Clicked"],
                    rows: r
                        .by_day
                        .iter()
                        .map(|d| {
                            vec![
                                Cell::Text(d.day.clone()),
                                Cell::Count(d.searches),
                                Cell::Count(d.zero_result_searches),
                                Cell::Count(d.clicked_searches),
                            ]
                        })
                        .collect(),
                },
            ];
            let charts = vec![Chart {
                title: "Searches per day".into(),
                table: "by-day".into(),
                bars: r
                    .by_day
                    .iter()
                    .map(|d| (d.day.clone(), count_f64(d.searches)))
                    .collect(),
                shares: false,
            }];
            Rendered {
                json: to_json(&r),
                tables,
                charts,
            }
        }
        "self-service" => {
            let r = storage.self_service_report(filter).await?;
            let library = &state.knowledge.current().library;
            let categories = by_category(library, filter, &r.by_last_article);
            let tables = vec![
                figures(
                    "summary",
                    "Summary",
                    vec![
                        ("Sessions with a search or a flow", Cell::Count(r.sessions)),
                        (
                            "Of those, answered without a handoff",
                            Cell::Count(r.deflected),
                        ),
                        ("Deflection rate", Cell::Share(r.deflection_rate)),
                        ("Handoffs", Cell::Count(r.handoffs)),
                    ],
                ),
                tally_table(
                    "by-flow",
                    "Handoffs by the flow before them",
                    "Flow",
                    &r.by_flow,
                ),
                tally_table(
                    "by-category",
                    "Handoffs by the category of the last article read",
                    "Category",
                    &categories,
                ),
                tally_table(
                    "by-article",
                    "Handoffs by the last article read",
                    "Article",
                    &r.by_last_article,
                ),
                tally_table(
                    "searches-before",
                    "Searches before a handoff",
                    "Query",
                    &r.searches_before_handoff,
                ),
            ];
            let charts = vec![Chart {
                title: "Handoffs by the flow before them".into(),
                table: "by-flow".into(),
                bars: r
                    .by_flow
                    .iter()
                    .map(|t| (t.key.clone(), count_f64(t.count)))
                    .collect(),
                shares: false,
            }];
            Rendered {
                json: to_json(&r),
                tables,
                charts,
            }
        }
        "articles" => {
            let r = storage.article_report(filter).await?;
            let tables = vec![Table {
                id: "articles".into(),
                caption: "Articles, most viewed first".into(),
                columns: vec![
                    "Article",
                    "Views",
                    "Mean seconds",
                    "Helpful",
                    "Not helpful",
                    "Helpful ratio",
                    "Read before a handoff",
                ],
                rows: r
                    .iter()
                    .map(|a| {
                        vec![
                            Cell::Text(a.slug.clone()),
                            Cell::Count(a.views),
                            Cell::Number(a.mean_seconds),
                            Cell::Count(a.helpful_votes),
                            Cell::Count(a.unhelpful_votes),
                            Cell::Share(a.helpful_ratio),
                            Cell::Count(a.before_handoff),
                        ]
                    })
                    .collect(),
            }];
            let charts = vec![Chart {
                title: "Views of the most viewed articles".into(),
                table: "articles".into(),
                bars: r
                    .iter()
                    .take(15)
                    .map(|a| (a.slug.clone(), count_f64(a.views)))
                    .collect(),
                shares: false,
            }];
            Rendered {
                json: to_json(&r),
                tables,
                charts,
            }
        }
        "flows" => {
            let r = storage.flow_report(filter).await?;
            let mut tables = Vec::new();
            let mut charts = Vec::new();
            for f in &r {
                let mut rows = vec![vec![
                    Cell::Text("(started)".into()),
                    Cell::Count(f.started),
                    Cell::Count(f.abandoned),
                    Cell::Share(crate::storage::reports::ratio(f.abandoned, f.started)),
                ]];
                rows.extend(f.steps.iter().map(|s| {
                    vec![
                        Cell::Text(s.step.clone()),
                        Cell::Count(s.reached),
                        Cell::Count(s.abandoned),
                        Cell::Share(s.drop_off),
                    ]
                }));
                tables.push(Table {
                    id: format!("funnel-{}", f.flow_id),
                    caption: format!("Funnel of {}", f.flow_id),
                    columns: vec!["Step", "Sessions that reached it", "Left here", "Drop-off"],
                    rows,
                });
                tables.push(tally_table(
                    &format!("outcomes-{}", f.flow_id),
                    &format!("Outcomes of {}", f.flow_id),
                    "Outcome",
                    &f.outcomes,
                ));
                let mut bars = vec![("started".to_owned(), count_f64(f.started))];
                bars.extend(
                    f.steps
                        .iter()
                        .map(|s| (s.step.clone(), count_f64(s.reached))),
                );
                charts.push(Chart {
                    title: format!("Sessions reaching each step of {}", f.flow_id),
                    table: format!("funnel-{}", f.flow_id),
                    bars,
                    shares: false,
                });
            }
            Rendered {
                json: to_json(&r),
                tables,
                charts,
            }
        }
        "satisfaction" => {
            let r = storage.satisfaction_report(filter).await?;
            let csat_table =
                |id: &str,
                 caption: &str,
                 first: &'static str,
                 rows: &[crate::storage::reports::Csat]| Table {
                    id: id.into(),
                    caption: caption.into(),
                    columns: vec![first, "Answers", "Satisfied", "CSAT"],
                    rows: rows
                        .iter()
                        .map(|c| {
                            vec![
                                Cell::Text(c.key.clone()),
                                Cell::Count(c.answers),
                                Cell::Count(c.satisfied),
                                Cell::Share(c.csat),
                            ]
                        })
                        .collect(),
                };
            let tables = vec![
                csat_table(
                    "overall",
                    "Overall",
                    "All",
                    std::slice::from_ref(&r.overall),
                ),
                csat_table("by-day", "CSAT per day", "Day", &r.by_day),
                csat_table(
                    "by-agent",
                    "CSAT by agent (the ticket's assignee)",
                    "Agent",
                    &r.by_agent,
                ),
                csat_table("by-topic", "CSAT by flow", "Flow", &r.by_topic),
                Table {
                    id: "comments".into(),
                    caption: "Survey comments, newest first".into(),
                    columns: vec!["When", "Ticket or flow", "Rating", "Comment"],
                    rows: r
                        .comments
                        .iter()
                        .map(|c| {
                            vec![
                                Cell::Text(c.created_at.clone()),
                                Cell::Text(c.about.clone()),
                                c.rating
                                    .map_or(Cell::Text(String::new()), |n| Cell::Count(n as u64)),
                                Cell::Text(c.comment.clone()),
                            ]
                        })
                        .collect(),
                },
            ];
            let charts = vec![Chart {
                title: "CSAT per day".into(),
                table: "by-day".into(),
                bars: r
                    .by_day
                    .iter()
                    .map(|c| (c.key.clone(), c.csat.unwrap_or(0.0)))
                    .collect(),
                shares: true,
            }];
            Rendered {
                json: to_json(&r),
                tables,
                charts,
            }
        }
        "sla" => {
            let r = storage.sla_report(filter).await?;
            let tables = vec![Table {
                id: "tiers".into(),
                caption: "First agent reply before the promised time, per urgency tier".into(),
                columns: vec![
                    "Urgency",
                    "Tickets",
                    "In time",
                    "Late",
                    "Not answered",
                    "Share in time",
                ],
                rows: r
                    .iter()
                    .map(|t| {
                        vec![
                            Cell::Text(t.urgency.clone()),
                            Cell::Count(t.tickets),
                            Cell::Count(t.in_time),
                            Cell::Count(t.late),
                            Cell::Count(t.unanswered),
                            Cell::Share(t.share_in_time),
                        ]
                    })
                    .collect(),
            }];
            let charts = vec![Chart {
                title: "Share of tickets answered in time".into(),
                table: "tiers".into(),
                bars: r
                    .iter()
                    .map(|t| (t.urgency.clone(), t.share_in_time.unwrap_or(0.0)))
                    .collect(),
                shares: true,
            }];
            Rendered {
                json: to_json(&r),
                tables,
                charts,
            }
        }
        _ => {
            let r = storage.content_gaps(filter).await?;
            let tables = vec![
                queries_table("zero-result", "Queries with no results", &r.zero_result),
                queries_table(
                    "no-click",
                    "Queries with results nobody clicked",
                    &r.no_click,
                ),
                Table {
                    id: "unhelpful".into(),
                    caption: "Articles voted unhelpful".into(),
                    columns: vec!["Article", "Helpful", "Not helpful", "Helpful ratio"],
                    rows: r
                        .unhelpful
                        .iter()
                        .map(|a| {
                            vec![
                                Cell::Text(a.slug.clone()),
                                Cell::Count(a.helpful_votes),
                                Cell::Count(a.unhelpful_votes),
                                Cell::Share(a.helpful_ratio),
                            ]
                        })
                        .collect(),
                },
            ];
            Rendered {
                json: to_json(&r),
                tables,
                charts: Vec::new(),
            }
        }
    })
}

fn to_json<T: serde::Serialize>(report: &T) -> serde_json::Value {
    serde_json::to_value(report).unwrap_or_default()
}

#[allow(clippy::cast_precision_loss)] // Counts far below 2^52.
fn count_f64(n: u64) -> f64 {
    n as f64
}

/// Handoffs by the category of the article read last before them (articles not published
/// any more, and no article, count under [`NO_TOPIC`]).
fn by_category(library: &Library, filter: &ReportFilter, by_article: &[Tally]) -> Vec<Tally> {
    let mut counts: std::collections::BTreeMap<String, u64> = std::collections::BTreeMap::new();
    for t in by_article {
        let category = filter
            .locale
            .iter()
            .map(String::as_str)
            .chain(library.locales())
            .find_map(|l| library.article(l, &t.key))
            .map_or_else(|| NO_TOPIC.to_owned(), |a| a.category.clone());
        *counts.entry(category).or_insert(0) += t.count;
    }
    let mut list: Vec<Tally> = counts
        .into_iter()
        .map(|(key, count)| Tally { key, count })
        .collect();
    list.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
    list
}

fn figures(id: &str, caption: &str, rows: Vec<(&str, Cell)>) -> Table {
    Table {
        id: id.into(),
        caption: caption.into(),
        columns: vec!["Figure", "Value"],
        rows: rows
            .into_iter()
            .map(|(name, value)| vec![Cell::Text(name.to_owned()), value])
            .collect(),
    }
}

fn queries_table(id: &str, caption: &str, rows: &[QueryFigures]) -> Table {
    Table {
        id: id.into(),
        caption: caption.into(),
        columns: vec![
            "Query",
            "Searches",
            "Sessions",
            "No results",
            "With results",
            "Clicked",
        ],
        rows: rows
            .iter()
            .map(|q| {
                vec![
                    Cell::Text(q.query.clone()),
                    Cell::Count(q.searches),
                    Cell::Count(q.sessions),
                    Cell::Count(q.zero_result_searches),
                    Cell::Count(q.searches_with_results),
                    Cell::Count(q.clicked_searches),
                ]
            })
            .collect(),
    }
}

fn tally_table(id: &str, caption: &str, first: &'static str, rows: &[Tally]) -> Table {
    Table {
        id: id.into(),
        caption: caption.into(),
        columns: vec![first, "Handoffs"],
        rows: rows
            .iter()
            .map(|t| vec![Cell::Text(t.key.clone()), Cell::Count(t.count)])
            .collect(),
    }
}

/// `from=…&to=…&locale=…`, percent-encoded.
fn filter_query(filter: &ReportFilter) -> String {
    let encode = |v: &str| -> String {
        v.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    format!(
        "from={}&to={}&locale={}",
        filter.from,
        filter.to,
        encode(filter.locale.as_deref().unwrap_or(""))
    )
}

fn filter_form(id: &str, filter: &ReportFilter, locales: &[String]) -> Markup {
    html! {
        form.filters method="get" action={"/agent/reports/" (id)} aria-label="Report filters" {
            p {
                label for="r-from" { "From" }
                input #r-from type="date" name="from" value=(filter.from) required;
            }
            p {
                label for="r-to" { "To" }
                input #r-to type="date" name="to" value=(filter.to) required;
            }
            p {
                label for="r-locale" { "Locale" }
                select #r-locale name="locale" {
                    option value="" selected[filter.locale.is_none()] { "Every locale" }
                    @for l in locales {
                        option value=(l) selected[filter.locale.as_deref() == Some(l.as_str())] { (l) }
                    }
                }
            }
            p { button type="submit" { "Show" } }
        }
    }
}

fn html_table(report: &str, table: &Table, filter: &ReportFilter) -> Markup {
    html! {
        section.report-table aria-labelledby={"t-" (table.id)} {
            table.report #{"table-" (table.id)} {
                caption #{"t-" (table.id)} { (table.caption) }
                thead { tr { @for c in &table.columns { th scope="col" { (c) } } } }
                tbody {
                    @if table.rows.is_empty() {
                        tr { td colspan=(table.columns.len()) { "No events in this range." } }
                    }
                    @for row in &table.rows {
                        tr {
                            @for (i, cell) in row.iter().enumerate() {
                                @if i == 0 { th scope="row" { (cell.shown()) } }
                                @else { td { (cell.shown()) } }
                            }
                        }
                    }
                }
            }
            p.download {
                a href={"/agent/reports/" (report) "?" (filter_query(filter)) "&format=csv&table=" (table.id)} {
                    "Download “" (table.caption) "” as CSV"
                }
            }
        }
    }
}

/// A bar chart as inline SVG: `role="img"` with a title and a description that gives the
/// numbers in words; the table named by the chart has them too.
pub fn svg_chart(chart: &Chart) -> Markup {
    const WIDTH: f64 = 720.0;
    const HEIGHT: f64 = 200.0;
    const LABELS: f64 = 40.0;
    let max = chart.bars.iter().map(|b| b.1).fold(0.0_f64, f64::max);
    let scale = if chart.shares { 1.0 } else { max.max(1.0) };
    let value = |v: f64| {
        if chart.shares {
            format!("{:.1}%", v * 100.0)
        } else {
            format!("{v:.0}")
        }
    };
    #[allow(clippy::cast_precision_loss)] // A few dozen bars.
    let step = WIDTH / chart.bars.len().max(1) as f64;
    let description = if chart.bars.is_empty() {
        "No data in this range.".to_owned()
    } else {
        chart
            .bars
            .iter()
            .map(|(label, v)| format!("{label}: {}", value(*v)))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let id = format!("chart-{}", chart.table);
    // (left edge, height, label, value) of each bar.
    let bars: Vec<(f64, f64, &String, &f64)> = chart
        .bars
        .iter()
        .enumerate()
        .map(|(i, (label, v))| {
            #[allow(clippy::cast_precision_loss)] // A few dozen bars.
            let x = i as f64 * step;
            (x, (v / scale).clamp(0.0, 1.0) * (HEIGHT - 16.0), label, v)
        })
        .collect();
    html! {
        figure.chart {
            svg xmlns="http://www.w3.org/2000/svg" role="img" width="100%"
                viewBox={"0 0 " (WIDTH) " " (HEIGHT + LABELS)}
                aria-labelledby={(id) "-title " (id) "-desc"} {
                title #{(id) "-title"} { (chart.title) }
                desc #{(id) "-desc"} { (description) }
                line x1="0" y1=(HEIGHT) x2=(WIDTH) y2=(HEIGHT) stroke="#888" stroke-width="1" {}
                @for (x, h, label, v) in &bars {
                    rect x=(format!("{:.1}", x + step * 0.1)) y=(format!("{:.1}", HEIGHT - h))
                        width=(format!("{:.1}", step * 0.8)) height=(format!("{h:.1}"))
                        fill="#2557d6" {
                        title { (label) ": " (value(**v)) }
                    }
                    @if bars.len() <= 16 {
                        text x=(format!("{:.1}", x + step / 2.0)) y=(HEIGHT + 16.0)
                            text-anchor="middle" font-size="11" fill="#333" { (label) }
                    }
                }
            }
            figcaption { (chart.title) " (the numbers are in the table “" (chart.table) "” below)" }
        }
    }
}

/// A table as CSV (RFC 4180: fields with commas, quotes or line breaks quoted, quotes doubled;
/// a text starting with `=`, `+`, `-` or `@` gets a leading `'` so spreadsheets do not run it).
pub fn to_csv(table: &Table) -> String {
    let field = |s: &str| {
        let s = if s.starts_with(['=', '+', '-', '@']) {
            format!("'{s}")
        } else {
            s.to_owned()
        };
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s
        }
    };
    let mut out = table
        .columns
        .iter()
        .map(|c| field(c))
        .collect::<Vec<_>>()
        .join(",");
    out.push_str("\r\n");
    for row in &table.rows {
        let line: Vec<String> = row
            .iter()
            .map(|c| match c {
                Cell::Text(s) => field(s),
                other => other.csv(),
            })
            .collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

fn csv_response(report: &str, table: &Table, filter: &ReportFilter) -> Response {
    let name = format!(
        "baton-{report}-{}-{}-{}.csv",
        table.id, filter.from, filter.to
    )
    .chars()
    .map(|c| {
        if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
            c
        } else {
            '_'
        }
    })
    .collect::<String>();
    (
        [
            (CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        to_csv(table),
    )
        .into_response()
}
