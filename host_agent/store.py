"""The practice PC's database: one SQLite file in WAL mode, with numbered migrations.

Tables: terminals, pairings, certificates, sheets (the raw signed bundle bytes plus decoded
columns), quarantine (sheets that failed verification, with the reason), access_log (the
terminals' logs of card consultations), sync_sessions. A sync commits a whole batch in
one transaction, and only then does the agent acknowledge it to the terminal.
"""

import sqlite3
import time
from pathlib import Path


class StoreError(Exception):
    """The database cannot be used; the message is one plain sentence."""


# Each migration brings the schema from version i to i + 1 (PRAGMA user_version).
MIGRATIONS: list[str] = [
    # 1: the sync issue's tables
    """
    CREATE TABLE terminals (
        id INTEGER PRIMARY KEY,
        serial TEXT NOT NULL UNIQUE,
        model TEXT,
        firmware TEXT,
        first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL,
        last_sync INTEGER,
        cursor INTEGER NOT NULL DEFAULT 0,          -- last record number received
        access_cursor INTEGER NOT NULL DEFAULT 0    -- last access-log entry received
    );
    CREATE TABLE pairings (
        id INTEGER PRIMARY KEY,
        terminal_id INTEGER NOT NULL REFERENCES terminals(id),
        pairing_id BLOB NOT NULL UNIQUE,
        pairing_key BLOB NOT NULL,                  -- secret: the file is created 0600
        created INTEGER NOT NULL,
        revoked INTEGER
    );
    CREATE TABLE certificates (
        cert_id BLOB PRIMARY KEY,                   -- first 8 bytes of SHA-256 of der
        der BLOB NOT NULL,
        subject TEXT NOT NULL,
        received INTEGER NOT NULL
    );
    CREATE TABLE sheets (
        id INTEGER PRIMARY KEY,
        terminal_id INTEGER NOT NULL REFERENCES terminals(id),
        record_no INTEGER NOT NULL,                 -- the terminal's journal record number
        bundle BLOB NOT NULL,                       -- exact signed bytes, as received
        digest BLOB NOT NULL UNIQUE,                -- SHA-256 of the sheet bytes
        order_no INTEGER NOT NULL,
        professional TEXT NOT NULL,
        situation INTEGER NOT NULL,
        insured TEXT NOT NULL,
        beneficiary TEXT,                           -- "birth/rank" of a dependant, else NULL
        fund TEXT NOT NULL,
        completion INTEGER NOT NULL,                -- YYYYMMDD
        payment INTEGER NOT NULL,
        fees INTEGER NOT NULL,                      -- cents
        third_party INTEGER NOT NULL,               -- cents
        signed_by_patient INTEGER NOT NULL,
        received INTEGER NOT NULL,
        UNIQUE (terminal_id, record_no),
        UNIQUE (terminal_id, professional, order_no)
    );
    CREATE INDEX sheets_completion ON sheets(completion);
    CREATE TABLE quarantine (
        id INTEGER PRIMARY KEY,
        terminal_id INTEGER NOT NULL REFERENCES terminals(id),
        record_no INTEGER NOT NULL,
        bundle BLOB NOT NULL,
        reason TEXT NOT NULL,
        received INTEGER NOT NULL,
        UNIQUE (terminal_id, record_no)
    );
    CREATE TABLE access_log (
        id INTEGER PRIMARY KEY,
        terminal_id INTEGER NOT NULL REFERENCES terminals(id),
        entry_no INTEGER NOT NULL,
        at INTEGER NOT NULL,
        who TEXT NOT NULL,
        card TEXT NOT NULL,
        card_id TEXT NOT NULL,
        what TEXT NOT NULL,
        chain BLOB NOT NULL,
        UNIQUE (terminal_id, entry_no)
    );
    CREATE TABLE sync_sessions (
        id INTEGER PRIMARY KEY,
        terminal_id INTEGER REFERENCES terminals(id),
        started INTEGER NOT NULL,
        ended INTEGER,
        status TEXT NOT NULL,                       -- running, ok, interrupted, failed
        sheets INTEGER NOT NULL DEFAULT 0,
        rejected INTEGER NOT NULL DEFAULT 0,
        bytes INTEGER NOT NULL DEFAULT 0,
        error TEXT
    );
    """,
    # 2: lots, their sending, the funds' acknowledgements, retention (docs/lots.md)
    """
    CREATE TABLE lot_numbers (
        professional TEXT PRIMARY KEY,
        last INTEGER NOT NULL                       -- the last lot number given, never again
    );
    CREATE TABLE lots (
        id INTEGER PRIMARY KEY,
        professional TEXT NOT NULL,
        number INTEGER NOT NULL,                    -- per professional, never reused
        fund TEXT NOT NULL,
        status TEXT NOT NULL,                       -- open, sealed, sent, acknowledged, rejected
        built INTEGER NOT NULL,
        sheets INTEGER NOT NULL,
        fees INTEGER NOT NULL,                      -- cents
        third_party INTEGER NOT NULL,               -- cents
        sealed INTEGER,
        cps_cert BLOB,                              -- id of the certificate of the sealing CPS
        file BLOB,                                  -- the sealed lot file, NULL once purged
        file_digest BLOB,                           -- SHA-256 of the sealed lot file
        sent INTEGER,
        sent_via TEXT,
        acked INTEGER,
        ack_reason TEXT,
        purged INTEGER,
        UNIQUE (professional, number)
    );
    CREATE TABLE lot_sheets (
        lot_id INTEGER NOT NULL REFERENCES lots(id),
        sheet_id INTEGER NOT NULL REFERENCES sheets(id),
        position INTEGER NOT NULL,
        released INTEGER,                           -- when a negative acknowledgement freed it
        PRIMARY KEY (lot_id, sheet_id)
    );
    CREATE UNIQUE INDEX lot_sheets_one_lot ON lot_sheets(sheet_id) WHERE released IS NULL;
    CREATE TABLE lot_sendings (
        id INTEGER PRIMARY KEY,
        lot_id INTEGER NOT NULL REFERENCES lots(id),
        at INTEGER NOT NULL,
        via TEXT NOT NULL,                          -- outbox, smtp
        destination TEXT NOT NULL,
        ok INTEGER NOT NULL,
        error TEXT
    );
    CREATE TABLE fund_acks (
        id INTEGER PRIMARY KEY,
        lot_id INTEGER NOT NULL REFERENCES lots(id),
        imported INTEGER NOT NULL,
        accepted INTEGER NOT NULL,
        day INTEGER NOT NULL,                       -- the fund's date, YYYYMMDD
        reason TEXT,
        source TEXT NOT NULL                        -- name of the file imported
    );
    ALTER TABLE sheets ADD COLUMN purged INTEGER;   -- when the electronic double was deleted
    """,
]


