"""`tla-agent check` on real database files (host_agent/check.py, docs/agent.md "Checking the
database"): a clean store passes; one flipped bit inside a stored bundle (in the file, not
through SQL), a deleted sheet row and damaged pages are found, each in one line per
finding and exit 8 (or 6 when SQLite cannot read on), never a traceback; `lots build` and
`lots seal` refuse a sheet whose stored bytes changed since the sync."""

import random
import sqlite3

import pytest
from cryptography import x509

from emulator.cards import fixtures
from host_agent import check, lots, sealing
from host_agent.store import Store
from tests import lots_kit as kit

EXIT_FINDINGS, EXIT_DATABASE = 8, 6
ROOT = x509.load_der_x509_certificate(kit.root_der())


@pytest.fixture
def day(tmp_path):
    """A store with a day's sheets (14), its root.pem next to it, closed (WAL folded in)."""
    db = tmp_path / "agent.db"
    store, filed = kit.store_with_day(db)
    store.close()
    (tmp_path / "root.pem").write_bytes(kit.root_der())
    return db, filed


def _flip_in_file(db, needle, offset):
    """Flip one bit of the file at `needle`'s position + `offset`, as a disk would."""
    data = bytearray(db.read_bytes())
    at = data.find(needle)
    assert at > 0 and data.count(needle) == 1
    data[at + offset] ^= 0x10
    db.write_bytes(bytes(data))


def _no_traceback(run):
    assert "Traceback" not in run.stderr and "Traceback" not in run.stdout, run.stderr


def test_a_clean_store_passes(day):
    db, filed = day
    run = kit.agent(db, "check")
    _no_traceback(run)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "the database is consistent: 14 sheets" in run.stdout


def test_a_flipped_bit_in_a_stored_bundle_is_found_and_lots_build_refuses_it(day):
    db, filed = day
    con = sqlite3.connect(db)
    sheet_id, data = con.execute("SELECT id, bundle FROM sheets WHERE id = 1").fetchone()
    con.close()
    _flip_in_file(db, bytes(data), len(data) - 20)  # inside the Vitale signature
    assert sqlite3.connect(db).execute("PRAGMA quick_check").fetchone()[0] == "ok"
    run = kit.agent(db, "check")
    _no_traceback(run)
    assert run.returncode == EXIT_FINDINGS, run.stdout + run.stderr
    assert "sheet 1: the Vitale signature does not match the sheet bytes" in run.stdout
    assert run.stderr.startswith("error: 1 problem found")
    build = kit.agent(db, "lots", "build")
    _no_traceback(build)
    assert build.returncode == 1 and "sheet 1 the Vitale signature" in build.stderr, build.stderr
    store = Store(db)
    assert lots.all_lots(store) == []  # nothing built


def test_a_damaged_sheet_in_an_open_lot_is_not_sealed(day):
    db, filed = day
    store = Store(db)
    lots.build(store, kit.NOW)
    with store.transaction() as con:  # the sheet bytes of sheet 2 altered behind our back
        data = bytearray(con.execute("SELECT bundle FROM sheets WHERE id = 2").fetchone()[0])
        data[40] ^= 1
        con.execute("UPDATE sheets SET bundle = ? WHERE id = 2", (bytes(data),))
    app = kit.cps_app("nurse")
    chosen, _ = sealing.lots_to_seal(store, app, [])
    sealing.unlock(app, bytearray(fixtures.pin("nurse").encode()))
    lot = [r for r in chosen if any(s["id"] == 2 for s in lots.sheets_of(store, r["id"]))][0]
    with pytest.raises(lots.LotError, match="cannot be sealed: sheet 2 its stored"):
        sealing.seal(store, app, lot, kit.NOW + 60, kit.root_der())
    app.forget()
    assert lots.find(store, lots.name(lot))["status"] == lots.OPEN


def test_a_deleted_row_is_a_finding(day):
    db, filed = day
    con = sqlite3.connect(db)
    con.execute("DELETE FROM sheets WHERE id = 3")
    con.commit()
    con.close()
    run = kit.agent(db, "check")
    _no_traceback(run)
    assert run.returncode == EXIT_FINDINGS
    assert ": 1 record number received but missing here: 3" in run.stdout, run.stdout


def test_damaged_pages_are_found_and_no_command_crashes(day, tmp_path):
    """Seeded damage of one page each (random bytes over a whole 4 KiB page): `check`
    reports each one (exit 8, or 6 when SQLite gives up), and no command crashes."""
    db, filed = day
    clean = db.read_bytes()
    pages = len(clean) // 4096
    rng = random.Random(10)
    found = 0
    tried = list(range(1, pages))
    for page in tried:
        data = bytearray(clean)
        data[page * 4096 : (page + 1) * 4096] = rng.randbytes(4096)
        db.write_bytes(bytes(data))
        try:
            report = check.check_database(db, ROOT)
            found += not report
        except sqlite3.DatabaseError:
            found += 1  # the CLI turns it into exit 6
    print("%d of %d damaged pages found" % (found, len(tried)))
    assert found == len(tried)
    # Through the CLI, on the last damage and a middle one: one line, no traceback.
    for page in (1, pages // 2):
        data = bytearray(clean)
        data[page * 4096 : (page + 1) * 4096] = rng.randbytes(4096)
        db.write_bytes(bytes(data))
        for args in (("check",), ("sheets", "list"), ("lots", "list"), ("status",)):
            run = kit.agent(db, *args)
            _no_traceback(run)
            if args == ("check",):
                assert run.returncode in (EXIT_FINDINGS, EXIT_DATABASE), run.stderr


def test_a_sheet_whose_state_column_was_changed_is_a_finding(db_where):
    """The state column (the sheets page filters on it) set by hand to another state than
    its lot and its fund's answers give: `check` says which sheet, in English (exit 8);
    the page Vérification in French; the other sheets are not named."""
    from tests import web_kit as web

    store, filed = kit.store_with_day(db_where)
    try:
        sheet_id = store.sheets()[0]["id"]
        with store.transaction() as db:  # as a bad restore or a hand edit would
            db.execute("UPDATE sheets SET state = 'paid' WHERE id = ?", (sheet_id,))
    finally:
        store.close()
    (db_where.parent / "root.pem").write_bytes(kit.root_der())  # beside it, on both
    run = kit.agent(db_where, "check")
    _no_traceback(run)
    assert run.returncode == EXIT_FINDINGS, run.stdout + run.stderr
    said = [line for line in run.stdout.splitlines() if "state column" in line]
    assert len(said) == 1, run.stdout
    assert ("sheet %d: its state column says paid" % sheet_id) in said[0], said
    assert "make it filed" in said[0], said
    page = web.text(web.client(db_where).get("/verification"))
    assert (
        "Feuille %d : son état enregistré (payée) n'est pas celui que donnent son lot et les "
        "réponses de sa caisse (à mettre en lot)." % sheet_id
    ) in page, page[:2000]
