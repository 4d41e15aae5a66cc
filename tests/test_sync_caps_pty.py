"""The practice's caps (settings `[caps]`, docs/visit.md "Caps") reach the terminal over the
real serial path: `tla-agent sync` with them set sends them in its STATUS, the emulated
terminal behind a pty keeps them in its flash, a sync without the table leaves them as
they are, and after a reboot with more sheets waiting its idle screen shows the hard cap
the practice set (the terminal's defaults have none)."""

import os
import subprocess
import sys

import pytest

from emulator.ptylink import PtyBridge
from emulator.simboard import SimBoard
from emulator.terminal import make_terminal
from emulator.waiting import until
from firmware.idle import DEFAULT_CAPS, Waiting
from firmware.storage import Storage
from host_agent.store import Store
from tests import sync_kit as kit

AGENT = [sys.executable, "-m", "host_agent.cli"]
LIVENESS_S = 300.0  # a bound for what must happen, not a timing


def _start(image, interpreter):
    bridge = PtyBridge().start()
    t = make_terminal(
        interpreter, bridge.terminal_path, serial_number=kit.SERIAL, flash_path=str(image)
    )
    t.start()
    t.wait_event("READY", 30)
    t.set_time(kit.NOW)
    return bridge, t


def _sync(tmp_path, port, db, root, caps_lines):
    config = tmp_path / "agent.toml"
    config.write_text(
        'database = "%s"\nroot = "%s"\n\n[terminal]\nport = "%s"\n%s'
        % (db, root, port, ("\n[caps]\n" + caps_lines) if caps_lines else "")
    )
    env = {**os.environ, "TLA_AGENT_CONFIG": str(config)}
    done = subprocess.run(
        AGENT + ["sync"], capture_output=True, text=True, timeout=LIVENESS_S, env=env
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _stored_caps(image, add=0):
    """The caps in the terminal's flash image (as its next boot reads them), after adding
    `add` signed sheets waiting for the PC."""
    with open(image, "r+b") as f:
        storage = Storage(SimBoard(serial_number=kit.SERIAL, flash_store=f))
        if add:
            kit.add_sheets(storage, add, seed=3)
        return Waiting(storage.journal, storage.fs).caps


@pytest.mark.parametrize("interpreter", ["cpython", "micropython"])
def test_a_sync_with_caps_set_makes_the_terminal_keep_them(tmp_path, interpreter):
    image = tmp_path / "flash.img"
    kit.flash_image(image, 2)
    db, root = tmp_path / "agent.db", kit.write_root(tmp_path)
    bridge, t = _start(image, interpreter)
    try:
        store = Store(db)
        kit.pair_over_port(t, store, bridge.host_path)
        store.close()
        out = _sync(tmp_path, bridge.host_path, db, root, "warn_sheets = 2\nmax_sheets = 3\n")
        assert "2 sheets filed" in out, out
        # Then a sync whose settings have no [caps]: nothing sent, the terminal keeps them.
        _sync(tmp_path, bridge.host_path, db, root, "")
    finally:
        t.stop()
        bridge.close()
    # warn_days and max_days left out: the defaults (2 days, none) were sent for them.
    assert _stored_caps(image, add=3) == (2, 3, 2, 0) != DEFAULT_CAPS
    bridge, t = _start(image, interpreter)  # the terminal boots again, 3 sheets waiting
    try:
        shown = until(lambda: t.screen[3] == "Plafond: synchro!", LIVENESS_S)
        assert shown, t.screen  # the hard cap of 3 sheets reached (the defaults: no warning)
        assert t.screen[2].startswith("3 FSE"), t.screen
    finally:
        t.stop()
        bridge.close()
