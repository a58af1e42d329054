#!/usr/bin/env python3
"""Labelled detection corpus for logsift's quality test (tests/quality.rs).

Writes `labelled.jsonl` next to this script: one object a line,

    {"line": "<a log line>", "pii": [{"value": "...", "detector": "...",
     "locale": "..", "form": "..."}], "class": "<negative class or null>"}

A line with `pii` holds exactly those values (each an exact substring of the
line); a line with an empty `pii` list and a `class` is a negative: it holds
nothing a scrubber should change (ids, hashes, timestamps, amounts,
versions, ports, Luhn-failing numbers…).

The phone numbers follow how people in ten locales write them (North
America, the UK, France, Germany, Italy, Spain, the Netherlands, Brazil,
Japan, India): national formats with and without the trunk 0, the
international `+` and `00` forms, extensions, and bare digit runs. Bare runs
are only phones when a word or key says so, so they appear only next to
one; the other forms appear in neutral lines as often as in lines with a
phone word. Cards cover every payment network's IIN range and lengths
(scrub/detectors/card.rs), grouped and bare.

Separate from host-test/samples/gen_samples.py (the structlog sample), so
its formats are not the ones the detectors were first tuned on. Standard
library only, fixed seed, byte-identical output:

    python3 plugins/core/tests/quality/gen_corpus.py
"""

import base64
import json
import os
import random
import string

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "labelled.jsonl")
R = random.Random(20261203)


def digits(n, first="0123456789"):
    return R.choice(first) + "".join(R.choice(string.digits) for _ in range(n - 1))


def fill(fmt):
    """'#' is any digit, 'N' a digit 2-9, 'M' 1-9."""
    out = []
    for c in fmt:
        if c == "#":
            out.append(R.choice(string.digits))
        elif c == "N":
            out.append(R.choice("23456789"))
        elif c == "M":
            out.append(R.choice("123456789"))
        else:
            out.append(c)
    return "".join(out)


# (locale, form, format, bare): bare formats appear only after a phone word.
PHONE_FORMATS = [
    ("US", "dashed", "N##-N##-####", False),
    ("US", "parens", "(N##) N##-####", False),
    ("US", "parens-tight", "(N##)N##-####", False),
    ("US", "dotted", "N##.N##.####", False),
    ("US", "spaced", "N## N## ####", False),
    ("US", "1-prefix", "1-N##-N##-####", False),
    ("US", "001-prefix", "001-N##-N##-####", False),
    ("US", "e164-parens", "+1 (N##) N## ####", False),
    ("US", "e164-dashed", "+1-N##-N##-####", False),
    ("US", "ext-x", "N##.N##.####x###", False),
    ("US", "ext-parens", "(N##)N##-####x#####", False),
    ("US", "ext-word", "N##-N##-#### ext. ##", False),
    ("US", "local-ext", "N##-#### ext. ##", False),
    ("US", "bare", "N##N######", True),
    ("GB", "london", "020 #### ####", False),
    ("GB", "mobile", "07### ######", False),
    ("GB", "geo-4-3-4", "01M# ### ####", False),
    ("GB", "parens", "(01M##) ######", False),
    ("GB", "e164", "+44 20 #### ####", False),
    ("GB", "e164-trunk", "+44 (0)20 #### ####", False),
    ("GB", "e164-mobile", "+44 7### ######", False),
    ("GB", "00", "0044 20 #### ####", False),
    ("GB", "bare", "07#########", True),
    ("FR", "spaced", "0M ## ## ## ##", False),
    ("FR", "dotted", "0M.##.##.##.##", False),
    ("FR", "e164", "+33 M ## ## ## ##", False),
    ("FR", "e164-trunk", "+33 (0)M ## ## ## ##", False),
    ("FR", "00", "0033 M ## ## ## ##", False),
    ("FR", "bare", "0M########", True),
    ("DE", "berlin", "030 ########", False),
    ("DE", "mobile", "01M# #######", False),
    ("DE", "parens", "(030) ####-####", False),
    ("DE", "slash", "01M#/#######", False),
    ("DE", "e164", "+49 30 ########", False),
    ("DE", "e164-trunk", "+49 (0)1M# #######", False),
    ("DE", "munich", "089 #######", False),
    ("DE", "bare", "01M#########", True),
    ("IT", "landline", "03M# ######", False),
    ("IT", "rome", "06 ########", False),
    ("IT", "mobile", "3M# ### ####", False),
    ("IT", "e164", "+39 3M# ### ####", False),
    ("IT", "e164-rome", "+39 06 ########", False),
    ("IT", "bare", "3M########", True),
    ("ES", "3-3-3", "9M# ### ###", False),
    ("ES", "mobile", "6M# ### ###", False),
    ("ES", "3-2-2-2", "9M# ## ## ##", False),
    ("ES", "e164", "+34 6M# ### ###", False),
    ("ES", "e164-pairs", "+34 9M# ## ## ##", False),
    ("ES", "bare", "6M#######", True),
    ("NL", "amsterdam", "020-#######", False),
    ("NL", "mobile", "06-########", False),
    ("NL", "4-6", "0M## ######", False),
    ("NL", "e164", "+31 20 #######", False),
    ("NL", "e164-trunk", "+31 (0)6 ########", False),
    ("NL", "bare", "06########", True),
    ("BR", "mobile", "(M#) 9####-####", False),
    ("BR", "landline", "(M#) M###-####", False),
    ("BR", "no-parens", "M# 9####-####", False),
    ("BR", "e164", "+55 M# 9####-####", False),
    ("BR", "e164-parens", "+55 (M#) M###-####", False),
    ("BR", "bare", "M#9########", True),
    ("JP", "tokyo", "03-####-####", False),
    ("JP", "mobile", "090-####-####", False),
    ("JP", "mobile-080", "080-####-####", False),
    ("JP", "3-3-4", "045-###-####", False),
    ("JP", "e164", "+81 3-####-####", False),
    ("JP", "e164-mobile", "+81 90-####-####", False),
    ("JP", "bare", "090########", True),
    ("IN", "e164", "+91 9#### #####", False),
    ("IN", "e164-dashed", "+91-9#########", False),
    ("IN", "trunk", "09#### #####", False),
    ("IN", "5-5", "8#### #####", False),
    ("IN", "delhi", "011 ########", False),
    ("IN", "bare", "09#########", True),
]

