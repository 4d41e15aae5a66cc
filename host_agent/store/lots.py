"""The lots' tables: lot numbers, lots, their sheets, their sending attempts, the funds'
acknowledgements read back, and the paper duplicates (Store has these methods through
LotTables; host_agent/lots.py holds what they mean, docs/lots.md).

A sheet is in at most one lot that was not rejected: the index lot_sheets_one_lot enforces
it, and NOT_IN_LOT, defined once here, is that very condition read back.
"""

import hashlib

from host_agent.store.connection import Connection
from host_agent.store.sheet_search import OF_LOT, OF_SHEET, restate

OPEN, SEALED, SENT, ACKNOWLEDGED, REJECTED = "open", "sealed", "sent", "acknowledged", "rejected"
STATUSES = (OPEN, SEALED, SENT, ACKNOWLEDGED, REJECTED)
# A sheet counts as transmitted once its lot was sent (R161-47 I 1°: the deadline is met).
TRANSMITTED = (SENT, ACKNOWLEDGED)

# The sheet `s` is in no lot (or only in rejected ones, which released it).
NOT_IN_LOT = (
    "NOT EXISTS (SELECT 1 FROM lot_sheets ls WHERE ls.sheet_id = s.id AND ls.released IS NULL)"
)
# Free sheets: in no lot, and their electronic double is still here.
_FREE = "FROM sheets s WHERE s.purged IS NULL AND " + NOT_IN_LOT


def _marks(values) -> str:
    return ",".join("?" * len(values))


