//! One OTLP `LogRecord` as one engine record, the same for OTLP JSON and
//! protobuf, and what the engine's answer changes in it.
//!
//! The record is a JSON object: every attribute by its key (string, number,
//! bool, or nested object/array for kvlist/array values), then `body` (a
//! string; a kvlist as an object; a string holding a JSON object as that
//! object, so key rules reach inside it), `level` (the severity text, or the
//! name of the severity number when the text is empty), and `trace_id` /
//! `span_id` as lowercase hex. Key rules hit attribute keys, the sampler
//! follows the record's own trace id, alert rules match attributes.
//!
//! On the way back, a changed `body` or attribute is written anew, a field the
//! engine added (enrich) becomes a new attribute, and an attribute a rule
//! removed keeps its key with an empty string (as the OTLP JSON path always
//! did). `level`, `trace_id` and `span_id` are read-only: they stay as sent.
//! An attribute whose key is one of those four names goes through scrub-only
//! metadata instead, so it is never passed on unscrubbed.

use std::collections::BTreeMap;

use serde::de::IgnoredAny;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::Records;

/// Keys of the record that are not attributes.
pub const RESERVED: [&str; 4] = ["body", "level", "trace_id", "span_id"];

/// What a `LogRecord` shows the engine.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LogView {
    /// The body as plain JSON (`None` when the record has none).
    pub body: Option<Value>,
    /// Severity text, or the severity number's name.
    pub level: Option<String>,
    /// Trace id, hex.
    pub trace_id: Option<String>,
    /// Span id, hex.
    pub span_id: Option<String>,
    /// Attributes in wire order, values as plain JSON.
    pub attributes: Vec<(String, Value)>,
}

/// What to change in the `LogRecord`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Changes {
    /// A new body.
    pub body: Option<Value>,
    /// By attribute index: the new value.
    pub attributes: Vec<(usize, Value)>,
    /// New attributes, appended.
    pub added: Vec<(String, Value)>,
}

impl Changes {
    /// Whether nothing changes.
    pub fn is_empty(&self) -> bool {
        self.body.is_none() && self.attributes.is_empty() && self.added.is_empty()
    }
}

/// The engine's verdict on one `LogRecord`.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Remove the record.
    Drop,
    /// Keep it with these changes.
    Keep(Changes),
}

/// The OTLP severity number's name (logs data model ranges).
pub fn severity_name(n: u64) -> Option<&'static str> {
    Some(match n {
        1..=4 => "trace",
        5..=8 => "debug",
        9..=12 => "info",
        13..=16 => "warn",
        17..=20 => "error",
        21..=24 => "fatal",
        _ => return None,
    })
}

/// Lowercase hex of an id.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

/// A JSON object written field by field (keys escaped, values given as JSON).
struct Object {
    buf: Vec<u8>,
}

impl Object {
    fn new() -> Self {
        let mut buf = Vec::with_capacity(512);
        buf.push(b'{');
        Object { buf }
    }

    fn field(&mut self, key: &str, json: &[u8]) {
        if self.buf.len() > 1 {
            self.buf.push(b',');
        }
        // A `&str` always serialises.
        let _ = serde_json::to_writer(&mut self.buf, key);
        self.buf.push(b':');
        self.buf.extend_from_slice(json);
    }

    fn finish(mut self) -> Vec<u8> {
        self.buf.push(b'}');
        self.buf
    }
}

fn to_json(v: &Value) -> Vec<u8> {
    // A `Value` always serialises.
    serde_json::to_vec(v).unwrap_or_default()
}

/// A value of the engine's answer as a `Value`; fails closed.
fn parse(raw: &RawValue) -> Value {
    serde_json::from_str(raw.get()).unwrap_or_else(|_| Value::String("[REDACTED]".into()))
}

