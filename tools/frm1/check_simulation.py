"""`fleet-risk simulate` (risk-model.md section 9) against the reference.

Deterministic, compared exactly: `years` and `seed` echoed; the same inputs,
years and seed give byte-identical output, also on one thread; a different
seed gives a different sample; `expectedAnnualLossUsd` equals the reference's
sum of EAL_i (1e-9 relative). Statistical (the spec fixes no generator, see
simulation.py): with n the binary's years and M the reference sample's,
- the spec's own bound `|mean - sum EAL_i| < 4 stdDev / sqrt(n)`;
- mean against kappa_1: `|mean - k1| <= z sqrt(k2 / n)`;
- variance against kappa_2: `|stdDev^2 - k2| <= z sqrt((k4 + 2 k2^2) / n)`;
- pAnyTotalLoss against its exact value p: `<= z sqrt(p (1 - p) / n) + 1/n`;
- var95 / var995 as quantiles: with F the reference sample's distribution,
  `F(var-) <= q + t` and `F(var) >= q - t`, `t = z sqrt(q (1 - q) (1/n + 1/M)) + 1/n`;
- tvar995 against the reference sample's: `<= z sqrt(v (1/n + 1/M))`, v the
  asymptotic variance of the tail mean `(Var(L | tail) + q (ES - VaR)^2) / (1 - q)`.
z = 5: each statistical test alone raises a false alarm with probability
5.7e-7 under the normal approximation, all six together under 4e-6 for a
given book and seed (and the CI's book and seeds are fixed, so its verdict is
reproducible). Order and range: 0 <= var95 <= var995 <= tvar995, 0 <= p <= 1.
"""
from __future__ import annotations

import bisect
import json
import math
import os
import subprocess
import tempfile

import reference
import simulation
from check_vessels import num_eq

Z = 5.0
SIM_KEYS = ["years", "seed", "mean", "stdDev", "var95", "var995", "tvar995", "pAnyTotalLoss",
            "expectedAnnualLossUsd"]


def run(binary: str, vessels: list[dict], as_of: str, years: int, seed: int, threads=None) -> str:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(vessels, fh)
    env = dict(os.environ)
    if threads:
        env.update({"COMPUTE_THREADS": str(threads), "RAYON_NUM_THREADS": str(threads)})
    try:
        cmd = [binary, "simulate", fh.name, "--years", str(years), "--seed", str(seed), "--as-of", as_of]
        p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    finally:
        os.unlink(fh.name)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {p.returncode}: {p.stderr[-2000:]}")
    return p.stdout


def outputs(binary: str, vessels, as_of: str, years: int, seed: int) -> dict:
    """The binary's runs the check reads: the summary, a repeat, one thread, another seed."""
    return {"first": run(binary, vessels, as_of, years, seed),
            "again": run(binary, vessels, as_of, years, seed),
            "oneThread": run(binary, vessels, as_of, years, seed, threads=1),
            "otherSeed": run(binary, vessels, as_of, years, seed + 1)}


def _tail(losses: list[float], q_num: int, q_den: int) -> list[float]:
    n = len(losses)
    return losses[max(1, -(-n * q_num // q_den)) - 1:]


def check(out: dict, vessels, as_of: str, years: int, seed: int, ref_years: int,
          claims: simulation.ClaimModel | None = None) -> list[str]:
    claims = claims or simulation.ClaimModel()
    problems = []
    got = json.loads(out["first"])
    if sorted(got) != sorted(SIM_KEYS):
        problems.append(f"keys {sorted(got)} != {sorted(SIM_KEYS)}")
    if out["again"] != out["first"]:
        problems.append("the same inputs, years and seed gave a different output")
    if out["oneThread"] != out["first"]:
        problems.append("one thread gave a different output")
    if json.loads(out["otherSeed"]).get("mean") == got.get("mean"):
        problems.append("another seed gave the same mean")
    if got.get("years") != years or got.get("seed") != seed:
        problems.append(f"years/seed echoed as {got.get('years')}/{got.get('seed')}, asked {years}/{seed}")

    date = reference.parse_date(as_of)
    assessed = [reference.assess(v, date) for v in vessels]
    exposures = [(a["expectedClaims"], a["_insuredValueUsd"]) for a in assessed]
    eal = sum(a["expectedAnnualLossUsd"] for a in assessed)
    k1, k2, k4 = (simulation.cumulant(exposures, k, claims) for k in (1, 2, 4))
    n, m = years, ref_years
    mean, sd, p_tl = got.get("mean", math.nan), got.get("stdDev", math.nan), got.get("pAnyTotalLoss", math.nan)

    def bound(name, ok, detail):
        if not ok:
            problems.append(f"{name}: {detail}")

    bound("expectedAnnualLossUsd", num_eq(got.get("expectedAnnualLossUsd"), eal),
          f"binary {got.get('expectedAnnualLossUsd')}, reference sum EAL_i {eal}")
    bound("mean (spec bound 4 stdDev/sqrt(years))", abs(mean - eal) < 4 * sd / math.sqrt(n),
          f"|{mean} - {eal}| >= {4 * sd / math.sqrt(n)}")
    bound("mean", abs(mean - k1) <= Z * math.sqrt(k2 / n), f"|{mean} - {k1}| > {Z * math.sqrt(k2 / n)}")
    var_tol = Z * math.sqrt((k4 + 2 * k2 * k2) / n)
    bound("stdDev", abs(sd * sd - k2) <= var_tol, f"stdDev^2 {sd * sd} vs variance {k2} (+-{var_tol})")
    p = simulation.p_any_total_loss(exposures, claims)
    p_tol = Z * math.sqrt(p * (1 - p) / n) + 1 / n
    bound("pAnyTotalLoss", abs(p_tl - p) <= p_tol, f"{p_tl} vs {p} (+-{p_tol})")

    sample, _ = simulation.sample(exposures, m, seed, claims)
    for key, q in (("var95", 0.95), ("var995", 0.995)):
        v = got.get(key, math.nan)
        below, at_or_below = bisect.bisect_left(sample, v) / m, bisect.bisect_right(sample, v) / m
        t = Z * math.sqrt(q * (1 - q) * (1 / n + 1 / m)) + 1 / n
        bound(key, below <= q + t and at_or_below >= q - t,
              f"{v}: reference sample share below {below}, at or below {at_or_below}; quantile {q} +-{t}")
    tail = _tail(sample, 995, 1000)
    es, var_at = sum(tail) / len(tail), tail[0]
    tail_var = sum((x - es) ** 2 for x in tail) / max(1, len(tail) - 1)
    v = (tail_var + 0.995 * (es - var_at) ** 2) / 0.005
    es_tol = Z * math.sqrt(v * (1 / n + 1 / m))
    bound("tvar995", abs(got.get("tvar995", math.nan) - es) <= es_tol,
          f"{got.get('tvar995')} vs reference sample {es} (+-{es_tol})")
    order = [0 <= got.get("var95", -1) <= got.get("var995", -1) <= got.get("tvar995", -1), 0 <= p_tl <= 1,
             mean >= 0, sd >= 0]
    bound("order", all(order), "expected 0 <= var95 <= var995 <= tvar995, 0 <= pAnyTotalLoss <= 1")
    return problems
