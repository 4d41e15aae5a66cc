"""The sheets' scanned prescriptions (SCOR pieces) in the tables: kept, listed, served,
carried by a lot (their purge is the sheet's: returns.py
purge_sheet). Store has these methods through Pieces; host_agent/pieces.py says what they mean)."""

from host_agent.store.connection import Connection

# Everything of a piece but its bytes (the sheet's page lists them).
_FACTS = (
    "SELECT id, sheet_id, media_type, name, size, dpi, pages, digest, added, added_by, "
    "purged FROM pieces "
)


class Pieces:
    """Methods of Store (its `db` and `transaction()`)."""

    db: Connection

    def transaction(self):
        raise NotImplementedError  # Store's

    def add_piece(self, sheet_id, checked, content: bytes, now: int, who: str, most: int):
        """Keep a checked piece of the sheet; its id, or None when the sheet holds `most`
        pieces already (counted in the same transaction: two uploads at once make one)."""
        with self.transaction() as db:
            held = db.execute(
                "SELECT COUNT(*) FROM pieces WHERE sheet_id = ? AND purged IS NULL", (sheet_id,)
            ).scalar()
            if held >= most:
                return None
            return db.execute(
                "INSERT INTO pieces (sheet_id, media_type, name, size, dpi, pages, digest, "
                "content, added, added_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (
                    sheet_id,
                    checked.media_type,
                    checked.name,
                    checked.size,
                    checked.dpi,
                    checked.pages,
                    checked.digest,
                    content,
                    now,
                    who,
                ),
            ).scalar()

    def sheet_pieces(self, sheet_id: int) -> list:
        """The sheet's pieces, oldest first, without their bytes."""
        return self.db.execute(_FACTS + "WHERE sheet_id = ? ORDER BY id", (sheet_id,)).fetchall()

    def piece_content(self, sheet_id: int, piece_id: int):
        """(media type, name, bytes) of the sheet's piece, or None (no such piece of that
        sheet, or purged)."""
        return self.db.execute(
            "SELECT media_type, name, content FROM pieces WHERE id = ? AND sheet_id = ? "
            "AND content IS NOT NULL",
            (piece_id, sheet_id),
        ).fetchone()

    def lot_pieces(self, lot_id: int) -> list:
        """The pieces of the lot's sheets (not released, not purged), with their bytes, in
        lot order then the order they were attached."""
        return self.db.execute(
            "SELECT p.sheet_id, p.media_type, p.name, p.digest, p.content FROM pieces p "
            "JOIN lot_sheets ls ON ls.sheet_id = p.sheet_id AND ls.lot_id = ? "
            "AND ls.released IS NULL WHERE p.content IS NOT NULL ORDER BY ls.position, p.id",
            (lot_id,),
        ).fetchall()
