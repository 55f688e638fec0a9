//! Publish throughput: check + render + sanitize + index a generated knowledge base, and swap
//! it in. Run with `cargo bench -p baton-server --bench publish`; peak memory and one-shot
//! latency come from `cargo run --release -p baton-server --example publish_figures`.

mod generate;

use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

fn publish(c: &mut Criterion) {
    let mut group = c.benchmark_group("publish");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    let live = generate::live_knowledge();
    for n in [1_000, 10_000] {
        let files = generate::knowledge_base(n);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(
            BenchmarkId::new("check_render_index_swap", n),
            &files,
            |b, files| {
                b.iter(|| {
                    live.publish(generate::publishable(files));
                });
            },
        );
    }
    group.finish();
}

criterion_group!(benches, publish);
criterion_main!(benches);
