//! One publish of generated knowledge bases (1k and 10k articles), timed stage by stage, with
//! the process's peak memory: `cargo run --release -p baton-server --example publish_figures`.

#[path = "../benches/generate.rs"]
mod generate;

use std::time::Instant;

use baton_server::content::Library;
use baton_server::knowledge::Knowledge;

fn peak_memory_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![1_000, 10_000]
    } else {
        sizes
    };
    let live = generate::live_knowledge();
    for n in sizes {
        let files = generate::knowledge_base(n);
        let start = Instant::now();
        let library = Library::from_files(&files).library.expect("valid");
        let checked = start.elapsed();
        let knowledge = Knowledge::build(library).expect("index");
        let indexed = start.elapsed();
        live.publish(knowledge);
        let swapped = start.elapsed();
        println!(
            "{n} articles ({:.1} MiB): check+render {:.2} s, index {:.2} s, publish-to-swap {:.2} s = {:.0} articles/s; peak memory so far {:.0} MiB",
            files.total_bytes() as f64 / 1_048_576.0,
            checked.as_secs_f64(),
            (indexed - checked).as_secs_f64(),
            swapped.as_secs_f64(),
            n as f64 / swapped.as_secs_f64(),
            peak_memory_mib().unwrap_or(f64::NAN),
        );
    }
}
