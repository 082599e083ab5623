//! The check engine over synthetic snapshots of 100, 1,000 and 10,000 REST APIs: every check,
//! suppression and scope handling, as one audit runs them. Target: under 100 ms for 10,000.

#[path = "../bench/synthetic.rs"]
mod synthetic;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::time::Duration;

fn engine(c: &mut Criterion) {
    let mut group = c.benchmark_group("engine");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    for apis in [100, 1_000, 10_000] {
        let snapshot = synthetic::snapshot(apis);
        // Each cause is planted: the bench measures real work, not an empty pass.
        assert!(gatecheck::checks::evaluate(&snapshot).findings.len() >= apis / 10);
        group.throughput(Throughput::Elements(apis as u64));
        group.bench_with_input(BenchmarkId::new("evaluate", apis), &snapshot, |b, s| {
            b.iter(|| gatecheck::checks::evaluate(std::hint::black_box(s)))
        });
    }
    group.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
