//! OTLP logs protobuf on bytes.

use logsift_formats::{Body, ContentEncoding, Format, encoding, otlp_proto, rewrite, wire};
use prost::Message;

use crate::common::*;

fn record(body: &str, attrs: Vec<KeyValue>) -> LogRecord {
    LogRecord {
        time_unix_nano: 1_732_464_000_000_000_000,
        observed_time_unix_nano: 1_732_464_000_000_000_001,
        severity_number: 17,
        severity_text: String::new(),
        body: s(body),
        attributes: attrs,
        dropped_attributes_count: 2,
        flags: 1,
        trace_id: (1..=16).collect(),
        span_id: (1..=8).collect(),
        event_name: "app.login".into(),
    }
}

/// A LogRecord with an unknown field appended.
fn record_bytes(r: &LogRecord) -> Vec<u8> {
    let mut b = r.encode_to_vec();
    b.extend(unknown());
    b
}

fn request(records: &[Vec<u8>]) -> Vec<u8> {
    let mut scope = InstrumentationScope { name: "app".into(), version: "1".into() }.encode_to_vec();
    scope.extend(unknown());
    let mut sl = Vec::new();
    wire::put_len(&mut sl, 1, &scope);
    for r in records {
        wire::put_len(&mut sl, 2, r);
    }
    wire::put_len(&mut sl, 3, b"https://opentelemetry.io/schemas/1.26.0");
    let resource = Resource { attributes: vec![kv("service.name", s("shop"))] }.encode_to_vec();
    let mut rl = Vec::new();
    wire::put_len(&mut rl, 1, &resource);
    wire::put_len(&mut rl, 2, &sl);
    rl.extend(unknown());
    let mut req = Vec::new();
    wire::put_len(&mut req, 1, &rl);
    req
}

#[test]
fn otlp_proto_unchanged_request_comes_back_byte_for_byte() {
    let msg = request(&[record_bytes(&record(
        "hello",
        vec![kv("n", Some(AnyValue { value: Some(Any::Int(3)) }))],
    ))]);
    assert_eq!(otlp_proto::rewrite(&msg, &mut Identity).unwrap(), None);
    let body = Body { format: Format::OtlpProtobuf, encoding: ContentEncoding::Gzip, grpc_gzip: false };
    let sent = encoding::gzip(&msg);
    assert_eq!(rewrite(&body, &sent, 1 << 20, &mut Identity).unwrap(), sent);
}

#[test]
fn otlp_proto_changed_body_and_attribute_are_rewritten_and_the_rest_survives() {
    let nested = AnyValue {
        value: Some(Any::KvList(KeyValueList { values: vec![kv("who", s("bob@x.io")), kv("n", s("1"))] })),
    };
    let r = record(
        "card for bob@x.io",
        vec![
            kv("user.email", s("bob@x.io")),
            kv("route", s("/pay")),
            kv("count", Some(AnyValue { value: Some(Any::Int(-5)) })),
            kv("ctx", Some(nested)),
        ],
    );
    let untouched = record_bytes(&record("fine", vec![kv("route", s("/"))]));
    let msg = request(&[record_bytes(&r), untouched.clone()]);
    let out = otlp_proto::rewrite(&msg, &mut Redact { secret: "bob@x.io" }).unwrap().unwrap();
    let req = ExportLogsServiceRequest::decode(&out[..]).unwrap();
    let rl = &req.resource_logs[0];
    assert_eq!(rl.resource.as_ref().unwrap().attributes[0], kv("service.name", s("shop")));
    let sl = &rl.scope_logs[0];
    assert_eq!(sl.schema_url, "https://opentelemetry.io/schemas/1.26.0");
    assert_eq!(sl.scope.as_ref().unwrap().name, "app");
    let got = &sl.log_records[0];
    assert_eq!(got.body, s("card for [S]"));
    assert_eq!(got.attributes[0], kv("user.email", s("[S]")));
    assert_eq!(got.attributes[1], kv("route", s("/pay")));
    assert_eq!(got.attributes[2], kv("count", Some(AnyValue { value: Some(Any::Int(-5)) })));
    let Some(AnyValue { value: Some(Any::KvList(list)) }) = &got.attributes[3].value else {
        panic!("{got:?}")
    };
    assert_eq!(list.values[0], kv("who", s("[S]")));
    // Every field the filter does not change, known or unknown, is as sent.
    let expect = LogRecord { body: s("card for [S]"), attributes: got.attributes.clone(), ..r.clone() };
    assert_eq!(got, &expect);
    assert_eq!(out.windows(unknown().len()).filter(|w| *w == unknown()).count(), 4, "unknown fields lost");
    assert!(contains(&out, &untouched), "the untouched record is not byte for byte the same");
}

#[test]
fn otlp_proto_records_are_whole_records_and_added_fields_become_attributes() {
    struct Seen(Vec<serde_json::Value>);
    impl logsift_formats::Records for Seen {
        fn record(&mut self, r: &[u8]) -> Option<Vec<u8>> {
            self.0.push(serde_json::from_slice(r).unwrap());
            // A field added at the end, the rest left as it came, as the
            // engine's enrich stage does.
            let mut out = r.strip_suffix(b"}").unwrap().to_vec();
            out.extend_from_slice(br#","env":"prod"}"#);
            Some(out)
        }
        fn metadata(
            &mut self,
            f: &serde_json::Map<String, serde_json::Value>,
        ) -> serde_json::Map<String, serde_json::Value> {
            f.clone()
        }
        fn value(&mut self, t: &str) -> String {
            t.to_owned()
        }
    }
    let msg = request(&[record(r#"{"event": "x"}"#, vec![kv("k", s("v"))]).encode_to_vec()]);
    let mut seen = Seen(Vec::new());
    let out = otlp_proto::rewrite(&msg, &mut seen).unwrap().unwrap();
    assert_eq!(
        seen.0[0],
        serde_json::json!({"body": {"event": "x"}, "k": "v", "level": "error",
            "trace_id": "0102030405060708090a0b0c0d0e0f10", "span_id": "0102030405060708"})
    );
    let req = ExportLogsServiceRequest::decode(&out[..]).unwrap();
    let got = &req.resource_logs[0].scope_logs[0].log_records[0];
    assert_eq!(got.attributes, vec![kv("k", s("v")), kv("env", s("prod"))]);
    assert_eq!(got.body, s(r#"{"event": "x"}"#), "an unchanged JSON body was rewritten");
}

#[test]
fn otlp_proto_dropped_records_remove_emptied_scopes_and_resources() {
    let msg = request(&[record("DROP", vec![]).encode_to_vec()]);
    let out = otlp_proto::rewrite(&msg, &mut Redact { secret: "-" }).unwrap().unwrap();
    assert!(ExportLogsServiceRequest::decode(&out[..]).unwrap().resource_logs.is_empty());
    let msg = request(&[record("DROP", vec![]).encode_to_vec(), record("keep", vec![]).encode_to_vec()]);
    let out = otlp_proto::rewrite(&msg, &mut Redact { secret: "-" }).unwrap().unwrap();
    let req = ExportLogsServiceRequest::decode(&out[..]).unwrap();
    assert_eq!(req.resource_logs[0].scope_logs[0].log_records.len(), 1);
}
