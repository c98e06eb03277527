#!/usr/bin/env bash
# Golden values for the Cox models of the seed-study report (issue 13):
# the per-patient inputs of each model are taken from the report JSON
# (`mibg study report examples/seed-study --json`) into
# tests/data/study/seed-cox/data.csv, then R `survival` fits the models
# declared in examples/seed-study/study.toml into expected.json.
# The test (crates/clinic/tests/cohort.rs) checks both: that the report used
# exactly these inputs, and that its fits equal R's.
# Installs R and survival from Debian when missing (needs root).
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v Rscript >/dev/null || ! Rscript -e 'library(survival)' >/dev/null 2>&1; then
  apt-get update
  apt-get install -y --no-install-recommends r-base-core r-cran-survival
fi
out=tests/data/study/seed-cox
mkdir -p "$out"
cargo run -q -p mibg -- study report examples/seed-study --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
print("patient,efs_days,efs_event,os_days,os_event,age_years,siopen_before,bone_marrow_involved")
for p in d["patients"]:
    r = p.get("response") or {}
    sb = r.get("siopen_before")
    print(",".join(str(v) for v in [p["patient"], p["efs"]["days"], int(p["efs"]["event"]),
        p["os"]["days"], int(p["os"]["event"]), repr(p["age_years"]),
        "" if sb is None else sb, int(p["involvement"]["bone_marrow"])]))
' > "$out/data.csv"
Rscript scripts/validation/seed_cox.R "$out"
