//! Elasticsearch `_bulk` bodies: `index`/`create`/`update` action lines are
//! each followed by a document (the record); `delete` has none. A dropped
//! document drops its action too, so the pairs stay aligned.

use serde_json::{Map, Value};

use crate::Records;
use crate::lines::split;

/// Runs each document of a `_bulk` body through `records`.
pub fn rewrite(body: &[u8], records: &mut dyn Records) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut pending: Option<&[u8]> = None;
    for l in split(body) {
        if let Some(action) = pending.take() {
            if let Some(doc) = records.record(l) {
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
                if let Some(new) = records.record(l) {
                    out.extend_from_slice(&new);
                    out.push(b'\n');
                }
            }
        }
    }
    out
}
