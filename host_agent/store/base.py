"""The database file itself: one SQLite file in WAL mode, opened with its pragmas, brought
up to date by the numbered migrations (host_agent/store/schema.py), and its transactions.
"""

import os
import sqlite3
from pathlib import Path

from host_agent import files
from host_agent.errors import EXIT_DATABASE, AgentError
from host_agent.store import rows
from host_agent.store.schema import MIGRATIONS
from host_agent.system import current as system


class StoreError(AgentError):
    """The database cannot be used; the message is one plain sentence."""

    exit_code = EXIT_DATABASE
    french_default = (
        "La base de données du cabinet ne peut pas être utilisée : restaurez-la depuis une "
        "sauvegarde ou appelez la personne qui s'occupe de l'informatique."
    )


class Base:
    """The connection (`db`), its migrations and transactions."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        new = not self.path.exists()
        try:
            if new:
                files.private_folder(self.path.parent)  # 0700, as every folder it writes
                system.create_private_file(self.path)  # 0600: health data, keys
            self.db = sqlite3.connect(str(self.path), isolation_level=None, timeout=10)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.execute("PRAGMA foreign_keys=ON")
            # Freed and overwritten content is zeroed, not left in free pages (pairing keys).
            self.db.execute("PRAGMA secure_delete=ON")
            self.migrate()
            self.db.row_factory = rows.typed_row_factory(self.db)
            if not new:
                check = self.db.execute("PRAGMA quick_check").fetchone()[0]
                if check != "ok":
                    raise StoreError(
                        "the database %s is damaged (%s): restore it from a backup"
                        % (self.path, check)
                    )
        except sqlite3.DatabaseError as e:
            if not os.access(self.path, os.W_OK) or not os.access(self.path.parent, os.W_OK):
                raise StoreError(  # not damage: the file or its folder (-wal, -shm) read-only
                    "the database %s or its folder is read-only for you: tla-agent writes it "
                    "and its -wal and -shm files next to it" % self.path
                ) from e
            raise StoreError(
                "cannot use the database %s: %s (is it a tla database? restore it from a backup)"
                % (self.path, e)
            ) from e

    @property
    def version(self) -> int:
        return self.db.execute("PRAGMA user_version").fetchone()[0]

    def migrate(self) -> None:
        current = self.version
        if current > len(MIGRATIONS):
            raise StoreError(
                "the database %s was made by a newer tla-agent (schema %d, this one knows %d)"
                % (self.path, current, len(MIGRATIONS))
            )
        for number in range(current, len(MIGRATIONS)):
            with self.transaction():
                for statement in _statements(MIGRATIONS[number]):
                    self.db.execute(statement)
                self.db.execute("PRAGMA user_version = %d" % (number + 1))

    def transaction(self):
        return _Transaction(self.db)

    def close(self) -> None:
        self.db.close()


def _statements(script: str) -> list[str]:
    out = []
    for part in script.split(";"):
        lines = [line.split("--", 1)[0] for line in part.splitlines()]
        text = "\n".join(lines).strip()
        if text:
            out.append(text)
    return out


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self):
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.db.execute("COMMIT")
        else:
            self.db.execute("ROLLBACK")
        return False
