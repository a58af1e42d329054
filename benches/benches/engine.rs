//! Native engine throughput on the bundled samples, next to a naive baseline
//! measured in the same run: `serde_json::Value` per line plus one Unicode
//! `replace_all` per detector over every string — what a first version of a
//! scrubber usually looks like.
//!
//! `cargo bench -p logsift-benches --bench engine` (figures in BENCHMARKS.md).

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use logsift_benches::{
    Naive, bytes_kept, pii_density, raw_matches, sample_lines, strict_scrubber, structlog_non_ascii,
};
use logsift_core::{Ctx, Pipeline};

fn bench_config(c: &mut Criterion, group: &str, lines: &[Vec<u8>], configs: &[(&str, String)]) {
    let bytes: usize = lines.iter().map(|l| l.len() + 1).sum();
    let mut g = c.benchmark_group(group);
    g.throughput(Throughput::Bytes(bytes as u64));
    for (name, cfg) in configs {
        let mut p = Pipeline::from_json(cfg.as_bytes()).expect("bench config");
        let mut ctx = Ctx::new(1_732_464_000_000_000_000, 1);
        g.bench_function(*name, |b| b.iter(|| bytes_kept(&mut p, lines, &mut ctx)));
    }
    // The floor: a strict scrub cannot run faster than this row.
    let mut floor = strict_scrubber();
    g.bench_function("regex_passes_only_strict", |b| b.iter(|| raw_matches(&mut floor, lines)));
    if group == "structlog" || group == "non_ascii" || group.starts_with("pii_") {
        let naive = Naive::strict();
        g.bench_function("naive_value_replace_all", |b| {
            b.iter(|| lines.iter().map(|l| naive.scrub(black_box(l)).len()).sum::<usize>())
        });
    }
    g.finish();
}

fn engine(c: &mut Criterion) {
    let example = std::fs::read_to_string(logsift_benches::root().join("observability/logsift.example.json"))
        .expect("example config");
    let configs = vec![
        ("scrub_default", r#"{"scrub": {}}"#.to_owned()),
        ("scrub_strict", r#"{"scrub": {"preset": "strict"}}"#.to_owned()),
        ("enrich_only", r#"{"enrich": {"service": "api", "traceparent": {}, "route": {}, "level": {}}}"#.to_owned()),
        ("sample_only", r#"{"sample": {"rates": {"info": 0.1}}}"#.to_owned()),
        (
            "alerts_only",
            r#"{"alerts": {"rules": [{"name": "E", "match": [{"level_at_least": "error"}], "threshold": 1000000}]}}"#
                .to_owned(),
        ),
        ("pipeline_example", example),
        // The motivating app's production pipeline: most records are sampled
        // away, before the scrub.
        (
            "prod_strict_sampled_10pct",
            r#"{"scrub": {"preset": "strict"}, "enrich": {"service": "tixora", "level": {}, "traceparent": {}},
                "sample": {"default_rate": 0.1, "rates": {"info": 0.1, "debug": 0.0}}}"#
                .to_owned(),
        ),
    ];
    bench_config(c, "structlog", &sample_lines("structlog.ndjson"), &configs);
    let strict = &configs[1..2];
    bench_config(c, "non_ascii", &structlog_non_ascii(), strict);
    bench_config(c, "envoy_access", &sample_lines("envoy-access.ndjson"), strict);
    bench_config(c, "nginx_text", &sample_lines("nginx-combined.log"), strict);
    bench_config(c, "sshd_syslog", &sample_lines("sshd-syslog.log"), strict);
    // The same records with 0, 5 and 50 in 100 carrying a PII value: what a
    // match costs, next to the fast path of a record with none.
    let presets = &configs[..2];
    for percent in [0, 5, 50] {
        bench_config(c, &format!("pii_{percent}pct"), &pii_density(2000, percent), presets);
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    targets = engine
}
criterion_main!(benches);
