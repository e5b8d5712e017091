"""Time ``resolve_connectors`` on synthetic Connector records (100,000 by default).

About 30% of the people appear in 2-3 communities, each time with variants: the
email's case and spaces, the phone's format, the organization's suffix, a short
first name, a new email or phone, and now and then nothing in common but the
name. Some share an ``info@`` mailbox.

    .venv/bin/python bench/bench_identity.py [--records 100000] [--seed 7]
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
import tracemalloc
from itertools import accumulate
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from connector_rollup.registry import load_registry  # noqa: E402
from connector_rollup.rollup.identity import Decision, resolve_connectors  # noqa: E402

SYLLABLES = (
    "ba be bi bo da de di do fa fe ka ke ki ko la le li lo ma me mi mo na ne ni no "
    "pa pe ri ro sa se si so ta te ti to va ve vi za zo an el in or us ar"
).split()
ACCENTED = {"e": "é", "a": "à", "o": "ô", "i": "ï", "u": "ü"}
NICKNAMES = {
    "Robert": "Bob",
    "William": "Bill",
    "James": "Jim",
    "Michael": "Mike",
    "Elizabeth": "Liz",
    "Thomas": "Tom",
    "Joseph": "Joe",
    "Katherine": "Kate",
}
SUFFIXES = ("", " Inc.", " Ltd", " Corp.", " Limited", " Ltée", " Co.")


def _word(rng: random.Random, parts: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(parts)).capitalize()


def _phone(rng: random.Random) -> str:
    return f"{rng.randint(200, 999)}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"


def _format_phone(rng: random.Random, digits: str) -> str:
    a, b, c = digits[:3], digits[3:6], digits[6:]
    return rng.choice(
        (f"({a}) {b}-{c}", f"{a}-{b}-{c}", f"+1 {a} {b} {c}", f"1{digits}", f"{a}.{b}.{c}")
    )


def _accented(rng: random.Random, name: str) -> str:
    i = rng.randrange(len(name))
    return name[:i] + ACCENTED.get(name[i], name[i]) + name[i + 1 :]


def synthetic_connectors(records: int, seed: int = 7) -> pd.DataFrame:
    """About ``records`` Connector rows with realistic duplication across communities."""
    rng = random.Random(seed)
    codes = sorted(load_registry())
    firsts = [_word(rng, rng.choice((2, 2, 3))) for _ in range(3000)] + list(NICKNAMES)
    lasts = [_word(rng, rng.choice((2, 3, 3, 4))) for _ in range(30000)]
    orgs = [
        _word(rng, 3) + rng.choice((" Services", " Group", " Health", " Foods", ""))
        for _ in range(5000)
    ]
    domains = ["gmail.com", "outlook.com", "yahoo.ca", "hotmail.com"]
    next_id = {code: 0 for code in codes}
    rows: list[tuple] = []

    def add(code, first, last, email, phone, org):
        next_id[code] += 1
        rows.append((code, f"C{next_id[code]:05d}", first, last, email, phone, org))

    # Zipf-like weights make common names common (the top first name ~3% of people, the top
    # last name ~0.7%), hence people sharing a full name: same-name pairs to review.
    first_weights = list(accumulate(1 / rank**0.7 for rank in range(1, len(firsts) + 1)))
    last_weights = list(accumulate(1 / rank**0.6 for rank in range(1, len(lasts) + 1)))
    while len(rows) < records:
        first = rng.choices(firsts, cum_weights=first_weights)[0]
        last = rng.choices(lasts, cum_weights=last_weights)[0]
        org = rng.choice(orgs) if rng.random() < 0.8 else None
        if rng.random() < 0.01 and org:
            email = f"info@{org.split()[0].lower()}.ca"
        elif rng.random() < 0.9:
            email = f"{first.lower()}.{last.lower()}{rng.randint(1, 999)}@{rng.choice(domains)}"
        else:
            email = None
        phone = _phone(rng) if rng.random() < 0.85 else None
        home = rng.choice(codes)
        add(home, first, last, email, _format_phone(rng, phone) if phone else None, org)
        if rng.random() >= 0.30:
            continue
        for code in rng.sample([c for c in codes if c != home], rng.choice((1, 1, 2))):
            f, la, e, p, o = first, last, email, phone, org
            variant = rng.random()
            if variant < 0.25 and e:
                e = f"  {e.upper()} "
                f = NICKNAMES.get(f, f)
            elif variant < 0.45:
                e = None if rng.random() < 0.5 else f"{f.lower()}{rng.randint(1, 99999)}@gmail.com"
                la = _accented(rng, la)
            elif variant < 0.65 and o:
                o = "The " + o + rng.choice(SUFFIXES)
                e = None
            elif variant < 0.75 and e:
                la = la[:-1] + "x"  # a typo: same email, last name one letter apart
            elif variant < 0.85:
                e, p, o = None, _phone(rng), rng.choice(orgs)  # nothing in common but the name
            add(code, f, la, e, _format_phone(rng, p) if p else None, o)
    columns = [
        "community_code",
        "connector_id",
        "first_name",
        "last_name",
        "email",
        "phone",
        "organization",
    ]
    frame = pd.DataFrame(rows[:records], columns=columns).astype("str")
    return frame.sample(frac=1, random_state=seed).reset_index(drop=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    connectors = synthetic_connectors(args.records, args.seed)
    first = connectors.sort_values(["community_code", "connector_id"]).iloc[[0, 1, 2, 3]]
    records = (first["community_code"] + ":" + first["connector_id"]).tolist()
    decisions = [Decision(records[0], records[1], True), Decision(records[2], records[3], False)]

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    result = resolve_connectors(connectors, decisions)
    seconds = time.perf_counter() - start
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    tracemalloc.start()
    resolve_connectors(connectors, decisions)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    print(f"records          {result.records:>10,}")
    print(f"persons          {result.persons:>10,}")
    print(f"merged records   {result.merged_records:>10,}")
    print(f"review rows      {len(result.review):>10,}")
    for reason, count in result.review["reason"].value_counts().sort_index().items():
        print(f"  {reason:<22} {count:>8,}")
    print(f"linked_by        {result.people['linked_by'].value_counts().to_dict()}")
    print(f"seconds          {seconds:>10.2f}")
    print(f"peak traced MiB  {peak / 2**20:>10.1f}  (tracemalloc, second run)")
    print(
        f"max RSS MiB      {rss_after / 1024:>10.1f}  (+{(rss_after - rss_before) / 1024:.1f} "
        "during the timed run)"
    )


if __name__ == "__main__":
    main()
