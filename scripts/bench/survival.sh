#!/usr/bin/env bash
# Side-by-side benchmark: `mibg survival` vs R `survival` vs lifelines doing
# the same work on the same synthetic cohort, in one run.
#
#   bash scripts/bench/survival.sh [--cox-only] [N ...]     (default N: 10000 100000 1000000)
#
# Work per tool (whole process): read the CSV, Kaplan–Meier overall and by
# group with median and CI, reverse-KM median follow-up, log-rank by group,
# Cox (Efron) on age + stage + marker with Harrell's C, write JSON.
# --cox-only: read the CSV, Cox + Harrell's C, write JSON (mibg side: the
# `cox_csv` example of mibg-stats); used while `mibg survival` is not built.
#
# Measures wall time, CPU time (user + system) and peak RSS with
# /usr/bin/time -v (Debian package `time`, installed if missing). On a shared
# machine wall time includes waiting for a core: read CPU time too.
# Environment: BENCH_DIR (cohorts and outputs; default target/bench-data),
# TIMEOUT (seconds per run, default 1800), LIFELINES_MAX_N (skip lifelines
# above this N, default 10000000).
set -euo pipefail
cd "$(dirname "$0")/../.."

mode=full
if [[ "${1:-}" == "--cox-only" ]]; then mode=cox; shift; fi
sizes=("$@")
[[ ${#sizes[@]} -gt 0 ]] || sizes=(10000 100000 1000000)
dir=${BENCH_DIR:-target/bench-data}
timeout_s=${TIMEOUT:-1800}
ll_max=${LIFELINES_MAX_N:-10000000}
mkdir -p "$dir"

if [[ ! -x /usr/bin/time ]]; then
  echo "== installing GNU time (Debian package 'time')"
  apt-get install -y --no-install-recommends time
fi

echo "== building (release)"
if [[ $mode == full ]]; then
  cargo build --release --locked -p mibg -q
  mibg_cmd=(target/release/mibg survival DATA --time time --event event --group group
    --covariates age,stage,marker --json)
  r_flag=(); ll_flag=()
else
  cargo build --release --locked -p mibg-stats --example cox_csv -q
  mibg_cmd=(target/release/examples/cox_csv DATA OUT time event age,stage,marker)
  r_flag=(--cox-only); ll_flag=(--cox-only)
fi

results="$dir/results_$mode.tsv"
: > "$results"
measure() { # tool n stdout-file command...
  local tool=$1 n=$2 stdout=$3; shift 3
  local log="$dir/time_${tool}_$n.log"
  local status=ok
  /usr/bin/time -v -o "$log" timeout "$timeout_s" "$@" > "$stdout" 2> "$dir/stderr_${tool}_$n.log" \
    || status="failed(see $dir/stderr_${tool}_$n.log)"
  local wall user sys rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log")
  user=$(awk -F': ' '/User time/ {print $2}' "$log")
  sys=$(awk -F': ' '/System time/ {print $2}' "$log")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$tool" "$wall" "$user" "$sys" "$rss" "$status" >> "$results"
  echo "   $tool n=$n: wall $wall, cpu $user+$sys s, rss $rss kB, $status"
}

for n in "${sizes[@]}"; do
  data="$dir/cohort_$n.csv"
  if [[ ! -s $data ]]; then
    echo "== generating $data"
    python3 scripts/bench/cohort_gen.py "$n" "$data"
  fi
  echo "== n = $n ($mode)"
  out="$dir/out_mibg_$n.json"
  cmd=("${mibg_cmd[@]/DATA/$data}")
  if [[ $mode == full ]]; then
    measure mibg "$n" "$out" "${cmd[@]}"
  else
    measure mibg "$n" /dev/null "${cmd[@]/OUT/$out}"
  fi
  measure R "$n" /dev/null Rscript scripts/bench/survival_r.R "$data" "$dir/out_R_$n.json" "${r_flag[@]}"
  if (( n <= ll_max )); then
    measure lifelines "$n" /dev/null python3 scripts/bench/survival_lifelines.py "$data" "$dir/out_lifelines_$n.json" "${ll_flag[@]}"
  fi
done

python3 - "$results" "$dir" "$mode" <<'PY'
import json, sys, pathlib
results, d, mode = sys.argv[1], pathlib.Path(sys.argv[2]), sys.argv[3]
def secs(s):
    parts = [float(p) for p in s.split(":")]
    return sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
rows = [l.rstrip("\n").split("\t") for l in open(results) if l.strip()]
by = {}
for n, tool, wall, user, sys_, rss, status in rows:
    by[(n, tool)] = (secs(wall), float(user) + float(sys_), int(rss) / 1024, status)
def coef(tool, n):
    try:
        j = json.loads((d / f"out_{tool}_{n}.json").read_text())
        return (j["cox"] if "cox" in j else j)["coef"]
    except Exception:
        return None
print(f"\nmode: {mode} ({'read CSV, KM + by group, median, reverse-KM follow-up, log-rank, Cox 3 cov. + C, JSON' if mode == 'full' else 'read CSV, Cox 3 cov. (Efron) + C, JSON'})")
print("| n | tool | wall s | CPU s | peak RSS MiB | wall ÷ mibg | CPU ÷ mibg | RSS ÷ mibg | max rel. Δcoef vs R |")
print("|---|---|---|---|---|---|---|---|---|")
for n in dict.fromkeys(r[0] for r in rows):
    base = by.get((n, "mibg"))
    rc = coef("R", n)
    for tool in ("mibg", "R", "lifelines"):
        if (n, tool) not in by:
            continue
        w, c, m, status = by[(n, tool)]
        if status != "ok":
            print(f"| {int(n):,} | {tool} | {status} | | | | | | |")
            continue
        rel = ""
        tc = coef(tool, n)
        if rc and tc:
            rel = f"{max(abs(a - b) / abs(b) for a, b in zip(tc, rc)):.1e}"
        ratio = lambda a, b: f"{a / b:.1f}×" if b and b > 0 else ""
        cpu = f"{c:.2f}" if c > 0 else "<0.01"
        print(f"| {int(n):,} | {tool} | {w:.2f} | {cpu} | {m:.0f} | "
              f"{ratio(w, base[0]) if base else ''} | {ratio(c, base[1]) if base else ''} | "
              f"{ratio(m, base[2]) if base else ''} | {rel} |")
PY
