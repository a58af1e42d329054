//! `CREDIT_CARD`: which digit runs are payment card numbers.
//!
//! PCI DSS treats any Luhn-valid primary account number as cardholder data,
//! so the rule is the issuer's, not a brand list: a number is a card when its
//! leading digits are in a payment network's IIN range ([`IIN_RANGES`]), its
//! length is one that range issues, and it passes Luhn. Broader ranges invite
//! false positives, so the shape is checked too: a card is never part of an
//! identifier (`blk_-4980916519894289629`), never written in groups a card
//! does not have (`1 2 3 4 5 …`), never signed (`-5956746769041317568`),
//! and never one stretch of a longer grouped number or of a decimal.

use super::context::{self, card_word};
use super::{after, before, glued_to_number, tag_at, tag_before};

/// One issuer range: numbers whose first `digits` digits are in `low..=high`
/// and whose length is in `lengths` (unless `only` lists the lengths).
#[derive(Debug)]
pub(crate) struct Iin {
    /// The network, for the docs and tests.
    #[cfg_attr(not(test), expect(dead_code, reason = "names the range in tests"))]
    pub(crate) network: &'static str,
    low: u32,
    high: u32,
    digits: u8,
    lengths: (u8, u8),
    only: &'static [u8],
}

const fn iin(network: &'static str, low: u32, high: u32, digits: u8, min: u8, max: u8) -> Iin {
    Iin { network, low, high, digits, lengths: (min, max), only: &[] }
}

/// The payment networks' IIN ranges with the lengths they issue. Sources:
/// the networks' published ranges as summarised by ISO/IEC 7812 registries;
/// major industry identifiers 1–6, plus RuPay/UnionPay's `81`/`82`.
pub(crate) const IIN_RANGES: &[Iin] = &[
    iin("UATP", 1, 1, 1, 15, 15),
    iin("Mir", 2200, 2204, 4, 16, 19),
    iin("Mastercard", 2221, 2720, 4, 16, 16),
    // JCB's 15-digit ranges.
    iin("JCB", 2100, 2100, 4, 15, 15),
    iin("JCB", 2131, 2131, 4, 15, 15),
    iin("American Express", 34, 34, 2, 15, 15),
    iin("American Express", 37, 37, 2, 15, 15),
    iin("Diners Club", 300, 305, 3, 14, 19),
    iin("Diners Club", 3095, 3095, 4, 14, 19),
    iin("Diners Club", 36, 36, 2, 14, 19),
    iin("Diners Club", 38, 39, 2, 14, 19),
    // JCB is 3528–3589, but test-data generators (and RuPay's 353/356)
    // issue the whole of 35.
    iin("JCB", 35, 35, 2, 16, 19),
    // Visa issues 13, 16 and 19 digits, no lengths between: a 15-digit
    // nanosecond count starting with 4 is not a Visa card.
    Iin { only: &[13, 16, 19], ..iin("Visa", 4, 4, 1, 13, 19) },
    // Maestro issues 12–19 digits; 12 only count after a card word.
    iin("Maestro", 50, 50, 2, 12, 19),
    iin("Mastercard", 51, 55, 2, 16, 16),
    // Maestro 56–69 covers Discover (6011, 644–649, 65), UnionPay (62),
    // RuPay (60, 65) and Verve (506, 650) in 13–19 digits.
    iin("Maestro", 56, 69, 2, 12, 19),
    iin("RuPay/UnionPay", 81, 82, 2, 16, 19),
];

/// The range that issues `ds` (digit values), if any.
pub(crate) fn issuer(ds: &[u8]) -> Option<&'static Iin> {
    let n = ds.len();
    // The number's first one to four digits as numbers, read once for all
    // ranges (every candidate reaches this check, most are no card).
    let mut prefixes = [0u32; 4];
    let mut acc = 0u32;
    for (slot, &d) in prefixes.iter_mut().zip(ds) {
        acc = acc * 10 + u32::from(d);
        *slot = acc;
    }
    IIN_RANGES.iter().find(|r| {
        let k = usize::from(r.digits);
        n >= k
            && (r.low..=r.high).contains(&prefixes[k - 1])
            && (usize::from(r.lengths.0)..=usize::from(r.lengths.1)).contains(&n)
            && (r.only.is_empty() || r.only.iter().any(|&l| usize::from(l) == n))
    })
}

