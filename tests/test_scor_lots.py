"""SCOR: a sheet's scanned prescriptions carried by its lot (docs/lots.md "Pieces", format
2), sealed with it and checked by verify_lot; a sealed sheet takes no piece; the pieces'
bytes purged with the sheet's electronic double (retention.py), on both backends."""

import hashlib
import json

import pytest

from host_agent import lotfile, lots, pieces, retention, returns, sending
from host_agent.pieces_check import PieceError
from protocol import dates
from tests import lots_kit as kit
from tests import scor_kit


@pytest.fixture
def day(tmp_path, db_where):
    store, filed = kit.store_with_day(db_where)
    yield store, filed, tmp_path
    store.close()


def _nurse_sheets(store) -> list:
    nurse = kit.professional("nurse")
    return [r["id"] for r in store.db.execute(
        "SELECT id FROM sheets WHERE professional = ? ORDER BY id", (nurse,))]  # fmt: skip


def test_a_lot_carries_its_sheets_pieces_sealed_and_the_purge_takes_them(day):
    store, _, tmp = day
    first, second = _nurse_sheets(store)[:2]
    scans = {first: [scor_kit.jpeg(), scor_kit.pdf()], second: [scor_kit.png()]}
    for sheet_id, files in scans.items():
        for data in files:
            pieces.attach(store, sheet_id, data, "/home/x/scan", "", kit.NOW, "nurse", True)
    lots.build(store, kit.NOW)
    kit.seal_all(store, "nurse")
    kit.seal_all(store, "gp")
    files = {}
    for row in lots.all_lots(store, (lots.SEALED,)):
        lot = lotfile.parse(row["file"])
        check = lotfile.verify_lot(row["file"], kit.root_der(), store.certificates().values())
        assert check.ok, check.reason
        files[row["id"]] = lot
    carried = {}
    for row_id, lot in files.items():
        ids = [s["id"] for s in lots.sheets_of(store, row_id)]
        if lot.pieces:
            assert lot.header["version"] == lotfile.PIECES_VERSION
            assert lot.header["pieces"] == len(lot.pieces)
        else:
            assert lot.header["version"] == lotfile.FORMAT_VERSION  # as before, byte for byte
        for p in lot.pieces:
            assert p["digest"] == hashlib.sha256(p["content"]).digest() and p["name"] == "scan"
            carried.setdefault(ids[p["sheet"] - 1], []).append(p["content"])
    assert carried == scans
    # The seal covers them: one byte of a piece changed and the lot no longer verifies.
    data = bytearray(store.lot_of_sheet(first)["file"])
    at = bytes(data).index(scans[first][0][-40:])
    data[at] ^= 1
    assert not lotfile.verify_lot(bytes(data))
    # Sealed: the sheet takes no piece any more (it would travel without it).
    with pytest.raises(PieceError) as refused:
        pieces.attach(store, first, scor_kit.jpeg(), "scan.jpg", "", kit.NOW, "nurse")
    assert refused.value.status == 409 and "avant de sceller" in refused.value.french
    assert len(store.sheet_pieces(first)) == 2
    # Sent, acknowledged, paid, 91 days on: the purge takes the pieces' bytes with the sheet.
    outbox = sending.Outbox(tmp / "outbox")
    for lot in lots.all_lots(store, (lots.SEALED,)):
        sending.send(store, outbox, lot, kit.NOW + 600)
    for lot in lots.all_lots(store, (lots.SENT,)):
        day_iso = dates.iso(dates.ymd_tuple(retention.sent_day(lot)))
        answers = {"lots": [{"lot": lots.name(lot), "arl": "received", "date": day_iso}]}
        answers["sheets"] = [
            {"lot": lots.name(lot), "order_no": s["order_no"], "result": "paid",
             "date": day_iso, "amount": s["third_party"]}
            for s in lots.sheets_of(store, lot["id"]) if s["payment"] == 1
        ]  # fmt: skip
        raw = json.dumps(dict(answers, format="tla-return/1", fund=lot["fund"]))
        returns.apply(store, raw.encode(), "r.json", kit.NOW + 700)
    lot_of_first = store.lot_of_sheet(first)
    before = retention.purge_from(lot_of_first)
    retention.purge(store, dates.days_to_ymd(dates.ymd_to_days(before) - 1), kit.NOW + 800)
    assert all(p["purged"] is None for p in store.sheet_pieces(first))
    done = retention.purge(store, before, kit.NOW + 900)
    assert first in done.sheet_ids
    for p in store.sheet_pieces(first):
        assert p["purged"] == kit.NOW + 900 and p["name"] == "scan"
        assert store.piece_content(first, p["id"]) is None
    left = store.db.execute("SELECT COUNT(*) FROM pieces WHERE content IS NOT NULL").scalar()
    assert left == sum(len(v) for k, v in scans.items() if k not in done.sheet_ids)


def test_a_lot_file_with_a_lying_piece_digest_is_refused(day):
    store, _, _ = day
    [sheet_id] = _nurse_sheets(store)[:1]
    pieces.attach(store, sheet_id, scor_kit.png(), "scan.png", "", kit.NOW, "nurse")
    lots.build(store, kit.NOW)
    kit.seal_all(store, "nurse")
    row = next(r for r in lots.all_lots(store, (lots.SEALED,)) if lotfile.parse(r["file"]).pieces)
    lot = lotfile.parse(row["file"])
    # Rebuilt unsealed with a piece whose digest names other bytes: verify_lot says so.
    piece = lotfile.LotPiece(1, "image/png", "scan.png", scor_kit.png())
    piece.digest = b"\0" * 32
    sheets = [lotfile.LotSheet.from_bundle(b) for b in lot.bundles]
    h = lot.header
    forged = lotfile.body(h["professional"], h["number"], h["fund"], h["sealed"], sheets, [piece])
    check = lotfile.verify_lot(forged)
    assert not check and "piece 1's digest" in check.reason
