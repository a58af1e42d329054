//! OTLP logs protobuf: `ExportLogsServiceRequest` (opentelemetry-proto
//! `collector/logs/v1`, `logs/v1`, `common/v1`), the body of OTLP/HTTP
//! `application/x-protobuf` and of each OTLP/gRPC frame.
//!
//! ```text
//! ExportLogsServiceRequest { repeated ResourceLogs resource_logs = 1; }
//! ResourceLogs { Resource resource = 1; repeated ScopeLogs scope_logs = 2; string schema_url = 3; }
//! ScopeLogs    { InstrumentationScope scope = 1; repeated LogRecord log_records = 2; string schema_url = 3; }
//! LogRecord    { fixed64 time_unix_nano = 1; SeverityNumber severity_number = 2; string severity_text = 3;
//!                AnyValue body = 5; repeated KeyValue attributes = 6; uint32 dropped_attributes_count = 7;
//!                fixed32 flags = 8; bytes trace_id = 9; bytes span_id = 10;
//!                fixed64 observed_time_unix_nano = 11; string event_name = 12; }
//! KeyValue { string key = 1; AnyValue value = 2; }
//! AnyValue { oneof { string = 1; bool = 2; int64 = 3; double = 4; ArrayValue = 5; KeyValueList = 6; bytes = 7 } }
//! ```
//!
//! Each `LogRecord` is one engine record ([`crate::otlp_record`]). Dropped
//! records are removed, and so are the ScopeLogs and ResourceLogs they leave
//! empty. The message is rewritten in place ([`crate::wire`]): only a changed
//! body or attribute value is re-encoded (its key and any unknown fields of
//! the `KeyValue` stay), new attributes are appended, and everything else —
//! resource, scope, timestamps, flags, fields of newer OTLP versions — is
//! copied byte for byte.

use serde_json::{Map, Number, Value};

use crate::otlp_record::{self, LogView, Verdict};
use crate::schema::{
    any_value, export_logs_service_request, key_value, list, log_record, resource_logs, scope_logs,
};
use crate::wire::{self, Edit, Rebuild, Value as Wire, WireError};

const REQUEST: &str = "ExportLogsServiceRequest";
const RESOURCE_LOGS: &str = "ResourceLogs";
const SCOPE_LOGS: &str = "ScopeLogs";
const LOG_RECORD: &str = "LogRecord";
const KEY_VALUE: &str = "KeyValue";
const ANY_VALUE: &str = "AnyValue";

/// Rewrites an `ExportLogsServiceRequest`; `None` when nothing changed.
pub fn rewrite(msg: &[u8], records: &mut dyn crate::Records) -> Result<Option<Vec<u8>>, WireError> {
    let mut rb = Rebuild::new(msg);
    for f in wire::fields(msg, REQUEST) {
        let f = f?;
        if f.number == export_logs_service_request::RESOURCE_LOGS {
            let edit =
                container(f.len_payload(REQUEST)?, RESOURCE_LOGS, resource_logs::SCOPE_LOGS, &mut |m| {
                    container(m, SCOPE_LOGS, scope_logs::LOG_RECORDS, &mut |r| record(r, records))
                })?;
            rb.apply(&f, edit);
        } else {
            rb.keep(&f);
        }
    }
    Ok(rb.finish())
}

/// ResourceLogs and ScopeLogs alike: edits each child in field `children`,
/// and is removed when it had children and none is left.
fn container(
    msg: &[u8],
    name: &'static str,
    children: u32,
    child: &mut dyn FnMut(&[u8]) -> Result<Edit, WireError>,
) -> Result<Edit, WireError> {
    let mut rb = Rebuild::new(msg);
    let (mut seen, mut kept) = (0, 0);
    for f in wire::fields(msg, name) {
        let f = f?;
        if f.number == children {
            seen += 1;
            let edit = child(f.len_payload(name)?)?;
            kept += usize::from(edit != Edit::Remove);
            rb.apply(&f, edit);
        } else {
            rb.keep(&f);
        }
    }
    if seen > 0 && kept == 0 {
        return Ok(Edit::Remove);
    }
    Ok(rb.into_edit())
}

