#!/usr/bin/env bash
# Renders the README's document pictures: the first page of each PDF
# document (unsigned, A4, fixed creation date) as PNG at 80 dpi into
# docs/documents/. Needs poppler-utils (scripts/ci/poppler.sh) and a built
# mibg (default target/release/mibg; MIBG=path to use another).
set -euo pipefail
cd "$(dirname "$0")/../.."
mibg=${MIBG:-target/release/mibg}
out=docs/documents
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
when=2026-12-01T09:00:00Z
"$mibg" plan --weight-kg 20 --height-cm 110 --start-date 2026-12-01 --study-id C01-007 \
    --pdf "$tmp/plan.pdf" --creation-date "$when" >/dev/null
"$mibg" dose examples/dose/readings.csv --weight-kg 20 --activity-mbq 8880 --study-id C01-007 \
    --pdf "$tmp/dose.pdf" --creation-date "$when" >/dev/null
"$mibg" study report examples/seed-study --pdf "$tmp/study.pdf" --creation-date "$when" >/dev/null
for d in plan dose study; do
    pdftoppm -png -r 80 -f 1 -l 1 -singlefile "$tmp/$d.pdf" "$out/$d-1"
done
ls -l "$out"
