//! OTLP/HTTP JSON logs (`/v1/logs`, `application/json`):
//! `{"resourceLogs": [{"scopeLogs": [{"logRecords": [LogRecord, …]}]}]}`.
//! Each `LogRecord` is one engine record ([`crate::otlp_record`]); dropped
//! records are removed, and so are the ScopeLogs and ResourceLogs they leave
//! empty. Fields this module does not read stay in the document as they were
//! (their values; JSON whitespace and key order are not kept).

use serde_json::{Map, Value, json};

use crate::otlp_record::{self, LogView, Verdict};
use crate::{Error, Records};

/// An OTLP JSON `AnyValue` (`{"stringValue": …}`, …) as plain JSON.
pub fn any_to_plain(v: &Value) -> Value {
    let Some(obj) = v.as_object() else { return Value::Null };
    if let Some(s) = obj.get("stringValue") {
        return s.clone();
    }
    if let Some(b) = obj.get("boolValue") {
        return b.clone();
    }
    if let Some(i) = obj.get("intValue") {
        // int64 is a decimal string in OTLP JSON, a number from some clients.
        return match i {
            Value::String(s) => s.parse::<i64>().map_or_else(|_| i.clone(), Value::from),
            other => other.clone(),
        };
    }
    if let Some(d) = obj.get("doubleValue") {
        return d.clone();
    }
    if let Some(b) = obj.get("bytesValue") {
        return b.clone();
    }
    if let Some(a) = obj.get("arrayValue") {
        let values = a.get("values").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        return Value::Array(values.iter().map(any_to_plain).collect());
    }
    if let Some(kv) = obj.get("kvlistValue") {
        return Value::Object(kvlist_to_plain(kv.get("values")));
    }
    Value::Null
}

fn kvlist_to_plain(values: Option<&Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for kv in values.and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default() {
        if let Some(k) = kv.get("key").and_then(Value::as_str) {
            out.insert(k.to_owned(), kv.get("value").map_or(Value::Null, any_to_plain));
        }
    }
    out
}

/// Plain JSON as an OTLP JSON `AnyValue`.
pub fn plain_to_any(v: &Value) -> Value {
    match v {
        Value::Null => json!({}),
        Value::Bool(b) => json!({"boolValue": b}),
        Value::Number(n) if n.is_i64() || n.is_u64() => json!({"intValue": n.to_string()}),
        Value::Number(n) => json!({"doubleValue": n}),
        Value::String(s) => json!({"stringValue": s}),
        Value::Array(a) => json!({"arrayValue": {"values": a.iter().map(plain_to_any).collect::<Vec<_>>()}}),
        Value::Object(o) => json!({"kvlistValue": {"values": o.iter()
            .map(|(k, v)| json!({"key": k, "value": plain_to_any(v)})).collect::<Vec<_>>()}}),
    }
}

fn view(rec: &Value) -> LogView {
    let text = |k: &str| rec.get(k).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned);
    let number = match rec.get("severityNumber") {
        Some(Value::Number(n)) => n.as_u64(),
        // The enum's name, as protobuf's JSON mapping allows.
        Some(Value::String(s)) => {
            s.strip_prefix("SEVERITY_NUMBER_").map(|n| n.to_ascii_lowercase()).map(|n| return_name(&n))
        }
        _ => None,
    };
    let level =
        text("severityText").or_else(|| number.and_then(otlp_record::severity_name).map(str::to_owned));
    let attributes = rec
        .get("attributes")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|kv| {
                    let k = kv.get("key")?.as_str()?;
                    Some((k.to_owned(), kv.get("value").map_or(Value::Null, any_to_plain)))
                })
                .collect()
        })
        .unwrap_or_default();
    LogView {
        body: rec.get("body").map(any_to_plain),
        level,
        trace_id: text("traceId").map(|s| s.to_ascii_lowercase()),
        span_id: text("spanId").map(|s| s.to_ascii_lowercase()),
        attributes,
    }
}

/// A severity enum name's first number (`error2` reads as error).
fn return_name(n: &str) -> u64 {
    let base = n.trim_end_matches(|c: char| c.is_ascii_digit());
    match base {
        "trace" => 1,
        "debug" => 5,
        "info" => 9,
        "warn" => 13,
        "error" => 17,
        "fatal" => 21,
        _ => 0,
    }
}

/// Applies `verdict` to one `LogRecord`; `false` removes it.
fn apply(rec: &mut Value, verdict: Verdict) -> bool {
    let Verdict::Keep(changes) = verdict else { return false };
    if let Some(body) = changes.body {
        rec["body"] = plain_to_any(&body);
    }
    // Attribute indices count only well-formed entries, as `view` did.
    if let Some(attrs) = rec.get_mut("attributes").and_then(Value::as_array_mut) {
        let mut changed = changes.attributes.into_iter().peekable();
        let mut index = 0;
        for kv in attrs.iter_mut() {
            if kv.get("key").and_then(Value::as_str).is_none() {
                continue;
            }
            if let Some((_, new)) = changed.next_if(|(i, _)| *i == index) {
                kv["value"] = plain_to_any(&new);
            }
            index += 1;
        }
    }
    if !changes.added.is_empty() {
        if !rec.get("attributes").is_some_and(Value::is_array) {
            rec["attributes"] = json!([]);
        }
        if let Some(attrs) = rec.get_mut("attributes").and_then(Value::as_array_mut) {
            attrs.extend(changes.added.iter().map(|(k, v)| json!({"key": k, "value": plain_to_any(v)})));
        }
    }
    true
}

/// Rewrites an OTLP JSON logs body.
pub fn rewrite(body: &[u8], records: &mut dyn Records) -> Result<Vec<u8>, Error> {
    let mut doc: Value =
        serde_json::from_slice(body).map_err(|e| Error::Shape(format!("OTLP body is not JSON: {e}")))?;
    let resources = doc
        .get_mut("resourceLogs")
        .and_then(Value::as_array_mut)
        .ok_or_else(|| Error::Shape("OTLP body has no \"resourceLogs\" array".into()))?;
    resources.retain_mut(|rl| {
        let Some(scopes) = rl.get_mut("scopeLogs").and_then(Value::as_array_mut) else { return true };
        let had_scopes = !scopes.is_empty();
        scopes.retain_mut(|sl| {
            let Some(recs) = sl.get_mut("logRecords").and_then(Value::as_array_mut) else { return true };
            let had_records = !recs.is_empty();
            recs.retain_mut(|rec| {
                let verdict = otlp_record::run(&view(rec), records);
                apply(rec, verdict)
            });
            !(had_records && recs.is_empty())
        });
        !(had_scopes && scopes.is_empty())
    });
    serde_json::to_vec(&doc).map_err(|e| Error::Shape(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_values_round_trip_through_plain_json() {
        for any in [
            json!({"stringValue": "s"}),
            json!({"boolValue": true}),
            json!({"intValue": "42"}),
            json!({"doubleValue": 1.5}),
            json!({"arrayValue": {"values": [{"stringValue": "a"}, {"intValue": "1"}]}}),
            json!({"kvlistValue": {"values": [{"key": "k", "value": {"stringValue": "v"}}]}}),
        ] {
            assert_eq!(plain_to_any(&any_to_plain(&any)), any);
        }
        assert_eq!(
            view(&json!({"severityNumber": "SEVERITY_NUMBER_ERROR2"})).level.as_deref(),
            Some("error")
        );
    }
}