/// Standard base64 with padding, as OTLP JSON writes `bytesValue` (a few
/// lines here cost the module less than the `base64` crate's engine).
fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            out.push(if i <= chunk.len() { char::from(ABC[(n >> shift & 63) as usize]) } else { '=' });
        }
    }
    out
}

/// An `AnyValue` as plain JSON.
pub fn any_to_plain(msg: &[u8], depth: usize) -> Result<Value, WireError> {
    if depth > wire::MAX_DEPTH {
        return Err(WireError::TooDeep { message: ANY_VALUE });
    }
    let mut out = Value::Null;
    // A oneof: the last member on the wire wins.
    for f in wire::fields(msg, ANY_VALUE) {
        let f = f?;
        let wrong = || WireError::WrongType { message: ANY_VALUE, field: f.number };
        out = match (f.number, f.value) {
            (any_value::STRING_VALUE, _) => Value::String(f.string(ANY_VALUE)?.to_owned()),
            (any_value::BOOL_VALUE, Wire::Varint(v)) => Value::Bool(v != 0),
            (any_value::INT_VALUE, Wire::Varint(v)) => Value::from(v as i64),
            (any_value::DOUBLE_VALUE, Wire::Fixed64(v)) => {
                let d = f64::from_bits(v);
                Number::from_f64(d).map_or_else(|| Value::String(d.to_string()), Value::Number)
            }
            (any_value::ARRAY_VALUE, Wire::Len(b)) => {
                let mut items = Vec::new();
                for g in wire::fields(b, "ArrayValue") {
                    let g = g?;
                    if g.number == list::VALUES {
                        items.push(any_to_plain(g.len_payload("ArrayValue")?, depth + 1)?);
                    }
                }
                Value::Array(items)
            }
            (any_value::KVLIST_VALUE, Wire::Len(b)) => {
                let mut map = Map::new();
                for g in wire::fields(b, "KeyValueList") {
                    let g = g?;
                    if g.number == list::VALUES {
                        let (k, v) = key_value_plain(g.len_payload("KeyValueList")?, depth + 1)?;
                        map.insert(k.to_owned(), v);
                    }
                }
                Value::Object(map)
            }
            (any_value::BYTES_VALUE, Wire::Len(b)) => Value::String(base64(b)),
            (1..=7, _) => return Err(wrong()),
            // A value kind from a newer OTLP: shown as nothing, kept as sent
            // unless the engine writes the whole value anew.
            _ => out,
        };
    }
    Ok(out)
}

fn key_value_plain(msg: &[u8], depth: usize) -> Result<(&str, Value), WireError> {
    let (mut key, mut value) = ("", Value::Null);
    for f in wire::fields(msg, KEY_VALUE) {
        let f = f?;
        match f.number {
            key_value::KEY => key = f.string(KEY_VALUE)?,
            key_value::VALUE => value = any_to_plain(f.len_payload(KEY_VALUE)?, depth)?,
            _ => {}
        }
    }
    Ok((key, value))
}

/// Plain JSON as an `AnyValue`.
pub fn plain_to_any(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Null => {}
        Value::Bool(b) => wire::put_varint(out, any_value::BOOL_VALUE, u64::from(*b)),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => wire::put_varint(out, any_value::INT_VALUE, i as u64),
            (None, Some(d)) => wire::put_fixed64(out, any_value::DOUBLE_VALUE, d.to_bits()),
            (None, None) => wire::put_len(out, any_value::STRING_VALUE, n.to_string().as_bytes()),
        },
        Value::String(s) => wire::put_len(out, any_value::STRING_VALUE, s.as_bytes()),
        Value::Array(items) => {
            let mut arr = Vec::new();
            for item in items {
                let mut one = Vec::new();
                plain_to_any(item, &mut one);
                wire::put_len(&mut arr, list::VALUES, &one);
            }
            wire::put_len(out, any_value::ARRAY_VALUE, &arr);
        }
        Value::Object(map) => {
            let mut kvs = Vec::new();
            for (k, v) in map {
                wire::put_len(&mut kvs, list::VALUES, &key_value_bytes(k, v));
            }
            wire::put_len(out, any_value::KVLIST_VALUE, &kvs);
        }
    }
}

