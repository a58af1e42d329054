//! What real shippers send, through `dist/logsift_proxy_wasm.wasm` in the
//! ingest role (the harness's proxy-wasm driver): Loki pushes as Promtail
//! and Vector send them (protobuf in a raw snappy block), OTLP/HTTP protobuf
//! (identity and gzip, at `/v1/logs` and Loki 3's `/otlp/v1/logs`) and
//! OTLP/gRPC frames (plain and `grpc-encoding: gzip`). The messages are
//! built with prost, snap and flate2 (`common/messages.rs`), not with the
//! crate under test. Every planted secret is gone from what reaches the
//! backend; everything the filter did not change — untouched records,
//! timestamps, resources, scopes, and a field no schema knows — comes out
//! byte for byte. A body the filter does not read is answered 415, or
//! passed on untouched under `proxy.pass_through`; never rewritten as lines.

mod common;

use std::sync::OnceLock;

use logsift_host::proxy_wasm::{CallAnswer, HttpCall, HttpResponse, ProxyWasm, ProxyWasmConfig, Request};
use prost::Message;
use wasmtime::{Engine, Module};

use common::envoy::wasm;
use common::messages::*;

const OTLP_GRPC: &str = "/opentelemetry.proto.collector.logs.v1.LogsService/Export";
const TRACE_GRPC: &str = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

const INGEST: &str = r#"{"proxy": {"role": "ingest", "max_body_bytes": 8388608},
    "scrub": {"preset": "strict"}}"#;

const PASS_THROUGH: &str = r#"{"proxy": {"role": "ingest",
    "pass_through": ["/opentelemetry.proto.collector.trace.v1.TraceService/", "/raw/"]},
    "scrub": {"preset": "strict"}}"#;

fn module() -> &'static (Engine, Module) {
    static M: OnceLock<(Engine, Module)> = OnceLock::new();
    M.get_or_init(|| {
        let engine = logsift_host::fluent_bit::engine().unwrap();
        let module = Module::from_file(&engine, wasm()).unwrap();
        (engine, module)
    })
}

fn vm(config: &str) -> ProxyWasm {
    let (engine, module) = module();
    let up = |_: &HttpCall| CallAnswer::Response(HttpResponse::status(200));
    let cfg = ProxyWasmConfig { plugin_config: config.as_bytes().to_vec(), ..ProxyWasmConfig::default() };
    ProxyWasm::new(engine, module, cfg, Box::new(up), 1_732_464_000_000_000_000).unwrap()
}

/// The body that reached the backend and the value of one of its headers.
fn forwarded(vm: &mut ProxyWasm, req: Request) -> (Vec<u8>, impl Fn(&str) -> Option<String> + use<>) {
    let ex = vm.http(req).unwrap();
    assert!(
        !ex.local_reply,
        "answered {}: {}",
        ex.response.status,
        String::from_utf8_lossy(&ex.response.body)
    );
    let (headers, body) = ex.forwarded.expect("nothing reached the backend");
    let header = move |name: &str| {
        headers.iter().find(|(k, _)| k == name).map(|(_, v)| String::from_utf8_lossy(v).into_owned())
    };
    (body, header)
}

// ---------------------------------------------------------------------------
// Loki push protobuf + snappy

