"""What the practice must do next, from the store: each terminal's last sync and sheets not
yet transmitted, and those sheets by working days left before their deadline (R161-47 I 1°).
"""

from host_agent import deadlines, lotfile, lots
from protocol import sheet_fields as F


class Waiting:
    """A sheet not transmitted yet: its row, its lot (name and status, or None), deadline
    (YYYYMMDD) and working days left (negative: overdue)."""

    def __init__(self, row, lot_name, lot_status, deadline, left):
        self.row = row
        self.lot_name = lot_name
        self.lot_status = lot_status
        self.deadline = deadline
        self.left = left


def terminals(store) -> list:
    """Rows of every terminal: its columns (serial, last_sync, and `pending` when the sync
    records the sheets it still held), and `waiting`, its filed sheets not transmitted."""
    return store.terminals_waiting()


def waiting(store, today: int) -> list:
    """Every sheet not transmitted yet, overdue first, then by time left."""
    rows = store.sheets_with_lots()
    out = []
    for row in rows:
        if row["lot_status"] in lots.TRANSMITTED:
            continue
        third_party = row["payment"] == F.THIRD_PARTY  # R161-47 I 1° b: 8 working days
        last = deadlines.deadline(row["completion"], third_party)
        left = deadlines.working_days_left(today, row["completion"], third_party)
        name = None
        if row["lot_number"] is not None:
            name = lotfile.lot_name(row["lot_professional"], row["lot_number"])
        out.append(Waiting(row, name, row["lot_status"], last, left))
    out.sort(key=lambda w: (w.left, w.deadline, w.row["completion"], w.row["id"]))
    return out


def overdue(store, today: int) -> list:
    """The sheets past their deadline and still not transmitted."""
    return [w for w in waiting(store, today) if w.left < 0]


class Report:
    """What `status` and the home page show: every terminal (status.terminals) and every
    sheet not transmitted (Waiting, overdue first)."""

    def __init__(self, terminals, waiting):
        self.terminals = terminals
        self.waiting = waiting

    @property
    def overdue(self) -> list:
        return [w for w in self.waiting if w.left < 0]


def report(store, today: int) -> Report:
    return Report(terminals(store), waiting(store, today))
