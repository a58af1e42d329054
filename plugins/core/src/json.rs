//! A byte-level JSON scanner that yields token spans instead of building a tree.
//!
//! The hot path never builds a `serde_json::Value`: a record is scanned once,
//! every string, number and key is reported with its byte range, and the stages
//! rewrite only the ranges they change. The scanner is iterative (an explicit
//! stack of one bit per level, no recursion), so deep nesting never costs host
//! stack, and it stops at [`MAX_DEPTH`].
//!
//! It is strict about structure (brackets, commas, colons, literals, escapes)
//! and lenient about number grammar; invalid UTF-8 is rejected before scanning
//! by the caller, so every string range it yields is valid UTF-8.

use std::borrow::Cow;

/// Deepest nesting accepted; deeper records are scrubbed as text.
pub const MAX_DEPTH: usize = 256;

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    ObjectStart,
    ObjectEnd,
    ArrayStart,
    ArrayEnd,
    /// An object key. `start..end` is the content between the quotes.
    Key,
    /// A string value. `start..end` is the content between the quotes.
    String,
    Number,
    Literal,
}

/// One token: its kind, its byte range, and whether a string holds escapes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Token {
    pub kind: Kind,
    pub start: usize,
    pub end: usize,
    /// For strings and keys: the content holds at least one `\` escape.
    pub escaped: bool,
}

impl Token {
    /// The range of the whole token in the input (quotes included for strings).
    pub fn outer(&self) -> (usize, usize) {
        match self.kind {
            Kind::Key | Kind::String => (self.start - 1, self.end + 1),
            _ => (self.start, self.end),
        }
    }
}

/// Why a record is not JSON (it is then handled as text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NotJson;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// A value must come next (document start, after `:`, after `,` in an array).
    Value,
    /// A value or `]` (just after `[`).
    ValueOrClose,
    /// A key or `}` (just after `{`).
    KeyOrClose,
    /// `,` or the container's close.
    AfterValue,
    Done,
}

/// Pull scanner over one JSON document.
#[derive(Debug)]
pub(crate) struct Scanner<'a> {
    buf: &'a [u8],
    pos: usize,
    stack: Nesting,
    state: State,
}

const _: () = assert!(MAX_DEPTH.is_multiple_of(64), "Nesting holds whole words of levels");

/// The open containers, one bit each (set for an object): a fixed 32 bytes,
/// so a scanner never allocates (it was one allocation per record).
#[derive(Debug, Default)]
struct Nesting {
    bits: [u64; MAX_DEPTH / 64],
    len: usize,
}

impl Nesting {
    fn len(&self) -> usize {
        self.len
    }

    fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Opens a container; the caller keeps `len` below [`MAX_DEPTH`].
    fn push(&mut self, open: u8) {
        let (word, bit) = (self.len / 64, self.len % 64);
        if let Some(w) = self.bits.get_mut(word) {
            *w = (*w & !(1 << bit)) | (u64::from(open == b'{') << bit);
            self.len += 1;
        }
    }

    /// The innermost open bracket, `{` or `[`.
    fn last(&self) -> Option<u8> {
        let top = self.len.checked_sub(1)?;
        let set = self.bits.get(top / 64)? >> (top % 64) & 1 == 1;
        Some(if set { b'{' } else { b'[' })
    }

    fn pop(&mut self) -> Option<u8> {
        let open = self.last()?;
        self.len -= 1;
        Some(open)
    }
}

