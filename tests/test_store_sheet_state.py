"""The sheets' `state` column (host_agent/store/sheet_search.py, docs/web.md "Feuilles de
soins") is what host_agent/overview.py computes from the lots, the funds' answers, the paper
duplicates and the purge, after every change the store makes on the way, on both backends."""

from host_agent import lots, overview
from host_agent.store.sheet_search import Filters
from tests import lots_kit as kit

NOW = kit.NOW


def _states(store) -> dict:
    return {r["id"]: r["state"] for r in store.search_sheets(Filters(size=200))}


def _same(store, *expected):
    """The column is overview's reading; `expected` states are among them."""
    column = _states(store)
    assert column == {line.id: line.state for line in overview.sheet_lines(store, kit.DAY)}
    assert set(expected) <= set(column.values()), column
    return column


def test_the_state_column_follows_a_sheet_through_its_life(db_where):
    store, filed = kit.store_with_day(db_where)
    try:
        first = sorted(filed)
        _same(store, "filed")
        with store.transaction():
            store.add_duplicate(first[0], NOW, "perte")
        _same(store, "duplicate")
        built = lots.build(store, NOW)
        assert built
        column = _same(store, "open", "duplicate")
        one, two, three = (r["id"] for r in lots.all_lots(store)[:3])
        with store.transaction():
            sheet = store.lot_sheets(three)[0]["id"]
            store.leave_open_lot(three, sheet)
        assert _same(store)[sheet] in ("filed", "duplicate")
        for lot_id in (one, two):
            assert store.record_seal(lot_id, b"file %d" % lot_id, b"cert", NOW)
        _same(store, "sealed")
        with store.transaction():
            for lot_id in (one, two):
                assert store.add_sending(lot_id, "outbox", "/tmp/x", NOW)
        _same(store, "sent")
        with store.transaction():
            freed = store.record_fund_ack(one, False, NOW, kit.DAY, "illisible", "ack.json")
            store.record_fund_ack(two, True, NOW, kit.DAY, None, "ack.json")
        column = _same(store, "acknowledged")
        assert freed and all(column[i] in ("filed", "duplicate") for i in freed)
        answered = [m["id"] for m in store.lot_members(two)]
        with store.transaction():
            rid = store.add_return("011750000", "R1", kit.DAY, NOW, b"d" * 32, "r.json")
            store.add_sheet_answer(rid, answered[0], two, "paid", kit.DAY, None, None, 1000)
            if len(answered) > 1:
                store.add_sheet_answer(rid, answered[1], two, "rejected", kit.DAY, "X", "NIR", None)
        _same(store, "paid")
        with store.transaction():
            store.purge_sheet(answered[0], NOW)
        column = _same(store, "purged")
        assert column[answered[0]] == "purged"
    finally:
        store.close()
    assert column != {i: "filed" for i in column}


def test_the_purge_forgets_the_patients_name(db_where):
    store, filed = kit.store_with_day(db_where)
    try:
        row = next(r for r in store.search_sheets(Filters(size=200)) if r["patient"])
        found = store.count_sheets(Filters(words=row["patient"].split()))[0]
        with store.transaction():
            store.purge_sheet(row["id"], NOW)
        after = store.search_sheets(Filters(size=200))
        assert [r["patient"] for r in after if r["id"] == row["id"]] == [""]
        assert store.count_sheets(Filters(words=row["patient"].split()))[0] == found - 1
    finally:
        store.close()
