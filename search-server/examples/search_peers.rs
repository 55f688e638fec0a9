//! Baton's search next to its peers on one generated corpus and one query set, in one run:
//!
//! - Baton's endpoint: the real `http::app` (routing, middleware, JSON, gzip) on a 127.0.0.1
//!   socket, with typo tolerance, prefix, snippets and facets;
//! - plain BM25 tantivy (title and body, `en_stem`, top 10 slugs), the floor: in-process and
//!   behind a bare axum handler on a 127.0.0.1 socket;
//! - the same plain query plus tantivy's `SnippetGenerator` on the body, in-process;
//! - SQLite FTS5 (`porter unicode61`, `bm25()`), in-process;
//! - PostgreSQL full-text search (`tsvector` + GIN, `ts_rank`), over a 127.0.0.1 connection.
//!
//! Prints p50/p99 latency and throughput at 1 and 16 clients, and each throughput as a ratio
//! to bare-HTTP tantivy and to PostgreSQL. Run it with `cargo xtask bench search-peers`, which
//! builds it with the `server` profile. Everything listens on 127.0.0.1 only; each load lasts a
//! bounded time and sends a bounded number of requests. PostgreSQL runs from
//! `/usr/lib/postgresql/<version>/bin` (or `BATON_PG_BIN`) in a temporary cluster on a free
//! port, as the system user `baton-pg` when started as root (created if missing), and is
//! stopped with `pg_ctl stop` at the end; without PostgreSQL its row is skipped.

#[path = "../benches/corpus/mod.rs"]
mod corpus;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use axum::extract::{Query, State};
use baton_server::content::Library;
use baton_server::http::{AppState, app};
use baton_server::knowledge::{Knowledge, LiveKnowledge};
use baton_server::storage::Storage;
use tantivy::collector::TopDocs;
use tantivy::query::QueryParser;
use tantivy::schema::{STORED, STRING, Schema, TEXT, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{Index, IndexReader, TantivyDocument};

const CLIENTS: [usize; 2] = [1, 16];

fn main() -> anyhow::Result<()> {
    let articles: usize = arg("--articles").unwrap_or(10_000);
    let seconds: u64 = arg("--seconds").unwrap_or(3);
    let only: Option<String> = arg("--only");
    let runtime = tokio::runtime::Runtime::new()?;
    let docs = corpus::articles(articles);
    let queries: Vec<&str> = corpus::QUERIES.iter().map(|(_, q)| *q).collect();
    let dir = tempfile::tempdir()?;
    println!(
        "corpus: {articles} generated articles, {} queries ({}), {seconds} s per load, \
         {} CPUs, load average {}",
        queries.len(),
        corpus::QUERIES
            .iter()
            .map(|(kind, _)| *kind)
            .collect::<Vec<_>>()
            .join(", "),
        std::thread::available_parallelism().map_or(0, usize::from),
        load_average(),
    );
    let wanted = |name: &str| only.as_deref().is_none_or(|o| name.contains(o));

    let mut rows: Vec<(String, Vec<Stats>)> = Vec::new();
    let mut measure =
        |name: &str, run: &(dyn Fn(&str) -> anyhow::Result<()> + Sync)| -> anyhow::Result<()> {
            for q in &queries {
                run(q).with_context(|| format!("{name}: query {q:?}"))?;
            }
            let stats: Vec<Stats> = CLIENTS
                .iter()
                .map(|&c| load(c, Duration::from_secs(seconds), &queries, run))
                .collect();
            for s in &stats {
                println!(
                    "  {name}: {} clients, {:.0} q/s, {} errors",
                    s.clients, s.qps, s.errors
                );
            }
            rows.push((name.to_owned(), stats));
            Ok(())
        };
    let agent = ureq::Agent::new_with_defaults();

    // Baton: the production router on a socket, in this process like the bare handler below.
    if wanted("baton") {
        let content = dir.path().join("content");
        corpus::write_content(&content, &docs)?;
        let router = runtime.block_on(baton_app(&content, &dir.path().join("data")))?;
        let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
        let addr = listener.local_addr()?;
        let server = runtime.spawn(async move { axum::serve(listener, router).await });
        let base = format!("http://{addr}/api/v1/search?limit=10&q=");
        measure("baton endpoint (HTTP)", &|q| {
            get(&agent, &format!("{base}{}", corpus::encode(q)))
        })?;
        server.abort();
    }

    // Plain tantivy BM25.
    let plain = Arc::new(PlainTantivy::build(&docs, false)?);
    if wanted("tantivy") {
        measure("tantivy BM25 in-process", &|q| plain.search(q).map(drop))?;
        let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
        let addr = listener.local_addr()?;
        let router = axum::Router::new()
            .route("/search", axum::routing::get(bare_search))
            .with_state(Arc::clone(&plain));
        let server = runtime.spawn(async move { axum::serve(listener, router).await });
        let bare = format!("http://{addr}/search?q=");
        measure("tantivy BM25 bare axum (HTTP)", &|q| {
            get(&agent, &format!("{bare}{}", corpus::encode(q)))
        })?;
        server.abort();
        let snippets = PlainTantivy::build(&docs, true)?;
        measure("tantivy + SnippetGenerator in-process", &|q| {
            snippets.search_with_snippets(q).map(drop)
        })?;
    }
    drop(plain);

    // SQLite FTS5 (sqlx's bundled SQLite).
    let handle = runtime.handle().clone();
    if wanted("sqlite") {
        let sqlite = runtime.block_on(sqlite_fts(&dir.path().join("fts.sqlite3"), &docs))?;
        measure("SQLite FTS5 in-process", &|q| {
            let words = or_of_words(q, "\"", " OR ");
            handle.block_on(
                sqlx::query_scalar::<_, String>(
                    "SELECT slug FROM docs WHERE docs MATCH ?1 ORDER BY bm25(docs) LIMIT 10",
                )
                .bind(words)
                .fetch_all(&sqlite),
            )?;
            Ok(())
        })?;
        runtime.block_on(sqlite.close());
    }

    // PostgreSQL full-text search.
    if wanted("postgres") {
        match Postgres::start(dir.path()) {
            Ok(pg) => {
                let pool = runtime.block_on(pg_fts(&pg, &docs))?;
                measure("PostgreSQL FTS (TCP)", &|q| {
                    handle.block_on(
                        sqlx::query_scalar::<_, String>(
                            "SELECT slug FROM docs, to_tsquery('english', $1) query \
                             WHERE tsv @@ query ORDER BY ts_rank(tsv, query) DESC LIMIT 10",
                        )
                        .bind(or_of_words(q, "", " | "))
                        .fetch_all(&pool),
                    )?;
                    Ok(())
                })?;
                runtime.block_on(pool.close());
                drop(pg);
            }
            Err(e) => println!("PostgreSQL skipped: {e:#}"),
        }
    }

    print_table(&rows);
    println!("load average after: {}", load_average());
    Ok(())
}

/// The machine's 1, 5 and 15 minute load averages (`/proc/loadavg`): other work on the same
/// CPUs lowers every row, so the figures only compare within one run.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_owned())
}

