#!/usr/bin/env python3
"""Writes detection.json: the case-corpus suites for the detectors' formats
(phones of ten regions, every card range) and for each false-positive class
found on real logs. Cases are written here as (name, input, output) rows, so
the expectations read side by side; run it after editing:

    python3 plugins/core/tests/cases/gen_detection.py
"""

import json
import os

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "detection.json")
phones = [
 # (input text, expected-out) for strict preset, text lines
 ("ext dotted", "call 415.555.2671x510 now", "call [PHONE_NUMBER] now"),
 ("ext parens", "callback (415)555-2671x19689 queued", "callback [PHONE_NUMBER] queued"),
 ("ext word", "desk 555-2671 ext. 12 busy", "desk [PHONE_NUMBER] busy"),
 ("NANP dots", "contact 415.555.2671 ok", "contact [PHONE_NUMBER] ok"),
 ("NANP 1- prefix", "dial 1-800-555-0199 today", "dial [PHONE_NUMBER] today"),
 ("NANP 001- prefix", "dial 001-415-555-2671 today", "dial [PHONE_NUMBER] today"),
 ("NANP +1 parens", "dial +1 (415) 555 2671 today", "dial [PHONE_NUMBER] today"),
 ("00 prefix", "from 0044 20 7946 0958 abroad", "from [PHONE_NUMBER] abroad"),
 ("+ with trunk (0)", "from +44 (0)20 7946 0958 abroad", "from [PHONE_NUMBER] abroad"),
 ("+ with dots", "from +33.6.12.44.85.21 abroad", "from [PHONE_NUMBER] abroad"),
 ("UK London", "office 020 7946 0958 closed", "office [PHONE_NUMBER] closed"),
 ("UK mobile", "user 07700 900123 verified", "user [PHONE_NUMBER] verified"),
 ("France mobile", "client 06 12 44 85 21 rappel", "client [PHONE_NUMBER] rappel"),
 ("France dotted", "client 01.23.45.67.89 rappel", "client [PHONE_NUMBER] rappel"),
 ("Germany Berlin", "Kunde 030 12345678 erreicht", "Kunde [PHONE_NUMBER] erreicht"),
 ("Germany mobile", "Kunde 0171 1234567 erreicht", "Kunde [PHONE_NUMBER] erreicht"),
 ("Germany parens", "Kunde (030) 1234-5678 erreicht", "Kunde [PHONE_NUMBER] erreicht"),
 ("Germany slash", "Kunde 0171/1234567 erreicht", "Kunde [PHONE_NUMBER] erreicht"),
 ("Italy landline", "cliente 0346 499383 ok", "cliente [PHONE_NUMBER] ok"),
 ("Italy mobile", "cliente 347 123 4567 ok", "cliente [PHONE_NUMBER] ok"),
 ("Spain", "cliente 912 345 678 ok", "cliente [PHONE_NUMBER] ok"),
 ("Spain 3-2-2-2", "cliente 912 34 56 78 ok", "cliente [PHONE_NUMBER] ok"),
 ("Netherlands Amsterdam", "klant 020-1234567 gebeld", "klant [PHONE_NUMBER] gebeld"),
 ("Netherlands mobile", "klant 06-12345678 gebeld", "klant [PHONE_NUMBER] gebeld"),
 ("Brazil mobile", "cliente (11) 91234-5678 ok", "cliente [PHONE_NUMBER] ok"),
 ("Brazil landline", "cliente 11 3915-0008 ok", "cliente [PHONE_NUMBER] ok"),
 ("Japan Tokyo", "kokyaku 03-1234-5678 ok", "kokyaku [PHONE_NUMBER] ok"),
 ("Japan mobile", "kokyaku 090-1234-5678 ok", "kokyaku [PHONE_NUMBER] ok"),
 ("India international", "user +91 98765 43210 ok", "user [PHONE_NUMBER] ok"),
 ("India trunk", "user 098765 43210 ok", "user [PHONE_NUMBER] ok"),
 ("bare run after a phone word", "SMS sent to 4155552671 ok", "SMS sent to [PHONE_NUMBER] ok"),
 ("bare run after whatsapp", "whatsapp: 09098790204", "whatsapp: [PHONE_NUMBER]"),
 ("bare run in key=value", "user=7 phone=4155552671 ok", "user=7 phone=[PHONE_NUMBER] ok"),
 ("bare run without context stays", "order 4155552671 shipped", "order 4155552671 shipped"),
 ("epoch ms after a phone word stays", "sms sent at 1732464000123", "sms sent at 1732464000123"),
 ("call id stays", "call_id=4155552671 ended", "call_id=4155552671 ended"),
 ("a redacted neighbour does not lend context", "call 4155552671 or 4155552672", "call [PHONE_NUMBER] or 4155552672"),
]
json_phones = [
 ("phone key, bare string", '{"phone": "4155552671", "n": 3}', '{"phone": "[PHONE_NUMBER]", "n": 3}'),
 ("*_phone key, trunk run", '{"user_phone": "09098790204"}', '{"user_phone": "[PHONE_NUMBER]"}'),
 ("camelCase key, JSON number", '{"mobileNumber": 4155552671}', '{"mobileNumber": "[PHONE_NUMBER]"}'),
 ("msisdn key", '{"msisdn": "447700900123"}', '{"msisdn": "[PHONE_NUMBER]"}'),
 ("nested under a phone key", '{"phone": {"home": "0612448521"}}', '{"phone": {"home": "[PHONE_NUMBER]"}}'),
 ("the next member is not in context", '{"phone": null, "order_id": 4155552671}', '{"phone": null, "order_id": 4155552671}'),
 ("contact_id is an id", '{"contact_id": 4155552671}', '{"contact_id": 4155552671}'),
]
negatives = [
 ("systemd instance unit", "systemd[1]: Started user@998.service - User Manager for UID 998.", None),
 ("status and size in an access log", "\"GET /static/main.js HTTP/1.1\" 304 1290516 \"-\"", None),
 ("a Windows package version", "Package_for_KB4697025~31bf3856ad364e35~amd64~~6.1.1.4 installed", None),
 ("an IPC call number", "IPC Server handler 12 on 8020, call Call#5645301 Retry#0", None),
 ("ISO date and time", "at 2024-01-15 10:23:45.123 done", None),
 ("durations and amounts", "took 1234567.89 ms, paid 1234567.50 EUR", None),
 ("versions", "kernel 5.15.0.1034 build 10.0.19041.1", None),
 ("UUID digits", "id 12345678-1234-5678-1234-567812345678", None),
 ("hash digits", "sha 3a7bd3e2360a3d29eea436fcfb7e44c735d117c4", None),
 ("ports", "listening on *:8080 and [::]:443, upstream db-1:5432", None),
 ("a sequence", "seq 1 2 3 4 5 6 7 8 9 10 11 12 13", None),
 ("numeric columns", "mem 4096  8192  16384  32768", None),
 ("date then time", "15/01/2024 10.30 ok", None),
]
cards = [
 ("JCB outside 3528-3589", "paid 3512 3456 7890 1236 ok", "paid [CREDIT_CARD] ok"),
 ("UnionPay 62", "paid 6212345678901265 ok", "paid [CREDIT_CARD] ok"),
 ("Maestro 50", "paid 5018000000000009 ok", "paid [CREDIT_CARD] ok"),
 ("Maestro 58", "paid 5800000000000001 ok", "paid [CREDIT_CARD] ok"),
 ("RuPay 81", "paid 8112345678901239 ok", "paid [CREDIT_CARD] ok"),
 ("Mir", "paid 2200 1234 5678 9019 ok", "paid [CREDIT_CARD] ok"),
 ("UATP", "paid 122000000000003 ok", "paid [CREDIT_CARD] ok"),
 ("Verve 506", "paid 5060990000000000001 ok", "paid [CREDIT_CARD] ok"),
]
card_negatives = [
 ("systemd instance unit", "systemd[1]: Started user@998.service - User Manager for UID 998.", None),
 ("status and size in an access log", "\"GET /static/main.js HTTP/1.1\" 304 1290516 \"-\"", None),
 ("a Windows package version", "Package_for_KB4697025~31bf3856ad364e35~amd64~~6.1.1.4 installed", None),
 ("an IPC call number", "IPC Server handler 12 on 8020, call Call#5645301 Retry#0", None),
 ("HDFS block id", "Receiving block blk_-4111111111111111 src: /10.0.0.1:50010", "Receiving block blk_-4111111111111111 src: /10.0.0.1:50010"),
 ("digits in an identifier", "id=job_4111111111111111_0001 ok", "id=job_4111111111111111_0001 ok"),
 ("single-digit groups", "1 2 3 4 5 6 7 8 9 1 1 1 1 1 1 1", "1 2 3 4 5 6 7 8 9 1 1 1 1 1 1 1"),
 ("a longer grouped number", "serial 4111 1111 1111 1111 1111 ok", "serial 4111 1111 1111 1111 1111 ok"),
 ("a decimal", "value 4111111111111111.25 ok", "value 4111111111111111.25 ok"),
 ("a signed integer", "span -4111111111111111 closed", "span -4111111111111111 closed"),
 ("a 15-digit count starting with 4", "Vsync=496646477751524, Frame=1", "Vsync=496646477751524, Frame=1"),
 ("12-digit Maestro after a card word", "paid with 503844211337 today", "paid with [CREDIT_CARD] today"),
 ("12-digit number without one", "account 503844211337 created", "account 503844211337 created"),
]
session = [
 ("Windows CBS session label", "2016-09-28 04:30:30, Info                  CBS    Session: 30546173_4261722401 initialized by client WindowsUpdateAgent.", None),
 ("ZooKeeper session number", "2015-07-29 19:04:12,394 - INFO  [ProcessThread(sid:0 cport:-1)::PrepRequestProcessor@476] - Processed session termination for sessionid: 0x14ede63a5a7", None),
 ("cookie-style session", "GET /x sessionid=q8w7e6r5t4y3 ok", "GET /x sessionid=[REDACTED] ok"),
 ("session_id with colon", "session_id: q8w7e6r5t4y3 ok", "session_id: [REDACTED] ok"),
 ("PHPSESSID", "Cookie PHPSESSID=q8w7e6r5t4y3; theme=dark", "Cookie PHPSESSID=[REDACTED]; theme=dark"),
 ("JSESSIONID", "jsessionid=A1B2C3D4E5F6 path=/", "jsessionid=[REDACTED] path=/"),
 ("connect.sid inside a cookie", "Cookie: connect.sid=s%3Aabc.def; theme=dark", "Cookie: [REDACTED]; theme=dark"),
 ("Token{...} under token key", "token=Token{a64f992 expired}", None),
 ("a yes/no value under a key", "Virtual Account: No Elevated Token: Yes Impersonation Level: Impersonation", None),
 ("sudo's working directory", "sudo:     root : PWD=/root ; USER=postgres ; COMMAND=/usr/bin/id", None),
 ("a password is still a password", "login pwd=/hunter2 token=abc123", "login pwd=[REDACTED] token=[REDACTED]"),
]
# What Fluent Bit's tail (no parser, or a failed parse) and Docker/CRI hand
# on: the line as a JSON string. It is scrubbed exactly as the line is.
wrapped = [
 ("truncated JSON in a string", '{"log": "{\\"password\\": \\"hunter2\\", \\"x\\": 1"}', '{"log": "{\\"password\\": \\"[REDACTED]\\", \\"x\\": 1"}'),
 ("a sensitive object in broken JSON in a string", '{"log": "{\\"secret\\": {\\"a\\": \\"s3\\"}, \\"b\\":"}', None),
 ("a merged match settles as it does in text", '{"log": "note sessionid=abc|123 45 6789|xyz end"}', '{"log": "note sessionid=[REDACTED] end"}'),
 ("a text line with a key=value in a string", '{"log": "level=info password=hunter2 msg=ok"}', '{"log": "level=info password=[REDACTED] msg=ok"}'),
]

