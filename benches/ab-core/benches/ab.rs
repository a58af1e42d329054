//! The engine at a base revision (A) against the working tree (B), in one
//! criterion run, strict and default presets, on `AB_SAMPLE` (default: the
//! structlog sample). Run through `run.sh`.
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

macro_rules! pass {
    ($krate:ident, $p:expr, $ctx:expr, $lines:expr) => {{
        let mut kept = 0usize;
        for l in $lines {
            if let $krate::Outcome::Keep(b) = $p.process(l, $ctx) {
                kept += b.len();
            }
        }
        kept
    }};
}

fn bench(c: &mut Criterion) {
    let lines = logsift_ab_core::lines();
    let bytes: usize = lines.iter().map(Vec::len).sum();
    for (name, cfg) in [("strict", r#"{"scrub": {"preset": "strict"}}"#), ("default", r#"{"scrub": {}}"#)] {
        let mut g = c.benchmark_group(name);
        g.throughput(Throughput::Bytes(bytes as u64));
        let mut pa = base::Pipeline::from_json(cfg.as_bytes()).unwrap();
        let mut ca = base::Ctx::new(1_732_464_000_000_000_000, 1);
        let mut pb = cur::Pipeline::from_json(cfg.as_bytes()).unwrap();
        let mut cb = cur::Ctx::new(1_732_464_000_000_000_000, 1);
        g.bench_function("A_session_start", |b| b.iter(|| black_box(pass!(base, pa, &mut ca, &lines))));
        g.bench_function("B_this_session", |b| b.iter(|| black_box(pass!(cur, pb, &mut cb, &lines))));
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
