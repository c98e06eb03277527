#!/usr/bin/env bash
# The loopback load test of `mibg serve` (issue 11; not in CI): N concurrent
# clients (default 50) for T seconds (default 60) mixing reads (patients,
# patient, course, toxicity and dosimetry pages, the course and dosimetry
# JSON endpoints) and writes (readings by form and by the API, laboratory
# values by form) on a registry holding the 10 000-patient synthetic study,
# on SQLite and, with MIBG_BENCH_POSTGRES_URL or --postgres, on PostgreSQL.
# Prints the p50/p95/p99/max latency of each route class, the errors and
# the lost-update check (crates/load, `mibg-load`). Run from the repository
# root:
#
#   bash scripts/bench/load.sh                 # SQLite, 10 000 patients, 50 clients, 60 s
#   bash scripts/bench/load.sh --postgres      # and a throw-away PostgreSQL cluster too
#   bash scripts/bench/load.sh --small         # the seed study (26 patients), 8 clients, 5 s
#
# Options: --patients N (default 10000), --clients N, --seconds T, --mix
# SPEC (crates/load/src/engine.rs `Mix::parse`), --think-ms MS
# (mean pause of each client between requests; default 0: every client
# sends its next request at once, the server at saturation), --only-postgres,
# --keep DIR (keep and reuse the imported registries in DIR: the SQLite file
# and a marker for the PostgreSQL database; importing 10 000 patients takes
# minutes). MIBG_BENCH_POSTGRES_URL=postgres://… names an empty PostgreSQL
# database to use instead of a throw-away cluster. The JSON summaries are
# written to $OUT (default target/load) as load-<backend>.json.
set -euo pipefail
N=10000
CLIENTS=50
SECONDS_=60
MIX=
THINK=0
SMALL=0
PG=0
SQLITE=1
KEEP=
while [ $# -gt 0 ]; do
  case $1 in
    --small) SMALL=1; CLIENTS=8; SECONDS_=5 ;;
    --patients) N=$2; shift ;;
    --clients) CLIENTS=$2; shift ;;
    --seconds) SECONDS_=$2; shift ;;
    --mix) MIX=$2; shift ;;
    --think-ms) THINK=$2; shift ;;
    --postgres) PG=1 ;;
    --only-postgres) PG=1; SQLITE=0 ;;
    --keep) KEEP=$2; shift ;;
    *) echo "load.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
[ -n "${MIBG_BENCH_POSTGRES_URL:-}" ] && PG=1
OUT=${OUT:-$PWD/target/load}
mkdir -p "$OUT"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mibg-load.XXXXXX")
SERVER=
cleanup() {
  if [ -n "$SERVER" ]; then kill -INT "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "== building (release): mibg and the load client" >&2
cargo build --release -p mibg >/dev/null 2>&1 || cargo build --release -p mibg
cargo build --release -p mibg-load >/dev/null 2>&1 || cargo build --release -p mibg-load
M=$PWD/target/release/mibg
LOAD=$PWD/target/release/mibg-load

if [ "$SMALL" = 1 ]; then
  DIR=$PWD/examples/seed-study
  READS=12; WRITES=4
else
  DIR=${TMPDIR:-/tmp}/mibg-study-$N
  READS=300; WRITES=100
  if [ ! -f "$DIR/study.toml" ]; then
    python3 scripts/make_seed_study.py --scale="$N" "$DIR"
  fi
fi
CENTRE=$(grep -v '^#' "$DIR/patients.csv" | sed -n 2p | awk -F, '{print $NF}' | tr -d '\r')

# Imports the study into $1 unless --keep already holds it.
prepare_db() {
  local db=$1 marker=$2
  if [ -n "$marker" ] && [ -f "$marker" ]; then
    echo "== reusing the registry $db" >&2
    return
  fi
  if [ "$SMALL" = 0 ]; then
    # The gate refuses a few clean synthetic series by design: accepted in
    # overrides.csv, as in scripts/bench/db_10k.sh.
    python3 scripts/bench/accept_gate_refusals.py "$M" "$DIR" >&2
  fi
  echo "== importing $DIR into $db" >&2
  "$M" db init --db "$db" >/dev/null
  /usr/bin/time -f "   import: %e s wall, %U+%S s CPU, %M KiB" \
    "$M" db import "$DIR" --db "$db" --time-zone Europe/Rome >/dev/null
  # The server refuses to start without an account: an administrator
  # (nothing clinical); the load client makes its own clinical accounts.
  echo "load-admin-$(date +%s)-pass" | "$M" user add "load-admin-$$" --name "Load admin" \
    --role admin --centre "$CENTRE" --db "$db" --password-stdin >/dev/null
  [ -n "$marker" ] && touch "$marker"
  return 0
}

run_one() {
  local backend=$1 db=$2
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$M" serve --db "$db" --addr "127.0.0.1:$port" >"$WORK/serve-$backend.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 100); do
    grep -q "mibg serve:" "$WORK/serve-$backend.log" 2>/dev/null && break
    kill -0 "$SERVER" 2>/dev/null || { cat "$WORK/serve-$backend.log" >&2; exit 1; }
    sleep 0.2
  done
  local pat
  pat=$(grep -vc '^#' "$DIR/patients.csv" || true)
  echo "== $backend: $((pat - 1)) patients; $CLIENTS clients (pause $THINK ms) for $SECONDS_ s; load before: $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%FT%TZ); commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- crates || echo '+changes')"
  local status=0
  nice -n 10 "$LOAD" --addr "127.0.0.1:$port" --db "$db" --clients "$CLIENTS" --seconds "$SECONDS_" \
    --reads "$READS" --writes "$WRITES" --think-ms "$THINK" ${MIX:+--mix "$MIX"} --json "$OUT/load-$backend.json" || status=$?
  echo "   load average after: $(cut -d' ' -f1-3 /proc/loadavg); JSON: $OUT/load-$backend.json"
  kill -INT "$SERVER" 2>/dev/null || true
  wait "$SERVER" 2>/dev/null || true
  SERVER=
  return $status
}

RC=0
if [ "$SQLITE" = 1 ]; then
  if [ -n "$KEEP" ]; then
    mkdir -p "$KEEP"
    DB=$KEEP/load-$([ "$SMALL" = 1 ] && echo seed || echo "$N").sqlite
    prepare_db "$DB" "$DB.ready"
  else
    DB=$WORK/load.sqlite
    prepare_db "$DB" ""
  fi
  run_one sqlite "$DB" || RC=$?
fi
if [ "$PG" = 1 ]; then
  if [ -z "${MIBG_BENCH_POSTGRES_URL:-}" ]; then
    # A throw-away cluster, stopped when this script exits.
    # shellcheck source=../ci/postgres.sh
    source scripts/ci/postgres.sh
    # postgres.sh set its own EXIT trap: stop the cluster and clean up here.
    trap 'cleanup; _mibg_pg_stop "$MIBG_PG_DIR"' EXIT
    PGURL=$MIBG_TEST_POSTGRES_URL
    MARK=
  else
    PGURL=$MIBG_BENCH_POSTGRES_URL
    MARK=${KEEP:+$KEEP/load-postgres-$N.ready}
  fi
  prepare_db "$PGURL" "$MARK"
  run_one postgres "$PGURL" || RC=$?
fi
exit $RC
