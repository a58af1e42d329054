//! The ingest path per wire format, on the same records: the structlog
//! sample in pushes of [`BATCH`] lines, as NDJSON, Loki push JSON and
//! protobuf + snappy, OTLP/HTTP JSON, protobuf and gzipped protobuf, and
//! OTLP/gRPC. Throughput is counted in the NDJSON bytes of the records, so
//! every row is comparable.
//!
//! Three rows per format:
//! - `native_<format>`: `logsift_formats::rewrite` with the engine (strict);
//! - `format_<format>`: the same with a stand-in engine that adds one field
//!   to every record (as enrich does) and scrubs nothing: the format's own
//!   cost when every record changes (decode, record building, reading the
//!   answer back, encode and compress again);
//! - `proxy_wasm_<format>`: the built ingest filter in the harness's
//!   proxy-wasm driver, each push one buffered request.
//!
//! `cargo xtask dist` first (for the Wasm rows), then
//! `cargo bench -p logsift-benches --bench formats`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use logsift_benches::{proxy_wasm_ingest_strict, sample_lines};
use logsift_core::{Ctx, Pipeline};
use logsift_formats::batch::{BatchFormat, Origin, encode};
use logsift_formats::{Body, Engine, Headers, Records, detect, encoding, grpc, rewrite};
use logsift_host::fluent_bit::engine;
use logsift_host::proxy_wasm::Request;
use serde_json::{Map, Value};

/// Records per push, as a shipper batches them.
const BATCH: usize = 256;
const STRICT: &str = r#"{"scrub": {"preset": "strict"}}"#;
const LIMIT: usize = 64 << 20;

/// One format's pushes: name, request headers, bodies.
struct Pushes {
    name: &'static str,
    path: &'static str,
    headers: Vec<(&'static str, &'static str)>,
    bodies: Vec<Vec<u8>>,
}

impl Pushes {
    fn body(&self) -> Body {
        let h = |n: &str| self.headers.iter().find(|(k, _)| *k == n).map_or("", |(_, v)| *v);
        let detected = detect(&Headers {
            path: self.path,
            content_type: h("content-type"),
            content_encoding: h("content-encoding"),
            grpc_encoding: h("grpc-encoding"),
        });
        detected.unwrap_or_else(|e| panic!("{}: {e:?}", self.name))
    }
}

fn pushes(lines: &[Vec<u8>]) -> Vec<Pushes> {
    let batches: Vec<Vec<(u64, Vec<u8>)>> = lines
        .chunks(BATCH)
        .map(|c| {
            c.iter().enumerate().map(|(i, l)| (1_732_464_000_000_000_000 + i as u64, l.clone())).collect()
        })
        .collect();
    let origin = Origin { source: "bench" };
    let each = |f: BatchFormat| batches.iter().map(|b| encode(f, origin, b).body).collect::<Vec<_>>();
    let otlp_proto = each(BatchFormat::OtlpProtobuf);
    let grpc_bodies = otlp_proto
        .iter()
        .map(|m| {
            let mut out = Vec::new();
            grpc::encode(false, m, &mut out);
            out
        })
        .collect();
    vec![
        Pushes {
            name: "ndjson",
            path: "/ingest",
            headers: vec![("content-type", "application/x-ndjson")],
            bodies: each(BatchFormat::Ndjson),
        },
        Pushes {
            name: "loki_json",
            path: "/loki/api/v1/push",
            headers: vec![("content-type", "application/json")],
            bodies: each(BatchFormat::Loki),
        },
        Pushes {
            name: "loki_protobuf",
            path: "/loki/api/v1/push",
            headers: vec![("content-type", "application/x-protobuf")],
            bodies: each(BatchFormat::LokiProtobuf),
        },
        Pushes {
            name: "otlp_json",
            path: "/v1/logs",
            headers: vec![("content-type", "application/json")],
            bodies: each(BatchFormat::Otlp),
        },
        Pushes {
            name: "otlp_protobuf",
            path: "/v1/logs",
            headers: vec![("content-type", "application/x-protobuf")],
            bodies: otlp_proto.clone(),
        },
        Pushes {
            name: "otlp_protobuf_gzip",
            path: "/v1/logs",
            headers: vec![("content-type", "application/x-protobuf"), ("content-encoding", "gzip")],
            bodies: otlp_proto.iter().map(|b| encoding::gzip(b)).collect(),
        },
        Pushes {
            name: "otlp_grpc",
            path: "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
            headers: vec![("content-type", "application/grpc")],
            bodies: grpc_bodies,
        },
    ]
}

/// Adds a field to every record and does nothing else: what is left is the
/// format's cost. A record handed back unchanged would let a format skip
/// writing it again, which the engine's answers rarely allow.
struct Touch;

impl Records for Touch {
    fn record(&mut self, record: &[u8]) -> Option<Vec<u8>> {
        let mut out = Vec::with_capacity(record.len() + 8);
        match record.strip_suffix(b"}") {
            Some(head) => {
                out.extend_from_slice(head);
                out.extend_from_slice(br#","x":1}"#);
            }
            None => {
                out.extend_from_slice(record);
                out.extend_from_slice(b" x");
            }
        }
        Some(out)
    }
    fn metadata(&mut self, fields: &Map<String, Value>) -> Map<String, Value> {
        fields.clone()
    }
    fn value(&mut self, text: &str) -> String {
        text.to_owned()
    }
}

fn formats(c: &mut Criterion) {
    let lines = sample_lines("structlog.ndjson");
    let bytes: usize = lines.iter().map(|l| l.len() + 1).sum();
    let all = pushes(&lines);
    let mut g = c.benchmark_group("structlog_formats");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.sample_size(20).measurement_time(Duration::from_secs(4)).warm_up_time(Duration::from_secs(1));

    let mut p = Pipeline::from_json(STRICT.as_bytes()).expect("config");
    let mut meta = Pipeline::from_json(STRICT.as_bytes()).expect("config");
    let mut ctx = Ctx::new(1_732_464_000_000_000_000, 1);
    for f in &all {
        let body = f.body();
        g.bench_function(format!("native_{}", f.name), |b| {
            b.iter(|| {
                let mut eng = Engine::new(&mut p, &mut ctx, &mut meta);
                f.bodies
                    .iter()
                    .map(|raw| rewrite(&body, black_box(raw), LIMIT, &mut eng).map_or(0, |o| o.len()))
                    .sum::<usize>()
            })
        });
        g.bench_function(format!("format_{}", f.name), |b| {
            b.iter(|| {
                f.bodies
                    .iter()
                    .map(|raw| rewrite(&body, black_box(raw), LIMIT, &mut Touch).map_or(0, |o| o.len()))
                    .sum::<usize>()
            })
        });
    }

    let engine = engine().expect("engine");
    if let Some(mut vm) = proxy_wasm_ingest_strict(&engine) {
        for f in &all {
            g.bench_function(format!("proxy_wasm_{}", f.name), |b| {
                b.iter(|| {
                    let mut n = 0;
                    for body in &f.bodies {
                        let req = Request::post(f.path, &f.headers, body.clone());
                        let ex = vm.http(black_box(req)).expect("request");
                        assert!(!ex.local_reply, "{}: answered {}", f.name, ex.response.status);
                        n += ex.forwarded.map_or(0, |(_, b)| b.len());
                    }
                    n
                })
            });
        }
    }
    g.finish();
}

criterion_group!(benches, formats);
criterion_main!(benches);
