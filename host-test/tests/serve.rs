//! `logsift serve` over real sockets on 127.0.0.1 (ephemeral ports): health,
//! parity of processed records, signals and counts with the native engine,
//! the metrics exposition, bad bodies, the body limit (413, also after gzip),
//! and forwarding to a real HTTP receiver (and to one that is down), with
//! alert events POSTed to an Alertmanager-shaped receiver; the push gateway
//! routes (Loki protobuf + snappy and JSON, OTLP protobuf with and without
//! gzip, `_bulk`) rewritten in their format and forwarded with their
//! headers, and unknown, bad and oversized push bodies.

mod common;

use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use logsift_host::component::ComponentPlugin;
use logsift_host::fluent_bit::engine;
use logsift_host::serve::{ServeOptions, Server};
use logsift_host::{Clock, lines, run_native};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn plugin() -> &'static ComponentPlugin {
    static P: OnceLock<ComponentPlugin> = OnceLock::new();
    P.get_or_init(|| {
        let path = root().join("dist/logsift_component.wasm");
        assert!(path.exists(), "{} is missing: run `cargo xtask dist`", path.display());
        ComponentPlugin::from_file(&engine().unwrap(), &path).unwrap()
    })
}

fn start(opts: ServeOptions) -> Server {
    Server::start(plugin(), ServeOptions { listen: "127.0.0.1:0".into(), ..opts }).unwrap()
}

fn agent() -> ureq::Agent {
    ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build(),
    )
}

/// (status, body) of a request.
fn call(method: &str, url: &str, headers: &[(&str, &str)], body: &[u8]) -> (u16, Vec<u8>) {
    let a = agent();
    let resp = if method == "GET" {
        let mut r = a.get(url);
        for (k, v) in headers {
            r = r.header(*k, *v);
        }
        r.call()
    } else {
        let mut r = a.post(url);
        for (k, v) in headers {
            r = r.header(*k, *v);
        }
        r.send(body)
    };
    let mut resp = resp.unwrap();
    let status = resp.status().as_u16();
    let body = resp.body_mut().with_config().limit(64 << 20).read_to_vec().unwrap();
    (status, body)
}

fn url(s: &Server, path: &str) -> String {
    format!("http://{}{path}", s.addr())
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// Parses the exposition: every sample line is `name{labels} value` with a
/// float value, under a `# TYPE` for its family. Returns `line → value`.
fn parse_metrics(text: &str) -> Vec<(String, f64)> {
    let mut typed = Vec::new();
    let mut out = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap();
            assert!(["counter", "gauge"].contains(&kind), "{line}");
            typed.push(name.to_owned());
            continue;
        }
        if line.starts_with("# HELP ") {
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("bad sample line {line:?}"));
        let name = series.split('{').next().unwrap();
        assert!(name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'), "{line}");
        assert_eq!(typed.last().map(String::as_str), Some(name), "sample outside its family: {line}");
        if let Some(labels) = series.strip_prefix(name) {
            assert!(labels.is_empty() || (labels.starts_with('{') && labels.ends_with('}')), "{line}");
        }
        out.push((
            series.to_owned(),
            value.parse::<f64>().unwrap_or_else(|_| panic!("bad value in {line:?}")),
        ));
    }
    out
}

fn metric(samples: &[(String, f64)], series: &str) -> Option<f64> {
    samples.iter().find(|(s, _)| s == series).map(|(_, v)| *v)
}

#[test]
fn health_and_routes() {
    let s = start(ServeOptions::default());
    assert_eq!(call("GET", &url(&s, "/healthz"), &[], b""), (200, b"ok\n".to_vec()));
    assert_eq!(call("GET", &url(&s, "/nope"), &[], b"").0, 404);
    assert_eq!(call("GET", &url(&s, "/v1/process"), &[], b"").0, 405);
    assert_eq!(call("POST", &url(&s, "/metrics"), &[], b"x").0, 405);
    s.shutdown();
}

