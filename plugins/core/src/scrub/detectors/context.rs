//! Context words: whether a word that says what a number is (`phone`,
//! `card`) stands just before it, in text (`SMS sent to 4155552671`), as a
//! key (`"user_phone": "…"`, `phoneNumber=…`) or a label (`Tel:`). Shapes
//! that are phones or cards only sometimes (bare digit runs, 12-digit
//! Maestro numbers) are accepted only with one, as Presidio's context words
//! raise a weak pattern's score.

/// A word list as a function on a lowercased word: a `match` on its
/// words, which the compiler turns into a test of the length and then of
/// the bytes, instead of a comparison with each word in turn (the phone
/// check asks for context on every bare digit run of a text log).
macro_rules! words {
    ($(#[$doc:meta])* $vis:vis fn $name:ident = [$($word:literal),* $(,)?];) => {
        $(#[$doc])*
        $vis fn $name(lower: &str) -> bool {
            matches!(lower, $($word)|*)
        }
    };
}

words! {
    /// Words that make a digit run a phone number, lowercased. A key or a
    /// camelCase name is split into its words (`user_phone`, `phoneNumber`).
    pub(crate) fn phone_word = [
        "phone",
        "phones",
        "phonenumber",
        "phoneno",
        "telephone",
        "tel",
        "mobile",
        "mob",
        "mobil",
        "cell",
        "cellphone",
        "cellular",
        "sms",
        "call",
        "callback",
        "caller",
        "whatsapp",
        "fax",
        "contact",
        "msisdn",
        "landline",
        "telefon",
        "telefono",
        "telefone",
        "celular",
        "cellulare",
        "movil",
    ];
}

words! {
    /// Words that make a short bare number a card number, lowercased.
    pub(crate) fn card_word = [
        "card", "cards", "cc", "ccnum", "pan", "maestro", "debit", "credit", "paid", "pay", "payment", "charge",
        "charged", "refund", "refunded",
    ];
}

words! {
    /// Words that, right before a number, say it is something else: the count,
    /// id or duration *of* a call (`call_id`, `sms_count`, `callback_ms`).
    fn blocking_word = [
        "id",
        "ids",
        "uid",
        "uuid",
        "guid",
        "key",
        "count",
        "counter",
        "total",
        "size",
        "len",
        "length",
        "ms",
        "sec",
        "secs",
        "seconds",
        "ts",
        "time",
        "timestamp",
        "date",
        "seq",
        "version",
        "ver",
        "port",
        "pid",
        "tid",
        "duration",
        "elapsed",
        "latency",
        "bytes",
        "attempt",
        "attempts",
        "retry",
        "retries",
        "status",
        "code",
        "err",
        "error",
        "errno",
        "rate",
        "ttl",
        "timeout",
    ];
}

/// How far back, in bytes and in words, a context word may stand.
const CONTEXT_BYTES: usize = 48;
const CONTEXT_WORDS_BACK: usize = 4;

/// Whether one of the `wanted` words stands among the few words before `s`. The look
/// stops at a digit, a tag's bracket, a `,` `;` `}` `|` or a line break:
/// past those the words belong to another value. A tag stops it so that a
/// number next to a redacted one reads the same on a second scrub.
pub(crate) fn near(hay: &[u8], s: usize, wanted: fn(&str) -> bool) -> bool {
    let lo = s.saturating_sub(CONTEXT_BYTES);
    let mut i = s;
    let mut words = 0;
    while i > lo {
        let b = hay[i - 1];
        if b.is_ascii_alphabetic() {
            let end = i;
            while i > lo && hay[i - 1].is_ascii_alphabetic() {
                i -= 1;
            }
            if i == lo && lo > 0 && hay[lo - 1].is_ascii_alphabetic() {
                return false;
            }
            // camelCase parts, nearest first.
            let word = &hay[i..end];
            let mut part_end = word.len();
            for p in (0..word.len()).rev() {
                let starts_part =
                    p == 0 || (word[p].is_ascii_uppercase() && word[p - 1].is_ascii_lowercase());
                if !starts_part {
                    continue;
                }
                let part = &word[p..part_end];
                part_end = p;
                // No listed word is longer than 16 letters.
                let mut buf = [0u8; 16];
                if let Some(lower) = buf.get_mut(..part.len()) {
                    lower.copy_from_slice(part);
                    lower.make_ascii_lowercase();
                    // Letters only, so always UTF-8.
                    let lower = std::str::from_utf8(lower).unwrap_or_default();
                    if wanted(lower) {
                        return true;
                    }
                    if words == 0 && blocking_word(lower) {
                        return false;
                    }
                }
                words += 1;
                if words >= CONTEXT_WORDS_BACK {
                    return false;
                }
            }
            continue;
        }
        if b.is_ascii_digit()
            || matches!(b, b'[' | b']' | b',' | b';' | b'}' | b'|' | b'\n' | b'\r' | b'\\' | b'@')
        {
            return false;
        }
        i -= 1;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_found_in_any_case_and_as_camel_case_parts() {
        assert!(near(b"Phone: 4155552671", 7, phone_word));
        assert!(near(b"userPhoneNumber=4155552671", 16, phone_word));
        assert!(near(b"TELEFONO 4155552671", 9, phone_word));
        assert!(!near(b"call_id=4155552671", 8, phone_word));
        assert!(near(b"paid with 503844211337", 10, card_word));
        assert!(!near(b"account 503844211337", 8, card_word));
    }
}
