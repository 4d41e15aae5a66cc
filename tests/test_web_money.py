"""Recettes (issue 20 item 2): the takings of a period per month or day, professional and
fund; what the funds still owe, oldest first, with its sum; each rejected sheet with its
label and the next steps; bad periods said in French (400)."""

import json

from emulator.cards import fixtures
from host_agent import lots
from host_agent.store import Store
from tests import web_kit as web


def _sent_day(tmp_path):
    """The day's sheets built, sealed (the nurse's lots) and sent."""
    db = web.day(tmp_path)
    c = web.client(db, reader=web.Reader("nurse"), outbox=tmp_path / "outbox")
    token = web.csrf(c)
    c.post("/lots/construire", data={"csrf": token})
    c.post("/lots/sceller", data={"csrf": token, "pin": fixtures.pin("nurse")})
    c.post("/lots/envoyer", data={"csrf": token})
    return db, c, token


def test_the_takings_of_the_year_and_of_a_day(tmp_path):
    db = web.day(tmp_path)
    c = web.client(db)
    page = web.text(c.get("/recettes"))
    store = Store(db)
    try:
        fees = sum(r["fees"] for r in store.sheets())
    finally:
        store.close()
    assert "Recettes du 01/01/2026 au 18/11/2026" in page
    assert "11/2026" in page and web.french.euros(fees) in page  # the total line
    daily = web.text(c.get("/recettes?du=2026-11-18&au=2026-11-18&par=jour"))
    assert "18/11/2026" in daily and web.french.euros(fees) in daily
    empty = web.text(c.get("/recettes?du=2026-10-01&au=2026-10-31"))
    assert "Aucune feuille de soins sur cette période" in empty


def test_what_the_funds_owe_and_what_they_rejected(tmp_path):
    db, c, token = _sent_day(tmp_path)
    page = web.text(c.get("/recettes"))
    assert "en tiers payant, transmise" in page and "attendus" in page
    # A fund rejects one sheet of a sent lot (a per-sheet answer, docs/returns.md).
    store = Store(db)
    try:
        lot = lots.all_lots(store, (lots.SENT,))[0]
        sheet = lots.sheets_of(store, lot["id"])[0]
    finally:
        store.close()
    answer = {
        "format": "tla-return/1",
        "fund": lot["fund"],
        "lots": [],
        "sheets": [
            {
                "lot": lots.name(lot),
                "order_no": sheet["order_no"],
                "result": "rejected",
                "date": web.TODAY_ISO,
                "code": "R12",
                "label": "Droits non ouverts à la date des soins",
            }
        ],
    }
    r = c.post(
        "/retours",
        data={"csrf": token},
        files={"file": ("r.json", json.dumps(answer).encode(), "application/json")},
    )
    assert r.status_code == 200, web.text(r)[-800:]
    page = web.text(c.get("/recettes"))
    assert "rejetée le" in page and "Droits non ouverts à la date des soins (code R12)" in page
    assert "duplicata papier" in page and "faire payer le patient" in page


def test_bad_periods_are_refused_in_french(tmp_path):
    c = web.client(web.day(tmp_path))
    for query, words in (
        ("du=2026-02-30", "n'est pas une date"),
        ("du=2026-12-01&au=2026-01-01", "finit avant de commencer"),
        ("par=an", "Par jour ou par mois"),
    ):
        r = c.get("/recettes?" + query)
        assert r.status_code == 400 and words in web.text(r), query