async fn baton_app(content: &Path, data: &Path) -> anyhow::Result<axum::Router> {
    let library = Library::load(content).map_err(|d| anyhow::anyhow!("{d:?}"))?;
    let knowledge = Knowledge::build(library)?;
    let storage = Storage::open(data).await?;
    Ok(app(AppState {
        knowledge: Arc::new(LiveKnowledge::new(knowledge)),
        storage,
        widget_dir: data.join("widget"),
        host_page: None,
        handoff: Default::default(),
        events: Default::default(),
    }))
}

fn arg<T: std::str::FromStr>(name: &str) -> Option<T> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
}

#[derive(Clone, Copy, Debug)]
struct Stats {
    clients: usize,
    p50: Duration,
    p99: Duration,
    qps: f64,
    errors: usize,
}

/// `clients` threads send the queries round-robin for `duration`, at most 200,000 in all.
fn load(
    clients: usize,
    duration: Duration,
    queries: &[&str],
    run: &(dyn Fn(&str) -> anyhow::Result<()> + Sync),
) -> Stats {
    const MAX_REQUESTS: usize = 200_000;
    let start = Instant::now();
    let per_client: Vec<(Vec<Duration>, usize)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..clients)
            .map(|c| {
                scope.spawn(move || {
                    let mut own = Vec::new();
                    let mut errors = 0;
                    let mut i = c;
                    while start.elapsed() < duration && own.len() < MAX_REQUESTS / clients {
                        let t = Instant::now();
                        match run(queries[i % queries.len()]) {
                            Ok(()) => own.push(t.elapsed()),
                            Err(_) => errors += 1,
                        }
                        i += 1;
                    }
                    (own, errors)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or_default())
            .collect()
    });
    let elapsed = start.elapsed();
    let errors = per_client.iter().map(|(_, e)| e).sum();
    let mut latencies: Vec<Duration> = per_client.into_iter().flat_map(|(l, _)| l).collect();
    latencies.sort();
    let at = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    Stats {
        clients,
        p50: at(0.50),
        p99: at(0.99),
        qps: latencies.len() as f64 / elapsed.as_secs_f64(),
        errors,
    }
}

