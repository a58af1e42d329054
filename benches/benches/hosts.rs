//! Each `.wasm` through its harness driver next to the native engine, on the
//! same records in the same run: the cost of the Wasm boundary and of the
//! host's copying. The component runs in batches of [`BATCH`] records, and
//! `logsift serve` and the proxy-wasm `ingest` filter take the same batches
//! as NDJSON POST bodies.
//!
//! Two echo rows give each ABI's own cost: a Fluent Bit function and a
//! component that hand every record back unchanged (`fluent_bit_echo` in
//! `benches/wasm-parts`, and the bad-component fixture configured `echo`),
//! through the same drivers.
//!
//! A second group splits the engine's own cost inside Wasm from the hosts':
//! the strict scrub, the strict preset's regex passes alone and the scrub's
//! JSON walk alone, built into a plain module (`benches/wasm-parts`) scalar
//! and with `simd128`, each timed next to the same call natively.
//!
//! `cargo xtask dist` first, then `cargo bench -p logsift-benches --bench hosts`
//! (`LOGSIFT_BENCH_NO_DEADLINES=1` for the second group without the drivers'
//! epoch deadlines).

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use logsift_benches::wasm_parts::Parts;
use logsift_benches::{
    bytes_kept, json_tokens, proxy_wasm_ingest_strict, raw_matches, root, sample_lines, strict_scrubber,
    walked,
};
use logsift_core::{Ctx, Outcome, Pipeline};
use logsift_host::component::{ComponentConfig, ComponentFilter, ComponentPlugin};
use logsift_host::fluent_bit::{FilterResult, FluentBit, FluentBitConfig, engine};
use logsift_host::fluent_bit_record;
use logsift_host::proxy_wasm::Request;
use logsift_host::serve::{ServeOptions, Server};
use wasmtime::Engine;

/// Records per component call and per `serve` request.
const BATCH: usize = 256;
const STRICT: &str = r#"{"scrub": {"preset": "strict"}}"#;

fn hosts(c: &mut Criterion) {
    let records: Vec<Vec<u8>> =
        sample_lines("structlog.ndjson").iter().map(|l| fluent_bit_record(l)).collect();
    let bytes: usize = records.iter().map(|r| r.len() + 1).sum();
    // The same batches as NDJSON bodies, for `serve` and the proxy-wasm filter.
    let bodies: Vec<Vec<u8>> = records
        .chunks(BATCH)
        .map(|c| {
            let mut b = c.join(&b'\n');
            b.push(b'\n');
            b
        })
        .collect();
    let mut g = c.benchmark_group("structlog_hosts");
    g.throughput(Throughput::Bytes(bytes as u64));
    let engine = engine().expect("engine");

    let mut p = Pipeline::from_json(STRICT.as_bytes()).expect("config");
    let mut ctx = Ctx::new(1_732_464_000_000_000_000, 1);
    g.bench_function("native_strict", |b| b.iter(|| bytes_kept(&mut p, &records, &mut ctx)));

    let wasm = root().join("dist/logsift_fluent_bit.wasm");
    if wasm.exists() {
        let mut fb = fluent_bit(&engine, &wasm, "logsift_scrub_strict");
        g.bench_function("fluent_bit_strict", |b| b.iter(|| fluent_bit_kept(&mut fb, black_box(&records))));
    } else {
        eprintln!("{} is missing: run `cargo xtask dist` to bench the Fluent Bit module", wasm.display());
    }

    // Fluent Bit's ABI alone: the same driver and heap, a function that
    // returns each record unchanged (built like the module: `wasm`, scalar).
    {
        let wasm = Parts::build("wasm", "").expect("engine-parts module");
        let mut fb = fluent_bit(&engine, &wasm, "fluent_bit_echo");
        for r in &records {
            let out = fb.filter(b"app", 1_732_464_000, 0, r);
            assert!(
                matches!(&out, Ok(FilterResult::Keep(o)) if o == r),
                "fluent_bit_echo changed a record: {out:?}"
            );
        }
        g.bench_function("fluent_bit_echo", |b| b.iter(|| fluent_bit_kept(&mut fb, black_box(&records))));
    }

    let wasm = root().join("dist/logsift_component.wasm");
    if wasm.exists() {
        let plugin = ComponentPlugin::from_file(&engine, &wasm).expect("component");
        let mut f = plugin.instantiate(&ComponentConfig::default(), false).expect("instance");
        f.configure(STRICT).expect("call").expect("config");
        g.bench_function("component_strict", |b| b.iter(|| component_kept(&mut f, black_box(&records))));

        let server = Server::start(
            &plugin,
            ServeOptions { listen: "127.0.0.1:0".into(), config: STRICT.into(), ..ServeOptions::default() },
        )
        .expect("serve");
        let url = format!("http://{}/v1/process", server.addr());
        let agent = ureq::Agent::new_with_config(ureq::Agent::config_builder().build());
        g.bench_function("serve_strict", |b| {
            b.iter(|| {
                let mut n = 0;
                for body in &bodies {
                    let mut resp = agent.post(&url).send(black_box(body.as_slice())).expect("post");
                    n += resp.body_mut().read_to_vec().expect("body").len();
                }
                n
            })
        });
        server.shutdown();
    } else {
        eprintln!("{} is missing: run `cargo xtask dist` to bench the component", wasm.display());
    }

    // The component ABI alone: the same WIT `process` and batches, through a
    // component that keeps every record unchanged (built like the shipped
    // one: `wasm` profile, simd128 from the wasip2 target's flags).
    {
        let wasm =
            logsift_host::build_fixture_as("logsift-fixture-bad-component", "wasm32-wasip2", "wasm", "")
                .expect("bad-component fixture");
        let plugin = ComponentPlugin::from_file(&engine, &wasm).expect("component");
        let mut f = plugin.instantiate(&ComponentConfig::default(), false).expect("instance");
        f.configure("echo").expect("call").expect("config");
        assert_eq!(component_kept(&mut f, &records) + records.len(), bytes, "component echo: bytes");
        g.bench_function("component_echo", |b| b.iter(|| component_kept(&mut f, black_box(&records))));
    }

    // The proxy-wasm module in the `ingest` role, as Envoy runs it: each
    // batch one NDJSON POST body, buffered, rewritten and forwarded.
    if let Some(mut vm) = proxy_wasm_ingest_strict(&engine) {
        g.bench_function("proxy_wasm_ingest_strict", |b| {
            b.iter(|| {
                let mut n = 0;
                for body in &bodies {
                    let req =
                        Request::post("/ingest", &[("content-type", "application/x-ndjson")], body.clone());
                    let ex = vm.http(black_box(req)).expect("request");
                    n += ex.forwarded.map_or(0, |(_, b)| b.len());
                }
                n
            })
        });
    }
    g.finish();
}

