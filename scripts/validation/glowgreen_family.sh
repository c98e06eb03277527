#!/usr/bin/env bash
# Regenerates tests/data/radprot/glowgreen/cases.json with glowgreen from PyPI
# and reports the speed of glowgreen and of `mibg dose --family` in the same run.
#   bash scripts/validation/glowgreen_family.sh [VENV_DIR]
# The product never needs Python; this is validation only.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
VENV="${1:-${TMPDIR:-/tmp}/mibg-glowgreen-venv}"
GLOWGREEN_VERSION="0.1.1"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install --quiet "glowgreen==$GLOWGREEN_VERSION"
"$VENV/bin/python" "$ROOT/scripts/validation/glowgreen_family.py" "$ROOT/tests/data/radprot/glowgreen/cases.json"

# Speed, same run: mibg end to end (parse, fit, gate, A2, radiation protection,
# 14 patterns x 2 infusions with their dose-against-delay curves) on the
# bundled example, 20 runs.
cd "$ROOT"
cargo build --release -q -p mibg
BIN="$ROOT/target/release/mibg"
start=$(date +%s.%N)
for _ in $(seq 20); do
  "$BIN" dose examples/dose/readings.csv --weight-kg 20 --activity-mbq 8880 --reading-unit usv-h-1m \
    --bootstrap 0 --family --infusion-time 2026-03-02T14:30+01:00 --json > /dev/null
done
end=$(date +%s.%N)
python3 - "$start" "$end" "$ROOT/tests/data/radprot/glowgreen/cases.json" <<'PY'
import json, sys
start, end, path = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
mibg_ms = (end - start) / 20 * 1000
t = json.load(open(path))["timing"]
gg_ms_per = t["seconds_total_including_doses"] * 1000 / t["restrictions"]
gg_course = gg_ms_per * 14 * 2
print(f"glowgreen: {gg_ms_per:.2f} ms per pattern restriction (+5 doses); 14 patterns x 2 infusions = {gg_course:.0f} ms")
print(f"mibg dose --family, whole command (fit, gate, plan, 14 patterns x 2 infusions, plots data): {mibg_ms:.1f} ms")
print(f"ratio glowgreen (restrictions only) / mibg (whole command): {gg_course / mibg_ms:.1f}")
PY
