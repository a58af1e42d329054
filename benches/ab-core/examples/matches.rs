//! Raw regex matches (leftmost, no checks) of the strict preset over
//! `AB_SAMPLE`, A against B: `cargo run --profile bench --example matches`
//! after `run.sh` has written A.
fn main() {
    let lines = logsift_ab_core::lines();
    let cfg = r#"{"preset": "strict"}"#;
    let mut a = base::scrub::Scrubber::new(&serde_json::from_str(cfg).unwrap()).unwrap();
    let mut b = cur::scrub::Scrubber::new(&serde_json::from_str(cfg).unwrap()).unwrap();
    let (mut na, mut nb) = (0, 0);
    for l in &lines {
        na += a.regex_passes_only(l);
        nb += b.regex_passes_only(l);
    }
    println!("raw matches A {na} B {nb}");
}
