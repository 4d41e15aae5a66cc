"""Where each transmitted sheet stands with its fund, from the returns imported
(host_agent/returns.py), and third-party payments reconciled against what was expected.

A sheet in a sent lot is `sent` (transmise); once the fund received the lot (its ARL) or
accepted the sheet it is `acknowledged` (accusée); a sheet the fund refused is `rejected`
(rejetée), one it paid is `paid` (payée). A lot rejected whole releases its sheets, which go
into a new lot: they are not transmitted until that one is sent. docs/returns.md.
"""

from host_agent import lotfile, lots
from protocol import dates
from protocol import sheet_fields as F

SENT, ACKNOWLEDGED, REJECTED, PAID = "sent", "acknowledged", "rejected", "paid"
STATES = (SENT, ACKNOWLEDGED, REJECTED, PAID)
FRENCH = {SENT: "transmise", ACKNOWLEDGED: "accusée", REJECTED: "rejetée", PAID: "payée"}


class SheetState:
    """One transmitted sheet: its row (id, order_no, fund, payment, fees, third_party...),
    its lot's name, its state, and the fund's latest answer (day, code, label, amount)."""

    def __init__(self, row):
        self.row = row
        self.lot = lotfile.lot_name(row["lot_professional"], row["lot_number"])
        self.day, self.code, self.label, self.amount = (
            row["day"],
            row["code"] or "",
            row["label"] or "",
            row["amount"],
        )
        if row["result"] == "paid":
            self.state = PAID
        elif row["result"] == "rejected":
            self.state = REJECTED
        elif row["result"] == "accepted" or row["lot_status"] == lots.ACKNOWLEDGED:
            self.state = ACKNOWLEDGED
        else:
            self.state = SENT

    def days_since_sent(self, today: int) -> int:
        """Days from the day its lot was sent (Paris) to `today` (YYYYMMDD); 0 unknown."""
        sent = self.row["lot_sent"]
        if not sent:
            return 0
        return dates.ymd_to_days(today) - dates.paris_day(int(sent))

    @property
    def third_party(self) -> bool:
        return self.row["payment"] == F.THIRD_PARTY

    @property
    def expected(self) -> int:
        """What the fund owes the professional, cents: the third-party share (R161-42 8°)
        when the patient did not pay it; nothing when the patient paid (the fund pays the
        patient)."""
        return self.row["third_party"] if self.third_party else 0


def states(store, open_only=False) -> list:
    """Every sheet of a sent or acknowledged lot, with where it stands, in lot order;
    `open_only`: not those paid as expected (Reconciliation.matched)."""
    return [SheetState(r) for r in store.transmitted_sheets(open_only=open_only)]


def counts(store, found=None) -> dict:
    """{state: number of sheets}, every state present (0 when none); of `found`, the
    states already read (states(store)), when given."""
    out = dict.fromkeys(STATES, 0)
    for s in states(store) if found is None else found:
        out[s.state] += 1
    return out


class Reconciliation:
    """Third-party payments against what each sheet expected: `matched` (paid as
    expected), `differences` (paid another amount), `rejected` (refused: the amount is
    lost unless the sheet is disputed), `waiting` (not paid yet); each a list of
    SheetState; totals in cents."""

    def __init__(self, rows):
        self.states = rows  # every transmitted sheet's SheetState (states(store))
        due = [s for s in rows if s.third_party]
        self.matched = [s for s in due if s.state == PAID and s.amount == s.expected]
        self.differences = [s for s in due if s.state == PAID and s.amount != s.expected]
        self.rejected = [s for s in due if s.state == REJECTED]
        self.waiting = [s for s in due if s.state in (SENT, ACKNOWLEDGED)]
        # A fund that pays the professional for a sheet the patient paid is a difference too.
        self.differences += [s for s in rows if not s.third_party and s.state == PAID and s.amount]
        self.expected = sum(s.expected for s in due)
        self.paid = sum(s.amount or 0 for s in rows if s.state == PAID)

    @property
    def balanced(self) -> bool:
        return not self.differences


def reconcile(store, open_only=False) -> Reconciliation:
    """`open_only`: what the pages show (waiting, rejected, differences) without reading
    the sheets paid as expected; `matched`, `paid` and `states` then leave those out."""
    return Reconciliation(states(store, open_only))


# Why the purge keeps a sheet past its 90 days (R161-47 I 1°: "au moins"), by its state.
KEPT_REJECTED = "rejected by its fund: kept for a dispute or a paper duplicate"
KEPT_UNPAID = "third-party payment not received yet: kept as the proof of the claim"


def kept_reason(state: SheetState) -> str:
    """Why this sheet's electronic double must stay, whatever its age, or "" when the
    purge may take it (acknowledged with nothing more to come, or paid)."""
    if state.state == REJECTED:
        return KEPT_REJECTED
    if state.third_party and state.expected and state.state != PAID:
        return KEPT_UNPAID
    return ""
