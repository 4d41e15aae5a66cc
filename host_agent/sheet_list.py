"""The sheets page at a year's scale (issue 20 item 1; docs/web.md "Feuilles de soins"): one
page of the filed sheets searched, filtered and sorted by the store
(host_agent/store/sheet_search.py), each as overview.SheetLine, with the count and totals
of the whole filtered set and the number of pages. Data only, no bundle decoded."""

from host_agent import names, returns_report, status
from host_agent.overview import SheetLine
from host_agent.store.sheet_search import Filters

TRANSMITTED_STATES = ("sent", "acknowledged", "rejected", "paid")
NOT_TRANSMITTED = ("filed", "open", "sealed", "duplicate")


class OutOfRange(ValueError):
    """The page asked for is past the last one (`pages` of them)."""

    def __init__(self, pages: int):
        super().__init__(pages)
        self.pages = pages


class SheetPage:
    """`lines` (SheetLine) of page `page` of `pages`; `count`, `fees`, `third_party`
    (cents) of the whole filtered set; the funds and professionals to filter by, and the
    professionals' names."""

    def __init__(self, lines, page, pages, count, fees, third_party, funds, professionals, holders):
        self.lines, self.page, self.pages = lines, page, pages
        self.count, self.fees, self.third_party = count, fees, third_party
        self.funds, self.professionals, self.holders = funds, professionals, holders


def _line(store, row, today) -> SheetLine:
    state = row["state"]
    lot = None
    if row["lot_number"] is not None:
        lot = {"professional": row["lot_professional"], "number": row["lot_number"]}
    fund = returns_report.SheetState(row) if state in TRANSMITTED_STATES else None
    deadline = left = None
    if state in NOT_TRANSMITTED:  # status.waiting's sheets: their deadline
        deadline, left = status.deadline_of(row, today)
    rejected = row["rejected_reason"] if state != "purged" else None  # search_sheets's
    return SheetLine(row, row["patient"], state, lot, rejected, fund, deadline, left)


def sheet_page(store, filters: Filters, today: int) -> SheetPage:
    """Page `filters.page` of the sheets `filters` selects; OutOfRange past the last."""
    count, fees, third_party = store.count_sheets(filters)
    pages = max(1, -(-count // filters.size))
    if filters.page > pages:
        raise OutOfRange(pages)
    lines = [_line(store, row, today) for row in store.search_sheets(filters)]
    funds, professionals = store.sheet_choices()  # the page's rows' among them
    return SheetPage(
        lines, filters.page, pages, count, fees, third_party, funds, professionals,
        names.holders_of(store, professionals),
    )  # fmt: skip
