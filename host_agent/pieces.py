"""The sheets' scanned prescriptions (SCOR pieces; issue 20 item 7, docs/web.md "Pièces
justificatives", docs/lots.md "Pieces"): attached to a sheet not yet sealed in a lot, from
its page or `tla-agent sheets attach`, once checked whole (pieces_check.py); carried by the
sheet's lot, sealed with it; served as a download, each viewing in the PC's access log;
purged with the sheet's electronic double (retention.py).
"""

from host_agent import lotfile, pieces_check
from host_agent.errors import AgentError

MOST = 5  # pieces on one sheet: a prescription and its continuation pages
# The sheet's states whose lot is still to seal: a sealed lot is signed, it takes no piece.
ATTACHABLE = ("filed", "open")


def attach(store, sheet_id: int, data: bytes, name: str, declared: str, now: int, who: str,
           strip_path=False):  # fmt: skip
    """Check the piece and keep it on the sheet `sheet_id`; its pieces_check.Checked (with
    `id`). PieceError when the file is refused, AgentError when the sheet cannot take it:
    nothing is stored then."""
    checked = pieces_check.check(data, name, declared, strip_path)
    row = store.sheet_row(sheet_id)
    if row is None:
        raise pieces_check.PieceError(
            "there is no sheet %d" % sheet_id, "Cette feuille de soins n'existe pas.", 404
        )
    if row["state"] not in ATTACHABLE:
        raise pieces_check.PieceError(
            "sheet %d is %s: only a sheet not yet sealed in a lot takes a piece"
            % (sheet_id, row["state"]),
            "Cette feuille est déjà scellée dans un lot, transmise ou sur papier : la pièce "
            "partirait sans elle. Joignez-la avant de sceller le lot.",
            409,
        )
    checked.id = store.add_piece(sheet_id, checked, bytes(data), now, who, MOST)
    if checked.id is None:
        raise pieces_check.PieceError(
            "sheet %d holds %d pieces already" % (sheet_id, MOST),
            "Cette feuille a déjà %d pièces jointes, le plus qu'elle puisse porter." % MOST,
            409,
        )
    return checked


def of_sheet(store, sheet_id: int) -> list:
    """The sheet's pieces (without their bytes), oldest first."""
    return store.sheet_pieces(sheet_id)


def content(store, sheet_id: int, piece_id: int):
    """(media type, name, bytes) of the sheet's piece; AgentError when there is none."""
    found = store.piece_content(sheet_id, piece_id)
    if found is None:
        raise AgentError(
            "sheet %d has no piece %d (or it was purged)" % (sheet_id, piece_id),
            french="Cette pièce n'existe pas ou a été effacée avec la feuille.",
        )
    return found["media_type"], found["name"], bytes(found["content"])


def for_lot(store, lot_id: int, positions: dict) -> list:
    """The lot's pieces as the lot file carries them: `positions` maps each sheet id to its
    place in the lot (1 to n)."""
    return [
        lotfile.LotPiece(positions[p["sheet_id"]], p["media_type"], p["name"], bytes(p["content"]))
        for p in store.lot_pieces(lot_id)
        if p["sheet_id"] in positions
    ]