/// Runs one `LogRecord` through `records`.
///
/// The record is written and read back as JSON text, not built as a tree:
/// a body that is JSON text goes in verbatim and, when the engine changed
/// it, comes back as the engine wrote it (the sender's key order and
/// spacing kept); each value of the answer is compared with what went in as
/// text, and only a changed one is parsed.
pub fn run(view: &LogView, records: &mut dyn Records) -> Verdict {
    let mut rec = Object::new();
    let mut reserved_attrs = Map::new();
    // What each non-reserved attribute key went in as; the last of equal
    // keys wins, as it would in a JSON object.
    let mut sent: Vec<(&str, Vec<u8>)> = Vec::with_capacity(view.attributes.len());
    for (k, v) in &view.attributes {
        if RESERVED.contains(&k.as_str()) {
            reserved_attrs.insert(k.clone(), v.clone());
        } else if let Some(slot) = sent.iter_mut().find(|(sk, _)| *sk == k.as_str()) {
            slot.1 = to_json(v);
        } else {
            sent.push((k.as_str(), to_json(v)));
        }
    }
    for (k, json) in &sent {
        rec.field(k, json);
    }
    // A body that is JSON object text (structlog and friends) is shown as
    // the object it holds, so key rules reach its keys, and written back as
    // text. It is checked whole first: text that only starts like an object
    // stays a string.
    let text_object = match &view.body {
        Some(Value::String(s))
            if s.trim_start().starts_with('{') && serde_json::from_str::<IgnoredAny>(s).is_ok() =>
        {
            Some(s.as_str())
        }
        _ => None,
    };
    let body_sent: Option<Vec<u8>> = match (text_object, &view.body) {
        (Some(s), _) => Some(s.as_bytes().to_vec()),
        (None, Some(b)) => Some(to_json(b)),
        (None, None) => None,
    };
    if let Some(b) = &body_sent {
        rec.field("body", b);
    }
    for (key, v) in [("level", &view.level), ("trace_id", &view.trace_id), ("span_id", &view.span_id)] {
        if let Some(v) = v {
            rec.field(key, &to_json(&Value::String(v.clone())));
        }
    }
    let input = rec.finish();
    let Some(output) = records.record(&input) else { return Verdict::Drop };

    let mut changes = Changes::default();
    if !reserved_attrs.is_empty() {
        let scrubbed = records.metadata(&reserved_attrs);
        for (i, (k, v)) in view.attributes.iter().enumerate() {
            if reserved_attrs.contains_key(k) {
                let new = scrubbed.get(k).cloned().unwrap_or_else(|| Value::String(String::new()));
                if &new != v {
                    changes.attributes.push((i, new));
                }
            }
        }
    }
    if output == input {
        return Verdict::Keep(changes);
    }
    let Ok(mut out) = serde_json::from_slice::<BTreeMap<String, &RawValue>>(&output) else {
        // The engine answers JSON for JSON; if it ever does not, pass nothing
        // of this record on unscrubbed.
        changes.body = view.body.as_ref().map(|_| Value::String("[REDACTED]".into()));
        changes.attributes =
            (0..view.attributes.len()).map(|i| (i, Value::String("[REDACTED]".into()))).collect();
        return Verdict::Keep(changes);
    };
    match (out.remove("body"), &body_sent) {
        (Some(new), Some(old)) if new.get().as_bytes() == old.as_slice() => {}
        // The engine edits a record in place, so a body it left alone comes
        // back byte for byte: other bytes are a change, taken as written.
        (Some(new), _) => {
            changes.body = Some(match text_object {
                Some(_) if new.get().starts_with('{') => Value::String(new.get().to_owned()),
                _ => parse(new),
            });
        }
        (None, Some(_)) => changes.body = Some(Value::String(String::new())),
        (None, None) => {}
    }
    for key in &RESERVED[1..] {
        out.remove(*key);
    }
    for (i, (k, v)) in view.attributes.iter().enumerate() {
        if reserved_attrs.contains_key(k) {
            continue;
        }
        let old = sent.iter().find(|(sk, _)| *sk == k.as_str()).map(|(_, j)| j.as_slice());
        match out.remove(k.as_str()) {
            Some(new) if Some(new.get().as_bytes()) == old => {}
            Some(new) => {
                let new = parse(new);
                if &new != v {
                    changes.attributes.push((i, new));
                }
            }
            None => changes.attributes.push((i, Value::String(String::new()))),
        }
    }
    changes.added = out.into_iter().map(|(k, v)| (k, parse(v))).collect();
    changes.attributes.sort_by_key(|(i, _)| *i);
    Verdict::Keep(changes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upper(v: &mut Value) {
        match v {
            Value::String(s) => *s = s.to_uppercase(),
            Value::Object(o) => o.values_mut().for_each(upper),
            _ => {}
        }
    }

    /// Upper-cases every string value and adds `env`; drops records whose body starts with "drop".
    struct Upper;
    impl Records for Upper {
        fn record(&mut self, r: &[u8]) -> Option<Vec<u8>> {
            let mut m: Map<String, Value> = serde_json::from_slice(r).ok()?;
            if m.get("body").and_then(Value::as_str).is_some_and(|b| b.starts_with("drop")) {
                return None;
            }
            for (k, v) in m.iter_mut() {
                if !RESERVED[1..].contains(&k.as_str()) {
                    upper(v);
                }
            }
            m.insert("env".into(), "prod".into());
            serde_json::to_vec(&m).ok()
        }
        fn metadata(&mut self, f: &Map<String, Value>) -> Map<String, Value> {
            f.iter().map(|(k, _)| (k.clone(), Value::String("MD".into()))).collect()
        }
        fn value(&mut self, t: &str) -> String {
            t.to_uppercase()
        }
    }

    #[test]
    fn attributes_body_and_added_fields() {
        let view = LogView {
            body: Some("hi".into()),
            level: Some("ERROR".into()),
            trace_id: Some("0af7".into()),
            span_id: None,
            attributes: vec![("a".into(), "x".into()), ("n".into(), 3.into()), ("body".into(), "b".into())],
        };
        let Verdict::Keep(c) = run(&view, &mut Upper) else { panic!("dropped") };
        assert_eq!(c.body, Some("HI".into()));
        assert_eq!(c.attributes, vec![(0, "X".into()), (2, "MD".into())]);
        assert_eq!(c.added, vec![("env".into(), "prod".into())]);
        let drop = LogView { body: Some("drop me".into()), ..LogView::default() };
        assert_eq!(run(&drop, &mut Upper), Verdict::Drop);
    }

    #[test]
    fn a_json_text_body_keeps_the_senders_key_order_and_spacing() {
        // Edits in place, as the engine does.
        struct InPlace;
        impl Records for InPlace {
            fn record(&mut self, r: &[u8]) -> Option<Vec<u8>> {
                Some(String::from_utf8_lossy(r).replace("\"a\"", "\"A\"").into_bytes())
            }
            fn metadata(&mut self, f: &Map<String, Value>) -> Map<String, Value> {
                f.clone()
            }
            fn value(&mut self, t: &str) -> String {
                t.to_owned()
            }
        }
        let view = LogView { body: Some(r#"{"z": 1, "email": "a"}"#.into()), ..LogView::default() };
        let Verdict::Keep(c) = run(&view, &mut InPlace) else { panic!("dropped") };
        assert_eq!(c.body, Some(Value::String(r#"{"z": 1, "email": "A"}"#.into())));
        // Text that only starts like an object stays a string.
        let view = LogView { body: Some(r#"{"a" broken"#.into()), ..LogView::default() };
        let Verdict::Keep(c) = run(&view, &mut InPlace) else { panic!("dropped") };
        assert_eq!(c.body, None, "a string body the engine did not change");
    }

    #[test]
    fn a_json_text_body_comes_back_as_text() {
        let view = LogView { body: Some(r#"{"email": "a"}"#.into()), ..LogView::default() };
        let Verdict::Keep(c) = run(&view, &mut Upper) else { panic!("dropped") };
        assert_eq!(c.body, Some(Value::String(r#"{"email":"A"}"#.into())));
    }
}
