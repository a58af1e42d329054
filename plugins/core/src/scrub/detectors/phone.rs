//! `PHONE_NUMBER`: which runs of digit groups are phone numbers.
//!
//! The pattern finds every run of at least seven digits joined by at most
//! three separator characters (`[ .-/()]`), with an optional leading `+` or
//! `(` and an optional extension (`x510`, ` ext. 12`). The check reads the
//! run as digit groups and accepts it when it is written as phones are:
//! - **internationally**: `+` or `00` and a country code, 7–15 digits
//!   (a trunk `(0)` aside), separators single;
//! - **nationally**: its groups are one of a region's shapes
//!   ([`super::phone_regions`]): `020 7946 0958`, `(11) 91234-5678`;
//! - **with context**: a bare run (`4155552671`) or any other grouping of
//!   7–15 digits, when a phone word (`phone`, `tel`, `mobile`, `sms`,
//!   `whatsapp`…, also as a key: `"user_phone":`, `phoneNumber=`) is among the
//!   four words before it. Without one, an order id, an epoch timestamp or a
//!   counter is not a phone.
//!
//! A run that fails is retried without its trailing groups (`415-555-2671 2
//! times`). Dates, decimals, IPv4 addresses and runs glued to identifiers
//! are never phones, with or without context.

use super::context::{self, phone_word};
use super::phone_regions::{Lead, REGIONS, Shape, may_have_shape, shape_key};
use super::{after, before, glued_before, glued_to_number};

/// Most digit groups a candidate can hold (the pattern allows 17 digits).
const MAX_GROUPS: usize = 18;

/// A candidate read as digit groups.
#[derive(Debug)]
struct Groups<'h> {
    span: &'h [u8],
    /// Digits in each group.
    lens: [u8; MAX_GROUPS],
    /// Offset in `span` where each group starts and ends (a candidate is
    /// well under 256 bytes; the struct stays small, as it is built for
    /// every number-shaped run in a record).
    starts: [u8; MAX_GROUPS],
    ends: [u8; MAX_GROUPS],
    /// The separator before each group: `0` for none (first group), the
    /// byte for a single separator, `b'('` when parentheses are involved,
    /// `b'!'` for a doubled separator.
    seps: [u8; MAX_GROUPS],
    /// Whether each group is enclosed in parentheses.
    paren: [bool; MAX_GROUPS],
    n: usize,
    plus: bool,
}

impl<'h> Groups<'h> {
    /// Reads `span` (no extension). `None` for unbalanced parentheses or
    /// more groups than a phone has.
    fn parse(span: &'h [u8]) -> Option<Self> {
        if span.len() > usize::from(u8::MAX) {
            return None;
        }
        let mut g = Groups {
            span,
            lens: [0; MAX_GROUPS],
            starts: [0; MAX_GROUPS],
            ends: [0; MAX_GROUPS],
            seps: [0; MAX_GROUPS],
            paren: [false; MAX_GROUPS],
            n: 0,
            plus: span.first() == Some(&b'+'),
        };
        let mut i = usize::from(g.plus);
        let mut open = false;
        let mut sep: (u8, usize) = (0, 0);
        while i < span.len() {
            let b = span[i];
            if b.is_ascii_digit() {
                let start = i;
                while i < span.len() && span[i].is_ascii_digit() {
                    i += 1;
                }
                if g.n == MAX_GROUPS {
                    return None;
                }
                g.lens[g.n] = u8::try_from(i - start).ok()?;
                g.starts[g.n] = start as u8;
                g.ends[g.n] = i as u8;
                g.seps[g.n] = match sep {
                    (_, 0) => 0,
                    (b'(', _) => b'(',
                    (c, 1) => c,
                    _ => b'!',
                };
                g.paren[g.n] = open;
                g.n += 1;
                sep = (0, 0);
                continue;
            }
            match b {
                b'(' if !open => {
                    open = true;
                    sep.0 = b'(';
                }
                // Only whole groups may be enclosed.
                b')' if open && g.n > 0 && g.paren[g.n - 1] => {
                    open = false;
                    sep.0 = b'(';
                }
                b' ' | b'.' | b'-' | b'/' => {
                    if sep.0 != b'(' {
                        sep.0 = b;
                    }
                }
                _ => return None,
            }
            sep.1 += 1;
            i += 1;
        }
        (!open && g.n > 0).then_some(g)
    }

    fn digits(&self, k: usize) -> usize {
        self.lens[..k].iter().map(|&l| usize::from(l)).sum()
    }