#[test]
fn loki_protobuf_pushes_as_promtail_and_vector_send_them_are_scrubbed_and_the_rest_survives() {
    let pii = loki_entry(
        r#"{"event": "login_failed", "username": "jose.muller@example.com", "ip_address": "203.0.113.7"}"#,
        &[("user_email", "bob@example.com"), ("pod", "shop-7d9f")],
    );
    let plain = loki_entry("order 42 shipped in 3.2s", &[("pod", "shop-7d9f")]);
    let msg = loki_push(r#"{app="shop", owner="bob@example.com"}"#, &[pii, plain.clone()]);
    let block = snappy(&msg);

    let mut vm = vm(INGEST);
    // Promtail and Alloy: no content-encoding. Vector: `content-encoding: snappy`.
    let promtail = [("content-type", "application/x-protobuf"), ("user-agent", "promtail/3.5.1")];
    let vector = [
        ("content-type", "application/x-protobuf"),
        ("content-encoding", "snappy"),
        ("user-agent", "Vector/0.50.0"),
    ];
    let mut outs = Vec::new();
    for headers in [&promtail[..], &vector[..]] {
        let mut req = Request::post("/loki/api/v1/push", headers, block.clone());
        req.chunk_size = 100;
        let (body, header) = forwarded(&mut vm, req);
        assert_eq!(header("content-type").as_deref(), Some("application/x-protobuf"));
        assert_eq!(
            header("content-encoding"),
            headers.iter().find(|h| h.0 == "content-encoding").map(|h| h.1.into())
        );
        assert_eq!(header("content-length"), None, "the old content-length was kept");
        outs.push(unsnappy(&body));
    }
    assert_eq!(outs[0], outs[1], "the same push came out differently with content-encoding: snappy");
    let out = &outs[0];
    assert_no_secret("loki push", out);

    let req = PushRequest::decode(&out[..]).unwrap();
    let stream = &req.streams[0];
    assert!(stream.labels.contains(r#"app="shop""#) && !stream.labels.contains("bob@"), "{}", stream.labels);
    assert_eq!(stream.hash, 12345);
    let e = &stream.entries[0];
    assert_eq!(e.timestamp, Some(Timestamp { seconds: 1_732_464_000, nanos: 7 }));
    let line: serde_json::Value = serde_json::from_str(&e.line).unwrap();
    assert_eq!(line["event"], "login_failed", "{line}");
    let md: Vec<(&str, &str)> =
        e.structured_metadata.iter().map(|p| (p.name.as_str(), p.value.as_str())).collect();
    assert_eq!(md[1], ("pod", "shop-7d9f"));
    assert_eq!(md[0].0, "user_email");
    // The untouched entry and every unknown field, byte for byte.
    assert!(contains(out, &plain), "the untouched entry was re-encoded");
    assert_eq!(occurrences(out, &unknown()), 4, "an unknown field was lost");
    assert!(vm.metric("logsift_redactions_total") >= 4, "{:?}", vm.metrics());
}

// ---------------------------------------------------------------------------
// OTLP logs protobuf

#[test]
fn otlp_protobuf_identity_and_gzip_are_scrubbed_and_the_rest_survives() {
    let (pii, plain) = otlp_records();
    let (msg, resource, scope) = otlp_request(&[pii, plain.clone()]);
    let mut vm = vm(INGEST);
    let mut identity_out = None;
    for path in ["/v1/logs", "/otlp/v1/logs"] {
        let ct = ("content-type", "application/x-protobuf");
        let (out, header) = forwarded(&mut vm, Request::post(path, &[ct], msg.clone()));
        assert_eq!(header("content-encoding"), None);
        assert_otlp_scrubbed(path, &out, &plain, &resource, &scope);

        // The Collector's otlphttp exporter: gzip, and the answer stays gzip.
        let req = Request::post(path, &[ct, ("content-encoding", "gzip")], gzip(&msg));
        let (zipped, header) = forwarded(&mut vm, req);
        assert_eq!(header("content-encoding").as_deref(), Some("gzip"));
        let unzipped = gunzip(&zipped);
        assert_eq!(unzipped, out, "{path}: gzip and identity bodies came out differently");
        assert_eq!(identity_out.get_or_insert_with(|| out.clone()), &out, "the two paths differ");
    }
}

#[test]
fn otlp_grpc_plain_and_gzip_frames_are_scrubbed_and_the_response_is_left_alone() {
    let (pii, plain) = otlp_records();
    let (msg, resource, scope) = otlp_request(&[pii, plain.clone()]);
    let mut vm = vm(INGEST);
    let grpc_response = HttpResponse {
        status: 200,
        headers: vec![("content-type".into(), b"application/grpc".to_vec())],
        body: grpc_frame(false, &[]),
        trailers: vec![("grpc-status".into(), b"0".to_vec())],
    };
    for gz in [false, true] {
        let mut headers = vec![("content-type", "application/grpc"), ("te", "trailers")];
        if gz {
            headers.push(("grpc-encoding", "gzip"));
        }
        let frame = grpc_frame(gz, &if gz { gzip(&msg) } else { msg.clone() });
        let mut req = Request::post(OTLP_GRPC, &headers, frame);
        req.response = grpc_response.clone();
        req.chunk_size = 256;
        let ex = vm.http(req).unwrap();
        assert!(!ex.local_reply, "gzip={gz}: {}", String::from_utf8_lossy(&ex.response.body));
        assert_eq!(ex.response, grpc_response, "gzip={gz}: the response was changed");
        let (h, body) = ex.forwarded.unwrap();
        assert!(h.iter().any(|(k, v)| k == "te" && v == b"trailers"), "{h:?}");
        assert_eq!(body[0], u8::from(gz), "the compressed flag changed");
        let messages = grpc_messages(&body);
        assert_eq!(messages.len(), 1);
        assert_otlp_scrubbed(&format!("grpc gzip={gz}"), &messages[0], &plain, &resource, &scope);
    }
}

// ---------------------------------------------------------------------------
// What the filter does not read

#[test]
fn unknown_bodies_get_415_and_other_grpc_services_are_never_rewritten() {
    let mut vm = vm(INGEST);
    let span = b"\x0a\x10span of bob@example.com".to_vec();
    for (path, headers) in [
        ("/v1/logs", vec![("content-type", "application/octet-stream")]),
        ("/ingest", vec![("content-type", "application/x-protobuf")]),
        ("/v1/logs", vec![("content-type", "application/x-protobuf"), ("content-encoding", "br")]),
        (TRACE_GRPC, vec![("content-type", "application/grpc")]),
        (OTLP_GRPC, vec![("content-type", "application/grpc"), ("grpc-encoding", "snappy")]),
    ] {
        let ex = vm.http(Request::post(path, &headers, grpc_frame(false, &span))).unwrap();
        let text = String::from_utf8_lossy(&ex.response.body).into_owned();
        assert!(
            ex.local_reply && ex.response.status == 415,
            "{path} {headers:?}: {} {text}",
            ex.response.status
        );
        assert!(text.contains("not"), "{path}: the 415 gives no reason: {text}");
        assert!(ex.forwarded.is_none(), "{path} {headers:?}: an unread body reached the backend");
    }

    // Listed as pass-through: on as sent, content-length and all.
    let mut vm = self::vm(PASS_THROUGH);
    for (path, ct) in [(TRACE_GRPC, "application/grpc"), ("/raw/blob", "application/octet-stream")] {
        let sent = grpc_frame(false, &span);
        let req = Request::post(path, &[("content-type", ct)], sent.clone());
        let (body, header) = forwarded(&mut vm, req);
        assert_eq!(body, sent, "{path}: a pass-through body was changed");
        assert_eq!(header("content-length"), Some(sent.len().to_string()), "{path}");
    }
    // Pass-through is for bodies the filter can't read: logs there are still scrubbed.
    let (pii, plain) = otlp_records();
    let (msg, resource, scope) = otlp_request(&[pii, plain.clone()]);
    let req = Request::post("/raw/v1/logs", &[("content-type", "application/x-protobuf")], msg);
    let (out, _) = forwarded(&mut vm, req);
    assert_otlp_scrubbed("/raw/v1/logs", &out, &plain, &resource, &scope);
}

#[test]
fn bad_protobuf_frames_and_compression_get_400_and_bombs_413() {
    let mut vm = vm(INGEST);
    let (pii, plain) = otlp_records();
    let (msg, _, _) = otlp_request(&[pii, plain]);
    let mut bomb_header = Vec::new();
    prost::encoding::encode_varint(1 << 30, &mut bomb_header);
    bomb_header.extend_from_slice(b"\x00\x00\x00\x00");
    let protobuf = ("content-type", "application/x-protobuf");
    let grpc = ("content-type", "application/grpc");
    // (path, headers, body, status, the reason it is counted under)
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, Vec<u8>, u16, &'a str);
    let cases: Vec<Case<'_>> = vec![
        ("/loki/api/v1/push", vec![protobuf], b"not a snappy block".to_vec(), 400, "bad_compression"),
        ("/loki/api/v1/push", vec![protobuf], bomb_header, 413, "body_too_large"),
        ("/v1/logs", vec![protobuf], msg[..msg.len() - 7].to_vec(), 400, "bad_protobuf"),
        (
            "/v1/logs",
            vec![protobuf, ("content-encoding", "gzip")],
            gzip(&vec![0u8; 20 << 20]),
            413,
            "body_too_large",
        ),
        (
            "/v1/logs",
            vec![protobuf, ("content-encoding", "gzip")],
            b"\x1f\x8b broken".to_vec(),
            400,
            "bad_compression",
        ),
        (OTLP_GRPC, vec![grpc], grpc_frame(false, &msg)[..40].to_vec(), 400, "bad_grpc_frame"),
        (OTLP_GRPC, vec![grpc], grpc_frame(true, &msg), 400, "bad_grpc_frame"),
        (
            "/v1/logs",
            vec![("content-type", "application/octet-stream")],
            msg.clone(),
            415,
            "unsupported_format",
        ),
    ];
    // Every reason's series is there at 0 before its first error.
    for (.., reason) in &cases {
        let series = vm.metrics().iter().filter(|m| m.label("reason") == Some(reason)).count();
        assert_eq!(
            series,
            1,
            "no logsift_errors_total{{reason={reason:?}}} from the start: {:?}",
            vm.metrics()
        );
    }
    for (path, headers, body, status, reason) in cases {
        let before = vm.metric_where("logsift_errors_total", "reason", reason);
        let ex = vm.http(Request::post(path, &headers, body)).unwrap();
        let text = String::from_utf8_lossy(&ex.response.body).into_owned();
        assert_eq!(ex.response.status, status, "{path} {headers:?}: {text}");
        assert!(ex.local_reply && ex.forwarded.is_none(), "{path}: a bad body reached the backend");
        assert!(text.starts_with("logsift: ") && text.len() > 20, "{path}: no message: {text}");
        let after = vm.metric_where("logsift_errors_total", "reason", reason);
        assert_eq!(after, before + 1, "{path} {headers:?}: not counted under reason {reason}");
    }
    assert_eq!(vm.metric("logsift_errors_total"), 8, "{:?}", vm.metrics());
}
