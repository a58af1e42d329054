//! `logsift run --input-format`: a captured push body on disk comes out
//! rewritten in its own format, as the ingest filter passes it on. The
//! bodies are encoded with prost, snap and flate2 (`common/messages.rs`),
//! independently of logsift-formats; each runs through the real CLI binary,
//! named and with `auto`, natively and through the proxy-wasm module.

mod common;

use std::path::PathBuf;
use std::process::{Command, Output};

use prost::Message;

use common::envoy::wasm;
use common::messages::*;

const STRICT: &str = r#"{"scrub": {"preset": "strict"}}"#;

/// A scratch directory for one test's files.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("logsift-input-format-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config.json"), STRICT).unwrap();
    dir
}

/// `logsift run --input-format FORMAT` over `body`: the process output and
/// what it wrote to `--output`.
fn run(dir: &std::path::Path, format: &str, body: &[u8], extra: &[&str]) -> (Output, Option<Vec<u8>>) {
    let input = dir.join(format!("body-{format}.bin"));
    let output = dir.join(format!("out-{format}.bin"));
    let _ = std::fs::remove_file(&output);
    std::fs::write(&input, body).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_logsift"))
        .args(["run", "--input-format", format, "--config"])
        .arg(dir.join("config.json"))
        .arg("--output")
        .arg(&output)
        .args(extra)
        .arg(&input)
        .output()
        .unwrap();
    let written = std::fs::read(&output).ok();
    (out, written)
}

/// The rewritten body of a run that must succeed, and its stderr.
fn rewritten(dir: &std::path::Path, format: &str, body: &[u8], extra: &[&str]) -> (Vec<u8>, String) {
    let (out, written) = run(dir, format, body, extra);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{format} {extra:?}: {stderr}");
    (written.unwrap_or_else(|| panic!("{format}: nothing written")), stderr)
}

