#!/usr/bin/env bash
# Side-by-side recalculation benchmark of two commits on this machine:
# builds `cargo bench --bench recalculation` at BASE and at HEAD (or NEW) in
# temporary worktrees sharing one target dir, then runs them interleaved
# (base, new, base, new, ...) so machine load falls on both alike, and prints
# each run's best/median lines and the new/base ratio of the medians.
#
#   bash benches/recalculation-pair.sh BASE [NEW] [ROUNDS]   # ROUNDS default 3
#
# PostgreSQL at TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test).
# Worktrees live in $PAIR_DIR (default $CARGO_TARGET_DIR/pair) and are kept, so
# a second comparison rebuilds only what changed.
set -euo pipefail
base="${1:?usage: recalculation-pair.sh BASE [NEW] [ROUNDS]}"; new="${2:-HEAD}"; rounds="${3:-3}"
top="$(git rev-parse --show-toplevel)"
export CARGO_TARGET_DIR="${BENCH_TARGET_DIR:-/var/tmp/fleet-risk-bench-target}"
work="${PAIR_DIR:-$CARGO_TARGET_DIR/pair}"; mkdir -p "$work"; rm -f "$work/results"
binary() { # the bench executable cargo builds in worktree $1
    (cd "$1" && cargo bench --locked --bench recalculation --no-run --message-format=json 2>/dev/null) \
        | python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "recalculation" and m.get("executable"):
        print(m["executable"])' | tail -1
}
for side in base new; do
    rev="$base"; [ "$side" = new ] && rev="$new"
    if [ -e "$work/$side/.git" ]; then
        git -C "$work/$side" checkout -q --detach "$(git -C "$top" rev-parse "$rev")"
    else
        git -C "$top" worktree add -q --detach "$work/$side" "$rev"
    fi
    bin="$(binary "$work/$side")"; cp "$bin" "$work/$side.bench"
    echo "$side: $(git -C "$top" log --oneline -1 "$rev")"
done
for round in $(seq 1 "$rounds"); do
    for side in base new; do
        (cd "$work/$side" && "$work/$side.bench" --bench 2>/dev/null) | grep 'full run' | sed "s/^/round $round $side: /" | tee -a "$work/results"
    done
done
python3 - "$work/results" <<'PY'
import re, sys, statistics
runs = {}
for line in open(sys.argv[1]):
    m = re.match(r"round \d+ (\w+): (\w+): full run .* median ([\d.]+) s", line)
    if m:
        runs.setdefault((m[2], m[1]), []).append(float(m[3]))
for backend in sorted({b for b, _ in runs}):
    base, new = runs.get((backend, "base"), []), runs.get((backend, "new"), [])
    if base and new:
        b, n = statistics.median(base), statistics.median(new)
        print(f"{backend}: median of run medians base {b:.2f} s, new {n:.2f} s, new/base {n / b:.2f}")
PY
