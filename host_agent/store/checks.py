"""The reads of `tla-agent check` (host_agent/check.py), on a connection of its own opened
read-only (a SQLite file opened read-only; on PostgreSQL a session whose transactions are
read-only): nothing here writes."""

from host_agent.store import engines, location
from host_agent.store.connection import Connection
from host_agent.store.sheet_search import state_differences

__all__ = ["state_differences"]  # the sheets' state column against its sources


def open_readonly(where) -> Connection:
    where = location.parse(where)
    if isinstance(where, location.Server):
        db = engines.open_server(where)
        db.driver("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        return db
    return engines.open_file(where, read_only=True)


def integrity(db) -> list:
    """SQLite's integrity check: its lines ("ok" when whole), at most 50. A PostgreSQL
    server checks its own pages (data checksums, its logs): nothing to read here."""
    if db.dialect != "sqlite":
        return ["ok"]
    return [line for (line,) in db.execute("PRAGMA integrity_check(50)")]


def certificate_rows(db) -> list:
    """(cert id, DER) of every card certificate received."""
    return [(bytes(r[0]), bytes(r[1])) for r in db.execute("SELECT cert_id, der FROM certificates")]


def live_sheets(db):
    """Every sheet whose electronic double is still here, by id."""
    return db.execute("SELECT * FROM sheets WHERE purged IS NULL ORDER BY id")


def quarantined(db):
    return db.execute("SELECT id, bundle, bundle_digest FROM quarantine ORDER BY id")


def terminal_records(db):
    """(terminal row, the set of its record numbers filed or quarantined), per terminal."""
    for t in db.execute("SELECT id, serial, cursor FROM terminals ORDER BY id").fetchall():
        numbers = {
            r[0]
            for r in db.execute(
                "SELECT record_no FROM sheets WHERE terminal_id = ? UNION "
                "SELECT record_no FROM quarantine WHERE terminal_id = ?",
                (t["id"], t["id"]),
            )
        }
        yield t, numbers


def access_entries(db):
    return db.execute("SELECT * FROM access_log ORDER BY terminal_id, entry_no")


def sealed_lots(db):
    return db.execute("SELECT * FROM lots WHERE file IS NOT NULL ORDER BY id")


def lot_bundles(db, lot_id: int) -> list:
    """The stored bundles of the lot's sheets, in lot order."""
    return [
        bytes(r[0])
        for r in db.execute(
            "SELECT s.bundle FROM lot_sheets ls JOIN sheets s ON s.id = ls.sheet_id "
            "WHERE ls.lot_id = ? ORDER BY ls.position",
            (lot_id,),
        )
    ]
