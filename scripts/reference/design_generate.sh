#!/usr/bin/env bash
# Regenerates the reference designs for `mibg design` under tests/data/design/
# (run from the repository root):  bash scripts/reference/design_generate.sh
#
# Needs R with rpact (Debian: apt-get install -y r-base-core r-cran-rpact) and
# clinfun. clinfun is not packaged by Debian; where CRAN is reachable,
# install.packages("clinfun") works; otherwise build it from its source tree:
#   CLINFUN_SRC=/path/to/clinfun bash scripts/reference/design_generate.sh
# (needs r-base-dev and gfortran; it is installed into a temporary library).
# Then runs design_r.R (clinfun, rpact) and design_exact.py (exact rational
# re-checks, Simpson rule; Python standard library only) and records the
# versions in the PROVENANCE.md files.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=tests/data/design
if ! command -v Rscript >/dev/null; then
  apt-get update
  apt-get install -y r-base-core r-cran-rpact
fi
if [ -n "${CLINFUN_SRC:-}" ]; then
  CLINFUN_LIB=$(mktemp -d)
  export CLINFUN_LIB
  R CMD INSTALL --no-docs -l "$CLINFUN_LIB" "$CLINFUN_SRC" >/dev/null
fi
mkdir -p "$out/simon" "$out/single-stage" "$out/survival"
Rscript scripts/reference/design_r.R "$out"
python3 scripts/reference/design_exact.py
lib_arg=""
[ -n "${CLINFUN_LIB:-}" ] && lib_arg=", lib.loc = '$CLINFUN_LIB'"
r_version=$(Rscript -e 'cat(R.version.string)')
clinfun_version=$(Rscript -e "cat(as.character(packageVersion('clinfun'$lib_arg)))")
rpact_version=$(Rscript -e 'cat(as.character(packageVersion("rpact")))')
python_version=$(python3 -c 'import platform; print(platform.python_version())')
today=$(date -u +%Y-%m-%d)
for area in simon single-stage survival; do
  cat > "$out/$area/PROVENANCE.md" <<MD
# Provenance: \`design/$area\`

Produced by \`bash scripts/reference/design_generate.sh\` on $today, which runs
\`Rscript scripts/reference/design_r.R tests/data/design\` and
\`python3 scripts/reference/design_exact.py\`.

* R: $r_version; clinfun $clinfun_version${CLINFUN_SRC:+ (built from source: ${CLINFUN_SOURCE_NOTE:-$CLINFUN_SRC})}; rpact $rpact_version (Debian \`r-cran-rpact\`).
* Python $python_version, standard library only (\`fractions\`, \`statistics.NormalDist\`).
MD
done
