"""The lot slip (bordereau) as a PDF (issue 20 item 5): read back with pypdf, it names the
lot, its professional and fund, every sheet's order number with its fees, the totals, and
no patient's name or NIR; an unknown lot is a French refusal, not a PDF."""

import io
import re

from pypdf import PdfReader

from host_agent.store import Store
from tests import web_kit as web


def test_the_slip_of_a_lot(tmp_path):
    db = web.day(tmp_path)
    c = web.client(db)
    c.post("/lots/construire", data={"csrf": web.csrf(c)})
    ref = re.search(r'href="/lots/([0-9]{11}-[0-9]{6})"', c.get("/lots").text).group(1)
    assert 'id="slip"' in c.get("/lots/%s" % ref).text
    r = c.get("/lots/%s/bordereau.pdf" % ref)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(r.content)).pages)
    text = " ".join(text.split())
    store = Store(db)
    try:
        lot = store.db.execute(
            "SELECT * FROM lots WHERE professional = ? AND number = ?",
            (ref.split("-")[0], int(ref.split("-")[1])),
        ).fetchone()
        sheets = store.lot_sheets(lot["id"])
        nirs = {s["insured"] for s in store.sheets() if s["insured"]}
    finally:
        store.close()
    assert "Bordereau du lot %s" % ref in text
    assert "Régime général, caisse" in text  # the fund named, not its code alone
    assert "Total : %s" % web.french.plural(len(sheets), "feuille") in text
    total = web.french.euros(sum(s["fees"] for s in sheets)).replace("\u00a0", " ")
    assert total in text.replace("\u00a0", " ")
    for s in sheets:
        assert str(s["order_no"]) in text
    assert not [n for n in nirs if n in text]


def test_an_unknown_lot_has_no_slip(tmp_path):
    c = web.client(web.day(tmp_path))
    r = c.get("/lots/10001234565-000999/bordereau.pdf")
    assert r.status_code == 409 and "application/pdf" not in r.headers["content-type"]
