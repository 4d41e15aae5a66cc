"""pcscd for the tests, the bench and the demo: use the running one, or start `pcscd
--foreground` (root, Debian's pcscd with vsmartcard-vpcd) and stop it afterwards. Only one pcscd may run on a machine.

pcscd is started without APDU logging (-a would log VERIFY commands, PINs included).
"""

import os
import shutil
import subprocess
import time
from contextlib import contextmanager

from hw.pcsc import list_readers

VPCD_READERS = ("Virtual PCD 00 00", "Virtual PCD 00 01")
INSTALL = "apt-get install -y pcscd vsmartcard-vpcd libpcsclite-dev"


def _wait_readers(timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        readers = list_readers()
        if all(r in readers for r in VPCD_READERS):
            return readers
        time.sleep(0.05)
    return list_readers()


@contextmanager
def pcscd(timeout=10.0):
    """Yield the PC/SC reader names once vpcd's two readers are there."""
    proc = None
    if not list_readers():
        binary = shutil.which("pcscd") or "/usr/sbin/pcscd"
        if not os.path.exists(binary):
            raise RuntimeError("pcscd is not installed (%s)" % INSTALL)
        if os.geteuid() != 0:
            raise RuntimeError("pcscd is not running and only root can start it")
        proc = subprocess.Popen(
            [binary, "--foreground"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
    try:
        readers = _wait_readers(timeout)
        missing = [r for r in VPCD_READERS if r not in readers]
        if missing:
            raise RuntimeError(
                "pcscd shows no %s (readers: %s): is vsmartcard-vpcd installed? (%s)"
                % (", ".join(missing), readers, INSTALL)
            )
        yield readers
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
