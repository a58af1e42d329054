//! Sensitive-key rules and the allow list: which values are redacted because
//! of the key (or path) they sit under, whatever they hold.
//!
//! Patterns are case-insensitive. Within a segment `*` matches any run of
//! characters and `?` one character; a `**` segment matches any number of
//! path segments. A pattern matches the *end* of a value's path, so
//! `headers.authorization` matches `request.headers.authorization` too.
//! Array levels add no segment. The answer of the one-segment rules is
//! cached per key, so a key seen before costs one lookup.

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
    "phpsessid",
    "jsessionid",
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

use std::cell::RefCell;

#[derive(Debug, Clone)]
struct Pattern {
    /// Lowercased segments, `**` kept as its own segment.
    segments: Vec<Vec<u8>>,
}

impl Pattern {
    fn parse(p: &str) -> Self {
        Pattern { segments: p.split('.').map(|s| s.to_ascii_lowercase().into_bytes()).collect() }
    }

    /// Does the pattern match the end of `path` followed by `key`?
    fn matches<P: PathLike + ?Sized>(&self, path: &P, key: &[u8]) -> bool {
        match self.segments.as_slice() {
            // The common cases: a one-segment glob, or a last segment that
            // already fails, settle it without walking the path.
            [one] if one.as_slice() != b"**" => glob(one, key),
            [.., last] if last.as_slice() != b"**" && !glob(last, key) => false,
            segs => {
                let full = WithKey { path, key };
                // Anchored at the end only: try every start position.
                (0..=full.len()).any(|start| segs_match(segs, &full, start))
            }
        }
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
        if i < self.path.len() { self.path.seg(i) } else { self.key }
    }
}