/// Luhn (mod 10) checksum.
pub(crate) fn luhn(ds: &[u8]) -> bool {
    let mut sum = 0u32;
    for (i, &d) in ds.iter().rev().enumerate() {
        let mut v = u32::from(d);
        if i % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    sum.is_multiple_of(10)
}

/// Fewest digits a card has (Maestro); a number this short is a card
/// only after a card word (`card`, `paid`, `pan`…): 12-digit ids and
/// account numbers are common in logs.
const MIN_DIGITS: usize = 12;

/// Most digits a card has.
const MAX_DIGITS: usize = 19;

/// One read of a candidate: its digits (values) into `buf`, and its
/// separator, `Some(0)` for mixed ones. `None` when there are more digits
/// than a card has.
fn read<'b>(span: &[u8], buf: &'b mut [u8; MAX_DIGITS]) -> Option<(&'b [u8], Option<u8>)> {
    let mut n = 0;
    let mut sep = None;
    for &b in span {
        if b.is_ascii_digit() {
            *buf.get_mut(n)? = b - b'0';
            n += 1;
        } else {
            sep = match sep {
                None => Some(b),
                Some(s) if s == b => Some(s),
                Some(_) => Some(0),
            };
        }
    }
    Some((&buf[..n], sep))
}

/// Whether the groups of a separated candidate are a card's: every group
/// but the last has at least four digits (4-4-4-4, Amex 4-6-5, Diners
/// 4-6-4, 4-4-4-4-3), so `1 2 3 4 5 6 7 8 9 10 11 12 13` is not one.
fn card_groups(span: &[u8]) -> bool {
    let mut groups = span.split(|&b| b == b' ' || b == b'-').peekable();
    while let Some(g) = groups.next() {
        if groups.peek().is_some() && g.len() < 4 {
            return false;
        }
    }
    true
}

/// Whether the candidate is one stretch of a longer grouped number: the same
/// separator and another group of four or more digits right before or after
/// (`1234 5678 9012 3456 7890` holds no card).
///
/// One of our tags there counts as such a group: it stands for what it
/// replaced, which may have been that group (a key rule's value, a card
/// before this one). Read as no group, a second scrub would find a card the
/// first left as part of a longer number. So a grouped card written right
/// after an upstream `[REDACTED] ` is left too; a bare run is not affected.
fn continues(hay: &[u8], s: usize, e: usize, sep: u8) -> bool {
    let run = |it: &mut dyn Iterator<Item = &u8>| it.take_while(|b| b.is_ascii_digit()).count();
    let ahead = after(hay, e) == Some(sep) && (run(&mut hay[e + 1..].iter()) >= 4 || tag_at(hay, e + 1));
    let behind =
        before(hay, s) == Some(sep) && (run(&mut hay[..s - 1].iter().rev()) >= 4 || tag_before(hay, s - 1));
    ahead || behind
}

