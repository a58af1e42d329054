//! What real shippers send, into a real Envoy (1.40, `observability/envoy/ingest-gateway.yaml`
//! with its ports substituted) on 127.0.0.1:
//! - the OpenTelemetry Python SDK's `OTLPLogExporter` over HTTP/protobuf
//!   (identity and gzip, at `/v1/logs` and Loki 3's `/otlp/v1/logs`) and
//!   over gRPC (identity and gzip) to the h2c listener, whose upstream
//!   speaks HTTP/2 to a `grpcio` server implementing `LogsService`
//!   (`tests/python/otel_clients.py`); the backends decode what they get
//!   with the official `opentelemetry-proto` classes;
//! - Loki pushes as Promtail and Vector send them (protobuf in a raw snappy
//!   block, Vector with `content-encoding: snappy`). No Loki client that sends
//!   protobuf installs here (the PyPI handlers `python-logging-loki` and
//!   `loki-logger-handler` send JSON; Promtail and Alloy are not packaged),
//!   so these are encoded from Loki's `push.proto` with prost and snap.
//!
//!
//! The same exporters also run against `logsift serve`: the HTTP ones at its
//! push routes, the gRPC ones at its OTLP/gRPC listener (h2c), each
//! forwarding to the same backends; raw gRPC calls from grpcio check the
//! statuses and messages it ends bad and foreign calls with.
//!
//! `cargo xtask test` installs Envoy and the SDK into `.venv/`
//! (`ensure_envoy`, `ensure_otel`). Under `CI=true` a missing one fails.

mod common;

use std::path::PathBuf;
use std::process::Command;

use prost::Message;

use common::envoy::*;
use common::messages::*;

const TRACE_ID: [u8; 16] = 0x0af7_6519_16cd_43dd_8448_eb21_1c80_319c_u128.to_be_bytes();

/// `.venv`'s Python with the OpenTelemetry SDK and exporters, or `None` to
/// skip (never under CI).
fn otel_python() -> Option<PathBuf> {
    let python = root().join(".venv/bin/python3");
    let ok = Command::new(&python)
        .args(["-c", "import opentelemetry.sdk, opentelemetry.exporter.otlp.proto.grpc, opentelemetry.exporter.otlp.proto.http, grpc"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var("CI").is_err(),
            "the OpenTelemetry SDK is missing from .venv under CI=true: run `cargo xtask test`"
        );
        eprintln!("skipping: no OpenTelemetry SDK in .venv (run `cargo xtask test`)");
        return None;
    }
    Some(python)
}

#[test]
fn otel_python_exporters_over_http_and_grpc_reach_the_backend_scrubbed() {
    let Some(bin) = envoy() else { return };
    let Some(python) = otel_python() else { return };
    let (port, admin, grpc_port) = (free_port(), free_port(), free_port());
    let (backend_http, backend_grpc) = (free_port(), free_port());
    let cfg = config_grpc("ingest-gateway.yaml", port, admin, backend_http, None, grpc_port, backend_grpc);
    let envoy = start(&bin, &cfg, "otel-clients").unwrap();

    let http = format!("127.0.0.1:{}", envoy.port);
    let grpc = format!("127.0.0.1:{grpc_port}");
    let got = otel_clients(&python, &http, &grpc, backend_http, backend_grpc, "");
    assert_exported_scrubbed(&got, &["http", "http_gzip", "http_loki3", "grpc", "grpc_gzip"]);

    // Another gRPC service on the listener: answered, never rewritten or passed on.
    let trace = &got["grpc_trace"];
    assert_eq!(trace["results"], serde_json::json!(["FAILURE"]), "{trace}");
    assert_eq!(trace["received"], serde_json::json!([]), "{trace}");
    drop(envoy);
}

/// The same HTTP exporters at `logsift serve`'s push routes, forwarding to
/// the same backend.
#[test]
fn otel_python_http_exporters_through_logsift_serve_reach_the_backend_scrubbed() {
    let Some(python) = otel_python() else { return };
    let path = root().join("dist/logsift_component.wasm");
    assert!(path.exists(), "{} is missing: run `cargo xtask dist`", path.display());
    let engine = logsift_host::fluent_bit::engine().unwrap();
    let plugin = logsift_host::component::ComponentPlugin::from_file(&engine, &path).unwrap();
    let backend_http = free_port();
    let opts = logsift_host::serve::ServeOptions {
        listen: "127.0.0.1:0".into(),
        config: r#"{"scrub": {"preset": "strict"}, "enrich": {"level": {}}}"#.into(),
        forward: Some(format!("http://127.0.0.1:{backend_http}")),
        ..logsift_host::serve::ServeOptions::default()
    };
    let server = logsift_host::serve::Server::start(&plugin, opts).unwrap();
    let got = otel_clients(
        &python,
        &server.addr().to_string(),
        "",
        backend_http,
        free_port(),
        "http,http_gzip,http_loki3",
    );
    assert_exported_scrubbed(&got, &["http", "http_gzip", "http_loki3"]);
    server.shutdown();
}

