#!/bin/sh
# Debian packages tla needs beyond Python 3.11 and make (`make setup`, with no argument):
#   libpcsclite-dev  - headers to build pyscard (it has no Linux wheel)
#   pcscd, vsmartcard-vpcd - the PC/SC daemon and vsmartcard's virtual reader driver (tests)
#   lrzsz            - sz/rz, the ZMODEM baseline of `make bench`
#   poppler-utils    - pdftotext/pdftoppm, to check the paper duplicates (tests)
#   fonts-dejavu-core - DejaVu Sans, the Unicode font of the agent's PDFs (host_agent/pdf_page.py)
#   chromium         - the real browser the web app is tested in (tests/test_web_browser.py)
#   softhsm2         - a PKCS#11 token for the PKCS#11 sealing tests (tests/test_pkcs11_seal.py)
#   postgresql       - PostgreSQL 15's initdb and server, which the tests start themselves to
#                      run every store test on both backends (tests/postgres_kit.py)
# Or the packages given as arguments, for WHAT ($TLA_DEPS_FOR; tools/firmware.sh: the ARM
# toolchain). As root, say so in one line, then install what is missing with apt-get
# (TLA_NO_APT=1: only say it); otherwise say in one line what to install.
PKGS=${*:-libpcsclite-dev pcscd vsmartcard-vpcd lrzsz poppler-utils fonts-dejavu-core chromium softhsm2 postgresql}
WHAT=${TLA_DEPS_FOR:-tla}
missing=""
# A Debian system Python needs python3-venv for `python3 -m venv`.
if [ $# -eq 0 ]; then
  ${PYTHON:-python3} -c 'import ensurepip, venv' 2>/dev/null || missing=" python3-venv"
fi
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = "0" ] && [ -z "${TLA_NO_APT:-}" ]; then
  echo "tla: running as root, so make installs the Debian packages $WHAT needs with apt-get (TLA_NO_APT=1 to do it yourself):$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq $missing >/dev/null || {
    echo "tla: apt-get install$missing failed" >&2; exit 1; }
  echo "tla: installed$missing"
  exit 0
fi
echo "tla: first install the Debian packages $WHAT needs:$missing  (sudo apt-get install -y$missing)" >&2
exit 1