impl<'a> Scanner<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Scanner { buf, pos: 0, stack: Nesting::default(), state: State::Value }
    }

    /// Current nesting depth (1 inside the root object).
    pub fn depth(&self) -> usize {
        self.stack.len()
    }

    /// The next token, `Ok(None)` at a well-formed end, `Err` on anything else.
    ///
    /// A key token also consumes the `:` after it, and a `,` is consumed
    /// with the token that follows it: one call per token, with no call
    /// spent on punctuation alone.
    pub fn next_token(&mut self) -> Result<Option<Token>, NotJson> {
        let buf = self.buf;
        let mut pos = skip_ws(buf, self.pos);
        let Some(&b) = buf.get(pos) else {
            return if self.state == State::Done { Ok(None) } else { Err(NotJson) };
        };
        match self.state {
            State::AfterValue => match b {
                b',' => {
                    pos = skip_ws(buf, pos + 1);
                    let c = *buf.get(pos).ok_or(NotJson)?;
                    self.pos = pos;
                    match self.stack.last() {
                        Some(b'{') if c == b'"' => self.key().map(Some),
                        Some(b'[') => self.value(c).map(Some),
                        _ => Err(NotJson),
                    }
                }
                b'}' | b']' => {
                    self.pos = pos;
                    self.close(b)
                }
                _ => Err(NotJson),
            },
            State::KeyOrClose => {
                self.pos = pos;
                match b {
                    b'}' => self.close(b),
                    b'"' => self.key().map(Some),
                    _ => Err(NotJson),
                }
            }
            State::ValueOrClose if b == b']' => {
                self.pos = pos;
                self.close(b)
            }
            State::Value | State::ValueOrClose => {
                self.pos = pos;
                self.value(b).map(Some)
            }
            State::Done => Err(NotJson),
        }
    }

    /// A key whose opening quote is at `self.pos`, and the `:` after it.
    #[inline(always)]
    fn key(&mut self) -> Result<Token, NotJson> {
        let tok = self.string(Kind::Key)?;
        let colon = skip_ws(self.buf, self.pos);
        if self.buf.get(colon) != Some(&b':') {
            return Err(NotJson);
        }
        self.pos = colon + 1;
        self.state = State::Value;
        Ok(tok)
    }

    #[inline(always)]
    fn close(&mut self, b: u8) -> Result<Option<Token>, NotJson> {
        let open = if b == b'}' { b'{' } else { b'[' };
        if self.stack.pop() != Some(open) {
            return Err(NotJson);
        }
        let start = self.pos;
        self.pos += 1;
        self.after_value();
        let kind = if b == b'}' { Kind::ObjectEnd } else { Kind::ArrayEnd };
        Ok(Some(Token { kind, start, end: self.pos, escaped: false }))
    }

    #[inline(always)]
    fn after_value(&mut self) {
        self.state = if self.stack.is_empty() { State::Done } else { State::AfterValue };
    }

    #[inline(always)]
    fn value(&mut self, b: u8) -> Result<Token, NotJson> {
        let start = self.pos;
        match b {
            b'{' | b'[' => {
                if self.stack.len() >= MAX_DEPTH {
                    return Err(NotJson);
                }
                self.stack.push(b);
                self.pos += 1;
                let (kind, state) = if b == b'{' {
                    (Kind::ObjectStart, State::KeyOrClose)
                } else {
                    (Kind::ArrayStart, State::ValueOrClose)
                };
                self.state = state;
                Ok(Token { kind, start, end: self.pos, escaped: false })
            }
            b'"' => {
                let tok = self.string(Kind::String)?;
                self.after_value();
                Ok(tok)
            }
            b'-' | b'0'..=b'9' => {
                let mut end = start + 1;
                while let Some(&c) = self.buf.get(end) {
                    if c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-') {
                        end += 1;
                    } else {
                        break;
                    }
                }
                if !self.buf[start..end].iter().any(u8::is_ascii_digit) {
                    return Err(NotJson);
                }
                self.pos = end;
                self.after_value();
                Ok(Token { kind: Kind::Number, start, end, escaped: false })
            }
            b't' | b'f' | b'n' => {
                let word: &[u8] = match b {
                    b't' => b"true",
                    b'f' => b"false",
                    _ => b"null",
                };
                if !self.buf[start..].starts_with(word) {
                    return Err(NotJson);
                }
                self.pos = start + word.len();
                self.after_value();
                Ok(Token { kind: Kind::Literal, start, end: self.pos, escaped: false })
            }
            _ => Err(NotJson),
        }
    }

    /// Scans a string whose opening quote is at `self.pos`.
    #[inline(always)]
    fn string(&mut self, kind: Kind) -> Result<Token, NotJson> {
        let start = self.pos + 1;
        let mut i = start;
        let mut escaped = false;
        loop {
            i = string_stop(self.buf, i).ok_or(NotJson)?;
            match self.buf[i] {
                b'"' => {
                    self.pos = i + 1;
                    return Ok(Token { kind, start, end: i, escaped });
                }
                // A raw line break cannot be in a JSON string. The text-mode
                // rules end a broken quoted value there too, so a record that
                // holds one reads the same way before and after scrubbing.
                b'\n' => return Err(NotJson),
                _ => {}
            }
            escaped = true;
            match self.buf.get(i + 1) {
                Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => i += 2,
                Some(b'u') => {
                    let hex = self.buf.get(i + 2..i + 6).ok_or(NotJson)?;
                    if !hex.iter().all(u8::is_ascii_hexdigit) {
                        return Err(NotJson);
                    }
                    i += 6;
                }
                _ => return Err(NotJson),
            }
        }
    }
}