/// `logsift serve` with its OTLP/gRPC listener in front of the grpcio backend.
fn serve_grpc(backend_grpc: u16, pass_through: &[&str]) -> logsift_host::serve::Server {
    let path = root().join("dist/logsift_component.wasm");
    assert!(path.exists(), "{} is missing: run `cargo xtask dist`", path.display());
    let engine = logsift_host::fluent_bit::engine().unwrap();
    let plugin = logsift_host::component::ComponentPlugin::from_file(&engine, &path).unwrap();
    let opts = logsift_host::serve::ServeOptions {
        listen: "127.0.0.1:0".into(),
        config: r#"{"scrub": {"preset": "strict"}, "enrich": {"level": {}}}"#.into(),
        max_body: 1 << 20,
        grpc_listen: Some("127.0.0.1:0".into()),
        grpc_forward: Some(format!("http://127.0.0.1:{backend_grpc}")),
        pass_through: pass_through.iter().map(|p| (*p).to_owned()).collect(),
        ..logsift_host::serve::ServeOptions::default()
    };
    logsift_host::serve::Server::start(&plugin, opts).unwrap()
}

/// The SDK's gRPC exporter (identity and gzip) at `logsift serve
/// --grpc-listen`: the backend gets every record scrubbed and the exporter
/// sees the backend's success. Calls logsift refuses end with a gRPC status
/// and a message the client reads, and reach no backend.
#[test]
fn otel_python_grpc_exporter_through_logsift_serve_reaches_the_backend_scrubbed() {
    let Some(python) = otel_python() else { return };
    let backend_grpc = free_port();
    let server = serve_grpc(backend_grpc, &[]);
    let grpc = server.grpc_addr().unwrap().to_string();
    let cases = "grpc,grpc_gzip,grpc_trace,raw_bad_protobuf,raw_too_large,raw_trace";
    let got = otel_clients(&python, "127.0.0.1:9", &grpc, free_port(), backend_grpc, cases);
    assert_exported_scrubbed(&got, &["grpc", "grpc_gzip"]);
    // grpcio hides the transport's own headers (grpc-encoding); the SDK's
    // user agent is metadata the backend sees as it was sent.
    let ua = &got["grpc_gzip"]["received"][0]["headers"]["user-agent"];
    assert!(
        ua.as_str().unwrap().starts_with("OTel-OTLP-Exporter-Python/"),
        "metadata was not passed on: {ua}"
    );

    // The OTLP exporter gives up on the foreign service; nothing reaches a backend.
    assert_eq!(got["grpc_trace"]["results"], serde_json::json!(["FAILURE"]), "{}", got["grpc_trace"]);
    for (case, code, says) in [
        ("raw_bad_protobuf", "INVALID_ARGUMENT", "logsift: "),
        ("raw_too_large", "RESOURCE_EXHAUSTED", "larger than 1048576 bytes"),
        ("raw_trace", "UNIMPLEMENTED", "--pass-through"),
    ] {
        let c = &got[case];
        assert_eq!(c["code"], code, "{case}: {c}");
        assert!(c["details"].as_str().unwrap().contains(says), "{case}: {c}");
        assert_eq!(c["received"], serde_json::json!([]), "{case}: a refused call reached the backend");
    }
    let metrics = ureq::get(&format!("http://{}/metrics", server.addr()))
        .call()
        .unwrap()
        .into_body()
        .read_to_string()
        .unwrap();
    for reason in ["bad_protobuf", "body_too_large", "unsupported_format"] {
        assert!(
            metrics.contains(&format!("logsift_serve_errors_total{{reason=\"{reason}\"}}")),
            "{reason}: {metrics}"
        );
    }
    // The two exports' records, counted once the backend said OK.
    assert!(metrics.contains("logsift_serve_forwarded_records_total 6"), "{metrics}");
    // Every gRPC answer is HTTP 200; the calls are told apart by gRPC status.
    for (code, n) in [("OK", 2), ("InvalidArgument", 1), ("ResourceExhausted", 1)] {
        let line = format!("logsift_serve_grpc_calls_total{{grpc_code=\"{code}\"}} {n}\n");
        assert!(metrics.contains(&line), "{line}: {metrics}");
    }
    assert!(metrics.contains("logsift_serve_grpc_calls_total{grpc_code=\"Unimplemented\"}"), "{metrics}");
    server.shutdown();

    // Listed as pass-through, the other service's call goes on as sent and
    // its answer comes back; log exports are still scrubbed.
    let server = serve_grpc(backend_grpc, &["/opentelemetry.proto.collector.trace.v1.TraceService/"]);
    let grpc = server.grpc_addr().unwrap().to_string();
    let got = otel_clients(&python, "127.0.0.1:9", &grpc, free_port(), backend_grpc, "grpc,raw_trace");
    assert_exported_scrubbed(&got, &["grpc"]);
    let trace = &got["raw_trace"];
    assert_eq!(trace["code"], "OK", "{trace}");
    let received = trace["received"].as_array().unwrap();
    assert_eq!(received.len(), 1, "{trace}");
    assert_eq!(received[0]["raw_hex"], trace["sent_hex"], "a pass-through call was changed");
    server.shutdown();

    // No upstream answering: UNAVAILABLE, which the SDKs retry, and counted.
    let down = free_port();
    let server = serve_grpc(down, &[]);
    let grpc = server.grpc_addr().unwrap().to_string();
    let got = otel_clients(&python, "127.0.0.1:9", &grpc, free_port(), free_port(), "raw_export");
    let c = &got["raw_export"];
    assert_eq!(c["code"], "UNAVAILABLE", "{c}");
    assert!(c["details"].as_str().unwrap().contains("forwarding failed"), "{c}");
    let metrics = ureq::get(&format!("http://{}/metrics", server.addr()))
        .call()
        .unwrap()
        .into_body()
        .read_to_string()
        .unwrap();
    assert!(metrics.contains("logsift_serve_forward_errors_total 1"), "{metrics}");
    assert!(metrics.contains("logsift_serve_grpc_calls_total{grpc_code=\"Unavailable\"} 1\n"), "{metrics}");
    server.shutdown();
}

