"""The CPS reader's state on the lots page, where sealing needs it (issue 20 item 6;
docs/web.md "Lots"): whose CPS is in the reader, the lots it seals, its PIN tries left; no
reader, no card, a card that is not a CPS, a blocked CPS, each said in French; nothing
read while no lot waits to be sealed. host_agent/cps_reader.py reads it as sealing does."""

from emulator.cards import fixtures
from emulator.simboard import SimSlot
from tests import web_kit as web

NURSE = fixtures.CPS["nurse"][1]


def _built(tmp_path, reader, db=None):
    db = web.day(tmp_path, db)
    c = web.client(db, reader=reader)
    c.post("/lots/construire", data={"csrf": web.csrf(c)})
    return c


def _said(c) -> str:
    page = web.text(c.get("/lots"))
    start = page.index('id="reader"')
    return page[start : page.index("</p>", start)]


def test_whose_cps_is_in_the_reader_and_the_lots_it_seals(tmp_path, db_where):
    c = _built(tmp_path, web.Reader("nurse"), db_where)
    said = _said(c)
    name = "%s %s (%s)" % (NURSE["usage_name"], NURSE["first_names"][0], NURSE["holder_id"])
    assert "Carte CPS de %s dans le lecteur (3 essais de code" % name in said, said
    assert "Elle scelle 2 lots ouverts" in said, said
    # A wrong code: the tries left are read again.
    c.post("/lots/sceller", data={"csrf": web.csrf(c), "pin": "0000"})
    assert "(2 essais de code" in _said(c)


def test_another_professionals_cps_seals_none_of_the_nurses_lots(tmp_path):
    reader = web.Reader("gp")
    c = _built(tmp_path, reader)
    assert "Elle scelle" in _said(c)  # the GP's own lots
    c.post("/lots/sceller", data={"csrf": web.csrf(c), "pin": fixtures.pin("gp")})
    assert "Aucun lot ouvert n'est à ce professionnel" in _said(c)


def test_no_reader_no_card_not_a_cps_blocked(tmp_path):
    c = _built(tmp_path, lambda: ([], None))
    assert "Aucun lecteur de carte n'est branché" in _said(c)
    empty = web.Reader(None)
    c = _built(tmp_path / "b", empty)
    assert "Lecteur Lecteur de test : aucune carte" in _said(c)
    empty.slot.insert(fixtures.make("single"))  # a Vitale card in the CPS reader
    assert "n'est pas une carte CPS lisible" in _said(c)
    c = _built(tmp_path / "c", web.Reader("blocked"))
    assert "bloqué" in _said(c)


def test_nothing_is_read_while_no_lot_waits(tmp_path):
    class Counting(web.Reader):
        calls = 0

        def __call__(self):
            Counting.calls += 1
            return super().__call__()

    db = web.day(tmp_path)
    c = web.client(db, reader=Counting("nurse"))
    assert 'id="reader"' not in c.get("/lots").text and Counting.calls == 0
    c.post("/lots/construire", data={"csrf": web.csrf(c)})
    before = Counting.calls
    assert 'id="reader"' in c.get("/lots").text and Counting.calls == before + 1


def test_a_reader_that_fails_its_own_way_is_said_never_a_500(tmp_path):
    slot = SimSlot("cps")

    class Garbage:
        def atr(self):
            return b"\x3b\x00"

        def apdu(self, data):
            return b"\x6f\x00"

    slot.insert(Garbage())  # no power_up: an AttributeError inside the reading
    c = _built(tmp_path, lambda: (["Lecteur de test"], lambda name: slot))
    assert "n'a pas pu être lu (AttributeError)" in _said(c)
    assert c.get("/lots").status_code == 200
