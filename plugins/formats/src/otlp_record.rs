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

/// Runs one `LogRecord` through `records`.
pub fn run(view: &LogView, records: &mut dyn Records) -> Verdict {
    let mut rec = Map::new();
    let mut reserved_attrs = Map::new();
    for (k, v) in &view.attributes {
        if RESERVED.contains(&k.as_str()) {
            reserved_attrs.insert(k.clone(), v.clone());
        } else {
            rec.insert(k.clone(), v.clone());
        }
    }
    // A body that is JSON text (structlog and friends) is shown as the object
    // it holds, so key rules reach its keys, and written back as text.
    let mut body_was_text = false;
    let body = match &view.body {
        Some(Value::String(s)) if s.trim_start().starts_with('{') => {
            match serde_json::from_str::<Map<String, Value>>(s) {
                Ok(obj) => {
                    body_was_text = true;
                    Some(Value::Object(obj))
                }
                Err(_) => Some(Value::String(s.clone())),
            }
        }
        other => other.clone(),
    };
    if let Some(b) = &body {
        rec.insert("body".into(), b.clone());
    }
    for (key, v) in [("level", &view.level), ("trace_id", &view.trace_id), ("span_id", &view.span_id)] {
        if let Some(v) = v {
            rec.insert(key.into(), Value::String(v.clone()));
        }
    }
    let input = serde_json::to_vec(&rec).unwrap_or_default();
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
    let Ok(mut out) = serde_json::from_slice::<Map<String, Value>>(&output) else {
        // The engine answers JSON for JSON; if it ever does not, pass nothing
        // of this record on unscrubbed.
        changes.body = view.body.as_ref().map(|_| Value::String("[REDACTED]".into()));
        changes.attributes =
            (0..view.attributes.len()).map(|i| (i, Value::String("[REDACTED]".into()))).collect();
        return Verdict::Keep(changes);
    };
    if let Some(new_body) = out.remove("body") {
        if Some(&new_body) != body.as_ref() {
            changes.body = Some(match (body_was_text, new_body) {
                (true, obj @ Value::Object(_)) => Value::String(obj.to_string()),
                (_, other) => other,
            });
        }
    } else if body.is_some() {
        changes.body = Some(Value::String(String::new()));
    }
    for key in &RESERVED[1..] {
        out.remove(*key);
    }
    for (i, (k, v)) in view.attributes.iter().enumerate() {
        if reserved_attrs.contains_key(k) {
            continue;
        }
        match out.remove(k) {
            Some(new) if &new == v => {}
            Some(new) => changes.attributes.push((i, new)),
            None => changes.attributes.push((i, Value::String(String::new()))),
        }
    }
    changes.added = out.into_iter().collect();
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
    fn a_json_text_body_comes_back_as_text() {
        let view = LogView { body: Some(r#"{"email": "a"}"#.into()), ..LogView::default() };
        let Verdict::Keep(c) = run(&view, &mut Upper) else { panic!("dropped") };
        assert_eq!(c.body, Some(Value::String(r#"{"email":"A"}"#.into())));
    }
}
