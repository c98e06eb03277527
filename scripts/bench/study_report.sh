#!/usr/bin/env bash
# `mibg study report` on the N-patient synthetic study (default 10 000,
# scripts/make_seed_study.py --scale) next to its parse-only floor in the
# same run: the floor (crates/clinic/examples/study_parse.rs) reads the
# folder and runs only the study crate's format checks; the report adds
# every clinical step, in the library alone (`study_parse --report`, the
# JSON of `mibg study report --json`) and through the command line.
# Each command runs 3 times under /usr/bin/time -v
# (Debian package `time`); the table gives the median wall time, user and
# system CPU time, and peak resident memory. The machine load (uptime) is
# printed before and after: on a shared machine wall time is not CPU time.
#
# Run from the repository root:  bash scripts/bench/study_report.sh [N] [OTHER_STUDY_PARSE...]
# Each OTHER_STUDY_PARSE (the example built from another commit, e.g. main:
# `cargo build --release -p mibg-clinic --example study_parse` there) runs
# `--report` the same way, and its JSON must equal this build's byte for
# byte. MIBG_BENCH_NO_CLI=1 skips the command line (no release build of
# the whole `mibg` binary).
set -euo pipefail
N=${1:-10000}
shift || true
DIR=${TMPDIR:-/tmp}/mibg-study-$N
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mibg-report-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
[ -x /usr/bin/time ] || { echo "install GNU time: apt-get install time" >&2; exit 1; }
CLI=${MIBG_BENCH_NO_CLI:-}
pkgs=(-p mibg-clinic --example study_parse)
[ -n "$CLI" ] || pkgs+=(-p mibg)
cargo build --release "${pkgs[@]}" >/dev/null 2>&1 || cargo build --release "${pkgs[@]}"
M=$PWD/target/release/mibg
P=$PWD/target/release/examples/study_parse
if [ ! -f "$DIR/study.toml" ]; then
  python3 scripts/make_seed_study.py --scale="$N" "$DIR"
  [ -x "$M" ] || { echo "the new study needs target/release/mibg to accept the gate's refusals" >&2; exit 1; }
  python3 scripts/bench/accept_gate_refusals.py "$M" "$DIR"
fi
rows() { echo $(($(grep -vc '^#' "$DIR/$1") - 1)); }   # data rows: no comment, no header
echo "study: $DIR ($(rows patients.csv) patients, $(rows labs.csv) lab rows, $(rows readings.csv) readings)"
echo "machine: $(nproc) cores; before: $(uptime)"
# median of three numbers
med() { printf '%s\n' "$@" | sort -g | sed -n 2p; }
printf "%-44s %8s %8s %8s %9s\n" "command (median of 3)" "wall s" "user s" "sys s" "peak MiB"
row() {
  local label=$1 out=$2; shift 2
  local walls=() users=() syss=() rsss=()
  for _ in 1 2 3; do
    /usr/bin/time -v -o "$WORK/time" "$@" > "$out" 2> "$WORK/err" || { cat "$WORK/err" >&2; exit 1; }
    walls+=("$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$WORK/time")")
    users+=("$(awk -F': ' '/User time/ {print $2}' "$WORK/time")")
    syss+=("$(awk -F': ' '/System time/ {print $2}' "$WORK/time")")
    rsss+=("$(awk -F': ' '/Maximum resident/ {print $2}' "$WORK/time")")
  done
  printf "%-44s %8.2f %8.2f %8.2f %9.0f\n" "$label" "$(med "${walls[@]}")" "$(med "${users[@]}")" \
    "$(med "${syss[@]}")" "$(echo "$(med "${rsss[@]}") / 1024" | bc)"
}
row "parse-only floor (study_parse)" "$WORK/parse.txt" "$P" "$DIR"
row "report, library (study_parse --report)" "$WORK/report.json" "$P" --report "$DIR"
if [ -z "$CLI" ]; then
  row "mibg study report DIR --json" "$WORK/cli.json" "$M" study report "$DIR" --json
  cmp -s "$WORK/report.json" "$WORK/cli.json" && echo "  (identical JSON report)" || { echo "  REPORTS DIFFER: mibg"; exit 1; }
fi
i=0
for other in "$@"; do
  i=$((i + 1))
  row "$other --report" "$WORK/other$i.json" "$other" --report "$DIR"
  cmp -s "$WORK/report.json" "$WORK/other$i.json" && echo "  (identical JSON report)" || { echo "  REPORTS DIFFER: $other"; exit 1; }
done
echo "floor: $(cat "$WORK/parse.txt")"
echo "machine: after: $(uptime)"
