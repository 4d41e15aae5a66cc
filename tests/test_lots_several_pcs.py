"""Several PCs on one database at the same moment (issue 19 item 3; docs/architecture.md
"Decisions", one writer at a time): three `tla-agent lots build`, then three `lots send`
(each PC its own outbox), then two `returns import` of the same return file, each group
started together as real processes: every sheet in exactly one live lot, lot numbers never
given twice, each lot handed over once and noted sent once, the return recorded once and
the rejected lot's sheets put back into one new lot. Both backends (SQLite: several processes of
one PC)."""

import os
import subprocess
import sys

from emulator import procgroup
from host_agent import lots, retention
from host_agent.store import Store
from protocol import dates
from tests import lots_kit as kit
from tests import practice_kit
from tests import returns_kit as rk

PCS = 3


def _at_once(db, commands, tmp_path) -> list:
    """Start every command (argument lists of tla-agent) together; their finished results."""
    procs = [
        procgroup.start(
            [sys.executable, "-m", "host_agent.cli", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=kit.ROOT,
            env=dict(
                os.environ,
                TLA_AGENT_DB=kit.db_setting(db),
                XDG_DATA_HOME=str(tmp_path / ("pc-%d" % n)),  # each PC its own folder
            ),
        )
        for n, args in enumerate(commands)
    ]
    done = []
    try:
        for p in procs:
            out, err = p.communicate(timeout=120)
            done.append((p.returncode, out, err))
    finally:
        for p in procs:
            procgroup.kill_group(p)  # nothing outlives the test
    return done


def test_pcs_build_send_and_import_at_once(tmp_path, db_where):
    store, filed = kit.store_with_day(db_where)
    root = tmp_path / "root.der"
    root.write_bytes(kit.root_der())
    store.close()
    built = _at_once(db_where, [["lots", "build"]] * PCS, tmp_path)
    assert all(code == 0 for code, _, _ in built), built
    store = Store(db_where)
    try:
        held = practice_kit.live_lots(store)
        assert sorted(held) == sorted(filed) and all(len(v) == 1 for v in held.values()), held
        numbers = [(r["professional"], r["number"]) for r in lots.all_lots(store)]
        assert len(numbers) == len(set(numbers))
        kit.seal_all(store, "nurse")
        kit.seal_all(store, "gp")
        sealed = sorted(r["id"] for r in lots.all_lots(store, (lots.SEALED,)))
    finally:
        store.close()
    sent = _at_once(
        db_where,
        [
            ["lots", "send", "--outbox", str(tmp_path / ("outbox-%d" % n)), "--root", str(root)]
            for n in range(PCS)
        ],
        tmp_path,
    )
    assert all(code == 0 for code, _, _ in sent), sent
    handed = [
        p for n in range(PCS) for p in (tmp_path / ("outbox-%d" % n)).rglob("*") if p.is_file()
    ]
    assert len(handed) == len(sealed), handed  # one file per lot across every PC's outbox
    store = Store(db_where)
    try:
        assert [len(lots.sendings(store, i)) for i in sealed] == [1] * len(sealed)
        lot = rk.lots_of(store, rk.PARIS)[0]
        rejected = rk.members(store, lot)  # the fund rejects the whole lot
        answer = tmp_path / "retour.json"
        # The fund's date: the French day the lot was sent (not this machine's UTC day:
        # near midnight they differ, and a return dated before the sending is refused).
        day = dates.iso(dates.ymd_tuple(retention.sent_day(lot)))
        answer.write_bytes(
            rk.return_bytes(
                rk.PARIS,
                [rk.lot_entry(lot, "rejected", day, code="L01", label="Lot illisible")],
                [],
                date=day,
            )
        )
    finally:
        store.close()
    imported = _at_once(db_where, [["returns", "import", str(answer)]] * 2, tmp_path)
    assert all(code == 0 for code, _, _ in imported), imported
    assert sum(out.count("already recorded") for _, out, _ in imported) == 1, imported
    store = Store(db_where)
    try:
        held = practice_kit.live_lots(store)
        assert all(len(v) == 1 for v in held.values()), held
        again = {held[s["id"]][0] for s in rejected}
        assert len(again) == 1 and not again & set(sealed)  # back in one new lot, once
    finally:
        store.close()
