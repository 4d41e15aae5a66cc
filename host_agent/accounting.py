"""What the accountant is given (issue 20 item 5): the sheets of a period and the takings per
day or month, professional and fund, as CSV files a French spreadsheet opens as they are:
UTF-8 with a BOM, `;` between fields, decimal commas, CRLF lines.

Health data stays at the practice: an invoice line carries its number, date, professional,
fund, payment mode and amounts, never the patient's name, NIR or acts (the accountant needs
the takings, not the care; R161-42 lists what the sheet holds, not what the books need).
A cell that a spreadsheet would run as a formula (= + - @ at its start, a tab or a carriage
return) is written with a leading apostrophe: names come from cards and settings.
"""

import csv
import io

from host_agent import french, money, names, overview, returns_report
from protocol import dates
from protocol import sheet_fields as F

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SHEET_COLUMNS = (
    "Date des soins",
    "N° de facture",
    "Terminal",
    "Professionnel",
    "Caisse",
    "Paiement",
    "Honoraires",
    "Part attendue de la caisse",
    "Reçu de la caisse",
    "État",
)
TAKINGS_COLUMNS = (
    "Période",
    "Professionnel",
    "Caisse",
    "Feuilles",
    "Honoraires",
    "Part attendue des caisses",
    "Reçu des caisses",
)
BY = {"jour": "day", "mois": "month"}


class Period:
    """[start, end] as YYYYMMDD, checked: ValueError in French when backwards."""

    def __init__(self, start: int, end: int):
        if start > end:
            raise ValueError("La période finit avant de commencer : rien n'a été exporté.")
        self.start, self.end = start, end

    def holds(self, ymd: int) -> bool:
        return self.start <= ymd <= self.end


def safe(cell) -> str:
    """The cell's text, an apostrophe before what would start a formula."""
    text = "" if cell is None else str(cell)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv(header, rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe(c) for c in row])
    return (BOM + out.getvalue()).encode("utf-8")


def _received(line) -> int:
    """What the fund paid the professional for this sheet, cents (0 until it pays)."""
    answer = line.fund
    if answer is None or answer.state != returns_report.PAID:
        return 0
    return int(answer.amount or 0)


def _expected(row) -> int:
    return row["third_party"] if row["payment"] == F.THIRD_PARTY else 0


def _lines(store, period, today):
    return [
        s
        for s in overview.sheet_lines(store, today, with_names=False)
        if period.holds(s.row["completion"])
    ]


def sheets_csv(store, period: Period, today: int, settings=None) -> bytes:
    """Every filed sheet completed in `period`, oldest first."""
    lines = sorted(_lines(store, period, today), key=lambda s: (s.row["completion"], s.id))
    holders = names.holders_of(store, {s.row["professional"] for s in lines})
    rows = []
    for s in lines:
        r = s.row
        rows.append(
            (
                french.date(r["completion"]),
                r["order_no"],
                r["terminal"],
                names.professional(r["professional"], holders),
                names.fund(r["fund"], settings),
                "tiers payant" if r["payment"] == F.THIRD_PARTY else "payée par le patient",
                money.decimal(r["fees"]),
                money.decimal(_expected(r)),
                money.decimal(_received(s)),
                french.SHEET_STATES.get(s.state, s.state),
            )
        )
    return _csv(SHEET_COLUMNS, rows)


def takings(store, period: Period, today: int, by: str = "day") -> list:
    """[(period label, professional, fund, sheets, fees, expected, received)], sorted:
    summed by the store per day or month (host_agent/store/sheet_search.py takings), the
    expected the third-party share of a sheet in tiers payant, the received what its fund
    paid (_expected, _received: the same sums, a year's sheets not read one by one)."""
    out = []
    for day, pro, fund, n, fees, expected, received in store.takings(
        period.start, period.end, by == "day"
    ):
        y, m, d = dates.ymd_tuple(day if by == "day" else day * 100 + 1)
        label = "%02d/%02d/%04d" % (d, m, y) if by == "day" else "%02d/%04d" % (m, y)
        out.append((label, pro, fund, n, fees, expected, received))
    return out


def takings_csv(store, period: Period, today: int, by: str = "day", settings=None) -> bytes:
    summed = takings(store, period, today, by)
    holders = names.holders_of(store, {line[1] for line in summed})
    rows = [
        (
            label,
            names.professional(pro, holders),
            names.fund(fund, settings),
            n,
            money.decimal(fees),
            money.decimal(expected),
            money.decimal(received),
        )
        for label, pro, fund, n, fees, expected, received in summed
    ]
    return _csv(TAKINGS_COLUMNS, rows)
