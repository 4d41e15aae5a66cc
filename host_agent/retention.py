"""Retention of the electronic doubles of transmitted sheets: kept at least 90 days after
transmission (R161-47 I 1°), then purged once the fund acknowledged them, never before, and
not while the fund's returns leave something to settle (a rejected sheet, a third-party
payment still due: docs/returns.md).

Purging a lot deletes the sheets' signed bytes, the lot file and the patients' NIRs; what a
sheet is as an invoice (R161-49: order number, dates, amounts, fund) stays in the store.
"""

from host_agent import lots, returns_report
from protocol import dates

RETENTION_DAYS = 90  # R161-47 I 1°: "pendant quatre-vingt-dix jours au moins"
# The PC's access log (who saw what, R162-1-10 c): a line is kept a year, and as long as
# the electronic double of the sheet it names (the trace lasts as long as what it traces).
# A year: the upper bound of the CNIL's recommendation on logging (délibération
# n° 2021-122: six months to a year), as the sheets' 90 days are R161-47's lower one.
PC_LOG_DAYS = 365


def sent_day(lot) -> int:
    """The French civil date the lot was transmitted (YYYYMMDD)."""
    return dates.days_to_ymd(dates.paris_day(lot["sent"]))


def purge_from(lot) -> int:
    """First day the lot's doubles may go: 90 full days after the day of transmission."""
    return dates.days_to_ymd(dates.ymd_to_days(sent_day(lot)) + RETENTION_DAYS + 1)


class Plan:
    """What a purge on `today` removes (`lots`: acknowledged lots past retention with a
    sheet to purge, `sheet_ids`: those sheets, `sheets`: their count) and keeps (`kept`:
    [(reason, sheets)], in a fixed order)."""

    def __init__(self, purge, sheet_ids, kept, views=0):
        self.lots = purge
        self.sheet_ids = sheet_ids
        self.sheets = len(sheet_ids)
        self.kept = kept
        self.views = views  # the PC's access-log lines past PC_LOG_DAYS that go


def views_before(today: int) -> int:
    """The instant before which a PC access-log line may go: PC_LOG_DAYS before `today`
    (its midnight UTC: an hour or two off Paris, nothing at a year's scale)."""
    return (dates.ymd_to_days(today) - PC_LOG_DAYS) * 86400


def plan(store, today: int) -> Plan:
    """Past its 90 days in an acknowledged lot, a sheet goes unless the funds' returns keep
    it (returns_report.kept_reason: rejected, or a third-party payment still due)."""
    rows = store.retained_lots()
    states = {s.row["id"]: s for s in returns_report.states(store)}
    purge, ids = [], []
    kept = {}

    def keep(reason, n):
        if n:
            kept[reason] = kept.get(reason, 0) + n

    free = store.count_free_sheets()
    keep("not in a lot yet: not transmitted", free)
    latest = {}
    for lot in rows:
        if lot["status"] in (lots.OPEN, lots.SEALED):
            keep("in a lot not sent yet: not transmitted", lot["members"])
        elif lot["status"] == lots.SENT:
            keep("sent, the fund has not acknowledged it yet", lot["members"])
        elif today < purge_from(lot):
            reason = "acknowledged, but transmitted less than %d days ago" % RETENTION_DAYS
            keep(reason, lot["members"])
            latest[reason] = min(latest.get(reason, 99999999), purge_from(lot))
        else:
            go = []
            for member in store.lot_members(lot["id"]):
                if member["purged"] is not None:
                    continue
                state = states.get(member["id"])
                why = returns_report.kept_reason(state) if state else ""
                if why:
                    keep(why, 1)
                else:
                    go.append(member["id"])
            if go:
                purge.append(lot)
                ids += go
    ordered = []
    for reason, n in kept.items():
        if reason in latest:
            reason += " (the first may go on %s)" % dates.iso(dates.ymd_tuple(latest[reason]))
        ordered.append((reason, n))
    return Plan(purge, ids, ordered, store.old_views(views_before(today)))


def purge(store, today: int, now: int) -> Plan:
    """Delete the electronic doubles that `plan` allows, in one transaction; a lot's file
    goes with the last of its sheets; then the PC's access-log lines past PC_LOG_DAYS whose
    sheet's double is gone (those of the sheets purged now too)."""
    found = plan(store, today)
    with store.transaction():
        for sheet_id in found.sheet_ids:
            store.purge_sheet(sheet_id, now)
        for lot in found.lots:
            if all(m["purged"] is not None for m in store.lot_members(lot["id"])):
                store.purge_lot_file(lot["id"], now)
        found.views = store.old_views(views_before(today), delete=True)
    return found
