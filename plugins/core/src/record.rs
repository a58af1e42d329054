//! A scrubbed record as the later stages see it: an index of the top-level
//! fields of a JSON object, with changes kept as an overlay and written out
//! once at the end. Untouched members are copied byte for byte, so a record
//! that no stage changed comes out exactly as it went in.

use std::borrow::Cow;

use crate::json::{self, Kind, Scanner};
use crate::scrub::Format;

#[derive(Debug)]
struct Field {
    /// The key's raw span (between the quotes), and its decoded text when
    /// it holds escapes: most keys need no copy.
    key: (usize, usize),
    decoded: Option<String>,
    /// [`key_tag`] of the key: most lookups are told apart by it alone.
    tag: u32,
    member_start: usize,
    value_start: usize,
    value_end: usize,
    /// `None`: unchanged. `Some(None)`: removed. `Some(Some(v))`: replaced by raw JSON `v`.
    change: Option<Option<Vec<u8>>>,
}

/// The length and first, middle and last bytes of a key. Stages look up a
/// handful of names among a record's dozen or more keys; comparing this word
/// first avoids a byte comparison (a `memcmp` call) for nearly every miss.
fn key_tag(key: &[u8]) -> u32 {
    match key {
        [] => 0,
        [first, ..] => {
            let n = key.len();
            (n as u32 & 0xff)
                | u32::from(*first) << 8
                | u32::from(key[n / 2]) << 16
                | u32::from(key[n - 1]) << 24
        }
    }
}

impl Field {
    /// Whether this member's key is `key`, whose [`key_tag`] is `tag`.
    fn is(&self, src: &[u8], key: &str, tag: u32) -> bool {
        if self.tag != tag {
            return false;
        }
        match &self.decoded {
            Some(d) => d == key,
            None => &src[self.key.0..self.key.1] == key.as_bytes(),
        }
    }
}

/// A field's value: raw JSON bytes.
#[derive(Debug, Clone, Copy)]
pub struct Value<'r> {
    raw: &'r [u8],
}

impl<'r> Value<'r> {
    /// The raw JSON text of the value.
    pub fn raw(&self) -> &'r [u8] {
        self.raw
    }

    /// Whether the value's text is `s`, without decoding a string that
    /// holds no escape (alert and drop rules test most records this way).
    pub fn text_is(&self, s: &str) -> bool {
        match self.raw {
            [b'"', inner @ .., b'"'] if memchr::memchr(b'\\', inner).is_none() => inner == s.as_bytes(),
            _ => self.text() == s,
        }
    }

    /// The value as text: a string's decoded content, or a number's,
    /// literal's or container's JSON text.
    pub fn text(&self) -> Cow<'r, str> {
        match self.raw.first() {
            Some(b'"') if self.raw.len() >= 2 => json::unescape(&self.raw[1..self.raw.len() - 1]),
            _ => String::from_utf8_lossy(self.raw),
        }
    }

    /// The value as a number: a JSON number, or a string holding one.
    pub fn number(&self) -> Option<f64> {
        self.text().trim().parse().ok()
    }

    /// True for JSON strings.
    pub fn is_string(&self) -> bool {
        self.raw.first() == Some(&b'"')
    }
}

/// A record being processed.
#[derive(Debug)]
pub struct Record<'a> {
    src: Cow<'a, [u8]>,
    format: Format,
    /// Present when the record is a JSON object.
    fields: Option<Vec<Field>>,
    close: usize,
    added: Vec<(String, Vec<u8>)>,
}

impl<'a> Record<'a> {
    /// Indexes `src`. Top-level fields are available when it is a JSON object.
    pub fn new(src: Cow<'a, [u8]>, format: Format) -> Self {
        let (fields, close) = match format {
            Format::Json => index(&src).map_or((None, 0), |(f, c)| (Some(f), c)),
            Format::Text => (None, 0),
        };
        Record { src, format, fields, close, added: Vec::new() }
    }

    /// Whether the record is a JSON object (fields can be read and written).
    pub fn is_object(&self) -> bool {
        self.fields.is_some()
    }

    /// How the record was read.
    pub fn format(&self) -> Format {
        self.format
    }

    /// The record's bytes before any change of this stage set.
    pub fn source(&self) -> &[u8] {
        &self.src
    }