/// A new `KeyValue`.
fn key_value_bytes(key: &str, value: &Value) -> Vec<u8> {
    let mut any = Vec::new();
    plain_to_any(value, &mut any);
    let mut kv = Vec::new();
    wire::put_len(&mut kv, key_value::KEY, key.as_bytes());
    wire::put_len(&mut kv, key_value::VALUE, &any);
    kv
}

/// A `KeyValue` with a new value (`old` as read); its key and unknown fields stay.
fn key_value_with(msg: &[u8], old: &Value, value: &Value) -> Result<Vec<u8>, WireError> {
    let mut rb = Rebuild::new(msg);
    let mut seen = false;
    for f in wire::fields(msg, KEY_VALUE) {
        let f = f?;
        if f.number == key_value::VALUE {
            seen = true;
            rb.replace(&f, &edit_any(f.len_payload(KEY_VALUE)?, old, value, 0)?);
        } else {
            rb.keep(&f);
        }
    }
    if !seen {
        let mut any = Vec::new();
        plain_to_any(value, &mut any);
        rb.append(key_value::VALUE, &any);
    }
    Ok(rb.finish().unwrap_or_else(|| msg.to_vec()))
}

/// The `AnyValue` `orig` (read as `old`) changed to `new`. A kvlist or array
/// that stays one is edited member by member, so untouched members (their
/// order, their unknown fields) stay as sent; anything else is written anew.
fn edit_any(orig: &[u8], old: &Value, new: &Value, depth: usize) -> Result<Vec<u8>, WireError> {
    if old == new {
        return Ok(orig.to_vec());
    }
    if depth > wire::MAX_DEPTH {
        return Err(WireError::TooDeep { message: ANY_VALUE });
    }
    let mut rb = Rebuild::new(orig);
    match (old, new) {
        (Value::Object(old_map), Value::Object(new_map)) => {
            for f in wire::fields(orig, ANY_VALUE) {
                let f = f?;
                if f.number != any_value::KVLIST_VALUE {
                    rb.keep(&f);
                    continue;
                }
                let list_bytes = f.len_payload(ANY_VALUE)?;
                let mut lb = Rebuild::new(list_bytes);
                for g in wire::fields(list_bytes, "KeyValueList") {
                    let g = g?;
                    if g.number != list::VALUES {
                        lb.keep(&g);
                        continue;
                    }
                    let kv = g.len_payload("KeyValueList")?;
                    let (k, _) = key_value_plain(kv, depth + 1)?;
                    let was = old_map.get(k).unwrap_or(&Value::Null);
                    let now = new_map.get(k).cloned().unwrap_or_else(|| Value::String(String::new()));
                    if &now == was {
                        lb.keep(&g);
                    } else {
                        lb.replace(&g, &key_value_with(kv, was, &now)?);
                    }
                }
                for (k, v) in new_map.iter().filter(|(k, _)| !old_map.contains_key(*k)) {
                    lb.append(list::VALUES, &key_value_bytes(k, v));
                }
                match lb.finish() {
                    Some(new_list) => rb.replace(&f, &new_list),
                    None => rb.keep(&f),
                }
            }
        }
        (Value::Array(old_items), Value::Array(new_items)) if old_items.len() == new_items.len() => {
            for f in wire::fields(orig, ANY_VALUE) {
                let f = f?;
                if f.number != any_value::ARRAY_VALUE {
                    rb.keep(&f);
                    continue;
                }
                let arr = f.len_payload(ANY_VALUE)?;
                let mut ab = Rebuild::new(arr);
                let mut i = 0;
                for g in wire::fields(arr, "ArrayValue") {
                    let g = g?;
                    if g.number != list::VALUES {
                        ab.keep(&g);
                        continue;
                    }
                    let (Some(was), Some(now)) = (old_items.get(i), new_items.get(i)) else { break };
                    ab.replace(&g, &edit_any(g.len_payload("ArrayValue")?, was, now, depth + 1)?);
                    i += 1;
                }
                match ab.finish() {
                    Some(new_arr) => rb.replace(&f, &new_arr),
                    None => rb.keep(&f),
                }
            }
        }
        _ => {
            let mut any = Vec::new();
            plain_to_any(new, &mut any);
            return Ok(any);
        }
    }
    Ok(rb.finish().unwrap_or_else(|| orig.to_vec()))
}