class Store:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        new = not self.path.exists()
        try:
            if new:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self.path.touch(mode=0o600)
            self.db = sqlite3.connect(str(self.path), isolation_level=None, timeout=10)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self.migrate()
            if not new:
                check = self.db.execute("PRAGMA quick_check").fetchone()[0]
                if check != "ok":
                    raise StoreError(
                        "the database %s is damaged (%s): restore it from a backup" % (self.path, check)
                    )
        except sqlite3.DatabaseError as e:
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

    # ---------------------------------------------------------------- terminals

    def terminal(self, serial: str, model: str = "", firmware: str = "") -> int:
        """Id of the terminal with this serial number, registered on first sight."""
        now = int(time.time())
        row = self.db.execute("SELECT id FROM terminals WHERE serial = ?", (serial,)).fetchone()
        if row:
            self.db.execute(
                "UPDATE terminals SET last_seen = ?, model = COALESCE(NULLIF(?, ''), model), "
                "firmware = COALESCE(NULLIF(?, ''), firmware) WHERE id = ?",
                (now, model, firmware, row["id"]),
            )
            return row["id"]
        cur = self.db.execute(
            "INSERT INTO terminals (serial, model, firmware, first_seen, last_seen) VALUES (?, ?, ?, ?, ?)",
            (serial, model, firmware, now, now),
        )
        return int(cur.lastrowid or 0)


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
