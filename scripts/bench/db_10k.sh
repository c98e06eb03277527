#!/usr/bin/env bash
# The registry on the 10 000-patient synthetic study: `mibg db import` into
# a new SQLite file, `mibg study report --db` from it, `mibg db verify-audit`
# and `mibg db export`, side by side with `mibg study report` on the folder
# itself, in one run, each under /usr/bin/time (wall, CPU, peak memory).
# Run from the repository root:  bash scripts/bench/db_10k.sh [N]
#
# With MIBG_BENCH_POSTGRES_URL=postgres://… (an empty database) the same
# import and report also run on PostgreSQL.
set -euo pipefail
N=${1:-10000}
DIR=${TMPDIR:-/tmp}/mibg-study-$N
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mibg-db-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cargo build --release -p mibg >/dev/null 2>&1 || cargo build --release -p mibg
M=$PWD/target/release/mibg
if [ ! -f "$DIR/study.toml" ]; then
  python3 scripts/make_seed_study.py --scale="$N" "$DIR"
fi
python3 scripts/bench/accept_gate_refusals.py ./target/release/mibg "$DIR"
echo "study: $DIR ($(ls "$DIR/assessments" | wc -l) assessment files, $(wc -l < "$DIR/labs.csv") lab rows, $(wc -l < "$DIR/readings.csv") readings)"
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
printf "%-46s %9s %9s %11s\n" "command" "wall s" "CPU s" "peak MiB"
t() {
  local label=$1; shift
  /usr/bin/time -f "%e %U %S %M" -o "$WORK/time" "$@" > "$WORK/out" 2> "$WORK/err" || { cat "$WORK/err" >&2; exit 1; }
  read -r wall user sys rss < "$WORK/time"
  printf "%-46s %9.2f %9.2f %11.0f\n" "$label" "$wall" "$(echo "$user + $sys" | bc)" "$(echo "$rss / 1024" | bc)"
}
DB=$WORK/mibg.sqlite
t "mibg study report DIR --json (folder)" "$M" study report "$DIR" --json
cp "$WORK/out" "$WORK/folder.json"
t "mibg db init" "$M" db init --db "$DB"
t "mibg db import DIR (SQLite)" "$M" db import "$DIR" --db "$DB" --time-zone Europe/Rome
t "mibg study report --db FILE --json (SQLite)" "$M" study report --db "$DB" --json
cmp -s "$WORK/out" "$WORK/folder.json" && echo "  (report from the database = report from the folder: identical JSON)" || { echo "  REPORTS DIFFER"; exit 1; }
t "mibg db verify-audit (SQLite)" "$M" db verify-audit --db "$DB"
t "mibg db export OUT (SQLite)" "$M" db export "$WORK/export" --db "$DB"
t "mibg db backup FILE (SQLite)" "$M" db backup "$WORK/backup.sqlite" --db "$DB"
echo "database file: $(du -m "$DB" | cut -f1) MiB; study folder: $(du -sm "$DIR" | cut -f1) MiB"
if [ -n "${MIBG_BENCH_POSTGRES_URL:-}" ]; then
  t "mibg db init (PostgreSQL)" "$M" db init --db "$MIBG_BENCH_POSTGRES_URL"
  t "mibg db import DIR (PostgreSQL)" "$M" db import "$DIR" --db "$MIBG_BENCH_POSTGRES_URL" --time-zone Europe/Rome
  t "mibg study report --db URL --json (PostgreSQL)" "$M" study report --db "$MIBG_BENCH_POSTGRES_URL" --json
  cmp -s "$WORK/out" "$WORK/folder.json" && echo "  (identical JSON)" || { echo "  REPORTS DIFFER"; exit 1; }
fi