/// Requests of 100 lines are batches at the time of their first line (replay
/// clock), which the native loop reproduces with `Clock::ReplayBatches`.
#[test]
fn processed_records_signals_and_counts_match_the_native_engine() {
    let config = std::fs::read_to_string(root().join("observability/logsift.example.json")).unwrap();
    let Clock::Replay { start: t0, step } = Clock::GOLDEN else { unreachable!() };
    for sample in ["structlog.ndjson", "nginx-combined.log"] {
        let input = std::fs::read(root().join("host-test/samples").join(sample)).unwrap();
        let records: Vec<&[u8]> = lines(&input).collect();
        let native = run_native(
            config.as_bytes(),
            records.iter().copied(),
            Clock::ReplayBatches { start: t0, step, size: 100 },
            |_| {},
        )
        .unwrap();
        let s = start(ServeOptions {
            config: config.clone(),
            clock: Clock::Replay { start: t0, step },
            ..ServeOptions::default()
        });
        let mut got = Vec::new();
        for (i, chunk) in records.chunks(100).enumerate() {
            let mut body = chunk.join(&b'\n');
            body.push(b'\n');
            // Every other request gzipped, as Vector's http sink may send them.
            let (status, out) = if i % 2 == 0 {
                call("POST", &url(&s, "/v1/process"), &[], &body)
            } else {
                call("POST", &url(&s, "/v1/process"), &[("Content-Encoding", "gzip")], &gzip(&body))
            };
            assert_eq!(status, 200, "{}", String::from_utf8_lossy(&out));
            got.extend(lines(&out).map(|l| String::from_utf8_lossy(l).into_owned()));
        }
        let summary = |r: &String| r.contains("\"logsift\":\"rate_limit_summary\"");
        let want: Vec<String> = native
            .records
            .iter()
            .map(|r| String::from_utf8_lossy(r).into_owned())
            .filter(|r| !summary(r))
            .collect();
        let got_records: Vec<String> = got.iter().filter(|r| !summary(r)).cloned().collect();
        assert_eq!(got_records.len(), want.len(), "{sample}: record counts differ");
        for (i, (g, w)) in got_records.iter().zip(&want).enumerate() {
            assert_eq!(g, w, "{sample}: record {i} differs");
        }
        // Signals so far are the native run's, which adds those of `finish`.
        let (status, body) = call("GET", &url(&s, "/v1/signals"), &[], b"");
        assert_eq!(status, 200);
        let signals: Vec<serde_json::Value> =
            lines(&body).map(|l| serde_json::from_slice(l).unwrap()).collect();
        let native_signals: Vec<serde_json::Value> =
            native.signals.iter().map(|e| serde_json::to_value(e).unwrap()).collect();
        assert!(signals.len() <= native_signals.len());
        assert_eq!(signals, native_signals[..signals.len()], "{sample}: signals differ");
        if sample == "structlog.ndjson" {
            assert!(!signals.is_empty(), "the structlog sample fires alerts");
        }
        // Counts agree with the native engine's.
        let (_, text) = call("GET", &url(&s, "/metrics"), &[], b"");
        let got_m = parse_metrics(&String::from_utf8(text).unwrap());
        let want_m = parse_metrics(&native.metrics);
        for (series, want) in &want_m {
            if series.starts_with("logsift_records_emitted") || series.starts_with("logsift_alert_signals") {
                continue; // `finish` changes these natively.
            }
            assert_eq!(metric(&got_m, series), Some(*want), "{sample}: {series}");
        }
        // Every POST and the GET of the signals answered 200.
        let posts = records.chunks(100).count() as f64;
        assert_eq!(metric(&got_m, "logsift_serve_requests_total{code=\"200\"}"), Some(posts + 1.0));
        s.shutdown();
    }
}

#[test]
fn bad_bodies_are_refused_or_scrubbed_never_passed_through() {
    let s = start(ServeOptions {
        config: r#"{"scrub": {"preset": "strict"}}"#.into(),
        ..ServeOptions::default()
    });
    let (status, body) =
        call("POST", &url(&s, "/v1/process"), &[("Content-Encoding", "gzip")], b"not gzip at all");
    assert_eq!(status, 400, "{}", String::from_utf8_lossy(&body));
    // Invalid JSON and invalid UTF-8 lines are scrubbed as text.
    let body = b"{\"m\": \"bob@example.com\", \"cut\r\n\xff\xfe bob@example.com 4111111111111111\n\n{\"ok\": \"a@b.example\"}\n";
    let (status, out) = call("POST", &url(&s, "/v1/process"), &[], body);
    assert_eq!(status, 200);
    let out_lines: Vec<&[u8]> = lines(&out).collect();
    assert_eq!(out_lines.len(), 3, "{}", String::from_utf8_lossy(&out));
    let text = String::from_utf8_lossy(&out);
    assert!(!text.contains("bob@example.com") && !text.contains("4111111111111111"), "{text}");
    assert!(text.contains("[EMAIL_ADDRESS]"), "{text}");
    let (_, m) = call("GET", &url(&s, "/metrics"), &[], b"");
    let m = parse_metrics(&String::from_utf8(m).unwrap());
    assert_eq!(metric(&m, "logsift_records_in_total"), Some(3.0));
    assert_eq!(metric(&m, "logsift_serve_requests_total{code=\"400\"}"), Some(1.0));
    s.shutdown();
}

