//! Lines, `_bulk`, Loki JSON and OTLP JSON (moved from the proxy-wasm adapter).

use logsift_formats::{Body, ContentEncoding, Format, Records, rewrite};
use serde_json::{Map, Value, json};

/// Upper-cases lines (and every string of a JSON record); drops lines starting with "drop".
struct Upper;

fn upper_strings(v: &mut Value) {
    match v {
        Value::String(s) => *s = s.to_uppercase(),
        Value::Array(a) => a.iter_mut().for_each(upper_strings),
        Value::Object(o) => o.iter_mut().filter(|(k, _)| *k != "level").for_each(|(_, v)| upper_strings(v)),
        _ => {}
    }
}

impl Records for Upper {
    fn record(&mut self, l: &[u8]) -> Option<Vec<u8>> {
        if let Ok(mut v) = serde_json::from_slice::<Value>(l)
            && v.is_object()
        {
            if v["body"].as_str().is_some_and(|b| b.starts_with("drop")) {
                return None;
            }
            upper_strings(&mut v);
            return serde_json::to_vec(&v).ok();
        }
        (!l.starts_with(b"drop")).then(|| l.to_ascii_uppercase())
    }
    fn metadata(&mut self, m: &Map<String, Value>) -> Map<String, Value> {
        m.iter().map(|(k, v)| (k.clone(), Value::String(v.as_str().unwrap_or("").to_uppercase()))).collect()
    }
    fn value(&mut self, t: &str) -> String {
        t.to_uppercase()
    }
}

fn run(format: Format, body: &[u8]) -> Vec<u8> {
    let b = Body { format, encoding: ContentEncoding::Identity, grpc_gzip: false };
    rewrite(&b, body, 1 << 20, &mut Upper).unwrap()
}

#[test]
fn lines_drop_and_rewrite() {
    assert_eq!(run(Format::Lines, b"a\r\n\ndrop b\nc"), b"A\nC\n");
}

#[test]
fn loki_json_lines_metadata_and_labels() {
    let body =
        br#"{"streams":[{"stream":{"job":"app"},"values":[["1","keep a",{"user":"bob"}],["2","drop b"]]}]}"#;
    let v: Value = serde_json::from_slice(&run(Format::LokiJson, body)).unwrap();
    assert_eq!(v["streams"][0]["values"], json!([["1", "KEEP A", {"user": "BOB"}]]));
    assert_eq!(v["streams"][0]["stream"], json!({"job": "APP"}));
}

#[test]
fn otlp_json_bodies_and_attributes() {
    let body = br#"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"keep"},"attributes":[{"key":"k","value":{"stringValue":"v"}},{"key":"n","value":{"intValue":"7"}}]},{"body":{"stringValue":"drop"}}]}]}]}"#;
    let v: Value = serde_json::from_slice(&run(Format::OtlpJson, body)).unwrap();
    let recs = &v["resourceLogs"][0]["scopeLogs"][0]["logRecords"];
    assert_eq!(recs.as_array().unwrap().len(), 1);
    assert_eq!(recs[0]["body"]["stringValue"], "KEEP");
    assert_eq!(recs[0]["attributes"][0]["value"]["stringValue"], "V");
    assert_eq!(recs[0]["attributes"][1]["value"], json!({"intValue": "7"}));
    let all_dropped =
        br#"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"drop"}}]}]}]}"#;
    let v: Value = serde_json::from_slice(&run(Format::OtlpJson, all_dropped)).unwrap();
    assert_eq!(v, json!({"resourceLogs": []}));
}

#[test]
fn es_bulk_keeps_actions_with_their_documents() {
    let body = b"{\"index\":{}}\nkeep 1\n{\"index\":{}}\ndrop 2\n{\"delete\":{\"_id\":\"x\"}}\n";
    assert_eq!(
        String::from_utf8(run(Format::EsBulk, body)).unwrap(),
        "{\"index\":{}}\nKEEP 1\n{\"delete\":{\"_id\":\"x\"}}\n"
    );
}
