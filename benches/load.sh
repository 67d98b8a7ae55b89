#!/usr/bin/env bash
# Load test of the published-risk reads on a 10,000-vessel book, beside a
# static JSON endpoint measured in the same run. Traffic goes to 127.0.0.1
# only; each measurement is bounded in time and the server is stopped at the end.
#
#   bash benches/load.sh            # DURATION=10s CONNECTIONS=8 VESSELS=10000 to change
#
# Eight connections already saturate the one HTTP worker (the static endpoint
# peaks there); more only add queueing on the two cores wrk shares with the server.
#
# Needs wrk (Debian package `wrk`; installed if missing and apt is available).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-8}"
VESSELS="${VESSELS:-10000}"
PORT="${PORT:-18181}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/fleet-risk-target}"

command -v wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build --release --locked --quiet --bin fleet-risk
BIN="$CARGO_TARGET_DIR/release/fleet-risk"

WORK="${WORK:-$(mktemp -d)}"
SERVER_PID=""
cleanup() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

# A book of $VESSELS random valid vessels in fleets of 1,000 (tools/frm1's generator).
python3 - "$WORK" "$VESSELS" <<'PY'
import json, os, sys, datetime
sys.path.insert(0, "tools/frm1")
import random_book
work, count = sys.argv[1], int(sys.argv[2])
vessels = random_book.generate(11, count, datetime.date(2026, 11, 26), "fixtures/reference")
fleets = [{"name": f"Load fleet {i // 1000:02d}", "vessels": vessels[i:i + 1000]} for i in range(0, count, 1000)]
os.makedirs(os.path.join(work, "book"), exist_ok=True)
json.dump({"fleets": fleets}, open(os.path.join(work, "book", "book.json"), "w"))
json.dump([v["vesselIMO"] for v in vessels], open(os.path.join(work, "imos.json"), "w"))
PY

export DATABASE_URL="sqlite://$WORK/load.db" RUST_LOG=warn DEMO_DATA=false RISK_RECALC_ENABLED=false
"$BIN" seed --fixtures "$WORK/book" >/dev/null
"$BIN" recalc >/dev/null
KEY="$("$BIN" keys create --role viewer --name load | tail -1)"
UNDERWRITER_KEY="$("$BIN" keys create --role underwriter --name load | tail -1)"
# Viewers pass the fleetRiskDashboard gate as a member of a listed group.
WHO="userId=load-user&groups=internal-team"
IMO="$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[4242 % $VESSELS])" "$WORK/imos.json")"

PORT="$PORT" HTTP_WORKERS=1 "$BIN" serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/api/health/live" >/dev/null && break; sleep 0.1; done

measure() {
    local label="$1" path="$2"
    shift 2
    local out
    out="$(wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency "$@" "http://127.0.0.1:$PORT$path")"
    local rps p50 p99
    rps="$(awk '/Requests\/sec/ {print $2}' <<<"$out")"
    p50="$(awk '$1 == "50%" {print $2}' <<<"$out")"
    p99="$(awk '$1 == "99%" {print $2}' <<<"$out")"
    if grep -q "Non-2xx" <<<"$out"; then echo "$label: NON-2xx ANSWERS"; grep "Non-2xx" <<<"$out"; fi
    printf '%-34s %10s req/s   p50 %8s   p99 %8s\n' "$label" "$rps" "$p50" "$p99"
}

cold() {
    curl -s -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $KEY" "http://127.0.0.1:$PORT$1"
}
echo "cold (first render after a publication): vessel risk $(cold "/api/fleet-risk/vessels/$IMO/risk") s, dashboard $(cold "/api/fleet-risk/dashboard?$WHO") s"
echo "book: $VESSELS vessels; wrk -t1 -c$CONNECTIONS -d$DURATION; server: 1 HTTP worker (client and server share $(nproc) cores)"
measure "static JSON (GET /api/health/live)" /api/health/live
measure "GET /vessels/{imo}/risk" "/api/fleet-risk/vessels/$IMO/risk" -H "Authorization: Bearer $KEY"
measure "GET /dashboard (viewer, gated)" "/api/fleet-risk/dashboard?$WHO" -H "Authorization: Bearer $KEY"
measure "GET /dashboard (underwriter)" /api/fleet-risk/dashboard -H "Authorization: Bearer $UNDERWRITER_KEY"
measure "GET /api/flags" "/api/flags?$WHO" -H "Authorization: Bearer $KEY"
cat >"$WORK/ofrep.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"context": {"targetingKey": "load-user", "groups": ["internal-team"]}}'
wrk.headers["Content-Type"] = "application/json"
LUA
measure "POST /ofrep/v1/evaluate/flags" /ofrep/v1/evaluate/flags -H "Authorization: Bearer $KEY" -s "$WORK/ofrep.lua"
