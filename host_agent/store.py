"""The practice PC's database: one SQLite file in WAL mode, with numbered migrations.

Tables: terminals, pairings, certificates, sheets (the raw signed bundle bytes plus decoded
columns), quarantine (sheets that failed verification, with the reason), access_log (the
terminals' logs of card consultations), sync_sessions, the opposition list and its
versions, settings. A sync commits a whole batch in one transaction, and only then does the
agent acknowledge it to the terminal (docs/agent.md).
"""

import hashlib
import os
import socket
import sqlite3
import time
from pathlib import Path

from cryptography import x509

from host_agent import rows
from host_agent.schema import MIGRATIONS
from host_agent.store_lists import StoreLists
from host_agent.store_round import RoundTables
from protocol import bundle as bundles
from protocol.pairing import Pairing


class StoreError(Exception):
    """The database cannot be used; the message is one plain sentence."""


class Store(StoreLists, RoundTables):
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

    def terminal_row(self, serial: str):
        return self.db.execute("SELECT * FROM terminals WHERE serial = ?", (serial,)).fetchone()

    def note_status(self, terminal_id: int, status: dict, clock_offset: int | None = None) -> None:
        """What the terminal said of itself (STATUS): sheets it holds unacknowledged, the
        rejected ones it shows, its opposition list version."""
        self.db.execute(
            "UPDATE terminals SET pending = ?, rejected = ?, opposition = ?, "
            "clock_offset = COALESCE(?, clock_offset) WHERE id = ?",
            (status["unacked"], status["rejected"], status["opp"], clock_offset, terminal_id),
        )

    # ---------------------------------------------------------------- settings

    def setting(self, key: str, default: str | None = None) -> str | None:
        row = self.db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return row["value"] if row else default

    def set_setting(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", (key, value))

    def agent_id(self) -> str:
        """The name this agent gives itself when pairing (kept, so it stays the same)."""
        name = self.setting("agent_id")
        if name is None:
            name = ("tla-agent@" + socket.gethostname())[:64]
            self.set_setting("agent_id", name)
        return name

    # ---------------------------------------------------------------- pairings

    def save_pairing(self, serial: str, pairing: Pairing, agent_id: str, model="", firmware=""):
        """Keep a new pairing with the terminal `serial`; an older one is revoked."""
        now = int(time.time())
        with self.transaction() as db:
            terminal_id = self.terminal(serial, model, firmware)
            db.execute(
                "UPDATE pairings SET revoked = ?, pairing_key = zeroblob(length(pairing_key)) "
                "WHERE terminal_id = ? AND revoked IS NULL",
                (now, terminal_id),
            )
            db.execute(
                "INSERT INTO pairings (terminal_id, pairing_id, pairing_key, agent_id, created) "
                "VALUES (?, ?, ?, ?, ?)",
                (terminal_id, pairing.pairing_id, pairing.key, agent_id, now),
            )

    def pairing(self, serial: str) -> Pairing | None:
        """The pairing in force with the terminal `serial`, or None."""
        row = self.db.execute(
            "SELECT p.pairing_id, p.pairing_key FROM pairings p JOIN terminals t "
            "ON t.id = p.terminal_id WHERE t.serial = ? AND p.revoked IS NULL "
            "ORDER BY p.id DESC LIMIT 1",
            (serial,),
        ).fetchone()
        if row is None:
            return None
        return Pairing(bytes(row["pairing_id"]), bytes(row["pairing_key"]), serial)

    def forget_pairing(self, serial: str) -> int:
        """Revoke the pairing with `serial` (the key stays unusable); returns how many."""
        cur = self.db.execute(
            "UPDATE pairings SET revoked = ?, pairing_key = zeroblob(length(pairing_key)) "
            "WHERE revoked IS NULL AND terminal_id = "
            "(SELECT id FROM terminals WHERE serial = ?)",
            (int(time.time()), serial),
        )
        return cur.rowcount

    # ---------------------------------------------------------------- certificates

    def certificates(self) -> dict:
        """{certificate id: DER} of every card certificate received."""
        return {
            bytes(r["cert_id"]): bytes(r["der"])
            for r in self.db.execute("SELECT cert_id, der FROM certificates")
        }

    # ---------------------------------------------------------------- syncs

    def start_sync(self, terminal_id: int | None) -> int:
        cur = self.db.execute(
            "INSERT INTO sync_sessions (terminal_id, started, status) VALUES (?, ?, 'running')",
            (terminal_id, int(time.time())),
        )
        return int(cur.lastrowid or 0)

    def end_sync(self, sync_id: int, status: str, error: str | None = None, nbytes: int = 0):
        """Close a sync session: ok, interrupted or failed (the reason in `error`)."""
        self.db.execute(
            "UPDATE sync_sessions SET ended = ?, status = ?, error = ?, bytes = bytes + ? "
            "WHERE id = ?",
            (int(time.time()), status, error, nbytes, sync_id),
        )

    def finish_sync(self, terminal_id: int, sync_id: int, nbytes: int) -> None:
        now = int(time.time())
        with self.transaction() as db:
            db.execute("UPDATE terminals SET last_sync = ? WHERE id = ?", (now, terminal_id))
            db.execute(
                "UPDATE sync_sessions SET ended = ?, status = 'ok', bytes = bytes + ? WHERE id = ?",
                (now, nbytes, sync_id),
            )

    def commit_batch(self, terminal_id: int, sync_id: int, batch) -> tuple[list, list]:
        """File a verified batch (host_agent.sync.Batch) in one transaction: certificates,
        sheets, quarantined sheets, the terminal's cursor. A sheet already filed (same
        record, same bytes) is not filed twice; one that collides with another sheet goes to
        quarantine. Returns the record numbers filed and quarantined, for the ACK."""
        now = int(time.time())
        ok, bad = [], []
        with self.transaction() as db:
            for der in batch.certs:
                db.execute(
                    "INSERT OR IGNORE INTO certificates (cert_id, der, subject, received) "
                    "VALUES (?, ?, ?, ?)",
                    (bundles.cert_id(der), der, _subject(der), now),
                )
            for rec_no, data, sheet in batch.accepted:
                reason = self._file_sheet(db, terminal_id, sync_id, rec_no, data, sheet, now)
                if reason is None:
                    ok.append(rec_no)
                else:
                    batch.rejected.append((rec_no, data, reason))
            for rec_no, data, reason in batch.rejected:
                db.execute(
                    "INSERT OR IGNORE INTO quarantine (terminal_id, record_no, bundle, "
                    "bundle_digest, reason, received, sync_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        terminal_id,
                        rec_no,
                        data,
                        hashlib.sha256(data).digest(),
                        reason,
                        now,
                        sync_id,
                    ),
                )
                bad.append(rec_no)
            if batch.last_record:
                db.execute(
                    "UPDATE terminals SET cursor = MAX(cursor, ?) WHERE id = ?",
                    (batch.last_record, terminal_id),
                )
            db.execute(
                "UPDATE sync_sessions SET sheets = sheets + ?, rejected = rejected + ? WHERE id = ?",
                (len(ok), len(bad), sync_id),
            )
        return ok, sorted(set(bad))

    def _file_sheet(self, db, terminal_id, sync_id, rec_no, data, sheet, now) -> str | None:
        """Insert one verified sheet; None when filed (or already there), else the reason
        it goes to quarantine instead."""
        there = db.execute(
            "SELECT id, bundle FROM sheets WHERE terminal_id = ? AND record_no = ?",
            (terminal_id, rec_no),
        ).fetchone()
        if there is not None:
            if bytes(there["bundle"]) == data:
                return None  # received before, its ACK was lost: the same sheet, once
            return (
                "record number %d of this terminal was already received with another sheet "
                "(sheet %d): was the terminal's flash erased?" % (rec_no, there["id"])
            )
        digest = bundles.digest(sheet_bytes(data))
        same = db.execute("SELECT id FROM sheets WHERE digest = ?", (digest,)).fetchone()
        if same is not None:
            return "the same care sheet was already received (sheet %d)" % same["id"]
        used = db.execute(
            "SELECT id FROM sheets WHERE terminal_id = ? AND professional = ? AND order_no = ?",
            (terminal_id, sheet.professional, sheet.order_no),
        ).fetchone()
        if used is not None:
            return "order number %d of professional %s is already used by sheet %d (R161-44 1°)" % (
                sheet.order_no,
                sheet.professional,
                used["id"],
            )
        columns = derived_columns(data, sheet)
        db.execute(
            "INSERT INTO sheets (terminal_id, record_no, bundle, digest, received, sync_id, %s)"
            " VALUES (?,?,?,?,?,?%s)" % (", ".join(columns), ",?" * len(columns)),
            (terminal_id, rec_no, data, digest, now, sync_id, *columns.values()),
        )
        return None

    def unconfirmed(self, terminal_id: int) -> tuple[list, list]:
        """Record numbers filed (then quarantined) whose ACK the terminal has not confirmed:
        sent again at the next sync, before anything else."""
        ok = [
            r[0]
            for r in self.db.execute(
                "SELECT record_no FROM sheets WHERE terminal_id = ? AND acked IS NULL "
                "ORDER BY record_no",
                (terminal_id,),
            )
        ]
        bad = [
            r[0]
            for r in self.db.execute(
                "SELECT DISTINCT record_no FROM quarantine WHERE terminal_id = ? AND acked IS NULL "
                "ORDER BY record_no",
                (terminal_id,),
            )
        ]
        return ok, bad

    def confirm_acks(self, terminal_id: int, ok, bad) -> None:
        """The terminal confirmed our ACK of these record numbers."""
        now = int(time.time())
        with self.transaction() as db:
            db.executemany(
                "UPDATE sheets SET acked = ? WHERE terminal_id = ? AND record_no = ? AND acked IS NULL",
                [(now, terminal_id, n) for n in ok],
            )
            db.executemany(
                "UPDATE quarantine SET acked = ? WHERE terminal_id = ? AND record_no = ? "
                "AND acked IS NULL",
                [(now, terminal_id, n) for n in bad],
            )


def derived_columns(data: bytes, sheet) -> dict:
    """{sheets column: value} of every column decoded from the signed bundle `data` and its
    `sheet`: what `tla-agent check` compares with the bundle (host_agent/check.py)."""
    b = sheet.beneficiary
    return {
        "order_no": sheet.order_no,
        "professional": sheet.professional,
        "situation": int(sheet.situation),
        "insured": sheet.insured,
        "beneficiary": None if b is None else "%d/%d" % (b.birth, b.birth_rank),
        "fund": sheet.fund,
        "completion": sheet.completion,
        "payment": sheet.payment,
        "fees": sheet.fees,
        "third_party": sheet.third_party,
        "signed_by_patient": int(bundles.decode(data).vitale_signature is not None),
    }


def sheet_bytes(data: bytes) -> bytes:
    """The sheet bytes inside a signed bundle."""
    return bundles.decode(data).sheet


def _subject(der: bytes) -> str:
    try:
        return x509.load_der_x509_certificate(der).subject.rfc4514_string()
    except ValueError:
        return "?"


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
