//! `prof A|B strict|default|prod ROUNDS`: one engine over `AB_SAMPLE`
//! (default: the structlog sample), for callgrind; `run.sh ipb` runs it.
//! `prod` is the motivating app's production pipeline: the strict scrub,
//! enrichment, and 10% of info records kept.
const PROD: &str = r#"{"scrub": {"preset": "strict"},
    "enrich": {"service": "tixora", "level": {}, "traceparent": {}},
    "sample": {"default_rate": 0.1, "rates": {"info": 0.1, "debug": 0.0}}}"#;

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let cfg = match a[2].as_str() {
        "strict" => r#"{"scrub": {"preset": "strict"}}"#,
        "prod" => PROD,
        _ => r#"{"scrub": {}}"#,
    };
    let rounds: usize = a[3].parse().unwrap();
    let lines = logsift_ab_core::lines();
    let mut kept = 0usize;
    if a[1] == "A" {
        let mut p = base::Pipeline::from_json(cfg.as_bytes()).unwrap();
        let mut c = base::Ctx::new(1_732_464_000_000_000_000, 1);
        for _ in 0..rounds {
            for l in &lines {
                if let base::Outcome::Keep(b) = p.process(l, &mut c) {
                    kept += b.len();
                }
            }
        }
    } else {
        let mut p = cur::Pipeline::from_json(cfg.as_bytes()).unwrap();
        let mut c = cur::Ctx::new(1_732_464_000_000_000_000, 1);
        for _ in 0..rounds {
            for l in &lines {
                if let cur::Outcome::Keep(b) = p.process(l, &mut c) {
                    kept += b.len();
                }
            }
        }
    }
    println!("{kept}");
}
