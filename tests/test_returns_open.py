"""What the pages read of the funds' returns (returns_report.reconcile(open_only=True): the
home page's to-do, the Recettes page) is what the whole reconciliation says is open: a
sheet whose electronic double was purged after it was paid another amount is still a
difference (the purge takes any paid sheet, docs/returns.md), on both backends."""

from host_agent import lots, retention, returns_report
from protocol import dates
from tests import lots_kit as kit
from tests import returns_kit as rk


def _ids(found):
    return sorted(s.row["id"] for s in found)


def test_the_open_reconciliation_keeps_a_purged_sheet_paid_short(tmp_path, db_where):
    store = rk.sent_store(tmp_path, db_where)
    try:
        lot = rk.lots_of(store, rk.PARIS)[0]
        due = [s for s in rk.members(store, lot) if s["third_party"]]
        short = due[0]
        path = tmp_path / "r.json"
        answers = [rk.paid(lot, short, amount=short["third_party"] - 100)]
        answers += [rk.paid(lot, s) for s in due[1:]]
        path.write_bytes(rk.return_bytes(rk.PARIS, [rk.lot_entry(lot)], answers))
        assert kit.agent(store.path, "returns", "import", str(path)).returncode == 0
        day = dates.iso(dates.ymd_tuple(retention.purge_from(lots.find(store, lots.name(lot)))))
        assert kit.agent(store.path, "purge", "--today", day).returncode == 0
        purged = store.db.execute("SELECT purged FROM sheets WHERE id = ?", (short["id"],))
        assert purged.fetchone()[0] is not None  # the purge took it: it was paid
        whole = returns_report.reconcile(store)
        pages = returns_report.reconcile(store, open_only=True)
        assert _ids(whole.differences) == [short["id"]]
        for part in ("differences", "rejected", "waiting"):
            assert _ids(getattr(pages, part)) == _ids(getattr(whole, part)), part
    finally:
        store.close()