#[test]
fn bodies_over_the_limit_get_413() {
    let s = start(ServeOptions { max_body: 1000, ..ServeOptions::default() });
    let big = b"{\"m\": \"x\"}\n".repeat(200);
    assert_eq!(call("POST", &url(&s, "/v1/process"), &[], &big).0, 413);
    // Small on the wire, too big once decompressed.
    let bomb = gzip(&big);
    assert!(bomb.len() < 1000);
    assert_eq!(call("POST", &url(&s, "/v1/process"), &[("Content-Encoding", "gzip")], &bomb).0, 413);
    // A body without Content-Length (chunked) is cut at the limit too.
    let mut conn = std::net::TcpStream::connect(s.addr()).unwrap();
    let chunk = format!("{:x}\r\n{}\r\n", big.len(), String::from_utf8_lossy(&big));
    let request = format!(
        "POST /v1/process HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{chunk}0\r\n\r\n"
    );
    conn.write_all(request.as_bytes()).unwrap();
    let mut resp = String::new();
    conn.read_to_string(&mut resp).unwrap();
    assert!(resp.starts_with("HTTP/1.1 413"), "{resp}");
    // Within the limit is fine.
    assert_eq!(call("POST", &url(&s, "/v1/process"), &[], &big[..500]).0, 200);
    s.shutdown();
}

/// (path, body) of each request a receiver got.
type Received = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

/// A real HTTP receiver on 127.0.0.1 that records what it is sent.
struct Receiver {
    addr: std::net::SocketAddr,
    got: Received,
}

fn receiver() -> Receiver {
    let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
    let addr = server.server_addr().to_ip().unwrap();
    let got: Received = Arc::new(Mutex::new(Vec::new()));
    let store = got.clone();
    std::thread::spawn(move || {
        for mut req in server.incoming_requests() {
            let mut body = Vec::new();
            req.as_reader().read_to_end(&mut body).unwrap();
            store.lock().unwrap().push((req.url().to_owned(), body));
            let _ = req.respond(tiny_http::Response::empty(200));
        }
    });
    Receiver { addr, got }
}

#[test]
fn forwards_processed_records_and_alerts() {
    let sink = receiver();
    let am = receiver();
    let config = r#"{"scrub": {"preset": "strict"},
        "alerts": {"rules": [{"name": "Boom", "match": [{"field": "event", "equals": "boom"}], "window": "1m", "threshold": 2}]}}"#;
    let s = start(ServeOptions {
        config: config.into(),
        forward: Some(format!("http://{}/logs", sink.addr)),
        alertmanager: Some(format!("http://{}", am.addr)),
        ..ServeOptions::default()
    });
    let body = b"{\"event\": \"boom\", \"u\": \"bob@example.com\"}\n{\"event\": \"boom\"}\n";
    let (status, out) = call("POST", &url(&s, "/v1/process"), &[], body);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&out));
    let got = sink.got.lock().unwrap().clone();
    assert_eq!(got, [("/logs".to_owned(), out.clone())]);
    assert!(String::from_utf8_lossy(&out).contains("[EMAIL_ADDRESS]"));
    let alerts = am.got.lock().unwrap().clone();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0].0, "/api/v2/alerts");
    let list: serde_json::Value = serde_json::from_slice(&alerts[0].1).unwrap();
    assert_eq!(list[0]["labels"]["alertname"], "Boom");
    assert!(list[0]["startsAt"].is_string() && list[0]["endsAt"].is_string());
    let (_, m) = call("GET", &url(&s, "/metrics"), &[], b"");
    let m = parse_metrics(&String::from_utf8(m).unwrap());
    assert_eq!(metric(&m, "logsift_serve_forwarded_records_total"), Some(2.0));
    assert_eq!(
        metric(&m, "logsift_alert_signals_total{rule=\"Boom\",severity=\"warning\",status=\"firing\"}"),
        Some(1.0)
    );
    s.shutdown();
}