fn print_table(rows: &[(String, Vec<Stats>)]) {
    let qps = |name: &str, clients: usize| {
        rows.iter()
            .find(|(n, _)| n.starts_with(name))
            .and_then(|(_, s)| s.iter().find(|s| s.clients == clients))
            .map(|s| s.qps)
    };
    println!();
    println!("| engine | clients | p50 | p99 | queries/s | vs bare-HTTP tantivy | vs PostgreSQL |");
    println!("|---|---|---|---|---|---|---|");
    for (name, stats) in rows {
        for s in stats {
            let ratio = |base: Option<f64>| {
                base.filter(|b| *b > 0.0)
                    .map_or("–".to_owned(), |b| format!("{:.2}×", s.qps / b))
            };
            println!(
                "| {name} | {} | {:.3} ms | {:.3} ms | {:.0} | {} | {} |",
                s.clients,
                s.p50.as_secs_f64() * 1e3,
                s.p99.as_secs_f64() * 1e3,
                s.qps,
                ratio(qps("tantivy BM25 bare", s.clients)),
                ratio(qps("PostgreSQL", s.clients)),
            );
        }
    }
}

fn get(agent: &ureq::Agent, url: &str) -> anyhow::Result<()> {
    let mut response = agent.get(url).call()?;
    response.body_mut().read_to_vec()?;
    Ok(())
}

/// The query's words (letters and digits), each quoted, joined by `op`.
fn or_of_words(q: &str, quote: &str, op: &str) -> String {
    q.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| format!("{quote}{w}{quote}"))
        .collect::<Vec<_>>()
        .join(op)
}

/// Title and body with tantivy's `en_stem`, a lenient parsed OR query, BM25: the floor. With
/// `store_body`, the body is stored too, for tantivy's own snippets.
struct PlainTantivy {
    reader: IndexReader,
    parser: QueryParser,
    slug: tantivy::schema::Field,
    body: tantivy::schema::Field,
}

impl PlainTantivy {
    fn build(docs: &[corpus::Doc], store_body: bool) -> anyhow::Result<PlainTantivy> {
        let mut builder = Schema::builder();
        let slug = builder.add_text_field("slug", STRING | STORED);
        let text = TEXT.set_indexing_options(
            tantivy::schema::TextFieldIndexing::default()
                .set_tokenizer("en_stem")
                .set_index_option(tantivy::schema::IndexRecordOption::WithFreqsAndPositions),
        );
        let title = builder.add_text_field("title", text.clone());
        let body = if store_body {
            builder.add_text_field("body", text | STORED)
        } else {
            builder.add_text_field("body", text)
        };
        let index = Index::create_in_ram(builder.build());
        let mut writer = index.writer_with_num_threads(1, 50_000_000)?;
        for doc in docs {
            let mut d = TantivyDocument::default();
            d.add_text(slug, &doc.slug);
            d.add_text(title, &doc.title);
            d.add_text(body, &doc.body);
            writer.add_document(d)?;
        }
        writer.commit()?;
        Ok(PlainTantivy {
            reader: index.reader()?,
            parser: QueryParser::for_index(&index, vec![title, body]),
            slug,
            body,
        })
    }

    fn search(&self, q: &str) -> anyhow::Result<Vec<String>> {
        let (query, _errors) = self.parser.parse_query_lenient(q);
        let searcher = self.reader.searcher();
        let top = searcher.search(&query, &TopDocs::with_limit(10).order_by_score())?;
        let mut slugs = Vec::with_capacity(top.len());
        for (_, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            if let Some(s) = doc.get_first(self.slug).and_then(|v| v.as_str()) {
                slugs.push(s.to_owned());
            }
        }
        Ok(slugs)
    }

    /// The top 10 slugs, each with a highlighted body snippet as HTML.
    fn search_with_snippets(&self, q: &str) -> anyhow::Result<Vec<(String, String)>> {
        let (query, _errors) = self.parser.parse_query_lenient(q);
        let searcher = self.reader.searcher();
        let top = searcher.search(&query, &TopDocs::with_limit(10).order_by_score())?;
        let generator = SnippetGenerator::create(&searcher, &*query, self.body)?;
        let mut hits = Vec::with_capacity(top.len());
        for (_, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            let slug = doc
                .get_first(self.slug)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_owned();
            hits.push((slug, generator.snippet_from_doc(&doc).to_html()));
        }
        Ok(hits)
    }
}

#[derive(serde::Deserialize)]
struct Q {
    q: String,
}

async fn bare_search(
    State(plain): State<Arc<PlainTantivy>>,
    Query(Q { q }): Query<Q>,
) -> axum::Json<Vec<String>> {
    axum::Json(plain.search(&q).unwrap_or_default())
}

