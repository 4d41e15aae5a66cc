"""A group practice under load and faults (issue 19 item 5), for tests/test_practice_faults.py
(the small sample of `make test`) and bench/multi.py (the full size): emulated terminals on
paced ptys, `tla-agent sync` processes as the practice's PCs (each with a data folder of its
own) into one database, and the checks that nothing was lost, filed twice, acknowledged to a
terminal before its commit, or put in two live lots.
"""

import os
import subprocess
import sys
from pathlib import Path

from emulator import procgroup
from emulator.ptylink import PtyBridge
from emulator.terminal import make_terminal
from firmware.journal import ACKED
from host_agent import lots
from host_agent.store import Store
from tests import lots_kit, sync_kit

AGENT = [sys.executable, "-m", "host_agent.cli"]
LIVENESS_S = 300.0  # bounds for what must happen, never a pass/fail timing
BAUD = 115200  # paced as the real cable, so that a sync lasts long enough to be cut


class PtyTerminal:
    """An emulated terminal (in-process CPython) on a paced pty, its flash holding `n`
    signed sheets that name it."""

    def __init__(self, folder: Path, serial: str, n: int, baud: int = BAUD):
        folder.mkdir(parents=True, exist_ok=True)
        self.serial = serial
        self.saved = sync_kit.flash_image(folder / "flash.img", n, serial)
        self.bridge = PtyBridge(baud=baud).start()
        self.t = make_terminal(
            "cpython",
            self.bridge.terminal_path,
            serial_number=serial,
            flash_path=str(folder / "flash.img"),
        )
        self.t.start()
        self.t.wait_event("READY", 30)
        self.t.set_time(sync_kit.NOW)
        self.port = self.bridge.host_path

    def states(self) -> dict:
        """{record: state} of its journal (read while no sync talks to it)."""
        return {r.rec_no: r.status for r in self.t.app.storage.journal.headers(None)}

    def close(self) -> None:
        self.t.stop()
        self.bridge.close()


def start_sync(terminal: PtyTerminal, where, root: Path, data_home: Path):
    """`tla-agent sync` of `terminal` as a PC whose data folder is `data_home` (running)."""
    return procgroup.start(
        AGENT
        + [
            "sync",
            "--port",
            terminal.port,
            "--db",
            lots_kit.db_setting(where),
            "--root",
            str(root),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, XDG_DATA_HOME=str(data_home)),
    )


def finished(proc) -> tuple:
    """(exit code, stdout, stderr) of a process started here."""
    try:
        out, err = proc.communicate(timeout=LIVENESS_S)
    finally:
        procgroup.kill_group(proc)
    return proc.returncode, out, err


def filed_count(where, serial: str) -> int:
    """Sheets filed from terminal `serial` (0 while the server cannot be reached)."""
    try:
        store = Store(where)
    except Exception:
        return 0
    try:
        row = store.terminal_row(serial)
        if row is None:
            return 0
        return store.db.execute(
            "SELECT COUNT(*) FROM sheets WHERE terminal_id = ?", (row["id"],)
        ).scalar()
    finally:
        store.close()


def problems(where, terminals, final: bool) -> list:
    """What breaks the practice's promises: a sheet acknowledged on its terminal but not
    filed, one filed twice or not byte for byte, one quarantined (every sheet is genuine);
    `final`: also every sheet filed and acknowledged."""
    found = []
    store = Store(where)
    try:
        for term in terminals:
            filed, quarantined = sync_kit.host_records(store, term.serial)  # asserts once
            if quarantined:
                found.append("%s: records quarantined: %s" % (term.serial, sorted(quarantined)))
            for rec_no, state in term.states().items():
                if state == ACKED and rec_no not in filed:
                    found.append("%s: record %d acknowledged, not filed" % (term.serial, rec_no))
            for rec_no, data in filed.items():
                if term.saved.get(rec_no) != data:
                    found.append("%s: record %d not filed byte for byte" % (term.serial, rec_no))
            if final:
                lost = sorted(set(term.saved) - set(filed))
                if lost:
                    found.append("%s: records never filed: %s" % (term.serial, lost[:20]))
                unacked = sorted(r for r, s in term.states().items() if s != ACKED)
                if unacked:
                    found.append("%s: not acknowledged: %s" % (term.serial, unacked[:20]))
        twice = {k: v for k, v in live_lots(store).items() if len(v) > 1}
        if twice:
            found.append("sheets in two live lots: %s" % twice)
    finally:
        store.close()
    return found


def live_lots(store) -> dict:
    """{sheet id: [the live lots holding it]} (a rejected lot released its sheets)."""
    held: dict = {}
    for lot in lots.all_lots(store):
        if lot["status"] != lots.REJECTED:
            for s in lots.sheets_of(store, lot["id"]):
                if s["released"] is None:
                    held.setdefault(s["id"], []).append(lot["id"])
    return held


def agent(where, *args, data_home: Path):
    """`tla-agent ARGS` as one of the PCs, to its end."""
    return subprocess.run(
        AGENT + list(args),
        capture_output=True,
        text=True,
        timeout=LIVENESS_S,
        env=dict(os.environ, TLA_AGENT_DB=lots_kit.db_setting(where), XDG_DATA_HOME=str(data_home)),
    )