/// A Fluent Bit `filter_wasm` instance of `function` in `wasm`, with a heap
/// every structlog record fits.
fn fluent_bit(engine: &Engine, wasm: &Path, function: &str) -> FluentBit {
    let module = wasmtime::Module::from_file(engine, wasm).expect("module");
    let cfg = FluentBitConfig { function: function.into(), heap_size: 4 << 20, ..Default::default() };
    FluentBit::new(engine, &module, cfg).expect("instance")
}

/// `records` through a Fluent Bit filter, one call each: the bytes kept.
fn fluent_bit_kept(fb: &mut FluentBit, records: &[Vec<u8>]) -> usize {
    let mut n = 0;
    for r in records {
        if let Ok(FilterResult::Keep(o)) = fb.filter(b"app", 1_732_464_000, 0, r) {
            n += o.len();
        }
    }
    n
}

/// `records` through a component in batches of [`BATCH`]: the bytes kept.
fn component_kept(f: &mut ComponentFilter, records: &[Vec<u8>]) -> usize {
    let mut n = 0;
    for chunk in records.chunks(BATCH) {
        for o in f.process(chunk).expect("process") {
            if let Outcome::Keep(o) = o {
                n += o.len();
            }
        }
    }
    n
}

/// The strict scrub, its regex passes alone and its JSON walk alone,
/// natively and inside Wasm (scalar and `simd128`) on the same records: the
/// wasm / native ratio of each part, without any host ABI in between.
fn engine_parts(c: &mut Criterion) {
    let records = sample_lines("structlog.ndjson");
    let bytes: usize = records.iter().map(|r| r.len() + 1).sum();
    let mut g = c.benchmark_group("structlog_engine_parts");
    g.throughput(Throughput::Bytes(bytes as u64));

    let mut p = Pipeline::from_json(STRICT.as_bytes()).expect("config");
    let mut ctx = Ctx::new(1_732_464_000_000_000_000, 1);
    let kept = bytes_kept(&mut p, &records, &mut ctx);
    g.bench_function("native_strict", |b| b.iter(|| bytes_kept(&mut p, &records, &mut ctx)));
    let mut floor = strict_scrubber();
    let matches = raw_matches(&mut floor, &records);
    g.bench_function("native_regex_passes_only_strict", |b| b.iter(|| raw_matches(&mut floor, &records)));
    let walked = walked(&mut floor, &records);
    let tokens = json_tokens(&walked);
    g.bench_function("native_json_walk_only_strict", |b| b.iter(|| json_tokens(&walked)));

    // `LOGSIFT_BENCH_NO_DEADLINES=1` runs these Wasm rows without epoch
    // interruption: what the drivers' deadline checks cost, by difference.
    let engine = if std::env::var_os("LOGSIFT_BENCH_NO_DEADLINES").is_some() {
        Engine::new(&wasmtime::Config::new()).expect("engine")
    } else {
        engine().expect("engine")
    };
    for (name, features) in [("wasm_scalar", ""), ("wasm_simd128", "+simd128")] {
        let built = Parts::build("wasm", features);
        let mut parts =
            built.and_then(|wasm| Parts::new(&engine, &wasm, &records)).expect("engine-parts module");
        // Both builds must do the native engine's work (see tests/wasm_parts.rs).
        assert_eq!(parts.strict(1), Ok(kept), "{name}: bytes kept");
        assert_eq!(parts.regex_passes_only(1), Ok(matches), "{name}: raw matches");
        assert_eq!(parts.json_walk_only(1), Ok(tokens), "{name}: tokens");
        g.bench_function(format!("{name}_strict"), |b| {
            b.iter(|| parts.strict(black_box(1)).expect("strict"))
        });
        g.bench_function(format!("{name}_regex_passes_only_strict"), |b| {
            b.iter(|| parts.regex_passes_only(black_box(1)).expect("floor"))
        });
        g.bench_function(format!("{name}_json_walk_only_strict"), |b| {
            b.iter(|| parts.json_walk_only(black_box(1)).expect("walk floor"))
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(Duration::from_secs(4)).warm_up_time(Duration::from_secs(1));
    targets = hosts, engine_parts
}
criterion_main!(benches);