    /// The first digit of group `i`, as a byte.
    fn lead(&self, i: usize) -> u8 {
        self.span[usize::from(self.starts[i])]
    }

    fn second(&self) -> Option<u8> {
        self.span[usize::from(self.starts[0])..].iter().copied().filter(u8::is_ascii_digit).nth(1)
    }

    /// Whether groups `0..k` use one separator style (the one after the
    /// first group, or around parentheses, may differ) out of `allowed`.
    fn one_style(&self, k: usize, allowed: &[u8]) -> bool {
        let mut style = None;
        for i in 1..k {
            let s = self.seps[i];
            if s == b'!' {
                return false;
            }
            // `11 91234-5678`, `(030) 1234-5678`: the area code's own separator.
            if s == b'(' || (i == 1 && (self.paren[0] || k > 2)) {
                continue;
            }
            if !allowed.contains(&s) {
                return false;
            }
            match style {
                None => style = Some(s),
                Some(t) if t != s => return false,
                Some(_) => {}
            }
        }
        true
    }

    /// Parentheses only around the first group (the area code), or around
    /// a trunk `0` or the area code after a country code.
    fn parens_ok(&self, k: usize) -> bool {
        (1..k).all(|i| !self.paren[i] || (self.plus && i <= 2))
    }
}

/// Whether groups `0..k` are a region's national shape.
fn national(g: &Groups, k: usize) -> bool {
    let Some(key) = shape_key(&g.lens[..k]).filter(|&key| may_have_shape(key)) else {
        return false;
    };
    let fits = |sh: &Shape| {
        (match sh.lead {
            Lead::Trunk => g.lead(0) == b'0' && g.second().is_some_and(|d| d != b'0'),
            Lead::Any => true,
            Lead::OneOf(ds) => ds.contains(&g.lead(0)),
        }) && g.one_style(k, sh.seps)
    };
    // Every number-shaped run in a record comes here: one key comparison
    // per shape before anything else is read.
    g.parens_ok(k) && REGIONS.iter().flat_map(|r| r.shapes.iter()).any(|sh| sh.key == key && fits(sh))
}

/// International: `+CC …` or `00CC …`, 7–15 digits besides a trunk `(0)`.
fn international(g: &Groups, k: usize) -> bool {
    let trunk: usize = (1..k).filter(|&i| g.paren[i] && g.lens[i] == 1 && g.lead(i) == b'0').count();
    let n = g.digits(k) - trunk;
    let singles = (1..k).all(|i| g.seps[i] != b'!');
    if g.plus {
        return g.lead(0) != b'0' && (7..=15).contains(&n) && singles && g.parens_ok(k);
    }
    // `0044 20 7946 0958`, `001-415-555-2671`: written with separators
    // (a bare `0044…` run needs context like any bare run).
    let cc = g.span[usize::from(g.starts[0])..].iter().copied().filter(u8::is_ascii_digit).nth(2);
    k > 1
        && g.lens[0] >= 3
        && g.lead(0) == b'0'
        && g.second() == Some(b'0')
        && cc.is_some_and(|d| d != b'0')
        && {
            let n = n - 2;
            (7..=15).contains(&n) && singles
        }
}

/// `2024-01-15`, `15/01/2024`, `2024.01.15 10`: a date's groups.
fn looks_like_date(g: &Groups, k: usize) -> bool {
    let value = |i: usize| {
        g.span[usize::from(g.starts[i])..usize::from(g.ends[i])]
            .iter()
            .fold(0u32, |a, &b| a * 10 + u32::from(b - b'0'))
    };
    let year = |i: usize| g.lens[i] == 4 && (1900..=2099).contains(&value(i));
    let day_month = |i: usize, j: usize| g.lens[i] <= 2 && g.lens[j] <= 2 && value(i) <= 31 && value(j) <= 31;
    k >= 3 && ((year(0) && day_month(1, 2)) || (year(2) && day_month(0, 1)))
}

/// Whether groups `0..k` are a phone once a phone word stands before them.
fn with_context(g: &Groups, k: usize) -> bool {
    let n = g.digits(k);
    if !(7..=15).contains(&n) || looks_like_date(g, k) {
        return false;
    }
    if k == 1 {
        // Epoch seconds and milliseconds since 2017 (`1[5-9]…`) read as
        // numbers, even after "sms sent at".
        let epoch = g.lead(0) == b'1' && g.second().is_some_and(|d| d >= b'5') && matches!(n, 10 | 13);
        return !epoch;
    }
    let decimal = k == 2 && g.seps[1] == b'.';
    let small_groups = (1..k).any(|i| g.lens[i] < 2);
    !decimal && !small_groups && g.one_style(k, b" .-/") && g.parens_ok(k)
}

