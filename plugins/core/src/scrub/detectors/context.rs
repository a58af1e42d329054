//! Context words: whether a word that says what a number is (`phone`,
//! `card`) stands just before it, in text (`SMS sent to 4155552671`), as a
//! key (`"user_phone": "…"`, `phoneNumber=…`) or a label (`Tel:`). Shapes
//! that are phones or cards only sometimes (bare digit runs, 12-digit
//! Maestro numbers) are accepted only with one, as Presidio's context words
//! raise a weak pattern's score.

/// Words that make a digit run a phone number, lowercased. A key or a
/// camelCase name is split into its words (`user_phone`, `phoneNumber`).
pub(crate) const PHONE_WORDS: &[&str] = &[
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

/// Words that make a short bare number a card number, lowercased.
pub(crate) const CARD_WORDS: &[&str] = &[
    "card", "cards", "cc", "ccnum", "pan", "maestro", "debit", "credit", "paid", "pay", "payment", "charge",
    "charged", "refund", "refunded",
];

/// Words that, right before a number, say it is something else: the count,
/// id or duration *of* a call (`call_id`, `sms_count`, `callback_ms`).
const BLOCKING_WORDS: &[&str] = &[
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

/// How far back, in bytes and in words, a context word may stand.
const CONTEXT_BYTES: usize = 48;
const CONTEXT_WORDS_BACK: usize = 4;

/// Whether one of the `wanted` words stands among the few words before `s`. The look
/// stops at a digit, a tag's bracket, a `,` `;` `}` `|` or a line break:
/// past those the words belong to another value. A tag stops it so that a
/// number next to a redacted one reads the same on a second scrub.
pub(crate) fn near(hay: &[u8], s: usize, wanted: &[&str]) -> bool {
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
                if wanted.iter().any(|w| part.eq_ignore_ascii_case(w.as_bytes())) {
                    return true;
                }
                if words == 0 && BLOCKING_WORDS.iter().any(|w| part.eq_ignore_ascii_case(w.as_bytes())) {
                    return false;
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