fn segs_match<P: PathLike + ?Sized>(pat: &[Vec<u8>], full: &WithKey<'_, P>, at: usize) -> bool {
    match pat.split_first() {
        None => at == full.len(),
        Some((first, rest)) if first.as_slice() == b"**" => {
            (at..=full.len()).any(|skip| segs_match(rest, full, skip))
        }
        Some((first, rest)) => at < full.len() && glob(first, full.seg(at)) && segs_match(rest, full, at + 1),
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
///
/// Keys repeat from record to record, so the answer of the one-segment
/// patterns is cached per key (bounded); patterns with a path are few and
/// checked on each lookup. The rule added first wins.
#[derive(Debug, Default)]
pub(crate) struct KeySet<T> {
    /// One-segment patterns, with their insertion order.
    single: Vec<(usize, Pattern, T)>,
    /// Patterns with a path, with their insertion order.
    multi: Vec<(usize, Pattern, T)>,
    cache: RefCell<KeyCache<T>>,
}

/// Key → the first one-segment rule matching it (with its insertion order),
/// keyed by the key's [`Fingerprint`]. A table of fixed size where each key
/// may sit in one of two slots (two fields of its hash pick them): a lookup
/// reads at most two slots and hashes nothing but one word, where a general
/// hash map cost ~100 instructions a lookup. With two choices, hot keys
/// practically never evict each other; a key that finds both slots taken
/// replaces its second one's holder, which is looked up again when it
/// returns.
#[derive(Debug)]
struct KeyCache<T> {
    slots: Vec<Option<(Fingerprint, Verdict<T>)>>,
}

/// The first one-segment rule matching a key: its insertion order and payload.
type Verdict<T> = Option<(usize, T)>;

/// Slots in a [`KeyCache`] (a power of two).
const CACHE_SLOTS: usize = 1024;

impl<T> Default for KeyCache<T> {
    fn default() -> Self {
        KeyCache { slots: Vec::new() }
    }
}

impl<T: Copy> KeyCache<T> {
    fn clear(&mut self) {
        self.slots.clear();
    }

    /// The key's two slots.
    fn slots_of(print: &Fingerprint) -> [usize; 2] {
        let [a, b, c, d] = print.1;
        let h = (a ^ b.rotate_left(19) ^ c.rotate_left(37) ^ d.rotate_left(53) ^ u64::from(print.0))
            .wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let mask = CACHE_SLOTS as u64 - 1;
        [(h >> 54 & mask) as usize, (h >> 40 & mask) as usize]
    }

    fn get(&self, print: &Fingerprint) -> Option<Verdict<T>> {
        Self::slots_of(print).into_iter().find_map(|i| match self.slots.get(i) {
            Some(Some((p, verdict))) if p == print => Some(*verdict),
            _ => None,
        })
    }

    fn insert(&mut self, print: Fingerprint, verdict: Verdict<T>) {
        if self.slots.is_empty() {
            self.slots.resize(CACHE_SLOTS, None);
        }
        let [a, b] = Self::slots_of(&print);
        let i = if self.slots[a].is_none() { a } else { b };
        self.slots[i] = Some((print, verdict));
    }
}

/// A key of at most 32 bytes as a value: its length and up to four
/// (overlapping) little-endian word loads, which together fix every byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Fingerprint(u8, [u64; 4]);

/// Longest key the cache holds.
const CACHED_KEY_MAX: usize = 32;

fn fingerprint(key: &[u8]) -> Option<Fingerprint> {
    let n = key.len();
    let w8 =
        |i: usize| key.get(i..i + 8).and_then(|b| <[u8; 8]>::try_from(b).ok()).map_or(0, u64::from_le_bytes);
    let w4 = |i: usize| {
        key.get(i..i + 4)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map_or(0, |b| u64::from(u32::from_le_bytes(b)))
    };
    let words = match n {
        0..=3 => [key.iter().rev().fold(0u64, |a, &b| a << 8 | u64::from(b)), 0, 0, 0],
        4..=7 => [w4(0), w4(n - 4), 0, 0],
        8..=16 => [w8(0), w8(n - 8), 0, 0],
        17..=CACHED_KEY_MAX => [w8(0), w8(8), w8(n - 16), w8(n - 8)],
        _ => return None,
    };
    Some(Fingerprint(n as u8, words))
}

impl<T: Copy> KeySet<T> {
    pub fn new() -> Self {
        KeySet { single: Vec::new(), multi: Vec::new(), cache: RefCell::new(KeyCache::default()) }
    }

    pub fn insert(&mut self, pattern: &str, payload: T) {
        let p = Pattern::parse(pattern);
        let order = self.single.len() + self.multi.len();
        if p.segments.len() == 1 && p.segments[0].as_slice() != b"**" {
            self.single.push((order, p, payload));
        } else {
            self.multi.push((order, p, payload));
        }
        self.cache.borrow_mut().clear();
    }

    pub fn is_empty(&self) -> bool {
        self.single.is_empty() && self.multi.is_empty()
    }

    /// The payload of the first rule matching `key` under `path`.
    pub fn find<P: PathLike + ?Sized>(&self, path: &P, key: &[u8]) -> Option<T> {
        let single = self.find_single(key);
        let multi = self.multi.iter().find(|(_, p, _)| p.matches(path, key)).map(|(o, _, t)| (*o, *t));
        match (single, multi) {
            (Some(a), Some(b)) => Some(if a.0 < b.0 { a.1 } else { b.1 }),
            (a, b) => a.or(b).map(|(_, t)| t),
        }
    }

    /// Whether some rule could match `key` under some path: a one-segment
    /// rule matches it, or a path rule's last segment does. A key that
    /// ends in an escape sequence is assumed to (it was not decoded).
    pub fn may_match_last(&self, key: &[u8]) -> bool {
        if key.last() == Some(&b'\\') {
            return true;
        }
        self.find_single(key).is_some()
            || self.multi.iter().any(|(_, p, _)| match p.segments.last() {
                Some(last) => last.as_slice() == b"**" || glob(last, key),
                None => false,
            })
    }

    fn find_single(&self, key: &[u8]) -> Option<(usize, T)> {
        let print = fingerprint(key);
        if let Some(hit) = print.and_then(|f| self.cache.borrow().get(&f)) {
            return hit;
        }
        let found = self.single.iter().find(|(_, p, _)| glob(&p.segments[0], key)).map(|(o, _, t)| (*o, *t));
        if let Some(f) = print {
            self.cache.borrow_mut().insert(f, found);
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_tell_every_byte_apart() {
        // Changing any one byte of a key of any cacheable length must change
        // its fingerprint, or the cache would answer for the wrong key.
        for n in 0..=CACHED_KEY_MAX {
            let key: Vec<u8> = (0..n).map(|i| b'a' + (i % 26) as u8).collect();
            let base = fingerprint(&key);
            assert!(base.is_some(), "length {n} is cacheable");
            for i in 0..n {
                let mut other = key.clone();
                other[i] = b'_';
                assert_ne!(fingerprint(&other), base, "length {n}, byte {i}");
            }
            let mut longer = key.clone();
            longer.push(0);
            assert_ne!(fingerprint(&longer), base, "length {n} vs {}", n + 1);
        }
        assert_eq!(fingerprint(&[b'k'; CACHED_KEY_MAX + 1]), None);
    }

    #[test]
    fn cached_answers_are_the_patterns_answers() {
        // More distinct keys than the cache has slots, looked up three times
        // over: every answer, cached or evicted, must be the patterns' own.
        let mut k = KeySet::new();
        for (i, p) in DEFAULT_KEYS.iter().enumerate() {
            k.insert(p, i);
        }
        let keys: Vec<Vec<u8>> = (0..3 * CACHE_SLOTS)
            .map(|i| {
                let stem = DEFAULT_KEYS[i % DEFAULT_KEYS.len()].trim_matches('*');
                match i % 4 {
                    0 => stem.as_bytes().to_vec(),
                    1 => format!("{stem}_{i}").into_bytes(),
                    2 => format!("x{i}{stem}").to_uppercase().into_bytes(),
                    _ => format!("field_{i}").into_bytes(),
                }
            })
            .collect();
        for round in 0..3 {
            for key in &keys {
                let want =
                    k.single.iter().find(|(_, p, _)| glob(&p.segments[0], key)).map(|(o, _, t)| (*o, *t));
                assert_eq!(k.find_single(key), want, "round {round}, key {}", String::from_utf8_lossy(key));
            }
        }
    }

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
        assert_eq!(k.find(&[&b"payload"[..], b"user"][..], b"Password"), Some(1));
        assert_eq!(k.find(&[&b"payload"[..]][..], b"password"), None);
        assert_eq!(k.find(&[&b"request"[..], b"headers"][..], b"Authorization"), Some(2));
        assert_eq!(k.find(&[&b"authorization"[..]][..], b"x"), None);
        assert_eq!(k.find(&[&b"a"[..], b"b", b"deep"][..], b"key"), Some(3));
    }

    #[test]
    fn default_keys_spare_token_counts() {
        let mut k = KeySet::new();
        for p in DEFAULT_KEYS {
            k.insert(p, ());
        }
        for sensitive in ["password", "PASSWORD", "user_password", "csrf_token", "Set-Cookie", "api_key"] {
            assert!(k.find(&[][..], sensitive.as_bytes()).is_some(), "{sensitive}");
        }
        for plain in ["total_tokens", "prompt_tokens", "level", "event", "request_id", "token_type"] {
            assert!(k.find(&[][..], plain.as_bytes()).is_none(), "{plain}");
        }
    }
}