/// `YYYY-MM-DD`, `YYYY/MM/DD`, `YYYY.MM.DD` (years 1900–2099) at the start.
fn starts_with_date(span: &[u8]) -> bool {
    let d = |i: usize| span.get(i).is_some_and(u8::is_ascii_digit);
    span.len() >= 10
        && matches!(&span[..2], b"19" | b"20")
        && d(2)
        && d(3)
        && matches!(span[4], b'-' | b'/' | b'.')
        && span[7] == span[4]
        && matches!(span[5], b'0' | b'1')
        && d(6)
        && matches!(span[8], b'0'..=b'3')
        && d(9)
        && !d(10)
}

/// Dotted groups of 1–3 digits, four of them: an IPv4 address, for the IP detector.
fn ipv4_shape(g: &Groups) -> bool {
    g.n == 4 && !g.plus && (0..4).all(|i| g.lens[i] <= 3 && (i == 0 || g.seps[i] == b'.'))
}

/// Where an extension starts in `span`, and whether it is well formed:
/// `x510`, ` x 510`, ` ext. 12`, ` extension 4`, `#12`.
fn extension(span: &[u8]) -> Option<(usize, bool)> {
    let at = span.iter().position(|b| b.is_ascii_alphabetic() || *b == b'#')?;
    let mut main_end = at;
    while main_end > 0 && matches!(span[main_end - 1], b' ' | b',') {
        main_end -= 1;
    }
    let digits = span[at..].iter().filter(|b| b.is_ascii_digit()).count();
    Some((main_end, (1..=6).contains(&digits)))
}

