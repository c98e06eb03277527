#!/usr/bin/env bash
# Render time of each PDF document: every command run RUNS times (default 7)
# as a whole process, with --pdf and without; prints the medians and their
# difference (the typesetting and PDF writing). Needs a release build
# (cargo build --release -p mibg; MIBG=path to use another binary).
set -euo pipefail
cd "$(dirname "$0")/../.."
mibg=${MIBG:-target/release/mibg}
runs=${RUNS:-7}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
when=2026-12-01T09:00:00Z

median_ms() { # command... → median wall time in ms over $runs runs
    local times=()
    for _ in $(seq "$runs"); do
        local t0 t1
        t0=$(date +%s%N)
        "$@" >/dev/null 2>&1
        t1=$(date +%s%N)
        times+=($(((t1 - t0) / 1000000)))
    done
    printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((runs + 1) / 2))p"
}

row() { # name pages-file args...
    local name=$1
    shift
    local without with pages
    without=$(median_ms "$mibg" "$@")
    with=$(median_ms "$mibg" "$@" --pdf "$tmp/$name.pdf" --creation-date "$when")
    pages=$(pdfinfo "$tmp/$name.pdf" 2>/dev/null | sed -n 's/^Pages: *//p')
    printf '| %s | %s | %s ms | %s ms | %s ms |\n' "$name" "${pages:-?}" "$without" "$with" "$((with - without))"
}

echo "| Document | Pages | Command without --pdf | With --pdf | Render (difference) |"
echo "|---|---|---|---|---|"
row plan plan --weight-kg 20 --height-cm 110 --start-date 2026-12-01 --study-id C01-007
row dose dose examples/dose/readings.csv --weight-kg 20 --activity-mbq 8880 --study-id C01-007
row dose-family dose examples/dose/readings.csv --weight-kg 20 --activity-mbq 8880 --family --infusion-time 2026-03-02T14:30+01:00
row study study report examples/seed-study
echo
echo "(median of $runs runs each, wall time, $(nproc) cores shared; $("$mibg" --version))"
