#!/usr/bin/env bash
# Query plans and timings of the fleet list's reads on PostgreSQL over a
# generated book with a long score history, beside the reads that serve the
# dashboard, measured in the same run; last, the dashboard's previous-score
# read again without the index that serves it (what it cost before).
#
#   bash benches/fleet-list-plans.sh      # FLEETS=2000 RUNS=500 VESSELS_PER_FLEET=20 to change
#
# Needs psql and a PostgreSQL that accepts `CREATE DATABASE` at
# ADMIN_URL (default postgres://postgres@127.0.0.1:5432/test); the scratch
# database is dropped at the end. The SQL is what `Database::list_fleets`
# builds (src/storage/fleets.rs), and the dashboard's `current_fleet_scores`
# (src/storage/dashboard.rs), with the binds written in.
set -euo pipefail
cd "$(dirname "$0")/.."

ADMIN_URL="${ADMIN_URL:-postgres://postgres@127.0.0.1:5432/test}"
FLEETS="${FLEETS:-2000}"
RUNS="${RUNS:-500}"
VESSELS_PER_FLEET="${VESSELS_PER_FLEET:-20}"
DB="fleet_list_plans_$$"
BASE="${ADMIN_URL%/*}"

psql -q "$ADMIN_URL" -c "CREATE DATABASE $DB"
trap 'psql -q "$ADMIN_URL" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"' EXIT
URL="$BASE/$DB"
for migration in migrations/postgres/*.sql; do
    psql -q -v ON_ERROR_STOP=1 "$URL" -f "$migration" >/dev/null
done

psql -q -v ON_ERROR_STOP=1 "$URL" <<SQL
INSERT INTO fleets (id, name, created_at, updated_at)
SELECT md5('fleet' || i)::uuid, 'Fleet ' || lpad(i::text, 5, '0'), now(), now()
FROM generate_series(1, $FLEETS) i;
INSERT INTO vessels (imo, fleet_id, name, ship_type, year_built, gross_tonnage, flag,
    company_performance, insured_value_usd, sanctioned, banned_listed,
    days_in_listed_areas_12m, ais_gaps_12m, flag_changes_36m, created_at, updated_at)
SELECT lpad(n::text, 7, '0'), md5('fleet' || (n % $FLEETS + 1))::uuid, 'V' || n, 'bulk_carrier',
    2000, 40000, 'MT', 'medium', 1e7, false, false, 0, 0, 0, now(), now()
FROM generate_series(1, $FLEETS * $VESSELS_PER_FLEET) n;
INSERT INTO risk_runs (id, trigger, status, as_of, model_version, started_at, heartbeat_at, finished_at)
SELECT md5('run' || r)::uuid, 'cron', 'published', current_date, 'frm-1.0',
    now() - (($RUNS - r) || ' hours')::interval, now(), now() - (($RUNS - r) || ' hours')::interval
FROM generate_series(1, $RUNS) r;
INSERT INTO fleet_scores (fleet_id, run_id, data_version, score, vessel_count, aggregate, calculated_at)
SELECT md5('fleet' || i)::uuid, md5('run' || r)::uuid, 1, (i * 7919 + r) % 10000 / 100.0,
    $VESSELS_PER_FLEET, '{}', now() - (($RUNS - r) || ' hours')::interval
FROM generate_series(1, $FLEETS) i, generate_series(1, $RUNS) r;
INSERT INTO current_fleet_scores (fleet_id, run_id, data_version)
SELECT md5('fleet' || i)::uuid, md5('run' || $RUNS)::uuid, 1
FROM generate_series(1, $FLEETS) i WHERE i % 50 <> 0;
ANALYZE;
SQL

SELECT_SCORED="SELECT f.id, f.name, f.description, f.created_at, f.updated_at,
  (SELECT COUNT(*) FROM vessels v WHERE v.fleet_id = f.id) AS vessel_count,
  s.score AS current_score, s.calculated_at AS scored_at FROM fleets f
  LEFT JOIN current_fleet_scores c ON c.fleet_id = f.id
  LEFT JOIN fleet_scores s ON s.fleet_id = c.fleet_id AND s.run_id = c.run_id WHERE TRUE"

plan() {
    local label="$1" sql="$2"
    echo "== $label"
    # Warm once, then report the planner's choice and the best of five runs.
    psql -qAt "$URL" -c "$sql" >/dev/null
    psql -qAt "$URL" -c "EXPLAIN (ANALYZE, COSTS OFF) $sql" | grep -E "^(Limit|Sort|  ->|Planning|Execution)" | head -12
    local best=""
    for _ in 1 2 3 4 5; do
        local ms
        ms="$(psql -qAt "$URL" -c "EXPLAIN (ANALYZE, FORMAT JSON) $sql" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Execution Time"])')"
        best="$(python3 -c "print(min(float('$ms'), float('${best:-1e9}')))")"
    done
    echo "best of 5: $best ms"
}

FLEET_ONE="$(psql -qAt "$URL" -c "SELECT md5('fleet1')::uuid")"
plan "fleet list, by name, first page of 50" \
    "$SELECT_SCORED ORDER BY f.name, f.id LIMIT 51"
plan "fleet list, by name, a page after a cursor" \
    "$SELECT_SCORED AND (f.name > 'Fleet 01000' OR (f.name = 'Fleet 01000' AND f.id > '$FLEET_ONE')) ORDER BY f.name, f.id LIMIT 51"
plan "fleet list, -score, first page of 50" \
    "$SELECT_SCORED ORDER BY COALESCE(s.score, -1) DESC, f.id LIMIT 51"
plan "fleet list, -score, level=high,critical (defaults), after a cursor" \
    "$SELECT_SCORED AND (((TRUE) AND ((s.score IS NOT NULL AND s.score >= 50 AND s.score < 70) OR (s.score IS NOT NULL AND s.score >= 70)))) AND (COALESCE(s.score, -1) < 80 OR (COALESCE(s.score, -1) = 80 AND f.id > '$FLEET_ONE')) ORDER BY COALESCE(s.score, -1) DESC, f.id LIMIT 51"
echo "-- baselines: reads that serve today"
PREVIOUS="SELECT c.fleet_id, f.score, f.calculated_at, (SELECT p.score FROM fleet_scores p JOIN risk_runs r ON r.id = p.run_id WHERE p.fleet_id = c.fleet_id AND r.status = 'published' AND r.trigger <> 'data_change' AND p.calculated_at < f.calculated_at ORDER BY p.calculated_at DESC LIMIT 1) FROM current_fleet_scores c LEFT JOIN fleet_scores f ON f.fleet_id = c.fleet_id AND f.run_id = c.run_id"
plan "dashboard: every fleet's current and previous score" "$PREVIOUS"
plan "all fleets by name (the dashboard's list)" \
    "SELECT f.id, f.name, f.description, f.created_at, f.updated_at, (SELECT COUNT(*) FROM vessels v WHERE v.fleet_id = f.id) AS vessel_count FROM fleets f ORDER BY f.name, f.id"
echo "-- the dashboard's previous scores without fleet_scores_fleet_time_idx (before it)"
psql -q "$URL" -c "DROP INDEX fleet_scores_fleet_time_idx"
plan "dashboard: every fleet's current and previous score, no time index" "$PREVIOUS"

echo "-- SQLite: the same book (no vessels), the same reads; each as the service runs it and as it ran before"
python3 - "$FLEETS" "$RUNS" <<'PY'
import sqlite3, sys, tempfile, time, uuid, glob, os
fleets, runs = int(sys.argv[1]), int(sys.argv[2])
path = os.path.join(tempfile.mkdtemp(), "plans.db")
db = sqlite3.connect(path, cached_statements=0)
for migration in sorted(glob.glob("migrations/sqlite/*.sql")):
    db.executescript(open(migration).read())
ids = [uuid.uuid5(uuid.NAMESPACE_DNS, f"fleet{i}").bytes for i in range(fleets)]
run_ids = [uuid.uuid5(uuid.NAMESPACE_DNS, f"run{r}").bytes for r in range(runs)]
at = lambda r: f"2026-{1 + r // 720:02d}-{1 + r // 24 % 30:02d} {r % 24:02d}:00:00+00:00"
db.executemany("INSERT INTO fleets (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)",
               [(f, f"Fleet {i:05d}", at(0), at(0)) for i, f in enumerate(ids)])
db.executemany("INSERT INTO risk_runs (id, trigger, status, as_of, model_version, started_at, heartbeat_at, finished_at) "
               "VALUES (?, 'cron', 'published', '2026-12-01', 'frm-1.0', ?, ?, ?)",
               [(r, at(i), at(i), at(i)) for i, r in enumerate(run_ids)])
db.executemany("INSERT INTO fleet_scores VALUES (?, ?, 1, ?, 20, '{}', ?)",
               ((f, r, (i * 7919 + j) % 10000 / 100.0, at(j)) for i, f in enumerate(ids) for j, r in enumerate(run_ids)))
db.executemany("INSERT INTO current_fleet_scores VALUES (?, ?, 1)", [(f, run_ids[-1]) for f in ids])
db.commit()
previous = ("(SELECT p.score FROM fleet_scores p JOIN risk_runs r ON r.id = p.run_id WHERE p.fleet_id = c.fleet_id "
            "AND r.status = 'published' AND r.trigger <> 'data_change' AND p.calculated_at < f.calculated_at "
            "ORDER BY p.calculated_at DESC LIMIT 1)")
scored = ("SELECT f.id, f.name, (SELECT COUNT(*) FROM vessels v WHERE v.fleet_id = f.id), s.score, s.calculated_at "
          "FROM fleets f LEFT JOIN current_fleet_scores c ON c.fleet_id = f.id "
          "LEFT JOIN fleet_scores s ON s.fleet_id = c.fleet_id AND s.run_id = c.run_id WHERE TRUE")
reads = [
    ("fleet list, by name, first page", scored + " ORDER BY f.name, f.id LIMIT 51"),
    ("fleet list, -score, first page", scored + " ORDER BY COALESCE(s.score, -1) DESC, f.id LIMIT 51"),
    ("dashboard previous scores (LEFT JOIN, as served)", f"SELECT c.fleet_id, f.score, f.calculated_at, {previous} "
     "FROM current_fleet_scores c LEFT JOIN fleet_scores f ON f.fleet_id = c.fleet_id AND f.run_id = c.run_id"),
    ("dashboard previous scores (inner join, before)", f"SELECT c.fleet_id, f.score, f.calculated_at, {previous} "
     "FROM current_fleet_scores c JOIN fleet_scores f ON f.fleet_id = c.fleet_id AND f.run_id = c.run_id"),
]
def measure(label):
    for name, sql in reads:
        plan = "; ".join(row[3] for row in db.execute("EXPLAIN QUERY PLAN " + sql))
        best = min(timed(sql) for _ in range(5))
        print(f"== {name}{label}: best of 5 {best * 1000:.1f} ms\n   {plan}")
def timed(sql):
    start = time.perf_counter()
    db.execute(sql).fetchall()
    return time.perf_counter() - start
measure("")
db.execute("DROP INDEX fleet_scores_fleet_time_idx")
print("-- without fleet_scores_fleet_time_idx")
measure(", no time index")
os.remove(path)
PY
