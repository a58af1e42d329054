//! Loki push JSON (`/loki/api/v1/push`, `application/json`, what Fluent Bit's
//! `loki` output sends): `{"streams": [{"stream": {labels}, "values":
//! [[ts, line, {structured metadata}?], …]}]}`. Each line is a record;
//! structured metadata is scrubbed by key rules and detectors; label values
//! go through the detectors. Entries whose line is dropped are removed.

use serde_json::Value;

use crate::{Error, Records};

/// Rewrites a Loki push JSON body.
pub fn rewrite(body: &[u8], records: &mut dyn Records) -> Result<Vec<u8>, Error> {
    let mut doc: Value =
        serde_json::from_slice(body).map_err(|e| Error::Shape(format!("Loki push body is not JSON: {e}")))?;
    let streams = doc
        .get_mut("streams")
        .and_then(Value::as_array_mut)
        .ok_or_else(|| Error::Shape("Loki push body has no \"streams\" array".into()))?;
    for stream in streams {
        if let Some(Value::Object(labels)) = stream.get_mut("stream") {
            for v in labels.values_mut() {
                if let Value::String(s) = v {
                    *s = records.value(s);
                }
            }
        }
        let Some(values) = stream.get_mut("values").and_then(Value::as_array_mut) else { continue };
        values.retain_mut(|entry| {
            let Some(parts) = entry.as_array_mut() else { return false };
            let Some(text) = parts.get(1).and_then(Value::as_str) else { return false };
            let Some(new) = records.record(text.as_bytes()) else { return false };
            parts[1] = Value::String(String::from_utf8_lossy(&new).into_owned());
            if let Some(Value::Object(md)) = parts.get_mut(2) {
                *md = records.metadata(md);
            }
            true
        });
    }
    serde_json::to_vec(&doc).map_err(|e| Error::Shape(e.to_string()))
}
