//! Loki stream labels as protobuf pushes carry them: Prometheus label text,
//! `{job="app", pod="a-1"}`. Each value goes through the detectors (a label
//! is an index, but it must not hold an email); a changed value is spliced
//! into the original text, so spacing and order stay as the client wrote them.

use std::fmt;

use crate::Records;

/// Label text that is not `{name="value", …}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelsError {
    /// Byte offset where reading stopped.
    pub at: usize,
    /// What was expected there.
    pub expected: &'static str,
}

impl fmt::Display for LabelsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "stream labels are not Prometheus label text: expected {} at byte {}; send {{name=\"value\", …}}",
            self.expected, self.at
        )
    }
}

impl std::error::Error for LabelsError {}

/// One label: its name and where its quoted value sits (quotes included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label<'a> {
    /// The label name.
    pub name: &'a str,
    /// The value, unescaped.
    pub value: String,
    /// Byte range of `"…"` in the text.
    pub span: std::ops::Range<usize>,
}

/// Parses label text.
pub fn parse(text: &str) -> Result<Vec<Label<'_>>, LabelsError> {
    let b = text.as_bytes();
    let mut i = 0;
    let skip_ws = |i: &mut usize| {
        while *i < b.len() && b[*i].is_ascii_whitespace() {
            *i += 1;
        }
    };
    let err = |at, expected| LabelsError { at, expected };
    skip_ws(&mut i);
    if b.get(i) != Some(&b'{') {
        return Err(err(i, "'{'"));
    }
    i += 1;
    let mut out = Vec::new();
    loop {
        skip_ws(&mut i);
        if b.get(i) == Some(&b'}') {
            i += 1;
            break;
        }
        let start = i;
        while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'.' || b[i] == b':') {
            i += 1;
        }
        if i == start {
            return Err(err(i, "a label name"));
        }
        let name = &text[start..i];
        skip_ws(&mut i);
        if b.get(i) != Some(&b'=') {
            return Err(err(i, "'='"));
        }
        i += 1;
        skip_ws(&mut i);
        if b.get(i) != Some(&b'"') {
            return Err(err(i, "'\"'"));
        }
        let vstart = i;
        i += 1;
        let mut value = String::new();
        loop {
            let Some(c) = text[i..].chars().next() else { return Err(err(i, "a closing '\"'")) };
            i += c.len_utf8();
            match c {
                '"' => break,
                '\\' => {
                    let Some(e) = text[i..].chars().next() else { return Err(err(i, "an escape")) };
                    i += e.len_utf8();
                    value.push(match e {
                        'n' => '\n',
                        't' => '\t',
                        other => other,
                    });
                }
                other => value.push(other),
            }
        }
        out.push(Label { name, value, span: vstart..i });
        skip_ws(&mut i);
        match b.get(i) {
            Some(b',') => i += 1,
            Some(b'}') => {}
            _ => return Err(err(i, "',' or '}'")),
        }
    }
    skip_ws(&mut i);
    if i != b.len() {
        return Err(err(i, "the end after '}'"));
    }
    Ok(out)
}

/// A value quoted as Prometheus label text writes it.
pub fn quote(value: &str) -> String {
    let mut s = String::with_capacity(value.len() + 2);
    s.push('"');
    for c in value.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

/// Runs every label value through the detectors; `None` when none changed.
pub fn scrub(text: &str, records: &mut dyn Records) -> Result<Option<String>, LabelsError> {
    let labels = parse(text)?;
    let mut out = String::new();
    let mut done = 0;
    for l in &labels {
        let new = records.value(&l.value);
        if new != l.value {
            out.push_str(&text[done..l.span.start]);
            out.push_str(&quote(&new));
            done = l.span.end;
        }
    }
    if done == 0 {
        return Ok(None);
    }
    out.push_str(&text[done..]);
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_escapes_and_spacing() {
        let l = parse(r#"{ job="app", msg="say \"hi\"\n", path="C:\\x" }"#).unwrap();
        let got: Vec<(&str, &str)> = l.iter().map(|l| (l.name, l.value.as_str())).collect();
        assert_eq!(got, [("job", "app"), ("msg", "say \"hi\"\n"), ("path", "C:\\x")]);
        assert_eq!(parse("{}").unwrap(), vec![]);
        for v in ["say \"hi\"\n", "C:\\x", "ünï"] {
            let text = format!("{{k={}}}", quote(v));
            assert_eq!(parse(&text).unwrap()[0].value, v);
        }
    }

    #[test]
    fn bad_label_text_is_an_error() {
        for bad in
            ["", "job=\"a\"", "{job}", "{job=a}", "{job=\"a\"", "{job=\"a\" x}", "{job=\"a\"} x", "{=\"a\"}"]
        {
            assert!(parse(bad).is_err(), "{bad:?} parsed");
        }
    }
}