    /// A top-level field, seeing changes already made.
    pub fn get(&self, key: &str) -> Option<Value<'_>> {
        if let Some((_, v)) = self.added.iter().rev().find(|(k, _)| k == key) {
            return Some(Value { raw: v });
        }
        let tag = key_tag(key.as_bytes());
        let f = self.fields.as_ref()?.iter().find(|f| f.is(&self.src, key, tag))?;
        match &f.change {
            None => Some(Value { raw: &self.src[f.value_start..f.value_end] }),
            Some(Some(v)) => Some(Value { raw: v }),
            Some(None) => None,
        }
    }

    /// A field by dotted path (`http.status`): the top-level key first, then
    /// nested object keys. An exact top-level key containing dots wins.
    pub fn get_path(&self, path: &str) -> Option<Value<'_>> {
        if let Some(v) = self.get(path) {
            return Some(v);
        }
        let mut segs = path.split('.');
        let mut cur = self.get(segs.next()?)?.raw;
        for seg in segs {
            cur = lookup(cur, seg)?;
        }
        Some(Value { raw: cur })
    }

    /// Sets a top-level field to raw JSON `value`, replacing or appending.
    pub fn set_raw(&mut self, key: &str, value: Vec<u8>) {
        let Some(fields) = self.fields.as_mut() else {
            return;
        };
        if let Some(slot) = self.added.iter_mut().find(|(k, _)| k == key) {
            slot.1 = value;
            return;
        }
        let src = &self.src;
        let tag = key_tag(key.as_bytes());
        match fields.iter_mut().find(|f| f.is(src, key, tag) && f.change != Some(None)) {
            Some(f) => f.change = Some(Some(value)),
            None => self.added.push((key.to_owned(), value)),
        }
    }

    /// Sets a top-level field to a string.
    pub fn set_str(&mut self, key: &str, value: &str) {
        self.set_raw(key, json::quote(value.as_bytes()));
    }

    /// Removes a top-level field. Returns its raw value.
    pub fn remove(&mut self, key: &str) -> Option<Vec<u8>> {
        let value = self.get(key)?.raw.to_vec();
        self.added.retain(|(k, _)| k != key);
        if let Some(fields) = self.fields.as_mut() {
            let src = &self.src;
            let tag = key_tag(key.as_bytes());
            for f in fields.iter_mut().filter(|f| f.is(src, key, tag)) {
                f.change = Some(None);
            }
        }
        Some(value)
    }

    /// Whether any field was changed.
    pub fn is_changed(&self) -> bool {
        !self.added.is_empty() || self.fields.as_ref().is_some_and(|f| f.iter().any(|f| f.change.is_some()))
    }

    /// The record's bytes with every change applied.
    pub fn into_bytes(self) -> Cow<'a, [u8]> {
        if !self.is_changed() {
            return self.src;
        }
        let Some(fields) = &self.fields else {
            return self.src;
        };
        let src = &self.src[..];
        // Reuse the record's own spacing for the members we write.
        let sep: &[u8] = match fields.get(1) {
            Some(second) => {
                let between = &src[fields[0].value_end..second.member_start];
                if between.ends_with(b" ") { b", " } else { b"," }
            }
            None => b", ",
        };
        let colon: &[u8] = match fields.first() {
            Some(f) if src[f.member_start..f.value_start].ends_with(b" ") => b": ",
            Some(_) => b":",
            None => b": ",
        };
        let mut out = Vec::with_capacity(src.len() + 64);
        let open = fields.first().map_or(self.close, |f| f.member_start);
        out.extend_from_slice(&src[..open]);
        let mut first = true;
        for f in fields {
            let value: &[u8] = match &f.change {
                Some(None) => continue,
                Some(Some(v)) => v,
                None => &src[f.value_start..f.value_end],
            };
            if !first {
                out.extend_from_slice(sep);
            }
            first = false;
            out.extend_from_slice(&src[f.member_start..f.value_start]);
            out.extend_from_slice(value);
        }
        for (k, v) in &self.added {
            if !first {
                out.extend_from_slice(sep);
            }
            first = false;
            out.extend_from_slice(&json::quote(k.as_bytes()));
            out.extend_from_slice(colon);
            out.extend_from_slice(v);
        }
        // Whitespace before the closing brace, the brace, and anything after.
        let tail_from = fields.last().map_or(self.close, |f| f.value_end);
        out.extend_from_slice(&src[tail_from..]);
        Cow::Owned(out)
    }
}

