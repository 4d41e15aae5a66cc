"""A nurse's day from a round pushed by the agent over the pty, the firmware under CPython
and under micropython (docs/round.md "Must show"): on day 1 the nurse keys two visits on
prescription by hand; `tla-agent sync` files them; the practice keeps three prescriptions
(`tla-agent round prescription`) and prepares day 2's round (`round prepare`: the sessions
used on day 1 counted from the sheets); the next sync pushes it; on day 2 every visit
takes 7 keys, PIN included (counted here), against 37 by hand; the next sync
counts the visits back and says which series are complete. Another terminal, the same
serial, keys the same visits by hand: the five sheets are byte for byte the same."""

import io
import subprocess
import sys

import pytest

from emulator.cards import fixtures
from emulator.ptylink import PtyBridge
from emulator.scenario import play
from emulator.terminal import make_terminal
from firmware.journal import Journal
from host_agent.store import Store
from hw._compat import mount_littlefs
from hw.flash import NorFlash
from protocol import bundle
from tests import round_day_kit as day
from tests import sync_kit as kit

AGENT = [sys.executable, "-m", "host_agent.cli"]
LIVENESS_S = 300.0


class Running:
    """A terminal on a blank flash image, behind a pty."""

    def __init__(self, interpreter, tmp, name):
        self.interpreter = interpreter
        self.image = tmp / (name + ".img")
        self.bridge = PtyBridge().start()
        self.t = make_terminal(
            interpreter,
            self.bridge.terminal_path,
            serial_number=kit.SERIAL,
            flash_path=str(self.image),
            opposition=fixtures.OPPOSED_SERIALS,
        )
        self.t.start()
        self.t.wait_event("READY", 30)
        self.port = self.bridge.host_path

    def play(self, start, visits):
        return play(self.t, day.day(start, visits), timeout=60.0)

    def stop(self):
        if self.interpreter == "cpython" and self.t.board is not None:
            self.t.board.flash.store.flush()
        self.t.stop()
        self.bridge.close()

    def sheets(self):
        """The sheet bytes of every bundle on the flash image, in record order."""
        flash = NorFlash(io.BytesIO(self.image.read_bytes()), block_count=512)
        journal = Journal(mount_littlefs(flash, False))
        return [bundle.decode(r.payload).sheet for r in journal.records_after(0, 0, 0, None)]


def _agent(*args, db, ok=True):
    proc = subprocess.run(
        AGENT + list(args) + ["--db", str(db)], capture_output=True, text=True, timeout=LIVENESS_S
    )
    if ok:
        assert proc.returncode == 0, proc.stdout + proc.stderr
    print("$ tla-agent", " ".join(args[:2]), "\n" + proc.stdout + proc.stderr)
    return proc.stdout


def started_paired(interpreter, tmp_path, name):
    """A terminal on a blank image paired with the agent's database: (db, root, term)."""
    db = tmp_path / "agent.db"
    root = kit.write_root(tmp_path)
    term = Running(interpreter, tmp_path, name)
    store = Store(db)
    kit.pair_over_port(term.t, store, term.port)
    store.close()
    return db, root, term


def _sync(term, db, root):
    return _agent("sync", "--port", term.port, "--root", str(root), db=db)


@pytest.mark.parametrize("interpreter", ["cpython", "micropython"])
def test_a_nurses_day_from_the_round_pushed_over_the_pty(tmp_path, interpreter):
    db, root, term = started_paired(interpreter, tmp_path, "round")
    try:
        day1 = [(p, day.by_hand(p)) for p in ("martin", "lea")]
        saved = term.play(day.DAY1, day1)
        assert len(saved) == 2
        out = _sync(term, db, root)
        assert "2 sheets filed, 0 quarantined" in out
        for patient in day.PATIENTS:
            kept = _agent(*day.prescription_args(patient), db=db)
            used = 0 if patient == "lambert" else 1
            assert "(%d used)" % used in kept, kept
        prepared = _agent(
            "round", "prepare", "--terminal", kit.SERIAL, "--professional", day.NURSE,
            "--day", day.DAY2_ISO, db=db,
        )  # fmt: skip
        assert "round 1 for terminal %s on 2026-11-19: 3 visits" % kit.SERIAL in prepared
        assert "MARTIN PAUL" in prepared and "2 left" in prepared
        out = _sync(term, db, root)
        assert "round 1 of 2026-11-19 sent: 3 visits" in out, out
        term.t.wait_event("EVENT", 5)

        day2 = [(p, day.from_round(p)) for p in day.PATIENTS]
        for name, steps in day2:
            assert day.keys_of(steps) <= 10, (name, day.keys_of(steps))
        saved = term.play(day.DAY2, day2)
        assert [s["acts"] for s in saved] == [["AMI", "IFD"]] * 3
        out = _sync(term, db, root)
        assert "3 sheets filed, 0 quarantined" in out
        assert "3 visits of the round counted back" in out, out
        assert "prescription 1103 of DUPONT LEA: series complete (2 of 2 sessions)" in out
        assert "prescription 1104 of LAMBERT CHLOE: series complete (1 of 1 session)" in out
        assert "1102 of MARTIN PAUL: series complete" not in out
        shown = _agent("round", "show", "--terminal", kit.SERIAL, db=db)
        assert "ref 1102: 2 of 3 sessions used, 1 left" in shown, shown
        assert "round 1 on 2026-11-19: 3 visits, sent, 3 done" in shown, shown
        again = _agent(
            "round", "prepare", "--terminal", kit.SERIAL, "--professional", day.NURSE,
            "--day", "2026-11-20", db=db,
        )  # fmt: skip
        assert "1103 of DUPONT LEA: series complete (2 of 2 sessions), left out" in again
        assert (
            "round 2 for terminal %s on 2026-11-20: 1 visit, sent at the next sync" % kit.SERIAL
            in again
        )
    finally:
        term.stop()
    by_hand_keys = [day.keys_of(day.by_hand(p)) for p in day.PATIENTS]
    print("keys by hand:", by_hand_keys, "from the round:", [day.keys_of(s) for _, s in day2])
    assert min(by_hand_keys) > 30

    # The same visits keyed by hand on another terminal of the same serial.
    hand = Running(interpreter, tmp_path, "hand")
    try:
        hand.play(day.DAY1, day1)
        hand.play(day.DAY2, [(p, day.by_hand(p)) for p in day.PATIENTS])
    finally:
        hand.stop()
    from_round, keyed = term.sheets(), hand.sheets()
    assert len(from_round) == len(keyed) == 5
    assert from_round == keyed  # the sheets signed: the same bytes
