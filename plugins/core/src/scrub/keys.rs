//! Sensitive-key rules and the allow list: which values are redacted because
//! of the key (or path) they sit under, whatever they hold.
//!
//! Patterns are case-insensitive. Within a segment `*` matches any run of
//! characters and `?` one character; a `**` segment matches any number of
//! path segments. A pattern matches the *end* of a value's path, so
//! `headers.authorization` matches `request.headers.authorization` too.
//! Array levels add no segment. Exact one-segment names are bucketed by
//! length, so the common case costs a couple of comparisons per key.

/// The preset's sensitive keys.
pub const DEFAULT_KEYS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "pass",
    "passphrase",
    "secret",
    "client_secret",
    "secret_key",
    "token",
    "access_token",
    "refresh_token",
    "id_token",
    "auth_token",
    "session_token",
    "api_key",
    "apikey",
    "api-key",
    "x-api-key",
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "session",
    "sessionid",
    "session_id",
    "csrftoken",
    "x-csrf-token",
    "ssn",
    "social_security_number",
    "card_number",
    "cardnumber",
    "credit_card",
    "creditcard",
    "cc_number",
    "ccnum",
    "cvv",
    "cvc",
    "cvv2",
    "pin",
    "private_key",
    "privatekey",
    "aws_secret_access_key",
    "otp",
    "mfa_code",
    "*password*",
    "*passwd*",
    "*secret*",
    "*_token",
    "*-token",
    "*_api_key",
    "*-api-key",
];

#[derive(Debug, Clone)]
struct Pattern {
    /// Lowercased segments, `**` kept as its own segment.
    segments: Vec<Vec<u8>>,
}

impl Pattern {
    fn parse(p: &str) -> Self {
        Pattern {
            segments: p
                .split('.')
                .map(|s| s.to_ascii_lowercase().into_bytes())
                .collect(),
        }
    }

    fn is_exact_name(&self) -> bool {
        self.segments.len() == 1 && !self.segments[0].iter().any(|b| matches!(b, b'*' | b'?'))
    }

    /// Does the pattern match the end of `path` followed by `key`?
    fn matches<P: PathLike + ?Sized>(&self, path: &P, key: &[u8]) -> bool {
        let full = WithKey { path, key };
        // Anchored at the end only: try every start position.
        (0..=full.len()).any(|start| segs_match(&self.segments, &full, start))
    }
}

/// The segments above a value: keys of the enclosing objects, outermost first.
pub(crate) trait PathLike {
    fn len(&self) -> usize;
    fn seg(&self, i: usize) -> &[u8];
}

impl PathLike for [&[u8]] {
    fn len(&self) -> usize {
        <[&[u8]]>::len(self)
    }
    fn seg(&self, i: usize) -> &[u8] {
        self[i]
    }
}

struct WithKey<'a, P: ?Sized> {
    path: &'a P,
    key: &'a [u8],
}

impl<P: PathLike + ?Sized> WithKey<'_, P> {
    fn len(&self) -> usize {
        self.path.len() + 1
    }
    fn seg(&self, i: usize) -> &[u8] {
        if i < self.path.len() {
            self.path.seg(i)
        } else {
            self.key
        }
    }
}

fn segs_match<P: PathLike + ?Sized>(pat: &[Vec<u8>], full: &WithKey<'_, P>, at: usize) -> bool {
    match pat.split_first() {
        None => at == full.len(),
        Some((first, rest)) if first.as_slice() == b"**" => {
            (at..=full.len()).any(|skip| segs_match(rest, full, skip))
        }
        Some((first, rest)) => {
            at < full.len() && glob(first, full.seg(at)) && segs_match(rest, full, at + 1)
        }
    }
}

