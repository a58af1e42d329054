//! Pushes of records a host produced itself (the proxy-wasm `access_log`
//! role's per-request records), in the format of the backend they go to.
//!
//! Unlike the rest of this crate there is no body to keep byte for byte:
//! the push is written from scratch, one stream or resource per batch.
//!
//! | [`BatchFormat`] | path | content type | body |
//! |---|---|---|---|
//! | `ndjson` | `/ingest` | `application/x-ndjson` | one record a line |
//! | `loki` | `/loki/api/v1/push` | `application/json` | Loki push JSON, one stream |
//! | `loki_protobuf` | `/loki/api/v1/push` | `application/x-protobuf` | `logproto.PushRequest` in a raw snappy block, as Promtail and Alloy send it |
//! | `otlp` | `/v1/logs` | `application/json` | OTLP/HTTP JSON `ExportLogsServiceRequest` |
//! | `otlp_protobuf` | `/v1/logs` | `application/x-protobuf` | the same message as protobuf, the OTLP/HTTP default |
//!
//! Each record is a log line (the engine's output, usually a JSON object)
//! with the time it was produced. Loki gets it as the entry's line under
//! the stream labels; OTLP as the `LogRecord`'s string body, with
//! `time_unix_nano` and `observed_time_unix_nano`, under a resource whose
//! `service.name` is the source and an instrumentation scope `logsift`.

use serde::Deserialize;

use crate::encoding;
use crate::schema::{
    any_value, entry_adapter, export_logs_service_request, instrumentation_scope, key_value, log_record,
    push_request, resource, resource_logs, scope_logs, stream_adapter, timestamp,
};
use crate::wire::{put_fixed64, put_len, put_varint};

/// The wire format of a batch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchFormat {
    /// One record per line.
    #[default]
    Ndjson,
    /// Loki push JSON.
    Loki,
    /// Loki push protobuf in a raw snappy block.
    LokiProtobuf,
    /// OTLP/HTTP JSON.
    Otlp,
    /// OTLP/HTTP protobuf.
    OtlpProtobuf,
}

/// A push ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    /// The request body.
    pub body: Vec<u8>,
    /// The format's usual request path.
    pub path: &'static str,
    /// The `content-type` header.
    pub content_type: &'static str,
}

/// Who the records are from: Loki stream labels `{job="logsift",
/// source="<source>"}`, OTLP resource `service.name`.
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    /// The producing host (`envoy`).
    pub source: &'a str,
}

/// The records `(time in Unix nanoseconds, line)` as one push in `format`.
pub fn encode(format: BatchFormat, origin: Origin<'_>, records: &[(u64, Vec<u8>)]) -> Batch {
    match format {
        BatchFormat::Ndjson => {
            let mut body = Vec::with_capacity(records.iter().map(|(_, r)| r.len() + 1).sum());
            for (_, r) in records {
                body.extend_from_slice(r);
                body.push(b'\n');
            }
            Batch { body, path: "/ingest", content_type: "application/x-ndjson" }
        }
        BatchFormat::Loki => {
            let values: Vec<serde_json::Value> =
                records.iter().map(|(t, r)| serde_json::json!([t.to_string(), text(r)])).collect();
            let doc = serde_json::json!({"streams": [{
                "stream": {"job": "logsift", "source": origin.source},
                "values": values,
            }]});
            Batch { body: json(&doc), path: LOKI_PATH, content_type: "application/json" }
        }
        BatchFormat::LokiProtobuf => Batch {
            body: encoding::snappy(&loki_push(origin, records)),
            path: LOKI_PATH,
            content_type: "application/x-protobuf",
        },
        BatchFormat::Otlp => {
            let recs: Vec<serde_json::Value> = records
                .iter()
                .map(|(t, r)| {
                    serde_json::json!({
                        "timeUnixNano": t.to_string(),
                        "observedTimeUnixNano": t.to_string(),
                        "body": {"stringValue": text(r)},
                    })
                })
                .collect();
            let doc = serde_json::json!({"resourceLogs": [{
                "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": origin.source}}]},
                "scopeLogs": [{"scope": {"name": SCOPE}, "logRecords": recs}],
            }]});
            Batch { body: json(&doc), path: OTLP_PATH, content_type: "application/json" }
        }
        BatchFormat::OtlpProtobuf => Batch {
            body: otlp_export(origin, records),
            path: OTLP_PATH,
            content_type: "application/x-protobuf",
        },
    }
}

const LOKI_PATH: &str = "/loki/api/v1/push";
const OTLP_PATH: &str = "/v1/logs";
const SCOPE: &str = "logsift";

fn text(r: &[u8]) -> String {
    String::from_utf8_lossy(r).into_owned()
}