/// The check.
pub(crate) fn phone(hay: &[u8], s: usize, e: usize) -> Option<(usize, usize)> {
    if before(hay, s).is_some_and(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'_') {
        return None;
    }
    // `Call#5645301`, `#1234567`: a sequence number; `Chrome/120.0.6099.109`,
    // `v-2024…`: glued to a word before it, whatever its end.
    if before(hay, s) == Some(b'#') || glued_before(hay, s) {
        return None;
    }
    // `6834 0098 5771 2762`: the tail of a longer grouped number (three or
    // more digits, then one separator, right before).
    if hay.get(s) != Some(&b'+')
        && matches!(before(hay, s), Some(b' ' | b'-' | b'.' | b'/'))
        && hay[..s - 1].iter().rev().take_while(|b| b.is_ascii_digit()).count() >= 3
    {
        return None;
    }
    // `1,634 567 890`: the tail of a number with thousands commas.
    if before(hay, s) == Some(b',') && s >= 2 && hay[s - 2].is_ascii_digit() {
        return None;
    }
    let span = &hay[s..e];
    // `2024-03-03 06:…`, `2024/03/12 08:…`: a date, the most common run in
    // text logs; no head of one is a phone, with or without context.
    if starts_with_date(span) {
        return None;
    }
    let (main_end, ext) = match extension(span) {
        Some((end, true)) => (end, true),
        Some((_, false)) => return None,
        None => (span.len(), false),
    };
    let g = Groups::parse(&span[..main_end])?;
    if ipv4_shape(&g) {
        return None;
    }
    let mut context: Option<bool> = None;
    let mut context = || *context.get_or_insert_with(|| context::near(hay, s, phone_word));
    // Written as international (`+…`, `00CC…`): only those rules apply.
    let intl = g.plus || (g.lead(0) == b'0' && g.second() == Some(b'0'));
    // The whole run with its extension, then heads without trailing groups:
    // first as written shapes, then, only if none is one, with context.
    for by_context in [false, true] {
        for k in (1..=g.n).rev() {
            let end = if k == g.n && ext { e } else { s + usize::from(g.ends[k - 1]) };
            if g.digits(k) < 7 {
                break;
            }
            // The pattern stops at 17 digits: a run going on is a longer
            // number; a decimal comma makes it an amount (`790 682 408,25`).
            let decimal_comma =
                after(hay, end) == Some(b',') && hay.get(end + 1).is_some_and(u8::is_ascii_digit);
            let runs_on =
                after(hay, end).is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_') || decimal_comma;
            if runs_on || glued_to_number(hay, s, end) {
                continue;
            }
            let ok = if by_context {
                !g.plus && with_context(&g, k) && context()
            } else if intl {
                international(&g, k)
            } else {
                let local_with_ext = ext && k == g.n && k == 2 && g.lens[0] == 3 && g.lens[1] == 4;
                k > 1 && (national(&g, k) || local_with_ext)
            };
            if ok {
                return Some((s, end));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The phone found in `text` by the check alone, from the first digit,
    /// `+` or `(` to the last digit.
    fn found(text: &str) -> Option<&str> {
        let s = text.find(|c: char| c.is_ascii_digit() || c == '+' || c == '(')?;
        let e = text.rfind(|c: char| c.is_ascii_digit())? + 1;
        phone(text.as_bytes(), s, e).map(|(a, b)| &text[a..b])
    }

    #[test]
    fn national_shapes_of_every_region() {
        for n in [
            "415-555-2671",
            "(415)555-2671",
            "(415) 555-2671",
            "415.555.2671",
            "1-800-555-0199",
            "020 7946 0958",
            "07700 900123",
            "06 12 44 85 21",
            "01.23.45.67.89",
            "030 12345678",
            "0171 1234567",
            "(030) 1234-5678",
            "0346 499383",
            "347 123 4567",
            "912 345 678",
            "020-1234567",
            "06-12345678",
            "(11) 91234-5678",
            "11 3915-0008",
            "03-1234-5678",
            "090-1234-5678",
            "098765 43210",
            "98765 43210",
            "(0161) 4960066",
        ] {
            assert_eq!(found(n), Some(n), "{n}");
        }
    }

    #[test]
    fn each_region_table_holds_its_own_examples() {
        let examples: &[(&str, &[&str])] = &[
            ("NANP", &["415-555-2671", "1-800-555-0199"]),
            ("GB", &["020 7946 0958", "07700 900123"]),
            ("FR", &["06 12 44 85 21"]),
            ("DE", &["030 12345678", "0171 1234567"]),
            ("IT", &["0346 499383", "347 123 4567"]),
            ("ES", &["912 345 678"]),
            ("NL", &["020-1234567", "06-12345678"]),
            ("BR", &["(11) 91234-5678"]),
            ("JP", &["03-1234-5678", "090-1234-5678"]),
            ("IN", &["98765 43210", "098765 43210"]),
        ];
        assert_eq!(examples.len(), REGIONS.len());
        for (name, numbers) in examples {
            let region = REGIONS.iter().find(|r| r.name == *name).unwrap();
            for n in *numbers {
                let g = Groups::parse(n.as_bytes()).unwrap();
                let own = region.shapes.iter().any(|sh| sh.groups == &g.lens[..g.n]);
                assert!(own && national(&g, g.n), "{name}: {n}");
            }
        }
    }

    #[test]
    fn international_and_extensions() {
        for n in [
            "+1 (415) 555 2671",
            "+44 20 7946 0958",
            "+44(0)20 7946 0958",
            "+33 (0)1 41 63 60 83",
            "+91 98765 43210",
            "+919141777631",
            "0044 20 7946 0958",
            "001-415-555-2671",
            "415.555.2671x510",
            "(415)555-2671x19689",
            "+1-537-640-6812x41586",
            "555-2671 ext. 12",
        ] {
            assert_eq!(found(n), Some(n), "{n}");
        }
    }

    #[test]
    fn bare_runs_need_a_phone_word() {
        assert_eq!(found("order 4155552671"), None);
        assert_eq!(found("call me on 4155552671"), Some("4155552671"));
        assert_eq!(found(r#"{"user_phone": "09098790204"}"#), Some("09098790204"));
        assert_eq!(found(r#"{"phoneNumber":4155552671}"#), Some("4155552671"));
        assert_eq!(found("sms sent at 1732464000123"), None);
        assert_eq!(found(r#"{"call_id": 4155552671}"#), None);
        assert_eq!(found(r#"{"phone": null, "n": 4155552671}"#), None);
        assert_eq!(found("telemetry 4155552671"), None);
    }

    #[test]
    fn not_phones() {
        for t in [
            "2024-01-15 10:23:45",
            "at 2024-01-15",
            "v 1.2.3.4",
            "peer 10.251.42.84",
            "1 2 3 4 5 6 7 8 9 10",
            "took 1234567.89 ms",
            "4096  8192  16384",
            "blk_-4980916519894289629",
            "id 30546173_4261722401",
            "phone 2024-01-15",
            "montant 790 682 408,25 EUR",
            "1,634 567 890",
            "invoice 6834 0098 5771 2762",
            "2024-03-03 0612448521",
            "IPC call Call#5645301 Retry#0",
            "\"GET / HTTP/1.1\" 304 1290516 \"-\"",
        ] {
            assert_eq!(found(t), None, "{t}");
        }
    }
}
