//! logsift next to Vector's VRL `redact` and the naive baseline, on the same
//! records in the same run, with each one's recall on the planted secrets
//! printed first.
//!
//! `cd benches/peers && cargo bench` (figures in BENCHMARKS.md).

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use logsift_peers::corpus::{pii_density, sample_lines};
use logsift_peers::naive::Naive;
use logsift_peers::{Vrl, logsift, recall};

const STRICT: &str = r#"{"scrub": {"preset": "strict"}}"#;

fn peers(c: &mut Criterion) {
    let vrl = Vrl::new().expect("the VRL program compiles");
    let naive = Naive::strict();
    eprintln!("\nrecall on host-test/samples/planted.json (planted values removed / traps intact):");
    for (name, r) in [
        ("logsift strict", recall(logsift(STRICT))),
        ("VRL redact", recall(|l| vrl.scrub(l))),
        ("naive Value + replace_all", recall(|l| naive.scrub(l))),
    ] {
        eprintln!(
            "  {name:<26} recall {:.3} ({}/{}), traps intact {:.3} ({}/{})",
            r.recall(),
            r.caught,
            r.planted,
            r.precision(),
            r.traps - r.damaged,
            r.traps
        );
    }
    let workloads = [
        ("structlog", sample_lines("structlog.ndjson")),
        ("envoy_access", sample_lines("envoy-access.ndjson")),
        ("sshd_syslog", sample_lines("sshd-syslog.log")),
        ("pii_0pct", pii_density(2000, 0)),
        ("pii_5pct", pii_density(2000, 5)),
        ("pii_50pct", pii_density(2000, 50)),
    ];
    for (name, lines) in &workloads {
        let bytes: usize = lines.iter().map(|l| l.len() + 1).sum();
        let mut g = c.benchmark_group(format!("peers_{name}"));
        g.throughput(Throughput::Bytes(bytes as u64));
        let mut ls = logsift(STRICT);
        g.bench_function("logsift_strict", |b| {
            b.iter(|| lines.iter().map(|l| ls(black_box(l)).len()).sum::<usize>())
        });
        // The floor of the strict scrub: its regex passes alone (see the
        // engine bench). VRL against this row bounds the ratio any further
        // speed-up of the rest of the engine could reach.
        let strict = serde_json::from_str(r#"{"preset": "strict"}"#).expect("strict config");
        let mut floor = logsift_core::scrub::Scrubber::new(&strict).expect("strict scrubber");
        g.bench_function("logsift_regex_passes_only_strict", |b| {
            b.iter(|| lines.iter().map(|l| floor.regex_passes_only(black_box(l))).sum::<usize>())
        });
        g.bench_function("vrl_redact", |b| {
            b.iter(|| lines.iter().map(|l| vrl.scrub(black_box(l)).len()).sum::<usize>())
        });
        g.bench_function("naive_value_replace_all", |b| {
            b.iter(|| lines.iter().map(|l| naive.scrub(black_box(l)).len()).sum::<usize>())
        });
        g.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10).measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    targets = peers
}
criterion_main!(benches);
