#!/usr/bin/env python3
"""Deterministic generator for logsift's sample log corpus.

Makes, next to this script:

  structlog.ndjson     1200 structlog JSON lines from a Django/Celery events &
                       ticketing SaaS (payments, LLM features, GDPR tooling)
  envoy-access.ndjson   300 Envoy JSON access-log lines
  nginx-combined.log    300 nginx "combined" access-log lines
  sshd-syslog.log       300 OpenSSH RFC 3164 syslog lines (incl. a brute-force burst)
  planted.json         ground truth: for each file, every distinct planted
                       PII/secret value (with the detector expected to find it)
                       and trap values a scrubber must leave untouched

Re-run with:

    python3 host-test/samples/gen_samples.py

Only the Python 3 standard library is used. Output is byte-identical on every
run: all randomness comes from fixed-seed random.Random instances, no wall
clock, no os.urandom / uuid4, no set/hash iteration order. The script verifies
its own output at the end (JSON parses, every planted value and trap is present,
no unlisted secret-looking strings) and exits non-zero if a check fails.

Ground-truth conventions (planted.json):
  * each "pii" value is the exact substring as it appears in the raw file text;
    JSON-escaped characters are never part of a planted value;
  * KEY_RULE: a value that is secret only because of the key it sits under
    (password / passwd / secret / api_key / cookie / set-cookie / ssn, also as
    query-string parameters token / password / api_key);
  * BEARER_TOKEN: the credential after "Bearer " (or after "Basic ");
  * URL_CREDENTIALS: the password part of scheme://user:password@host;
  * PRIVATE_KEY: one base64 body line of the PEM block;
  * IP_ADDRESS: every IP that appears anywhere in the file;
  * "traps" are complete for everything planted deliberately in messages,
    paths and nested fields; for per-line structural values (request ids,
    timestamps, traceparents) only the first few are listed.
"""

import base64
import datetime as dt
import json
import os
import random
import re
import string
import sys
import uuid

OUT_DIR = os.path.dirname(os.path.abspath(__file__))
SEED = 20241124

DETECTORS = (
    "EMAIL_ADDRESS", "CREDIT_CARD", "US_SSN", "PHONE_NUMBER", "IP_ADDRESS",
    "IBAN_CODE", "JWT", "BEARER_TOKEN", "AWS_ACCESS_KEY", "GITHUB_TOKEN",
    "STRIPE_KEY", "SLACK_TOKEN", "GOOGLE_API_KEY", "PRIVATE_KEY",
    "URL_CREDENTIALS", "KEY_RULE",
)

ALNUM = string.ascii_letters + string.digits
UPPER_ALNUM = string.ascii_uppercase + string.digits
URLSAFE = ALNUM + "-_"
HEX = "0123456789abcdef"
K8S = "bcdfghjklmnpqrstvwxz2456789"  # k8s SafeEncodeString alphabet

BASE_TIME = dt.datetime(2024, 11, 24, 16, 0, 0, tzinfo=dt.timezone.utc)
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


# --------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------

def luhn_ok(num):
    digits = [int(c) for c in num if c.isdigit()]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def card_iin(num):
    """True if the digits start with a real card-network prefix (Visa, MC, Amex, Diners, Discover, JCB)."""
    d = re.sub(r"\D", "", num)
    return bool(re.match(r"4|5[1-5]|2[2-7]|3[47]|3(?:0[0-5]|[689])|6(?:011|5|4[4-9])|35(?:2[89]|[3-8])", d))


def iban_ok(iban):
    s = iban.replace(" ", "")
    s = s[4:] + s[:4]
    n = "".join(str(int(c, 36)) for c in s)
    return int(n) % 97 == 1


def make_iban(country, bban):
    n = "".join(str(int(c, 36)) for c in bban + country + "00")
    check = 98 - int(n) % 97
    return f"{country}{check:02d}{bban}"


def rstr(rng, alphabet, n):
    return "".join(rng.choice(alphabet) for _ in range(n))


def ruuid(rng):
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def epoch_ms(t):
    return int((t - EPOCH).total_seconds() * 1000)


def dumps_structlog(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(", ", ": "))