#[test]
fn a_forward_target_that_is_down_gets_502_and_is_counted() {
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let s = start(ServeOptions {
        forward: Some(format!("http://127.0.0.1:{port}/")),
        retries: 2,
        post_timeout: Duration::from_secs(2),
        ..ServeOptions::default()
    });
    let (status, body) = call("POST", &url(&s, "/v1/process"), &[], b"{\"m\": \"hi\"}\n");
    assert_eq!(status, 502, "{}", String::from_utf8_lossy(&body));
    let (_, m) = call("GET", &url(&s, "/metrics"), &[], b"");
    let m = parse_metrics(&String::from_utf8(m).unwrap());
    assert_eq!(metric(&m, "logsift_serve_forward_errors_total"), Some(1.0));
    assert_eq!(metric(&m, "logsift_serve_forwarded_records_total"), Some(0.0));
    s.shutdown();
}

/// Vector can't be installed here, so the shipped config is checked against
/// what the server serves: the sink posts to the default listen address and
/// route with gzip, in batches under the body limit, and the source listens
/// where the documented `--forward` URL points.
#[test]
fn the_vector_config_matches_the_server() {
    let dir = root().join("observability/vector");
    let yaml = std::fs::read_to_string(dir.join("vector.yaml")).unwrap();
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
    let value = |key: &str| -> Vec<String> {
        yaml.lines()
            .filter_map(|l| l.trim().strip_prefix(key)?.strip_prefix(':').map(|v| v.trim().to_owned()))
            .collect()
    };
    let defaults = ServeOptions::default();
    assert_eq!(value("uri"), [format!("http://{}/v1/process", defaults.listen)]);
    assert_eq!(value("compression"), ["gzip"]);
    let max_bytes: usize = value("max_bytes")[0].parse().unwrap();
    assert!(max_bytes < defaults.max_body);
    let (address, path) = (&value("address")[0], &value("path")[0]);
    let forward = format!("--forward http://{address}{path}");
    assert!(readme.contains(&forward), "README does not show {forward}");
    assert!(yaml.contains(&forward), "vector.yaml does not show {forward}");
    assert!(readme.contains("0.17"), "README must say Vector has no Wasm transform since 0.17");
}

// ---------------------------------------------------------------------------
// The push gateway

const STRICT: &str = r#"{"scrub": {"preset": "strict"}}"#;

