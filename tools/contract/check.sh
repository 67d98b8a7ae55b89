#!/usr/bin/env bash
# The contract, checked from outside: the real server (debug build) on a
# temporary SQLite database and on a fresh PostgreSQL database, each with the
# demo book, against openapi.yaml:
#   - Spectral (spectral:oas), no warnings;
#   - openapi-python-client generates a client with no warnings and every
#     operation, and a short tour with it (tools/contract/tour.py) on each
#     backend;
#   - Schemathesis, every check, a fixed seed, bounded examples and time,
#     no failure (settings and the rules the schema cannot state:
#     tools/contract/schemathesis.toml, tools/contract/hooks.py).
# Installs what it needs (a venv under /var/tmp, npx); fails on any failure.
#
#   tools/contract/check.sh                      # both backends
#   CONTRACT_BACKENDS=sqlite tools/contract/check.sh
#   CONTRACT_MAX_TIME=60 CONTRACT_SEED=7 tools/contract/check.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$PWD"

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/fleet-risk-target}"
venv="${CONTRACT_VENV:-/var/tmp/venv-contract}"
backends="${CONTRACT_BACKENDS:-sqlite postgres}"
pg_url="${CONTRACT_PG_URL:-postgres://postgres@127.0.0.1:5432}"
seed="${CONTRACT_SEED:-20261203}"
max_examples="${CONTRACT_MAX_EXAMPLES:-20}"
max_time="${CONTRACT_MAX_TIME:-100}"      # seconds of Schemathesis per backend
binary="$CARGO_TARGET_DIR/debug/fleet-risk"

step() { printf '\n== contract: %s\n' "$*"; }

work="$(mktemp -d /var/tmp/fleet-risk-contract.XXXXXX)"
server_pid=""
pg_db=""
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    if [ -n "$pg_db" ]; then psql "$pg_url/postgres" -qc "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null 2>&1 || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

step "tools (venv $venv, npx)"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check \
    schemathesis==4.32.5 openapi-python-client==0.29.1 ruff==0.17.6 \
    openapi-spec-validator==0.7.1 PyYAML==6.0.4 >/dev/null
export PATH="$venv/bin:$PATH"     # openapi-python-client runs ruff on what it writes
"$venv/bin/python" - <<'PY'
import yaml
from openapi_spec_validator import validate
validate(yaml.safe_load(open("openapi.yaml")))
print("openapi.yaml: valid OpenAPI 3.1")
PY

step "Spectral (spectral:oas, warnings fail)"
timeout 300 npx --yes @stoplight/spectral-cli@6 lint openapi.yaml --ruleset .spectral.yaml --fail-severity=warn

step "openapi-python-client (warnings fail, every operation generated)"
mkdir -p "$work/client"
(cd "$work/client" && timeout 300 openapi-python-client generate --path "$root/openapi.yaml" \
    --config "$root/tools/contract/openapi-python-client.yaml" --meta none \
    --output-path fleet_risk_client) >"$work/generate.log" 2>&1 \
    || { cat "$work/generate.log"; exit 1; }
if grep -qi 'warning\|error' "$work/generate.log"; then cat "$work/generate.log"; exit 1; fi
"$venv/bin/python" - "$work/client/fleet_risk_client" <<'PY'
import pathlib, re, sys, yaml
spec = yaml.safe_load(open("openapi.yaml"))
wanted = {re.sub(r"(?<!^)(?=[A-Z])", "_", op["operationId"]).lower()
          for item in spec["paths"].values() for op in item.values()
          if isinstance(op, dict) and "operationId" in op}
made = {p.stem for p in pathlib.Path(sys.argv[1], "api").rglob("*.py") if p.stem != "__init__"}
missing = sorted(wanted - made)
if missing:
    sys.exit(f"operations not generated: {missing}")
print(f"client: {len(made)} operations generated, no warnings")
PY