NEUTRAL_TEXT = [
    "customer {v} updated profile",
    "profile saved for {v} at 2024-11-24T16:18:08Z",
    "dedupe: {v} already registered",
    "recipient {v} opted out",
    "lookup {v} -> 0 rows",
]
CONTEXT_TEXT = [
    "SMS sent to {v}",
    "call back on {v} requested",
    "Tel: {v}",
    "phone={v} verified=true",
    "whatsapp {v} opted in",
    "fax {v} queued",
    "Mobile {v} confirmed",
    "contact number is {v}",
]
NEUTRAL_JSON = [
    '{{"event": "profile_updated", "value": "{v}"}}',
    '{{"event": "lookup", "q": "{v}", "rows": 0}}',
    '{{"msg": "duplicate {v}", "level": "info"}}',
]
CONTEXT_JSON = [
    '{{"event": "profile_updated", "phone": "{v}"}}',
    '{{"user": {{"mobile": "{v}", "verified": true}}}}',
    '{{"contact_number": "{v}", "level": "info"}}',
    '{{"phoneNumber": "{v}"}}',
    '{{"msg": "sms delivered to {v}"}}',
]


def phone_line(value, bare):
    templates = CONTEXT_TEXT + CONTEXT_JSON if bare else NEUTRAL_TEXT + NEUTRAL_JSON + CONTEXT_TEXT + CONTEXT_JSON
    return R.choice(templates).format(v=value)


def luhn_complete(body):
    ds = [int(c) for c in body]
    for c in range(10):
        total = 0
        for i, d in enumerate(reversed(ds + [c])):
            if i % 2:
                d *= 2
                if d > 9:
                    d -= 9
            total += d
        if total % 10 == 0:
            return body + str(c)
    raise AssertionError


def luhn_ok(num):
    return luhn_complete(num[:-1]) == num


# (network, prefixes, lengths)
CARD_RANGES = [
    ("Visa", ["4"], [13, 16, 19]),
    ("Mastercard", ["51", "53", "55", "2221", "2500", "2720"], [16]),
    ("Amex", ["34", "37"], [15]),
    ("Discover", ["6011", "644", "649", "65"], [16, 19]),
    ("JCB", ["3528", "3589", "3501", "3556"], [16, 19]),
    ("JCB15", ["2131", "2100"], [15]),
    ("Diners", ["300", "305", "36", "38", "39"], [14, 16]),
    ("UnionPay", ["62"], [16, 17, 18, 19]),
    ("Maestro", ["50", "56", "58", "6759", "6304"], [12, 13, 16, 19]),
    ("RuPay", ["60", "65", "81", "82", "508"], [16]),
    ("Mir", ["2200", "2204"], [16]),
    ("UATP", ["1"], [15]),
    ("Verve", ["506099", "506198", "650002"], [16, 19]),
]
CARD_TEXT = [
    "paid with {v}",
    "charge {v} declined",
    "card={v} status=ok",
    "Card number {v} expired",
]
CARD_JSON = [
    '{{"event": "payment_failed", "card": "{v}"}}',
    '{{"payment": {{"pan": "{v}", "amount": 12.5}}}}',
    '{{"msg": "refund to {v}"}}',
]


