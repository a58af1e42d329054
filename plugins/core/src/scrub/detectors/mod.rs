//! The built-in detectors: one ASCII-mode pattern each, plus a check that
//! runs only on a candidate match (Luhn, mod-97, SSN area rules, address
//! parsing…) and may narrow the span to the secret part.
//!
//! All patterns are compiled together into one multi-pattern regex, so a
//! record is scanned once whatever the number of detectors. Patterns avoid
//! Unicode classes: an ASCII `\b` keeps the lazy DFA on the fast path even on
//! accented text. Precision comes from the checks and from word boundaries:
//! UUIDs, trace ids, hashes, timestamps, epoch milliseconds, versions and
//! durations must come out untouched.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use base64::Engine as _;

mod card;
mod context;
mod phone;
mod phone_regions;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer};

macro_rules! detectors {
    ($($variant:ident = $name:literal: $doc:literal,)*) => {
        /// A built-in detector, named as Microsoft Presidio names its entities.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum DetectorName {
            $(#[doc = $doc] $variant,)*
        }

        impl DetectorName {
            /// Every built-in detector, in match-priority order.
            pub const ALL: &'static [DetectorName] = &[$(DetectorName::$variant,)*];

            /// The name used in config, tags and metrics.
            pub fn as_str(self) -> &'static str {
                match self { $(DetectorName::$variant => $name,)* }
            }
        }
    };
}

detectors! {
    PrivateKey = "PRIVATE_KEY": "PEM private key blocks, with or without their END line.",
    Jwt = "JWT": "JSON Web Tokens (three base64url segments, header `eyJ…`).",
    UrlCredentials = "URL_CREDENTIALS": "The `user:password` part of `scheme://user:password@host`.",
    BearerToken = "BEARER_TOKEN": "HTTP `Bearer` and `Basic` credentials.",
    AwsAccessKey = "AWS_ACCESS_KEY": "AWS access key ids (`AKIA…`, `ASIA…`).",
    GithubToken = "GITHUB_TOKEN": "GitHub tokens (`ghp_`, `gho_`, `ghs_`, `github_pat_`…).",
    StripeKey = "STRIPE_KEY": "Stripe secret and restricted keys, webhook secrets.",
    SlackToken = "SLACK_TOKEN": "Slack tokens (`xoxb-`…) and incoming-webhook URLs.",
    GoogleApiKey = "GOOGLE_API_KEY": "Google API keys (`AIza…`).",
    EmailAddress = "EMAIL_ADDRESS": "Email addresses.",
    IbanCode = "IBAN_CODE": "IBANs, checked with mod-97.",
    CreditCard = "CREDIT_CARD": "Card numbers of 12–19 digits in a payment network's IIN range, Luhn-checked.",
    UsSsn = "US_SSN": "US social security numbers (`123-45-6789`), with area, group and serial rules.",
    PhoneNumber = "PHONE_NUMBER": "International numbers, ten regions' national formats, extensions, and bare digit runs after a phone word.",
    IpAddress = "IP_ADDRESS": "IPv4 and IPv6 addresses, compressed forms included.",
}

impl fmt::Display for DetectorName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DetectorName {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        DetectorName::ALL.iter().copied().find(|d| d.as_str() == s).ok_or_else(|| {
            let known: Vec<&str> = DetectorName::ALL.iter().map(|d| d.as_str()).collect();
            format!("unknown detector \"{s}\" (known: {})", known.join(", "))
        })
    }
}

impl<'de> Deserialize<'de> for DetectorName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Cow::<str>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for DetectorName {
    fn schema_name() -> Cow<'static, str> {
        "DetectorName".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let names: Vec<&str> = DetectorName::ALL.iter().map(|d| d.as_str()).collect();
        json_schema!({
            "description": "A built-in detector.",
            "type": "string",
            "enum": names,
        })
    }
}

/// The order the detectors' patterns are tried in at one start: `ALL`'s,
/// but IP addresses before phones. A dotted quad (`10.251.42.84`) is also
/// a phone candidate, and IPv4 addresses are far more common in logs than
/// dotted phone numbers; tried first, the address is confirmed at once
/// instead of after a failed phone check and a second, anchored search.
/// A dotted phone whose head reads as an address (`01.23.45.67.89`) fails
/// the IP check and is then tried as a phone from the same start.
pub(crate) const SCAN_ORDER: &[DetectorName] = &{
    let mut order = [DetectorName::PrivateKey; DetectorName::ALL.len()];
    let mut i = 0;
    let mut o = 0;
    while i < DetectorName::ALL.len() {
        let d = DetectorName::ALL[i];
        if !matches!(d, DetectorName::PhoneNumber) {
            order[o] = d;
            o += 1;
        }
        if matches!(d, DetectorName::IpAddress) {
            order[o] = DetectorName::PhoneNumber;
            o += 1;
        }
        i += 1;
    }
    order
};

