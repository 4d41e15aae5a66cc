"""The funds' returns in the tables (Store has these methods through FundReturns;
host_agent/returns.py, returns_report.py and retention.py hold what they mean): the returns
imported and each sheet's answers, the transmitted sheets with the latest answer, and the
purge of one sheet's electronic double (docs/returns.md)."""

from host_agent.store.connection import Connection
from host_agent.store.lots import ACKNOWLEDGED, SENT
from host_agent.store.sheet_search import OF_SHEET, restate

# Transmitted, and not done with (returns_report.Reconciliation): a third-party share
# waiting (payment 1, protocol.sheet_fields.THIRD_PARTY), rejected, or paid another amount
# (a third-party share other than expected, or anything paid for a sheet the patient paid).
# Read from the fund's latest answer `r` as the Reconciliation reads it, not from the
# sheet's state column: a purged sheet's state is 'purged', and the purge takes a sheet
# paid another amount too (returns_report.kept_reason).
_OPEN = (
    "((COALESCE(r.result, '') NOT IN ('paid', 'rejected') AND s.payment = 1) "
    "OR r.result = 'rejected' OR (r.result = 'paid' AND (CASE WHEN s.payment = 1 THEN "
    "r.amount IS NULL OR r.amount <> s.third_party ELSE r.amount IS NOT NULL AND "
    "r.amount <> 0 END))) "
)


class FundReturns:
    """Methods of Store (its `db`)."""

    db: Connection

    def lot_members(self, lot_id: int) -> list:
        """The sheets still in the lot (not released), in lot order."""
        return self.db.execute(
            "SELECT s.* FROM lot_sheets ls JOIN sheets s ON s.id = ls.sheet_id "
            "WHERE ls.lot_id = ? AND ls.released IS NULL ORDER BY ls.position",
            (lot_id,),
        ).fetchall()

    def sheet_answers(self, sheet_id: int, lot_id: int) -> list:
        """What the fund answered before about the sheet in that lot, oldest first."""
        return self.db.execute(
            "SELECT * FROM sheet_returns WHERE sheet_id = ? AND lot_id = ? ORDER BY id",
            (sheet_id, lot_id),
        ).fetchall()

    def lot_answers(self, lot_id: int) -> list:
        """The sheet answers recorded for a lot, with the sheet's order number."""
        return self.db.execute(
            "SELECT r.*, s.order_no FROM sheet_returns r JOIN sheets s ON s.id = r.sheet_id "
            "WHERE r.lot_id = ? ORDER BY r.id",
            (lot_id,),
        ).fetchall()

    def add_return(self, fund, reference, issued, now, digest, source) -> int:
        """Note a return file imported, inside the caller's transaction; its id."""
        return self.db.execute(
            "INSERT INTO fund_returns (fund, reference, issued, imported, digest, source) "
            "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            (fund, reference, issued, now, digest, source),
        ).scalar()

    def add_sheet_answer(self, return_id, sheet_id, lot_id, result, day, code, label, amount):
        """Note the fund's answer on one sheet, inside the caller's transaction."""
        self.db.execute(
            "INSERT INTO sheet_returns (return_id, sheet_id, lot_id, result, day, code, label, "
            "amount) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (return_id, sheet_id, lot_id, result, day, code, label, amount),
        )
        restate(self.db, OF_SHEET, (sheet_id,))

    def transmitted_sheets(self, sheet_id: int | None = None, open_only=False) -> list:
        """Every sheet whose current lot was sent (or that one sheet, if so), with its lot's
        name parts and status, and the fund's latest answer on it in that lot (result, day,
        code, label, amount). `open_only`: only those with something still to come or to
        look at (returns_report.Reconciliation's waiting, rejected and differences): not
        the year's sheets paid as expected."""
        one = "" if sheet_id is None else "WHERE s.id = ? "
        if open_only:
            one = "WHERE " + _OPEN
        return self.db.execute(
            "SELECT s.id, s.order_no, s.fund, s.completion, s.payment, s.fees, s.third_party, "
            "s.purged, l.id AS lot_id, l.professional AS lot_professional, "
            "l.number AS lot_number, l.status AS lot_status, l.sent AS lot_sent, "
            "r.result, r.day, r.code, r.label, r.amount FROM sheets s "
            "JOIN lot_sheets ls ON ls.sheet_id = s.id AND ls.released IS NULL "
            "JOIN lots l ON l.id = ls.lot_id AND l.status IN (?, ?) "
            "LEFT JOIN sheet_returns r ON r.id = (SELECT MAX(r2.id) FROM sheet_returns r2 "
            "WHERE r2.sheet_id = s.id AND r2.lot_id = l.id) "
            "%sORDER BY l.professional, l.number, ls.position" % one,
            (SENT, ACKNOWLEDGED) + (() if sheet_id is None else (sheet_id,)),
        ).fetchall()

    def purge_sheet(self, sheet_id: int, now: int) -> None:
        """Delete one sheet's signed bytes, NIRs, patient's name and scanned prescriptions
        (R161-47 I 1°), inside the caller's transaction; what it is as an invoice stays
        (R161-49), and what its pieces were (name, size, digest)."""
        self.db.execute(
            "UPDATE pieces SET content = NULL, purged = ? WHERE sheet_id = ? AND purged IS NULL",
            (now, sheet_id),
        )
        self.db.execute(
            "UPDATE sheets SET bundle = ?, insured = '', beneficiary = NULL, patient = '', "
            "patient_key = '', purged = ? "
            "WHERE id = ? AND purged IS NULL",
            (b"", now, sheet_id),
        )
        restate(self.db, OF_SHEET, (sheet_id,))

    def purge_lot_file(self, lot_id: int, now: int) -> None:
        """Delete a lot's file once none of its sheets' doubles is left."""
        self.db.execute("UPDATE lots SET file = NULL, purged = ? WHERE id = ?", (now, lot_id))
