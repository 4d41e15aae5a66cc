"""A batch filed in a few statements (host_agent/store/sheets.py `_Filing`, issue 19 item 6)
judges each sheet as the one-sheet-at-a-time filing did: a record received again with the
same bytes is filed once, a record number reused with other bytes, the same care sheet
under another record and an order number given twice go to quarantine, each reason naming
the sheet it collides with, whether that sheet came in an earlier batch or earlier in the
same batch. Both backends."""

from host_agent.store import Store, StoreConflict
from host_agent.sync_parts import Batch, Received
from protocol import bundle
from protocol import sheet as sheets
from tests import lots_kit as kit

SERIAL = kit.TERMINALS["nurse"]


def _signed(order_no, patient="single"):
    sheet = kit.make_sheet("nurse", patient, order_no)
    return kit.sign(sheet, "nurse", patient)


def _batch(items) -> Batch:
    batch = Batch()
    for rec_no, data in items:
        decoded = bundle.decode(data)
        batch.accepted.append(Received(rec_no, data, decoded, sheets.decode(decoded.sheet)))
        batch.last_record = max(batch.last_record, rec_no)
    return batch


def _ids(store) -> dict:
    return {r["record_no"]: r["id"] for r in store.db.execute("SELECT id, record_no FROM sheets")}


def _reasons(store, sync_id) -> list:
    return [
        (r["record_no"], r["reason"])
        for r in store.db.execute(
            "SELECT record_no, reason FROM quarantine WHERE sync_id = ? ORDER BY id", (sync_id,)
        )
    ]


def test_collisions_inside_a_batch_and_with_earlier_ones(db_where):
    store = Store(db_where)
    try:
        terminal_id = store.terminal(SERIAL)
        first = store.start_sync(terminal_id)
        a, b, c, d = _signed(1), _signed(2, "family"), _signed(3), _signed(4, "family")
        b_again_order = kit.sign(kit.make_sheet("nurse", "no-key", 2), "nurse", "no-key")
        ok, bad = store.commit_batch(
            terminal_id,
            first,
            _batch(
                [
                    (1, a),
                    (2, b),
                    (1, a),  # sent twice in one batch: filed once
                    (3, a),  # the same care sheet under another record
                    (4, b_again_order),  # order number 2 given twice
                    (2, c),  # record 2 again, other bytes
                    (5, d),
                ]
            ),
        )
        ids = _ids(store)
        assert sorted(ids) == [1, 2, 5] and ok == [1, 2, 1, 5] and bad == [2, 3, 4]
        assert _reasons(store, first) == [
            (3, "the same care sheet was already received (sheet %d)" % ids[1]),
            (
                4,
                "order number 2 of professional %s is already used by sheet %d (R161-44 1°)"
                % (kit.professional("nurse"), ids[2]),
            ),
            (
                2,
                "record number 2 of this terminal was already received with another sheet "
                "(sheet %d): was the terminal's flash erased?" % ids[2],
            ),
        ]
        later = store.start_sync(terminal_id)  # the same collisions against filed sheets
        ok, bad = store.commit_batch(
            terminal_id, later, _batch([(5, d), (6, a), (7, b_again_order), (1, c), (8, c)])
        )
        assert ok == [5, 8] and bad == [1, 6, 7]
        ids = _ids(store)
        assert [reason.split(" (")[0] for _, reason in _reasons(store, later)] == [
            "the same care sheet was already received",
            "order number 2 of professional %s is already used by sheet %d"
            % (kit.professional("nurse"), ids[2]),
            "record number 1 of this terminal was already received with another sheet",
        ]
        assert "(sheet %d)" % ids[1] in _reasons(store, later)[0][1]
        assert store.db.execute("SELECT cursor FROM terminals").scalar() == 8
    finally:
        store.close()


def test_the_seeds_filing_is_the_syncs(db_where):
    """Store.file_signed (the seeded practices') files by the sync's _Filing: a sheet given
    again is the same sheet, once; an order number given twice is refused, naming it,
    inside the caller's transaction (nothing of it kept)."""
    store = Store(db_where)
    try:
        terminal_id = store.terminal(SERIAL)
        a, b = _signed(1), _signed(2, "family")
        items = [(n, s, bundle.decode(s), sheets.decode(bundle.decode(s).sheet)) for n, s in
                 ((1, a), (2, b))]  # fmt: skip
        with store.transaction():
            first = store.file_signed(terminal_id, items, 100)
        with store.transaction():
            assert store.file_signed(terminal_id, items[:1], 200) == first[:1]  # once
        assert sorted(_ids(store)) == [1, 2]
        clash = kit.sign(kit.make_sheet("nurse", "no-key", 2), "nurse", "no-key")
        decoded = bundle.decode(clash)
        try:
            with store.transaction():
                store.file_signed(
                    terminal_id, [(3, clash, decoded, sheets.decode(decoded.sheet))], 300
                )
        except StoreConflict as e:
            assert "order number 2" in str(e) and "sheet %d" % first[1] in str(e), e
        else:
            raise AssertionError("an order number given twice was filed")
        assert sorted(_ids(store)) == [1, 2]
    finally:
        store.close()
