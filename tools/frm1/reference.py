#!/usr/bin/env python3
"""Independent reference implementation of risk model FRM-1 (model version frm-1.0).

Written from docs/risk-model.md sections 1-6, 8 and 10, the wording
specification docs/reasons.md (this repository) and the reference data
(fixtures/reference/flag-performance.csv and class-society-performance.csv) only, to
cross-check the Rust engine.  Python 3.11, standard library only.

Usage:
    python3 reference.py FILE|- [--as-of YYYY-MM-DD] [--fleet] [--data-dir DIR]

Without --fleet prints a JSON array of assessments (section 10) in input order;
with --fleet prints the section 8 aggregate of the whole file.

Readings implemented (the project's documented interpretations):
  * Defaults: companyPerformance "medium", sanctioned/bannedListed false, the
    three counts 0, inspections/incidents empty, classSociety missing/null =
    unclassed.
  * Events dated after asOf are ignored everywhere; the "latest paris_mou
    inspection" is the latest on or before asOf.
  * "last N months" = asOf - N months < date <= asOf, calendar months, day
    clamped to the target month's last day.  Age = asOf.year - yearBuilt.
  * Floors: sanctioned 100, bannedListed 90, >= 3 detentions (any regime) in the
    last 24 months 80; listed in that order; final = max(scorecard, max floor).
  * Scorecard detentions/deficiencies use inspections of every regime (36 m).
  * Class lookup by exact code; flag lookup by ISO code; absent -> "unlisted".
  * SRP: paris_mou inspections only; unlisted flag 0 points; unlisted class and
    unclassed: no class point, never LRS; HRS (>= 5 points) checked first, then
    LRS, else SRS.
  * Loss ratio with V = 0: f = 0 if the 60-month loss sum is 0 else 1.
  * V = 0: expectedAnnualLossUsd = 0, expectedClaims = lambda.
  * Level: low < medium <= ... ; a score equal to a threshold gets the higher level.
  * Factor reasons: the templates, labels and number rules of docs/reasons.md,
    read from that file (tools/frm1/reasons.py renders them).
  * Class society codes are compared and written without surrounding blanks.
  * Fleet: topDrivers items are {key, meanContribution} (openapi.yaml); empty
    fleet -> all zero, level "low", topDrivers [] (not in spec);
    highRiskValueShare uses the count share when total V = 0.
"""
from __future__ import annotations

import argparse
import calendar
import csv
import datetime as dt
import json
import math
import os
import re
import sys

import reasons

MODEL_VERSION = "frm-1.0"

HERE = os.path.dirname(os.path.abspath(__file__))
# The repository's own copy of the reference tables (the ones the engine
# builds in), so a clone runs the check without anything outside it.
DEFAULT_DATA_DIR = os.path.normpath(os.path.join(HERE, "..", "..", "fixtures", "reference"))

# ---------------------------------------------------------------- parameters
FACTOR_ORDER = [
    "age", "shipType", "flag", "classSociety", "company", "detentions",
    "deficiencies", "incidents", "lossRatio", "listedAreas", "darkActivity",
]
WEIGHTS = {
    "age": 14, "shipType": 8, "flag": 10, "classSociety": 10, "company": 12,
    "detentions": 12, "deficiencies": 6, "incidents": 14, "lossRatio": 6,
    "listedAreas": 5, "darkActivity": 3,
}
SHIP_TYPE_F = {
    "passenger": 0.9, "chemical_tanker": 0.9, "oil_tanker": 0.8, "bulk_carrier": 0.8,
    "ro_ro": 0.8, "gas_carrier": 0.7, "general_cargo": 0.6, "other": 0.6,
    "offshore": 0.5, "tug": 0.5, "container": 0.4,
}
FLAG_F = {
    "white": 0.0, "grey": 0.35, "black_medium": 0.6, "black_medium_high": 0.75,
    "black_high": 0.9, "black_very_high": 1.0, "unlisted": 0.5,
}
CLASS_F = {"high": 0.0, "medium": 0.3, "low": 0.7, "very_low": 1.0, "unlisted": 0.6, None: 1.0}
COMPANY_F = {"high": 0.0, "medium": 0.3, "low": 0.7, "very_low": 1.0}
SEVERITY_POINTS = {"A": 3, "B": 2, "C": 1}
TYPE_REL = {
    "passenger": 1.2, "ro_ro": 1.2, "chemical_tanker": 1.1, "general_cargo": 1.1,
    "oil_tanker": 1.0, "bulk_carrier": 1.0, "other": 1.0, "gas_carrier": 0.9,
    "container": 0.9, "offshore": 0.8, "tug": 0.8,
}
SRP_TYPES = {"chemical_tanker", "gas_carrier", "oil_tanker", "bulk_carrier", "passenger"}
TANKERS = {"oil_tanker", "chemical_tanker", "gas_carrier"}
DEFAULT_THRESHOLDS = {"medium": 25.0, "high": 50.0, "critical": 70.0}
SIGMA = 1.5