def dumps_envoy(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


class Truth:
    """Ground truth for one output file."""

    def __init__(self):
        self.pii = {}     # value -> detector (insertion ordered)
        self.traps = {}   # value -> None
        self._caps = {}

    def p(self, detector, value):
        assert detector in DETECTORS, detector
        assert '"' not in value and "\\" not in value, value
        prev = self.pii.get(value)
        assert prev is None or prev == detector, (value, prev, detector)
        self.pii[value] = detector
        return value

    def t(self, value, cap_key=None, cap=20):
        value = str(value)
        if cap_key is not None:
            n = self._caps.get(cap_key, 0)
            if n >= cap:
                return value
            self._caps[cap_key] = n + 1
        self.traps[value] = None
        return value

    def as_json(self):
        return {
            "pii": [{"value": v, "detector": d} for v, d in self.pii.items()],
            "traps": list(self.traps),
        }


# --------------------------------------------------------------------------
# shared pools (built once from their own seeded RNG)
# --------------------------------------------------------------------------

class Pools:
    def __init__(self, rng):
        self.emails = [
            "jose.muller@example.com", "zoe.martin@gmail.com", "m.tanaka@yahoo.co.jp",
            "priya.raman@outlook.com", "liam.oconnor@acme-events.co.uk",
            "sofia.garcia+tickets@proton.me", "chen.wei@163.com", "a.kowalski@wp.pl",
            "noah.schmidt@gmx.de", "fatima.zahra@hotmail.fr", "olivia.brown@icloud.com",
            "billing@northwind-festivals.com", "jane.doe@example.org",
            "k.nguyen@fastmail.com", "lars.eriksson@telia.se", "ana.silva@uol.com.br",
            "emma.wilson@yahoo.com", "r.patel@company.co.in", "mehmet.yilmaz@gmail.com",
            "j.smith_1987@aol.com", "francois.lefevre@orange.fr", "dpo@brightstage.events",
        ]
        self.names = [
            "José Müller", "Zoë Martin", "田中 美咲", "Łukasz Kowalski", "Søren Østergaard",
            "François Lefèvre", "Ana Conceição", "Mehmet Yılmaz", "Jürgen Groß", "김민준",
            "Nguyễn Văn An", "Renée Dubois", "Björk Guðmundsdóttir", "Chloé Nuñez",
        ]
        self.ascii_names = ["Priya Raman", "Liam O'Connor", "Emma Wilson", "Noah Schmidt",
                            "Olivia Brown", "Lars Eriksson", "Jane Doe", "Kevin Nguyen"]
        self.event_titles = [
            "東京 Tech Meetup 2024", "Fête de la Musique – Lyon", "Café Müller Live 🎷",
            "Noche de Salsa 💃", "München Startup Night 🚀", "서울 개발자 컨퍼런스",
            "Øresund Jazz Festival", "Kraków Design Days", "Zürich FinTech Forum",
            "PyCon Ireland 2024", "Berlin Techno Marathon 🎧", "São Paulo Food Fest 🌮",
        ]
        self.phones = [
            "+14155552671", "(415) 555-2671", "415-555-2671", "+44 20 7946 0958",
            "+12125550143", "(212) 555-0187", "646-555-0199", "+13125550134",
            "+447700900123", "+44 7700 900456", "(312) 555-0166", "718-555-0112",
            "+14085550190", "+44 20 7946 0321", "(617) 555-0148", "+16505550177",
            "202-555-0125", "+442079460771",
        ]
        self.ssns = []
        while len(self.ssns) < 18:
            area = rng.randint(1, 899)
            if area == 666:
                continue
            s = f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"
            if s not in self.ssns:
                self.ssns.append(s)
        self.ssn_raw = []
        while len(self.ssn_raw) < 8:
            area = rng.randint(1, 899)
            if area == 666:
                continue
            s = f"{area:03d}{rng.randint(1, 99):02d}{rng.randint(1, 9999):04d}"
            if s not in self.ssn_raw and all(s != x.replace("-", "") for x in self.ssns):
                self.ssn_raw.append(s)
        self.cards = [
            "4111111111111111", "4012888888881881", "5555555555554444", "2223003122003222",
            "378282246310005", "6011111111111117", "3530111333300000", "36227206271667",
            "4242424242424242", "5105105105105100", "371449635398431", "6011000990139424",
            "3566002020360505", "4111 1111 1111 1111", "4111-1111-1111-1111",
            "5555 5555 5555 4444", "3782 822463 10005", "6011-1111-1111-1117",
            "4012 8888 8888 1881", "2223 0031 2200 3222",
        ]
        for c in self.cards:
            assert luhn_ok(c), c
        ibans = ["GB82WEST12345698765432", "DE89370400440532013000"]
        specs = [("FR", 23, ""), ("NL", 10, "ABNA"), ("ES", 20, ""), ("IT", 22, "X"),
                 ("BE", 12, ""), ("IE", 14, "AIBK"), ("AT", 16, ""), ("PL", 24, ""),
                 ("DE", 18, ""), ("GB", 14, "NWBK")]
        for country, ndig, prefix in specs:
            ibans.append(make_iban(country, prefix + rstr(rng, string.digits, ndig)))
        ibans.append("GB82 WEST 1234 5698 7654 32")
        ibans.append("DE89 3704 0044 0532 0130 00")
        for i in ibans:
            assert iban_ok(i), i
        self.ibans = ibans
        self.jwts = []
        for i in range(16):
            alg = rng.choice(["HS256", "RS256", "ES256"])
            hdr = {"alg": alg, "typ": "JWT"}
            if alg != "HS256":
                hdr["kid"] = rstr(rng, HEX, 8)
            iat = 1732464000 + rng.randint(-86400, 7200)
            pl = {"sub": str(rng.randint(1000, 99999)), "org": rng.randint(10, 900),
                  "iat": iat, "exp": iat + 3600,
                  "scope": rng.choice(["tickets:read", "orders:write", "admin", "checkout"])}
            sig = bytes(rng.getrandbits(8) for _ in range(64 if alg == "ES256" else 32))
            self.jwts.append(".".join([b64url(json.dumps(hdr, separators=(",", ":")).encode()),
                                       b64url(json.dumps(pl, separators=(",", ":")).encode()),
                                       b64url(sig)]))
        self.bearers = [rstr(rng, URLSAFE, rng.choice([32, 40, 43])) for _ in range(14)]
        basics = ["user:password", "svc-crm:" + rstr(rng, ALNUM, 18),
                  "zapier:" + rstr(rng, ALNUM, 20), "admin:" + rstr(rng, ALNUM, 14),
                  "metrics:" + rstr(rng, ALNUM, 16)]
        self.basics = [base64.b64encode(b.encode()).decode() for b in basics]
        assert self.basics[0] == "dXNlcjpwYXNzd29yZA=="
        self.aws = [("AKIA" + rstr(rng, UPPER_ALNUM, 16)) for _ in range(14)]
        self.aws_secret = [rstr(rng, ALNUM + "+/", 40) for _ in range(6)]
        self.github = ["ghp_" + rstr(rng, ALNUM, 36) for _ in range(12)]
        self.stripe = ["sk_live_" + rstr(rng, ALNUM, 24) for _ in range(12)]
        self.slack = [f"{rng.choice(['xoxb', 'xoxb', 'xoxp'])}-{rng.randint(10**10, 10**12)}-"
                      f"{rng.randint(10**11, 10**13)}-{rstr(rng, ALNUM, 24)}" for _ in range(10)]
        self.google = ["AIza" + rstr(rng, URLSAFE, 35) for _ in range(12)]
        self.pems = [self._pem(rng, kind) for kind in
                     ("EC", "RSA", "EC", "PKCS8", "RSA", "EC")]
        self.url_pw = ["s3cr3t"] + [rstr(rng, ALNUM, rng.randint(12, 24)) for _ in range(11)]
        self.passwords = [
            "hunter2", "Summer2024!", "Tr0ub4dor&3", "correct-horse-battery-staple",
            "P@ssw0rd123", "Qwerty!2345", "letmein-2024", "Fest1val#Pass", "Kr4k0w!2024",
            "muller1984", "zoe<3music", "changeme-now",
        ]
        self.qs_secrets = [rstr(rng, URLSAFE, rng.choice([24, 32, 40])) for _ in range(14)]
        self.api_keys = ["ak_" + rstr(rng, ALNUM, 32) for _ in range(8)]
        self.hex_secrets = [rstr(rng, HEX, 64) for _ in range(4)]
        self.cookies = [f"sessionid={rstr(rng, string.ascii_lowercase + string.digits, 32)}; "
                        f"csrftoken={rstr(rng, ALNUM, 32)}" for _ in range(6)]
        self.set_cookies = [f"sessionid={rstr(rng, string.ascii_lowercase + string.digits, 32)}; "
                            f"expires=Sun, 08 Dec 2024 16:00:00 GMT; HttpOnly; Max-Age=1209600; "
                            f"Path=/; SameSite=Lax; Secure" for _ in range(4)]
        # client IPs (documentation ranges + a few realistic-looking ones)
        self.client_ips = [
            "203.0.113.7", "203.0.113.45", "198.51.100.23", "198.51.100.142", "192.0.2.10",
            "192.0.2.219", "81.2.69.142", "89.160.20.112", "175.16.199.4", "216.160.83.56",
            "67.43.156.9", "2.125.160.216", "149.101.100.3", "2001:db8::8a2e:370:7334",
            "2001:db8:85a3::8a2e:370:7334", "2a02:cf40:add:4::1f",
        ]
        self.internal_ips = ["10.0.2.15", "10.0.3.17", "10.0.4.21", "10.12.0.8",
                             "172.20.1.33", "10.0.5.101", "fe80::1"]

    @staticmethod
    def _pem(rng, kind):
        if kind == "EC":
            der = (bytes.fromhex("30770201010420") + bytes(rng.getrandbits(8) for _ in range(32))
                   + bytes.fromhex("a00a06082a8648ce3d030107a14403420004")
                   + bytes(rng.getrandbits(8) for _ in range(64)))
            label = "EC PRIVATE KEY"
        elif kind == "PKCS8":
            der = (bytes.fromhex("308187020100301306072a8648ce3d020106082a8648ce3d030107046d306b0201010420")
                   + bytes(rng.getrandbits(8) for _ in range(32))
                   + bytes.fromhex("a14403420004") + bytes(rng.getrandbits(8) for _ in range(64)))
            label = "PRIVATE KEY"
        else:
            der = (bytes.fromhex("308204a40201000282010100")
                   + bytes(rng.getrandbits(8) for _ in range(1180)))
            label = "RSA PRIVATE KEY"
        body = base64.b64encode(der).decode()
        lines = [body[i:i + 64] for i in range(0, len(body), 64)]
        text = f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----"
        return text, lines[1]


# --------------------------------------------------------------------------
# structlog.ndjson
# --------------------------------------------------------------------------

WEB_ROUTES = [
    # method, path template, endpoint, weight
    ("GET", "/api/events/{id}/tickets", "events.views.EventTicketListView", 10),
    ("GET", "/api/events/{id}", "events.views.EventDetailView", 8),
    ("GET", "/api/events/{id}/attendees?page={page}&page_size=50", "events.views.AttendeeListView", 4),
    ("POST", "/api/events/{id}/checkout", "orders.views.CheckoutView", 6),
    ("GET", "/api/orders/{uuid}", "orders.views.OrderDetailView", 6),
    ("POST", "/api/orders/{uuid}/refund", "orders.views.RefundView", 3),
    ("GET", "/api/organizations/{org}/members", "orgs.views.MemberListView", 3),
    ("PATCH", "/api/organizations/{org}/payout-settings", "payouts.views.PayoutSettingsView", 1),
    ("GET", "/api/tickets/{uuid}/qr", "tickets.views.TicketQRCodeView", 5),
    ("POST", "/api/tickets/{uuid}/transfer", "tickets.views.TicketTransferView", 2),
    ("POST", "/api/llm/event-description", "ai.views.EventDescriptionView", 2),
    ("POST", "/api/support/tickets/{id}/draft-reply", "ai.views.SupportDraftReplyView", 2),
    ("POST", "/api/gdpr/erasure-requests", "gdpr.views.ErasureRequestView", 1),
    ("GET", "/api/gdpr/exports/{uuid}/download", "gdpr.views.ExportDownloadView", 1),
    ("POST", "/webhooks/stripe", "payments.webhooks.stripe_webhook", 3),
    ("GET", "/api/me", "accounts.views.MeView", 5),
    ("GET", "/healthz", "core.views.healthz", 3),
]

TASKS = [
    ("tickets.tasks.send_ticket_email", "emails"),
    ("tickets.tasks.render_ticket_pdf", "default"),
    ("orders.tasks.capture_payment", "payments"),
    ("orders.tasks.process_refund", "payments"),
    ("payouts.tasks.run_weekly_payouts", "payments"),
    ("ai.tasks.generate_event_description", "llm"),
    ("ai.tasks.summarize_support_thread", "llm"),
    ("gdpr.tasks.erase_subject_data", "gdpr"),
    ("gdpr.tasks.build_subject_export", "gdpr"),
    ("integrations.tasks.sync_hubspot_contacts", "default"),
    ("notifications.tasks.send_sms_reminder", "notifications"),
    ("notifications.tasks.post_slack_alert", "notifications"),
]

LLM_MODELS = ["gpt-4o-mini", "gpt-4o-2024-08-06", "claude-3-5-sonnet-20241022",
              "claude-3-5-haiku-20241022", "text-embedding-3-small"]
LLM_FEATURES = ["event_description_generator", "support_reply_draft",
                "attendee_faq_bot", "ticket_search_embeddings", "refund_policy_summarizer"]

PODS_WEB_RS = "7d9f8b6c5"
PODS_WORKER_RS = "5c8d7f9b4"


class StructlogGen:
    def __init__(self, rng, pools, truth):
        self.rng = rng
        self.P = pools
        self.T = truth
        self.t = BASE_TIME
        self.web_pods = ["api-7d9f8b6c5-x2x9z"] + [
            f"api-{PODS_WEB_RS}-{rstr(rng, K8S, 5)}" for _ in range(3)]
        self.worker_pods = [f"worker-{PODS_WORKER_RS}-{rstr(rng, K8S, 5)}" for _ in range(3)]
        self.git_sha = rstr(rng, HEX, 40)
        self.users = [rng.randint(1000, 98000) for _ in range(60)]
        self.orgs = [rng.randint(10, 900) for _ in range(12)]
        self.planted_lines = 0
        self.order_numbers = []
        while len(self.order_numbers) < 14:
            n = rng.choice("4455632") + rstr(rng, string.digits, 15)
            if luhn_ok(n):
                n = n[:-1] + str((int(n[-1]) + 1) % 10)
            assert not luhn_ok(n)
            self.order_numbers.append(n)

    # -- value pickers that register ground truth --------------------------
    def pick(self, detector, pool):
        return self.T.p(detector, self.rng.choice(pool))

    def email(self):
        return self.pick("EMAIL_ADDRESS", self.P.emails)

    def card(self):
        return self.pick("CREDIT_CARD", self.P.cards)

    def phone(self):
        return self.pick("PHONE_NUMBER", self.P.phones)

    def ssn(self):
        return self.pick("US_SSN", self.P.ssns)

    def iban(self):
        return self.pick("IBAN_CODE", self.P.ibans)

    def jwt(self):
        return self.pick("JWT", self.P.jwts)

    def client_ip(self):
        return self.pick("IP_ADDRESS", self.P.client_ips)

    def internal_ip(self):
        return self.pick("IP_ADDRESS", self.P.internal_ips[:6])

    def bearer(self):
        return "Bearer " + self.pick("BEARER_TOKEN", self.P.bearers)

    def basic(self):
        return "Basic " + self.pick("BEARER_TOKEN", self.P.basics)

    def key_value(self, pool):
        return self.T.p("KEY_RULE", self.rng.choice(pool))

    def dsn(self, kind=None):
        pw = self.T.p("URL_CREDENTIALS", self.rng.choice(self.P.url_pw))
        forms = {
            "db": [f"postgres://app:{pw}@db:5432/app",
                   f"postgresql://tixora_ro:{pw}@db-replica:5432/tixora"],
            "broker": [f"redis://:{pw}@redis:6379/0", f"amqp://celery:{pw}@rabbitmq:5672//"],
        }
        return self.rng.choice(forms[kind] if kind else forms["db"] + forms["broker"])

    def pem(self):
        text, line = self.rng.choice(self.P.pems)
        self.T.p("PRIVATE_KEY", line)
        return text

    # -- trap pickers --------------------------------------------------------
    def tr_uuid(self):
        return self.T.t(ruuid(self.rng))

    def tr_order_no(self):
        return self.T.t(self.rng.choice(self.order_numbers))

    def tr_amount(self):
        a = round(self.rng.uniform(4, 2500), 2)
        if self.rng.random() < 0.1:
            a = 1234.56
        return a

    def tr_duration_str(self):
        if self.rng.random() < 0.5:
            return self.T.t(f"{self.rng.randint(120, 9000)}ms")
        return self.T.t(f"{self.rng.choice([0.25, 0.5, 1.5, 2, 4.75, 12.3])}s")

    def tr_epoch(self):
        return int(self.T.t(epoch_ms(self.t) + self.rng.randint(-3_600_000, 7_200_000)))

    def tr_sha256(self):
        return self.T.t(rstr(self.rng, HEX, 64))

    def tr_sha1(self):
        return self.T.t(rstr(self.rng, HEX, 40))

    def nonascii(self):
        r = self.rng.random()
        if r < 0.55:
            return self.rng.choice(self.P.names)
        return self.rng.choice(self.P.event_titles)

    # -- record scaffolding -------------------------------------------------
    def level(self, base):
        r = self.rng.random()
        if base == "info" and r < 0.015:
            return "INFO"
        if base == "warning" and r < 0.14:
            return self.rng.choice(["WARN", "Warning", "WARNING", 30])
        if base == "error" and r < 0.14:
            return self.rng.choice(["ERROR", "Error", 40])
        return base

    def tick(self):
        self.t += dt.timedelta(milliseconds=self.rng.randint(200, 11000))

    def finish(self, rec, level, logger, idx):
        rec["timestamp"] = self.T.t(iso(self.t), "ts", 25)
        rec["level"] = self.level(level)
        rec["logger"] = logger
        return rec

    def path_for(self, tmpl):
        rng = self.rng
        return (tmpl.replace("{id}", str(rng.randint(100, 48000)))
                .replace("{uuid}", self.tr_uuid())
                .replace("{org}", str(rng.choice(self.orgs)))
                .replace("{page}", str(rng.randint(1, 40))))

    def web_ctx(self, event, route=None, user=True):
        rng = self.rng
        if route is None:
            route = rng.choices(WEB_ROUTES, weights=[r[3] for r in WEB_ROUTES])[0]
        method, tmpl, endpoint, _ = route
        rec = {"event": event,
               "request_id": self.T.t(ruuid(rng), "rid", 20),
               "user_id": rng.choice(self.users) if user and rng.random() < 0.85 else None,
               "ip_address": self.client_ip(),
               "method": method,
               "path": self.path_for(tmpl),
               "endpoint": endpoint,
               "organization_id": rng.choice(self.orgs)}
        if rng.random() < 0.4:
            trace = rstr(rng, HEX, 32)
            span = rstr(rng, HEX, 16)
            self.T.t(trace, "trace", 15)
            self.T.t(span, "span", 15)
            rec["traceparent"] = f"00-{trace}-{span}-{rng.choice(['01', '01', '01', '00'])}"
        return rec

    def task_ctx(self, event, task=None):
        rng = self.rng
        name, queue = task or rng.choice(TASKS)
        rec = {"event": event,
               "task_id": self.T.t(ruuid(rng), "tid", 15),
               "task_name": name,
               "queue": queue,
               "organization_id": rng.choice(self.orgs)}
        if rng.random() < 0.5:
            rec["request_id"] = ruuid(rng)
        return rec

    def status_dur(self, rec, status, lo=8, hi=450):
        rec["status_code"] = status
        rec["duration_ms"] = round(self.rng.uniform(lo, hi), 2)

    def maybe_pod(self, rec, worker=False):
        if self.rng.random() < 0.3:
            pods = self.worker_pods if worker else self.web_pods
            rec["pod"] = self.T.t(self.rng.choice(pods))
        if self.rng.random() < 0.08:
            rec["release"] = self.T.t(self.rng.choice(["v2.31.0", "v2.31.1", "1.4.2"]))

    # -- web events ------------------------------------------------------------
    def ev_request_finished(self):
        rng = self.rng
        rec = self.web_ctx("request_finished")
        route_leak = rng.random()
        if route_leak < 0.02:
            rec["method"] = "GET"
            rec["endpoint"] = "accounts.views.VerifyEmailView"
            rec["path"] = (f"/api/auth/verify-email?token={self.key_value(self.P.qs_secrets)}"
                           f"&email={self.email()}")
        elif route_leak < 0.035:
            rec["method"] = "GET"
            rec["endpoint"] = "gdpr.views.ExportDownloadView"
            rec["path"] = (f"/api/gdpr/exports/{self.tr_uuid()}/download"
                           f"?api_key={self.key_value(self.P.api_keys)}")
        elif route_leak < 0.045:
            rec["method"] = "GET"
            rec["endpoint"] = "integrations.views.ZapierHookView"
            rec["path"] = f"/api/integrations/zapier/poll?access_token={self.jwt()}"
        elif route_leak < 0.052:
            rec["method"] = "POST"
            rec["endpoint"] = "accounts.views.LegacyLoginView"
            rec["path"] = (f"/api/v1/login?username={self.email()}"
                           f"&password={self.key_value(self.P.qs_secrets)}")
        elif route_leak < 0.06:
            rec["method"] = "GET"
            rec["endpoint"] = "events.views.CalendarFeedView"
            rec["path"] = f"/api/calendar/{rng.choice(self.orgs)}/feed.ics?token={self.key_value(self.P.qs_secrets)}"
        status = rng.choices([200, 201, 204, 301, 304, 400, 401, 403, 404, 409, 429, 500, 502],
                             weights=[70, 6, 3, 1, 3, 3, 2, 2, 4, 1, 1, 1, 1])[0]
        if rec["method"] == "POST" and status == 200 and rng.random() < 0.5:
            status = 201
        self.status_dur(rec, status)
        rec["response_size"] = rng.randint(120, 48000)
        rec["user_agent"] = rng.choice(USER_AGENTS)
        if rng.random() < 0.06:
            rec["x_forwarded_for"] = f"{self.client_ip()}, {self.internal_ip()}"
        self.maybe_pod(rec)
        level = "warning" if status >= 400 and status < 500 and rng.random() < 0.5 else "info"
        if status >= 500:
            level = "error"
        return rec, level, "django_structlog.middlewares.request"

    def ev_request_started(self):
        rng = self.rng
        rec = self.web_ctx("request_started")
        rec["user_agent"] = rng.choice(USER_AGENTS)
        if rng.random() < 0.08:
            rec["headers"] = {"authorization": rng.choice([self.bearer, self.bearer, self.basic])(),
                              "content-type": "application/json",
                              "x-client-version": self.T.t(rng.choice(["1.4.2", "2.8.11", "v2.31.0"]))}
            if rng.random() < 0.5:
                rec["headers"]["cookie"] = self.key_value(self.P.cookies)
        return rec, "debug", "django_structlog.middlewares.request"

    def ev_payment_failed(self):
        rng = self.rng
        rec = self.web_ctx("payment_failed", route=WEB_ROUTES[3])
        amount = self.tr_amount()
        self.T.t(f"{amount}")
        currency = rng.choice(["EUR", "USD", "GBP", "JPY", "PLN"])
        decline = rng.choice(["card_declined", "insufficient_funds", "expired_card",
                              "incorrect_cvc", "processing_error", "do_not_honor"])
        rec.update({"amount": amount, "currency": currency,
                    "card_brand": rng.choice(["visa", "mastercard", "amex", "discover", "jcb"]),
                    "card_last4": rng.choice(["4242", "1111", "4444", "0005", "1117", "1881"]),
                    "decline_code": decline,
                    "order_number": self.tr_order_no(),
                    "psp": "stripe",
                    "payment_intent": "pi_" + rstr(rng, ALNUM, 24)})
        r = rng.random()
        if r < 0.2:
            rec["message"] = f"Charge for card {self.card()} declined by issuer: {decline}"
        elif r < 0.33:
            rec["payment_method"] = {"type": "card", "card_number": self.card(),
                                     "exp_month": rng.randint(1, 12), "exp_year": rng.randint(2025, 2030),
                                     "holder": rng.choice(self.P.names + self.P.ascii_names)}
        elif r < 0.38:
            rec["message"] = (f"SEPA debit from {self.iban()} failed for order "
                              f"{rec['order_number']}: {decline}")
        else:
            rec["message"] = (f"Payment of {amount} {currency} for order {rec['order_number']} failed "
                              f"({decline}), gateway answered {self.T.t('HTTP ' + str(rng.choice([402, 502, 504])))} "
                              f"in {self.tr_duration_str()}")
        self.status_dur(rec, 402, 200, 3500)
        self.maybe_pod(rec)
        return rec, "error", "orders.payments"

    def ev_login_failed(self):
        rng = self.rng
        rec = self.web_ctx("login_failed", route=("POST", "/api/auth/login", "accounts.views.LoginView", 0),
                           user=False)
        rec["user_id"] = None
        if rng.random() < 0.45:
            rec["username"] = self.email()
        else:
            rec["username"] = rng.choice(["admin", "jmuller", "test", "zoe_m", "organizer01", "root"])
        rec["reason"] = rng.choice(["invalid_password", "invalid_password", "unknown_user",
                                    "account_locked", "mfa_failed"])
        rec["attempt"] = rng.randint(1, 8)
        if rng.random() < 0.15:
            rec["message"] = (f"Too many failed logins from {rec['ip_address']}; "
                              f"locking account for {self.tr_duration_str()}")
        self.status_dur(rec, 401, 40, 600)
        return rec, "warning", "accounts.auth"

    def ev_login_succeeded(self):
        rng = self.rng
        rec = self.web_ctx("login_succeeded", route=("POST", "/api/auth/login", "accounts.views.LoginView", 0))
        rec["mfa"] = rng.choice([True, False])
        rec["session_expires_at_ms"] = self.tr_epoch()
        if rng.random() < 0.08:
            rec["set-cookie"] = self.key_value(self.P.set_cookies)
        self.status_dur(rec, 200, 60, 400)
        return rec, "info", "accounts.auth"

    def llm_fields(self, rec, spike=False):
        rng = self.rng
        model = rng.choice(LLM_MODELS[:4])
        if spike:
            prompt = rng.randint(48000, 120000)
            completion = rng.randint(2500, 8000)
        else:
            prompt = rng.randint(150, 6000)
            completion = rng.randint(20, 1500)
        rec.update({"model": model, "provider": "openai" if model.startswith("gpt") else "anthropic",
                    "feature": rng.choice(LLM_FEATURES[:3] + LLM_FEATURES[4:]),
                    "prompt_tokens": prompt, "completion_tokens": completion,
                    "total_tokens": prompt + completion,
                    "cost_usd": round((prompt * 0.15 + completion * 0.6) / 1e6 * rng.choice([1, 16]), 6),
                    "latency": self.tr_duration_str()})
        r = rng.random()
        if r < 0.07:
            rec["prompt_preview"] = (f"Draft a polite reply to {rng.choice(self.P.names)} "
                                     f"({self.email()}) who asks about a refund for order "
                                     f"{self.tr_order_no()}...")
        elif r < 0.1:
            rec["prompt_preview"] = (f"Customer wrote: 'call me back on {self.phone()} "
                                     f"about my tickets for {rng.choice(self.P.event_titles)}'...")
        elif r < 0.12:
            rec["prompt_preview"] = (f"Summarize this support thread: 'I already sent my SSN {self.ssn()} "
                                     f"for the payout form, why is my account still on hold?'...")
        elif r < 0.3:
            rec["prompt_preview"] = (f"Write a 120-word description for the event "
                                     f"'{rng.choice(self.P.event_titles)}'...")
        if spike:
            rec["message"] = (f"token spike: {prompt + completion} tokens in one call, "
                              f"thread has {rng.randint(80, 400)} messages")

    def ev_llm_request(self):
        rng = self.rng
        route = rng.choice([WEB_ROUTES[10], WEB_ROUTES[11]])
        rec = self.web_ctx("llm_request", route=route)
        self.llm_fields(rec, spike=rng.random() < 0.05)
        self.status_dur(rec, 200, 600, 14000)
        return rec, "info", "ai.llm"

    def db_error_fields(self, rec):
        rng = self.rng
        if rng.random() < 0.5:
            rec["exc_type"] = "OperationalError"
            r = rng.random()
            if r < 0.4:
                ip = self.internal_ip()
                rec["message"] = (f'connection to server at "db" ({ip}), {self.T.t("port 5432")} '
                                  f"failed: Connection refused\n\tIs the server running on that host "
                                  f"and accepting TCP/IP connections?")
            elif r < 0.6:
                rec["message"] = "canceling statement due to statement timeout"
                rec["statement_timeout"] = self.T.t("30000ms")
            elif r < 0.75:
                rec["message"] = "could not obtain lock on row in relation \"orders_order\""
            else:
                rec["message"] = "server closed the connection unexpectedly"
                rec["db_url"] = self.dsn("db")
            rec["sql"] = rng.choice([
                'SELECT "events_event"."id", "events_event"."title" FROM "events_event" '
                'WHERE "events_event"."organization_id" = %s LIMIT 21',
                'UPDATE "tickets_ticket" SET "status" = %s WHERE "tickets_ticket"."id" = %s',
                'SELECT COUNT(*) AS "__count" FROM "orders_order" WHERE "orders_order"."event_id" = %s',
            ])
        else:
            rec["exc_type"] = "IntegrityError"
            if rng.random() < 0.35:
                em = self.email()
                rec["message"] = ('duplicate key value violates unique constraint '
                                  f'"accounts_user_email_key"\nDETAIL:  Key (email)=({em}) already exists.')
                rec["sql"] = ('INSERT INTO "accounts_user" ("email", "password", "date_joined") '
                              'VALUES (%s, %s, %s) RETURNING "accounts_user"."id"')
            else:
                on = self.tr_order_no()
                rec["message"] = ('duplicate key value violates unique constraint '
                                  f'"orders_order_number_key"\nDETAIL:  Key (order_number)=({on}) already exists.')
                rec["sql"] = ('INSERT INTO "orders_order" ("order_number", "event_id", "total") '
                              f"VALUES ('{on}', {rng.randint(100, 48000)}, {self.tr_amount()})")
        if rng.random() < 0.06:
            em = self.email()
            rec["sql"] = ('SELECT "accounts_user"."id" FROM "accounts_user" '
                          f"WHERE \"accounts_user\".\"email\" = '{em}' LIMIT 1")
        rec["db_alias"] = rng.choice(["default", "default", "replica"])

    def ev_db_error(self):
        rec = self.web_ctx("db_error")
        self.db_error_fields(rec)
        self.status_dur(rec, 500, 30, 30500)
        self.maybe_pod(rec)
        return rec, "error", "django.db.backends"

    def traceback(self):
        rng = self.rng
        frames = [
            ('/usr/local/lib/python3.12/site-packages/django/core/handlers/exception.py', 55, 'inner',
             'response = get_response(request)'),
            ('/usr/local/lib/python3.12/site-packages/django/core/handlers/base.py', 197, '_get_response',
             'response = wrapped_callback(request, *callback_args, **callback_kwargs)'),
            ('/usr/local/lib/python3.12/site-packages/rest_framework/views.py', 506, 'dispatch',
             'response = handler(request, *args, **kwargs)'),
        ]
        app = rng.choice([
            ('/app/tickets/views.py', 212, 'post', 'recipient = User.objects.get(email=payload["recipient_email"])',
             lambda: f"accounts.models.User.DoesNotExist: User matching query does not exist: email={self.email()}"),
            ('/app/orders/services/refunds.py', 88, 'refund_order', 'intent = stripe.Refund.create(payment_intent=order.payment_intent)',
             lambda: f"stripe.error.AuthenticationError: Invalid API Key provided: {self.pick('STRIPE_KEY', self.P.stripe)}"),
            ('/app/payouts/validators.py', 41, 'validate_iban', 'raise ValueError(f"unsupported bank: {iban}")',
             lambda: f"ValueError: unsupported bank for payout account {self.iban()}"),
            ('/app/ai/clients.py', 133, 'complete', 'resp.raise_for_status()',
             lambda: f"httpx.HTTPStatusError: Server error '529 Overloaded' for url 'https://api.anthropic.com/v1/messages' after {self.tr_duration_str()}"),
            ('/app/events/serializers.py', 67, 'validate_capacity', 'raise ValidationError("capacity exceeded")',
             lambda: f"rest_framework.exceptions.ValidationError: capacity exceeded for event {rng.randint(100, 48000)} ({rng.choice(self.P.event_titles)})"),
            ('/app/integrations/hubspot.py', 59, 'push_contact', 'r = session.post(url, json=contact, headers=headers)',
             lambda: f"KeyError: 'hs_object_id' (contact {self.email()}, phone {self.phone()})"),
            ('/app/core/storage.py', 102, 'upload', 's3.put_object(Bucket=bucket, Key=key, Body=body)',
             lambda: f"botocore.exceptions.ClientError: An error occurred (SignatureDoesNotMatch) when calling the PutObject operation: access key {self.pick('AWS_ACCESS_KEY', self.P.aws)}"),
            ('/app/accounts/kyc.py', 77, 'verify_organizer', 'raise KYCMismatch(ssn, record)',
             lambda: f"accounts.kyc.KYCMismatch: SSN {self.ssn()} does not match records for organizer {rng.choice(self.users)}"),
            ('/app/tickets/qr.py', 31, 'render', 'img = qrcode.make(payload)',
             lambda: "TypeError: expected str, bytes or os.PathLike object, not NoneType"),
            ('/app/orgs/middleware.py', 24, '__call__', 'request.organization = request.user.organization',
             lambda: "AttributeError: 'AnonymousUser' object has no attribute 'organization'"),
            ('/app/events/pricing.py', 58, 'per_ticket_fee', 'return total_fee / ticket_count',
             lambda: "ZeroDivisionError: division by zero"),
            ('/app/core/locks.py', 19, 'acquire', 'return self.client.set(key, token, nx=True, px=ttl)',
             lambda: f"redis.exceptions.ConnectionError: Error 111 connecting to redis:6379. Connection refused."),
            ('/app/events/views.py', 141, 'get_queryset', 'return Event.objects.get(pk=self.kwargs["pk"])',
             lambda: f"events.models.Event.DoesNotExist: Event matching query does not exist."),
            ('/app/ai/views.py', 77, 'post', 'draft = client.complete(prompt, max_tokens=1024)',
             lambda: f"ai.clients.TokenBudgetExceeded: organization budget exhausted ({rng.randint(2, 9)}000000 tokens this month)"),
            ('/app/core/jwt.py', 54, 'decode', 'claims = jwt.decode(token, key, algorithms=["RS256"])',
             lambda: f"jwt.exceptions.ExpiredSignatureError: Signature has expired for token {self.jwt()}"),
        ])
        path, line, fn, code, exc = app
        lines = ["Traceback (most recent call last):"]
        for f in frames[:rng.randint(2, 3)] + [(path, line, fn, code)]:
            lines.append(f'  File "{f[0]}", line {f[1]}, in {f[2]}')
            lines.append(f"    {f[3]}")
        lines.append(exc())
        return "\n".join(lines), lines[-1].split(":")[0]

    def ev_unhandled_exception(self):
        rec = self.web_ctx("unhandled_exception")
        tb, exc_type = self.traceback()
        rec["exc_type"] = exc_type
        rec["exc_info"] = tb
        rec["git_sha"] = self.T.t(self.git_sha)
        self.status_dur(rec, 500, 20, 2500)
        self.maybe_pod(rec)
        return rec, "error", "django.request"

    def gdpr_fields(self, rec):
        rng = self.rng
        rec["erasure_request_id"] = self.tr_uuid()
        rec["subject_id"] = rng.choice(self.users)
        rec["reason"] = rng.choice([
            "foreign key constraint on orders_order.buyer_id",
            "S3 object deletion timed out",
            "Stripe customer deletion returned HTTP 429",
            "mailchimp audience member not found",
            "legal hold active on 3 invoices",
        ])
        rec["tables_pending"] = rng.sample(["orders_order", "tickets_ticket", "accounts_profile",
                                            "support_message", "ai_conversation"], k=rng.randint(1, 3))
        rec["deadline_at"] = self.T.t(iso(self.t + dt.timedelta(days=rng.randint(3, 29))))
        r = rng.random()
        if r < 0.3:
            rec["subject_email"] = self.email()
        elif r < 0.42:
            rec["message"] = (f"Erasure for {rng.choice(self.P.names)} incomplete; "
                              f"retrying in {self.tr_duration_str()}")

    def ev_gdpr_web(self):
        rec = self.web_ctx("gdpr_deletion_failed", route=WEB_ROUTES[12])
        self.gdpr_fields(rec)
        self.status_dur(rec, 500, 100, 5000)
        return rec, "error", "gdpr.erasure"

    def ev_profile_updated(self):
        rng = self.rng
        rec = self.web_ctx("request_body_logged", route=("PATCH", "/api/me", "accounts.views.MeView", 0))
        user = {"email": self.email(), "display_name": rng.choice(self.P.names + self.P.ascii_names)}
        r = rng.random()
        if r < 0.5:
            user["password"] = self.key_value(self.P.passwords)
            user["password_confirm"] = user["password"]
        elif r < 0.75:
            user["phone"] = self.phone()
        else:
            user["ssn"] = self.key_value(self.P.ssn_raw)
            user["date_of_birth"] = f"19{rng.randint(55, 99)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"
        rec["payload"] = {"user": user, "locale": rng.choice(["de-DE", "fr-FR", "ja-JP", "en-GB", "pt-BR"])}
        self.status_dur(rec, rng.choice([200, 200, 400]))
        return rec, "debug", "accounts.views"

    def ev_checkout_body(self):
        rng = self.rng
        rec = self.web_ctx("request_body_logged", route=WEB_ROUTES[3])
        body = {"ticket_type_id": rng.randint(1, 900), "quantity": rng.randint(1, 6),
                "buyer_email": self.email()}
        if rng.random() < 0.7:
            body["card_number"] = self.card()
            body["exp"] = f"{rng.randint(1, 12):02d}/{rng.randint(25, 30)}"
        else:
            body["iban"] = self.iban()
        rec["request"] = {"body": body, "content_type": "application/json"}
        self.status_dur(rec, rng.choice([201, 201, 402]))
        return rec, "debug", "orders.views"

    def ev_outbound_http(self):
        rng = self.rng
        rec = self.web_ctx("outbound_http_request")
        r = rng.random()
        if r < 0.3:
            rec["url"] = ("https://maps.googleapis.com/maps/api/geocode/json?address=Karlsplatz+1+M%C3%BCnchen"
                          f"&key={self.pick('GOOGLE_API_KEY', self.P.google)}")
            rec["headers"] = {"user-agent": f"tixora/{self.T.t('2.8.11')}"}
        elif r < 0.6:
            rec["url"] = f"https://api.hubapi.com/crm/v3/objects/contacts/{rng.randint(10**9, 10**10)}"
            rec["headers"] = {"authorization": self.bearer(), "content-type": "application/json"}
        elif r < 0.75:
            rec["url"] = (f"https://partner-api.example.net/v2/attendees?api_key={self.key_value(self.P.api_keys)}"
                          f"&event={rng.randint(100, 48000)}")
            rec["headers"] = {"accept": "application/json"}
        elif r < 0.87:
            rec["url"] = "https://hooks.zapier.com/hooks/catch/1234567/abcdef/"
            rec["headers"] = {"authorization": self.basic(), "cookie": self.key_value(self.P.cookies)}
        else:
            rec["url"] = "https://api.stripe.com/v1/refunds"
            rec["headers"] = {"authorization": self.bearer(),
                              "idempotency-key": self.tr_uuid(),
                              "stripe-version": self.T.t("2024-06-20")}
        rec["http_status"] = rng.choice([200, 200, 200, 201, 401, 429, 503])
        rec["elapsed"] = self.tr_duration_str()
        self.status_dur(rec, 200, 50, 3000)
        return rec, "info" if rec["http_status"] < 400 else "warning", "core.http"

    def ev_cache_miss(self):
        rng = self.rng
        rec = self.web_ctx("cache_miss")
        key = rng.choice(["event:{}:tickets", "org:{}:settings", "user:{}:perms"]).format(rng.randint(100, 48000))
        rec["cache_key"] = key
        rec["ttl"] = self.T.t(rng.choice(["300s", "3600s", "0.25s"]))
        rec["backend"] = "redis"
        if rng.random() < 0.15:
            rec["message"] = f"redis at {self.internal_ip()} {self.T.t('port 6379')} slow: {self.tr_duration_str()}"
        return rec, "debug", "core.cache"

    def ev_rate_limited(self):
        rng = self.rng
        rec = self.web_ctx("rate_limited")
        rec["limit"] = rng.choice(["100/m", "20/m", "5/m"])
        rec["retry_after"] = self.tr_duration_str()
        self.status_dur(rec, 429, 1, 20)
        return rec, "warning", "core.throttling"

    def ev_ticket_transferred(self):
        rng = self.rng
        rec = self.web_ctx("ticket_transferred", route=WEB_ROUTES[9])
        to_name = rng.choice(self.P.names + self.P.ascii_names)
        rec["ticket_id"] = self.tr_uuid()
        rec["event_title"] = rng.choice(self.P.event_titles)
        if rng.random() < 0.2:
            rec["message"] = f"Ticket transferred to {to_name} <{self.email()}>"
        else:
            rec["message"] = f"Ticket transferred to {to_name}"
        rec["order_number"] = self.tr_order_no()
        self.status_dur(rec, 200)
        return rec, "info", "tickets.transfer"

    def ev_payout_settings(self):
        rng = self.rng
        rec = self.web_ctx("payout_account_updated", route=WEB_ROUTES[7])
        rec["iban"] = self.iban()
        rec["account_holder"] = rng.choice(self.P.names + self.P.ascii_names)
        if rng.random() < 0.3:
            rec["message"] = f"Payout of {self.T.t('1234.56')} EUR rescheduled to new account"
        self.status_dur(rec, 200)
        return rec, "info", "payouts.views"

    def ev_permission_denied(self):
        rng = self.rng
        rec = self.web_ctx("permission_denied")
        rec["required_role"] = rng.choice(["owner", "admin", "box_office"])
        self.status_dur(rec, 403, 3, 40)
        return rec, "warning", "orgs.permissions"

    def ev_jwt_invalid(self):
        rng = self.rng
        rec = self.web_ctx("auth_token_rejected")
        rec["message"] = f"JWT rejected ({rng.choice(['expired', 'bad signature', 'wrong audience'])}): {self.jwt()}"
        self.status_dur(rec, 401, 1, 15)
        return rec, "warning", "core.jwt"

    # -- one-off / startup ------------------------------------------------------
    def ev_settings_loaded(self):
        rng = self.rng
        rec = {"event": "settings_loaded",
               "pod": self.T.t(rng.choice(self.web_pods + self.worker_pods)),
               "django_version": self.T.t("4.2.16"),
               "app_version": self.T.t(rng.choice(["v2.31.0", "1.4.2"])),
               "git_sha": self.T.t(self.git_sha),
               "settings": {
                   "DATABASE_URL": self.dsn("db"),
                   "CELERY_BROKER_URL": self.dsn("broker"),
                   "AWS_ACCESS_KEY_ID": self.pick("AWS_ACCESS_KEY", self.P.aws),
                   "aws": {"region": "eu-central-1",
                           "secret": self.key_value(self.P.aws_secret)},
                   "STRIPE_SECRET_KEY": self.pick("STRIPE_KEY", self.P.stripe),
                   "SLACK_BOT_TOKEN": self.pick("SLACK_TOKEN", self.P.slack),
                   "GOOGLE_MAPS_API_KEY": self.pick("GOOGLE_API_KEY", self.P.google),
                   "GITHUB_TOKEN": self.pick("GITHUB_TOKEN", self.P.github),
                   "email": {"host": "smtp", "port": 587, "user": "apikey",
                             "passwd": self.key_value(self.P.passwords)},
                   "ALLOWED_HOSTS": ["api.tixora.example", "localhost"],
                   "DEBUG": False}}
        return rec, "debug", "tixora.settings"

    # -- celery -----------------------------------------------------------------
    def ev_task(self):
        rng = self.rng
        task = rng.choice(TASKS)
        name = task[0]
        kind = rng.random()
        rec = self.task_ctx("task_succeeded" if kind < 0.7 else "task_started", task)
        level = "info"
        logger = "celery.app.trace"
        if kind < 0.7:
            rec["runtime"] = self.tr_duration_str() if rng.random() < 0.5 else round(rng.uniform(0.01, 40), 3)
            if name.endswith("send_ticket_email"):
                rec["event"] = "ticket_email_sent"
                rec["recipient"] = self.email() if rng.random() < 0.3 else None
                rec["ses_message_id"] = f"010001934{rstr(rng, HEX, 7)}-{ruuid(rng)}-000000"
                logger = "tickets.tasks"
            elif name.endswith("render_ticket_pdf"):
                rec["event"] = "ticket_pdf_rendered"
                rec["pdf_sha256"] = self.tr_sha256()
                rec["size_bytes"] = rng.randint(40000, 400000)
                rec["event_title"] = rng.choice(self.P.event_titles)
            elif name.endswith("send_sms_reminder"):
                rec["event"] = "sms_sent"
                rec["to"] = self.phone() if rng.random() < 0.4 else None
                rec["provider_sid"] = "SM" + rstr(rng, HEX, 32)
            elif name.endswith("run_weekly_payouts"):
                rec["event"] = "payout_batch_created"
                rec["batch_id"] = self.tr_uuid()
                rec["total"] = self.tr_amount()
                rec["count"] = rng.randint(3, 140)
            elif name.startswith("ai."):
                rec["event"] = "llm_request"
                self.llm_fields(rec, spike=rng.random() < 0.06)
                logger = "ai.llm"
            elif name.endswith("sync_hubspot_contacts"):
                rec["event"] = "crm_sync_completed"
                rec["contacts"] = rng.randint(0, 900)
                rec["cursor_epoch_ms"] = self.tr_epoch()
            elif name.endswith("capture_payment"):
                rec["event"] = "payment_captured"
                rec["amount"] = self.tr_amount()
                rec["currency"] = rng.choice(["EUR", "USD", "GBP"])
                rec["order_number"] = self.tr_order_no()
            elif name.endswith("build_subject_export"):
                rec["event"] = "gdpr_export_ready"
                rec["export_id"] = self.tr_uuid()
                rec["archive_sha1"] = self.tr_sha1()
            else:
                rec["args"] = [rng.randint(100, 48000)]
        else:
            rec["args"] = [rng.randint(100, 48000)]
            rec["retries"] = 0
            level = "debug"
        self.maybe_pod(rec, worker=True)
        return rec, level, logger

    def ev_task_failed(self):
        rng = self.rng
        task = rng.choice(TASKS)
        name = task[0]
        rec = self.task_ctx("task_failed", task)
        logger = "celery.app.trace"
        r = rng.random()
        if name.endswith("post_slack_alert") or r < 0.1:
            rec["task_name"], rec["queue"] = TASKS[11]
            rec["exc_type"] = "SlackApiError"
            rec["message"] = (f"invalid_auth calling chat.postMessage with token "
                              f"{self.pick('SLACK_TOKEN', self.P.slack)}")
        elif name.startswith("gdpr.") or r < 0.15:
            rec["event"] = "gdpr_deletion_failed"
            rec["task_name"], rec["queue"] = TASKS[7]
            self.gdpr_fields(rec)
            logger = "gdpr.erasure"
        elif name.endswith("capture_payment") or name.endswith("process_refund"):
            rec["event"] = "payment_failed"
            rec["amount"] = self.tr_amount()
            rec["currency"] = rng.choice(["EUR", "USD", "GBP"])
            rec["card_last4"] = rng.choice(["4242", "1111", "4444", "0005"])
            rec["order_number"] = self.tr_order_no()
            if rng.random() < 0.3:
                rec["payment_method"] = {"type": "card", "card_number": self.card(),
                                         "brand": rng.choice(["visa", "mastercard", "amex"])}
            logger = "orders.payments"
        elif name.endswith("sync_hubspot_contacts"):
            rec["exc_type"] = "HTTPError"
            rec["request"] = {"url": "https://api.hubapi.com/crm/v3/objects/contacts/batch/upsert",
                              "headers": {"authorization": self.bearer()}}
            rec["message"] = f"HubSpot returned {self.T.t('HTTP 429')} after {self.tr_duration_str()}"
        elif r < 0.6:
            rec["event"] = "db_error"
            self.db_error_fields(rec)
            logger = "django.db.backends"
        else:
            rec["exc_type"] = rng.choice(["SoftTimeLimitExceeded", "ConnectionResetError", "TimeoutError"])
            rec["message"] = f"task exceeded soft time limit after {self.tr_duration_str()}"
            if rng.random() < 0.3:
                rec["broker"] = self.dsn("broker")
        rec["retries"] = rng.randint(0, 5)
        self.maybe_pod(rec, worker=True)
        return rec, "error", logger

    def ev_task_retry(self):
        rng = self.rng
        rec = self.task_ctx("task_retry")
        rec["countdown"] = self.tr_duration_str()
        rec["reason"] = rng.choice(["ConnectionError", "HTTP 503", "rate limited", "lock not acquired"])
        if rec["reason"] == "HTTP 503":
            self.T.t("HTTP 503")
        if rng.random() < 0.1:
            rec["webhook_url"] = (f"https://organizer-hooks.example.com/tixora?token="
                                  f"{self.key_value(self.P.qs_secrets)}")
        return rec, "warning", "celery.app.trace"

    def ev_deploy_hook(self):
        rng = self.rng
        rec = self.task_ctx("release_hook_failed", ("core.tasks.notify_release", "default"))
        rec["message"] = (f"GitHub status update for {self.T.t(self.git_sha[:7])} failed with token "
                          f"{self.pick('GITHUB_TOKEN', self.P.github)}: Bad credentials")
        rec["release"] = self.T.t("v2.31.0")
        return rec, "warning", "core.release"

    def ev_signing_key(self):
        rng = self.rng
        if rng.random() < 0.5:
            rec = self.task_ctx("apns_push_failed", ("notifications.tasks.push_ticket_wallet", "notifications"))
            rec["message"] = f"could not load signing key: {self.pem()}"
        else:
            rec = self.task_ctx("wallet_pass_signing_failed", ("tickets.tasks.build_wallet_pass", "default"))
            rec["private_key"] = self.pem()
            rec["pass_serial"] = self.tr_uuid()
        return rec, "error", "notifications.push"

    def ev_aws(self):
        rng = self.rng
        rec = self.task_ctx("s3_upload_failed", ("gdpr.tasks.build_subject_export", "gdpr"))
        rec["bucket"] = "tixora-prod-exports"
        rec["key"] = f"exports/{self.tr_uuid()}.zip"
        rec["message"] = (f"SignatureDoesNotMatch for access key {self.pick('AWS_ACCESS_KEY', self.P.aws)} "
                          f"after {self.tr_duration_str()}")
        return rec, "error", "core.storage"

    def ev_kyc(self):
        rng = self.rng
        rec = self.web_ctx("kyc_check_failed")
        rec["message"] = (f"Organizer {rng.choice(self.P.names + self.P.ascii_names)} submitted SSN "
                          f"{self.ssn()}; name mismatch with bureau record")
        rec["payload"] = {"user": {"ssn": self.key_value(self.P.ssn_raw)}} if rng.random() < 0.3 else None
        self.status_dur(rec, 422, 200, 1500)
        return rec, "warning", "accounts.kyc"

    def ev_phone_verify(self):
        rec = self.web_ctx("phone_verification_sent")
        rec["message"] = f"OTP sent to {self.phone()} via twilio"
        self.status_dur(rec, 202, 100, 900)
        return rec, "info", "accounts.phone"

    def ev_stripe_key_leak(self):
        rec = self.web_ctx("stripe_webhook_error", route=WEB_ROUTES[14])
        rec["message"] = f"retrying with fallback key {self.pick('STRIPE_KEY', self.P.stripe)}"
        self.status_dur(rec, 500, 10, 200)
        return rec, "error", "payments.webhooks"

    def ev_healthcheck(self):
        rng = self.rng
        rec = self.web_ctx("healthcheck", route=WEB_ROUTES[16], user=False)
        rec["checks"] = {"db": "ok", "redis": "ok", "celery": rng.choice(["ok", "ok", "degraded"])}
        rec["uptime"] = f"{rng.randint(10, 90000)}s"
        rec["build"] = {"version": self.T.t(rng.choice(["v2.31.0", "1.4.2"])), "sha": self.T.t(self.git_sha[:7])}
        self.status_dur(rec, 200, 1, 10)
        return rec, "debug", "core.health"

    # -- driver -------------------------------------------------------------------
    def generate(self, n):
        rng = self.rng
        events = [
            (self.ev_request_finished, 440), (self.ev_request_started, 55),
            (self.ev_payment_failed, 30), (self.ev_login_failed, 48), (self.ev_login_succeeded, 25),
            (self.ev_llm_request, 40), (self.ev_db_error, 22), (self.ev_unhandled_exception, 26),
            (self.ev_gdpr_web, 12), (self.ev_profile_updated, 9), (self.ev_checkout_body, 7),
            (self.ev_outbound_http, 16), (self.ev_cache_miss, 30), (self.ev_rate_limited, 18),
            (self.ev_ticket_transferred, 22), (self.ev_payout_settings, 4),
            (self.ev_permission_denied, 12), (self.ev_jwt_invalid, 4),
            (self.ev_task, 260), (self.ev_task_failed, 35), (self.ev_task_retry, 22),
            (self.ev_deploy_hook, 5), (self.ev_signing_key, 7), (self.ev_aws, 6), (self.ev_kyc, 7),
            (self.ev_phone_verify, 3), (self.ev_stripe_key_leak, 5), (self.ev_healthcheck, 25),
        ]
        fns = [e[0] for e in events]
        weights = [e[1] for e in events]
        lines = []
        for i in range(n):
            self.tick()
            if i in (0, 203, 421, 640, 877, 1088):  # pod (re)starts
                fn = self.ev_settings_loaded
            else:
                fn = rng.choices(fns, weights=weights)[0]
            rec, level, logger = fn()
            rec = {k: v for k, v in rec.items() if v is not None or k in ("user_id",)}
            # ~10% non-ASCII free text
            if rng.random() < 0.06 and "message" not in rec:
                rec["message"] = rng.choice([
                    f"Organizer {self.nonascii()} updated the event page",
                    f"Attendee {self.nonascii()} checked in",
                    f"Event '{self.nonascii()}' published",
                    f"Waitlist spot offered to {self.nonascii()} 🎟️",
                ])
            if rng.random() < 0.04:
                rec["scheduled_at"] = self.T.t(iso(self.t + dt.timedelta(hours=rng.randint(2, 400))))
            if rng.random() < 0.03:
                rec["created_at_ms"] = self.tr_epoch()
            lines.append(dumps_structlog(self.finish(rec, level, logger, i)))
        return lines


USER_AGENTS = [
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.109 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1.2 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.6045.163 Mobile Safari/537.36",
    "TixoraScanner/3.2.1 (iOS 17.1; iPhone15,3)",
    "python-requests/2.31.0",
    "okhttp/4.12.0",
    "Zapier",
    "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
    "kube-probe/1.29",
]


# --------------------------------------------------------------------------
# envoy-access.ndjson
# --------------------------------------------------------------------------

def gen_envoy(rng, P, T, n):
    t = BASE_TIME + dt.timedelta(minutes=3)
    clients = P.client_ips[:12] + ["2001:db8::8a2e:370:7334", "fe80::1"]
    upstreams = ["10.0.3.17", "10.0.4.21", "10.12.0.8", "10.0.5.101", "172.20.1.33"]
    routes = [
        ("GET", "/api/events/{id}/tickets", "api", "outbound|8000||api.tixora.svc.cluster.local"),
        ("GET", "/api/events/{id}", "api", "outbound|8000||api.tixora.svc.cluster.local"),
        ("POST", "/api/events/{id}/checkout", "checkout", "outbound|8000||api.tixora.svc.cluster.local"),
        ("GET", "/api/orders/{uuid}", "api", "outbound|8000||api.tixora.svc.cluster.local"),
        ("POST", "/api/orders/{uuid}/refund", "api", "outbound|8000||api.tixora.svc.cluster.local"),
        ("GET", "/api/tickets/{uuid}/qr", "api", "outbound|8000||api.tixora.svc.cluster.local"),
        ("GET", "/static/js/main.{hash}.js", "static", "outbound|80||web.tixora.svc.cluster.local"),
        ("GET", "/healthz", "health", "outbound|8000||api.tixora.svc.cluster.local"),
        ("POST", "/webhooks/stripe", "webhooks", "outbound|8000||api.tixora.svc.cluster.local"),
        ("GET", "/api/v2/events?city=M%C3%BCnchen&page={page}", "api", "outbound|8000||api.tixora.svc.cluster.local"),
    ]
    asset_hashes = [rstr(rng, HEX, 8) for _ in range(3)]
    lines = []
    for i in range(n):
        t += dt.timedelta(milliseconds=rng.randint(50, 4000))
        method, tmpl, route_name, cluster = rng.choices(routes, weights=[14, 10, 6, 8, 2, 6, 6, 5, 3, 4])[0]
        path = (tmpl.replace("{id}", str(rng.randint(100, 48000)))
                .replace("{uuid}", T.t(ruuid(rng), "puuid", 15))
                .replace("{page}", str(rng.randint(1, 20)))
                .replace("{hash}", T.t(rng.choice(asset_hashes))))
        r = rng.random()
        if r < 0.04:
            method, route_name = "GET", "auth"
            path = f"/api/auth/verify-email?token={T.p('KEY_RULE', rng.choice(P.qs_secrets))}&email={T.p('EMAIL_ADDRESS', rng.choice(P.emails))}"
        elif r < 0.07:
            method, route_name = "GET", "integrations"
            path = f"/api/integrations/zapier/poll?access_token={T.p('JWT', rng.choice(P.jwts))}"
        elif r < 0.10:
            method, route_name = "GET", "exports"
            path = f"/api/gdpr/exports/{T.t(ruuid(rng), 'puuid', 15)}/download?api_key={T.p('KEY_RULE', rng.choice(P.api_keys))}"
        elif r < 0.12:
            method, route_name = "GET", "api"
            path = f"/api/search?q={T.p('EMAIL_ADDRESS', rng.choice(P.emails))}&type=attendee"
        elif r < 0.135:
            method, route_name = "POST", "auth"
            path = f"/api/v1/login?username={T.p('EMAIL_ADDRESS', rng.choice(P.emails))}&password={T.p('KEY_RULE', rng.choice(P.qs_secrets))}"
        elif r < 0.15:
            method, route_name = "GET", "maps"
            path = f"/proxy/geocode?address=Alexanderplatz&key={T.p('GOOGLE_API_KEY', rng.choice(P.google))}"
        status = rng.choices([200, 201, 204, 304, 400, 401, 403, 404, 429, 499, 500, 502, 503, 504],
                             weights=[70, 4, 2, 5, 2, 3, 1, 5, 1, 1, 1, 2, 1, 1])[0]
        flags = {502: "UF", 503: rng.choice(["UH", "UO", "URX"]), 504: "UT", 499: "DC", 429: "RL"}.get(status, "-")
        client = T.p("IP_ADDRESS", rng.choice(clients))
        xff = client
        if rng.random() < 0.2:
            xff = f"{client}, {T.p('IP_ADDRESS', rng.choice(P.internal_ips[:3]))}"
        up_ok = flags not in ("UH", "UO", "UF", "DC", "RL")
        up_host = f"{T.p('IP_ADDRESS', rng.choice(upstreams))}:{8000 if 'api' in cluster else 80}" if up_ok else None
        dur = rng.randint(1, 900) if status != 504 else 15000
        rid = ruuid(rng)
        T.t(rid, "rid", 15)
        start = iso(t)
        T.t(start, "ts", 15)
        rec = {
            "authority": "api.tixora.example" if route_name != "static" else "app.tixora.example",
            "bytes_received": rng.randint(200, 4000) if method == "POST" else 0,
            "bytes_sent": rng.randint(0, 60000) if status not in (204, 304) else 0,
            "downstream_remote_address": f"{client}:{rng.randint(1024, 65535)}" if ":" not in client else f"[{client}]:{rng.randint(1024, 65535)}",
            "duration": dur,
            "method": method,
            "path": path,
            "protocol": rng.choice(["HTTP/1.1", "HTTP/2", "HTTP/2"]),
            "request_id": rid,
            "response_code": status,
            "response_flags": flags,
            "route_name": route_name,
            "start_time": start,
            "upstream_cluster": cluster,
            "upstream_host": up_host,
            "upstream_service_time": str(max(0, dur - rng.randint(0, 5))) if up_ok else None,
            "user_agent": rng.choice(USER_AGENTS),
            "x_forwarded_for": xff,
        }
        lines.append(dumps_envoy(rec))
    return lines


# --------------------------------------------------------------------------
# nginx-combined.log
# --------------------------------------------------------------------------

def gen_nginx(rng, P, T, n):
    t = BASE_TIME + dt.timedelta(minutes=5)
    clients = (["203.0.113.7", "203.0.113.45", "198.51.100.23", "198.51.100.142", "192.0.2.10",
                "81.2.69.142", "89.160.20.112", "175.16.199.4", "216.160.83.56", "67.43.156.9",
                "2.125.160.216", "149.101.100.3", "10.0.2.15"] + ["2001:db8::8a2e:370:7334",
                "2001:db8:85a3::8a2e:370:7334", "2a02:cf40:add:4::1f"])
    weights = [8, 5, 9, 4, 6, 5, 4, 3, 4, 3, 3, 2, 1, 2, 1, 1]
    asset_hashes = [rstr(rng, HEX, 8) for _ in range(4)]
    lines = []
    for i in range(n):
        t += dt.timedelta(milliseconds=rng.randint(100, 6000))
        client = T.p("IP_ADDRESS", rng.choices(clients, weights=weights)[0])
        r = rng.random()
        method = "GET"
        status = rng.choices([200, 301, 302, 304, 400, 401, 403, 404, 499, 500, 502],
                             weights=[70, 2, 3, 8, 2, 3, 1, 7, 1, 1, 2])[0]
        if r < 0.04:
            path = f"/account/verify?token={T.p('KEY_RULE', rng.choice(P.qs_secrets))}&email={T.p('EMAIL_ADDRESS', rng.choice(P.emails))}"
        elif r < 0.07:
            path = f"/unsubscribe/{T.p('EMAIL_ADDRESS', rng.choice(P.emails))}"
        elif r < 0.09:
            path = f"/reset-password?email={T.p('EMAIL_ADDRESS', rng.choice(P.emails))}&token={T.p('KEY_RULE', rng.choice(P.qs_secrets))}"
        elif r < 0.105:
            method = "POST"
            path = f"/legacy/login.php?user=admin&password={T.p('KEY_RULE', rng.choice(P.qs_secrets))}"
        elif r < 0.12:
            path = f"/api/exports/{T.t(ruuid(rng), 'puuid', 10)}.csv?api_key={T.p('KEY_RULE', rng.choice(P.api_keys))}"
        elif r < 0.135:
            path = f"/calendar/feed.ics?token={T.p('KEY_RULE', rng.choice(P.qs_secrets))}"
        elif r < 0.15:
            path = f"/sso/callback?id_token={T.p('JWT', rng.choice(P.jwts))}&state={rstr(rng, HEX, 16)}"
        elif r < 0.35:
            path = f"/static/js/main.{T.t(rng.choice(asset_hashes))}.js"
        elif r < 0.39:
            path = f"/static/vendor/bootstrap-{T.t('5.3.2')}.min.css"
        elif r < 0.42:
            path = f"/static/js/widget.{T.t('v2.31.0')}.min.js"
        elif r < 0.55:
            path = f"/e/{rng.randint(100, 48000)}/{rng.choice(['tokyo-tech-meetup-2024', 'fete-de-la-musique-lyon', 'munchen-startup-night', 'oresund-jazz-festival'])}"
        elif r < 0.65:
            path = f"/tickets/{T.t(ruuid(rng), 'puuid', 10)}"
        elif r < 0.7:
            path = "/favicon.ico"
        elif r < 0.74:
            path = rng.choice(["/wp-login.php", "/.env", "/.git/config", "/phpmyadmin/index.php", "/admin/config.php"])
            status = 404
        elif r < 0.8:
            path = f"/api/events?page={rng.randint(1, 30)}&city={rng.choice(['berlin', 'lyon', 'tokyo', 'seoul'])}"
        else:
            path = rng.choice(["/", "/login", "/signup", "/pricing", "/organizers", "/help/refunds"])
        proto = rng.choice(["HTTP/1.1", "HTTP/1.1", "HTTP/2.0"])
        size = 0 if status == 304 else rng.randint(150, 90000)
        ref = "-"
        rr = rng.random()
        if rr < 0.4:
            ref = rng.choice(["https://app.tixora.example/", "https://app.tixora.example/events",
                              "https://www.google.com/", "https://t.co/"])
        elif rr < 0.43:
            ref = f"https://app.tixora.example/checkout?email={T.p('EMAIL_ADDRESS', rng.choice(P.emails))}"
        ua = rng.choice(USER_AGENTS + ["curl/8.4.0", "Mozilla/5.0 zgrab/0.x"])
        ts = t.strftime("%d/%b/%Y:%H:%M:%S +0000")
        T.t(ts, "ts", 15)
        lines.append(f'{client} - - [{ts}] "{method} {path} {proto}" {status} {size} "{ref}" "{ua}"')
    return lines


# --------------------------------------------------------------------------
# sshd-syslog.log
# --------------------------------------------------------------------------

def gen_sshd(rng, P, T, n):
    t = BASE_TIME + dt.timedelta(minutes=1)
    brute = "45.155.205.233"
    scanners = ["203.0.113.7", "203.0.113.99", "198.51.100.77", "192.0.2.44", "141.98.11.23",
                "92.255.85.37", "218.92.0.118", "61.177.172.140", "2001:db8:bad::66",
                "185.224.128.17", "103.145.13.201", "194.26.29.113", "80.94.95.115"]
    legit = {"deploy": "198.51.100.23", "alice": "192.0.2.10", "bob": "2001:db8::8a2e:370:7334",
             "ci-runner": "10.0.4.21"}
    bad_users = ["admin", "test", "oracle", "ubuntu", "postgres", "git", "user", "ftpuser",
                 "guest", "support", "pi", "hadoop", "elastic", "deployer", "jenkins"]
    fingerprints = {u: ("ED25519" if u in ("alice", "bob") else "RSA",
                        T.t(base64.b64encode(bytes(rng.getrandbits(8) for _ in range(32))).decode().rstrip("=")))
                    for u in legit}
    out = []
    pid = 10000 + rng.randint(0, 5000)

    def emit(p, msg):
        out.append(f"{t.strftime('%b %d %H:%M:%S')} bastion sshd[{p}]: {msg}")
        T.t(f"sshd[{p}]", "pid", 8)
        T.t(t.strftime("%b %d %H:%M:%S"), "ts", 15)

    def port():
        p = rng.randint(32768, 60999)
        T.t(f"port {p}", "port", 12)
        return p

    def advance(lo, hi):
        nonlocal t
        t += dt.timedelta(milliseconds=rng.randint(lo, hi))

    def ip(v):
        return T.p("IP_ADDRESS", v)

    def scan_session():
        nonlocal pid
        pid += rng.randint(3, 200)
        src = ip(rng.choice(scanners))
        pt = port()
        user = rng.choice(bad_users + ["root", "root"])
        if user == "root":
            emit(pid, f"pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost={src}  user=root")
            advance(500, 2500)
            emit(pid, f"Failed password for root from {src} port {pt} ssh2")
        else:
            emit(pid, f"Invalid user {user} from {src} port {pt}")
            advance(100, 600)
            emit(pid, f"pam_unix(sshd:auth): check pass; user unknown")
            emit(pid, f"pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost={src}")
            advance(500, 2500)
            emit(pid, f"Failed password for invalid user {user} from {src} port {pt} ssh2")
        advance(100, 900)
        if rng.random() < 0.5:
            emit(pid, f"Received disconnect from {src} port {pt}:11: Bye Bye [preauth]")
            tag = "invalid user " + user if user != "root" else "authenticating user root"
            emit(pid, f"Disconnected from {tag} {src} port {pt} [preauth]")
        else:
            tag = "invalid user " + user if user != "root" else "authenticating user root"
            emit(pid, f"Connection closed by {tag} {src} port {pt} [preauth]")

    def legit_session():
        nonlocal pid
        pid += rng.randint(3, 200)
        user = rng.choice(list(legit))
        src = ip(legit[user])
        pt = port()
        kt, fp = fingerprints[user]
        emit(pid, f"Accepted publickey for {user} from {src} port {pt} ssh2: {kt} SHA256:{fp}")
        emit(pid, f"pam_unix(sshd:session): session opened for user {user}(uid={1000 + list(legit).index(user)}) by (uid=0)")
        advance(5000, 600000)
        emit(pid, f"Received disconnect from {src} port {pt}:11: disconnected by user")
        emit(pid, f"Disconnected from user {user} {src} port {pt}")
        emit(pid, f"pam_unix(sshd:session): session closed for user {user}")

    def misc():
        nonlocal pid
        pid += rng.randint(3, 200)
        src = ip(rng.choice(scanners))
        pt = port()
        emit(pid, rng.choice([
            f"Connection reset by {src} port {pt} [preauth]",
            f"error: kex_exchange_identification: Connection closed by remote host",
            f"Unable to negotiate with {src} port {pt}: no matching key exchange method found. Their offer: diffie-hellman-group1-sha1 [preauth]",
            f"banner exchange: Connection from {src} port {pt}: invalid format",
            f"Timeout before authentication for {src} port {pt}",
        ]))

    def brute_burst(count):
        nonlocal pid
        src = ip(brute)
        users = ["root"] * 6 + ["admin", "administrator", "test", "ubuntu", "oracle", "postgres",
                                "user1", "support", "ftp", "www-data"]
        while count > 0:
            pid += rng.randint(1, 6)
            pt = port()
            user = rng.choice(users)
            inv = "" if user in ("root", "www-data") else "invalid user "
            if inv:
                emit(pid, f"Invalid user {user} from {src} port {pt}")
                count -= 1
            for k in range(rng.randint(2, 6)):
                advance(300, 2200)
                emit(pid, f"Failed password for {inv}{user} from {src} port {pt} ssh2")
                count -= 1
            if k >= 5:
                emit(pid, f"error: maximum authentication attempts exceeded for {inv}{user} from {src} port {pt} ssh2 [preauth]")
                emit(pid, f"Disconnecting {'invalid user ' + user if inv else 'authenticating user ' + user} {src} port {pt}: Too many authentication failures [preauth]")
                count -= 2
            else:
                emit(pid, f"PAM {k + 1} more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost={src}  user={user}")
                emit(pid, f"Connection closed by {'invalid user ' + user if inv else 'authenticating user ' + user} {src} port {pt} [preauth]")
                count -= 2
            advance(50, 400)

    burst_done = False
    while len(out) < n:
        advance(2000, 90000)
        if not burst_done and len(out) > n * 0.4:
            brute_burst(110)
            burst_done = True
            continue
        r = rng.random()
        if r < 0.55:
            scan_session()
        elif r < 0.8:
            legit_session()
        else:
            misc()
    # sessions are emitted whole, so cut to n; prune() drops truth entries lost in the cut
    return out[:n]


# --------------------------------------------------------------------------
# verification
# --------------------------------------------------------------------------

SCANNERS = {
    "EMAIL_ADDRESS": re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"),
    "IP_ADDRESS": re.compile(r"(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![\w.])"
                             r"|(?<![\w:])(?:[0-9a-fA-F]{1,4}:){1,7}:?(?:[0-9a-fA-F]{1,4}:?){1,7}(?![\w:])"),
    "US_SSN": re.compile(r"(?<![\w-])\d{3}-\d{2}-\d{4}(?![\w-])"),
    "CREDIT_CARD": re.compile(r"(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w])"),
    "PHONE_NUMBER": re.compile(r"\+\d{11,13}\b|\(\d{3}\) \d{3}-\d{4}|(?<![\w-])\d{3}-\d{3}-\d{4}(?![\w-])|\+44 \d{2,4} \d{3,4} \d{3,4}"),
    "JWT": re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+"),
    "AWS_ACCESS_KEY": re.compile(r"AKIA[A-Z0-9]{16}"),
    "GITHUB_TOKEN": re.compile(r"ghp_[A-Za-z0-9]{36}"),
    "STRIPE_KEY": re.compile(r"sk_live_[A-Za-z0-9]{24}"),
    "SLACK_TOKEN": re.compile(r"xox[bp]-[0-9A-Za-z-]+"),
    "GOOGLE_API_KEY": re.compile(r"AIza[0-9A-Za-z_-]{35}"),
    "BEARER_TOKEN": re.compile(r"(?:Bearer|Basic) ([A-Za-z0-9._~+/=-]+)"),
    "URL_CREDENTIALS": re.compile(r"://[^/:@\s\"]*:([^/@\s\"]+)@"),
    "IBAN_CODE": re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}(?: ?[A-Z0-9]{1,3})?\b"),
}


