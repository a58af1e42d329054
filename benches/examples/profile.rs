//! Runs one engine configuration over a sample many times, for profilers
//! (`valgrind --tool=callgrind`, `perf`), which need a plain binary:
//!
//! `cargo build --profile bench -p logsift-benches --example profile`
//! `valgrind --tool=callgrind target/release/examples/profile strict structlog.ndjson 3`

use logsift_core::{Ctx, Outcome, Pipeline};

fn main() {
    let mut args = std::env::args().skip(1);
    let config = args.next().unwrap_or_else(|| "strict".into());
    let sample = args.next().unwrap_or_else(|| "structlog.ndjson".into());
    let rounds: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(3);
    let json = match config.as_str() {
        "default" => r#"{"scrub": {}}"#.to_owned(),
        "strict" => r#"{"scrub": {"preset": "strict"}}"#.to_owned(),
        "enrich" => {
            r#"{"enrich": {"service": "api", "traceparent": {}, "route": {}, "level": {}}}"#.to_owned()
        }
        "sample" => r#"{"sample": {"rates": {"info": 0.1}}}"#.to_owned(),
        "example" => {
            std::fs::read_to_string(logsift_benches::root().join("observability/logsift.example.json"))
                .expect("example config")
        }
        other => std::fs::read_to_string(other).expect("config file"),
    };
    let lines = logsift_benches::sample_lines(&sample);
    let mut p = Pipeline::from_json(json.as_bytes()).expect("config");
    let mut ctx = Ctx::new(1_732_464_000_000_000_000, 1);
    let mut kept = 0usize;
    for _ in 0..rounds {
        for l in &lines {
            if let Outcome::Keep(b) = p.process(l, &mut ctx) {
                kept += b.len();
            }
        }
    }
    println!("{kept}");
}
