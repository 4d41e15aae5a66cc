#!/bin/sh
# Debian packages tla needs beyond Python 3.11 and make:
#   libpcsclite-dev  - headers to build pyscard (it has no Linux wheel)
#   pcscd, vsmartcard-vpcd - the PC/SC daemon and vsmartcard's virtual reader driver (tests)
#   lrzsz            - sz/rz, the ZMODEM baseline of `make bench`
#   poppler-utils    - pdftotext/pdftoppm, to check the paper duplicates (tests)
#   chromium         - the real browser the web app is tested in (tests/test_web_browser.py)
#   softhsm2         - a PKCS#11 token for the PKCS#11 sealing tests (tests/test_pkcs11_seal.py)
# As root (CI), install what is missing; otherwise say in one line what to install.
PKGS="libpcsclite-dev pcscd vsmartcard-vpcd lrzsz poppler-utils chromium softhsm2"
missing=""
# A Debian system Python needs python3-venv for `python3 -m venv`.
${PYTHON:-python3} -c 'import ensurepip, venv' 2>/dev/null || missing=" python3-venv"
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = "0" ]; then
  echo "tla: installing Debian packages:$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq $missing >/dev/null || {
    echo "tla: apt-get install$missing failed" >&2; exit 1; }
  exit 0
fi
echo "tla: first install the Debian packages:$missing  (sudo apt-get install -y$missing)" >&2
exit 1
