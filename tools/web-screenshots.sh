#!/bin/sh
# Regenerate the web app's screenshots in docs/img/web-*.png (docs/web.md): the browser test
# (tests/test_web_browser.py, Debian's chromium through Playwright) takes them in its own
# temporary folder and copies them to $TLA_SCREENSHOTS. pcscd's virtual readers are one per
# machine, hence the lock the other PC/SC tests take too.
set -e
cd "$(dirname "$0")/.."
TLA_SCREENSHOTS="${1:-docs/img}" flock /tmp/tla-pcsc.lock .venv/bin/python -m pytest tests/test_web_browser.py -q
