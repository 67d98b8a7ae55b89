"""Fleet aggregates (risk-model.md section 8) through the service's own route.

No command prints a fleet aggregate, so the check runs the binary as a
service would be run: a fresh SQLite database, `seed` with a book of fleets,
one `recalc --as-of DATE`, a fleet threshold override, then `serve` and
`GET /api/fleet-risk/fleets/{id}/risk` for every fleet. The reference
aggregates its own assessments of the same vessels (reference.fleet) and
every section 8 field is compared. The book's fleets crowd the edges: a
fleet whose vessels are all insured for 0 (plain means), a one-vessel fleet,
a fleet without tankers and a fleet with its own thresholds.
"""
from __future__ import annotations

import json
import os
import random
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request

import reference
from check_vessels import num_eq

FLEET_KEYS = ["score", "level", "maxScore", "vesselCount", "totalInsuredValueUsd", "levelCounts",
              "srpCounts", "highRiskValueShare", "expectedClaims", "expectedAnnualLossUsd",
              "topDrivers", "largestTankerExposureUsd"]
OWN_THRESHOLDS = {"medium": 20.0, "high": 45.0, "critical": 65.0}


def build_fleets(book: list[dict], seed: int) -> list[dict]:
    """The book's vessels (first of each IMO) split into fleets with edge cases."""
    rng = random.Random(seed)
    seen, vessels = set(), []
    for v in book:
        if v["vesselIMO"] not in seen:
            seen.add(v["vesselIMO"])
            vessels.append(v)
    zero = [v for v in vessels if v["insuredValueUsd"] == 0][:3]
    rest = [v for v in vessels if all(v is not z for z in zero)]
    no_tanker = [v for v in rest if v["shipType"] not in reference.TANKERS][:6]
    rest = [v for v in rest if all(v is not t for t in no_tanker)]
    fleets = []
    if zero:
        fleets.append({"name": "no insured value", "vessels": zero})
    fleets.append({"name": "no tankers", "vessels": no_tanker})
    fleets.append({"name": "one vessel", "vessels": rest[:1]})
    rest = rest[1:]
    while rest:
        size = rng.randint(5, 60)
        fleets.append({"name": f"fleet {len(fleets) + 1}", "vessels": rest[:size]})
        rest = rest[size:]
    fleets[-1]["thresholds"] = OWN_THRESHOLDS
    return fleets


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Service:
    """`fleet-risk serve` on a fresh SQLite database seeded with `fleets` and
    recalculated as of `as_of`; stopped (by its own pid) on exit."""

    def __init__(self, binary: str, fleets: list[dict], as_of: str):
        self.binary, self.fleets, self.as_of = binary, fleets, as_of
        self.dir = tempfile.mkdtemp(prefix="frm1-fleet-")
        self.port = _free_port()
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("MODEL_PATH", "SENTRY_DSN", "METRICS_ADDR", "CRON_SECRET")}
        self.env.update({"DATABASE_URL": f"sqlite://{self.dir}/fleet-risk.db", "DEMO_DATA": "false",
                         "RISK_RECALC_ENABLED": "false", "RUST_LOG": "error", "HOST": "127.0.0.1",
                         "PORT": str(self.port), "LOG_FORMAT": "json"})
        self.process = None
        self.key = None

    def _run(self, *args) -> str:
        p = subprocess.run([self.binary, *args], env=self.env, capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError(f"fleet-risk {' '.join(args)} exited {p.returncode}: {p.stderr[-2000:]}")
        return p.stdout

    def __enter__(self):
        book = {"fleets": [{"name": f["name"], "description": "frm1 cross-check", "vessels": f["vessels"]}
                           for f in self.fleets]}
        with open(os.path.join(self.dir, "book.json"), "w", encoding="utf-8") as fh:
            json.dump(book, fh)
        self._run("seed", "--fixtures", self.dir)
        self._run("recalc", "--as-of", self.as_of)
        self.key = self._run("keys", "create", "--role", "admin", "--name", "frm1").strip().splitlines()[-1]
        log = open(os.path.join(self.dir, "serve.log"), "w")
        self.process = subprocess.Popen([self.binary, "serve"], env=self.env, stdout=log, stderr=log)
        deadline = time.monotonic() + 30
        while True:
            try:
                self.get("/api/health/live")
                return self
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.__exit__(RuntimeError, None, None)
                    raise RuntimeError(f"serve did not come up; log in {self.dir}/serve.log")
                time.sleep(0.1)

    def __exit__(self, *exc):
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        if exc[0] is None:
            shutil.rmtree(self.dir, ignore_errors=True)

    def request(self, method: str, path: str, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data, method=method,
                                     headers={"Authorization": f"Bearer {self.key}",
                                              "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read() or b"null")

    def get(self, path: str):
        return self.request("GET", path)

    def fleet_ids(self) -> dict[str, str]:
        ids, cursor = {}, None
        while True:
            page = self.get("/api/fleet-risk/fleets?limit=500" + (f"&cursor={cursor}" if cursor else ""))
            ids.update({item["name"]: item["id"] for item in page["items"]})
            cursor = page.get("nextCursor")
            if not cursor:
                return ids


def compare_aggregate(got: dict, ref: dict) -> list[tuple[str, object, object]]:
    bad = []
    for k in FLEET_KEYS:
        g, r = got.get(k, "<missing>"), ref[k]
        if k == "topDrivers":
            ok = (isinstance(g, list) and [d.get("key") for d in g] == [d["key"] for d in r]
                  and all(num_eq(d.get("meanContribution"), e["meanContribution"]) for d, e in zip(g, r)))
        elif isinstance(r, dict):
            ok = g == r
        elif isinstance(r, str):
            ok = g == r
        else:
            ok = num_eq(g, r) and not (k == "vesselCount" and not isinstance(g, int))
        if not ok:
            bad.append((k, g, r))
    return bad


def aggregates(binary: str, fleets: list[dict], as_of: str):
    """{fleet name: (binary's aggregate, vessels)} read from the running service."""
    with Service(binary, fleets, as_of) as service:
        ids = service.fleet_ids()
        for f in fleets:
            if f.get("thresholds"):
                service.request("PUT", f"/api/fleet-risk/fleets/{ids[f['name']]}/thresholds", f["thresholds"])
        return {f["name"]: service.get(f"/api/fleet-risk/fleets/{ids[f['name']]}/risk") for f in fleets}


def check(got: dict, fleets: list[dict], as_of: str) -> list[str]:
    """Problems of the binary's aggregates `got` ({name: aggregate}) against the reference."""
    date = reference.parse_date(as_of)
    problems = []
    for f in fleets:
        thresholds = f.get("thresholds")
        ref = reference.fleet([reference.assess(v, date, thresholds) for v in f["vessels"]], thresholds)
        for field, g, r in compare_aggregate(got[f["name"]], ref):
            problems.append(f"fleet {f['name']!r} ({len(f['vessels'])} vessels): {field}: "
                            f"binary {json.dumps(g)}, reference {json.dumps(r)}")
    return problems
