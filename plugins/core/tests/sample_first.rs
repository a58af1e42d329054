//! The sampler's decision taken before the scrub (when nothing else reads
//! the record): a record sampled away is never scrubbed, and the records
//! kept are the ones the decision after the scrub keeps.

use logsift_core::{Ctx, Outcome, Pipeline};

fn structlog() -> Vec<Vec<u8>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../host-test/samples/structlog.ndjson");
    std::fs::read(path)
        .unwrap()
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(<[u8]>::to_vec)
        .collect()
}

/// Each line's outcome: `Some(bytes)` kept, `None` dropped.
fn run(config: &str, lines: &[Vec<u8>]) -> (Vec<Option<Vec<u8>>>, Pipeline) {
    let mut p = Pipeline::from_json(config.as_bytes()).unwrap();
    let mut ctx = Ctx::new(1_732_464_000_000_000_000, 7);
    let out = lines
        .iter()
        .map(|l| match p.process(l, &mut ctx) {
            Outcome::Keep(b) => Some(b.into_owned()),
            Outcome::Drop(_) => None,
        })
        .collect();
    (out, p)
}

const SAMPLED: &str = r#"{"scrub": {"preset": "strict"},
    "enrich": {"service": "tixora", "level": {}, "traceparent": {}},
    "sample": {"default_rate": 0.1, "rates": {"info": 0.1, "debug": 0.0},
               "drop": [[{"field": "path", "regex": "^/healthz"}]]}}"#;

#[test]
fn a_record_sampled_away_is_never_scrubbed() {
    let cfg = r#"{"scrub": {}, "sample": {"default_rate": 0.0}}"#;
    let (out, p) = run(cfg, &[br#"{"level": "info", "msg": "mail bob@example.com"}"#.to_vec()]);
    assert_eq!(out, [None]);
    assert_eq!(p.stats().sampled, 1);
    assert!(p.stats().balanced());
    let redacted: u64 = p.redactions().iter().map(|(_, n)| n).sum();
    assert_eq!(redacted, 0, "the scrub ran on a record that was dropped: {:?}", p.redactions());
}

#[test]
fn deciding_first_keeps_the_records_deciding_after_the_scrub_keeps() {
    let mut lines = structlog();
    // Info records with no id and a value the scrub changes: a digest of
    // their bytes decides, and it must be of the scrubbed bytes.
    lines.extend((0..300).map(|i| {
        format!(r#"{{"level": "info", "event": "signup", "email": "u{i}@example.com"}}"#).into_bytes()
    }));
    let (first, p) = run(SAMPLED, &lines);
    // A rate limit no record reaches makes the sampler decide after the
    // scrub (its summaries carry field values), with the same rates.
    let late = SAMPLED
        .replace(r#""drop": "#, r#""rate_limit": {"by": ["event"], "per_second": 1000000000}, "drop": "#);
    let (after, q) = run(&late, &lines);
    // Every record, those with no id (decided by a digest of the scrubbed
    // bytes, so after the scrub) included.
    for ((line, a), b) in lines.iter().zip(&first).zip(&after) {
        assert_eq!(a, b, "{}", String::from_utf8_lossy(line));
    }
    let kept = first.iter().filter(|o| o.is_some()).count();
    assert!(kept > 0 && kept < lines.len() / 2, "{kept} of {} kept", lines.len());
    assert!(p.stats().balanced() && q.stats().balanced());
    assert_eq!(p.stats().dropped_by_rule, q.stats().dropped_by_rule);
}
