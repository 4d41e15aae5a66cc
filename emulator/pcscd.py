"""pcscd for the tests, the bench and the demo: use the running one, or start `pcscd
--foreground` (root, Debian's pcscd with vsmartcard-vpcd) and stop it afterwards. Only one pcscd may run on a machine.

pcscd is started without APDU logging (-a would log VERIFY commands, PINs included).
"""

import os
import shutil
import subprocess
from contextlib import contextmanager

from emulator import procgroup, waiting
from hw.pcsc import list_readers

VPCD_READERS = ("Virtual PCD 00 00", "Virtual PCD 00 01")
INSTALL = "apt-get install -y pcscd vsmartcard-vpcd libpcsclite-dev"


@contextmanager
def pcscd(timeout=300.0):  # a liveness bound: a loaded PC lists its readers late
    """Yield the PC/SC reader names once vpcd's two readers are there."""
    proc = None
    if not list_readers():
        binary = shutil.which("pcscd") or "/usr/sbin/pcscd"
        if not os.path.exists(binary):
            raise RuntimeError("pcscd is not installed (%s)" % INSTALL)
        if os.geteuid() != 0:
            raise RuntimeError("pcscd is not running and only root can start it")
        # In a group of its own, killed as a group: nothing pcscd starts outlives it.
        proc = procgroup.start(
            [binary, "--foreground"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
    try:
        waiting.until(lambda: set(VPCD_READERS) <= set(list_readers()), timeout, 0.05)
        readers = list_readers()
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
                pass
            procgroup.kill_group(proc)