fn json(doc: &serde_json::Value) -> Vec<u8> {
    // A `Value` built here always serialises.
    serde_json::to_vec(doc).unwrap_or_default()
}

/// The Loki label text of the stream, as Loki parses it (Prometheus syntax).
fn loki_labels(origin: Origin<'_>) -> String {
    format!("{{job=\"logsift\", source={}}}", crate::loki_labels::quote(origin.source))
}

fn loki_push(origin: Origin<'_>, records: &[(u64, Vec<u8>)]) -> Vec<u8> {
    let mut stream = Vec::new();
    put_len(&mut stream, stream_adapter::LABELS, loki_labels(origin).as_bytes());
    let (mut entry, mut ts) = (Vec::new(), Vec::new());
    for (t, r) in records {
        entry.clear();
        ts.clear();
        // google.protobuf.Timestamp; zero fields are left out, as proto3 does.
        let (secs, nanos) = (t / 1_000_000_000, t % 1_000_000_000);
        if secs != 0 {
            put_varint(&mut ts, timestamp::SECONDS, secs);
        }
        if nanos != 0 {
            put_varint(&mut ts, timestamp::NANOS, nanos);
        }
        put_len(&mut entry, entry_adapter::TIMESTAMP, &ts);
        put_len(&mut entry, entry_adapter::LINE, &text(r).into_bytes());
        put_len(&mut stream, stream_adapter::ENTRIES, &entry);
    }
    let mut push = Vec::new();
    put_len(&mut push, push_request::STREAMS, &stream);
    push
}

fn otlp_export(origin: Origin<'_>, records: &[(u64, Vec<u8>)]) -> Vec<u8> {
    let string_value = |s: &[u8]| {
        let mut v = Vec::new();
        put_len(&mut v, any_value::STRING_VALUE, s);
        v
    };
    let mut service = Vec::new();
    put_len(&mut service, key_value::KEY, b"service.name");
    put_len(&mut service, key_value::VALUE, &string_value(origin.source.as_bytes()));
    let mut res = Vec::new();
    put_len(&mut res, resource::ATTRIBUTES, &service);
    let mut scope = Vec::new();
    put_len(&mut scope, instrumentation_scope::NAME, SCOPE.as_bytes());
    let mut scope_logs = Vec::new();
    put_len(&mut scope_logs, scope_logs::SCOPE, &scope);
    let mut rec = Vec::new();
    for (t, r) in records {
        rec.clear();
        put_fixed64(&mut rec, log_record::TIME_UNIX_NANO, *t);
        // A string body must be UTF-8 (proto3 `string`); a lossy copy
        // keeps a record the engine passed as bytes.
        put_len(&mut rec, log_record::BODY, &string_value(text(r).as_bytes()));
        put_fixed64(&mut rec, log_record::OBSERVED_TIME_UNIX_NANO, *t);
        put_len(&mut scope_logs, scope_logs::LOG_RECORDS, &rec);
    }
    let mut rl = Vec::new();
    put_len(&mut rl, resource_logs::RESOURCE, &res);
    put_len(&mut rl, resource_logs::SCOPE_LOGS, &scope_logs);
    let mut req = Vec::new();
    put_len(&mut req, export_logs_service_request::RESOURCE_LOGS, &rl);
    req
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records() -> Vec<(u64, Vec<u8>)> {
        vec![(1_732_464_000_123_456_789, br#"{"a":1}"#.to_vec()), (5, b"plain \xff line".to_vec())]
    }

    #[test]
    fn every_format_reads_back_with_this_crates_decoders() {
        // The ingest side of this crate reads what the batch side writes:
        // the same records come back, in order.
        use crate::Records;
        struct Collect(Vec<String>);
        impl Records for Collect {
            fn record(&mut self, r: &[u8]) -> Option<Vec<u8>> {
                self.0.push(String::from_utf8_lossy(r).into_owned());
                None
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
        let origin = Origin { source: "envoy" };
        let loki = encode(BatchFormat::LokiProtobuf, origin, &records());
        let mut c = Collect(Vec::new());
        crate::loki_proto::rewrite_snappy(&loki.body, 1 << 20, &mut c).unwrap();
        assert_eq!(c.0, [r#"{"a":1}"#, "plain \u{fffd} line"]);
        let otlp = encode(BatchFormat::OtlpProtobuf, origin, &records());
        let mut c = Collect(Vec::new());
        crate::otlp_proto::rewrite(&otlp.body, &mut c).unwrap();
        // A JSON body string reaches the engine as the object it holds.
        assert_eq!(c.0, [r#"{"body":{"a":1}}"#, "{\"body\":\"plain \u{fffd} line\"}"]);
    }

    #[test]
    fn labels_quote_the_source() {
        assert_eq!(loki_labels(Origin { source: "a\"b" }), r#"{job="logsift", source="a\"b"}"#);
    }
}
