#!/usr/bin/env python3
"""Random vessel book for the FRM-1 cross-check (section 1 inputs, camelCase).

    python3 random_book.py --seed 1 --count 5000 --as-of 2026-11-26 --out book.json

Edge cases are over-represented: every ship type, flags of every list colour
plus unlisted ISO codes, every class society plus unlisted codes and null,
every company level (and the field omitted -> default medium), V = 0, sanctioned
and banned vessels, ages 0..60, boundary counts, and inspection / incident dates
clustered on the 12/24/36/60-month window boundaries (exactly N months before
asOf, one day after, one day before), month ends and 29 February.  All dates are
<= asOf.  Optional fields are sometimes omitted to exercise the defaults.
"""
from __future__ import annotations

import argparse
import calendar
import csv
import datetime as dt
import json
import os
import random
import string
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from reference import DEFAULT_DATA_DIR, add_months, parse_date  # noqa: E402

SHIP_TYPES = ["bulk_carrier", "oil_tanker", "chemical_tanker", "gas_carrier", "passenger",
              "container", "general_cargo", "ro_ro", "offshore", "tug", "other"]
COMPANY = ["high", "medium", "low", "very_low"]
REGIMES = ["paris_mou", "tokyo_mou", "uscg", "other"]
SEVERITIES = ["A", "B", "C"]
KINDS = ["collision", "grounding", "fire_explosion", "machinery", "hull_damage", "pollution",
         "piracy", "total_loss", "other"]
UNLISTED_FLAGS = ["VU", "BZ", "NG", "US", "RU", "BR", "KH", "MN", "TV", "AE", "SA", "ID"]
UNLISTED_CLASSES = ["VR", "IBS", "MSR", "UKRS", "IRCS", "ICS", "dnv", "Lr"]
WINDOWS = [12, 24, 36, 60]