async fn sqlite_fts(path: &Path, docs: &[corpus::Doc]) -> anyhow::Result<sqlx::SqlitePool> {
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true);
    let pool = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(16)
        .connect_with(options)
        .await?;
    sqlx::query("CREATE VIRTUAL TABLE docs USING fts5(slug UNINDEXED, title, body, tokenize='porter unicode61')")
        .execute(&pool)
        .await?;
    let mut tx = pool.begin().await?;
    for doc in docs {
        sqlx::query("INSERT INTO docs (slug, title, body) VALUES (?1, ?2, ?3)")
            .bind(&doc.slug)
            .bind(&doc.title)
            .bind(&doc.body)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(pool)
}

/// A temporary PostgreSQL cluster on 127.0.0.1; stopped when dropped.
struct Postgres {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
    user: Option<&'static str>,
}

const PG_USER: &str = "baton-pg";

impl Postgres {
    fn start(tmp: &Path) -> anyhow::Result<Postgres> {
        let bin = match std::env::var_os("BATON_PG_BIN") {
            Some(bin) => PathBuf::from(bin),
            None => newest_postgres().context(
                "no PostgreSQL server in /usr/lib/postgresql/*/bin (install the \
                 `postgresql` package, or set BATON_PG_BIN)",
            )?,
        };
        if !bin.join("postgres").is_file() {
            bail!("no PostgreSQL server in {}", bin.display());
        }
        let root = Command::new("id").arg("-u").output()?.stdout == b"0\n";
        let user = root.then_some(PG_USER);
        let dir = tmp.join("pg");
        std::fs::create_dir_all(&dir)?;
        if let Some(user) = user {
            let exists = Command::new("id").arg(user).output()?.status.success();
            if !exists {
                run(Command::new("useradd").args(["--system", "--no-create-home", user]))?;
            }
            run(Command::new("chown").args(["-R", user]).arg(&dir))?;
            // The cluster's folder must be reachable by the user.
            run(Command::new("chmod").arg("o+x").arg(tmp))?;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let data = dir.join("data");
        let pg = Postgres {
            bin,
            data,
            port,
            user,
        };
        pg.run_pg(
            "initdb",
            &[
                "-D",
                &pg.data_str(),
                "--auth=trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
            ],
        )?;
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {port} -k {}",
            dir.display()
        );
        pg.run_pg(
            "pg_ctl",
            &[
                "-D",
                &pg.data_str(),
                "-o",
                &options,
                "-w",
                "-l",
                &format!("{}/log", dir.display()),
                "start",
            ],
        )?;
        Ok(pg)
    }

    fn data_str(&self) -> String {
        self.data.display().to_string()
    }

    fn run_pg(&self, tool: &str, args: &[&str]) -> anyhow::Result<()> {
        let exe = self.bin.join(tool);
        let mut command = match self.user {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(exe);
                c
            }
            None => Command::new(exe),
        };
        run(command.args(args))
    }
}

/// The `bin` folder of the newest PostgreSQL under `/usr/lib/postgresql`.
fn newest_postgres() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("postgres").is_file().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = self.run_pg(
            "pg_ctl",
            &["-D", &self.data_str(), "-m", "fast", "-w", "stop"],
        );
    }
}

fn run(command: &mut Command) -> anyhow::Result<()> {
    let output = command.stdin(Stdio::null()).output()?;
    if !output.status.success() {
        bail!(
            "{command:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(())
}

async fn pg_fts(pg: &Postgres, docs: &[corpus::Doc]) -> anyhow::Result<sqlx::PgPool> {
    let url = format!("postgres://postgres@127.0.0.1:{}/postgres", pg.port);
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(16)
        .connect(&url)
        .await?;
    sqlx::query(
        "CREATE TABLE docs (slug text PRIMARY KEY, title text, body text, tsv tsvector \
         GENERATED ALWAYS AS (to_tsvector('english', title || ' ' || body)) STORED)",
    )
    .execute(&pool)
    .await?;
    let slugs: Vec<&str> = docs.iter().map(|d| d.slug.as_str()).collect();
    let titles: Vec<&str> = docs.iter().map(|d| d.title.as_str()).collect();
    let bodies: Vec<&str> = docs.iter().map(|d| d.body.as_str()).collect();
    sqlx::query("INSERT INTO docs (slug, title, body) SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[])")
        .bind(&slugs)
        .bind(&titles)
        .bind(&bodies)
        .execute(&pool)
        .await?;
    sqlx::query("CREATE INDEX docs_tsv ON docs USING GIN (tsv)")
        .execute(&pool)
        .await?;
    sqlx::query("ANALYZE docs").execute(&pool).await?;
    Ok(pool)
}
