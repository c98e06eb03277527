#!/usr/bin/env bash
# Side by side, as whole processes: `mibg dose` (release build) and the SciPy
# script doing the same bounded fit and 1000-replicate residual bootstrap
# (scripts/bench/dose_scipy.py, one computation per process), on
# examples/dose/readings.csv (20 kg, 8880 MBq). Each process is started
# RUNS times, alternating; wall time and CPU time (user + system of the
# child, from getrusage) are recorded per run; the medians and their ratios
# are printed. `mibg dose` does more than the SciPy script: the plausibility
# gate (leave-one-out refits, A2 without each reading), radiation protection
# and the text of the report.
#
# Usage: bash scripts/bench/dose.sh [RUNS]     (from the repository root)
#        PYTHON=/path/to/python-with-scipy bash scripts/bench/dose.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-11}
PY=${PYTHON:-python3}
cargo build --release -p mibg >/dev/null 2>&1
"$PY" - "$RUNS" <<'PY'
import os, resource, statistics, subprocess, sys, time

runs = int(sys.argv[1])
py = os.environ.get("PYTHON", "python3")
cmds = {
    "mibg": ["target/release/mibg", "dose", "examples/dose/readings.csv",
             "--weight-kg", "20", "--activity-mbq", "8880", "--json"],
    "scipy": [py, "scripts/bench/dose_scipy.py", "examples/dose/readings.csv", "20", "8880",
              "--replicates", "1000", "--repeat", "1", "--json"],
}
res = {k: {"wall": [], "cpu": []} for k in cmds}
for i in range(runs):
    for k, c in cmds.items():
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(c, check=True, stdout=subprocess.DEVNULL)
        w = time.perf_counter() - t0
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
        res[k]["wall"].append(w)
        res[k]["cpu"].append(cpu)
med = {k: {m: statistics.median(v[m]) for m in v} for k, v in res.items()}
load = os.getloadavg()[0]
print(f"{runs} runs each, alternating; load average {load:.1f} on {os.cpu_count()} cores")
for k in cmds:
    print(f"{k:6s} wall {med[k]['wall'] * 1000:8.1f} ms   CPU {med[k]['cpu'] * 1000:8.1f} ms   "
          f"(CPU min {min(res[k]['cpu']) * 1000:.1f}, max {max(res[k]['cpu']) * 1000:.1f} ms)")
print(f"SciPy / mibg: wall {med['scipy']['wall'] / med['mibg']['wall']:.0f}x, "
      f"CPU {med['scipy']['cpu'] / med['mibg']['cpu']:.0f}x")
PY