/// Case-insensitive glob over one segment (`pat` is already lowercase).
pub(crate) fn glob(pat: &[u8], s: &[u8]) -> bool {
    let (mut p, mut i) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while i < s.len() {
        if p < pat.len() && (pat[p] == b'?' || pat[p] == s[i].to_ascii_lowercase()) {
            p += 1;
            i += 1;
        } else if p < pat.len() && pat[p] == b'*' {
            star = Some((p, i));
            p += 1;
        } else if let Some((sp, si)) = star {
            p = sp + 1;
            i = si + 1;
            star = Some((sp, si + 1));
        } else {
            return false;
        }
    }
    pat[p..].iter().all(|&b| b == b'*')
}

/// A set of patterns answering "which rule, if any, matches this key here".
#[derive(Debug, Clone, Default)]
pub(crate) struct KeySet<T> {
    /// Exact one-segment names by length: (lowercase name, payload).
    exact_by_len: Vec<Vec<(Vec<u8>, T)>>,
    /// Everything else, in config order.
    other: Vec<(Pattern, T)>,
}

impl<T: Copy> KeySet<T> {
    pub fn new() -> Self {
        KeySet {
            exact_by_len: Vec::new(),
            other: Vec::new(),
        }
    }

    pub fn insert(&mut self, pattern: &str, payload: T) {
        let p = Pattern::parse(pattern);
        if p.is_exact_name() {
            let name = p.segments[0].clone();
            if self.exact_by_len.len() <= name.len() {
                self.exact_by_len.resize_with(name.len() + 1, Vec::new);
            }
            self.exact_by_len[name.len()].push((name, payload));
        } else {
            self.other.push((p, payload));
        }
    }

    pub fn is_empty(&self) -> bool {
        self.other.is_empty() && self.exact_by_len.iter().all(Vec::is_empty)
    }

    /// The payload of the first rule matching `key` under `path`.
    pub fn find<P: PathLike + ?Sized>(&self, path: &P, key: &[u8]) -> Option<T> {
        if let Some(bucket) = self.exact_by_len.get(key.len()) {
            if let Some((_, t)) = bucket.iter().find(|(n, _)| n.eq_ignore_ascii_case(key)) {
                return Some(*t);
            }
        }
        self.other
            .iter()
            .find(|(p, _)| p.matches(path, key))
            .map(|(_, t)| *t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob(b"*password*", b"new_PASSWORD_confirm"));
        assert!(glob(b"*_token", b"csrf_token"));
        assert!(!glob(b"*_token", b"total_tokens"));
        assert!(glob(b"a?c", b"abc"));
        assert!(!glob(b"a?c", b"abbc"));
    }

    #[test]
    fn paths_match_suffixes() {
        let mut k = KeySet::new();
        k.insert("payload.*.password", 1);
        k.insert("headers.authorization", 2);
        k.insert("**.deep.key", 3);
        assert_eq!(
            k.find(&[&b"payload"[..], b"user"][..], b"Password"),
            Some(1)
        );
        assert_eq!(k.find(&[&b"payload"[..]][..], b"password"), None);
        assert_eq!(
            k.find(&[&b"request"[..], b"headers"][..], b"Authorization"),
            Some(2)
        );
        assert_eq!(k.find(&[&b"authorization"[..]][..], b"x"), None);
        assert_eq!(k.find(&[&b"a"[..], b"b", b"deep"][..], b"key"), Some(3));
    }

    #[test]
    fn default_keys_spare_token_counts() {
        let mut k = KeySet::new();
        for p in DEFAULT_KEYS {
            k.insert(p, ());
        }
        for sensitive in [
            "password",
            "PASSWORD",
            "user_password",
            "csrf_token",
            "Set-Cookie",
            "api_key",
        ] {
            assert!(
                k.find(&[][..], sensitive.as_bytes()).is_some(),
                "{sensitive}"
            );
        }
        for plain in [
            "total_tokens",
            "prompt_tokens",
            "level",
            "event",
            "request_id",
            "token_type",
        ] {
            assert!(k.find(&[][..], plain.as_bytes()).is_none(), "{plain}");
        }
    }
}
