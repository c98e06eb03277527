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
Rscript scripts/reference/km_r.R "$out"
r_version=$(Rscript -e 'cat(R.version.string)')
surv_version=$(Rscript -e 'cat(as.character(packageVersion("survival")))')
deb_version=$(dpkg-query -W -f='${Version}' r-cran-survival 2>/dev/null || echo "not from Debian")
for case in lung veteran ovarian proportion; do
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
Tolerance in the tests: 1e-9 relative (statistics.md §8).
MD
for case in lung veteran ovarian; do
  cat >> "$out/$case/PROVENANCE.md" <<'MD'

Input: the R `survival` data set of the same name, recoded as in
statistics.md §9 (`event` 0/1, grouping variable renamed `group`, dots in
names replaced by underscores), written with `write.csv(na = "")`.

`expected_<conf-type>.json` (log-log, log, plain): `survfit(Surv(time, event) ~ 1,
conf.type = ...)` table (std_err = surv × survfit's std.err, i.e. the SE of S),
`quantile(fit, 0.5)` (median and CI), `summary(fit, times = ..., extend = TRUE)`
(landmarks), `survfit(Surv(time, 1 - event) ~ 1)` (median follow-up),
`survfit(... ~ group)` per level, `survdiff(... ~ group)` (log-rank; p from
`pchisq(chisq, df, lower.tail = FALSE)`). NA/NaN/Inf are `null`.
Tolerance in the tests: 1e-9 relative for numbers, exact for counts and
medians (statistics.md §8).
MD
done
echo "wrote $out/{lung,veteran,ovarian,proportion}"
