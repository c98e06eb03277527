#!/usr/bin/env bash
# Regenerates the issue-13 R `survival` golden files (run from anywhere; writes
# into the repository):
#   tests/data/stats/coxsw_*/      Cox with strata and case weights
#   tests/data/stats/km_lung_strata_weights/ weighted KM, stratified log-rank
#   tests/data/stats/timefix_lung/ near-equal times (timefix / aeqSurv)
#   tests/data/stats/{lung,veteran,ovarian}/expected_{logit,arcsin}.json
#                                  KM logit and arcsine intervals (km_r.R)
# Installs R and survival from Debian when missing (needs root):
#   apt-get install -y --no-install-recommends r-base-core r-cran-survival
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v Rscript >/dev/null || ! Rscript -e 'library(survival)' >/dev/null 2>&1; then
  apt-get update
  apt-get install -y --no-install-recommends r-base-core r-cran-survival
fi
Rscript scripts/validation/cox_strata_weights.R
Rscript scripts/validation/km_strata_weights.R
# The KM goldens: km_r.R writes every case; only the logit/arcsin files are
# new (the others are byte-identical with R 4.2.2 / survival 3.5-3).
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
Rscript scripts/reference/km_r.R "$tmp"
for c in lung veteran ovarian; do
  cp "$tmp/$c/expected_logit.json" "$tmp/$c/expected_arcsin.json" "tests/data/stats/$c/"
done
Rscript -e 'cat(R.version.string, "\nsurvival", as.character(packageVersion("survival")), "\n")'
dpkg-query -W r-base-core r-cran-survival 2>/dev/null || true
