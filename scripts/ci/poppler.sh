#!/usr/bin/env bash
# Installs Debian's poppler-utils (pdftotext, pdffonts, pdfinfo, pdftoppm)
# when it is missing: the PDF document tests (crates/cli/tests/documents.rs)
# extract the text of each document with pdftotext and check its fonts and
# metadata with pdffonts and pdfinfo. Called by .ci/run; safe to run again.
set -euo pipefail
if command -v pdftotext >/dev/null && command -v pdffonts >/dev/null && command -v pdfinfo >/dev/null; then
    exit 0
fi
echo "== installing poppler-utils (PDF document tests)"
if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq poppler-utils >/dev/null
command -v pdftotext >/dev/null