#[test]
fn push_routes_rewrite_each_format_in_place_and_forward_it_with_its_headers() {
    use common::messages::*;
    use prost::Message;

    let up = common::envoy::Upstream::start();
    let s = start(ServeOptions {
        config: STRICT.into(),
        forward: Some(format!("http://127.0.0.1:{}/", up.port)),
        ..ServeOptions::default()
    });

    // Loki protobuf + snappy as Promtail sends it, with its tenant header.
    let pii = loki_entry(
        r#"{"event": "login_failed", "username": "jose.muller@example.com", "ip_address": "203.0.113.7"}"#,
        &[("user_email", "bob@example.com"), ("pod", "shop-7d9f")],
    );
    let plain = loki_entry("order 42 shipped in 3.2s", &[("pod", "shop-7d9f")]);
    let push = snappy(&loki_push(r#"{app="shop", owner="bob@example.com"}"#, &[pii, plain.clone()]));
    let promtail = [("Content-Type", "application/x-protobuf"), ("X-Scope-OrgID", "tenant-1")];
    let (status, body) = call("POST", &url(&s, "/loki/api/v1/push"), &promtail, &push);
    assert_eq!(status, 204, "{}", String::from_utf8_lossy(&body));

    // OTLP/HTTP protobuf, gzip (the Collector's otlphttp) and identity (the SDKs).
    let (records, untouched) = otlp_records();
    let (otlp, resource, scope) = otlp_request(&[records, untouched.clone()]);
    let ct = ("Content-Type", "application/x-protobuf");
    let (status, _) = call("POST", &url(&s, "/v1/logs"), &[ct, ("Content-Encoding", "gzip")], &gzip(&otlp));
    assert_eq!(status, 204);
    let (status, _) = call("POST", &url(&s, "/otlp/v1/logs?tenant=a"), &[ct], &otlp);
    assert_eq!(status, 204);

    // Loki JSON (Fluent Bit's loki output) and Elasticsearch _bulk.
    let loki_json = serde_json::json!({"streams": [{"stream": {"job": "app"}, "values": [
        ["1732464000000000000", "login from 203.0.113.7 password=hunter2", {"user": "bob@example.com"}]]}]});
    let json = ("Content-Type", "application/json");
    let (status, _) = call("POST", &url(&s, "/loki/api/v1/push"), &[json], loki_json.to_string().as_bytes());
    assert_eq!(status, 204);
    let bulk = "{\"index\": {\"_index\": \"logs\"}}\n{\"msg\": \"card 4111 1111 1111 1111\"}\n";
    let (status, _) =
        call("POST", &url(&s, "/logs/_bulk"), &[("Content-Type", "application/x-ndjson")], bulk.as_bytes());
    assert_eq!(status, 204);

    let heads = up.heads.lock().unwrap().clone();
    let bodies = up.bodies.lock().unwrap().clone();
    assert_eq!(bodies.len(), 5, "{heads:?}");
    let lines: Vec<&str> = heads.iter().map(|h| h.lines().next().unwrap()).collect();
    assert_eq!(
        lines,
        [
            "POST /loki/api/v1/push HTTP/1.1",
            "POST /v1/logs HTTP/1.1",
            "POST /otlp/v1/logs?tenant=a HTTP/1.1",
            "POST /loki/api/v1/push HTTP/1.1",
            "POST /logs/_bulk HTTP/1.1",
        ]
    );
    let head = |i: usize| heads[i].to_ascii_lowercase();
    assert!(
        head(0).contains("content-type: application/x-protobuf")
            && head(0).contains("x-scope-orgid: tenant-1"),
        "{}",
        heads[0]
    );
    assert!(head(1).contains("content-encoding: gzip"), "{}", heads[1]);

    let loki = unsnappy(&bodies[0]);
    assert_no_secret("loki protobuf", &loki);
    assert!(contains(&loki, &plain), "the untouched entry was re-encoded");
    assert_eq!(occurrences(&loki, &unknown()), 4, "an unknown field was lost");
    let req = PushRequest::decode(&loki[..]).unwrap();
    assert!(req.streams[0].labels.contains(r#"app="shop""#), "{}", req.streams[0].labels);
    assert_eq!(req.streams[0].entries[0].structured_metadata[1].value, "shop-7d9f");

    let unzipped = gunzip(&bodies[1]);
    assert_eq!(unzipped, bodies[2], "gzip and identity OTLP came out differently");
    for b in [&unzipped, &bodies[2]] {
        assert_no_secret("otlp", b);
        assert!(contains(b, &untouched) && contains(b, &resource) && contains(b, &scope));
        assert_eq!(occurrences(b, &unknown()), 4, "an unknown field was lost");
    }
    for b in &bodies[3..] {
        assert_no_secret("json", b);
    }
    let json_out: serde_json::Value = serde_json::from_slice(&bodies[3]).unwrap();
    assert!(json_out["streams"][0]["values"][0][2]["user"].is_string(), "{json_out}");
    assert!(String::from_utf8_lossy(&bodies[4]).starts_with("{\"index\": {\"_index\": \"logs\"}}\n"));

    let (_, m) = call("GET", &url(&s, "/metrics"), &[], b"");
    let samples = parse_metrics(&String::from_utf8_lossy(&m));
    assert_eq!(metric(&samples, "logsift_serve_forwarded_records_total"), Some(8.0), "{samples:?}");
    assert_eq!(metric(&samples, "logsift_serve_requests_total{code=\"204\"}"), Some(5.0), "{samples:?}");
    s.shutdown();
}

#[test]
fn push_routes_refuse_unknown_bad_and_oversized_bodies_and_answer_the_body_without_forward() {
    use common::messages::*;
    use prost::Message;

    let s = start(ServeOptions { config: STRICT.into(), max_body: 1 << 20, ..ServeOptions::default() });
    let (records, untouched) = otlp_records();
    let (otlp, _, _) = otlp_request(&[records, untouched]);
    let protobuf = ("Content-Type", "application/x-protobuf");
    // (path, headers, body, status, reason)
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, Vec<u8>, u16, &'a str);
    let cases: Vec<Case<'_>> = vec![
        (
            "/v1/logs",
            vec![("Content-Type", "application/octet-stream")],
            otlp.clone(),
            415,
            "unsupported_format",
        ),
        ("/v1/logs", vec![("Content-Type", "application/grpc")], otlp.clone(), 415, "unsupported_format"),
        ("/loki/api/v1/push", vec![protobuf], b"not a snappy block".to_vec(), 400, "bad_compression"),
        ("/v1/logs", vec![protobuf], otlp[..otlp.len() - 7].to_vec(), 400, "bad_protobuf"),
        (
            "/v1/logs",
            vec![protobuf, ("Content-Encoding", "gzip")],
            gzip(&vec![0u8; 4 << 20]),
            413,
            "body_too_large",
        ),
    ];
    for (path, headers, body, status, reason) in &cases {
        let (got, text) = call("POST", &url(&s, path), headers, body);
        let text = String::from_utf8_lossy(&text);
        assert_eq!(got, *status, "{path} {headers:?}: {text}");
        assert!(text.starts_with("logsift: ") && text.len() > 20, "{path} ({reason}): no message: {text}");
    }
    let (_, m) = call("GET", &url(&s, "/metrics"), &[], b"");
    let samples = parse_metrics(&String::from_utf8_lossy(&m));
    for (reason, n) in [("unsupported_format", 2.0), ("bad_protobuf", 1.0), ("body_too_large", 1.0)] {
        let series = format!("logsift_serve_errors_total{{reason=\"{reason}\"}}");
        assert_eq!(metric(&samples, &series), Some(n), "{series}: {samples:?}");
    }

    // No --forward: the answer is the rewritten body, in the request's format.
    let (status, out) = call("POST", &url(&s, "/v1/logs"), &[protobuf], &otlp);
    assert_eq!(status, 200);
    assert_no_secret("otlp answer", &out);
    assert_eq!(
        ExportLogsServiceRequest::decode(&out[..]).unwrap().resource_logs[0].scope_logs[0].log_records.len(),
        2
    );
    s.shutdown();
}

/// `pass_through`, as the proxy-wasm ingest role's `proxy.pass_through`: a
/// body logsift does not read goes on untouched under a listed prefix (push
/// route or not) and is 415 elsewhere; bodies it reads are scrubbed there too.
#[test]
fn pass_through_prefixes_forward_unread_bodies_untouched_and_still_scrub_logs() {
    use common::messages::*;

    let up = common::envoy::Upstream::start();
    let s = start(ServeOptions {
        config: STRICT.into(),
        forward: Some(format!("http://127.0.0.1:{}", up.port)),
        pass_through: vec!["/raw/".into(), "/v1/logs".into()],
        ..ServeOptions::default()
    });
    let blob = b"\x00\x01 opaque bytes for bob@example.com".to_vec();
    let octets = ("Content-Type", "application/octet-stream");
    for path in ["/raw/blob", "/v1/logs"] {
        let (status, body) = call("POST", &url(&s, path), &[octets], &blob);
        assert_eq!(status, 204, "{path}: {}", String::from_utf8_lossy(&body));
    }
    // Not listed: refused, never forwarded.
    let (status, body) = call("POST", &url(&s, "/otlp/v1/logs"), &[octets], &blob);
    assert_eq!(status, 415, "{}", String::from_utf8_lossy(&body));
    let (status, _) = call("POST", &url(&s, "/elsewhere"), &[octets], &blob);
    assert_eq!(status, 404);
    // Logs under a listed prefix are read and scrubbed as anywhere.
    let ndjson = ("Content-Type", "application/x-ndjson");
    let (status, _) = call("POST", &url(&s, "/raw/ingest"), &[ndjson], b"{\"user\": \"bob@example.com\"}\n");
    assert_eq!(status, 204);

    let bodies = up.bodies.lock().unwrap().clone();
    let heads = up.heads.lock().unwrap().clone();
    assert_eq!(bodies.len(), 3, "{heads:?}");
    assert_eq!((&bodies[0], &bodies[1]), (&blob, &blob), "a pass-through body was changed");
    assert!(heads[0].starts_with("POST /raw/blob ") && heads[1].starts_with("POST /v1/logs "), "{heads:?}");
    assert_no_secret("scrubbed under a pass-through prefix", &bodies[2]);
    assert!(contains(&bodies[2], b"[EMAIL_ADDRESS]"), "{}", String::from_utf8_lossy(&bodies[2]));
    s.shutdown();
}