/// Runs `otel_clients.py`; its JSON report.
fn otel_clients(
    python: &std::path::Path,
    http: &str,
    grpc: &str,
    backend_http: u16,
    backend_grpc: u16,
    cases: &str,
) -> serde_json::Value {
    let out = Command::new(python)
        .arg(root().join("host-test/tests/python/otel_clients.py"))
        .args(["--envoy-http", http, "--envoy-grpc", grpc, "--cases", cases])
        .args(["--backend-http", &backend_http.to_string(), "--backend-grpc", &backend_grpc.to_string()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "otel_clients.py failed:\n{stderr}");
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{stderr}", String::from_utf8_lossy(&out.stdout)))
}

/// Every case: the exporter saw success, and the backend one request with
/// every record, scrubbed, the rest as the SDK sent it.
fn assert_exported_scrubbed(got: &serde_json::Value, cases: &[&str]) {
    for &case in cases {
        let c = &got[case];
        assert_eq!(c["results"], serde_json::json!(["SUCCESS"]), "{case}: the exporter failed: {c}");
        let received = c["received"].as_array().unwrap();
        assert_eq!(received.len(), 1, "{case}: the backend got {} requests", received.len());
        let r = &received[0];
        let transport = r["transport"].as_str().unwrap();
        let want = match case {
            "http" | "http_gzip" => "http /v1/logs",
            "http_loki3" => "http /otlp/v1/logs",
            _ => "grpc",
        };
        assert_eq!(transport, want, "{case}");
        if case == "http_gzip" {
            assert_eq!(r["headers"]["content-encoding"], "gzip", "{case}: {}", r["headers"]);
        }

        // Decoded by the backend with the official classes.
        let req = &r["request"];
        let raw = hex(r["raw_hex"].as_str().unwrap());
        assert_no_secret(case, &raw);
        assert_no_secret(case, req.to_string().as_bytes());
        let rl = &req["resourceLogs"][0];
        let res = rl["resource"]["attributes"].to_string();
        assert!(res.contains("service.name") && res.contains("\"shop\""), "{case}: {res}");
        let sl = &rl["scopeLogs"][0];
        assert_eq!(sl["scope"]["name"], "shop.auth", "{case}");
        assert_eq!(sl["scope"]["version"], "1.4.0", "{case}");
        let recs = sl["logRecords"].as_array().unwrap();
        assert_eq!(recs.len(), 3, "{case}: records were lost: {req}");
        let body = recs[0]["body"]["stringValue"].as_str().unwrap();
        assert!(body.starts_with("login failed for ") && body.contains("[EMAIL_ADDRESS]"), "{case}: {body}");
        let attrs = recs[0]["attributes"].to_string();
        assert!(attrs.contains("/login") && attrs.contains("user.email"), "{case}: {attrs}");
        let kv = recs[1]["body"]["kvlistValue"].to_string();
        assert!(kv.contains("payment_failed") && kv.contains("\"amount\""), "{case}: {kv}");
        assert_eq!(recs[2]["body"]["stringValue"], "order 42 shipped", "{case}");

        // Trace ids and timestamps come through as the SDK set them.
        let decoded = ExportLogsServiceRequest::decode(&raw[..]).unwrap();
        for rec in &decoded.resource_logs[0].scope_logs[0].log_records {
            assert_eq!(rec.trace_id, TRACE_ID, "{case}");
            assert!(rec.time_unix_nano > 0 || rec.observed_time_unix_nano > 0, "{case}");
        }
    }
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

/// A Loki push (protobuf, raw snappy) with an unknown field in the entry.
fn loki_push() -> (Vec<u8>, Vec<u8>) {
    let entry = |line: &str, md: &[(&str, &str)]| {
        with_unknown(&EntryAdapter {
            timestamp: Some(Timestamp { seconds: 1_732_464_000, nanos: 5 }),
            line: line.into(),
            structured_metadata: md
                .iter()
                .map(|(n, v)| LabelPair { name: (*n).into(), value: (*v).into() })
                .collect(),
        })
    };
    let plain = entry("GET /healthz 200 1ms", &[("pod", "shop-1")]);
    let mut stream = Vec::new();
    put_len(&mut stream, 1, br#"{job="shop", host="web-1"}"#);
    put_len(
        &mut stream,
        2,
        &entry(
            "card 4111 1111 1111 1111 declined for jose.muller@example.com",
            &[("client_ip", "203.0.113.7")],
        ),
    );
    put_len(&mut stream, 2, &plain);
    let mut req = Vec::new();
    put_len(&mut req, 1, &stream);
    (req, plain)
}

#[test]
fn loki_protobuf_pushes_as_promtail_and_vector_send_them_are_scrubbed_in_real_envoy() {
    let Some(bin) = envoy() else { return };
    let up = Upstream::start();
    let (port, admin) = (free_port(), free_port());
    let envoy =
        start(&bin, &config("ingest-gateway.yaml", port, admin, up.port, None), "loki-proto").unwrap();
    let (msg, plain) = loki_push();
    let block = snappy(&msg);
    let promtail = [
        ("content-type", "application/x-protobuf"),
        ("user-agent", "promtail/3.5.1"),
        ("x-scope-orgid", "tenant-1"),
    ];
    let vector = [
        ("content-type", "application/x-protobuf"),
        ("content-encoding", "snappy"),
        ("user-agent", "Vector/0.50.0"),
    ];
    for headers in [&promtail[..], &vector[..]] {
        let (status, body) = http(envoy.port, "POST", "/loki/api/v1/push", headers, &block).unwrap();
        assert_eq!(status, 204, "{headers:?}: {}", String::from_utf8_lossy(&body));
    }
    let bodies = up.bodies.lock().unwrap().clone();
    let heads = up.heads.lock().unwrap().clone();
    assert_eq!(bodies.len(), 2);
    assert!(heads[0].contains("x-scope-orgid: tenant-1"), "{}", heads[0]);
    assert!(heads[1].contains("content-encoding: snappy"), "{}", heads[1]);
    for body in &bodies {
        let out = unsnappy(body);
        assert_no_secret("loki push", &out);
        assert!(contains(&out, &plain), "the untouched entry was re-encoded");
        assert_eq!(
            out.windows(unknown().len()).filter(|w| *w == unknown()).count(),
            2,
            "an unknown field was lost"
        );
        let req = PushRequest::decode(&out[..]).unwrap();
        let entries = &req.streams[0].entries;
        assert_eq!(entries.len(), 2);
        assert!(
            entries[0].line.starts_with("card ") && entries[0].line.contains("declined for"),
            "{}",
            entries[0].line
        );
        assert_eq!(entries[0].structured_metadata[0].name, "client_ip");
    }

    // Malformed protobuf is 400 with a message, never passed on.
    let (status, body) =
        http(envoy.port, "POST", "/loki/api/v1/push", &[promtail[0]], &snappy(b"\x0a\xff\xff")).unwrap();
    assert_eq!(status, 400, "{}", String::from_utf8_lossy(&body));
    assert_eq!(up.bodies.lock().unwrap().len(), 2);
    // Counted by reason, as Envoy's /stats/prometheus shows it with the config's stats_tags.
    let (_, stats) = http(admin, "GET", "/stats/prometheus", &[], b"").unwrap();
    let stats = String::from_utf8_lossy(&stats);
    let errors: Vec<&str> = stats.lines().filter(|l| l.starts_with("logsift_errors_total{")).collect();
    assert!(errors.contains(&r#"logsift_errors_total{reason="bad_protobuf"} 1"#), "{errors:#?}");
    assert!(errors.contains(&r#"logsift_errors_total{reason="body_too_large"} 0"#), "{errors:#?}");
}
