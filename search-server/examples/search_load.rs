//! A bounded load run against a real `baton serve` process on 127.0.0.1.
//!
//! Starts the `baton` binary (next to this example in the target folder) on a free port with a
//! content folder (the demo `kb-content/` by default) and a fresh data folder, then sends
//! `--requests` requests in all (never longer than `--seconds`), shared equally by each number
//! of concurrent clients in `--clients` (`1,16,64` by default), each in `--rounds` equal
//! rounds: what customers type, as-you-type prefixes, typos, both locales, filters, hostile
//! text, plus page suggestions and article reads. Prints p50/p99 latency, throughput and
//! errors per round, and the server's resident memory (`VmRSS` from `/proc/<pid>/status`)
//! after start, at its peak during each round and after each round, so a leak shows as growth
//! from round to round. Stops the server with SIGTERM, by its pid.
//!
//! Run it with `cargo xtask bench load` (or `search-load`).

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// What the clients ask, round-robin: (path and query string).
const REQUESTS: &[&str] = &[
    "/api/v1/search?q=reset%20password",
    "/api/v1/search?q=res",
    "/api/v1/search?q=reset%20pa",
    "/api/v1/search?q=pasword",
    "/api/v1/search?q=hub%20offline",
    "/api/v1/search?q=wifi%20conection",
    "/api/v1/search?q=notifcations%20not%20arriving",
    "/api/v1/search?q=factory%20reset",
    "/api/v1/search?q=led%20ring%20amber",
    "/api/v1/search?q=refund",
    "/api/v1/search?q=cancel%20subscripton",
    "/api/v1/search?q=two%20factor",
    "/api/v1/search?q=zigbe",
    "/api/v1/search?q=invoice&category=billing",
    "/api/v1/search?q=how%20do%20I%20move%20my%20hub%20to%20a%20new%20home",
    "/api/v1/search?q=passwort%20zur%C3%BCcksetzen&locale=de",
    "/api/v1/search?q=wlan&locale=de",
    "/api/v1/search?q=%22%29%28*%3A%3A~~%5E%5E",
    "/api/v1/search?q=zyxwvut%20qqqq",
    "/api/v1/suggestions?page_url=https%3A%2F%2Fshop.example%2Faccount%2Fsecurity",
    "/api/v1/articles/reset-your-account-password",
    "/api/v1/search?q=camera%20storage",
];

