#!/usr/bin/env bash
# The OFREP endpoints with a real OpenFeature OFREP provider as the client
# (issue 13, item 7): installs the pinned JavaScript packages (npm, Node 20),
# starts a server on a temporary SQLite database, sets fleetRiskDashboard to
# a 30 % rollout plus beta-testers, and runs check.mjs, which must resolve
# the flag for 200 users exactly as GET /api/flags does.
#
#   bash tools/ofrep-client/check.sh        # from .ci/run; CARGO_TARGET_DIR as for the build
set -euo pipefail
cd "$(dirname "$0")"
HERE="$PWD"
ROOT="$(cd ../.. && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/fleet-risk-target}"
PORT="${OFREP_CHECK_PORT:-18282}"

npm ci --no-audit --no-fund --loglevel=error >/dev/null
(cd "$ROOT" && cargo build --locked --quiet --bin fleet-risk)
BIN="$CARGO_TARGET_DIR/debug/fleet-risk"

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

export DATABASE_URL="sqlite://$WORK/ofrep.db" RUST_LOG=warn DEMO_DATA=false RISK_RECALC_ENABLED=false
# 200 users are two reads each with one key, faster than the default 50 a second after a
# burst of 100 (issue 14's limiter answered the rest 429): this checks OFREP, not the limiter.
export RATE_LIMIT_PER_SECOND=100000 RATE_LIMIT_BURST=100000
"$BIN" migrate
ADMIN="$("$BIN" keys create --role admin --name ofrep-check | tail -1)"
VIEWER="$("$BIN" keys create --role viewer --name ofrep-check | tail -1)"
PORT="$PORT" "$BIN" serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/api/health/live" >/dev/null && break; sleep 0.1; done

curl -sf -X PUT -H "Authorization: Bearer $ADMIN" -H 'content-type: application/json' \
    "http://127.0.0.1:$PORT/api/admin/flags/fleetRiskDashboard" \
    -d '{"enabled": true, "rolloutPercentage": 30, "enabledForUsers": ["beta-testers"], "reason": "ofrep client check"}' >/dev/null
node "$HERE/check.mjs" "http://127.0.0.1:$PORT" "$VIEWER" 200