fn record(msg: &[u8], records: &mut dyn crate::Records) -> Result<Edit, WireError> {
    let mut view = LogView::default();
    let mut number = None;
    for f in wire::fields(msg, LOG_RECORD) {
        let f = f?;
        match f.number {
            log_record::SEVERITY_NUMBER => number = Some(f.varint(LOG_RECORD)?),
            log_record::SEVERITY_TEXT => {
                let s = f.string(LOG_RECORD)?;
                view.level = (!s.is_empty()).then(|| s.to_owned());
            }
            log_record::BODY => view.body = Some(any_to_plain(f.len_payload(LOG_RECORD)?, 0)?),
            log_record::ATTRIBUTES => {
                let (k, v) = key_value_plain(f.len_payload(LOG_RECORD)?, 0)?;
                view.attributes.push((k.to_owned(), v));
            }
            log_record::TRACE_ID => {
                let id = f.len_payload(LOG_RECORD)?;
                view.trace_id = (!id.is_empty()).then(|| otlp_record::hex(id));
            }
            log_record::SPAN_ID => {
                let id = f.len_payload(LOG_RECORD)?;
                view.span_id = (!id.is_empty()).then(|| otlp_record::hex(id));
            }
            _ => {}
        }
    }
    if view.level.is_none() {
        view.level = number.and_then(otlp_record::severity_name).map(str::to_owned);
    }
    let changes = match otlp_record::run(&view, records) {
        Verdict::Drop => return Ok(Edit::Remove),
        Verdict::Keep(c) if c.is_empty() => return Ok(Edit::Same),
        Verdict::Keep(c) => c,
    };
    let mut rb = Rebuild::new(msg);
    let mut changed = changes.attributes.iter().peekable();
    let mut index = 0;
    for f in wire::fields(msg, LOG_RECORD) {
        let f = f?;
        match f.number {
            log_record::BODY => match &changes.body {
                Some(body) => {
                    let old = view.body.as_ref().unwrap_or(&Value::Null);
                    rb.replace(&f, &edit_any(f.len_payload(LOG_RECORD)?, old, body, 0)?);
                }
                None => rb.keep(&f),
            },
            log_record::ATTRIBUTES => {
                match changed.next_if(|(i, _)| *i == index) {
                    Some((_, new)) => {
                        let old = view.attributes.get(index).map_or(&Value::Null, |(_, v)| v);
                        rb.replace(&f, &key_value_with(f.len_payload(LOG_RECORD)?, old, new)?);
                    }
                    None => rb.keep(&f),
                }
                index += 1;
            }
            _ => rb.keep(&f),
        }
    }
    for (k, v) in &changes.added {
        rb.append(log_record::ATTRIBUTES, &key_value_bytes(k, v));
    }
    Ok(rb.into_edit())
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (plain, coded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(super::base64(plain.as_bytes()), coded);
        }
    }
}
