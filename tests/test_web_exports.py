"""Exports for the accountant (issue 20 item 5): the sheets and the takings of a period as
CSV a French spreadsheet opens as it is (UTF-8 with a BOM, `;`, decimal commas), read back
with Python's csv module; no patient's name or NIR in them; a cell that would be a formula
is disarmed; a bad date, a period backwards or too long, an unknown grouping: a French
sentence and a 400, never a file."""

import csv
import io

import pytest

from host_agent import accounting
from host_agent.settings import Settings
from host_agent.store import Store
from tests import lots_kit as kit
from tests import web_kit as web


def _rows(response):
    assert response.status_code == 200, web.text(response)
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.headers["cache-control"] == "no-store"  # health data's neighbours
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads UTF-8
    assert b"\r\n" in raw
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


def _store_facts(db):
    store = Store(db)
    try:
        rows = store.sheets()
        return (
            sum(r["fees"] for r in rows),
            {r["insured"] for r in rows if r["insured"]},
            len(rows),
        )
    finally:
        store.close()


def test_the_sheets_of_a_period(tmp_path):
    db = web.day(tmp_path)
    c = web.client(db)
    assert "Télécharger les feuilles" in web.text(c.get("/exports"))
    rows = _rows(c.get("/exports/feuilles.csv?du=2026-11-01&au=2026-11-30"))
    fees, nirs, count = _store_facts(db)
    assert rows[0] == list(accounting.SHEET_COLUMNS)
    assert len(rows) == 1 + count
    assert all(r[0] == "18/11/2026" for r in rows[1:])
    total = sum(int(r[6].replace(",", "")) for r in rows[1:])
    assert total == fees and all("," in r[6] and "." not in r[6] for r in rows[1:])
    text = "\n".join(";".join(r) for r in rows)
    assert not [n for n in nirs if n in text]  # no NIR for the accountant
    assert "Régime général, caisse 175 (011750000)" in text
    # Another month: the header alone.
    assert len(_rows(c.get("/exports/feuilles.csv?du=2026-12-01&au=2026-12-31"))) == 1


def test_the_takings_per_day_and_month(tmp_path):
    db = web.day(tmp_path)
    c = web.client(db)
    fees, _, count = _store_facts(db)
    daily = _rows(c.get("/exports/recettes.csv?du=2026-11-18&au=2026-11-18&par=jour"))
    monthly = _rows(c.get("/exports/recettes.csv?du=2026-11-01&au=2026-11-30&par=mois"))
    for rows, label in ((daily, "18/11/2026"), (monthly, "11/2026")):
        assert rows[0] == list(accounting.TAKINGS_COLUMNS)
        assert {r[0] for r in rows[1:]} == {label}
        assert sum(int(r[3]) for r in rows[1:]) == count
        assert sum(int(r[4].replace(",", "")) for r in rows[1:]) == fees
    # One line per professional and fund.
    keys = [(r[1], r[2]) for r in monthly[1:]]
    assert len(keys) == len(set(keys)) >= 2


def test_a_cell_that_would_be_a_formula_is_disarmed(tmp_path):
    db = web.day(tmp_path)
    evil = Settings(funds={"011750000": {"name": '=HYPERLINK("http://x","y")'}})
    rows = _rows(web.client(db, settings=evil).get("/exports/feuilles.csv?du=2026-11-18"))
    cells = [r[4] for r in rows[1:] if "011750000" in r[4]]
    assert cells and all(c.startswith("'=HYPERLINK") for c in cells)
    for start in "=+-@\t\r":
        assert accounting.safe(start + "1") == "'" + start + "1"
    assert accounting.safe("-") == "'-" and accounting.safe("12,50") == "12,50"


@pytest.mark.parametrize(
    "query, words",
    [
        ("du=2026-11-31", "n'est pas une date"),
        ("du=2026-12-01&au=2026-11-01", "finit avant de commencer"),
        ("du=1990-01-01&au=2026-11-30", "trois ans au plus"),
        ("du=" + "9" * 10000, "n'est pas une date"),
        ("du=%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%96-11-01", "n'est pas une date"),  # fullwidth
        ("du='%22%25", "n'est pas une date"),
        ("par=semaine", "Par jour ou par mois"),
    ],
)
def test_bad_periods_are_refused_in_french(tmp_path, query, words):
    c = web.client(web.day(tmp_path))
    path = "/exports/recettes.csv" if "par=" in query else "/exports/feuilles.csv"
    r = c.get(path + "?" + query)
    assert r.status_code == 400 and words in web.text(r), web.text(r)[-500:]
    assert r.headers["content-type"].startswith("text/html")
    assert "9" * 100 not in r.text  # the typed text is not echoed whole


def test_the_period_defaults_to_this_month(tmp_path):
    c = web.client(web.day(tmp_path), today=kit.DAY)
    rows = _rows(c.get("/exports/feuilles.csv"))
    assert len(rows) > 1  # 1 to 18 November 2026