class LotTables:
    """Methods of Store (its `db`)."""

    db: Connection

    def free_sheets(self) -> list:
        """The free sheets, in the order lots take them."""
        return self.db.execute(
            "SELECT s.* " + _FREE + " ORDER BY s.professional, s.fund, s.completion, "
            "s.terminal_id, s.order_no, s.id"
        ).fetchall()

    def count_free_sheets(self) -> int:
        return self.db.execute("SELECT COUNT(*) " + _FREE).fetchone()[0]

    def new_lot(self, professional, fund, sheet_ids, fees, third_party, now, despite) -> object:
        """A new open lot of these sheets (in this order), numbered after the professional's
        last number; `despite`: {sheet id: when the user included it despite its paper
        duplicate}. Inside the caller's transaction. Returns the lot's row."""
        db = self.db
        row = db.execute(
            "SELECT last FROM lot_numbers WHERE professional = ?", (professional,)
        ).fetchone()
        number = (row["last"] if row else 0) + 1
        db.execute(
            "INSERT INTO lot_numbers (professional, last) VALUES (?, ?) "
            "ON CONFLICT (professional) DO UPDATE SET last = excluded.last",
            (professional, number),
        )
        lot_id = db.execute(
            "INSERT INTO lots (professional, number, fund, status, built, sheets, fees, "
            "third_party) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (professional, number, fund, OPEN, now, len(sheet_ids), fees, third_party),
        ).scalar()
        db.executemany(
            "INSERT INTO lot_sheets (lot_id, sheet_id, position, despite_duplicate) "
            "VALUES (?, ?, ?, ?)",
            [(lot_id, sid, i, despite.get(sid)) for i, sid in enumerate(sheet_ids, 1)],
        )
        restate(db, OF_LOT, (lot_id,))
        return db.execute("SELECT * FROM lots WHERE id = ?", (lot_id,)).fetchone()

    def lot_of_sheet(self, sheet_id: int, statuses=STATUSES):
        """The lot holding the sheet (not released), if its status is one of `statuses`."""
        return self.db.execute(
            "SELECT l.* FROM lot_sheets ls JOIN lots l ON l.id = ls.lot_id WHERE ls.sheet_id = ? "
            "AND ls.released IS NULL AND l.status IN (%s)" % _marks(statuses),
            (sheet_id, *statuses),
        ).fetchone()

    def rejected_reason(self, sheet_id: int):
        """The fund's reason of the latest rejected lot the sheet left (released), or None
        when it left none."""
        row = self.db.execute(
            "SELECT l.ack_reason FROM lot_sheets ls JOIN lots l ON l.id = ls.lot_id "
            "WHERE ls.sheet_id = ? AND ls.released IS NOT NULL AND l.status = ? "
            "ORDER BY l.professional DESC, l.number DESC LIMIT 1",
            (sheet_id, REJECTED),
        ).fetchone()
        return None if row is None else row["ack_reason"] or ""

    def add_duplicate(self, sheet_id: int, now: int, reason: str) -> None:
        self.db.execute(
            "INSERT INTO paper_duplicates (sheet_id, made, reason) VALUES (?, ?, ?)",
            (sheet_id, now, reason),
        )
        restate(self.db, OF_SHEET, (sheet_id,))

    def leave_open_lot(self, lot_id: int, sheet_id: int) -> None:
        """Take the sheet out of the open lot, its totals counted again; the lot is deleted
        when it empties (its number is not given again). Inside the caller's transaction."""
        db = self.db
        db.execute("DELETE FROM lot_sheets WHERE lot_id = ? AND sheet_id = ?", (lot_id, sheet_id))
        db.execute(
            "UPDATE lots SET sheets = t.n, fees = t.fees, third_party = t.third FROM (SELECT "
            "COUNT(*) AS n, COALESCE(SUM(s.fees), 0) AS fees, COALESCE(SUM(s.third_party), 0) "
            "AS third FROM lot_sheets ls JOIN sheets s ON s.id = ls.sheet_id WHERE ls.lot_id = ?) "
            "AS t WHERE lots.id = ?",
            (lot_id, lot_id),
        )
        db.execute("DELETE FROM lots WHERE id = ? AND sheets = 0", (lot_id,))
        restate(db, OF_SHEET, (sheet_id,))

    def duplicated(self) -> dict:
        """{sheet id: when its first paper duplicate was printed}."""
        rows = self.db.execute("SELECT sheet_id, MIN(made) FROM paper_duplicates GROUP BY sheet_id")
        return {r[0]: r[1] for r in rows}

    def transmitted(self, sheet_id: int) -> bool:
        """The sheet is in a lot that was sent (R161-47 I 1°: transmitted)."""
        return (
            self.db.execute(
                "SELECT 1 FROM lot_sheets ls JOIN lots l ON l.id = ls.lot_id WHERE "
                "ls.sheet_id = ? AND l.status IN (%s)" % _marks(TRANSMITTED),
                (sheet_id, *TRANSMITTED),
            ).fetchone()
            is not None
        )

    def lots(self, statuses=STATUSES) -> list:
        """The lots in these states, per professional and number."""
        return self.db.execute(
            "SELECT * FROM lots WHERE status IN (%s) ORDER BY professional, number"
            % _marks(statuses),
            tuple(statuses),
        ).fetchall()

    def lots_numbered(self, number: int, professional: str | None = None) -> list:
        """The lots of this number (of this professional only, when given)."""
        if professional:
            return self.db.execute(
                "SELECT * FROM lots WHERE professional = ? AND number = ?",
                (professional, number),
            ).fetchall()
        return self.db.execute("SELECT * FROM lots WHERE number = ?", (number,)).fetchall()

    def lot_sheets(self, lot_id: int) -> list:
        """The lot's sheets in lot order (released ones included, for a rejected lot)."""
        return self.db.execute(
            "SELECT s.*, ls.position, ls.released, ls.despite_duplicate FROM lot_sheets ls "
            "JOIN sheets s ON s.id = ls.sheet_id WHERE ls.lot_id = ? ORDER BY ls.position",
            (lot_id,),
        ).fetchall()

    def record_seal(self, lot_id: int, file: bytes, cps_cert: bytes, now: int) -> bool:
        """Keep the sealed file of an open lot; False if it is no longer open."""
        with self.transaction() as db:
            cur = db.execute(
                "UPDATE lots SET status = ?, sealed = ?, cps_cert = ?, file = ?, file_digest = ? "
                "WHERE id = ? AND status = ?",
                (SEALED, now, cps_cert, file, hashlib.sha256(file).digest(), lot_id, OPEN),
            )
            restate(db, OF_LOT, (lot_id,))
            return cur.rowcount == 1

    def add_sending(self, lot_id, via, destination, now, error=None) -> bool:
        """Note an attempt to send the lot; a successful one (error None) makes it sent.
        Inside the caller's transaction; False when the lot was not waiting to be sent."""
        self.db.execute(
            "INSERT INTO lot_sendings (lot_id, at, via, destination, ok, error) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (lot_id, now, via, destination, int(error is None), error),
        )
        if error is not None:
            return True
        cur = self.db.execute(
            "UPDATE lots SET status = ?, sent = ?, sent_via = ? WHERE id = ? AND status = ?",
            (SENT, now, via, lot_id, SEALED),
        )
        restate(self.db, OF_LOT, (lot_id,))
        return cur.rowcount == 1

    def sendings(self, lot_id: int) -> list:
        return self.db.execute(
            "SELECT * FROM lot_sendings WHERE lot_id = ? ORDER BY id", (lot_id,)
        ).fetchall()

    def fund_acks(self, lot_id: int) -> list:
        return self.db.execute(
            "SELECT * FROM fund_acks WHERE lot_id = ? ORDER BY id", (lot_id,)
        ).fetchall()

    def transaction(self):
        raise NotImplementedError  # Store's
