//! Log-push body formats the ingest role understands, chosen by path and
//! content type: NDJSON or text lines, Elasticsearch `_bulk`, Loki push JSON
//! and OTLP/HTTP JSON logs. Each log line goes through `line` (which returns
//! the new line, or `None` to drop it); structured metadata and attributes
//! go through `meta` (scrub only). Anything that can't be parsed is an
//! error, which the caller hands to `proxy.on_error`.

use serde_json::{Map, Value};

/// Scrubs one metadata/attribute object (scrub only, never dropped).
pub type MetaFn<'a> = dyn FnMut(&Map<String, Value>) -> Map<String, Value> + 'a;

/// How a request body is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFormat {
    /// One record per line (NDJSON, text).
    Lines,
    /// Elasticsearch `_bulk`: action lines pass through, documents are records.
    EsBulk,
    /// Loki `/loki/api/v1/push` JSON.
    LokiPush,
    /// OTLP/HTTP `/v1/logs` JSON.
    OtlpLogs,
}

/// Picks the format from the request's path and content type.
pub fn detect(path: &str, content_type: &str) -> Result<BodyFormat, String> {
    let path = path.split('?').next().unwrap_or("");
    let ct = content_type.to_ascii_lowercase();
    let json = ct.contains("json") && !ct.contains("ndjson");
    let protobuf = ct.contains("protobuf");
    if path.ends_with("/loki/api/v1/push") {
        if protobuf {
            return Err("Loki protobuf pushes are not supported; send application/json".into());
        }
        return Ok(if json { BodyFormat::LokiPush } else { BodyFormat::Lines });
    }
    if path.ends_with("/v1/logs") {
        if protobuf {
            return Err("OTLP protobuf is not supported; send OTLP/HTTP JSON".into());
        }
        return Ok(if json { BodyFormat::OtlpLogs } else { BodyFormat::Lines });
    }
    if path.ends_with("/_bulk") {
        return Ok(BodyFormat::EsBulk);
    }
    Ok(BodyFormat::Lines)
}

/// Rewrites `body` in `format`.
pub fn rewrite(
    format: BodyFormat,
    body: &[u8],
    line: &mut dyn FnMut(&[u8]) -> Option<Vec<u8>>,
    meta: &mut MetaFn<'_>,
) -> Result<Vec<u8>, String> {
    match format {
        BodyFormat::Lines => Ok(lines(body, line)),
        BodyFormat::EsBulk => Ok(es_bulk(body, line)),
        BodyFormat::LokiPush => loki(body, line, meta),
        BodyFormat::OtlpLogs => otlp(body, line, meta),
    }
}

fn split(body: &[u8]) -> impl Iterator<Item = &[u8]> {
    body.split(|&b| b == b'\n').map(|l| l.strip_suffix(b"\r").unwrap_or(l)).filter(|l| !l.is_empty())
}

fn lines(body: &[u8], line: &mut dyn FnMut(&[u8]) -> Option<Vec<u8>>) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    for l in split(body) {
        if let Some(new) = line(l) {
            out.extend_from_slice(&new);
            out.push(b'\n');
        }
    }
    out
}

/// `_bulk`: `index`/`create`/`update` action lines are followed by a
/// document; `delete` has none. A dropped document drops its action too.
fn es_bulk(body: &[u8], line: &mut dyn FnMut(&[u8]) -> Option<Vec<u8>>) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut pending: Option<&[u8]> = None;
    for l in split(body) {
        if let Some(action) = pending.take() {
            if let Some(doc) = line(l) {
                out.extend_from_slice(action);
                out.push(b'\n');
                out.extend_from_slice(&doc);
                out.push(b'\n');
            }
            continue;
        }
        let kind = serde_json::from_slice::<Map<String, Value>>(l)
            .ok()
            .and_then(|m| m.keys().next().cloned())
            .unwrap_or_default();
        match kind.as_str() {
            "index" | "create" | "update" => pending = Some(l),
            "delete" => {
                out.extend_from_slice(l);
                out.push(b'\n');
            }
            // Not an action line: treat it as a record of its own.
            _ => {
                if let Some(new) = line(l) {
                    out.extend_from_slice(&new);
                    out.push(b'\n');
                }
            }
        }
    }
    out
}

fn loki(
    body: &[u8],
    line: &mut dyn FnMut(&[u8]) -> Option<Vec<u8>>,
    meta: &mut MetaFn<'_>,
) -> Result<Vec<u8>, String> {
    let mut doc: Value =
        serde_json::from_slice(body).map_err(|e| format!("Loki push body is not JSON: {e}"))?;
    let streams = doc
        .get_mut("streams")
        .and_then(Value::as_array_mut)
        .ok_or("Loki push body has no \"streams\" array")?;
    for stream in streams {
        let Some(values) = stream.get_mut("values").and_then(Value::as_array_mut) else { continue };
        values.retain_mut(|entry| {
            let Some(parts) = entry.as_array_mut() else { return false };
            let Some(text) = parts.get(1).and_then(Value::as_str) else { return false };
            let Some(new) = line(text.as_bytes()) else { return false };
            parts[1] = Value::String(String::from_utf8_lossy(&new).into_owned());
            if let Some(Value::Object(md)) = parts.get_mut(2) {
                *md = meta(md);
            }
            true
        });
    }
    serde_json::to_vec(&doc).map_err(|e| e.to_string())
}