#[test]
fn loki_protobuf_pushes_named_and_sniffed_come_out_scrubbed_with_the_rest_intact() {
    let dir = scratch("loki");
    let pii = loki_entry(
        r#"{"event": "login_failed", "username": "jose.muller@example.com", "ip_address": "203.0.113.7"}"#,
        &[("user_email", "bob@example.com"), ("pod", "shop-7d9f")],
    );
    let plain = loki_entry("order 42 shipped in 3.2s", &[("pod", "shop-7d9f")]);
    let msg = loki_push(r#"{app="shop", owner="bob@example.com"}"#, &[pii, plain.clone()]);
    let block = snappy(&msg);

    let (named, _) = rewritten(&dir, "loki-proto", &block, &[]);
    let (sniffed, stderr) = rewritten(&dir, "auto", &block, &[]);
    assert!(stderr.contains("read as loki-proto"), "{stderr}");
    assert_eq!(named, sniffed, "auto read the push differently");
    let out = unsnappy(&named);
    assert_no_secret("loki-proto", &out);
    let req = PushRequest::decode(&out[..]).unwrap();
    let stream = &req.streams[0];
    assert!(stream.labels.contains(r#"app="shop""#) && !stream.labels.contains("bob@"), "{}", stream.labels);
    assert_eq!(stream.hash, 12345);
    assert_eq!(stream.entries[0].timestamp, Some(Timestamp { seconds: 1_732_464_000, nanos: 7 }));
    assert!(stream.entries[0].line.contains("login_failed"), "{}", stream.entries[0].line);
    assert_eq!(stream.entries[0].structured_metadata[1].value, "shop-7d9f");
    assert!(contains(&out, &plain), "the untouched entry was re-encoded");
    assert_eq!(occurrences(&out, &unknown()), 4, "an unknown field was lost");

    // Wrapped in gzip (a `content-encoding: gzip` push): gzip again, same push inside.
    let (zipped, stderr) = rewritten(&dir, "auto", &gzip(&block), &[]);
    assert!(stderr.contains("read as loki-proto, gzip"), "{stderr}");
    assert_eq!(unsnappy(&gunzip(&zipped)), out);
}

#[test]
fn otlp_protobuf_identity_and_gzip_natively_and_through_the_proxy_wasm_module() {
    let dir = scratch("otlp");
    let (pii, plain) = otlp_records();
    let (msg, resource, scope) = otlp_request(&[pii, plain.clone()]);

    let (out, _) = rewritten(&dir, "otlp-proto", &msg, &["--stats"]);
    assert_otlp_scrubbed("otlp-proto", &out, &plain, &resource, &scope);
    let (sniffed, stderr) = rewritten(&dir, "auto", &msg, &[]);
    assert!(stderr.contains("read as otlp-proto"), "{stderr}");
    assert_eq!(sniffed, out);

    let (zipped, stderr) = rewritten(&dir, "auto", &gzip(&msg), &["--stats"]);
    assert!(stderr.contains("read as otlp-proto, gzip"), "{stderr}");
    assert!(stderr.contains("records: in 2 out 2"), "{stderr}");
    assert_eq!(gunzip(&zipped), out, "gzip and identity came out differently");

    // The module in Envoy's ingest role makes the same body of it.
    let plugin = wasm();
    let envoy = ["--host", "envoy-ingest", "--plugin", plugin.to_str().unwrap()];
    let (through_envoy, _) = rewritten(&dir, "otlp-proto", &msg, &envoy);
    assert_eq!(through_envoy, out, "the proxy-wasm module rewrote the body differently");
}

#[test]
fn grpc_frames_plain_and_gzip_keep_their_flags() {
    let dir = scratch("grpc");
    let (pii, plain) = otlp_records();
    let (msg, resource, scope) = otlp_request(&[pii, plain.clone()]);
    let mut body = grpc_frame(false, &msg);
    body.extend(grpc_frame(true, &gzip(&msg)));

    for format in ["grpc", "auto"] {
        let (out, stderr) = rewritten(&dir, format, &body, &[]);
        if format == "auto" {
            assert!(stderr.contains("read as grpc"), "{stderr}");
        }
        assert_eq!((out[0], body[0]), (0, 0), "{format}: the first frame's flag changed");
        let messages = grpc_messages(&out);
        assert_eq!(messages.len(), 2, "{format}");
        for (i, m) in messages.iter().enumerate() {
            assert_otlp_scrubbed(&format!("{format} frame {i}"), m, &plain, &resource, &scope);
        }
    }
}

#[test]
fn text_formats_are_told_apart_and_scrubbed() {
    let dir = scratch("text");
    let loki_json = serde_json::json!({"streams": [{"stream": {"app": "shop"},
        "values": [["1732464000000000000", "login from jose.muller@example.com"]]}]});
    let otlp_json = serde_json::json!({"resourceLogs": [{"scopeLogs": [{"logRecords": [
        {"body": {"stringValue": "card 4111 1111 1111 1111 declined"}}]}]}]});
    let bulk = concat!(
        r#"{"index": {"_index": "logs"}}"#,
        "\n",
        r#"{"message": "reset for bob@example.com"}"#,
        "\n"
    );
    let ndjson = r#"{"event": "login", "ip": "203.0.113.7"}"#.to_owned() + "\n";
    let text = "password=hunter2 from 203.0.113.7\n";
    let cases: [(&str, Vec<u8>, &str); 5] = [
        ("loki-json", loki_json.to_string().into_bytes(), "login from "),
        ("otlp-json", otlp_json.to_string().into_bytes(), "declined"),
        ("bulk", bulk.as_bytes().to_vec(), r#"{"index": {"_index": "logs"}}"#),
        ("ndjson", ndjson.into_bytes(), r#""event": "login""#),
        ("text", text.as_bytes().to_vec(), "password="),
    ];
    for (format, body, kept) in cases {
        let (named, _) = rewritten(&dir, format, &body, &[]);
        let (sniffed, stderr) = rewritten(&dir, "auto", &body, &[]);
        assert!(stderr.contains(&format!("read as {format}\n")), "{format}: {stderr}");
        assert_eq!(named, sniffed, "{format}: auto read it differently");
        assert_no_secret(format, &named);
        let out = String::from_utf8(named).unwrap();
        assert!(out.contains(kept), "{format}: {out}");
        assert_ne!(out.as_bytes(), body, "{format}: nothing was scrubbed");
    }
}

#[test]
fn bad_bodies_are_errors_that_say_why_and_nothing_is_written() {
    let dir = scratch("bad");
    let (pii, plain) = otlp_records();
    let (msg, _, _) = otlp_request(&[pii, plain]);
    let cases: [(&str, Vec<u8>, &str); 5] = [
        ("otlp-proto", msg[..msg.len() - 7].to_vec(), "HTTP 400"),
        ("grpc", grpc_frame(false, &msg)[..40].to_vec(), "gRPC frame at byte 0"),
        ("loki-proto", b"not a snappy block".to_vec(), "snappy"),
        ("otlp-proto", gzip(&vec![0u8; 80 << 20]), "HTTP 413"),
        ("auto", b"\x00\x00\x00\x00\x09\xff\xfe binary".to_vec(), "--input-format"),
    ];
    for (format, body, says) in cases {
        let (out, written) = run(&dir, format, &body, &[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{format}: a bad body was accepted");
        assert!(stderr.contains(says), "{format}: {stderr}");
        assert!(written.is_none(), "{format}: a bad body was written");
    }
    // The proxy-wasm module answers it as it would a client.
    let plugin = wasm();
    let envoy = ["--host", "envoy-ingest", "--plugin", plugin.to_str().unwrap()];
    let (out, written) = run(&dir, "otlp-proto", &msg[..msg.len() - 7], &envoy);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && stderr.contains("answered 400"), "{stderr}");
    assert!(written.is_none());
}