# ---------------------------------------------------------------- reference data
_FLAGS: dict[str, tuple[str, bool]] | None = None
_CLASSES: dict[str, tuple[str, bool]] | None = None


def _bool(s: str) -> bool:
    return s.strip().lower() in ("true", "yes", "1")


def load_tables(data_dir: str = DEFAULT_DATA_DIR) -> None:
    global _FLAGS, _CLASSES
    flags = {}
    with open(os.path.join(data_dir, "flag-performance.csv"), newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            audited = row.get("imo_audited", "").strip()
            flags[row["iso2"].strip()] = (row["list"].strip(), _bool(audited) if audited else True)
    classes = {}
    with open(os.path.join(data_dir, "class-society-performance.csv"), newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            classes[row["code"].strip()] = (row["performance"].strip(), _bool(row["eu_recognized"]))
    _FLAGS, _CLASSES = flags, classes


def flag_info(code: str) -> tuple[str, bool]:
    if _FLAGS is None:
        load_tables()
    return _FLAGS.get(code, ("unlisted", True))


def class_info(code: str | None) -> tuple[str | None, bool]:
    if _CLASSES is None:
        load_tables()
    if code is None:
        return (None, False)
    return _CLASSES.get(code, ("unlisted", False))


_REASONS: reasons.ReasonSpec | None = None


def reason_spec() -> reasons.ReasonSpec:
    """The wording specification (docs/reasons.md), read once."""
    global _REASONS
    if _REASONS is None:
        _REASONS = reasons.load()
    return _REASONS


def use_reason_spec(spec: reasons.ReasonSpec | None) -> None:
    """Render reasons from `spec` instead (None: docs/reasons.md again)."""
    global _REASONS
    _REASONS = spec

# ---------------------------------------------------------------- dates


def parse_date(s: str) -> dt.date:
    if not isinstance(s, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", s):
        raise ValueError(f"bad date {s!r}")
    return dt.date.fromisoformat(s)


def add_months(d: dt.date, n: int) -> dt.date:
    """Calendar month arithmetic; a day missing in the target month clamps to its last day."""
    m0 = d.year * 12 + (d.month - 1) + n
    y, m = divmod(m0, 12)
    m += 1
    last = calendar.monthrange(y, m)[1]
    return dt.date(y, m, min(d.day, last))


def in_last_months(date: dt.date, as_of: dt.date, n: int) -> bool:
    """asOf - n months < date <= asOf"""
    return add_months(as_of, -n) < date <= as_of


def clamp(x: float) -> float:
    return min(1.0, max(0.0, x))


def phi(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2.0))

# ---------------------------------------------------------------- input


def normalize_imo(s: str) -> str:
    s = s.strip()
    m = re.fullmatch(r"(?:IMO ?)?(\d{7})", s)
    if not m:
        raise ValueError(f"bad IMO {s!r}")
    return m.group(1)


def imo_valid(s: str) -> bool:
    if not re.fullmatch(r"\d{7}", s):
        return False
    d = [int(c) for c in s]
    return sum(w * x for w, x in zip((7, 6, 5, 4, 3, 2), d[:6])) % 10 == d[6]


def normalize_vessel(v: dict) -> dict:
    out = dict(v)
    out["vesselIMO"] = normalize_imo(v["vesselIMO"])
    code = v.get("classSociety")
    out["classSociety"] = code.strip() if isinstance(code, str) else None
    out["companyPerformance"] = v.get("companyPerformance") or "medium"
    out["sanctioned"] = bool(v.get("sanctioned", False))
    out["bannedListed"] = bool(v.get("bannedListed", False))
    out["daysInListedAreas12m"] = int(v.get("daysInListedAreas12m", 0) or 0)
    out["aisGaps12m"] = int(v.get("aisGaps12m", 0) or 0)
    out["flagChanges36m"] = int(v.get("flagChanges36m", 0) or 0)
    out["inspections"] = [
        {"date": parse_date(i["date"]), "regime": i["regime"],
         "deficiencies": int(i.get("deficiencies", 0)), "detained": bool(i.get("detained", False))}
        for i in (v.get("inspections") or [])
    ]
    out["incidents"] = [
        {"date": parse_date(i["date"]), "severity": i["severity"], "kind": i.get("kind"),
         "grossLossUsd": float(i.get("grossLossUsd", 0))}
        for i in (v.get("incidents") or [])
    ]
    out["insuredValueUsd"] = float(v["insuredValueUsd"])
    return out

# ---------------------------------------------------------------- level


def level_of(score: float, thresholds: dict | None = None) -> str:
    t = thresholds or DEFAULT_THRESHOLDS
    if score >= t["critical"]:
        return "critical"
    if score >= t["high"]:
        return "high"
    if score >= t["medium"]:
        return "medium"
    return "low"

# ---------------------------------------------------------------- expected loss


def limited_expected_value(v: float) -> float:
    """E[min(X, V)], X lognormal with median 0.02 V, sigma 1.5."""
    if v <= 0:
        return 0.0
    mu = math.log(0.02 * v)
    s = SIGMA
    return (math.exp(mu + s * s / 2.0) * phi((math.log(v) - mu - s * s) / s)
            + v * (1.0 - phi((math.log(v) - mu) / s)))


def claims_frequency(final: float, ship_type: str) -> float:
    return 0.22 * TYPE_REL[ship_type] * math.exp(1.5 * (final / 50.0 - 1.0))

# ---------------------------------------------------------------- assessment


def assess(vessel_in: dict, as_of: dt.date, thresholds: dict | None = None) -> dict:
    v = normalize_vessel(vessel_in)
    V = v["insuredValueUsd"]
    ship_type = v["shipType"]
    insp = [i for i in v["inspections"] if i["date"] <= as_of]
    inc = [i for i in v["incidents"] if i["date"] <= as_of]

    age = as_of.year - int(v["yearBuilt"])
    flag_list, flag_audited = flag_info(v["flag"])
    cls_perf, cls_eu = class_info(v["classSociety"])
    company = v["companyPerformance"]

    # --- floors
    floors = []
    if v["sanctioned"]:
        floors.append({"rule": "sanctioned", "floor": 100})
    if v["bannedListed"]:
        floors.append({"rule": "bannedListed", "floor": 90})
    det24 = sum(1 for i in insp if i["detained"] and in_last_months(i["date"], as_of, 24))
    if det24 >= 3:
        floors.append({"rule": "detentions24m", "floor": 80})

    # --- scorecard; reasons: (branch, values) rendered from docs/reasons.md
    f = {}
    why = {}
    f["age"] = clamp((age - 5) / 20)
    why["age"] = ("built", {"yearBuilt": int(v["yearBuilt"]), "age": age})
    f["shipType"] = SHIP_TYPE_F[ship_type]
    why["shipType"] = ("type", {"shipType": ship_type})
    f["flag"] = FLAG_F[flag_list]
    why["flag"] = (("unlisted", {"flag": v["flag"]}) if flag_list == "unlisted"
                   else ("listed", {"flag": v["flag"], "flagList": flag_list}))
    f["classSociety"] = CLASS_F[cls_perf]
    code = v["classSociety"]
    why["classSociety"] = (("unclassed", {}) if cls_perf is None
                           else ("unlisted", {"classSociety": code}) if cls_perf == "unlisted"
                           else ("listed", {"classSociety": code, "classPerformance": cls_perf}))
    f["company"] = COMPANY_F[company]
    why["company"] = ("performance", {"companyPerformance": company})
    insp36 = [i for i in insp if in_last_months(i["date"], as_of, 36)]
    det36 = sum(1 for i in insp36 if i["detained"])
    f["detentions"] = 0.0 if det36 == 0 else (0.5 if det36 == 1 else 1.0)
    why["detentions"] = ("count", {"detentions": det36, "detentionMonths": 36})
    if not insp36:
        f["deficiencies"] = 0.5
        why["deficiencies"] = ("noInspection", {"deficiencyMonths": 36})
    else:
        total_def = sum(i["deficiencies"] for i in insp36)
        f["deficiencies"] = clamp(total_def / len(insp36) / 10)
        why["deficiencies"] = ("counted", {"deficiencies": total_def, "inspections": len(insp36),
                                           "deficiencyMonths": 36})
    S = 0.0
    loss60 = 0.0
    n_inc = 0
    for i in inc:
        if not in_last_months(i["date"], as_of, 60):
            continue
        n_inc += 1
        loss60 += i["grossLossUsd"]
        if in_last_months(i["date"], as_of, 12):
            r = 1.0
        elif in_last_months(i["date"], as_of, 36):
            r = 0.6
        else:
            r = 0.3
        S += SEVERITY_POINTS[i["severity"]] * r
    f["incidents"] = clamp(S / 6)
    why["incidents"] = (("noIncident", {"incidentMonths": 60}) if n_inc == 0
                        else ("counted", {"incidents": n_inc, "incidentMonths": 60,
                                          "severityPoints": S}))
    if V == 0:
        f["lossRatio"] = 0.0 if loss60 == 0 else 1.0
        why["lossRatio"] = (("noValueNoLosses", {"lossMonths": 60}) if loss60 == 0
                            else ("noValueLosses", {"losses": loss60, "lossMonths": 60}))
    else:
        R = loss60 / (5 * V)
        f["lossRatio"] = clamp(R / 0.10)
        why["lossRatio"] = (("noLosses", {"lossMonths": 60}) if loss60 == 0
                            else ("losses", {"losses": loss60, "lossRatio": R, "lossMonths": 60}))
    f["listedAreas"] = clamp(v["daysInListedAreas12m"] / 90)
    why["listedAreas"] = ("days", {"daysInListedAreas12m": v["daysInListedAreas12m"]})
    f["darkActivity"] = clamp(v["aisGaps12m"] / 6 + v["flagChanges36m"] / 2)
    why["darkActivity"] = ("counts", {"aisGaps12m": v["aisGaps12m"],
                                      "flagChanges36m": v["flagChanges36m"]})
    spec = reason_spec()
    reason = {k: spec.render(k, branch, **values) for k, (branch, values) in why.items()}

    factors = []
    scorecard = 0.0
    for k in FACTOR_ORDER:
        c = WEIGHTS[k] * f[k]
        scorecard += c
        factors.append({"key": k, "weight": WEIGHTS[k], "value": f[k], "contribution": c,
                        "reason": reason[k]})
    # stable sort: ties keep spec table order
    factors.sort(key=lambda x: -x["contribution"])

    final = float(max([scorecard] + [fl["floor"] for fl in floors]))

    # --- SRP (paris_mou only)
    paris = [i for i in insp if i["regime"] == "paris_mou"]
    paris36 = [i for i in paris if in_last_months(i["date"], as_of, 36)]
    points = 0
    if ship_type in SRP_TYPES:
        points += 2
    if age > 12:
        points += 1
    if flag_list in ("black_very_high", "black_high", "black_medium_high"):
        points += 2
    elif flag_list == "black_medium":
        points += 1
    if cls_perf in ("low", "very_low"):
        points += 1
    if company in ("low", "very_low"):
        points += 2
    if sum(1 for i in paris36 if i["detained"]) >= 2:
        points += 1
    if points >= 5:
        profile = "HRS"
    elif (flag_list == "white" and flag_audited and cls_perf == "high" and cls_eu
          and company == "high" and len(paris36) >= 1
          and all(i["deficiencies"] <= 5 for i in paris36)
          and not any(i["detained"] for i in paris36)):
        profile = "LRS"
    else:
        profile = "SRS"
    if paris:
        d = max(i["date"] for i in paris)
        lo, hi = {"HRS": (5, 6), "SRS": (10, 12), "LRS": (24, 36)}[profile]
        wfrom, wto = add_months(d, lo), add_months(d, hi)
        window = {"from": wfrom.isoformat(), "to": wto.isoformat()}
        due = as_of >= wfrom
    else:
        window = None
        due = True

    lam = claims_frequency(final, ship_type)
    eal = 0.0 if V == 0 else lam * limited_expected_value(V)

    return {
        "vesselIMO": v["vesselIMO"],
        "asOf": as_of.isoformat(),
        "modelVersion": MODEL_VERSION,
        "score": final,
        "scorecard": scorecard,
        "level": level_of(final, thresholds),
        "floors": floors,
        "factors": factors,
        "srp": {"profile": profile, "points": points, "inspectionDue": due,
                "nextInspectionWindow": window},
        "expectedClaims": lam,
        "expectedAnnualLossUsd": eal,
        # not part of section 10; used by the fleet aggregation and the branch coverage
        "_reasonBranches": {k: branch for k, (branch, _) in why.items()},
        "_insuredValueUsd": V,
        "_shipType": ship_type,
    }


def public(a: dict) -> dict:
    return {k: x for k, x in a.items() if not k.startswith("_")}

# ---------------------------------------------------------------- fleet (section 8)


def fleet(assessments: list[dict], thresholds: dict | None = None) -> dict:
    """Aggregate assessments produced by assess() (they carry _insuredValueUsd/_shipType)."""
    n = len(assessments)
    level_counts = {"low": 0, "medium": 0, "high": 0, "critical": 0}
    srp_counts = {"HRS": 0, "SRS": 0, "LRS": 0}
    if n == 0:
        return {"score": 0.0, "level": level_of(0.0, thresholds), "maxScore": 0.0,
                "vesselCount": 0, "totalInsuredValueUsd": 0.0, "levelCounts": level_counts,
                "srpCounts": srp_counts, "highRiskValueShare": 0.0, "expectedClaims": 0.0,
                "expectedAnnualLossUsd": 0.0, "topDrivers": [], "largestTankerExposureUsd": 0.0}
    vs = [a["_insuredValueUsd"] for a in assessments]
    total_v = sum(vs)
    if total_v > 0:
        w = [x / total_v for x in vs]
    else:
        w = [1.0 / n] * n
    score = sum(wi * a["score"] for wi, a in zip(w, assessments))
    levels = []
    for a in assessments:
        lvl = level_of(a["score"], thresholds)
        levels.append(lvl)
        level_counts[lvl] += 1
        srp_counts[a["srp"]["profile"]] += 1
    high_share = sum(wi for wi, lvl in zip(w, levels) if lvl in ("high", "critical"))
    drivers = []
    for k in FACTOR_ORDER:
        mean_c = 0.0
        for wi, a in zip(w, assessments):
            c = next(fc["contribution"] for fc in a["factors"] if fc["key"] == k)
            mean_c += wi * c
        drivers.append({"key": k, "meanContribution": mean_c})
    drivers.sort(key=lambda x: -x["meanContribution"])
    tankers = [a["_insuredValueUsd"] for a in assessments if a["_shipType"] in TANKERS]
    return {
        "score": score,
        "level": level_of(score, thresholds),
        "maxScore": max(a["score"] for a in assessments),
        "vesselCount": n,
        "totalInsuredValueUsd": total_v,
        "levelCounts": level_counts,
        "srpCounts": srp_counts,
        "highRiskValueShare": high_share,
        "expectedClaims": sum(a["expectedClaims"] for a in assessments),
        "expectedAnnualLossUsd": sum(a["expectedAnnualLossUsd"] for a in assessments),
        "topDrivers": drivers[:3],
        "largestTankerExposureUsd": max(tankers) if tankers else 0.0,
    }

# ---------------------------------------------------------------- CLI


def assess_all(vessels: list[dict], as_of: dt.date) -> list[dict]:
    return [assess(v, as_of) for v in vessels]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("file", nargs="?", default="-")
    p.add_argument("--as-of", default=None, help="YYYY-MM-DD (default: today UTC)")
    p.add_argument("--fleet", action="store_true")
    p.add_argument("--data-dir", default=DEFAULT_DATA_DIR)
    a = p.parse_args(argv)
    load_tables(a.data_dir)
    as_of = parse_date(a.as_of) if a.as_of else dt.datetime.now(dt.timezone.utc).date()
    data = json.load(sys.stdin if a.file == "-" else open(a.file, encoding="utf-8"))
    res = assess_all(data, as_of)
    out = fleet(res) if a.fleet else [public(r) for r in res]
    json.dump(out, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
