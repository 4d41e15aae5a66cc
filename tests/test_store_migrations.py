"""The SQLite migrations of the releases before Alembic (host_agent/store/schema.py, docs/agent.md
"The database"): a file made by an agent that knew migrations 1-4 (the funds' returns as 4)
is brought to 5 (the day's round) with its rows kept; one of migrations 1-5 to 6 (the
practice situation as text, its leading zeros given back), then handed to the Alembic
revisions (user_version 7); a file of a newer agent is refused."""

import sqlite3

import pytest

from host_agent.store import Store, StoreError, migrations
from host_agent.store.schema import MIGRATIONS, statements


def _made_at(path, version):
    """A database as an agent knowing `version` migrations left it."""
    db = sqlite3.connect(str(path), isolation_level=None)
    for number in range(version):
        for statement in statements(MIGRATIONS[number]):
            db.execute(statement)
    db.execute("PRAGMA user_version = %d" % version)
    return db


def _user_version(store):
    return store.db.execute("PRAGMA user_version").scalar()


def _tables(store):
    return {r[0] for r in store.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def test_the_returns_are_4_and_the_round_5():
    assert len(MIGRATIONS) == 6
    assert "CREATE TABLE fund_returns" in MIGRATIONS[3]
    assert "CREATE TABLE prescriptions" in MIGRATIONS[4]


def test_a_database_with_the_returns_migrates_to_the_round_keeping_its_rows(tmp_path):
    path = tmp_path / "agent.db"
    db = _made_at(path, 4)
    db.execute(
        "INSERT INTO fund_returns (fund, reference, issued, imported, digest, source)"
        " VALUES ('011750000', 'R1', 20261120, 1, x'00', 'retour.json')"
    )
    db.close()
    store = Store(path)
    try:
        assert _user_version(store) == migrations.USER_VERSION == 7
        assert store.revision == migrations.HEAD
        assert {"prescriptions", "rounds", "round_entries", "fund_returns"} <= _tables(store)
        kept = store.db.execute("SELECT fund, reference FROM fund_returns").fetchall()
        assert [tuple(r) for r in kept] == [("011750000", "R1")]
    finally:
        store.close()
    again = Store(path)  # opened again: nothing to migrate, nothing lost
    try:
        assert _user_version(again) == migrations.USER_VERSION
        assert again.db.execute("SELECT COUNT(*) FROM fund_returns").fetchone()[0] == 1
    finally:
        again.close()


def test_a_database_of_a_newer_agent_is_refused(tmp_path):
    path = tmp_path / "agent.db"
    db = _made_at(path, len(MIGRATIONS))
    db.execute("PRAGMA user_version = %d" % (migrations.USER_VERSION + 1))
    db.close()
    with pytest.raises(StoreError, match="made by a newer tla-agent"):
        Store(path)


def test_the_situation_becomes_text_with_its_leading_zeros(tmp_path):
    """An INTEGER column turned 012345678 into 12345678: migration 6 makes it TEXT and
    gives the zeros back; every other row and column is kept, and new sheets keep theirs."""
    path = tmp_path / "agent.db"
    db = _made_at(path, 5)
    db.execute("INSERT INTO terminals (serial, first_seen, last_seen) VALUES ('T1', 1, 1)")
    rows = [(1, "012345678"), (2, "751234560"), (3, "000000007")]
    for record_no, situation in rows:
        db.execute(
            "INSERT INTO sheets (terminal_id, record_no, bundle, digest, order_no, professional,"
            " situation, insured, fund, completion, payment, fees, third_party,"
            " signed_by_patient, received) VALUES (1, ?, x'00', ?, ?, '10006543218', ?,"
            " '185057512345678', '011750000', 20261118, 0, 4000, 0, 1, 1)",
            (record_no, bytes([record_no]), record_no, situation),
        )
    stored = [r[0] for r in db.execute("SELECT situation FROM sheets ORDER BY record_no")]
    assert stored == [12345678, 751234560, 7]  # what version 5 kept: the zeros gone
    db.execute("INSERT INTO paper_duplicates (sheet_id, made, reason) VALUES (1, 5, 'kept')")
    db.close()
    store = Store(path)
    try:
        got = store.db.execute(
            "SELECT record_no, situation, typeof(situation), fees, insured FROM sheets"
            " ORDER BY record_no"
        ).fetchall()
        assert [tuple(r) for r in got] == [(n, s, "text", 4000, "185057512345678") for n, s in rows]
        kinds = {r[1]: r[2] for r in store.db.execute("PRAGMA table_info(sheets)")}
        assert kinds["situation"] == "TEXT"
        assert store.db.execute("SELECT reason FROM paper_duplicates").fetchone()[0] == "kept"
        assert store.db.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        store.close()


def test_codes_are_never_stored_as_numbers(tmp_path):
    """Every column holding a code that may start with 0 (situation, funds, professionals'
    ids, NIRs, prescribers, references, serials) is TEXT in the schema as migrated."""
    store = Store(tmp_path / "agent.db")
    try:
        codes = {
            "sheets": ("professional", "situation", "insured", "fund", "beneficiary"),
            "lots": ("professional", "fund"),
            "lot_numbers": ("professional",),
            "fund_returns": ("fund", "reference"),
            "sheet_returns": ("code",),
            "prescriptions": ("professional", "insured", "prescriber", "ref", "beneficiary"),
            "rounds": ("professional",),
            "terminals": ("serial",),
            "access_log": ("who", "card_id"),
        }
        for table, columns in codes.items():
            kinds = {r[1]: r[2] for r in store.db.execute("PRAGMA table_info(%s)" % table)}
            for column in columns:
                assert kinds[column] == "TEXT", (table, column, kinds[column])
    finally:
        store.close()
