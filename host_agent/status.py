"""What the practice must do next, from the store: each terminal's last sync and sheets not
yet transmitted, and those sheets by working days left before their deadline (R161-47 I 1°).

The deadline is the terminal's own rule (protocol/workdays.py: the French calendar
computed, offline), so that the terminal's warning and the PC's status never disagree;
tests/test_lots_deadlines.py checks it against the `holidays` package, day by day.
"""

from host_agent import lotfile, lots, returns_report
from protocol import sheet_fields as F
from protocol import workdays


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
        last, left = deadline_of(row, today)
        name = None
        if row["lot_number"] is not None:
            name = lotfile.lot_name(row["lot_professional"], row["lot_number"])
        out.append(Waiting(row, name, row["lot_status"], last, left))
    out.sort(key=lambda w: (w.left, w.deadline, w.row["completion"], w.row["id"]))
    return out


def deadline_of(row, today: int) -> tuple[int, int]:
    """(the last day to transmit the sheet `row`, working days left on `today`): 3 working
    days after its completion when the patient paid, 8 with third-party payment
    (R161-47 I 1° a, b), as the terminal counts them."""
    third_party = row["payment"] == F.THIRD_PARTY
    return (
        workdays.transmission_deadline(row["completion"], third_party),
        workdays.working_days_left(today, row["completion"], third_party),
    )


def overdue(store, today: int) -> list:
    """The sheets past their deadline and still not transmitted (Report.overdue)."""
    return Report((), waiting(store, today)).overdue


class Report:
    """What `status` and the home page show: every terminal (status.terminals) and every
    sheet not transmitted (Waiting, overdue first)."""

    def __init__(self, terminals, waiting, funds=None):
        self.terminals = terminals
        self.waiting = waiting
        # The transmitted sheets by where they stand with their fund (returns_report):
        # sent is not acknowledged; the funds' returns say more (docs/returns.md).
        self.funds = funds or {}

    @property
    def overdue(self) -> list:
        return [w for w in self.waiting if w.left < 0]


def report(store, today: int) -> Report:
    return Report(terminals(store), waiting(store, today), returns_report.counts(store))
