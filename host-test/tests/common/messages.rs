//! Loki push and OTLP logs messages for the tests, encoded and decoded with
//! prost's derive (field numbers written from `plugins/formats/testdata/*.proto`),
//! snappy with `snap` and gzip with `flate2`: encoders independent of
//! `logsift-formats`, whose rewrite the tests check.

#![allow(dead_code)]

use std::io::{Read, Write};

use prost::Message;

#[derive(Clone, PartialEq, prost::Message)]
pub struct PushRequest {
    #[prost(message, repeated, tag = "1")]
    pub streams: Vec<StreamAdapter>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct StreamAdapter {
    #[prost(string, tag = "1")]
    pub labels: String,
    #[prost(message, repeated, tag = "2")]
    pub entries: Vec<EntryAdapter>,
    #[prost(uint64, tag = "3")]
    pub hash: u64,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Timestamp {
    #[prost(int64, tag = "1")]
    pub seconds: i64,
    #[prost(int32, tag = "2")]
    pub nanos: i32,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct EntryAdapter {
    #[prost(message, optional, tag = "1")]
    pub timestamp: Option<Timestamp>,
    #[prost(string, tag = "2")]
    pub line: String,
    #[prost(message, repeated, tag = "3")]
    pub structured_metadata: Vec<LabelPair>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct LabelPair {
    #[prost(string, tag = "1")]
    pub name: String,
    #[prost(string, tag = "2")]
    pub value: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ExportLogsServiceRequest {
    #[prost(message, repeated, tag = "1")]
    pub resource_logs: Vec<ResourceLogs>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ResourceLogs {
    #[prost(message, optional, tag = "1")]
    pub resource: Option<Resource>,
    #[prost(message, repeated, tag = "2")]
    pub scope_logs: Vec<ScopeLogs>,
    #[prost(string, tag = "3")]
    pub schema_url: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Resource {
    #[prost(message, repeated, tag = "1")]
    pub attributes: Vec<KeyValue>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ScopeLogs {
    #[prost(message, optional, tag = "1")]
    pub scope: Option<InstrumentationScope>,
    #[prost(message, repeated, tag = "2")]
    pub log_records: Vec<LogRecord>,
    #[prost(string, tag = "3")]
    pub schema_url: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct InstrumentationScope {
    #[prost(string, tag = "1")]
    pub name: String,
    #[prost(string, tag = "2")]
    pub version: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct LogRecord {
    #[prost(fixed64, tag = "1")]
    pub time_unix_nano: u64,
    #[prost(int32, tag = "2")]
    pub severity_number: i32,
    #[prost(string, tag = "3")]
    pub severity_text: String,
    #[prost(message, optional, tag = "5")]
    pub body: Option<AnyValue>,
    #[prost(message, repeated, tag = "6")]
    pub attributes: Vec<KeyValue>,
    #[prost(fixed32, tag = "8")]
    pub flags: u32,
    #[prost(bytes = "vec", tag = "9")]
    pub trace_id: Vec<u8>,
    #[prost(bytes = "vec", tag = "10")]
    pub span_id: Vec<u8>,
    #[prost(fixed64, tag = "11")]
    pub observed_time_unix_nano: u64,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct AnyValue {
    #[prost(oneof = "Any", tags = "1, 3, 6")]
    pub value: Option<Any>,
}

#[derive(Clone, PartialEq, prost::Oneof)]
pub enum Any {
    #[prost(string, tag = "1")]
    String(String),
    #[prost(int64, tag = "3")]
    Int(i64),
    #[prost(message, tag = "6")]
    KvList(KeyValueList),
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct KeyValueList {
    #[prost(message, repeated, tag = "1")]
    pub values: Vec<KeyValue>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct KeyValue {
    #[prost(string, tag = "1")]
    pub key: String,
    #[prost(message, optional, tag = "2")]
    pub value: Option<AnyValue>,
}

pub fn s(v: &str) -> Option<AnyValue> {
    Some(AnyValue { value: Some(Any::String(v.into())) })
}

pub fn kv(k: &str, v: Option<AnyValue>) -> KeyValue {
    KeyValue { key: k.into(), value: v }
}

/// A string attribute's value, or a kvlist member's.
pub fn attr<'a>(attrs: &'a [KeyValue], key: &str) -> Option<&'a Any> {
    attrs.iter().find(|a| a.key == key).and_then(|a| a.value.as_ref()).and_then(|v| v.value.as_ref())
}

/// A length-delimited field, written with prost's primitives.
pub fn put_len(out: &mut Vec<u8>, number: u32, payload: &[u8]) {
    prost::encoding::encode_key(number, prost::encoding::WireType::LengthDelimited, out);
    prost::encoding::encode_varint(payload.len() as u64, out);
    out.extend_from_slice(payload);
}

/// An unknown field (number 99, a string): what a newer Loki or OTLP could add.
pub fn unknown() -> Vec<u8> {
    let mut b = Vec::new();
    put_len(&mut b, 99, b"from-the-future");
    b
}

/// `m` encoded with an unknown field after it.
pub fn with_unknown(m: &impl Message) -> Vec<u8> {
    let mut b = m.encode_to_vec();
    b.extend(unknown());
    b
}

/// Whether `hay` holds `needle` as a contiguous run.
pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

pub fn snappy(b: &[u8]) -> Vec<u8> {
    snap::raw::Encoder::new().compress_vec(b).unwrap()
}

pub fn unsnappy(b: &[u8]) -> Vec<u8> {
    snap::raw::Decoder::new().decompress_vec(b).unwrap()
}

pub fn gzip(b: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(b).unwrap();
    gz.finish().unwrap()
}

pub fn gunzip(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(b).read_to_end(&mut out).unwrap();
    out
}

/// One gRPC length-prefixed message.
pub fn grpc_frame(compressed: bool, message: &[u8]) -> Vec<u8> {
    let mut out = vec![u8::from(compressed)];
    out.extend_from_slice(&(message.len() as u32).to_be_bytes());
    out.extend_from_slice(message);
    out
}

/// The messages of a gRPC body, gunzipped where the flag says so.
pub fn grpc_messages(body: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < body.len() {
        let len = u32::from_be_bytes(body[at + 1..at + 5].try_into().unwrap()) as usize;
        let msg = &body[at + 5..at + 5 + len];
        out.push(if body[at] == 1 { gunzip(msg) } else { msg.to_vec() });
        at += 5 + len;
    }
    out
}

/// Secrets planted in the tests' records, none of which may reach a backend.
pub const SECRETS: &[&str] =
    &["jose.muller@example.com", "203.0.113.7", "4111 1111 1111 1111", "hunter2", "bob@example.com"];

pub fn assert_no_secret(what: &str, bytes: &[u8]) {
    for secret in SECRETS {
        assert!(!contains(bytes, secret.as_bytes()), "{what}: {secret} reached the backend");
    }
}

// ---------------------------------------------------------------------------
// Fixtures shared by the ingest tests (proxy-wasm driver, Envoy, `logsift serve`)

pub fn occurrences(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len()).filter(|w| *w == needle).count()
}

pub fn loki_entry(line: &str, metadata: &[(&str, &str)]) -> Vec<u8> {
    with_unknown(&EntryAdapter {
        timestamp: Some(Timestamp { seconds: 1_732_464_000, nanos: 7 }),
        line: line.into(),
        structured_metadata: metadata
            .iter()
            .map(|(n, v)| LabelPair { name: (*n).into(), value: (*v).into() })
            .collect(),
    })
}

/// A push with an unknown field in each entry, the stream and the request.
pub fn loki_push(labels: &str, entries: &[Vec<u8>]) -> Vec<u8> {
    let mut stream = Vec::new();
    put_len(&mut stream, 1, labels.as_bytes());
    for e in entries {
        put_len(&mut stream, 2, e);
    }
    prost::encoding::uint64::encode(3, &12345, &mut stream);
    stream.extend(unknown());
    let mut req = Vec::new();
    put_len(&mut req, 1, &stream);
    req.extend(unknown());
    req
}

pub fn otlp_record(body: &str, attributes: Vec<KeyValue>) -> LogRecord {
    LogRecord {
        time_unix_nano: 1_732_464_000_000_000_000,
        observed_time_unix_nano: 1_732_464_000_000_000_001,
        severity_number: 13,
        severity_text: "WARN".into(),
        body: s(body),
        attributes,
        flags: 1,
        trace_id: (1..=16).collect(),
        span_id: (1..=8).collect(),
    }
}

/// The PII record and an untouched one, each with an unknown field.
pub fn otlp_records() -> (Vec<u8>, Vec<u8>) {
    let nested = AnyValue {
        value: Some(Any::KvList(KeyValueList {
            values: vec![kv("password", s("hunter2")), kv("step", s("2fa"))],
        })),
    };
    let pii = with_unknown(&otlp_record(
        "login failed for jose.muller@example.com from 203.0.113.7",
        vec![
            kv("user.email", s("bob@example.com")),
            kv("card", s("4111 1111 1111 1111")),
            kv("ctx", Some(nested)),
            kv("http.route", s("/login")),
            kv("retries", Some(AnyValue { value: Some(Any::Int(3)) })),
        ],
    ));
    let plain = with_unknown(&otlp_record("order 42 shipped", vec![kv("http.route", s("/orders"))]));
    (pii, plain)
}

/// An export request around `records`, with unknown fields in the scope and
/// the ResourceLogs. Returns it with the resource's and the scope's bytes.
pub fn otlp_request(records: &[Vec<u8>]) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let scope = with_unknown(&InstrumentationScope { name: "shop.auth".into(), version: "1.4.0".into() });
    let resource = Resource { attributes: vec![kv("service.name", s("shop"))] }.encode_to_vec();
    let mut sl = Vec::new();
    put_len(&mut sl, 1, &scope);
    for r in records {
        put_len(&mut sl, 2, r);
    }
    let mut rl = Vec::new();
    put_len(&mut rl, 1, &resource);
    put_len(&mut rl, 2, &sl);
    put_len(&mut rl, 3, b"https://opentelemetry.io/schemas/1.26.0");
    rl.extend(unknown());
    let mut req = Vec::new();
    put_len(&mut req, 1, &rl);
    (req, resource, scope)
}

/// What every OTLP test holds of a rewritten request.
pub fn assert_otlp_scrubbed(what: &str, out: &[u8], plain: &[u8], resource: &[u8], scope: &[u8]) {
    assert_no_secret(what, out);
    assert!(contains(out, plain), "{what}: the untouched record was re-encoded");
    assert!(contains(out, resource) && contains(out, scope), "{what}: resource or scope changed");
    assert_eq!(occurrences(out, &unknown()), 4, "{what}: an unknown field was lost");
    let req = ExportLogsServiceRequest::decode(out).unwrap();
    let rl = &req.resource_logs[0];
    assert_eq!(rl.schema_url, "https://opentelemetry.io/schemas/1.26.0");
    let r = &rl.scope_logs[0].log_records[0];
    assert_eq!(
        (r.time_unix_nano, r.observed_time_unix_nano, r.flags),
        (1_732_464_000_000_000_000, 1_732_464_000_000_000_001, 1)
    );
    assert_eq!((r.trace_id.len(), r.span_id.len()), (16, 8));
    assert_eq!((r.severity_number, r.severity_text.as_str()), (13, "WARN"));
    let Some(Any::String(body)) = r.body.as_ref().and_then(|b| b.value.as_ref()) else {
        panic!("{what}: body {r:?}")
    };
    assert!(body.starts_with("login failed for "), "{what}: {body}");
    assert_eq!(attr(&r.attributes, "http.route"), Some(&Any::String("/login".into())), "{what}");
    assert_eq!(attr(&r.attributes, "retries"), Some(&Any::Int(3)), "{what}");
    let Some(Any::KvList(ctx)) = attr(&r.attributes, "ctx") else { panic!("{what}: ctx {r:?}") };
    assert_eq!(attr(&ctx.values, "step"), Some(&Any::String("2fa".into())), "{what}");
    assert_eq!(rl.scope_logs[0].log_records.len(), 2, "{what}");
}

/// The lines of one access-log push in `format` (`proxy.collector.format`),
/// read with these decoders, not logsift's: `(time ns, line)`. Checks the
/// push's content type, path, stream labels and resource on the way.
pub fn batch_lines(format: &str, ct: &str, path: &str, body: &[u8]) -> Vec<(u64, String)> {
    let json = || serde_json::from_slice::<serde_json::Value>(body).unwrap();
    match format {
        "ndjson" => {
            assert_eq!((ct, path), ("application/x-ndjson", "/ingest"));
            body.split(|&b| b == b'\n')
                .filter(|l| !l.is_empty())
                .map(|l| (0, String::from_utf8(l.to_vec()).unwrap()))
                .collect()
        }
        "loki" => {
            assert_eq!((ct, path), ("application/json", "/loki/api/v1/push"));
            let v = json();
            assert_eq!(v["streams"][0]["stream"], serde_json::json!({"job": "logsift", "source": "envoy"}));
            let values = v["streams"][0]["values"].as_array().unwrap().clone();
            values
                .iter()
                .map(|e| (e[0].as_str().unwrap().parse().unwrap(), e[1].as_str().unwrap().into()))
                .collect()
        }
        "loki_protobuf" => {
            assert_eq!((ct, path), ("application/x-protobuf", "/loki/api/v1/push"));
            let push = PushRequest::decode(unsnappy(body).as_slice()).unwrap();
            assert_eq!(push.streams.len(), 1);
            assert_eq!(push.streams[0].labels, r#"{job="logsift", source="envoy"}"#);
            let t = |ts: &Option<Timestamp>| {
                ts.as_ref().map_or(0, |t| t.seconds as u64 * 1_000_000_000 + t.nanos as u64)
            };
            push.streams[0].entries.iter().map(|e| (t(&e.timestamp), e.line.clone())).collect()
        }
        "otlp" | "otlp_protobuf" => {
            assert_eq!(path, "/v1/logs");
            let req = if format == "otlp" {
                assert_eq!(ct, "application/json");
                let v = json();
                let rl = &v["resourceLogs"][0];
                assert_eq!(rl["resource"]["attributes"][0]["value"]["stringValue"], "envoy");
                let recs = rl["scopeLogs"][0]["logRecords"].as_array().unwrap().clone();
                return recs
                    .iter()
                    .map(|r| {
                        assert_eq!(r["observedTimeUnixNano"], r["timeUnixNano"]);
                        let t = r["timeUnixNano"].as_str().unwrap().parse().unwrap();
                        (t, r["body"]["stringValue"].as_str().unwrap().to_owned())
                    })
                    .collect();
            } else {
                assert_eq!(ct, "application/x-protobuf");
                ExportLogsServiceRequest::decode(body).unwrap()
            };
            assert_eq!(req.resource_logs.len(), 1);
            let rl = &req.resource_logs[0];
            let res = rl.resource.as_ref().unwrap();
            assert!(matches!(attr(&res.attributes, "service.name"), Some(Any::String(s)) if s == "envoy"));
            assert_eq!(rl.scope_logs[0].scope.as_ref().unwrap().name, "logsift");
            rl.scope_logs[0]
                .log_records
                .iter()
                .map(|r| {
                    assert_eq!(r.observed_time_unix_nano, r.time_unix_nano);
                    let Some(Any::String(body)) = r.body.as_ref().and_then(|b| b.value.clone()) else {
                        panic!("no string body: {r:?}")
                    };
                    (r.time_unix_nano, body)
                })
                .collect()
        }
        other => panic!("no decoder for {other}"),
    }
}
