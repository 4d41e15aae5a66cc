"""The database's numbered migrations (host_agent/store/schema.py, docs/agent.md "The
database"): a file made by an agent that knew migrations 1-4 (the funds' returns as 4)
is brought to 5 (the day's round) with its rows kept; a file of a newer agent is refused."""

import sqlite3

import pytest

from host_agent.store import Store, StoreError
from host_agent.store.base import _statements
from host_agent.store.schema import MIGRATIONS


def _made_at(path, version):
    """A database as an agent knowing `version` migrations left it."""
    db = sqlite3.connect(str(path), isolation_level=None)
    for number in range(version):
        for statement in _statements(MIGRATIONS[number]):
            db.execute(statement)
    db.execute("PRAGMA user_version = %d" % version)
    return db


def _tables(store):
    return {r[0] for r in store.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def test_the_returns_are_4_and_the_round_5():
    assert len(MIGRATIONS) == 5
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
        assert store.version == 5
        assert {"prescriptions", "rounds", "round_entries", "fund_returns"} <= _tables(store)
        kept = store.db.execute("SELECT fund, reference FROM fund_returns").fetchall()
        assert [tuple(r) for r in kept] == [("011750000", "R1")]
    finally:
        store.close()
    again = Store(path)  # opened again: nothing to migrate, nothing lost
    try:
        assert again.version == 5
        assert again.db.execute("SELECT COUNT(*) FROM fund_returns").fetchone()[0] == 1
    finally:
        again.close()


def test_a_database_of_a_newer_agent_is_refused(tmp_path):
    path = tmp_path / "agent.db"
    db = _made_at(path, 5)
    db.execute("PRAGMA user_version = 6")
    db.close()
    with pytest.raises(StoreError, match="made by a newer tla-agent"):
        Store(path)