/// The detectors on in the `default` preset.
pub const DEFAULT_PRESET: &[DetectorName] = &[
    DetectorName::PrivateKey,
    DetectorName::Jwt,
    DetectorName::UrlCredentials,
    DetectorName::BearerToken,
    DetectorName::AwsAccessKey,
    DetectorName::GithubToken,
    DetectorName::StripeKey,
    DetectorName::SlackToken,
    DetectorName::GoogleApiKey,
    DetectorName::EmailAddress,
    DetectorName::CreditCard,
    DetectorName::UsSsn,
];

/// The detectors' scan groups. Patterns that begin with a literal, the
/// `Bearer` credentials and the digit shapes share one lazy DFA pass (see
/// [`ScanGroup::pass`]); patterns that need a rare byte (`@`, `://`, `::`)
/// run only on records holding it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum ScanGroup {
    /// User patterns: always run, first in priority.
    Custom,
    /// Secret keys with literal prefixes (`AKIA`, `ghp_`, `eyJ`, `-----BEGIN`…).
    Literal,
    /// `Bearer`/`Basic` credentials (case-insensitive literal).
    Bearer,
    /// Needs `://`.
    Url,
    /// Needs `@`.
    Email,
    /// Cards, SSNs, phones, IBANs, IPv4 and full IPv6: one lazy DFA pass.
    Digits,
    /// Compressed IPv6; needs `::`.
    Ipv6Compressed,
}

impl ScanGroup {
    /// Whether the record can hold a match of this group at all.
    pub(crate) fn may_match(self, hay: &[u8]) -> bool {
        match self {
            ScanGroup::Url => SCHEME_SEP.find(hay).is_some(),
            ScanGroup::Email => memchr::memchr(b'@', hay).is_some(),
            ScanGroup::Ipv6Compressed => DOUBLE_COLON.find(hay).is_some(),
            _ => true,
        }
    }

    /// Whether the group's regex should use a literal prefilter. The digit
    /// patterns' prefixes are single digits (`[0-9]`, `+`, `(`): a prefilter
    /// stops at nearly every number in a record and hands each to the DFA.
    /// On the structlog sample the card, SSN, phone and IPv4 patterns took
    /// 0.53 s per 300 passes with one and 0.39 s without (24.9 vs 9.3
    /// instructions per byte). With the IBAN and IPv6 patterns (strict) the
    /// regex finds no prefilter anyway.
    pub(crate) fn wants_prefilter(self) -> bool {
        self != ScanGroup::Digits
    }

    /// Which regex the group's patterns compile into. The always-on groups
    /// (literal-prefixed secrets, `Bearer`/`Basic`, digit shapes) share one:
    /// the digit shapes' lazy DFA reads every byte of a record anyway, and
    /// one read instead of three saves the literal searches, which are SIMD
    /// natively but byte-at-a-time automata in Wasm (strict preset: Wasm
    /// component −27%, Fluent Bit module −18% time; native −8% instructions
    /// per byte). The gated groups keep their own regexes and run only on
    /// records holding their rare bytes: fused, they cost more than the
    /// gates save (native strict 45.6 → 48.4 instructions per byte). User
    /// patterns keep theirs too. [`scan_span`](super::scan_span) scans each
    /// group of a shared regex as if it were alone.
    pub(crate) fn pass(self) -> u8 {
        match self {
            ScanGroup::Custom => 0,
            ScanGroup::Literal | ScanGroup::Bearer | ScanGroup::Digits => 1,
            ScanGroup::Url => 3,
            ScanGroup::Email => 4,
            ScanGroup::Ipv6Compressed => 5,
        }
    }

    /// A candidate's rank against others starting at the same byte (lower
    /// first; key rules rank 0, above every detector).
    pub(crate) fn priority(self) -> usize {
        self as usize + 1
    }
}

// Built once: `memmem::find` builds its searcher on every call, which cost
// more than the search itself on a typical record.
static SCHEME_SEP: LazyLock<memchr::memmem::Finder<'static>> =
    LazyLock::new(|| memchr::memmem::Finder::new(b"://"));