def case(name, i, o):
    c={"name": name, "input": i}
    c["output"] = i if o is None else o
    return c
suites=[
 {"name":"phone formats of ten regions (strict)","config":{"scrub":{"preset":"strict"}},
  "cases":[case(*p) for p in phones+json_phones]},
 {"name":"digit shapes that are not phones (strict)","config":{"scrub":{"preset":"strict"}},
  "cases":[case(*p) for p in negatives]},
 {"name":"every Luhn-valid network range (default)","config":{"scrub":{}},
  "cases":[case(*p) for p in cards+card_negatives]},
 {"name":"a line logged as a JSON string is scrubbed as the line is (default)","config":{"scrub":{}},
  "cases":[case(*p) for p in wrapped]},
 {"name":"session keys: credentials, not prose labels (default)","config":{"scrub":{}},
  "cases":[case(*p) for p in session]},
]
# token case: expect redaction
for s in suites:
    for c in s["cases"]:
        if c["name"]=="Token{...} under token key":
            del c["output"]; c["absent"]=["a64f992"]
        if c["name"]=="a sensitive object in broken JSON in a string":
            del c["output"]; c["absent"]=["s3"]; c["valid_json"]=True
with open(OUT, "w", encoding="utf-8") as f:
    json.dump(suites, f, indent=2, ensure_ascii=False)
    f.write("\n")