def group(num, sizes, sep):
    out, i = [], 0
    for s in sizes:
        out.append(num[i : i + s])
        i += s
    return sep.join(out)


def card_value(num):
    n = len(num)
    style = R.random()
    if style < 0.5:
        return num, "bare"
    sep = " " if style < 0.8 else "-"
    if n == 15 and num[:2] in ("34", "37"):
        return group(num, [4, 6, 5], sep), "grouped"
    sizes = [4] * (n // 4) + ([n % 4] if n % 4 else [])
    return group(num, sizes, sep), "grouped"


def iban(country, length):
    bban = "".join(R.choice(string.digits) for _ in range(length - 4))
    numeric = "".join(str(int(c, 36)) for c in bban + country + "00")
    check = 98 - int(numeric) % 97
    return f"{country}{check:02d}{bban}"


def ssn():
    while True:
        a, g, s = R.randint(1, 899), R.randint(1, 99), R.randint(1, 9999)
        if a != 666:
            return f"{a:03d}-{g:02d}-{s:04d}"


def b64url(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def jwt():
    head = b64url(b'{"alg":"HS256","typ":"JWT"}')
    body = b64url(json.dumps({"sub": digits(6), "iat": 1732464000}).encode())
    sig = b64url(bytes(R.randrange(256) for _ in range(32)))
    return f"{head}.{body}.{sig}"


def word(n, alphabet=string.ascii_letters + string.digits):
    return "".join(R.choice(alphabet) for _ in range(n))


def others():
    """(detector, value, line) for the other detectors."""
    user = R.choice(["jose.muller", "li.wei", "a.okafor", "priya_n", "sven+test"])
    email = f"{user}{R.randint(1, 99)}@{R.choice(['example.com', 'mail.example.org', 'corp.example.co.uk'])}"
    yield "EMAIL_ADDRESS", email, f'{{"event": "signup", "email": "{email}"}}'
    yield "EMAIL_ADDRESS", email, f"password reset sent to {email}"
    s = ssn()
    yield "US_SSN", s, f"applicant ssn {s} on file"
    for country, length in [("DE", 22), ("GB", 22), ("FR", 27), ("NL", 18), ("ES", 24)]:
        if country == "GB" or country == "NL":
            bank = "".join(R.choice(string.ascii_uppercase) for _ in range(4))
            body = "".join(R.choice(string.digits) for _ in range(length - 8))
            numeric = "".join(str(int(c, 36)) for c in bank + body + country + "00")
            v = f"{country}{98 - int(numeric) % 97:02d}{bank}{body}"
        else:
            v = iban(country, length)
        yield "IBAN_CODE", v, f"refund to {v} scheduled"
        break
    t = jwt()
    yield "JWT", t, f'{{"auth": "session", "jwt": "{t}"}}'
    k = "AKIA" + word(16, string.ascii_uppercase + string.digits)
    yield "AWS_ACCESS_KEY", k, f"using credentials {k} for s3"
    g = "ghp_" + word(36)
    yield "GITHUB_TOKEN", g, f"git clone with {g} failed"
    sk = "sk_live_" + word(24)
    yield "STRIPE_KEY", sk, f"stripe client init {sk}"
    sl = "xoxb-" + digits(11) + "-" + word(24)
    yield "SLACK_TOKEN", sl, f"slack notify {sl}"
    gk = "AIza" + word(35, string.ascii_letters + string.digits + "_-")
    yield "GOOGLE_API_KEY", gk, f"maps request key {gk} ok"
    bt = word(32, string.ascii_letters + string.digits + "-._")
    yield "BEARER_TOKEN", bt, f"upstream sent Authorization header Bearer {bt} to /api"
    pw = word(12)
    yield "URL_CREDENTIALS", pw, f"connecting to postgres://app:{pw}@db.internal:5432/app"
    ip = f"203.0.113.{R.randint(1, 254)}"
    yield "IP_ADDRESS", ip, f"client {ip} connected"
    ip6 = f"2001:db8::{R.randint(1, 0xFFFF):x}:{R.randint(1, 0xFFFF):x}"
    yield "IP_ADDRESS", ip6, f"client {ip6} connected"


def negatives():
    """(class, line): nothing in these should change."""
    yield "uuid", f"request {R.randbytes(4).hex()}-{R.randbytes(2).hex()}-4{R.randbytes(2).hex()[1:]}-a{R.randbytes(2).hex()[1:]}-{R.randbytes(6).hex()} done"
    yield "hash", f"commit {R.randbytes(20).hex()} deployed, digest sha256:{R.randbytes(32).hex()}"
    yield "order-id", f"order {digits(10, '123456789')} shipped in {R.randint(1, 9)} parcels"
    yield "int64-id", f"span id {R.randint(-2**63, 2**63 - 1)} closed"
    yield "epoch-ms", f'{{"ts": {R.randint(1600000000000, 1800000000000)}, "event": "tick"}}'
    yield "epoch-s", f"sms batch finished at {R.randint(1600000000, 1800000000)}"
    yield "iso-time", f"at 2024-{R.randint(1, 12):02d}-{R.randint(1, 28):02d} {R.randint(0, 23):02d}:{R.randint(0, 59):02d}:{R.randint(0, 59):02d}.{R.randint(0, 999):03d} done"
    yield "eu-date", f"Lieferung am {R.randint(1, 28):02d}.{R.randint(1, 12):02d}.{R.randint(2000, 2030)} um {R.randint(0, 23):02d}.{R.randint(0, 59):02d} Uhr"
    yield "amount", f"total {R.randint(1000, 99999999)}.{R.randint(0, 99):02d} EUR, tax {R.randint(1, 9999)}.{R.randint(0, 99):02d}"
    yield "amount-spaced", f"montant {R.randint(1, 999)} {R.randint(0, 999):03d} {R.randint(0, 999):03d},{R.randint(0, 99):02d} EUR"
    yield "duration", f"took {R.randint(1000000, 99999999)} ns ({R.randint(1, 999)}.{R.randint(0, 999):03d} ms)"
    yield "version", f"kernel {R.randint(2, 6)}.{R.randint(0, 19)}.{R.randint(0, 300)}-{R.randint(1, 200)}-generic build {R.randint(10, 10)}.0.{R.randint(10000, 22631)}.{R.randint(1, 4000)}"
    yield "port", f"listening on *:{R.randint(1024, 65535)} and [::]:{R.randint(1024, 65535)}, upstream db-{R.randint(1, 9)}:{R.randint(1024, 65535)}"
    yield "sequence", " ".join(str(i) for i in range(1, R.randint(11, 20)))
    yield "columns", "  ".join(str(R.choice([1024, 2048, 4096, 8192, 16384, 32768, 65536])) for _ in range(5))
    body = digits(15, "3456")
    bad = body + str((int(luhn_complete(body)[-1]) + R.randint(1, 9)) % 10)
    yield "luhn-failing", f"ref {bad} pending"
    yield "luhn-failing", f'{{"invoice": "{bad[:4]} {bad[4:8]} {bad[8:12]} {bad[12:]}"}}'
    yield "counter", f"processed={R.randint(1000000, 999999999)} skipped={R.randint(0, 99)}"
    yield "hdfs-block", f"Receiving block blk_{R.choice(['-', ''])}{R.randint(10**18, 9 * 10**18)} src: /dn-{R.randint(1, 99)}.rack{R.randint(1, 9)}:50010"
    yield "phone-word-not-number", f'{{"event": "phone_verified", "attempts": {R.randint(1, 5)}, "order_id": {digits(10, "123456789")}}}'
    yield "call-id", f"call_id={digits(10, '123456789')} duration_ms={R.randint(100, 99999)}"


def main():
    rows = []
    for _ in range(60):
        for locale, form, fmt, bare in PHONE_FORMATS:
            v = fill(fmt)
            rows.append({"line": phone_line(v, bare), "pii": [{"value": v, "detector": "PHONE_NUMBER", "locale": locale, "form": form}], "class": None})
    for _ in range(40):
        for network, prefixes, lengths in CARD_RANGES:
            prefix, n = R.choice(prefixes), R.choice(lengths)
            num = luhn_complete(prefix + digits(n - len(prefix) - 1))
            v, form = card_value(num)
            line = R.choice(CARD_TEXT + CARD_JSON).format(v=v)
            rows.append({"line": line, "pii": [{"value": v, "detector": "CREDIT_CARD", "locale": network, "form": form}], "class": None})
    for _ in range(40):
        for det, v, line in others():
            rows.append({"line": line, "pii": [{"value": v, "detector": det, "locale": "-", "form": "-"}], "class": None})
    for _ in range(100):
        for cls, line in negatives():
            rows.append({"line": line, "pii": [], "class": cls})
    R.shuffle(rows)
    for r in rows:
        for p in r["pii"]:
            assert p["value"] in r["line"], r
            if p["detector"] == "CREDIT_CARD":
                assert luhn_ok(p["value"].replace(" ", "").replace("-", "")), p
    with open(OUT, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} lines to {OUT}")


if __name__ == "__main__":
    main()