static DOUBLE_COLON: LazyLock<memchr::memmem::Finder<'static>> =
    LazyLock::new(|| memchr::memmem::Finder::new(b"::"));

/// A candidate's check: `Some(span)` to redact (possibly narrowed), or `None`.
pub(crate) type Check = fn(&[u8], usize, usize) -> Option<(usize, usize)>;

impl DetectorName {
    /// The ASCII-mode patterns of the detector, each with the scan group it
    /// belongs to (see [`ScanGroup`]).
    pub(crate) fn parts(self) -> &'static [(ScanGroup, &'static str)] {
        use ScanGroup::*;
        match self {
            DetectorName::PrivateKey => &[(
                Literal,
                r"-----BEGIN[A-Z ]{0,30}PRIVATE KEY-----(?:[A-Za-z0-9+/=\s:,\-]|\\[nr])*?-----END[A-Z ]{0,30}PRIVATE KEY-----|-----BEGIN[A-Z ]{0,30}PRIVATE KEY-----(?:[A-Za-z0-9+/=\s]|\\[nr])*",
            )],
            DetectorName::Jwt => {
                &[(Literal, r"\beyJ[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]*")]
            }
            DetectorName::UrlCredentials => {
                &[(Url, r#"\b[A-Za-z][A-Za-z0-9+.\-]{1,15}://[^\s:/"'<>\\]*:[^\s/"'<>\\]+@"#)]
            }
            DetectorName::BearerToken => &[(Bearer, r"(?i:\b(?:bearer|basic)) +[A-Za-z0-9\-._~+/]{4,}=*")],
            DetectorName::AwsAccessKey => {
                &[(Literal, r"\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[A-Z0-9]{16}\b")]
            }
            DetectorName::GithubToken => {
                &[(Literal, r"\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b")]
            }
            DetectorName::StripeKey => {
                &[(Literal, r"\b(?:(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,99}|whsec_[A-Za-z0-9]{20,99})\b")]
            }
            DetectorName::SlackToken => &[(
                Literal,
                r"\bxox[abposr]-[A-Za-z0-9\-]{10,250}|https://hooks\.slack\.com/services/[A-Za-z0-9/_\-]{10,200}",
            )],
            DetectorName::GoogleApiKey => &[(Literal, r"\bAIza[0-9A-Za-z_\-]{35}")],
            DetectorName::EmailAddress => &[(
                Email,
                r"[A-Za-z0-9][A-Za-z0-9._%+\-]{0,63}@[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62}[A-Za-z0-9])?)*\.[A-Za-z]{2,24}\b",
            )],
            DetectorName::IbanCode => {
                &[(Digits, r"\b[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")]
            }
            DetectorName::CreditCard => &[(Digits, r"\b[0-9](?:[ \-]?[0-9]){11,18}\b")],
            DetectorName::UsSsn => &[(Digits, r"\b[0-9]{3}(?:-[0-9]{2}-| [0-9]{2} )[0-9]{4}\b")],
            // The ways phones are written, as candidates for the check:
            // international (`+`, 7 digits or more); with the trunk or
            // international `0` (`020 7946 0958`, `0044 …`) or an area code
            // in parentheses, 9 digits or more, any grouping; the national
            // shapes without a trunk prefix (North America, Spain, India,
            // Brazil); bare runs of 9–15 digits (phones only after a phone
            // word); a 7-digit local number with an extension. Between digits
            // one separator, or a parenthesis with one beside it. Dates,
            // IPv4 addresses, versions and status-and-size pairs are none of
            // these, so they never reach the check.
            DetectorName::PhoneNumber => &[(
                Digits,
                r"\+[0-9](?:(?:[ .\-/]|\)[ .\-]?| ?\()[0-9]|[0-9]){6,16}(?: ?(?:[xX#]|[eE][xX][tT]\.?|[eE]xtension) ?[0-9]{1,6})?|\b0[0-9](?:(?:[ .\-/]|\)[ .\-]?| ?\()[0-9]|[0-9]){7,15}(?: ?(?:[xX#]|[eE][xX][tT]\.?|[eE]xtension) ?[0-9]{1,6})?|\([0-9](?:(?:[ .\-/]|\)[ .\-]?| ?\()[0-9]|[0-9]){8,16}(?: ?(?:[xX#]|[eE][xX][tT]\.?|[eE]xtension) ?[0-9]{1,6})?|\b(?:1[ .\-])?[0-9]{3}[ .\-][0-9]{3}[ .\-][0-9]{4}(?: ?(?:[xX#]|[eE][xX][tT]\.?|[eE]xtension) ?[0-9]{1,6})?|\b[6-9][0-9]{2} [0-9]{3} [0-9]{3}\b|\b[6-9][0-9]{2}(?: [0-9]{2}){3}\b|\b[6-9][0-9] [0-9]{3} [0-9]{2} [0-9]{2}\b|\b[6-9][0-9]{4} [0-9]{5}\b|\b[1-9][0-9][ .\-/]9?[0-9]{4}-[0-9]{4}\b|\b[1-9][0-9]{8,14}\b|\b[0-9]{3}[ .\-][0-9]{4} ?(?:[xX#]|[eE][xX][tT]\.?|[eE]xtension) ?[0-9]{1,6}",
            )],
            DetectorName::IpAddress => &[
                (Digits, r"\b(?:[0-9]{1,3}\.){3}[0-9]{1,3}\b|\b[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){7}\b"),
                (Ipv6Compressed, r"[0-9A-Fa-f:]*::[0-9A-Fa-f:.]*"),
            ],
        }
    }

    /// All of the detector's patterns as one alternation.
    pub(crate) fn pattern(self) -> String {
        self.parts().iter().map(|(_, p)| format!("(?:{p})")).collect::<Vec<_>>().join("|")
    }

    /// The check run on each candidate.
    pub(crate) fn check(self) -> Check {
        match self {
            DetectorName::UrlCredentials => url_credentials,
            DetectorName::BearerToken => bearer_token,
            DetectorName::EmailAddress => email,
            DetectorName::IbanCode => iban,
            DetectorName::CreditCard => card::credit_card,
            DetectorName::UsSsn => us_ssn,
            DetectorName::PhoneNumber => phone::phone,
            DetectorName::IpAddress => ip_address,
            _ => accept,
        }
    }
}

pub(crate) fn accept(_: &[u8], s: usize, e: usize) -> Option<(usize, usize)> {
    Some((s, e))
}

fn before(hay: &[u8], s: usize) -> Option<u8> {
    s.checked_sub(1).and_then(|i| hay.get(i).copied())
}

fn after(hay: &[u8], e: usize) -> Option<u8> {
    hay.get(e).copied()
}

// A tag (`[STRIPE_KEY]`) stands for the word it replaced, so next to a
// candidate its bracket reads as a letter: otherwise a value glued to a
// secret (`sk_live_….231-99-4022`) is left alone on the first scrub and
// redacted on the second, once the secret has become a tag.
fn word_before(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b']'
}

fn word_after(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'['
}

/// Whether one of our tags (`[US_SSN]`, `[EMAIL_ADDRESS:1f0c…]`) starts at `i`.
fn tag_at(hay: &[u8], i: usize) -> bool {
    hay.get(i) == Some(&b'[')
        && memchr::memchr(b']', &hay[i..]).is_some_and(|close| super::is_redacted(&hay[i..=i + close]))
}

/// Whether one of our tags ends right before `i` (`…[REDACTED]` then `i`).
fn tag_before(hay: &[u8], i: usize) -> bool {
    i >= 1
        && hay[i - 1] == b']'
        && memchr::memrchr(b'[', &hay[..i]).is_some_and(|open| super::is_redacted(&hay[open..i]))
}

/// True when a span starting at `s` follows a word and one of `- . / _`.
fn glued_before(hay: &[u8], s: usize) -> bool {
    matches!(before(hay, s), Some(b'-' | b'.' | b'/' | b'_'))
        && s >= 2
        && (word_before(hay[s - 2]) || hay[s - 2] == b'_')
}

/// True when the span is glued to a longer dashed or dotted number or to
/// an identifier (`2024-123-45-6789`, `1.2.3.4.5`, `blk_-4980916519894289629`),
/// which is an id, not the value.
fn glued_to_number(hay: &[u8], s: usize, e: usize) -> bool {
    let glued_before = glued_before(hay, s);
    let glued_after = matches!(after(hay, e), Some(b'-' | b'.' | b'/' | b'_'))
        && hay.get(e + 1).is_some_and(|&b| word_after(b) || b == b'_');
    glued_before || glued_after
}

fn us_ssn(hay: &[u8], s: usize, e: usize) -> Option<(usize, usize)> {
    if glued_to_number(hay, s, e) {
        return None;
    }
    let ds: Vec<u8> = hay[s..e].iter().filter(|b| b.is_ascii_digit()).map(|b| b - b'0').collect();
    let area = u32::from(ds[0]) * 100 + u32::from(ds[1]) * 10 + u32::from(ds[2]);
    let group = u32::from(ds[3]) * 10 + u32::from(ds[4]);
    let serial = ds[5..].iter().fold(0u32, |a, &d| a * 10 + u32::from(d));
    let ok = area != 0 && area != 666 && area < 900 && group != 0 && serial != 0;
    ok.then_some((s, e))
}

fn ip_address(hay: &[u8], s: usize, e: usize) -> Option<(usize, usize)> {
    let span = &hay[s..e];
    if span.contains(&b':') {
        return ipv6(hay, s, e);
    }
    // IPv4: not part of a longer dotted run such as a version "1.2.3.4.5",
    // nor a Windows package version (`Package_for_KB4697025~…~~6.1.1.4`).
    if matches!(before(hay, s), Some(b'.' | b'~'))
        || (after(hay, e) == Some(b'.') && hay.get(e + 1).is_some_and(u8::is_ascii_digit))
    {
        return None;
    }
    let text = std::str::from_utf8(span).ok()?;
    text.parse::<std::net::Ipv4Addr>().ok().map(|_| (s, e))
}

fn ipv6(hay: &[u8], s: usize, mut e: usize) -> Option<(usize, usize)> {
    // A single trailing colon is punctuation ("addr fe80::1: ..."), not address.
    if hay[s..e].ends_with(b":") && !hay[s..e].ends_with(b"::") {
        e -= 1;
    }
    if before(hay, s).is_some_and(|b| word_before(b) || b == b':' || b == b'_')
        || after(hay, e).is_some_and(|b| word_after(b) || b == b'_')
    {
        return None;
    }
    let text = std::str::from_utf8(&hay[s..e]).ok()?;
    // The whole candidate, or else its longest prefix that ends before a
    // colon and is an address: `2001:db8::8a2e:10.0.0.5:24500` is an address
    // and a port. Without this the IPv4 tail alone would be redacted and the
    // IPv6 head left in the clear (and caught only by a second pass).
    let ends = std::iter::once(text.len()).chain(text.rmatch_indices(':').map(|(i, _)| i));
    ends.filter(|&end| end > 0).find_map(|end| {
        let t = &text[..end];
        t.parse::<std::net::Ipv6Addr>().ok()?;
        // "::1" is loopback; otherwise want two groups, so `Foo::add` stays code.
        let groups = t.split(':').filter(|g| !g.is_empty()).count();
        (groups >= 2 || t == "::1").then_some((s, s + end))
    })
}

/// systemd's unit types, which end instance names such as `user@998.service`.
const SYSTEMD_UNIT_TYPES: &[&str] = &[
    "service",
    "socket",
    "target",
    "timer",
    "mount",
    "automount",
    "slice",
    "scope",
    "path",
    "device",
    "swap",
];

fn email(hay: &[u8], s: usize, e: usize) -> Option<(usize, usize)> {
    // A leading dot or a dot before '@' is not a valid local part; trim the
    // leading one, reject the other.
    let span = &hay[s..e];
    let at = memchr::memchr(b'@', span)?;
    if span[at - 1] == b'.' {
        return None;
    }
    // The domain must end a word: one of our tags right after it stands for
    // the word it replaced (`…@aol.BB[EMAIL_ADDRESS]` was `…@aol.BBBB…`).
    if tag_at(hay, e) {
        return None;
    }
    // systemd instance units (`user@998.service`, `getty@tty1.service`):
    // their suffixes are unit types, none of them a top-level domain.
    let tld = span.iter().rposition(|&b| b == b'.').map_or(&span[..0], |d| &span[d + 1..]);
    if SYSTEMD_UNIT_TYPES.iter().any(|t| tld.eq_ignore_ascii_case(t.as_bytes())) {
        return None;
    }
    // The local part is capped at 64 characters, so in a longer run the
    // match starts mid-word. Redact the whole word: the head left in the
    // clear would read differently once the tail is replaced (a 100-character
    // `sk_live_…` run is no Stripe key, but its head followed by our tag is),
    // and a second scrub would redact more than the first.
    let start = hay[..s]
        .iter()
        .rposition(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-')))
        .map_or(0, |i| i + 1);
    Some((start, e))
}

fn iban(hay: &[u8], s: usize, e: usize) -> Option<(usize, usize)> {
    // The pattern may run on into a following word ("… 00 THEN"): try the
    // longest candidate first, then shorter ones ending at a group boundary.
    let mut end = e;
    loop {
        let compact: Vec<u8> = hay[s..end].iter().copied().filter(|&b| b != b' ').collect();
        if (15..=34).contains(&compact.len()) && iban_mod97(&compact) {
            return Some((s, end));
        }
        let cut = hay[s..end].iter().rposition(|&b| b == b' ')?;
        end = s + cut;
    }
}

/// ISO 13616 check: move the first four characters to the end, letters to
/// numbers (A=10…), and the remainder mod 97 must be 1.
pub(crate) fn iban_mod97(compact: &[u8]) -> bool {
    let mut rem = 0u32;
    for &b in compact[4..].iter().chain(&compact[..4]) {
        match b {
            b'0'..=b'9' => rem = (rem * 10 + u32::from(b - b'0')) % 97,
            b'A'..=b'Z' => rem = (rem * 100 + u32::from(b - b'A' + 10)) % 97,
            _ => return false,
        }
    }
    rem == 1
}

/// The user info of a URL runs to the last `@` before the path, as URL
/// parsers read it: a user name that is an email (`bob@corp.com:pw@db`) or a
/// password holding a raw `@` is redacted whole, not cut at its first `@`
/// with the rest left in the clear. No length cap: with one, a redaction
/// that shortens the line would bring a farther `@` within reach, and a
/// second scrub would redact more than the first.
///
/// A user info holding one of our tags is left alone. The tag stands for a
/// value a key rule or a detector redacted, which may have held what ends a
/// user info (a space, a `/`, a quote): read through, it would join two
/// URLs' user infos on a second scrub that the first kept apart. A user name
/// before an upstream `[REDACTED]` password is left in the clear by this.
fn url_credentials(hay: &[u8], s: usize, e: usize) -> Option<(usize, usize)> {
    let span = &hay[s..e];
    let sep = SCHEME_SEP.find(span)?;
    let (us, ue) = (s + sep + 3, e - 1);
    let holds_tag = memchr::memchr_iter(b'[', &hay[us..ue]).any(|i| tag_at(&hay[..ue], us + i));
    (!holds_tag).then_some((us, ue))
}

fn bearer_token(hay: &[u8], s: usize, e: usize) -> Option<(usize, usize)> {
    let span = &hay[s..e];
    let sp = memchr::memchr(b' ', span)?;
    let scheme = &span[..sp];
    let tok_start = s + sp + span[sp..].iter().take_while(|&&b| b == b' ').count();
    let token = &hay[tok_start..e];
    if scheme.eq_ignore_ascii_case(b"basic") {
        // Basic credentials are base64 of "user:password". Text glued on
        // after them must not hide them, so the longest prefix of base64
        // characters, cut to whole quads, is decoded too (and the whole run
        // redacted: fail closed).
        let decodes =
            |t: &[u8]| base64::engine::general_purpose::STANDARD.decode(t).is_ok_and(|d| d.contains(&b':'));
        let b64 =
            token.iter().take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=')).count();
        let quads = &token[..b64 / 4 * 4];
        return (decodes(token) || decodes(quads)).then_some((tok_start, e));
    }
    // Bearer: a token, not an English word ("bearer authentication failed").
    let has_non_alpha = token.iter().any(|b| !b.is_ascii_alphabetic());
    (token.len() >= 8 && has_non_alpha || token.len() >= 20).then_some((tok_start, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_order_holds_every_detector_once_with_ips_before_phones() {
        let mut sorted = SCAN_ORDER.to_vec();
        sorted.sort();
        assert_eq!(sorted, DetectorName::ALL);
        let at = |d| SCAN_ORDER.iter().position(|x| *x == d).unwrap();
        assert!(at(DetectorName::IpAddress) < at(DetectorName::PhoneNumber));
    }

    #[test]
    fn iban_check() {
        assert!(iban_mod97(b"GB82WEST12345698765432"));
        assert!(iban_mod97(b"DE89370400440532013000"));
        assert!(!iban_mod97(b"DE89370400440532013001"));
    }

    #[test]
    fn names_round_trip_and_unknown_names_are_explained() {
        for d in DetectorName::ALL {
            assert_eq!(d.as_str().parse::<DetectorName>().unwrap(), *d);
        }
        let err = "emial".parse::<DetectorName>().unwrap_err();
        assert!(err.starts_with("unknown detector \"emial\""), "{err}");
    }
}
