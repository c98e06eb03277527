#!/usr/bin/env bash
# Installs Debian's chromium and chromium-driver when missing: the browser
# test of the web application (crates/web/tests/browser.rs) walks a whole
# course in a real headless Chromium through chromedriver (WebDriver).
# Called by scripts/test; safe to run again.
set -euo pipefail
if command -v chromedriver >/dev/null && { command -v chromium >/dev/null || [ -x /usr/lib/chromium/chromium ]; }; then
    exit 0
fi
echo "== installing chromium and chromium-driver (browser test of mibg serve)"
if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
command -v chromedriver >/dev/null