fn otlp(
    body: &[u8],
    line: &mut dyn FnMut(&[u8]) -> Option<Vec<u8>>,
    meta: &mut MetaFn<'_>,
) -> Result<Vec<u8>, String> {
    let mut doc: Value = serde_json::from_slice(body).map_err(|e| format!("OTLP body is not JSON: {e}"))?;
    let resources = doc
        .get_mut("resourceLogs")
        .and_then(Value::as_array_mut)
        .ok_or("OTLP body has no \"resourceLogs\" array")?;
    for rl in resources {
        let Some(scopes) = rl.get_mut("scopeLogs").and_then(Value::as_array_mut) else { continue };
        for sl in scopes {
            let Some(records) = sl.get_mut("logRecords").and_then(Value::as_array_mut) else { continue };
            records.retain_mut(|rec| {
                let text = match rec.pointer("/body/stringValue") {
                    Some(Value::String(s)) => s.clone(),
                    Some(_) | None => rec.get("body").map(Value::to_string).unwrap_or_default(),
                };
                let Some(new) = line(text.as_bytes()) else { return false };
                if let Some(body) = rec.get_mut("body") {
                    *body = serde_json::json!({"stringValue": String::from_utf8_lossy(&new)});
                }
                if let Some(Value::Array(attrs)) = rec.get_mut("attributes") {
                    scrub_attributes(attrs, meta);
                }
                true
            });
        }
    }
    serde_json::to_vec(&doc).map_err(|e| e.to_string())
}

/// OTLP attributes (`[{"key": k, "value": {"stringValue": v}}]`) through
/// the scrubber as one object, written back by key.
fn scrub_attributes(attrs: &mut [Value], meta: &mut MetaFn<'_>) {
    let mut flat = Map::new();
    for a in attrs.iter() {
        if let (Some(k), Some(v)) = (a.get("key").and_then(Value::as_str), a.pointer("/value/stringValue")) {
            flat.insert(k.to_owned(), v.clone());
        }
    }
    if flat.is_empty() {
        return;
    }
    let scrubbed = meta(&flat);
    for a in attrs.iter_mut() {
        let Some(k) = a.get("key").and_then(Value::as_str).map(str::to_owned) else { continue };
        if !flat.contains_key(&k) {
            continue;
        }
        match scrubbed.get(&k) {
            Some(v) => a["value"] = serde_json::json!({"stringValue": v}),
            // A `drop` action removed it: leave no value behind.
            None => a["value"] = serde_json::json!({"stringValue": ""}),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upper(l: &[u8]) -> Option<Vec<u8>> {
        (!l.starts_with(b"drop")).then(|| l.to_ascii_uppercase())
    }

    fn same(m: &Map<String, Value>) -> Map<String, Value> {
        m.iter().map(|(k, v)| (k.clone(), Value::String(v.as_str().unwrap_or("").to_uppercase()))).collect()
    }

    #[test]
    fn formats_by_path() {
        assert_eq!(detect("/loki/api/v1/push", "application/json").unwrap(), BodyFormat::LokiPush);
        assert!(detect("/loki/api/v1/push", "application/x-protobuf").is_err());
        assert_eq!(detect("/v1/logs", "application/json").unwrap(), BodyFormat::OtlpLogs);
        assert_eq!(detect("/logs/_bulk?refresh=true", "application/x-ndjson").unwrap(), BodyFormat::EsBulk);
        assert_eq!(detect("/ingest", "application/x-ndjson").unwrap(), BodyFormat::Lines);
    }

    #[test]
    fn loki_lines_and_metadata() {
        let body = br#"{"streams":[{"stream":{"job":"app"},"values":[["1","keep a",{"user":"bob"}],["2","drop b"]]}]}"#;
        let out = rewrite(BodyFormat::LokiPush, body, &mut upper, &mut same).unwrap();
        let v: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["streams"][0]["values"], serde_json::json!([["1", "KEEP A", {"user": "BOB"}]]));
    }

    #[test]
    fn otlp_bodies_and_attributes() {
        let body = br#"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"keep"},"attributes":[{"key":"k","value":{"stringValue":"v"}}]},{"body":{"stringValue":"drop"}}]}]}]}"#;
        let out = rewrite(BodyFormat::OtlpLogs, body, &mut upper, &mut same).unwrap();
        let v: Value = serde_json::from_slice(&out).unwrap();
        let recs = &v["resourceLogs"][0]["scopeLogs"][0]["logRecords"];
        assert_eq!(recs.as_array().unwrap().len(), 1);
        assert_eq!(recs[0]["body"]["stringValue"], "KEEP");
        assert_eq!(recs[0]["attributes"][0]["value"]["stringValue"], "V");
    }

    #[test]
    fn es_bulk_keeps_actions_with_their_documents() {
        let body = b"{\"index\":{}}\nkeep 1\n{\"index\":{}}\ndrop 2\n{\"delete\":{\"_id\":\"x\"}}\n";
        let out = rewrite(BodyFormat::EsBulk, body, &mut upper, &mut same).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "{\"index\":{}}\nKEEP 1\n{\"delete\":{\"_id\":\"x\"}}\n");
    }
}
