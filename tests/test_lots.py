"""Lots on the practice PC (host_agent/lots.py, lotfile.py, sealing.py): a day's signed sheets
build into lots per professional and fund; each sheet is in exactly one lot; header and
trailer totals are the sheets'; the CPS seal verifies with `cryptography`; any flipped byte
of a lot file fails; bad input changes nothing."""

import hashlib
import sqlite3
from collections import Counter

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, encode_dss_signature

from host_agent import lotfile, lots, sealing
from host_agent.store import StoreConflict
from protocol import bundle, cbor, sheet
from tests import lots_kit as kit


def dump(store):
    return store.dump()


def active_lots_of_sheets(store):
    """{sheet id: [lot ids]} over lots not rejected."""
    out = {}
    for r in store.db.execute(
        "SELECT ls.sheet_id, ls.lot_id FROM lot_sheets ls JOIN lots l ON l.id = ls.lot_id "
        "WHERE ls.released IS NULL AND l.status != 'rejected'"
    ):
        out.setdefault(r[0], []).append(r[1])
    return out


@pytest.fixture
def day(tmp_path, db_where):
    store, filed = kit.store_with_day(db_where)
    yield store, filed
    store.close()


def test_a_day_builds_into_lots_per_professional_and_fund(day):
    store, filed = day
    made = lots.build(store, kit.NOW)
    expected = Counter((s.professional, s.fund) for _, _, s in filed.values())
    assert {(r["professional"], r["fund"]): r["sheets"] for r in made} == dict(expected)
    assert len(made) == len(expected) == 4  # two professionals, two funds each
    # Every sheet in exactly one open lot; a second build finds nothing left.
    placed = active_lots_of_sheets(store)
    assert sorted(placed) == sorted(filed) and all(len(v) == 1 for v in placed.values())
    assert lots.build(store, kit.NOW) == []
    for lot in made:
        for member in lots.sheets_of(store, lot["id"]):
            _, _, s = filed[member["id"]]
            assert (s.professional, s.fund) == (lot["professional"], lot["fund"])
    # Numbered per professional from 1.
    numbers = {}
    for r in made:
        numbers.setdefault(r["professional"], []).append(r["number"])
    assert all(sorted(n) == list(range(1, len(n) + 1)) for n in numbers.values())
    print("lots:", ", ".join("%s (%d sheets)" % (lots.name(r), r["sheets"]) for r in made))


def test_the_store_refuses_a_sheet_in_two_lots(day):
    store, _ = day
    lot = lots.build(store, kit.NOW)[0]
    member = lots.sheets_of(store, lot["id"])[0]
    other = lots.build(store, kit.NOW)  # nothing free
    assert other == []
    with pytest.raises((sqlite3.IntegrityError, StoreConflict)):  # either backend's
        with store.transaction() as db:
            db.execute(
                "INSERT INTO lots (professional, number, fund, status, built, sheets, fees, "
                "third_party) VALUES ('x', 1, 'y', 'open', 0, 1, 0, 0)"
            )
            new_id = db.execute("SELECT MAX(id) FROM lots").fetchone()[0]
            db.execute(
                "INSERT INTO lot_sheets (lot_id, sheet_id, position) VALUES (?, ?, 1)",
                (new_id, member["id"]),
            )


