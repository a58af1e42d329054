//! `prof A|B strict|default ROUNDS`: one engine over `AB_SAMPLE` (default:
//! the structlog sample), for callgrind; `run.sh ipb` runs it.
fn main() {
    let a: Vec<String> = std::env::args().collect();
    let cfg = if a[2] == "strict" { r#"{"scrub": {"preset": "strict"}}"# } else { r#"{"scrub": {}}"# };
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
