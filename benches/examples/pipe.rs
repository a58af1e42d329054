use std::time::Instant;
fn main() {
    let file = std::env::args().nth(2).unwrap_or("structlog.ndjson".into());
    let lines = logsift_benches::sample_lines(&file);
    let bytes: usize = lines.iter().map(|l| l.len()).sum();
    let cfg = std::env::args().nth(1).unwrap();
    let mut p = logsift_core::Pipeline::from_json(cfg.as_bytes()).unwrap();
    let mut ctx = logsift_core::Ctx::new(1, 1);
    let mut best = 0f64;
    for _ in 0..5 {
        let t = Instant::now();
        for _ in 0..10 {
            for l in &lines {
                std::hint::black_box(p.process(l, &mut ctx));
            }
        }
        best = best.max(bytes as f64 * 10.0 / t.elapsed().as_secs_f64() / 1e6);
    }
    println!("{cfg} {file}: best {best:.0} MB/s");
}
