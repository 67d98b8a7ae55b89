"""Per-vessel comparison of one assessment (section 10) with the reference's,
field by field, and the golden engine cases checked against the reference.

Numbers compare with tolerance max(1e-6, 1e-9 x |ref|); strings, bools,
arrays, factor order, floors, the SRP and every factor's reason exactly (the
reasons as docs/reasons.md words them).
"""
from __future__ import annotations

import glob
import json
import math
import os

import reference

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN_DIR = os.path.normpath(os.path.join(HERE, "..", "..", "fixtures", "engine-cases"))

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


def check_golden(directory: str = GOLDEN_DIR) -> list[str]:
    """Problems of the golden cases: each case's expected assessment against the
    reference's, field by field, and every reason branch of docs/reasons.md
    taken by at least one case."""
    problems = []
    seen = set()
    paths = sorted(glob.glob(os.path.join(directory, "*.json")))
    if not paths:
        return [f"no golden cases in {directory}"]
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            case = json.load(fh)
        name = os.path.basename(path)
        ref = reference.assess(case["vessel"], reference.parse_date(case["asOf"]))
        seen |= set(ref["_reasonBranches"].items())
        bad, _ = compare_one(case["expected"], reference.public(ref))
        problems += [f"{name}: {field}: expected {g!r}, reference {r!r}" for field, g, r in bad]
    missing = sorted(set(reference.reason_spec().branches()) - seen)
    problems += [f"no golden case takes reason branch {factor}/{branch}" for factor, branch in missing]
    return problems