def is_ipv6_candidate(s):
    # the crude IPv6 alternative also matches clock times like 16:18:08 and hex-ish words
    return s.count(":") >= 2 and any(c.isalpha() for c in s) or "::" in s


def verify(files, truths):
    ok = True
    for name, lines in files.items():
        path = os.path.join(OUT_DIR, name)
        with open(path, "r", encoding="utf-8", newline="") as f:
            text = f.read()
        assert text.endswith("\n")
        flines = text.split("\n")[:-1]
        if len(flines) != len(lines):
            print(f"FAIL {name}: {len(flines)} lines, expected {len(lines)}")
            ok = False
        if name.endswith(".ndjson"):
            for i, ln in enumerate(flines, 1):
                try:
                    obj = json.loads(ln)
                    assert isinstance(obj, dict)
                except Exception as e:  # noqa: BLE001
                    print(f"FAIL {name}:{i} does not parse: {e}")
                    ok = False
        truth = truths[name]
        spans = []
        for v, det in truth.pii.items():
            if v not in text:
                print(f"FAIL {name}: planted {det} value missing: {v!r}")
                ok = False
            for m in re.finditer(re.escape(v), text):
                spans.append((m.start(), m.end()))
            for tr in truth.traps:
                if v in tr:
                    print(f"FAIL {name}: trap {tr!r} contains planted {v!r}")
                    ok = False
        # PEM blocks: whole block counts as covered
        for m in re.finditer(r"-----BEGIN [A-Z ]+-----.*?-----END [A-Z ]+-----", text):
            spans.append((m.start(), m.end()))
        spans.sort()

        def covered(a, b):
            return any(s < b and a < e for s, e in spans)

        for tr in truth.traps:
            occ = [m.span() for m in re.finditer(re.escape(tr), text)]
            if not occ:
                print(f"FAIL {name}: trap missing: {tr!r}")
                ok = False
            elif all(covered(a, b) for a, b in occ):
                print(f"FAIL {name}: trap {tr!r} only occurs inside planted values")
                ok = False

        # Anything secret-looking that is not listed?
        for det, rx in SCANNERS.items():
            for m in rx.finditer(text):
                g = 1 if rx.groups else 0
                a, b = m.span(g)
                val = m.group(g)
                if val is None:
                    continue
                if det == "CREDIT_CARD" and not (luhn_ok(val) and card_iin(val)):
                    continue
                if det == "CREDIT_CARD" and len(re.sub(r"\D", "", val)) < 13:
                    continue
                if det == "IP_ADDRESS" and ":" in val and not is_ipv6_candidate(val):
                    continue
                if det == "IBAN_CODE" and not iban_ok(val):
                    continue
                if covered(a, b):
                    continue
                ctx = text[max(0, a - 40):b + 20].replace("\n", "\\n")
                print(f"WARN {name}: unlisted {det} candidate {val!r} in ...{ctx}...")
        # traps that a value detector would fire on
        for tr in truth.traps:
            for det in ("CREDIT_CARD", "US_SSN", "EMAIL_ADDRESS", "JWT", "AWS_ACCESS_KEY"):
                m = SCANNERS[det].search(tr)
                if m and (det != "CREDIT_CARD" or (luhn_ok(m.group(0)) and card_iin(m.group(0)))):
                    print(f"WARN {name}: trap {tr!r} matches {det}")
    return ok


