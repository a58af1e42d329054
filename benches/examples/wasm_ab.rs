//! Two builds of a Wasm plugin, timed in interleaved rounds on the structlog
//! sample, with the native engine as the same-run baseline. On this shared
//! 2-core machine separate runs drift by ±20%; interleaving A, B and native
//! round by round makes a few-percent change visible.
//!
//! ```sh
//! cargo run --release -p logsift-benches --example wasm_ab -- fluent-bit A.wasm B.wasm [ROUNDS] [CONFIG]
//! cargo run --release -p logsift-benches --example wasm_ab -- component A.wasm B.wasm [ROUNDS] [CONFIG]
//! ```
//!
//! Prints the median time per pass over the 1,200 records for each, and the
//! ratios B/A and native/each. `CONFIG` is a pipeline config (default: the
//! strict preset); the Fluent Bit module reads it as `logsift.json` from an
//! accessible path and runs `logsift_filter`, or `logsift_scrub_strict`
//! without one.

use std::hint::black_box;
use std::time::Instant;

use logsift_benches::sample_lines;
use logsift_core::{Ctx, Outcome, Pipeline};
use logsift_host::component::{ComponentConfig, ComponentPlugin};
use logsift_host::fluent_bit::{FilterResult, FluentBit, FluentBitConfig, engine};
use logsift_host::fluent_bit_record;

const STRICT: &str = r#"{"scrub": {"preset": "strict"}}"#;
const BATCH: usize = 256;

/// One pass over the records, returning the bytes kept (so nothing is
/// optimised away).
type Pass = Box<dyn FnMut(&[Vec<u8>]) -> usize>;

fn fluent_bit(path: &str, config: Option<&std::path::Path>) -> Pass {
    let engine = engine().expect("engine");
    let module = wasmtime::Module::from_file(&engine, path).expect("module");
    let cfg = match config {
        Some(dir) => FluentBitConfig {
            function: "logsift_filter".into(),
            heap_size: 4 << 20,
            accessible_paths: vec![dir.to_path_buf()],
            ..Default::default()
        },
        None => FluentBitConfig {
            function: "logsift_scrub_strict".into(),
            heap_size: 4 << 20,
            ..Default::default()
        },
    };
    let mut fb = FluentBit::new(&engine, &module, cfg).expect("instance");
    Box::new(move |records| {
        let mut n = 0;
        for r in records {
            if let Ok(FilterResult::Keep(o)) = fb.filter(b"app", 1_732_464_000, 0, black_box(r)) {
                n += o.len();
            }
        }
        n
    })
}

fn component(path: &str, config: &str) -> Pass {
    let engine = engine().expect("engine");
    let plugin = ComponentPlugin::from_file(&engine, std::path::Path::new(path)).expect("component");
    let mut f = plugin.instantiate(&ComponentConfig::default(), false).expect("instance");
    f.configure(config).expect("call").expect("config");
    Box::new(move |records| {
        let mut n = 0;
        for chunk in records.chunks(BATCH) {
            for o in f.process(black_box(chunk)).expect("process") {
                if let Outcome::Keep(o) = o {
                    n += o.len();
                }
            }
        }
        n
    })
}

fn native(config: &str) -> Pass {
    let mut p = Pipeline::from_json(config.as_bytes()).expect("config");
    let mut ctx = Ctx::new(1_732_464_000_000_000_000, 1);
    Box::new(move |records| {
        let mut n = 0;
        for r in records {
            if let Outcome::Keep(o) = p.process(black_box(r), &mut ctx) {
                n += o.len();
            }
        }
        n
    })
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [host, a, b, rest @ ..] = args.as_slice() else {
        eprintln!("usage: wasm_ab fluent-bit|component A.wasm B.wasm [ROUNDS] [CONFIG]");
        std::process::exit(2);
    };
    let rounds: usize = rest.first().map_or(40, |r| r.parse().expect("ROUNDS"));
    let config = rest.get(1).map(|p| std::fs::read_to_string(p).expect("CONFIG"));
    // The Fluent Bit module finds its config as `logsift.json` in a directory.
    let dir = std::env::temp_dir().join(format!("logsift-wasm-ab-{}", std::process::id()));
    if let Some(c) = &config {
        std::fs::create_dir_all(&dir).expect("temp dir");
        std::fs::write(dir.join("logsift.json"), c).expect("config file");
    }
    let fb_dir = config.as_ref().map(|_| dir.as_path());
    let records: Vec<Vec<u8>> =
        sample_lines("structlog.ndjson").iter().map(|l| fluent_bit_record(l)).collect();
    let cfg = config.as_deref().unwrap_or(STRICT);
    let mut passes: Vec<(&str, Pass)> = match host.as_str() {
        "fluent-bit" => vec![("A", fluent_bit(a, fb_dir)), ("B", fluent_bit(b, fb_dir))],
        "component" => vec![("A", component(a, cfg)), ("B", component(b, cfg))],
        other => panic!("unknown host {other}"),
    };
    passes.push(("native", native(cfg)));
    // Warm-up: the lazy DFAs fill their caches on the first passes.
    for (_, p) in &mut passes {
        for _ in 0..3 {
            black_box(p(&records));
        }
    }
    let mut times = vec![Vec::with_capacity(rounds); passes.len()];
    for _ in 0..rounds {
        for (i, (_, p)) in passes.iter_mut().enumerate() {
            let t = Instant::now();
            black_box(p(&records));
            times[i].push(t.elapsed().as_secs_f64() * 1e3);
        }
    }
    let med: Vec<f64> = times.iter_mut().map(|t| median(t)).collect();
    for ((name, _), m) in passes.iter().zip(&med) {
        println!("{name:>6}: median {m:.3} ms per 1,200 records ({:.2}× native)", med[2] / m);
    }
    println!("B/A time: {:.3}", med[1] / med[0]);
    if config.is_some() {
        let _ = std::fs::remove_dir_all(&dir);
    }
}
