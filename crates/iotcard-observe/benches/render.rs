//! Rendering costs with the figures of a million cards: `/metrics` (20
//! accounts × 4 operators × 8 statuses, per-card series capped at 10,000)
//! in both formats, and the status page. Targets: 50 ms and 100 ms.

#[path = "../tests/support/synthetic.rs"]
mod synthetic;

use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use iotcard_observe::{render_metrics, render_status_page, Format};

fn render(c: &mut Criterion) {
    let figures = Arc::new(synthetic::million(10_000, 10_000));
    let now = synthetic::t(synthetic::NOW);
    let mut group = c.benchmark_group("observe_1m_cards");
    group.bench_function("metrics_prometheus_text", |b| {
        b.iter(|| render_metrics(&figures, Format::Prometheus).unwrap().len())
    });
    group.bench_function("metrics_openmetrics", |b| {
        b.iter(|| render_metrics(&figures, Format::OpenMetrics).unwrap().len())
    });
    group.bench_function("status_page", |b| {
        b.iter(|| render_status_page(&figures, now).unwrap().len())
    });
    group.finish();
}

criterion_group!(benches, render);
criterion_main!(benches);