def load_codes(data_dir: str):
    flags_by_list: dict[str, list[str]] = {}
    with open(os.path.join(data_dir, "flag-performance.csv"), newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            flags_by_list.setdefault(row["list"].strip(), []).append(row["iso2"].strip())
    classes = []
    with open(os.path.join(data_dir, "class-society-performance.csv"), newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            classes.append(row["code"].strip())
    return flags_by_list, classes


def make_imo(rng: random.Random) -> str:
    d = [rng.randint(0, 9) for _ in range(6)]
    if rng.random() < 0.8:
        d[0] = rng.choice([7, 8, 9])
    c = sum(w * x for w, x in zip((7, 6, 5, 4, 3, 2), d)) % 10
    return "".join(map(str, d)) + str(c)


def make_name(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.02:
        return "X"
    if r < 0.04:
        return "N" * 120
    if r < 0.07:
        return rng.choice(["ÆRØ STAR", "São Paulo", "Ναυτίλος", "Łódź Trader"])
    words = ["OCEAN", "STAR", "PACIFIC", "NORDIC", "EVER", "GIVEN", "SEA", "SPIRIT", "GLORY",
             "MARU", "EXPRESS", "TRADER", "PIONEER", "AURORA", "HAWK", "BRAVE"]
    return " ".join(rng.choice(words) for _ in range(rng.randint(1, 3)))


def make_policy(rng: random.Random):
    if rng.random() < 0.3:
        return None
    pre = "".join(rng.choice(string.ascii_uppercase) for _ in range(rng.randint(2, 4)))
    mid = "".join(rng.choice(string.digits) for _ in range(4))
    tail = "".join(rng.choice(string.digits) for _ in range(rng.randint(4, 8)))
    return f"{pre}-{mid}-{tail}"


def boundary_dates(as_of: dt.date) -> list[dt.date]:
    out = [as_of, as_of - dt.timedelta(days=1)]
    for n in WINDOWS + [5, 6, 10, 11, 13, 23, 25, 35, 37, 59, 61]:
        b = add_months(as_of, -n)
        out += [b, b + dt.timedelta(days=1), b - dt.timedelta(days=1)]
    # month ends and 29 February in the last ~7 years
    for y in range(as_of.year - 7, as_of.year + 1):
        for m in (1, 2, 3, 4, 6, 8, 9, 11, 12):
            out.append(dt.date(y, m, calendar.monthrange(y, m)[1]))
        if calendar.isleap(y):
            out += [dt.date(y, 2, 29), dt.date(y, 2, 28), dt.date(y, 3, 1)]
        out += [dt.date(y, 3, 31), dt.date(y, 5, 31), dt.date(y, 8, 31), dt.date(y, 10, 31),
                dt.date(y, 1, 31), dt.date(y, 3, 30), dt.date(y, 3, 29)]
    return sorted({d for d in out if d <= as_of})


def make_date(rng: random.Random, as_of: dt.date, bdates: list[dt.date]) -> dt.date:
    r = rng.random()
    if r < 0.6:
        return rng.choice(bdates)
    if r < 0.95:
        return as_of - dt.timedelta(days=rng.randint(0, 6 * 366))
    return as_of - dt.timedelta(days=rng.randint(0, 30 * 366))


def make_count(rng: random.Random, hi_typical: int, hi_large: int) -> int:
    r = rng.random()
    if r < 0.35:
        return 0
    if r < 0.9:
        return rng.randint(0, hi_typical)
    return rng.randint(0, hi_large)


def make_value(rng: random.Random) -> float | int:
    r = rng.random()
    if r < 0.08:
        return 0
    if r < 0.12:
        return rng.choice([1, 0.5, 50, 1e-3, 1e10, 2.5e9])
    if r < 0.55:
        return rng.randint(1, 400) * 250_000
    return round(rng.uniform(1e5, 3e8), rng.choice([0, 2]))


def make_vessel(rng: random.Random, as_of: dt.date, flags_by_list, classes, bdates) -> dict:
    ship_type = rng.choice(SHIP_TYPES)
    r = rng.random()
    if r < 0.15:
        age = rng.choice([0, 5, 6, 12, 13, 25, 26, 60])
    else:
        age = rng.randint(0, 60)
    year_built = max(1900, as_of.year - age)
    lists = list(flags_by_list)
    if rng.random() < 0.2:
        flag = rng.choice(UNLISTED_FLAGS)
    else:
        flag = rng.choice(flags_by_list[rng.choice(lists)])
    r = rng.random()
    if r < 0.12:
        cls = None
    elif r < 0.25:
        cls = rng.choice(UNLISTED_CLASSES)
    else:
        cls = rng.choice(classes)
    v: dict = {
        "vesselIMO": make_imo(rng),
        "name": make_name(rng),
        "shipType": ship_type,
        "yearBuilt": year_built,
        "grossTonnage": rng.choice([1, 600000, rng.randint(1, 600000), rng.randint(100, 200000)]),
        "flag": flag,
        "classSociety": cls,
    }
    if rng.random() < 0.9:
        v["companyPerformance"] = rng.choice(COMPANY)
    v["insuredValueUsd"] = make_value(rng)
    v["insurancePolicyId"] = make_policy(rng)
    if rng.random() < 0.9:
        v["sanctioned"] = rng.random() < 0.05
    if rng.random() < 0.9:
        v["bannedListed"] = rng.random() < 0.06
    if rng.random() < 0.9:
        v["daysInListedAreas12m"] = rng.choice([0, 1, 89, 90, 91, 365, 366, rng.randint(0, 366)]) \
            if rng.random() < 0.5 else make_count(rng, 120, 366)
    if rng.random() < 0.9:
        v["aisGaps12m"] = make_count(rng, 7, 20)
    if rng.random() < 0.9:
        v["flagChanges36m"] = make_count(rng, 2, 5)
    if rng.random() < 0.93:
        n = rng.randint(0, 10)
        # bias to paris_mou to exercise SRP (LRS needs paris inspections)
        insp = []
        for _ in range(n):
            det = rng.random() < 0.25
            defs = rng.choice([0, 0, 1, 2, 3, 4, 5, 5, 6, 7, 10, 15, 30, rng.randint(0, 40)])
            insp.append({
                "date": make_date(rng, as_of, bdates).isoformat(),
                "regime": "paris_mou" if rng.random() < 0.5 else rng.choice(REGIMES),
                "deficiencies": defs,
                "detained": det,
            })
        v["inspections"] = insp
    if rng.random() < 0.93:
        n = rng.choice([0, 0, 1, 2, 3, 4, 5, 6])
        inc = []
        for _ in range(n):
            loss = rng.choice([0, 0, 1, 1e5, 5e6, 2.5e7, round(rng.uniform(0, 5e7), 2), 1e9])
            inc.append({
                "date": make_date(rng, as_of, bdates).isoformat(),
                "severity": rng.choice(SEVERITIES),
                "kind": rng.choice(KINDS),
                "grossLossUsd": loss,
            })
        v["incidents"] = inc
    return v


def make_low_risk(rng: random.Random, as_of: dt.date, flags_by_list, classes, bdates) -> dict:
    """A vessel that is close to LRS (so LRS paths are actually exercised)."""
    v = make_vessel(rng, as_of, flags_by_list, classes, bdates)
    v["flag"] = rng.choice(flags_by_list.get("white", ["DK"]))
    high = [c for c in classes if c in ("ABS", "BV", "CCS", "CRS", "DNV", "IRS", "KR", "LR",
                                          "NK", "PRS", "RINA")] or classes
    v["classSociety"] = rng.choice(high)
    v["companyPerformance"] = "high"
    v["shipType"] = rng.choice(["container", "general_cargo", "ro_ro", "offshore", "tug", "other"])
    insp = []
    for _ in range(rng.randint(0, 4)):
        insp.append({"date": make_date(rng, as_of, bdates).isoformat(),
                     "regime": rng.choice(["paris_mou", "paris_mou", "paris_mou", "uscg"]),
                     "deficiencies": rng.choice([0, 1, 3, 5, 5, 6]),
                     "detained": rng.random() < 0.08})
    v["inspections"] = insp
    return v


def generate(seed: int, count: int, as_of: dt.date, data_dir: str = DEFAULT_DATA_DIR) -> list[dict]:
    rng = random.Random(f"{seed}:{as_of.isoformat()}")
    flags_by_list, classes = load_codes(data_dir)
    bdates = boundary_dates(as_of)
    out = []
    for _ in range(count):
        if rng.random() < 0.2:
            out.append(make_low_risk(rng, as_of, flags_by_list, classes, bdates))
        else:
            out.append(make_vessel(rng, as_of, flags_by_list, classes, bdates))
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="random FRM-1 vessel book")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--count", type=int, default=1000)
    p.add_argument("--as-of", default="2026-11-26")
    p.add_argument("--out", default="-")
    p.add_argument("--data-dir", default=DEFAULT_DATA_DIR)
    a = p.parse_args(argv)
    book = generate(a.seed, a.count, parse_date(a.as_of), a.data_dir)
    if a.out == "-":
        json.dump(book, sys.stdout, indent=1, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        with open(a.out, "w", encoding="utf-8") as fh:
            json.dump(book, fh, indent=1, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
