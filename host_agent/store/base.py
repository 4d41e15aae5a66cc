"""The database itself: a SQLite file (WAL) or a PostgreSQL database (host_agent/store/
location.py says which), opened (engines.py), brought up to date by the Alembic revisions
(migrations/), and its transactions.

A transaction is one writer at a time, on both backends: SQLite's BEGIN IMMEDIATE takes the
file's write lock at the start; on PostgreSQL, BEGIN (READ COMMITTED) then a transaction
advisory lock of the practice's database, held to COMMIT or ROLLBACK. Every statement of a
writer then sees what the writers before it committed, as on SQLite, and readers never wait
(docs/architecture.md "Decisions"). A statement outside a transaction is one of its own.
"""

import os
import sqlite3
from pathlib import Path

from sqlalchemy import exc

from host_agent import files
from host_agent.store import copy, engines, location, migrations, rows
from host_agent.store.errors import StoreConflict, StoreError
from host_agent.system import current as system

__all__ = ["Base", "StoreConflict", "StoreError"]

WRITER_LOCK = 0x746C61  # "tla": pg_advisory_xact_lock's key, one per database


class Base:
    """The connection (`db`), its migrations and transactions."""

    def __init__(self, where: "str | Path | location.Server", quick_check: bool = True):
        """`quick_check`: SQLite's PRAGMA quick_check on a file that exists (it reads the
        whole file: 0.7 s at 100,000 sheets); False only where this process checked the
        file already and opens it again and again (each page of `serve`: web/security.py
        request_store)."""
        self.path = location.parse(where)
        if isinstance(self.path, location.Server):
            self.db = engines.open_server(self.path)
            self._migrate()
        else:
            self._open_file(self.path, quick_check)

    def _open_file(self, path: Path, quick_check: bool) -> None:
        new = not path.exists()
        try:
            if new:
                files.private_folder(path.parent)  # 0700, as every folder it writes
                system.create_private_file(path)  # 0600: health data, keys
            self.db = engines.open_file(path)
            self._migrate()
            self.db.expected = rows.expected_types(self.db)
            if not new and quick_check:
                check = self.db.execute("PRAGMA quick_check").scalar()
                if check != "ok":
                    raise StoreError(
                        "the database %s is damaged (%s): restore it from a backup" % (path, check)
                    )
        except sqlite3.DatabaseError as e:
            if not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
                raise StoreError(  # not damage: the file or its folder (-wal, -shm) read-only
                    "the database %s or its folder is read-only for you: tla-agent writes it "
                    "and its -wal and -shm files next to it" % path
                ) from e
            raise StoreError(
                "cannot use the database %s: %s (is it a tla database? restore it from a backup)"
                % (path, e)
            ) from e

    @property
    def server(self) -> bool:
        return self.db.dialect != "sqlite"

    @property
    def revision(self) -> str | None:
        """The schema's Alembic revision."""
        return migrations.revision(self.db)

    def _migrate(self) -> None:
        try:
            if migrations.revision(self.db) == migrations.HEAD:
                return  # the usual case: no transaction, no Alembic
            with self.transaction():
                migrations.bring_up_to_date(self.db)
        except BaseException:
            self.db.close()
            raise

    def transaction(self):
        return _Transaction(self.db)

    def copy_to(self, other: "Base", progress=None) -> dict:
        """Every row of this store into the empty store `other` (`tla-agent db copy`)."""
        return copy.copy(self, other, progress)

    def dump(self, leave_out=()) -> list:
        """Every row of every table (but those named in `leave_out`), in order: equal before
        and after means nothing changed."""
        return [(name, rows) for name, rows in copy.dump(self.db) if name not in leave_out]

    def close(self) -> None:
        self.db.close()


class _Transaction:
    """BEGIN ... COMMIT, or ROLLBACK on any exception (module docstring)."""

    def __init__(self, db):
        self.db = db

    def __enter__(self):
        if self.db.in_transaction:
            raise StoreError("internal error: a transaction inside a transaction")
        if self.db.dialect == "sqlite":
            self.db.driver("BEGIN IMMEDIATE")
        else:
            self.db.driver("BEGIN")
            self.db.in_transaction = True
            try:
                self.db.execute("SELECT pg_advisory_xact_lock(?)", (WRITER_LOCK,)).fetchone()
            except BaseException:
                self._rollback()
                raise
        self.db.in_transaction = True
        return self.db

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            try:
                self.db.driver("COMMIT")
            except BaseException:
                self._rollback()
                raise
            self.db.in_transaction = False
        else:
            self._rollback()
        return False

    def _rollback(self):
        self.db.in_transaction = False
        try:
            if self.db.raw.invalidated:  # the connection is gone: the server rolled it back
                self.db.raw.rollback()  # SQLAlchemy's own state, so that it may reconnect
            else:
                self.db.driver("ROLLBACK")
        except (sqlite3.Error, StoreError, exc.SQLAlchemyError):
            pass  # the first error is the one to tell
