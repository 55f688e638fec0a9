//! Baton's search next to its peers on one generated corpus and one query set: Baton's
//! endpoint (`baton serve` over HTTP, with typo tolerance, prefix, snippets and facets), plain
//! BM25 tantivy in-process and behind a bare axum handler (the floor), SQLite FTS5 and
//! PostgreSQL full-text search. Prints p50/p99 latency and throughput at 1 and 16 clients.
//!
//! Run it with `cargo xtask bench search-peers`, which builds `baton` and this example with
//! the `server` profile. Everything listens on 127.0.0.1 only; each load lasts a bounded time.
//! PostgreSQL runs from `/usr/lib/postgresql/15/bin` (or `BATON_PG_BIN`) in a temporary
//! cluster, as the system user `baton-pg` when started as root; it is skipped if missing.

#[path = "../benches/corpus/mod.rs"]
mod corpus;

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use axum::extract::{Query, State};
use tantivy::collector::TopDocs;
use tantivy::query::QueryParser;
use tantivy::schema::{STORED, STRING, Schema, TEXT, Value};
use tantivy::{Index, IndexReader, TantivyDocument};

const CLIENTS: [usize; 2] = [1, 16];

fn main() -> anyhow::Result<()> {
    let articles: usize = arg("--articles").unwrap_or(10_000);
    let seconds: u64 = arg("--seconds").unwrap_or(3);
    let runtime = tokio::runtime::Runtime::new()?;
    let docs = corpus::articles(articles);
    let queries: Vec<&str> = corpus::QUERIES.iter().map(|(_, q)| *q).collect();
    let dir = tempfile::tempdir()?;
    println!(
        "corpus: {articles} generated articles, {} queries, {seconds} s per load",
        queries.len()
    );

    let mut rows: Vec<(String, Vec<Stats>)> = Vec::new();
    let mut measure =
        |name: &str, run: &(dyn Fn(&str) -> anyhow::Result<()> + Sync)| -> anyhow::Result<()> {
            for q in &queries {
                run(q).with_context(|| format!("{name}: query {q:?}"))?;
            }
            let stats = CLIENTS
                .iter()
                .map(|&c| load(c, Duration::from_secs(seconds), &queries, run))
                .collect();
            rows.push((name.to_owned(), stats));
            Ok(())
        };

    // Baton: the real server binary over HTTP.
    let content = dir.path().join("content");
    write_content(&content, &docs)?;
    let baton = BatonServer::start(&content, &dir.path().join("data"))?;
    let agent = ureq::Agent::new_with_defaults();
    let base = format!("http://{}/api/v1/search?limit=10&q=", baton.addr);
    measure("baton endpoint (HTTP)", &|q| {
        get(&agent, &format!("{base}{}", encode(q)))
    })?;
    drop(baton);

    // Plain tantivy BM25.
    let plain = Arc::new(PlainTantivy::build(&docs)?);
    measure("tantivy BM25 in-process", &|q| plain.search(q).map(drop))?;
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let addr = listener.local_addr()?;
    let router = axum::Router::new()
        .route("/search", axum::routing::get(bare_search))
        .with_state(Arc::clone(&plain));
    runtime.spawn(async move { axum::serve(listener, router).await });
    let bare = format!("http://{addr}/search?q=");
    measure("tantivy BM25 bare axum (HTTP)", &|q| {
        get(&agent, &format!("{bare}{}", encode(q)))
    })?;

    // SQLite FTS5 (sqlx's bundled SQLite).
    let sqlite = runtime.block_on(sqlite_fts(&dir.path().join("fts.sqlite3"), &docs))?;
    let handle = runtime.handle().clone();
    measure("SQLite FTS5", &|q| {
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

    // PostgreSQL full-text search.
    match Postgres::start(dir.path()) {
        Ok(pg) => {
            let pool = runtime.block_on(pg_fts(&pg, &docs))?;
            measure("PostgreSQL FTS", &|q| {
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

    print_table(&rows);
    Ok(())
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
    let mut latencies: Vec<Duration> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..clients)
            .map(|c| {
                scope.spawn(move || {
                    let mut own = Vec::new();
                    let mut i = c;
                    while start.elapsed() < duration && own.len() < MAX_REQUESTS / clients {
                        let t = Instant::now();
                        if run(queries[i % queries.len()]).is_ok() {
                            own.push(t.elapsed());
                        }
                        i += 1;
                    }
                    own
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_default())
            .collect()
    });
    let elapsed = start.elapsed();
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

fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The query's words (letters and digits), each quoted, joined by `op`.
fn or_of_words(q: &str, quote: &str, op: &str) -> String {
    q.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| format!("{quote}{w}{quote}"))
        .collect::<Vec<_>>()
        .join(op)
}

fn write_content(dir: &Path, docs: &[corpus::Doc]) -> anyhow::Result<()> {
    let articles = dir.join("articles/en");
    std::fs::create_dir_all(&articles)?;
    std::fs::write(
        dir.join("site.toml"),
        "id = \"bench\"\nname = \"Bench\"\ngreeting = \"Hi\"\nbrand_color = \"#2557d6\"\n\
         default_locale = \"en\"\nlocales = [\"en\"]\nsupport_email = \"help@bench.example\"\n",
    )?;
    for doc in docs {
        let tags: Vec<String> = doc.tags.iter().map(|t| format!("{t:?}")).collect();
        let text = format!(
            "+++\ntitle = {:?}\nsummary = {:?}\ncategory = {:?}\ntags = [{}]\n+++\n\n{}\n",
            doc.title,
            doc.summary,
            doc.category,
            tags.join(", "),
            doc.body
        );
        std::fs::write(articles.join(format!("{}.md", doc.slug)), text)?;
    }
    Ok(())
}

/// `baton serve` on a free port; stopped when dropped.
struct BatonServer {
    child: Child,
    addr: String,
}

impl BatonServer {
    fn start(content: &Path, data: &Path) -> anyhow::Result<BatonServer> {
        let exe = std::env::current_exe()?;
        let baton: PathBuf = exe
            .parent()
            .and_then(Path::parent)
            .map(|d| d.join("baton"))
            .context("no target folder")?;
        let mut child = Command::new(&baton)
            .args(["serve", "--addr", "127.0.0.1:0", "--log-level", "warn"])
            .arg("--content-dir")
            .arg(content)
            .arg("--data-dir")
            .arg(data)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("cannot start {}", baton.display()))?;
        let stdout = child.stdout.take().context("no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        loop {
            let Some(line) = lines.next().transpose()? else {
                let _ = child.kill();
                bail!("baton serve stopped before listening");
            };
            if let Some(addr) = line.strip_prefix("baton listening on http://") {
                return Ok(BatonServer {
                    child,
                    addr: addr.trim().to_owned(),
                });
            }
        }
    }
}

impl Drop for BatonServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Title and body with tantivy's `en_stem`, a lenient parsed OR query, BM25: the floor.
struct PlainTantivy {
    reader: IndexReader,
    parser: QueryParser,
    slug: tantivy::schema::Field,
}

impl PlainTantivy {
    fn build(docs: &[corpus::Doc]) -> anyhow::Result<PlainTantivy> {
        let mut builder = Schema::builder();
        let slug = builder.add_text_field("slug", STRING | STORED);
        let text = TEXT.set_indexing_options(
            tantivy::schema::TextFieldIndexing::default()
                .set_tokenizer("en_stem")
                .set_index_option(tantivy::schema::IndexRecordOption::WithFreqsAndPositions),
        );
        let title = builder.add_text_field("title", text.clone());
        let body = builder.add_text_field("body", text);
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
        let bin = std::env::var_os("BATON_PG_BIN").map_or_else(
            || PathBuf::from("/usr/lib/postgresql/15/bin"),
            PathBuf::from,
        );
        if !bin.join("postgres").is_file() {
            bail!("no PostgreSQL in {}", bin.display());
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