/// The check: the candidate, or its longest head ending before a separator,
/// that is a card.
pub(crate) fn credit_card(hay: &[u8], s: usize, mut e: usize) -> Option<(usize, usize)> {
    // The pattern may run on into a following number ("4111…1111 2 times"):
    // try the whole candidate, then shorter ones ending before a separator.
    // No network's range starts with 0, 7 or 9, and the retries only
    // shorten the end: most candidates (counters, ids) stop here.
    if !matches!(hay.get(s), Some(b'1'..=b'6' | b'8')) {
        return None;
    }
    let mut buf = [0u8; MAX_DIGITS];
    loop {
        let span = &hay[s..e];
        let Some((ds, sep)) = read(span, &mut buf) else {
            // More digits than a card: try a head.
            let cut = span.iter().rposition(|&b| b == b' ' || b == b'-')?;
            e = s + cut;
            continue;
        };
        // Cheapest first: most candidates are ids and counters with no
        // issuer or a failing checksum.
        let ok = ds.len() >= MIN_DIGITS
            && issuer(ds).is_some()
            && luhn(ds)
            && !glued_to_number(hay, s, e)
            && match sep {
                // One separator style per number: "4111 1111-1111 1111" is not a card.
                Some(0) => false,
                Some(sep) => card_groups(span) && !continues(hay, s, e, sep),
                // A minus sign makes a bare run a signed integer (a span id,
                // an offset): a card number is never negative.
                None => before(hay, s) != Some(b'-'),
            }
            && (ds.len() > MIN_DIGITS || context::near(hay, s, card_word));
        if ok {
            return Some((s, e));
        }
        // A bare run has no head to try.
        sep?;
        let cut = span.iter().rposition(|&b| b == b' ' || b == b'-')?;
        e = s + cut;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ds(s: &str) -> Vec<u8> {
        s.bytes().filter(u8::is_ascii_digit).map(|b| b - b'0').collect()
    }

    #[test]
    fn every_range_reads_one_to_four_digits() {
        // `issuer` indexes its four prefixes with them.
        assert!(IIN_RANGES.iter().all(|r| (1..=4).contains(&r.digits)));
    }

    #[test]
    fn every_network_range_is_a_card_and_others_are_not() {
        for (ok, network) in [
            ("4111111111111111", "Visa"),
            ("4222222222222", "Visa"),
            ("5555555555554444", "Mastercard"),
            ("2223003122003222", "Mastercard"),
            ("378282246310005", "American Express"),
            ("6011111111111117", "Maestro"),
            ("3530111333300000", "JCB"),
            ("3512345678901234", "JCB"),
            ("36227206271667", "Diners Club"),
            ("6200000000000005", "Maestro"),
            ("5018000000000009", "Maestro"),
            ("2200000000000004", "Mir"),
            ("122000000000003", "UATP"),
            ("8171999927660000", "RuPay/UnionPay"),
            ("5061000000000007", "Maestro"),
        ] {
            let d = ds(ok);
            assert_eq!(issuer(&d).map(|r| r.network), Some(network), "{ok}");
        }
        // A Mastercard has 16 digits; 7 and 9 are no payment network's; a
        // 31 prefix is not issued.
        for bad in
            ["5555555555554", "7000000000000000", "9000000000000000", "3100000000000000", "496646477751524"]
        {
            assert!(issuer(&ds(bad)).is_none(), "{bad}");
        }
        assert!(luhn(&ds("4111111111111111")) && !luhn(&ds("4111111111111112")));
        assert!(issuer(&ds("501800000009")).is_some(), "12-digit Maestro");
        // Epoch milliseconds have no issuer.
        assert!(issuer(&ds("1732464000123")).is_none());
    }

    #[test]
    fn shapes_a_card_never_has() {
        fn find(s: &str) -> Option<&str> {
            let at = s.find(|c: char| c.is_ascii_digit()).unwrap();
            credit_card(s.as_bytes(), at, s.len()).map(|(a, b)| &s[a..b])
        }
        assert_eq!(find("paid 4111 1111 1111 1111"), Some("4111 1111 1111 1111"));
        assert_eq!(find("paid with 503844211337"), Some("503844211337"));
        assert_eq!(find("account 503844211337"), None);
        assert_eq!(find("1 2 3 4 5 6 7 8 9 1 1 1 1"), None);
        assert_eq!(find("blk_-4111111111111111"), None);
        assert_eq!(find("offset -4111111111111111"), None);
        assert_eq!(find("n 4111111111111111.5"), None);
        assert_eq!(find("x 4111 1111 1111 1111 1111"), None);
        // A tag beside it, through its separator, stands for a group.
        assert_eq!(find("x 4111 1111 1111 1111 [REDACTED]"), None);
        assert_eq!(find("[REDACTED] 4111 1111 1111 1111"), None);
    }
}
