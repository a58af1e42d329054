//! Each `.wasm` through its harness driver next to the native engine, on the
//! same records in the same run: the cost of the Wasm boundary and of the
//! host's copying. The component runs in batches of [`BATCH`] records, and
//! `logsift serve` and the proxy-wasm `ingest` filter take the same batches
//! as NDJSON POST bodies.
//!
//! A second group splits the engine's own cost inside Wasm from the hosts':
//! the strict scrub and the strict preset's regex passes alone, built into a
//! plain module (`benches/wasm-parts`) scalar and with `simd128`, each timed
//! next to the same call natively.
//!
//! `cargo xtask dist` first, then `cargo bench -p logsift-benches --bench hosts`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use logsift_benches::wasm_parts::Parts;
use logsift_benches::{bytes_kept, raw_matches, root, sample_lines, strict_scrubber};
use logsift_core::{Ctx, Outcome, Pipeline};
use logsift_host::component::{ComponentConfig, ComponentPlugin};
use logsift_host::fluent_bit::{FilterResult, FluentBit, FluentBitConfig, engine};
use logsift_host::fluent_bit_record;
use logsift_host::proxy_wasm::{CallAnswer, HttpCall, HttpResponse, ProxyWasm, ProxyWasmConfig, Request};
use logsift_host::serve::{ServeOptions, Server};

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

    let mut p = Pipeline::from_json(STRICT.as_bytes()).expect("config");
    let mut ctx = Ctx::new(1_732_464_000_000_000_000, 1);
    g.bench_function("native_strict", |b| b.iter(|| bytes_kept(&mut p, &records, &mut ctx)));

    let wasm = root().join("dist/logsift_fluent_bit.wasm");
    if wasm.exists() {
        let engine = engine().expect("engine");
        let module = wasmtime::Module::from_file(&engine, &wasm).expect("module");
        let cfg = FluentBitConfig {
            function: "logsift_scrub_strict".into(),
            heap_size: 4 << 20,
            ..Default::default()
        };
        let mut fb = FluentBit::new(&engine, &module, cfg).expect("instance");
        g.bench_function("fluent_bit_strict", |b| {
            b.iter(|| {
                let mut n = 0;
                for r in &records {
                    if let Ok(FilterResult::Keep(o)) = fb.filter(b"app", 1_732_464_000, 0, black_box(r)) {
                        n += o.len();
                    }
                }
                n
            })
        });
    } else {
        eprintln!("{} is missing: run `cargo xtask dist` to bench the Fluent Bit module", wasm.display());
    }

    let wasm = root().join("dist/logsift_component.wasm");
    if wasm.exists() {
        let engine = engine().expect("engine");
        let plugin = ComponentPlugin::from_file(&engine, &wasm).expect("component");
        let mut f = plugin.instantiate(&ComponentConfig::default(), false).expect("instance");
        f.configure(STRICT).expect("call").expect("config");
        g.bench_function("component_strict", |b| {
            b.iter(|| {
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
        });

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

    // The proxy-wasm module in the `ingest` role, as Envoy runs it: each
    // batch one NDJSON POST body, buffered, rewritten and forwarded.
    let wasm = root().join("dist/logsift_proxy_wasm.wasm");
    if wasm.exists() {
        let engine = engine().expect("engine");
        let module = wasmtime::Module::from_file(&engine, &wasm).expect("module");
        let cfg = ProxyWasmConfig {
            plugin_config: br#"{"proxy": {"role": "ingest"}, "scrub": {"preset": "strict"}}"#.to_vec(),
            buffer_limit: 8 << 20,
            ..ProxyWasmConfig::default()
        };
        let up = |_: &HttpCall| CallAnswer::Response(HttpResponse::status(200));
        let mut vm =
            ProxyWasm::new(&engine, &module, cfg, Box::new(up), 1_732_464_000_000_000_000).expect("vm");
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
    } else {
        eprintln!("{} is missing: run `cargo xtask dist` to bench the proxy-wasm module", wasm.display());
    }
    g.finish();
}

/// The strict scrub and its regex passes alone, natively and inside Wasm
/// (scalar and `simd128`) on the same records: the wasm / native ratio of
/// each part, without any host ABI in between.
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

    let engine = engine().expect("engine");
    for (name, features) in [("wasm_scalar", ""), ("wasm_simd128", "+simd128")] {
        let built = Parts::build("wasm", features);
        let mut parts =
            built.and_then(|wasm| Parts::new(&engine, &wasm, &records)).expect("engine-parts module");
        // Both builds must do the native engine's work (see tests/wasm_parts.rs).
        assert_eq!(parts.strict(1), Ok(kept), "{name}: bytes kept");
        assert_eq!(parts.regex_passes_only(1), Ok(matches), "{name}: raw matches");
        g.bench_function(format!("{name}_strict"), |b| {
            b.iter(|| parts.strict(black_box(1)).expect("strict"))
        });
        g.bench_function(format!("{name}_regex_passes_only_strict"), |b| {
            b.iter(|| parts.regex_passes_only(black_box(1)).expect("floor"))
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
