"""Every SQL statement of the funds' returns (host_agent/returns.py): the tables' migration,
reading what was answered before, and writing one return in the caller's transaction."""

from host_agent import lots

# Migration: what the funds answered, per return file and per sheet (docs/returns.md).
MIGRATION = """
    CREATE TABLE fund_returns (
        id INTEGER PRIMARY KEY,
        fund TEXT NOT NULL,
        reference TEXT,                             -- the fund's own id of the return
        issued INTEGER NOT NULL,                    -- the fund's date, YYYYMMDD
        imported INTEGER NOT NULL,
        digest BLOB NOT NULL,                       -- SHA-256 of the file as imported
        source TEXT NOT NULL                        -- the file's name, or the message's
    );
    CREATE TABLE sheet_returns (
        id INTEGER PRIMARY KEY,
        return_id INTEGER NOT NULL REFERENCES fund_returns(id),
        sheet_id INTEGER NOT NULL REFERENCES sheets(id),
        lot_id INTEGER NOT NULL REFERENCES lots(id),
        result TEXT NOT NULL,                       -- accepted, rejected, paid
        day INTEGER NOT NULL,                       -- the fund's date, YYYYMMDD
        code TEXT,                                  -- a rejection's reason code
        label TEXT,                                 -- a rejection's reason, the fund's words
        amount INTEGER                              -- paid: cents
    );
    CREATE INDEX sheet_returns_sheet ON sheet_returns(sheet_id, lot_id);
"""


def lot_members(db, lot_id: int) -> list:
    """The sheets still in the lot (not released), with their order numbers and digests."""
    return db.execute(
        "SELECT s.* FROM lot_sheets ls JOIN sheets s ON s.id = ls.sheet_id "
        "WHERE ls.lot_id = ? AND ls.released IS NULL ORDER BY ls.position",
        (lot_id,),
    ).fetchall()


def sheet_answers(db, sheet_id: int, lot_id: int) -> list:
    """What the fund answered before about the sheet in that lot, oldest first."""
    return db.execute(
        "SELECT * FROM sheet_returns WHERE sheet_id = ? AND lot_id = ? ORDER BY id",
        (sheet_id, lot_id),
    ).fetchall()


def add_return(db, fund, reference, issued, now, digest, source) -> int:
    return db.execute(
        "INSERT INTO fund_returns (fund, reference, issued, imported, digest, source) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (fund, reference, issued, now, digest, source),
    ).lastrowid


def answer_lot(db, lot, received: bool, day: int, reason, now: int, source: str) -> list:
    """Record the fund's answer on a sent lot (ARL): acknowledged, or rejected and its
    sheets released. The released sheets' ids. ValueError when the lot is no longer sent
    (another import meanwhile): the caller's transaction then rolls back."""
    status = lots.ACKNOWLEDGED if received else lots.REJECTED
    cur = db.execute(
        "UPDATE lots SET status = ?, acked = ?, ack_reason = ? WHERE id = ? AND status = ?",
        (status, now, reason or None, lot["id"], lots.SENT),
    )
    if cur.rowcount != 1:
        raise ValueError("lot %s changed while importing: try again" % lots.name(lot))
    db.execute(
        "INSERT INTO fund_acks (lot_id, imported, accepted, day, reason, source) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (lot["id"], now, int(received), day, reason or None, source),
    )
    if received:
        return []
    freed = [
        r[0]
        for r in db.execute(
            "SELECT sheet_id FROM lot_sheets WHERE lot_id = ? AND released IS NULL", (lot["id"],)
        )
    ]
    db.execute(
        "UPDATE lot_sheets SET released = ? WHERE lot_id = ? AND released IS NULL",
        (now, lot["id"]),
    )
    return freed


def answer_sheet(db, return_id, sheet_id, lot_id, result, day, code, label, amount) -> None:
    db.execute(
        "INSERT INTO sheet_returns (return_id, sheet_id, lot_id, result, day, code, label, "
        "amount) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (return_id, sheet_id, lot_id, result, day, code, label, amount),
    )


def transmitted_sheets(db) -> list:
    """Every sheet whose current lot was sent, with its lot's name parts and status, and
    the fund's latest answer on it in that lot (result, day, code, label, amount)."""
    return db.execute(
        "SELECT s.id, s.order_no, s.fund, s.completion, s.payment, s.fees, s.third_party, "
        "s.purged, l.id AS lot_id, l.professional AS lot_professional, l.number AS lot_number, "
        "l.status AS lot_status, l.sent AS lot_sent, "
        "r.result, r.day, r.code, r.label, r.amount FROM sheets s "
        "JOIN lot_sheets ls ON ls.sheet_id = s.id AND ls.released IS NULL "
        "JOIN lots l ON l.id = ls.lot_id AND l.status IN (?, ?) "
        "LEFT JOIN sheet_returns r ON r.id = (SELECT MAX(r2.id) FROM sheet_returns r2 "
        "WHERE r2.sheet_id = s.id AND r2.lot_id = l.id) "
        "ORDER BY l.professional, l.number, ls.position",
        (lots.SENT, lots.ACKNOWLEDGED),
    ).fetchall()


def returns_of_lot(db, lot_id: int) -> list:
    """The sheet answers recorded for a lot, with the sheet's order number."""
    return db.execute(
        "SELECT r.*, s.order_no FROM sheet_returns r JOIN sheets s ON s.id = r.sheet_id "
        "WHERE r.lot_id = ? ORDER BY r.id",
        (lot_id,),
    ).fetchall()
