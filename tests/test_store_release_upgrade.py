"""A database made by today's release upgrades in place, and moves onto PostgreSQL
(docs/agent.md "The database", "Group practice"): tests/data/release-6.db, made by the
release before Alembic (tests/data/make_release_store.py, SQLite schema 6), opened by this
agent keeps every row of every table, passes `tla-agent check`, is refused by that release
from then on (user_version 7), and `tla-agent db copy` puts it whole on a PostgreSQL server
where `check` passes too and every sheet's digest and bytes agree. The schema the revisions
build is the schema of tables.py on both backends (Alembic's own comparison)."""

import shutil
import sqlite3

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from host_agent import overview
from host_agent.store import Store, migrations, sheet_search, tables
from host_agent.store.schema import MIGRATIONS
from tests import lots_kit
from tests.lots_kit import ROOT

RELEASE = ROOT / "tests" / "data" / "release-6.db"


def _rows_by_table(path) -> dict:
    """{table: sorted rows as {column: value}} read with sqlite3 alone, as the release did."""
    db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    db.row_factory = sqlite3.Row
    names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    out = {
        name: sorted(
            (dict(r) for r in db.execute('SELECT * FROM "%s"' % name)), key=lambda d: repr(d)
        )
        for name in names
        if name != "alembic_version"
    }
    db.close()
    return out


def test_the_release_file_is_what_that_release_made(tmp_path):
    path = tmp_path / "release.db"
    shutil.copyfile(RELEASE, path)  # a WAL file read in place gets -wal and -shm beside it
    db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS) == 6
    counts = {
        t: db.execute("SELECT COUNT(*) FROM %s" % t).fetchone()[0]
        for t in ("sheets", "lots", "pairings", "lot_sheets", "paper_duplicates", "rounds")
    }
    db.close()
    assert counts == {
        "sheets": 14,
        "lots": 4,
        "pairings": 3,
        "lot_sheets": 13,
        "paper_duplicates": 1,
        "rounds": 1,
    }


def test_a_release_database_upgrades_in_place_keeping_every_row(tmp_path):
    path = tmp_path / "agent.db"
    shutil.copyfile(RELEASE, path)
    (tmp_path / "root.pem").write_bytes(lots_kit.root_der())
    before = _rows_by_table(path)
    store = Store(path)
    try:
        assert store.revision == migrations.HEAD
        assert store.db.execute("PRAGMA user_version").scalar() == migrations.USER_VERSION
        assert store.setting("agent_id") == "tla-agent@release-6"
        assert store.pairing("TLA-NURSE-01").key == b"\x22" * 32  # the one in force
        # The schema is tables.py's but for one thing: its primary keys were declared
        # without NOT NULL (SQLite's INTEGER PRIMARY KEY is the rowid, never NULL anyway).
        left = [d for [d] in _schema_differences(store)]
        assert left and all(d[0] == "modify_nullable" and d[-1] is False for d in left)
        assert all(tables.metadata.tables[d[2]].c[d[3]].primary_key for d in left)
    finally:
        store.close()
    after = _rows_by_table(path)
    # Revision 0002 named each sheet's patient, its bundle decoded once (the no-key card's
    # sheets have no certificate: no name); every other value stays as it was.
    named = [(r.pop("patient"), r.pop("patient_key")) for r in after["sheets"]]
    states = {r["id"]: r.pop("state") for r in after["sheets"]}  # ...and its state
    assert {name: after[name] for name in before} == before  # every row, every column
    # The tables of later revisions, empty (revision 0003: the people, the PC's access log;
    # 0004: the scanned prescriptions).
    assert {name: rows for name, rows in after.items() if name not in before} == {
        "accounts": [],
        "pc_access_log": [],
        "pieces": [],
    }
    store = Store(path)
    try:
        assert states == {line.id: line.state for line in overview.sheet_lines(store, 20261118)}
    finally:
        store.close()
    assert len(named) == 14 and sum(1 for n, _ in named if n) == 12, named
    assert all(key == sheet_search.fold(n) and (n == "") == (key == "") for n, key in named)
    assert any(n != key for n, key in named)  # folded: the card's capitals lowered
    done = lots_kit.agent(str(path), "check")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "the database is consistent: 14 sheets" in done.stdout
    assert "signatures by key only" not in done.stdout  # checked to the root beside it
    # The release itself, which knows user_version 6 at most, now refuses the file.
    assert migrations.USER_VERSION > len(MIGRATIONS)


def _schema_differences(store) -> list:
    context = MigrationContext.configure(connection=store.db.raw)
    return compare_metadata(context, tables.metadata)


def test_the_revisions_build_the_same_schema_on_both_backends(db_where):
    store = Store(db_where)
    try:
        assert _schema_differences(store) == []
        assert store.revision == migrations.HEAD
    finally:
        store.close()


def test_the_head_revision_is_the_newest_script():
    _config, script = migrations._scripts()
    assert script.get_current_head() == migrations.HEAD


def test_db_copy_moves_a_release_practice_onto_postgresql(tmp_path, postgres):
    source = tmp_path / "agent.db"
    shutil.copyfile(RELEASE, source)
    root = tmp_path / "root.pem"
    root.write_bytes(lots_kit.root_der())
    destination = postgres.new_database(migrated=False)  # as the IT person creates it
    done = lots_kit.agent(source, "db", "copy", str(source), destination)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "sheets: 14 of 14 rows" in done.stdout
    assert "copied 58 rows of 25 tables" in done.stdout
    for where in (str(source), destination):
        checked = lots_kit.agent(where, "check", "--root", str(root))
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert "the database is consistent: 14 sheets, 0 quarantined, 2 log entries" in (
            checked.stdout
        )
    a, b = Store(source), Store(destination)
    try:
        digests = "SELECT id, digest, bundle FROM sheets ORDER BY id"
        assert [tuple(r) for r in a.db.execute(digests)] == [
            tuple(r) for r in b.db.execute(digests)
        ]
        assert a.dump() == b.dump()  # every row of every table
        new = b.terminal("TLA-NEW-01")  # the ids go on after the copied ones
        assert new == 3
    finally:
        a.close()
        b.close()
    again = lots_kit.agent(
        source, "db", "copy", str(source), destination
    )  # never over a practice's rows
    assert again.returncode == 6
    assert "already holds rows" in again.stderr and len(again.stderr.splitlines()) == 1
