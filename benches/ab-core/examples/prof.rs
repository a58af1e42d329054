//! `prof A|B strict|default ROUNDS`: one engine over `AB_SAMPLE` (default:
//! the structlog sample), for callgrind; `run.sh ipb` runs it.
fn main() {
    let a: Vec<String> = std::env::args().collect();
    let cfg = if a[2] == "strict" { r#"{"scrub": {"preset": "strict"}}"# } else { r#"{"scrub": {}}"# };
    let rounds: usize = a[3].parse().unwrap();
    let path = std::env::var("AB_SAMPLE").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../host-test/samples/structlog.ndjson").into()
    });
    let lines: Vec<Vec<u8>> = std::fs::read(path)
        .unwrap()
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(<[u8]>::to_vec)
        .collect();
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
