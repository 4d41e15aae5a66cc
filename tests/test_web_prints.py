"""The practice's pages kept by fingerprint (tests/ui_prints.py): each page of the app on a
practice's day (tests/web_kit.py), its DOM normalised (tests/dom_prints.py), is the one
recorded in tests/fixtures/screens.json; a change shows old | new."""

import pytest

from tests import web_kit
from tests.dom_prints import dom_lines

PAGES = {
    "home": "/",
    "sheets": "/feuilles",
    "sheets-search": "/feuilles?q=martin&etat=a-mettre-en-lot&tri=honoraires&par=25",
    "sheets-backwards": "/feuilles?du=2026-11-30&au=2026-11-01",
    "sheet-1": "/feuilles/1",
    "lots": "/lots",
    "journal": "/journal",
    "returns": "/retours",
    "exports": "/exports",
    "quarantine": "/quarantaine",
    "verification": "/verification",
    "round": "/tournee",
    "not-found": "/nulle-part",
}
TODAY = (("<today>", web_kit.TODAY_FR), ("<today>", web_kit.TODAY_ISO))


@pytest.fixture(scope="module")
def practice(tmp_path_factory):
    db = web_kit.day(tmp_path_factory.mktemp("web-prints"))
    with web_kit.client(db, web_kit.Reader()) as c:
        yield c


@pytest.mark.parametrize("page", PAGES, ids=list(PAGES))
def test_page(practice, page, ui_prints, tmp_path):
    if page == "journal":
        # On a database of its own: the PC's access log holds the pages seen before it (in
        # the order the items ran, by the PC's user), which a print cannot depend on.
        practice = web_kit.client(web_kit.day(tmp_path), web_kit.Reader())
    response = practice.get(PAGES[page])
    lines = ["status %d" % response.status_code] + dom_lines(response.text, TODAY)
    ui_prints.check("web/" + page, [lines])
