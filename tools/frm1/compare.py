#!/usr/bin/env python3
"""Cross-check `fleet-risk assess` against the independent FRM-1 reference.

    python3 tools/frm1/compare.py --binary PATH/fleet-risk --count 5000 --seed 1 \
        --as-of 2026-11-26 [--as-of 2024-02-29 ...] [--keep DIR] [--examples 3]

For every asOf date: generate a random book (random_book.py), run
`BINARY assess FILE --as-of DATE`, compute reference.py, compare every field:
numbers with tolerance max(1e-6, 1e-9 * |ref|), strings / bools / arrays
exactly, factor order, floors, srp profile / points / window / inspectionDue.
Factor `reason` strings are free text in the spec: they are checked to be
non-empty strings (hard) and against the spec's example format for `age`
("built 1998: 28 years old") as a soft warning only.
Exit status 1 on any (hard) mismatch, 2 if the binary fails.
"""
from __future__ import annotations

import argparse
import collections
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import reference  # noqa: E402
import random_book  # noqa: E402

TOP_KEYS = ["vesselIMO", "asOf", "modelVersion", "score", "scorecard", "level", "floors",
            "factors", "srp", "expectedClaims", "expectedAnnualLossUsd"]


def num_eq(a, b) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return False
    if not isinstance(a, (int, float)) or not isinstance(b, (int, float)):
        return False
    if math.isnan(a) or math.isnan(b):
        return False
    return abs(a - b) <= max(1e-6, 1e-9 * abs(b))


def compare_one(got: dict, ref: dict) -> tuple[list[tuple[str, object, object]], list]:
    """Return (hard mismatches [(field, got, ref)], soft warnings)."""
    bad = []
    soft = []

    def m(field, g, r):
        bad.append((field, g, r))

    if not isinstance(got, dict):
        m("<assessment>", got, "object")
        return bad, soft
    extra = sorted(set(got) - set(TOP_KEYS))
    if extra:
        soft.append(("extraTopLevelKeys", extra, None))
    for k in TOP_KEYS:
        if k not in got:
            m(k, "<missing>", ref.get(k))
    for k in ("vesselIMO", "asOf", "modelVersion", "level"):
        if k in got and got[k] != ref[k]:
            m(k, got[k], ref[k])
    for k in ("score", "scorecard", "expectedClaims", "expectedAnnualLossUsd"):
        if k in got and not num_eq(got[k], ref[k]):
            m(k, got[k], ref[k])
    # floors: exact list of rules in order, numeric floor
    if "floors" in got:
        gf = got["floors"]
        ok = isinstance(gf, list) and len(gf) == len(ref["floors"]) and all(
            isinstance(x, dict) and x.get("rule") == y["rule"] and num_eq(x.get("floor"), y["floor"])
            and set(x) == {"rule", "floor"}
            for x, y in zip(gf, ref["floors"]))
        if not ok:
            m("floors", gf, ref["floors"])
    # factors
    if "factors" in got:
        gfs = got["factors"]
        if not isinstance(gfs, list) or not all(isinstance(x, dict) for x in gfs):
            m("factors", gfs, ref["factors"])
        else:
            gkeys = [x.get("key") for x in gfs]
            rkeys = [x["key"] for x in ref["factors"]]
            if sorted(map(str, gkeys)) != sorted(rkeys):
                m("factors.keys", gkeys, rkeys)
            else:
                if gkeys != rkeys:
                    # distinguish a real ordering fault from float near-ties
                    rc = {x["key"]: x["contribution"] for x in ref["factors"]}
                    m("factors.order", [(k, gfs[i].get("contribution")) for i, k in enumerate(gkeys)],
                      [(k, rc[k]) for k in rkeys])
                gmap = {x["key"]: x for x in gfs}
                for r in ref["factors"]:
                    g = gmap[r["key"]]
                    for fld in ("weight", "value", "contribution"):
                        if not num_eq(g.get(fld), r[fld]):
                            m(f"factors.{r['key']}.{fld}", g.get(fld), r[fld])
                    if g.get("reason") != r["reason"]:
                        m(f"factors.{r['key']}.reason", g.get("reason"), r["reason"])
                    extra_f = set(g) - {"key", "weight", "value", "contribution", "reason"}
                    if extra_f:
                        soft.append(("factors.extraKeys", sorted(extra_f), None))
    # srp
    if "srp" in got:
        gs, rs = got["srp"], ref["srp"]
        if not isinstance(gs, dict):
            m("srp", gs, rs)
        else:
            if gs.get("profile") != rs["profile"]:
                m("srp.profile", gs.get("profile"), rs["profile"])
            gp = gs.get("points")
            if not (isinstance(gp, int) and not isinstance(gp, bool) and gp == rs["points"]):
                m("srp.points", gp, rs["points"])
            if gs.get("inspectionDue") is not rs["inspectionDue"]:
                m("srp.inspectionDue", gs.get("inspectionDue"), rs["inspectionDue"])
            if "nextInspectionWindow" not in gs or gs["nextInspectionWindow"] != rs["nextInspectionWindow"]:
                m("srp.nextInspectionWindow", gs.get("nextInspectionWindow", "<missing>"),
                  rs["nextInspectionWindow"])
            extra_s = set(gs) - {"profile", "points", "inspectionDue", "nextInspectionWindow"}
            if extra_s:
                soft.append(("srp.extraKeys", sorted(extra_s), None))
    return bad, soft


