#!/usr/bin/env bash
# Regenerate the Cox / Harrell's C golden files in tests/data/stats/cox_*/
# from R `survival` (and the lifelines cross-check), installing the tools if
# they are missing. Run from anywhere; writes into the repository.
#
#   bash scripts/reference/generate_cox.sh
#
# Installs (Debian, as root): r-base-core r-cran-survival
# (--no-install-recommends, ~10 packages); (PyPI): lifelines.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v Rscript >/dev/null || ! Rscript -e 'library(survival)' >/dev/null 2>&1; then
  echo "== installing R and survival from Debian"
  apt-get update
  apt-get install -y --no-install-recommends r-base-core r-cran-survival
fi
if ! python3 -c 'import lifelines' >/dev/null 2>&1; then
  echo "== installing lifelines from PyPI"
  python3 -m pip install lifelines
fi

echo "== rossi (lifelines.datasets.load_rossi) -> tests/data/stats/cox_rossi/data.csv"
python3 scripts/reference/cox_lifelines.py --write-rossi
echo "== R survival goldens"
Rscript scripts/reference/cox_r.R
echo "== lifelines cross-check"
python3 scripts/reference/cox_lifelines.py

echo "== versions (copy into PROVENANCE.md if they changed)"
Rscript -e 'cat(R.version.string, "\nsurvival", as.character(packageVersion("survival")), "\n")'
python3 -c 'import lifelines, pandas, numpy, sys; print("python", sys.version.split()[0], "lifelines", lifelines.__version__, "pandas", pandas.__version__, "numpy", numpy.__version__)'
dpkg-query -W r-base-core r-cran-survival 2>/dev/null || true
