#!/usr/bin/env python3
"""PostgreSQL restarted, then stopped for 30 s, while traffic flows (issue 14, item 9).

On a PostgreSQL cluster of its own (pg_createcluster on another port, never
the shared one), a real `fleet-risk serve` takes a steady mixed load of
reads and writes (one in WRITE_EVERY a vessel create, each with an IMO of
its own) at a fixed rate from 127.0.0.1, while the script

  1. restarts the cluster (pg_ctlcluster restart),
  2. later stops it for STOP_SECONDS and starts it again.

It checks what the issue asks, and exits 1 on any miss:
  - no answer is a 5xx other than 503, and every 503 carries Retry-After;
  - /api/health answers 503 while the database is down;
  - after each return the service recovers without a restart: a read and
    a write succeed within RECOVERY_BOUND seconds of the database accepting
    connections (the time is printed);
  - no acknowledged write is lost or duplicated: every vessel answered 201 is
    stored once, and no vessel is stored whose create was not acknowledged
    unless its answer was lost (a 5xx or a timeout, printed).

Bounded: about 70 s of traffic, at most RATE requests a second, to 127.0.0.1.

    python3 tools/faults/postgres_restart.py --binary target/debug/fleet-risk
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

CLUSTER = ("15", "frfaults")
PORT = 5439
STOP_SECONDS = 30
RATE = 20
# One request in WRITE_EVERY is a write (3 writes a second at RATE 20: a debug
# build's single writer takes a few hundred a minute with each re-score and publication).
WRITE_EVERY = 7
RECOVERY_BOUND = 10.0
# A 503 comes after the pool's acquire timeout (5 s); an answer later than this is none.
CLIENT_TIMEOUT = 15


def sh(*args, check=True):
    return subprocess.run(args, check=check, capture_output=True, text=True)


def cluster(action):
    sh("pg_ctlcluster", "--skip-systemctl-redirect", *CLUSTER, action)


def ensure_cluster():
    listed = sh("pg_lsclusters", "-h").stdout
    if not any(line.split()[:2] == list(CLUSTER) for line in listed.splitlines()):
        sh("pg_createcluster", *CLUSTER, "-p", str(PORT), "--", "--auth=trust")
    if "online" not in sh("pg_lsclusters", *CLUSTER, "-h").stdout:
        cluster("start")
    wait_accepting(30)
    url = f"postgres://postgres@127.0.0.1:{PORT}/postgres"
    sh("psql", url, "-qc", "DROP DATABASE IF EXISTS faults")
    sh("psql", url, "-qc", "CREATE DATABASE faults")
    return f"postgres://postgres@127.0.0.1:{PORT}/faults"


def wait_accepting(seconds):
    deadline = time.monotonic() + seconds
    while sh("pg_isready", "-q", "-h", "127.0.0.1", "-p", str(PORT), check=False).returncode != 0:
        if time.monotonic() > deadline:
            sys.exit("the faults cluster did not come up")
        time.sleep(0.1)
    return time.monotonic()


def valid_imo(n):
    digits = [int(d) for d in f"{n:06d}"]
    check = sum(d * (7 - i) for i, d in enumerate(digits)) % 10
    return f"{n:06d}{check}"


class Server:
    def __init__(self, binary, url):
        env = {"PATH": os.environ["PATH"], "DATABASE_URL": url, "PORT": "0", "LOG_FORMAT": "json",
               "RUST_LOG": "warn,fleet_risk=info", "DEMO_DATA": "true", "RISK_RECALC_ENABLED": "false",
               "RATE_LIMIT_PER_SECOND": "1000", "RATE_LIMIT_BURST": "1000",
               "RATE_LIMIT_WRITE_PER_SECOND": "1000", "RATE_LIMIT_WRITE_BURST": "1000"}
        self.log = tempfile.NamedTemporaryFile(prefix="postgres-restart-", suffix=".log", delete=False)
        self.process = subprocess.Popen([binary, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        for line in self.process.stderr:
            self.log.write(line.encode())
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            port = entry.get("port") or entry.get("fields", {}).get("port")
            if port:
                self.port = port
                break
        else:
            sys.exit("the server ended before it served")
        threading.Thread(target=self.drain, daemon=True).start()
        key = sh(binary, "keys", "create", "--role", "admin", "--name", "faults", check=True)
        self.key = key.stdout.strip().splitlines()[-1]

    def drain(self):
        for line in self.process.stderr:
            self.log.write(line.encode())

    def request(self, method, path, body=None, key=True):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data, method=method)
        if key:
            request.add_header("Authorization", f"Bearer {self.key}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=CLIENT_TIMEOUT) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            return None, {}, str(error).encode()

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", required=True)
    args = parser.parse_args()
    url = ensure_cluster()
    os.environ["DATABASE_URL"] = url
    server = Server(args.binary, url)
    status, _, body = server.request("GET", "/api/fleet-risk/fleets?limit=1")
    assert status == 200, (status, body)
    fleet = json.loads(body)["items"][0]["id"]
    vessel = json.loads(server.request("GET", f"/api/fleet-risk/fleets/{fleet}/vessels?limit=1")[2])["items"][0]["vesselIMO"]

    answers = []          # (t, kind, status, retry_after)
    acknowledged, unknown = set(), set()
    lock = threading.Lock()
    down = threading.Event()
    health_while_down = []
    start = time.monotonic()
    stop_at = start + 35 + STOP_SECONDS

    def one(i):
        t = time.monotonic() - start
        if i % WRITE_EVERY:
            status, headers, _ = server.request("GET", f"/api/fleet-risk/vessels/{vessel}/risk")
            kind = "read"
        else:
            imo = valid_imo(100000 + i)
            body = {"vesselIMO": imo, "fleetId": fleet, "name": f"FAULT {i}", "shipType": "bulk_carrier",
                    "yearBuilt": 2010, "grossTonnage": 30000, "flag": "NO", "insuredValueUsd": 1000000,
                    "classSociety": None}
            status, headers, _ = server.request("POST", "/api/fleet-risk/vessels", body)
            kind = "write"
            with lock:
                if status == 201:
                    acknowledged.add(imo)
                elif status is None or status >= 500:
                    unknown.add(imo)  # its answer was lost: it may or may not be stored
        retry = {k.lower(): v for k, v in headers.items()}.get("retry-after")
        with lock:
            answers.append((t, kind, status, retry))

    def watch_health():
        # Only answers asked and given wholly inside the down window count.
        while time.monotonic() < stop_at:
            if down.is_set():
                health = server.request("GET", "/api/health", key=False)[0]
                if down.is_set():
                    with lock:
                        health_while_down.append(health)
            time.sleep(0.5)

    def load():
        i = 0
        while time.monotonic() < stop_at:
            threading.Thread(target=one, args=(i,), daemon=True).start()
            i += 1
            time.sleep(1 / RATE)

    loader = threading.Thread(target=load)
    loader.start()
    threading.Thread(target=watch_health, daemon=True).start()
    time.sleep(5)
    print("restart at", round(time.monotonic() - start, 1), "s")
    cluster("restart")
    back = [("restart", wait_accepting(30) - start)]
    time.sleep(10)
    print("stop at", round(time.monotonic() - start, 1), "s, for", STOP_SECONDS, "s")
    cluster("stop")
    down.set()
    time.sleep(STOP_SECONDS)
    down.clear()
    cluster("start")
    back.append(("stop", wait_accepting(30) - start))
    loader.join()
    time.sleep(CLIENT_TIMEOUT + 1)  # every request in flight has answered

    failures = []
    bad = [a for a in answers if a[2] is not None and a[2] >= 500 and a[2] != 503]
    if bad:
        failures.append(f"{len(bad)} answers were 5xx other than 503: {sorted({a[2] for a in bad})}")
    unanswered = [(round(a[0], 1), a[1]) for a in answers if a[2] is None]
    if unanswered:
        failures.append(f"{len(unanswered)} requests got no answer within {CLIENT_TIMEOUT} s: {unanswered[:10]}")
    no_retry = [a for a in answers if a[2] == 503 and not a[3]]
    if no_retry:
        failures.append(f"{len(no_retry)} 503 answers had no Retry-After")
    if not health_while_down or any(h != 503 for h in health_while_down):
        failures.append(f"/api/health while down: {sorted(set(map(str, health_while_down)))}")
    for what, at in back:
        after = [a for a in answers if a[0] >= at]
        ok = {kind: min((a[0] for a in after if a[1] == kind and a[2] in (200, 201)), default=None)
              for kind in ("read", "write")}
        recovered = [t - at for t in ok.values() if t is not None]
        took = max(recovered) if len(recovered) == 2 else None
        print(f"after the {what}: read and write succeed {took:.2f} s after the database returned" if took is not None
              else f"after the {what}: no recovery")
        if took is None or took > RECOVERY_BOUND:
            failures.append(f"no full recovery within {RECOVERY_BOUND} s after the {what}")
    counts = {}
    for a in answers:
        counts[(a[1], a[2])] = counts.get((a[1], a[2]), 0) + 1
    print("answers:", {f"{k[0]} {k[1]}": v for k, v in sorted(counts.items(), key=str)})
    stored = set()
    for imo in sorted(acknowledged | unknown):
        status = server.request("GET", f"/api/fleet-risk/vessels/{imo}")[0]
        if status == 200:
            stored.add(imo)
    lost = acknowledged - stored
    if lost:
        failures.append(f"{len(lost)} acknowledged writes are not stored: {sorted(lost)[:5]}")
    print(f"writes: {len(acknowledged)} acknowledged, all stored: {not lost};"
          f" {len(unknown)} unanswered or 5xx, of which {len(unknown & stored)} stored")
    server.stop()
    cluster("stop")
    print("server log:", server.log.name)
    if failures:
        print("FAILED:\n  " + "\n  ".join(failures))
        sys.exit(1)
    print("ok")


if __name__ == "__main__":
    main()