def test_at_most_999_sheets_a_lot(day, monkeypatch):
    store, filed = day
    # The limit is lotfile.MAX_SHEETS (999); a smaller one shows the split on a day's sheets.
    assert lotfile.MAX_SHEETS == 999
    monkeypatch.setattr(lotfile, "MAX_SHEETS", 2)
    made = lots.build(store, kit.NOW)
    per_group = Counter((s.professional, s.fund) for _, _, s in filed.values())
    assert len(made) == sum((n + 1) // 2 for n in per_group.values())
    assert all(1 <= r["sheets"] <= 2 for r in made)
    assert sum(r["sheets"] for r in made) == len(filed)
    with pytest.raises(lotfile.LotFormatError):
        lotfile.body("1", 1, "011750000", 0, [])


def test_header_and_trailer_totals_match_the_sheets_and_the_seal_verifies(day):
    store, filed = day
    made = lots.build(store, kit.NOW)
    files = kit.seal_all(store, "nurse") + kit.seal_all(store, "gp")
    assert len(files) == len(made)
    certificates = [r["der"] for r in store.db.execute("SELECT der FROM certificates")]
    for file in files:
        lot = lotfile.parse(file)
        sheets = [sheet.decode(bundle.decode(b).sheet) for b in lot.bundles]
        for part in (lot.header, lot.trailer):
            assert part["sheets"] == len(sheets)
            assert part["fees"] == sum(s.fees for s in sheets)
            assert part["third_party"] == sum(s.third_party for s in sheets)
        # The sheets' exact signed bytes, as stored by the sync.
        stored = {
            bytes(r[0])
            for r in store.db.execute(
                "SELECT bundle FROM sheets WHERE fund = ?", (lot.header["fund"],)
            )
        }
        assert set(lot.bundles) <= stored
        check = lotfile.verify_lot(file, kit.root_der(), certificates)
        assert check.ok, check.reason
        _verify_seal_independently(file, lot)
    print("sealed %d lots, %d bytes in all" % (len(files), sum(len(f) for f in files)))


def _verify_seal_independently(file, lot):
    """The seal, checked here with `cryptography` only, from the format in docs/lots.md."""
    seal = cbor.decode(file[len(lot.body) :])
    assert isinstance(seal, dict)
    cert = x509.load_der_x509_certificate(seal[1])
    assert seal[0] == hashlib.sha256(seal[1]).digest()[:8]
    digest = hashlib.sha256(b"tla-lot-seal/1" + lot.body).digest()
    signature = encode_dss_signature(
        int.from_bytes(seal[2][:32], "big"), int.from_bytes(seal[2][32:], "big")
    )
    key = cert.public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey)
    key.verify(signature, digest, ec.ECDSA(Prehashed(hashes.SHA256())))
    root = x509.load_der_x509_certificate(kit.root_der())
    cert.verify_directly_issued_by(root)


def test_a_flipped_byte_anywhere_in_a_lot_file_fails(day):
    store, _ = day
    lots.build(store, kit.NOW)
    file = min(kit.seal_all(store, "nurse"), key=len)
    assert lotfile.verify_lot(file)
    reasons = Counter()
    for i in range(len(file)):
        flipped = bytearray(file)
        flipped[i] ^= 0x01 if i % 2 else 0x80
        check = lotfile.verify_lot(bytes(flipped))
        assert not check.ok, i
        reasons[check.reason.split(":")[0][:60]] += 1
    print("lot file of %d bytes, %d flips, all refused:" % (len(file), len(file)))
    for reason, n in reasons.most_common(8):
        print("  %5d  %s" % (n, reason))
    # Truncated or extended files fail too.
    assert not lotfile.verify_lot(file[:-1])
    assert not lotfile.verify_lot(file + b"\x00")


def test_a_sheet_without_a_fund_code_builds_no_lot_and_changes_nothing(day):
    store, _ = day
    s = kit.make_sheet("nurse", "single", 900)
    s.fund = None
    sid = kit.file_sheet(store, s, kit.sign(s, "nurse", "single"))
    before = dump(store)
    with pytest.raises(lots.LotError) as e:
        lots.build(store, kit.NOW)
    print(e.value)
    assert "sheet %d (order no 900) has no fund code" % sid in str(e.value)
    assert dump(store) == before


def test_a_cps_of_another_professional_is_refused_and_nothing_changes(day):
    store, _ = day
    made = lots.build(store, kit.NOW)
    nurse_lot = next(r for r in made if r["professional"] == kit.professional("nurse"))
    app = kit.cps_app("gp")
    before = dump(store)
    with pytest.raises(sealing.SealError) as e:
        sealing.lots_to_seal(store, app, [lots.name(nurse_lot)])
    print(e.value)
    assert "insert the lot's professional's CPS" in str(e.value)
    assert "BERNARD CLAIRE" in str(e.value)
    # Without naming lots, the GP's CPS picks only the GP's lots.
    mine, others = sealing.lots_to_seal(store, app, [])
    assert {r["professional"] for r in mine} == {kit.professional("gp")}
    assert {r["professional"] for r in others} == {kit.professional("nurse")}
    assert dump(store) == before


def test_lot_numbers_are_never_reused(day):
    store, _ = day
    first = lots.build(store, kit.NOW)
    nurse = kit.professional("nurse")
    s = kit.make_sheet("nurse", "single", 950)
    kit.file_sheet(store, s, kit.sign(s, "nurse", "single"))
    again = lots.build(store, kit.NOW)
    assert [r["number"] for r in again] == [
        1 + max(r["number"] for r in first if r["professional"] == nurse)
    ]
    names = [lots.name(r) for r in lots.all_lots(store)]
    assert len(names) == len(set(names))
    with pytest.raises(lots.LotError):
        lots.find(store, "1")  # both professionals have a lot 1
    assert lots.find(store, lots.name(again[0]))["id"] == again[0]["id"]
