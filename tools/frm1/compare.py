#!/usr/bin/env python3
"""Cross-check the `fleet-risk` binary against the independent FRM-1 reference.

    python3 tools/frm1/compare.py --binary PATH/fleet-risk --count 5000 --seed 1 \
        --as-of 2026-11-26 [--as-of 2024-02-29 ...] [--fleet-vessels 300] \
        [--sim-years 50000] [--ref-years 20000] [--self-test] [--keep DIR] [--examples 3]

Four parts, each compared field by field (check_vessels.py, check_fleet.py,
check_simulation.py say how):
1. golden: every fixtures/engine-cases/*.json expectation against the
   reference, reasons included, and every reason branch of docs/reasons.md
   taken by some case (no binary needed);
2. vessels: for every asOf date a random book (random_book.py) through
   `BINARY assess FILE --as-of DATE`, every field of every assessment, reason
   texts exactly; every reason branch must occur in the books (from
   --count 500 on);
3. fleets (section 8): a book of `--fleet-vessels` vessels split into fleets,
   seeded into a fresh SQLite database, recalculated as of the first date and
   read back through `GET /api/fleet-risk/fleets/{id}/risk` (0 skips);
4. simulation (section 9): the largest of those fleets through
   `BINARY simulate --years N --seed S`, deterministic fields exactly, the
   statistics within tolerances against a reference sample of `--ref-years`
   (0 skips).

`--self-test` proves the check can fail: after a clean run it breaks the
reference three ways (one reason template, one aggregate rule, one
simulation parameter) and requires each to be caught.
Exit status 1 on any mismatch (or a self-test the check did not fail), 2 if
the binary fails.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import check_fleet  # noqa: E402
import check_simulation  # noqa: E402
import check_vessels  # noqa: E402
import random_book  # noqa: E402
import reference  # noqa: E402


# From this book size on, the books must take every reason branch.
COVERAGE_COUNT = 500


class BinaryFailed(Exception):
    pass


def run_assess(binary: str, path: str, as_of: str):
    cmd = [binary, "assess", path, "--as-of", as_of]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise BinaryFailed(f"{' '.join(cmd)} exited {p.returncode}\nstderr:\n{p.stderr[:4000]}")
    try:
        return json.loads(p.stdout)
    except json.JSONDecodeError as e:
        raise BinaryFailed(f"stdout is not JSON: {e}\n{p.stdout[:2000]}") from e


def short(x, n=1500) -> str:
    s = json.dumps(x, ensure_ascii=False)
    return s if len(s) <= n else s[:n] + "..."


def collect(a, workdir: str) -> dict:
    """Everything the binary answers, gathered once (the self-test judges it again)."""
    runs = {"vessels": [], "fleet": None, "sim": None}
    for d in a.as_of:
        book = random_book.generate(a.seed, a.count, reference.parse_date(d), a.data_dir)
        path = os.path.join(workdir, f"book-{a.seed}-{d}.json")
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(book, fh, ensure_ascii=False)
        got = run_assess(a.binary, path, d)
        if not isinstance(got, list) or len(got) != len(book):
            raise BinaryFailed(f"[{d}] binary returned {type(got).__name__} of length "
                               f"{len(got) if isinstance(got, list) else '-'}, expected {len(book)}")
        runs["vessels"].append((d, book, got))
    d = a.as_of[0]
    if a.fleet_vessels:
        book = random_book.generate(a.seed + 1, a.fleet_vessels, reference.parse_date(d), a.data_dir)
        fleets = check_fleet.build_fleets(book, a.seed)
        runs["fleet"] = (fleets, check_fleet.aggregates(a.binary, fleets, d))
        if a.sim_years:
            vessels = max(fleets, key=lambda f: len(f["vessels"]))["vessels"]
            runs["sim"] = (vessels, check_simulation.outputs(a.binary, vessels, d, a.sim_years, a.seed))
    return runs


def judge(runs: dict, a, sim_claims=None) -> dict[str, list[str]]:
    """Problems by part; the vessel part summarised by field with examples."""
    problems = {"golden": check_vessels.check_golden()}
    mism, examples, branches, total = collections.Counter(), collections.defaultdict(list), set(), 0
    for d, book, got in runs["vessels"]:
        as_of = reference.parse_date(d)
        for idx, (v, g) in enumerate(zip(book, got)):
            r = reference.assess(v, as_of)
            branches |= set(r["_reasonBranches"].items())
            bad, _ = check_vessels.compare_one(g, reference.public(r))
            total += 1
            for field, gv, rv in bad:
                mism[field] += 1
                if len(examples[field]) < a.examples:
                    examples[field].append(f"asOf {d} #{idx}: vessel {short(v)}\n"
                                           f"      binary:    {short(gv, 800)}\n"
                                           f"      reference: {short(rv, 800)}")
    vessel_problems = [f"{field}: {n} of {total} assessments\n    " + "\n    ".join(examples[field])
                       for field, n in mism.most_common()]
    missing = sorted(set(reference.reason_spec().branches()) - branches)
    if runs["vessels"] and a.count >= COVERAGE_COUNT:
        vessel_problems += [f"the books never take reason branch {f}/{b}" for f, b in missing]
    elif runs["vessels"] and missing:
        print(f"note: books of {a.count} vessels leave reason branches untaken (required from "
              f"--count {COVERAGE_COUNT}): {', '.join(f'{f}/{b}' for f, b in missing)}")
    problems["vessels"] = vessel_problems
    if runs["fleet"]:
        fleets, got = runs["fleet"]
        problems["fleets"] = check_fleet.check(got, fleets, a.as_of[0])
    if runs["sim"]:
        vessels, out = runs["sim"]
        problems["simulation"] = check_simulation.check(out, vessels, a.as_of[0], a.sim_years, a.seed,
                                                        a.ref_years, sim_claims)
    return problems


def report(problems: dict[str, list[str]], runs: dict) -> int:
    counts = {"golden": "golden cases", "vessels": f"{sum(len(b) for _, b, _ in runs['vessels'])} assessments",
              "fleets": f"{len(runs['fleet'][0]) if runs['fleet'] else 0} fleet aggregates",
              "simulation": "1 simulation"}
    for part, found in problems.items():
        print(f"{part} ({counts[part]}): {'ok' if not found else f'{len(found)} problem(s)'}")
        for line in found:
            print(f"  - {line}")
    return sum(len(found) for found in problems.values())


def self_test(runs: dict, a) -> int:
    """The check must fail when the reference is broken; 0 when it always did."""
    import reasons
    import simulation

    def perturbed_fleet(original):
        def fleet(assessments, thresholds=None):
            out = original(assessments, thresholds)
            if assessments:  # the score as a plain mean, ignoring the insured values
                out["score"] = sum(x["score"] for x in assessments) / len(assessments)
            return out
        return fleet

    spec = reasons.load()
    broken = reasons.ReasonSpec(dict(spec.templates), spec.labels, spec.kinds)
    key = ("detentions", "count")
    broken.templates[key] = spec.templates[key].replace("in the last", "within the last")
    original_fleet = reference.fleet
    cases = [
        ("reason template detentions/count reads 'within the last'", ["golden", "vessels"],
         lambda: reference.use_reason_spec(broken), lambda: reference.use_reason_spec(None), None),
        ("fleet score as a plain mean", ["fleets"],
         lambda: setattr(reference, "fleet", perturbed_fleet(original_fleet)),
         lambda: setattr(reference, "fleet", original_fleet), None),
        ("claim size sigma 1.6 instead of 1.5", ["simulation"], lambda: None, lambda: None,
         simulation.ClaimModel(sigma=1.6)),
    ]
    print("self-test: the unbroken reference")
    if report(judge(runs, a), runs):
        print("self-test inconclusive: the unbroken check already fails")
        return 1
    missed = 0
    for name, parts, breaks, repairs, claims in cases:
        breaks()
        try:
            problems = judge(runs, a, claims)
        finally:
            repairs()
        caught = [p for p in parts if p in problems and problems[p]]
        print(f"\nself-test: {name}: caught by {caught or 'nothing'} (expected {parts})")
        for part in caught:
            for line in problems[part][:3]:
                print(f"  - [{part}] {line.splitlines()[0]}")
        if len(caught) != len([p for p in parts if p in problems]) or not caught:
            missed += 1
    print(f"\nself-test: {len(cases) - missed} of {len(cases)} broken references caught")
    return 1 if missed else 0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="FRM-1 cross-check")
    p.add_argument("--binary", required=True)
    p.add_argument("--count", type=int, default=5000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--as-of", action="append", default=None)
    p.add_argument("--fleet-vessels", type=int, default=300, help="vessels of the fleet check (0 skips it)")
    p.add_argument("--sim-years", type=int, default=50_000, help="years the binary simulates (0 skips)")
    p.add_argument("--ref-years", type=int, default=20_000, help="years of the reference's own sample")
    p.add_argument("--self-test", action="store_true", help="also prove that a broken reference is caught")
    p.add_argument("--examples", type=int, default=3, help="examples printed per field")
    p.add_argument("--keep", default=None, help="directory to keep books in")
    p.add_argument("--data-dir", default=reference.DEFAULT_DATA_DIR)
    a = p.parse_args(argv)
    a.as_of = a.as_of or ["2026-11-26"]
    reference.load_tables(a.data_dir)
    workdir = a.keep or tempfile.mkdtemp(prefix="frm1-compare-")
    os.makedirs(workdir, exist_ok=True)
    try:
        runs = collect(a, workdir)
    except (BinaryFailed, RuntimeError) as e:
        print(f"BINARY FAILED: {e}\nbooks in {workdir}")
        return 2
    if a.self_test:
        status = self_test(runs, a)
    else:
        status = 1 if report(judge(runs, a), runs) else 0
    if a.keep or status:
        print(f"\nbooks in {workdir}")
    else:
        shutil.rmtree(workdir)
    return status


if __name__ == "__main__":
    sys.exit(main())
