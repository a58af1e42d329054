//! The real engine (strict preset) on every protobuf format.

use logsift_core::{Config, Ctx, Pipeline};
use logsift_formats::{Body, ContentEncoding, Engine, Format, encoding, grpc, rewrite, wire};
use prost::Message;

use crate::common::*;

fn pipelines() -> (Pipeline, Pipeline) {
    let cfg = Config::from_json(br#"{"scrub": {"preset": "strict"}}"#).unwrap();
    (Pipeline::new(&cfg).unwrap(), Pipeline::new(&cfg).unwrap())
}

#[test]
fn strict_preset_scrubs_loki_protobuf_and_otlp_protobuf() {
    let (mut p, mut meta) = pipelines();
    let mut ctx = Ctx::new(1_732_464_000_000_000_000, 1);

    let entry = EntryAdapter {
        timestamp: None,
        line: "login from 203.0.113.7 for zoe@example.com password=hunter2".into(),
        structured_metadata: vec![LabelPairAdapter { name: "user".into(), value: "bob@example.com".into() }],
    };
    let push = PushRequest {
        streams: vec![StreamAdapter {
            labels: r#"{job="app", owner="ann@example.com"}"#.into(),
            entries: vec![entry],
            hash: 0,
        }],
        format: String::new(),
    };
    let body = Body { format: Format::LokiProtobuf, encoding: ContentEncoding::Identity, grpc_gzip: false };
    let out = rewrite(
        &body,
        &encoding::snappy(&push.encode_to_vec()),
        1 << 20,
        &mut Engine::new(&mut p, &mut ctx, &mut meta),
    )
    .unwrap();
    let plain = encoding::unsnappy(&out, 1 << 20).unwrap();
    let text = String::from_utf8_lossy(&plain);
    for secret in ["203.0.113.7", "zoe@example.com", "hunter2", "bob@example.com", "ann@example.com"] {
        assert!(!text.contains(secret), "{secret} passed: {text}");
    }
    assert!(PushRequest::decode(&plain[..]).unwrap().streams[0].labels.starts_with("{job=\"app\", owner=\""));

    let rec = LogRecord {
        body: s("card 4111 1111 1111 1111 declined for jose@example.com"),
        attributes: vec![kv("user.email", s("jose@example.com")), kv("route", s("/pay"))],
        severity_text: "ERROR".into(),
        ..LogRecord::default()
    };
    let sl = ScopeLogs { log_records: vec![rec], ..ScopeLogs::default() };
    let req = ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs { scope_logs: vec![sl], ..ResourceLogs::default() }],
    };
    let mut call = Vec::new();
    grpc::encode(false, &req.encode_to_vec(), &mut call);
    let body = Body { format: Format::OtlpGrpc, encoding: ContentEncoding::Identity, grpc_gzip: false };
    let out = rewrite(&body, &call, 1 << 20, &mut Engine::new(&mut p, &mut ctx, &mut meta)).unwrap();
    let frames = grpc::decode(&out, 1 << 20).unwrap();
    let got = ExportLogsServiceRequest::decode(frames[0].message).unwrap();
    let text = format!("{got:?}");
    for secret in ["4111 1111 1111 1111", "jose@example.com"] {
        assert!(!text.contains(secret), "{secret} passed: {text}");
    }
    let r = &got.resource_logs[0].scope_logs[0].log_records[0];
    assert_eq!(r.attributes[1], kv("route", s("/pay")));
    let _ = wire::MAX_DEPTH;
}