free_port() { "$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Starts the server on $1 (a database URL), loads the demo book, makes an admin key.
start_server() {
    local url="$1" port
    port="$(free_port)"
    base="http://127.0.0.1:$port"
    # Limits far above what the run sends: it tests the contract, not the
    # limiter (tests/api/rate_limit.rs does); 429 stays in the spec.
    DATABASE_URL="$url" HOST=127.0.0.1 PORT="$port" DEMO_DATA=true RUST_LOG=warn LOG_FORMAT=json \
        RATE_LIMIT_PER_SECOND=100000 RATE_LIMIT_BURST=100000 \
        RATE_LIMIT_WRITE_PER_SECOND=100000 RATE_LIMIT_WRITE_BURST=100000 \
        "$binary" serve >"$work/server.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 1 120); do
        curl -fsS "$base/api/health" >/dev/null 2>&1 && break
        kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log"; exit 1; }
        sleep 0.5
    done
    curl -fsS "$base/api/health" >/dev/null || { cat "$work/server.log"; exit 1; }
    key="$(DATABASE_URL="$url" "$binary" keys create --role admin --name contract 2>/dev/null | tail -1)"
    fleet="$(curl -fsS -H "Authorization: Bearer $key" "$base/api/fleet-risk/fleets?limit=1" \
        | "$venv/bin/python" -c 'import json, sys; print(json.load(sys.stdin)["items"][0]["id"])')"
}

stop_server() {
    kill "$server_pid"
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
}

check_backend() {
    local name="$1" url="$2"
    step "$name: server with the demo book"
    start_server "$url"
    echo "$base, demo fleet $fleet"

    step "$name: tour with the generated client"
    PYTHONPATH="$work/client" timeout 120 "$venv/bin/python" tools/contract/tour.py "$base" "$key" "$fleet"

    step "$name: Schemathesis (all checks, seed $seed, $max_examples examples, ${max_time}s)"
    local status=0
    # One worker: with two, CPython 3.11.7's ast.parse (Hypothesis describing a
    # filter lambda) raced across threads once: "AST constructor recursion depth mismatch".
    CONTRACT_FLEET_ID="$fleet" PYTHONPATH="$root/tools/contract" SCHEMATHESIS_HOOKS=hooks \
        timeout $((max_time + 120)) nice "$venv/bin/schemathesis" \
        --config-file tools/contract/schemathesis.toml run openapi.yaml \
        --url "$base" --header "Authorization: Bearer $key" \
        --checks all --seed "$seed" --max-examples "$max_examples" --max-time "$max_time" \
        --workers 1 --no-color --generation-database none \
        >"$work/schemathesis-$name.txt" 2>&1 || status=$?
    # The phases, links covered and summary, with every failure in full.
    sed -n '/Loaded specification/,$p' "$work/schemathesis-$name.txt"
    if [ "$status" -ne 0 ]; then
        echo "schemathesis on $name: exit $status"
        exit 1
    fi
    # Any error the server logged fails the run too (an internal error is
    # opaque to the client). actix's HTTP parser logs the malformed headers
    # the negative cases send at ERROR; those are the client's (answered 400).
    local errors
    errors="$(grep '"level":"ERROR"\|panicked' "$work/server.log" \
        | grep -v '"target":"actix_http::h1::dispatcher"' || true)"
    if [ -n "$errors" ]; then
        echo "the $name server logged errors:"; printf '%s\n' "$errors" | head -20
        exit 1
    fi
    stop_server
}

command -v "$binary" >/dev/null 2>&1 || { echo "build the server first: cargo build ($binary)"; exit 1; }
for backend in $backends; do
    case "$backend" in
        sqlite) check_backend sqlite "sqlite://$work/contract.db" ;;
        postgres)
            pg_db="contract_$$"
            psql "$pg_url/postgres" -qc "CREATE DATABASE $pg_db" >/dev/null
            check_backend postgres "$pg_url/$pg_db"
            psql "$pg_url/postgres" -qc "DROP DATABASE $pg_db WITH (FORCE)" >/dev/null
            pg_db=""
            ;;
        *) echo "unknown backend $backend"; exit 2 ;;
    esac
done
step "contract: clean"
