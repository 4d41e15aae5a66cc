"""`make demo` as a user runs it (`tla-emu demo`), under both interpreters: the terminal's
day of 12 visits ends up in the practice database, every sheet verifying; the lots built
from them are sealed by the GP's virtual CPS through pcscd and land in the outbox, where
each lot file verifies on its own (seal, certificate chain, every sheet); the PIN the demo
types shows nowhere; a second run starts afresh."""

import re
import sys
import time

import pytest
from cryptography.hazmat.primitives import serialization

from emulator import procgroup
from emulator.cards import fixtures
from host_agent import lotfile
from host_agent.store import Store
from host_agent.verify import Verifier
from protocol import dates, workdays

DAY_SHEETS = 12
LIVENESS_S = 1200  # a hung demo, not a slow one: far above its time on a loaded machine


@pytest.mark.parametrize("interpreter", ["cpython", "micropython"])
def test_make_demo_files_the_day_and_sends_sealed_lots(tmp_path, interpreter):
    db = tmp_path / "demo.db"
    # What an earlier demo left: its lots, whose numbers this run gives again.
    stale = tmp_path / "demo-outbox" / "011750000" / "10001234565-000002.tla"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"an earlier demo's lot")
    cmd = [sys.executable, "-m", "emulator.cli", "demo", "--db", str(db)]
    if interpreter == "micropython":
        cmd.append("--micropython")
    # Its own process group: on the liveness bound the demo's terminal, agent and pcscd die too.
    done = procgroup.run(cmd, timeout=LIVENESS_S, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    output = done.stdout + done.stderr
    assert "demo done: %d sheets saved" % DAY_SHEETS in output
    assert fixtures.pin("gp") not in output
    # Then the practice's web app on that day, for the user to open (the demo does not wait).
    assert "tla-agent serve --db %s --outbox" % db.resolve() in output
    assert "http://127.0.0.1:8765/" in output
    # One day for everyone (issue 17 item 11): the round is the last working day over by
    # now, the agent counts from today, nothing is overdue, amounts and codes are named.
    today = dates.today_ymd(int(time.time()))
    assert "overdue" not in output and "delai depasse" not in output
    assert "on %s" % dates.iso(dates.ymd_tuple(today)) in output
    assert "44,27 EUR" in output and "512,33 EUR" in output and not _dotted_amounts(output)
    assert "011750000 = régime général" in output and "MD = Majoration de déplacement" in output

    store = Store(db)
    try:
        certificates = list(store.certificates().values())
        root = fixtures.pki().root_cert.public_bytes(serialization.Encoding.DER)
        verifier = Verifier(certificates, root)
        bundles = [bytes(r[0]) for r in store.db.execute("SELECT bundle FROM sheets")]
        assert len(bundles) == DAY_SHEETS
        for data in bundles:
            check = verifier.verify(data, today)
            assert check.ok, check.reason
        days = {r[0] for r in store.db.execute("SELECT completion FROM sheets")}
        lots = store.db.execute("SELECT status, fund, sheets FROM lots").fetchall()
    finally:
        store.close()
    assert sorted(r[0] for r in lots) == ["sent", "sent"], (lots, output[-3000:])
    assert len(days) == 1 and workdays.is_working_day(min(days)), days  # one working day
    gone = dates.ymd_to_days(today) - dates.ymd_to_days(min(days))
    assert 0 <= gone <= 5, (days, today)  # the last one over: never ahead, never weeks old
    assert sum(r[2] for r in lots) == DAY_SHEETS

    files = sorted((tmp_path / "demo-outbox").glob("*/*.tla"))
    assert len(files) == len(lots)
    in_lots = []
    for path in files:
        check = lotfile.verify_lot(path.read_bytes(), root=root, certificates=certificates)
        assert check.ok, (path, check.reason)
        assert check.lot is not None and check.lot.header["fund"] == path.parent.name
        in_lots += check.lot.bundles
    assert sorted(in_lots) == sorted(bundles)  # each sheet in one lot, byte for byte


def _dotted_amounts(output):
    """Amounts written the English way ("210.98"): two decimals after a dot, not part of
    an address or a version (the progress bar's "3.7 kB" has one)."""
    return re.findall(r"(?<![0-9.])[0-9]+\.[0-9]{2}(?![0-9.])", output)
