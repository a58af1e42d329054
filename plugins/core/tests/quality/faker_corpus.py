#!/usr/bin/env python3
"""Second-source detection corpus: Faker's own phone and card providers.

Writes `faker.jsonl` next to this script, in the format of `labelled.jsonl`
(see gen_corpus.py), with the phone numbers Faker makes for ten locales and
the card numbers it makes for each card type. Faker's formats are not ours:
they include shapes the detectors were not written for, which is the point.
Values that are bare digit runs go into lines with a phone word, as in
gen_corpus.py; the rest into neutral lines as often as into ones with a
phone word.

Needs Faker (pinned, so the output is reproducible):

    python3 -m venv /tmp/faker && /tmp/faker/bin/pip install faker==40.63.0
    /tmp/faker/bin/python plugins/core/tests/quality/faker_corpus.py
"""

import json
import os
import random
import re
import sys

import faker

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_corpus as g  # noqa: E402  (templates)

assert faker.VERSION == "40.63.0", f"pinned to Faker 40.63.0, found {faker.VERSION}"
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "faker.jsonl")
R = random.Random(40630)
LOCALES = ["en_US", "en_GB", "fr_FR", "de_DE", "it_IT", "es_ES", "nl_NL", "pt_BR", "ja_JP", "en_IN"]
CARD_TYPES = ["visa13", "visa16", "visa19", "mastercard", "amex", "discover", "jcb15", "jcb16", "diners", "maestro"]


def main():
    rows = []
    for loc in LOCALES:
        f = faker.Faker(loc)
        f.seed_instance(1203)
        for _ in range(300):
            v = f.phone_number()
            bare = re.fullmatch(r"\+?[0-9]+", v) is not None
            templates = g.CONTEXT_TEXT + g.CONTEXT_JSON
            if not bare:
                templates = templates + g.NEUTRAL_TEXT + g.NEUTRAL_JSON
            line = R.choice(templates).format(v=v)
            rows.append({"line": line, "pii": [{"value": v, "detector": "PHONE_NUMBER", "locale": loc, "form": "bare" if bare else "formatted"}], "class": None})
    f = faker.Faker("en_US")
    f.seed_instance(1203)
    for t in CARD_TYPES:
        for _ in range(100):
            v = f.credit_card_number(card_type=t)
            line = R.choice(g.CARD_TEXT + g.CARD_JSON).format(v=v)
            rows.append({"line": line, "pii": [{"value": v, "detector": "CREDIT_CARD", "locale": t, "form": f"{len(v)} digits"}], "class": None})
    with open(OUT, "w", encoding="utf-8") as out:
        for r in rows:
            out.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} lines to {OUT}")


if __name__ == "__main__":
    main()
