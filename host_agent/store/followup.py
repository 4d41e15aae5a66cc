"""What follows a lot's sending, in the tables: the funds' acknowledgements recorded, the
retention purge, and the sheets not transmitted yet (Store has these methods through
FollowUp; host_agent/acks.py, retention.py and status.py hold what they mean)."""

from host_agent.store.connection import Connection
from host_agent.store.lots import ACKNOWLEDGED, REJECTED, SENT, TRANSMITTED, _marks
from host_agent.store.sheet_search import OF_LOT, restate


class FollowUp:
    """Methods of Store (its `db`)."""

    db: Connection

    def record_fund_ack(self, lot_id, accepted, now, day, reason, source) -> list | None:
        """Record a fund's acknowledgement of a sent lot, inside the caller's transaction:
        the lot acknowledged or rejected, the acknowledgement kept, and for a rejection its
        sheets released. The released sheets' ids; None when the lot was no longer sent."""
        db = self.db
        cur = db.execute(
            "UPDATE lots SET status = ?, acked = ?, ack_reason = ? WHERE id = ? AND status = ?",
            (ACKNOWLEDGED if accepted else REJECTED, now, reason or None, lot_id, SENT),
        )
        if cur.rowcount != 1:
            return None
        restate(db, OF_LOT, (lot_id,))  # acknowledged; a rejection's, once released below
        db.execute(
            "INSERT INTO fund_acks (lot_id, imported, accepted, day, reason, source) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (lot_id, now, int(accepted), day, reason or None, source),
        )
        if accepted:
            return []
        freed = [
            r[0]
            for r in db.execute(
                "SELECT sheet_id FROM lot_sheets WHERE lot_id = ? AND released IS NULL",
                (lot_id,),
            )
        ]
        db.execute(
            "UPDATE lot_sheets SET released = ? WHERE lot_id = ? AND released IS NULL",
            (now, lot_id),
        )
        restate(db, OF_LOT, (lot_id,))
        return freed

    def retained_lots(self) -> list:
        """The lots not purged nor rejected, each with `members`, its sheets not released."""
        return self.db.execute(
            "SELECT l.*, (SELECT COUNT(*) FROM lot_sheets ls WHERE ls.lot_id = l.id "
            "AND ls.released IS NULL) AS members FROM lots l WHERE l.purged IS NULL "
            "AND l.status != ?",
            (REJECTED,),
        ).fetchall()

    def terminals_waiting(self) -> list:
        """Rows of every terminal: its columns, and `waiting`, its filed sheets not
        transmitted."""
        return self.db.execute(
            "SELECT t.*, (SELECT COUNT(*) FROM sheets s WHERE "
            "s.terminal_id = t.id AND s.purged IS NULL AND NOT EXISTS (SELECT 1 FROM "
            "lot_sheets ls JOIN lots l ON l.id = ls.lot_id WHERE ls.sheet_id = s.id AND "
            "ls.released IS NULL AND l.status IN (%s))) AS waiting FROM terminals t "
            "ORDER BY t.serial" % _marks(TRANSMITTED),
            tuple(TRANSMITTED),
        ).fetchall()

    def sheets_with_lots(self) -> list:
        """Every sheet not purged and not transmitted (its state column, sheet_search.py:
        the index, not 100,000 rows read), with its terminal's serial and its current lot's
        professional, number and status (NULL when in no lot)."""
        return self.db.execute(
            "SELECT s.*, t.serial AS terminal, l.professional AS lot_professional, "
            "l.number AS lot_number, l.status AS lot_status FROM sheets s "
            "JOIN terminals t ON t.id = s.terminal_id "
            "LEFT JOIN lot_sheets ls ON ls.sheet_id = s.id AND ls.released IS NULL "
            "LEFT JOIN lots l ON l.id = ls.lot_id WHERE s.purged IS NULL AND s.state IN "
            "('filed', 'duplicate', 'open', 'sealed')"
        ).fetchall()
