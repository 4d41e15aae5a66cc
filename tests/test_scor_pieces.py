"""SCOR: a scanned prescription attached to a sheet from its page (issue 20 item 7, its
Bad input; docs/web.md "Pièces justificatives"), on both backends: each bad file a French
sentence, a 4xx and nothing stored; a good JPEG, PNG and PDF kept with its digest, listed,
served as a download of its type, its viewing in the PC's access log."""

import hashlib

import pytest

from host_agent.store import Store
from tests import scor_kit
from tests import web_kit as web


@pytest.fixture
def app(tmp_path, db_where):
    db = web.day(tmp_path, db_where)
    store = Store(db)
    try:
        sheet = store.db.execute(
            "SELECT id FROM sheets WHERE state IN ('filed', 'open') ORDER BY id LIMIT 1"
        ).scalar()
    finally:
        store.close()
    return web.client(db), db, sheet, None


def _upload(c, sheet, name, data, declared="application/octet-stream"):
    token = web.csrf(c, "/feuilles/%d" % sheet)
    return c.post(
        "/feuilles/%d/pieces" % sheet,
        data={"csrf": token},
        files={"file": (name, data, declared)},
    )


def _pieces(db) -> list:
    store = Store(db)
    try:
        return store.db.execute("SELECT * FROM pieces ORDER BY id").fetchall()
    finally:
        store.close()


BAD = [
    ("not an image", "ordonnance.jpg", b"MZ\x90\x00 an executable", "image/jpeg", 415,
     "ni une image JPEG ou PNG ni un PDF"),
    ("lies about its type", "ordonnance.jpg", scor_kit.png(), "image/jpeg", 415,
     "se dit JPEG mais contient un PNG"),
    ("a JPEG's magic, then HTML", "scan.jpg", b"\xff\xd8\xff<html><script>x</script>",
     "image/jpeg", 415, "ne se lit pas comme tel"),
    ("a PDF bomb (a stream of 256 MB)", "scan.pdf", scor_kit.pdf_bomb(), "application/pdf",
     422, "démesuré pour une ordonnance"),
    ("a PDF bomb (500 pages)", "scan.pdf", scor_kit.pdf_pages(500), "application/pdf", 422,
     "500 pages, au plus 20"),
    ("a PDF that runs JavaScript", "scan.pdf", scor_kit.pdf_with_javascript(),
     "application/pdf", 422, "contient du code ou des actions"),
    ("a PDF that hides its JavaScript's name", "scan.pdf",
     scor_kit.pdf_with_javascript(escaped=True), "application/pdf", 422, "contient des actions"),
    ("10 MB and 1 byte", "scan.jpg", scor_kit.jpeg() + b"\0" * (10 * 1024 * 1024), "image/jpeg",
     413, "dépasse 10 Mo"),
    ("20 dpi", "scan.jpg", scor_kit.jpeg(20), "image/jpeg", 422, "en 20 dpi"),
    ("a PDF at 100 dpi", "scan.pdf", scor_kit.pdf(100), "application/pdf", 422, "en 100 dpi"),
    ("a path in its name", "../../etc/scan.jpg", scor_kit.jpeg(), "image/jpeg", 400,
     "contient un chemin de dossier"),
]  # fmt: skip


@pytest.mark.parametrize(
    "name, data, declared, status, said", [b[1:] for b in BAD], ids=[b[0] for b in BAD]
)
def test_a_bad_file_is_a_french_sentence_a_4xx_and_nothing_stored(
    app, name, data, declared, status, said
):
    c, db, sheet, _ = app
    before = web.dump(db)
    response = _upload(c, sheet, name, data, declared)
    assert response.status_code == status, web.text(response)[:2000]
    page = web.text(response)
    assert said in page and "Rien n'a été enregistré." in page
    assert 'id="piece-error"' in page and "Traceback" not in page
    assert web.dump(db) == before and _pieces(db) == []


def test_a_50_mb_upload_is_refused_before_it_is_read(app):
    c, db, sheet, _ = app
    before = web.dump(db)
    big = scor_kit.jpeg() + b"\0" * (50 * 1024 * 1024)
    response = _upload(c, sheet, "scan.jpg", big, "image/jpeg")
    assert response.status_code == 413
    assert "dépasse 10 Mo" in web.text(response) and "Rien n'a été enregistré." in web.text(
        response
    )
    assert web.dump(db) == before and _pieces(db) == []


def test_an_upload_without_the_form_token_is_refused(app):
    c, db, sheet, _ = app
    response = c.post(
        "/feuilles/%d/pieces" % sheet, files={"file": ("scan.jpg", scor_kit.jpeg(), "image/jpeg")}
    )
    assert response.status_code == 403 and _pieces(db) == []


GOOD = [
    ("scan.jpg", scor_kit.jpeg(200), "image/jpeg", "image JPEG"),
    ("scan.png", scor_kit.png(300), "image/png", "image PNG"),
    ("ordonnance é.pdf", scor_kit.pdf(200, pages=2), "application/pdf", "PDF"),
    # The type is the content's: a browser that declares none, or a name without ending.
    ("scan", scor_kit.jpeg(150, stated=False), "", "image JPEG"),
]


@pytest.mark.parametrize("name, data, declared, word", GOOD, ids=[g[0] for g in GOOD])
def test_a_good_scan_is_kept_listed_and_served_as_a_download(app, name, data, declared, word):
    c, db, sheet, _ = app
    response = _upload(c, sheet, name, data, declared)
    assert response.status_code == 200 and "Ordonnance numérisée jointe" in web.text(response)
    [kept] = _pieces(db)
    assert bytes(kept["content"]) == data and bytes(kept["digest"]) == hashlib.sha256(data).digest()
    assert kept["name"] == name and kept["sheet_id"] == sheet and kept["dpi"] >= 150
    page = web.text(c.get("/feuilles/%d" % sheet))
    assert name in page and word in page
    served = c.get("/feuilles/%d/pieces/%d" % (sheet, kept["id"]))
    assert served.status_code == 200 and served.content == data
    assert served.headers["content-type"].split(";")[0] == kept["media_type"]
    assert served.headers["content-disposition"].startswith("attachment;")
    assert "\n" not in served.headers["content-disposition"]
    assert served.headers["x-content-type-options"] == "nosniff"
    store = Store(db)
    try:
        seen = [v["what"] for v in store.views()]
    finally:
        store.close()
    assert "l'ordonnance numérisée %d de la feuille %d" % (kept["id"], sheet) in seen
    # Another sheet's address does not serve it.
    assert c.get("/feuilles/%d/pieces/%d" % (sheet + 1, kept["id"])).status_code == 404
