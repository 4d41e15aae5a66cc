"""What the practice sees of its sheets: each filed sheet with its patient's name (from the
Vitale card's certificate), its state (the furthest its lot went), its lot and, while it is
not transmitted, its deadline and working days left (R161-47 I 1°). Data only: the web
pages (host_agent/web/) and any other interface render it.
"""

from host_agent import duplicate, lots, pieces, returns_report, status
from protocol import bundle, sheet


class SheetLine:
    """One filed sheet as listed: its row's columns, and what the practice reads."""

    def __init__(self, row, patient, state, lot, rejected, fund, deadline=None, left=None):
        self.id = row["id"]
        self.row = row
        self.patient = patient  # the name on the Vitale certificate, or ""
        self.state = state  # a key of host_agent.french.SHEET_STATES
        self.lot = lot  # its lot row (not a rejected one it left), or None
        self.rejected = rejected  # the fund's reason when a lot of it was rejected, or None
        self.fund = fund  # returns_report.SheetState once transmitted (its fund's answer)
        self.deadline = deadline  # YYYYMMDD while not transmitted, else None
        self.left = left  # working days left (negative: overdue), or None

    @property
    def lot_name(self) -> str:
        return lots.name(self.lot) if self.lot is not None else ""


class SheetDetail:
    """A sheet's page: its line, the decoded sheet, who signed it (names from the
    certificates), the bytes' problem when they cannot be decoded, and its scanned
    prescriptions (host_agent/pieces.py, without their bytes)."""

    def __init__(self, line, decoded, professional_name, insured_name, problem="", pieces=()):
        self.line = line
        self.pieces = list(pieces)
        self.sheet = decoded
        self.professional_name = professional_name
        self.insured_name = insured_name
        self.problem = problem


def _holders(certs, signed) -> tuple[str, str]:
    """(professional's name, insured's name) from a decoded bundle's certificate ids."""
    return (
        duplicate.holder_name(certs.get(bytes(signed.cps_cert or b""))),
        duplicate.holder_name(certs.get(bytes(signed.vitale_cert or b""))),
    )


def _names(certs, data) -> tuple[str, str]:
    """(professional's name, insured's name) from the signed bytes' certificate ids."""
    try:
        signed = bundle.decode(bytes(data))
    except bundle.BundleFormatError:
        return "", ""
    return _holders(certs, signed)


def _memberships(store) -> tuple[dict, dict]:
    """({sheet id: its current lot row}, {sheet id: reason of a rejected lot it left})."""
    current, rejected = {}, {}
    for lot in lots.all_lots(store):
        for member in lots.sheets_of(store, lot["id"]):
            if member["released"] is None:
                current[member["id"]] = lot
            elif lot["status"] == lots.REJECTED:
                rejected[member["id"]] = lot["ack_reason"] or ""
    return current, rejected


def _state(row, lot, duplicated, answered) -> str:
    if row["purged"] is not None:
        return "purged"
    if row["id"] in answered:  # transmitted: where it stands with its fund
        return answered[row["id"]].state
    if lot is not None:
        return lot["status"]
    return "duplicate" if row["id"] in duplicated else "filed"


def sheet_lines(store, today: int, with_names: bool = True) -> list:
    """Every filed sheet, by patient's name then newest first (a name-less sheet, of a
    Vitale card without a signature key, by its NIR after the named ones). Without
    `with_names` no bundle is decoded and no patient is named (the accountant's export)."""
    certs = store.certificates()
    current, rejected = _memberships(store)
    duplicated = lots.duplicated(store)
    answered = {s.row["id"]: s for s in returns_report.states(store)}
    waiting = {w.row["id"]: w for w in status.waiting(store, today)}
    out = []
    for row in store.sheets():
        lot = current.get(row["id"])
        w = waiting.get(row["id"])
        fund = answered.get(row["id"])
        out.append(
            SheetLine(
                row,
                _names(certs, row["bundle"])[1] if with_names else "",
                _state(row, lot, duplicated, answered),
                lot,
                rejected.get(row["id"]),
                fund,
                w.deadline if w else None,
                w.left if w else None,
            )
        )
    out.sort(key=lambda s: (s.patient == "", s.patient.casefold(), -s.row["completion"], s.id))
    return out


def sheet_detail(store, sheet_id: int, today: int) -> SheetDetail | None:
    """The sheet `sheet_id`'s page, or None when there is no such sheet: its line built as
    sheet_lines builds it, from its row, its lot and its deadline; its bytes decoded once."""
    row = store.sheet_row(sheet_id)
    if row is None:
        return None
    lot = store.lot_of_sheet(sheet_id)
    transmitted = lot is not None and lot["status"] in lots.TRANSMITTED
    answered = {}  # {sheet id: its returns_report.SheetState} once transmitted
    for r in store.transmitted_sheets(sheet_id) if transmitted else ():
        answered[sheet_id] = returns_report.SheetState(r)
    deadline = left = None
    if row["purged"] is None and not transmitted:  # status.waiting's sheets
        deadline, left = status.deadline_of(row, today)
    professional = insured = problem = ""
    decoded = None
    try:
        signed = bundle.decode(bytes(row["bundle"]))
        professional, insured = _holders(store.certificates(), signed)
        decoded = sheet.decode(signed.sheet)
    except (bundle.BundleFormatError, sheet.SheetFormatError) as e:
        problem = str(e)
    line = SheetLine(
        row,
        insured,
        _state(row, lot, lots.duplicated(store), answered),
        lot,
        store.rejected_reason(sheet_id),
        answered.get(sheet_id),
        deadline,
        left,
    )
    return SheetDetail(
        line, decoded, professional, insured, problem, pieces.of_sheet(store, sheet_id)
    )


def terminal_lines(store) -> list:
    """Every terminal known (status.terminals' rows) with whether a pairing is in force."""
    return [(t, store.pairing(t["serial"]) is not None) for t in status.terminals(store)]


def lot_lines(store) -> list:
    """Every lot, newest first, with its sheets (lot row, [sheet rows])."""
    rows = sorted(
        lots.all_lots(store), key=lambda r: (-r["built"], r["professional"], -r["number"])
    )
    return [(r, lots.sheets_of(store, r["id"])) for r in rows]