def run_binary(binary: str, path: str, as_of: str):
    cmd = [binary, "assess", path, "--as-of", as_of]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        return None, f"{' '.join(cmd)} exited {p.returncode}\nstderr:\n{p.stderr[:4000]}"
    try:
        return json.loads(p.stdout), None
    except json.JSONDecodeError as e:
        return None, f"stdout is not JSON: {e}\n{p.stdout[:2000]}"


def short(x, n=1500) -> str:
    s = json.dumps(x, ensure_ascii=False)
    return s if len(s) <= n else s[:n] + "..."


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="FRM-1 cross-check")
    p.add_argument("--binary", required=True)
    p.add_argument("--count", type=int, default=5000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--as-of", action="append", default=None)
    p.add_argument("--examples", type=int, default=3, help="examples printed per field")
    p.add_argument("--keep", default=None, help="directory to keep books and outputs in")
    p.add_argument("--data-dir", default=reference.DEFAULT_DATA_DIR)
    a = p.parse_args(argv)
    dates = a.as_of or ["2026-11-26"]
    reference.load_tables(a.data_dir)

    total = 0
    mism = collections.Counter()
    examples = collections.defaultdict(list)
    soft = collections.Counter()
    soft_ex = collections.defaultdict(list)
    vessels_bad = 0
    failed = False
    workdir = a.keep or tempfile.mkdtemp(prefix="frm1-compare-")
    os.makedirs(workdir, exist_ok=True)
    for d in dates:
        as_of = reference.parse_date(d)
        book = random_book.generate(a.seed, a.count, as_of, a.data_dir)
        path = os.path.join(workdir, f"book-{a.seed}-{d}.json")
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(book, fh, ensure_ascii=False)
        got, err = run_binary(a.binary, path, d)
        if err:
            print(f"[{d}] BINARY FAILED: {err}")
            failed = True
            continue
        if a.keep:
            with open(os.path.join(workdir, f"out-{a.seed}-{d}.json"), "w") as fh:
                json.dump(got, fh)
        if not isinstance(got, list) or len(got) != len(book):
            print(f"[{d}] binary returned {type(got).__name__} of length "
                  f"{len(got) if isinstance(got, list) else '-'}, expected {len(book)}")
            failed = True
            continue
        nbad_date = 0
        for idx, (v, g) in enumerate(zip(book, got)):
            r = reference.public(reference.assess(v, as_of))
            bad, warn = compare_one(g, r)
            total += 1
            if bad:
                vessels_bad += 1
                nbad_date += 1
            for field, gv, rv in bad:
                mism[field] += 1
                if len(examples[field]) < a.examples:
                    examples[field].append((d, idx, v, gv, rv))
            for field, gv, rv in warn:
                soft[field] += 1
                if len(soft_ex[field]) < a.examples:
                    soft_ex[field].append((d, idx, gv, rv))
        print(f"[{d}] compared {len(book)} vessels, {nbad_date} with mismatches")

    print()
    print(f"vessels compared: {total}; vessels with mismatches: {vessels_bad}")
    if mism:
        print("mismatches by field:")
        for field, n in mism.most_common():
            print(f"  {field}: {n}")
        for field, n in mism.most_common():
            print(f"\n=== {field} ({n}) ===")
            for d, idx, v, gv, rv in examples[field]:
                print(f"-- asOf {d}, input #{idx}")
                print(f"   vessel: {short(v)}")
                print(f"   binary:    {short(gv, 800)}")
                print(f"   reference: {short(rv, 800)}")
    if soft:
        print("\nwarnings (not counted as mismatches):")
        for field, n in soft.most_common():
            print(f"  {field}: {n}")
            for d, idx, gv, rv in soft_ex[field]:
                print(f"    asOf {d} #{idx}: binary={short(gv, 300)} reference={short(rv, 300)}")
    if a.keep or mism or failed:
        print(f"\nbooks in {workdir}")
    else:
        shutil.rmtree(workdir)
    if failed:
        return 2
    return 1 if mism else 0


if __name__ == "__main__":
    sys.exit(main())
