#!/usr/bin/env bash
# Where a running fleet-risk server's memory is: every INTERVAL seconds
# (default 60), COUNT times (default 12), one line with its RSS, its
# anonymous memory, and SQLite's own allocations (sqlite3_memory_used and
# its high-water mark, read with gdb); glibc's per-arena "system" and "in
# use" bytes (malloc_stats) go to the server's own stderr.
#
#   tools/memory/watch.sh [PID] [INTERVAL] [COUNT]
#
# With no PID it watches the one `fleet-risk serve` process. Each look stops
# the server for a fraction of a second under gdb, so requests queue meanwhile
# (and may be refused 503 by the compute admission): use it to find where
# memory goes, never beside a measurement of latency or errors. Needs gdb
# (Debian's package) and ptrace rights over the server (the same user, or root).
# It stops by itself after COUNT looks, or when the server exits.
set -euo pipefail
pid=${1:-$(pgrep -f "fleet-risk serve" | head -1)}
interval=${2:-60}
count=${3:-12}
command -v gdb >/dev/null || { echo "watch.sh: gdb is not installed" >&2; exit 2; }
[ -n "$pid" ] || { echo "watch.sh: no fleet-risk server is running" >&2; exit 2; }
start=$(date +%s)
for _ in $(seq 1 "$count"); do
  kill -0 "$pid" 2>/dev/null || break
  rss=$(ps -o rss= -p "$pid" | tr -d ' ')
  anon=$(awk '/^Anonymous/ {print $2}' "/proc/$pid/smaps_rollup")
  sqlite=$(timeout 20 gdb -batch -p "$pid" \
      -ex 'print (long long)sqlite3_memory_used()' \
      -ex 'print (long long)sqlite3_memory_highwater(0)' \
      -ex 'call (void)malloc_stats()' 2>/dev/null \
    | awk '/^\$/ {printf "%.1f ", $3 / 1048576}')
  awk -v t="$(( $(date +%s) - start ))" -v rss="$rss" -v anon="$anon" -v sqlite="$sqlite" \
    'BEGIN { printf "t=%ss rss=%.1fMB anonymous=%.1fMB sqlite_used,highwater(MB)=%s\n", t, rss / 1024, anon / 1024, sqlite }'
  sleep "$interval"
done
