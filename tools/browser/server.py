"""The real fleet-risk server for the browser checks: the built binary's
`serve` on a fresh SQLite file (demo book loaded, first admin key printed),
PORT=0, its port read from its JSON log line; and a small API client."""

import json
import os
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request


class Server:
    """`fleet-risk serve` on a new SQLite database; stopped by `stop()`."""

    def __init__(self, binary):
        self.dir = tempfile.TemporaryDirectory(prefix="fleet-risk-browser-")
        environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "DATABASE_URL": f"sqlite://{self.dir.name}/fleet-risk.db",
            "HOST": "127.0.0.1",
            "PORT": "0",
            "LOG_FORMAT": "json",
            "RUST_LOG": "info",
            "DEMO_DATA": "true",
            # Runs are started by the checks, not the six-hourly schedule.
            "RISK_RECALC_ENABLED": "false",
            # The default rate limits stay, as a user has them: a cold console load is
            # 18 keyless reads (the per-address burst is 100, refilled at 50 a second).
        }
        self.process = subprocess.Popen(
            [binary, "serve"], env=environment, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, text=True)
        self.startup = []
        self.port = None
        for line in self.process.stderr:
            self.startup.append(line.rstrip("\n"))
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            port = entry.get("port") or entry.get("fields", {}).get("port")
            if port:
                self.port = int(port)
                break
        if self.port is None:
            raise RuntimeError("the server ended before it served:\n" + "\n".join(self.startup))
        # Keep draining stderr so the server never blocks on a full pipe.
        threading.Thread(target=lambda: [None for _ in self.process.stderr], daemon=True).start()
        self.key = next((line.strip() for line in self.startup
                         if line.strip().startswith("frk_") and " " not in line.strip()), None)
        if self.key is None:
            raise RuntimeError("no first admin key on stderr:\n" + "\n".join(self.startup))
        self.base = f"http://127.0.0.1:{self.port}"

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.dir.cleanup()

    def call(self, method, path, key=True, body=None):
        """(status, parsed JSON or raw bytes) of one request to the API."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, method=method, data=data)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if key:
            request.add_header("Authorization", f"Bearer {self.key}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, body, kind = response.status, response.read(), response.headers.get("content-type", "")
        except urllib.error.HTTPError as error:
            status, body, kind = error.code, error.read(), error.headers.get("content-type", "")
        return status, (json.loads(body) if "json" in kind else body)

    def get(self, path, key=True):
        status, body = self.call("GET", path, key)
        if status != 200:
            raise AssertionError(f"GET {path}: {status} {body!r}")
        return body

    def run_once_more(self):
        """One more book-wide run, waited for until published (a second
        point in every vessel's history)."""
        before = {run["id"] for run in self.get("/api/fleet-risk/runs?limit=50")["items"]}
        status, body = self.call("POST", "/api/cron/risk-calculations")
        if status != 202:
            raise AssertionError(f"the run was not started: {status} {body!r}")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            runs = self.get("/api/fleet-risk/runs?limit=50")["items"]
            new = [run for run in runs if run["id"] not in before]
            if new and new[0]["status"] == "published":
                return new[0]
            if new and new[0]["status"] == "failed":
                raise AssertionError(f"the run failed: {new[0]}")
            time.sleep(0.25)
        raise AssertionError("the run was not published within 120 s")
