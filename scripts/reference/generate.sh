#!/usr/bin/env bash
# Regenerates the R `survival` golden files under tests/data/stats/ (run from
# the repository root):  bash scripts/reference/generate.sh
#
# Installs R from Debian if Rscript is missing (needs root; ~40 MB):
#   apt-get install -y --no-install-recommends r-base-core r-cran-survival
# Then runs km_r.R and records the tool versions in each PROVENANCE.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v Rscript >/dev/null; then
  apt-get update
  apt-get install -y --no-install-recommends r-base-core r-cran-survival
fi
out=tests/data/stats
# lifelines' rossi data set, if lifelines is installed (pip install lifelines)
rossi_tmp=$(mktemp --suffix=.csv)
trap 'rm -f "$rossi_tmp"' EXIT
cases="lung veteran ovarian"
if python3 -c 'from lifelines.datasets import load_rossi; load_rossi().to_csv("'"$rossi_tmp"'", index=False)' 2>/dev/null; then
  cases="$cases rossi"
  lifelines_version=$(python3 -c 'import lifelines; print(lifelines.__version__)')
else
  echo "lifelines not installed: skipping rossi" >&2
fi
ROSSI_CSV="$rossi_tmp" Rscript scripts/reference/km_r.R "$out"
r_version=$(Rscript -e 'cat(R.version.string)')
surv_version=$(Rscript -e 'cat(as.character(packageVersion("survival")))')
deb_version=$(dpkg-query -W -f='${Version}' r-cran-survival 2>/dev/null || echo "not from Debian")
for case in $cases proportion; do
  cat > "$out/$case/PROVENANCE.md" <<MD
# Provenance: \`$case\`

Produced by \`bash scripts/reference/generate.sh\` (which runs
\`Rscript scripts/reference/km_r.R tests/data/stats\`).

* Tool: $r_version, package \`survival\` $surv_version (Debian \`r-cran-survival\` $deb_version).
* Generated: $(date -u +%Y-%m-%d).
MD
done
cat >> "$out/proportion/PROVENANCE.md" <<'MD'

`expected.json`: for each x/n and level 0.95 and 0.90, the limits from
`binom.test` (clopper-pearson), `prop.test(correct = FALSE)` (wilson),
`prop.test(correct = TRUE)` (wilson-cc; omitted at x = n/2, where R drops the
correction), `qbeta` (jeffreys), and the closed forms of wald, wald-cc and
agresti-coull evaluated in R (independent of the Rust code).
Tolerance in the tests: 1e-9 relative (docs/reference/statistics.md §8).
MD
for case in $cases; do
  if [ "$case" = rossi ]; then
    cat >> "$out/$case/PROVENANCE.md" <<MD

Input: lifelines $lifelines_version \`lifelines.datasets.load_rossi()\` (Rossi et al. 1980
recidivism data), recoded as in docs/reference/statistics.md §9: week → time, arrest →
event, fin → group.
MD
  fi
  cat >> "$out/$case/PROVENANCE.md" <<'MD'

Input (lung, veteran, ovarian): the R `survival` data set of the same name, recoded as in
docs/reference/statistics.md §9 (`event` 0/1, grouping variable renamed `group`, dots in
names replaced by underscores), written with `write.csv(na = "")`.

`expected_<conf-type>.json` (log-log, log, plain; logit and arcsin for lung, veteran, ovarian, added 2026-12-05 for issue 13 with the same R and survival): `survfit(Surv(time, event) ~ 1,
conf.type = ...)` table (std_err = surv × survfit's std.err, i.e. the SE of S),
`quantile(fit, 0.5)` (median and CI), `summary(fit, times = ..., extend = TRUE)`
(landmarks), `survfit(Surv(time, 1 - event) ~ 1)` (median follow-up),
`survfit(... ~ group)` per level, `survdiff(... ~ group)` (log-rank; p from
`pchisq(chisq, df, lower.tail = FALSE)`). NA/NaN/Inf are `null`.
Tolerance in the tests: 1e-9 relative for numbers, exact for counts and
medians (docs/reference/statistics.md §8).
MD
done
echo "wrote $out/{$cases proportion}"
