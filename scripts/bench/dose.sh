#!/usr/bin/env bash
# Side by side: one full `dose` computation with a 1000-replicate residual
# bootstrap, in Rust (criterion, crates/dosimetry/benches/dose.rs) and in
# SciPy (scripts/bench/dose_scipy.py, curve_fit + the same bootstrap count),
# on examples/dose/readings.csv. Prints both medians and the ratio.
#
# Usage: bash scripts/bench/dose.sh        (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/../.."
READINGS=examples/dose/readings.csv

echo "== Rust (criterion) =="
cargo bench -p mibg-dosimetry --bench dose -- --warm-up-time 1 --measurement-time 5 dose_full_with_bootstrap_1000 2>/dev/null | tee /tmp/mibg_dose_bench.txt | grep -A2 dose_full_with_bootstrap_1000 || true
# criterion prints "time:   [low median high]" with units ns/µs/ms/s.
rust_ms=$(grep -A1 'dose_full_with_bootstrap_1000' /tmp/mibg_dose_bench.txt | grep -o 'time: *\[[^]]*\]' | python3 -c '
import re, sys
s = sys.stdin.read()
v = re.findall(r"([0-9.]+) (ns|µs|us|ms|s)\b", s)
val, unit = v[1]
print(float(val) * {"ns": 1e-6, "µs": 1e-3, "us": 1e-3, "ms": 1.0, "s": 1e3}[unit])')

echo "== SciPy (curve_fit, 1000 bootstrap replicates) =="
py_out=$(python3 scripts/bench/dose_scipy.py "$READINGS" 20 8880 --replicates 1000 --repeat 3)
echo "$py_out"
py_ms=$(echo "$py_out" | grep -o 'median [0-9.]* ms' | grep -o '[0-9.]*')

python3 - "$rust_ms" "$py_ms" <<'PY'
import sys
r, p = float(sys.argv[1]), float(sys.argv[2])
print(f"Rust {r:.2f} ms, SciPy {p:.1f} ms: SciPy / Rust = {p / r:.0f}x")
PY