/// Whitespace from `pos` on skipped: JSON's four whitespace bytes all lie at
/// or below the space, so most bytes settle with one comparison.
#[inline(always)]
fn skip_ws(buf: &[u8], mut pos: usize) -> usize {
    while let Some(&b) = buf.get(pos) {
        if b > b' ' || !matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
            break;
        }
        pos += 1;
    }
    pos
}

/// The first `"`, `\` or line break at or after `from`. Keys and values in
/// logs are mostly short, where a SIMD search costs more to set up than it
/// saves: the first 64 bytes are read eight at a time (SWAR), the rest by
/// memchr.
#[inline(always)]
fn string_stop(buf: &[u8], from: usize) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // The lowest flagged byte of `zero_bytes(x)` is exactly x's first zero byte.
    let zero_bytes = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let rest = buf.get(from..)?;
    let mut i = 0;
    while i + 8 <= rest.len() && i < 64 {
        let mut word = [0u8; 8];
        word.copy_from_slice(&rest[i..i + 8]);
        let v = u64::from_le_bytes(word);
        let hits = zero_bytes(v ^ (ONES * u64::from(b'"')))
            | zero_bytes(v ^ (ONES * u64::from(b'\\')))
            | zero_bytes(v ^ (ONES * u64::from(b'\n')));
        if hits != 0 {
            return Some(from + i + (hits.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    memchr::memchr3(b'"', b'\\', b'\n', &rest[i..]).map(|k| from + i + k)
}

/// Decodes the content of a JSON string (between the quotes).
///
/// Lone surrogates become U+FFFD: the text is only ever scanned and re-encoded.
pub(crate) fn unescape(content: &[u8]) -> Cow<'_, str> {
    if memchr::memchr(b'\\', content).is_none() {
        // Records reach here validated, so the strict check (with its ASCII
        // fast path) nearly always succeeds; lossy decoding is the fallback.
        return match std::str::from_utf8(content) {
            Ok(s) => Cow::Borrowed(s),
            Err(_) => String::from_utf8_lossy(content),
        };
    }
    let mut out: Vec<u8> = Vec::with_capacity(content.len());
    let mut i = 0;
    while i < content.len() {
        let b = content[i];
        if b != b'\\' {
            out.push(b);
            i += 1;
            continue;
        }
        let Some(&e) = content.get(i + 1) else { break };
        i += 2;
        let c = match e {
            b'n' => '\n',
            b't' => '\t',
            b'r' => '\r',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'u' => {
                let hi = hex4(content.get(i..i + 4));
                i += 4;
                if (0xD800..0xDC00).contains(&hi)
                    && content.get(i) == Some(&b'\\')
                    && content.get(i + 1) == Some(&b'u')
                {
                    let lo = hex4(content.get(i + 2..i + 6));
                    if (0xDC00..0xE000).contains(&lo) {
                        i += 6;
                        let cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                        char::from_u32(cp).unwrap_or('\u{fffd}')
                    } else {
                        '\u{fffd}'
                    }
                } else {
                    char::from_u32(hi).unwrap_or('\u{fffd}')
                }
            }
            other => other as char,
        };
        let mut tmp = [0u8; 4];
        out.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
    }
    // Valid unless an escape met invalid bytes: take the buffer as it is
    // then, instead of validating it and copying it again.
    Cow::Owned(String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

fn hex4(digits: Option<&[u8]>) -> u32 {
    let Some(d) = digits else { return 0xFFFD };
    let mut v = 0u32;
    for &c in d {
        let n = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => return 0xFFFD,
        };
        v = v * 16 + u32::from(n);
    }
    v
}

/// Appends `s` to `out` as JSON string content (no surrounding quotes).
pub(crate) fn escape_into(out: &mut Vec<u8>, s: &[u8]) {
    let mut last = 0;
    for (i, &b) in s.iter().enumerate() {
        let esc: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&s[last..i]);
        if esc.is_empty() {
            out.extend_from_slice(format!("\\u{b:04x}").as_bytes());
        } else {
            out.extend_from_slice(esc);
        }
        last = i + 1;
    }
    out.extend_from_slice(&s[last..]);
}

/// `s` as a complete JSON string literal, quotes included.
pub(crate) fn quote(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len() + 2);
    out.push(b'"');
    escape_into(&mut out, s);
    out.push(b'"');
    out
}

/// Whether `buf` is one well-formed JSON document whose root is an object
/// (what log shippers such as Fluent Bit accept as a record).
pub fn is_object(buf: &[u8]) -> bool {
    if std::str::from_utf8(buf).is_err() {
        return false;
    }
    let mut s = Scanner::new(buf);
    if !matches!(s.next_token(), Ok(Some(Token { kind: Kind::ObjectStart, .. }))) {
        return false;
    }
    loop {
        match s.next_token() {
            Ok(Some(_)) => {}
            Ok(None) => return true,
            Err(_) => return false,
        }
    }
}

/// The floor of the scrub's JSON walk: checks `buf` is UTF-8 and reads it
/// token by token as one document, as the walk does, but looks at no key or
/// string. Returns the tokens, or `None` when `buf` is not one JSON document.
/// For the benches' floor rows only.
#[doc(hidden)]
pub fn tokens_only(buf: &[u8]) -> Option<usize> {
    std::str::from_utf8(buf).ok()?;
    let mut s = Scanner::new(buf);
    let mut n = 0;
    while s.next_token().ok()?.is_some() {
        n += 1;
    }
    Some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str) -> Result<Vec<Kind>, NotJson> {
        let mut sc = Scanner::new(s.as_bytes());
        let mut v = Vec::new();
        while let Some(t) = sc.next_token()? {
            v.push(t.kind);
        }
        Ok(v)
    }

    #[test]
    fn scans_nested_documents() {
        use Kind::*;
        assert_eq!(
            kinds(r#"{"a": [1, "x", {"b": null}], "c": {}}"#).unwrap(),
            vec![
                ObjectStart,
                Key,
                ArrayStart,
                Number,
                String,
                ObjectStart,
                Key,
                Literal,
                ObjectEnd,
                ArrayEnd,
                Key,
                ObjectStart,
                ObjectEnd,
                ObjectEnd
            ]
        );
    }

    #[test]
    fn tokens_only_counts_what_the_scanner_yields() {
        let doc = r#"{"a": [1, "x", {"b": null}], "c": {}}"#;
        assert_eq!(tokens_only(doc.as_bytes()), Some(kinds(doc).unwrap().len()));
        assert_eq!(tokens_only(br#"{"a": 1"#), None);
        assert_eq!(tokens_only(b"{\"a\": \"\xff\"}"), None, "invalid UTF-8");
    }

    #[test]
    fn rejects_malformed_documents() {
        for bad in [
            r#"{"a": 1"#,
            r#"{"a" 1}"#,
            r#"{"a": 1,}"#,
            r#"{"a": tru}"#,
            r#"{"a": "x\q"}"#,
            r#"{"a": "unterminated}"#,
            r#"[1 2]"#,
            r#"{"a": 1}}"#,
            r#"{"a": 1} x"#,
            r#"{1: 2}"#,
            // Punctuation the scanner consumes along with the next token.
            r#"{"a"}"#,
            r#"{"a":}"#,
            r#"{"a": 1 "b": 2}"#,
            r#"{"a": 1,, "b": 2}"#,
            r#"{"a": 1, 2}"#,
            r#"{"a": 1, }"#,
            r#"{, "a": 1}"#,
            r#"[1,]"#,
            r#"[,1]"#,
            r#"[1, "a": 2]"#,
            r#"{"a": [1], "b"}"#,
            r#"{"a"::1}"#,
            "{\"a\":\n1,\n}",
            "",
        ] {
            assert!(kinds(bad).is_err(), "accepted {bad:?}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]

        // The scanner accepts exactly the documents serde_json accepts, over
        // an alphabet where the two are meant to agree: no number grammar
        // (the scanner is lenient there), shallow nesting, and quotes,
        // colons, commas and line breaks free to land inside strings.
        #[test]
        fn accepts_what_serde_json_accepts(parts in proptest::collection::vec(
            proptest::sample::select(vec![
                "{", "}", "[", "]", ",", ":", " ", "\n", "\"", "\"a\"", "\"\\u00e9\"", "\\\"", "1", "true", "null",
            ]),
            0..24,
        )) {
            let doc: String = parts.concat();
            let ours = kinds(&doc).is_ok();
            let theirs = serde_json::from_str::<serde_json::Value>(&doc).is_ok();
            proptest::prop_assert_eq!(ours, theirs, "{:?}", doc);
        }
    }

    /// Objects and arrays interleaved past the first 64-level word of the
    /// nesting bits: every close must match its own opener, and a comma must
    /// expect a key exactly inside objects.
    #[test]
    fn deep_mixed_nesting_is_tracked_level_by_level() {
        let depth = MAX_DEPTH - 1;
        let (mut open, mut close) = (String::new(), String::new());
        for level in 0..depth {
            // An irregular pattern, so no word of bits repeats the last.
            if level % 3 == 0 || level % 7 == 0 {
                open.push_str(r#"{"k": 1, "v": "#);
                close.insert(0, '}');
            } else {
                open.push_str("[1, ");
                close.insert(0, ']');
            }
        }
        let doc = format!("{open}2{close}");
        let got = kinds(&doc).expect("well-formed");
        assert_eq!(got.iter().filter(|k| **k == Kind::Key).count(), 2 * doc.matches("\"k\"").count());
        assert_eq!(got.last(), Some(&Kind::ObjectEnd));
        // Swapping any one closer for the other kind breaks the document.
        for at in [0, 63, 64, 65, 130, depth - 1] {
            let mut bad: Vec<u8> = close.clone().into_bytes();
            bad[at] = if bad[at] == b'}' { b']' } else { b'}' };
            let bad = format!("{open}2{}", String::from_utf8(bad).unwrap());
            assert!(kinds(&bad).is_err(), "closer {at} swapped");
        }
    }

    #[test]
    fn depth_is_bounded() {
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert!(kinds(&deep).is_err());
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(kinds(&ok).is_ok());
    }

    #[test]
    fn finds_the_first_string_stop_at_every_offset() {
        for len in 0..140 {
            for at in 0..=len {
                for stop in [b'"', b'\\', b'\n'] {
                    // High bytes and near-misses around the stop byte.
                    let mut buf: Vec<u8> = (0..len).map(|i| [b'a', 0xe9, b'!', b']', 0x21][i % 5]).collect();
                    if at < len {
                        buf[at] = stop;
                        if at + 1 < len {
                            buf[at + 1] = b'"';
                        }
                    }
                    for from in [0, 1, 7, 9] {
                        let want = buf
                            .get(from..)
                            .and_then(|r| r.iter().position(|&b| matches!(b, b'"' | b'\\' | b'\n')));
                        assert_eq!(
                            string_stop(&buf, from),
                            want.map(|k| k + from),
                            "len {len} at {at} from {from}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn unescape_and_escape_round_trip() {
        let raw = r#"line\nnext \"q\" \u00e9 \ud83d\ude00 \\"#;
        let decoded = unescape(raw.as_bytes());
        assert_eq!(decoded, "line\nnext \"q\" é 😀 \\");
        let mut out = Vec::new();
        escape_into(&mut out, decoded.as_bytes());
        let back: String = serde_json::from_slice(&quote(decoded.as_bytes())).unwrap();
        assert_eq!(back, decoded);
        assert!(!out.contains(&b'\n'));
    }
}