/// Top-level members of a JSON object and the position of its closing brace.
fn index(src: &[u8]) -> Option<(Vec<Field>, usize)> {
    let mut sc = Scanner::new(src);
    let first = sc.next_token().ok()??;
    if first.kind != Kind::ObjectStart {
        return None;
    }
    // Room for a typical structlog record's top level without regrowing.
    let mut fields = Vec::with_capacity(16);
    let mut pending: Option<((usize, usize), Option<String>, usize)> = None;
    let tag = |key: (usize, usize), decoded: &Option<String>| match decoded {
        Some(d) => key_tag(d.as_bytes()),
        None => key_tag(&src[key.0..key.1]),
    };
    let mut value_start = 0;
    let mut close = 0;
    while let Some(tok) = sc.next_token().ok()? {
        let depth = sc.depth();
        match tok.kind {
            Kind::Key if depth == 1 => {
                let decoded = tok.escaped.then(|| json::unescape(&src[tok.start..tok.end]).into_owned());
                pending = Some(((tok.start, tok.end), decoded, tok.start - 1));
            }
            Kind::ObjectEnd if depth == 0 => close = tok.start,
            Kind::ObjectStart | Kind::ArrayStart if depth == 2 => value_start = tok.start,
            Kind::ObjectEnd | Kind::ArrayEnd if depth == 1 => {
                let (key, decoded, member_start) = pending.take()?;
                fields.push(Field {
                    key,
                    tag: tag(key, &decoded),
                    decoded,
                    member_start,
                    value_start,
                    value_end: tok.end,
                    change: None,
                });
            }
            Kind::String | Kind::Number | Kind::Literal if depth == 1 => {
                let (key, decoded, member_start) = pending.take()?;
                let (s, e) = tok.outer();
                let tag = tag(key, &decoded);
                fields.push(Field {
                    key,
                    decoded,
                    tag,
                    member_start,
                    value_start: s,
                    value_end: e,
                    change: None,
                });
            }
            _ => {}
        }
    }
    Some((fields, close))
}

/// The raw value of `key` directly inside the JSON object `raw`.
fn lookup<'r>(raw: &'r [u8], key: &str) -> Option<&'r [u8]> {
    let mut sc = Scanner::new(raw);
    if sc.next_token().ok()??.kind != Kind::ObjectStart {
        return None;
    }
    let mut hit = false;
    let mut start = 0;
    while let Some(tok) = sc.next_token().ok()? {
        let depth = sc.depth();
        match tok.kind {
            Kind::Key if depth == 1 => {
                let name = &raw[tok.start..tok.end];
                hit = if tok.escaped { json::unescape(name) == key } else { name == key.as_bytes() };
            }
            Kind::ObjectStart | Kind::ArrayStart if depth == 2 && hit => start = tok.start,
            Kind::ObjectEnd | Kind::ArrayEnd if depth == 1 && hit => {
                return Some(&raw[start..tok.end]);
            }
            Kind::String | Kind::Number | Kind::Literal if depth == 1 && hit => {
                let (s, e) = tok.outer();
                return Some(&raw[s..e]);
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(s: &str) -> Record<'_> {
        Record::new(Cow::Borrowed(s.as_bytes()), Format::Json)
    }

    #[test]
    fn reads_top_level_and_nested_fields() {
        let r = rec(r#"{"a": 1, "b": {"c": "x\"y", "d": [1, 2]}, "e": "s"}"#);
        assert_eq!(r.get("a").unwrap().raw(), b"1");
        assert_eq!(r.get_path("b.c").unwrap().text(), "x\"y");
        assert_eq!(r.get_path("b.d").unwrap().raw(), b"[1, 2]");
        assert!(r.get_path("b.z").is_none());
        assert_eq!(r.get("e").unwrap().text(), "s");
    }

    #[test]
    fn writes_changes_in_the_record_style() {
        let mut r = rec(r#"{"a":1,"b":2,"c":3}"#);
        r.remove("b");
        r.set_str("d", "x");
        r.set_raw("a", b"10".to_vec());
        assert_eq!(&*r.into_bytes(), br#"{"a":10,"c":3,"d":"x"}"#);

        let mut r = rec(r#"{"a": 1, "b": 2}"#);
        r.remove("a");
        r.remove("b");
        r.set_str("z", "1");
        assert_eq!(&*r.into_bytes(), br#"{"z": "1"}"#);

        let mut r = rec("{}");
        r.set_str("k", "v");
        assert_eq!(&*r.into_bytes(), br#"{"k": "v"}"#);
    }

    #[test]
    fn keys_with_the_same_tag_are_still_told_apart() {
        // Same length, first, middle and last byte: only the bytes differ.
        assert_eq!(key_tag(b"aXbYc"), key_tag(b"aYbXc"));
        let mut r = rec(r#"{"aXbYc": 1, "aYbXc": 2, "a\u0059bXc": 3}"#);
        assert_eq!(r.get("aXbYc").unwrap().raw(), b"1");
        assert_eq!(r.get("aYbXc").unwrap().raw(), b"2");
        r.set_raw("aYbXc", b"20".to_vec());
        assert_eq!(r.get("aXbYc").unwrap().raw(), b"1");
        assert_eq!(r.get("aYbXc").unwrap().raw(), b"20");
        assert!(r.get("aZbXc").is_none());
    }

    #[test]
    fn unchanged_records_are_borrowed() {
        let r = rec(r#"{"a": 1}"#);
        assert!(matches!(r.into_bytes(), Cow::Borrowed(_)));
    }
}