fn main() -> anyhow::Result<()> {
    let requests: usize = arg("--requests").unwrap_or(30_000);
    let levels: Vec<usize> = arg::<String>("--clients")
        .unwrap_or_else(|| "1,16,64".to_owned())
        .split(',')
        .filter_map(|c| c.trim().parse().ok())
        .map(|c: usize| c.max(1))
        .collect();
    let rounds: usize = arg("--rounds").unwrap_or(2).max(1);
    let seconds: u64 = arg("--seconds").unwrap_or(60);
    let content: PathBuf = arg("--content-dir").unwrap_or_else(|| PathBuf::from("kb-content"));
    let data = tempfile::tempdir()?;
    let baton: Option<PathBuf> = arg("--baton");
    let server = BatonServer::start(baton, &content, data.path())?;
    let pid = server.child.id();
    println!(
        "baton serve (pid {pid}) on {} with {}: {requests} requests, shared by {:?} concurrent \
         clients, {rounds} rounds each, at most {seconds} s",
        server.addr,
        content.display(),
        levels,
    );
    let agent = ureq::Agent::new_with_defaults();
    let base = format!("http://{}", server.addr);
    get(&agent, &format!("{base}/healthz")).context("the server does not answer")?;
    println!("RSS after start: {}", kib(rss_kib(pid)?));

    let deadline = Instant::now() + Duration::from_secs(seconds);
    println!();
    println!(
        "| clients | round | requests | errors | p50 | p99 | max | requests/s | peak RSS | RSS after |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    let per_round = requests.div_ceil(rounds * levels.len().max(1));
    let rounds = levels
        .iter()
        .flat_map(|&clients| (1..=rounds).map(move |round| (clients, round)));
    for (clients, round) in rounds {
        let peak = AtomicU64::new(0);
        let done = AtomicBool::new(false);
        let next = AtomicUsize::new(0);
        let errors = AtomicUsize::new(0);
        let start = Instant::now();
        let mut latencies: Vec<Duration> = std::thread::scope(|scope| {
            let sampler = scope.spawn(|| {
                while !done.load(Ordering::Relaxed) {
                    if let Ok(rss) = rss_kib(pid) {
                        peak.fetch_max(rss, Ordering::Relaxed);
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
            });
            let workers: Vec<_> = (0..clients)
                .map(|_| {
                    scope.spawn(|| {
                        let mut own = Vec::new();
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            if i >= per_round || Instant::now() >= deadline {
                                break;
                            }
                            let url = format!("{base}{}", REQUESTS[i % REQUESTS.len()]);
                            let t = Instant::now();
                            match get(&agent, &url) {
                                Ok(()) => own.push(t.elapsed()),
                                Err(e) => {
                                    if errors.fetch_add(1, Ordering::Relaxed) < 3 {
                                        eprintln!("error: {url}: {e:#}");
                                    }
                                }
                            }
                        }
                        own
                    })
                })
                .collect();
            let all = workers
                .into_iter()
                .flat_map(|w| w.join().unwrap_or_default())
                .collect();
            done.store(true, Ordering::Relaxed);
            let _ = sampler.join();
            all
        });
        let elapsed = start.elapsed();
        latencies.sort();
        let at = |p: f64| {
            let i = ((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1));
            latencies.get(i).copied().unwrap_or_default()
        };
        let errors = errors.load(Ordering::Relaxed);
        println!(
            "| {clients} | {round} | {} | {errors} | {:.2} ms | {:.2} ms | {:.2} ms | {:.0} | {} | {} |",
            latencies.len() + errors,
            ms(at(0.50)),
            ms(at(0.99)),
            ms(latencies.last().copied().unwrap_or_default()),
            latencies.len() as f64 / elapsed.as_secs_f64(),
            kib(peak.load(Ordering::Relaxed)),
            kib(rss_kib(pid)?),
        );
        if Instant::now() >= deadline {
            println!("(stopped at the {seconds} s limit)");
            break;
        }
    }
    get(&agent, &format!("{base}/healthz")).context("the server stopped answering")?;
    drop(server);
    Ok(())
}

fn arg<T: std::str::FromStr>(name: &str) -> Option<T> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn kib(value: u64) -> String {
    format!("{:.1} MiB", value as f64 / 1024.0)
}

/// The resident memory of process `pid`, in KiB.
fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .context("no VmRSS in /proc/<pid>/status")
}

fn get(agent: &ureq::Agent, url: &str) -> anyhow::Result<()> {
    let mut response = agent.get(url).call()?;
    response.body_mut().read_to_vec()?;
    Ok(())
}

/// `baton serve` on a free port of 127.0.0.1; stopped with SIGTERM when dropped. The binary is
/// `--baton`, or the `baton` of the target folder this example was built in.
struct BatonServer {
    child: Child,
    addr: String,
}

impl BatonServer {
    fn start(baton: Option<PathBuf>, content: &Path, data: &Path) -> anyhow::Result<BatonServer> {
        let baton = match baton {
            Some(baton) => baton,
            None => std::env::current_exe()?
                .parent()
                .and_then(Path::parent)
                .map(|d| d.join("baton"))
                .context("no target folder")?,
        };
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
                let _ = child.wait();
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
        // SIGTERM lets it shut down gracefully; kill it only if it does not stop in time.
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                println!("baton serve (pid {pid}) stopped: {status}");
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        println!("baton serve (pid {pid}) killed after 10 s");
    }
}