# --------------------------------------------------------------------------

def write(name, lines):
    with open(os.path.join(OUT_DIR, name), "w", encoding="utf-8", newline="\n") as f:
        for ln in lines:
            assert "\n" not in ln
            f.write(ln + "\n")


def prune(truth, lines):
    """Drop ground-truth entries whose only occurrences were cut off (sshd truncation)."""
    text = "\n".join(lines)
    truth.pii = {v: d for v, d in truth.pii.items() if v in text}
    truth.traps = {v: None for v in truth.traps if v in text}


def main():
    pools = Pools(random.Random(SEED))
    files, truths = {}, {}

    t = Truth()
    g = StructlogGen(random.Random(SEED + 1), pools, t)
    files["structlog.ndjson"] = g.generate(1200)
    truths["structlog.ndjson"] = t

    t = Truth()
    files["envoy-access.ndjson"] = gen_envoy(random.Random(SEED + 2), pools, t, 300)
    truths["envoy-access.ndjson"] = t

    t = Truth()
    files["nginx-combined.log"] = gen_nginx(random.Random(SEED + 3), pools, t, 300)
    truths["nginx-combined.log"] = t

    t = Truth()
    files["sshd-syslog.log"] = gen_sshd(random.Random(SEED + 4), pools, t, 300)
    truths["sshd-syslog.log"] = t

    for name, lines in files.items():
        prune(truths[name], lines)
        write(name, lines)

    planted = {name: truths[name].as_json() for name in files}
    with open(os.path.join(OUT_DIR, "planted.json"), "w", encoding="utf-8", newline="\n") as f:
        json.dump(planted, f, ensure_ascii=False, indent=2)
        f.write("\n")

    ok = verify(files, truths)

    # stats
    for name, lines in files.items():
        size = os.path.getsize(os.path.join(OUT_DIR, name))
        tr = truths[name]
        pii_vals = [v for v, d in tr.pii.items() if d != "IP_ADDRESS"]
        with_pii = sum(1 for ln in lines if any(v in ln for v in pii_vals))
        non_ascii = sum(1 for ln in lines if any(ord(c) > 127 for c in ln))
        lens = sorted(len(ln.encode()) for ln in lines)
        per_det = {}
        for d in tr.pii.values():
            per_det[d] = per_det.get(d, 0) + 1
        print(f"{name}: {len(lines)} lines, {size} bytes; lines with non-IP PII {with_pii} "
              f"({100 * with_pii / len(lines):.1f}%), non-ASCII {non_ascii} "
              f"({100 * non_ascii / len(lines):.1f}%); line bytes p10/p50/p90/max "
              f"{lens[len(lens) // 10]}/{lens[len(lens) // 2]}/{lens[9 * len(lens) // 10]}/{lens[-1]}")
        luhn_traps = [v for v in tr.traps if v.isdigit() and 13 <= len(v) <= 19 and luhn_ok(v)]
        print(f"  pii per detector: {per_det}; traps: {len(tr.traps)} "
              f"(all-digit traps passing Luhn, no card IIN: {len(luhn_traps)})")
    print("planted.json:", os.path.getsize(os.path.join(OUT_DIR, "planted.json")), "bytes")
    if not ok:
        print("VERIFY FAILED")
        sys.exit(1)
    print("verify OK")


if __name__ == "__main__":
    main()
