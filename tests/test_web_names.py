"""Names, not codes, in the practice's pages (issue 20 item 3): funds by the name the
settings give them or by what their code says, the professional of a lot by name, the
access log's cards by their holder's name and its purposes in accented French; a hostile
holder's name is escaped like any text."""

import re

from host_agent import names
from host_agent.settings import Settings
from host_agent.store import Store
from tests import web_kit as web


def _lot_ref(c):
    found = re.search(r'href="/lots/([0-9]{11}-[0-9]{6})"', c.get("/lots").text)
    assert found, "no lot on the lots page"
    return found.group(1)


def test_funds_are_named_on_every_page(tmp_path):
    db = web.day(tmp_path)
    c = web.client(db)
    token = web.csrf(c)
    c.post("/lots/construire", data={"csrf": token})
    for page in ("/feuilles", "/lots", "/lots/%s" % _lot_ref(c)):
        text = web.text(c.get(page))
        assert "Régime général, caisse 175 (011750000)" in text, page
    named = Settings(funds={"011750000": {"name": "CPAM de l'Essai <b>"}})
    c2 = web.client(db, settings=named)
    text = c2.get("/feuilles").text
    assert "CPAM de l&#39;Essai &lt;b&gt; (011750000)" in text  # the settings' name, escaped
    assert "Régime général, caisse 169 (011690000)" in web.text(c2.get("/feuilles"))


def test_the_lot_names_its_professional(tmp_path):
    db = web.day(tmp_path)
    c = web.client(db)
    c.post("/lots/construire", data={"csrf": web.csrf(c)})
    ref = _lot_ref(c)
    text = web.text(c.get("/lots/%s" % ref))
    store = Store(db)
    try:
        holders = names.holders(store.certificates())
    finally:
        store.close()
    number = ref.split("-")[0]
    assert holders.get(number), holders  # the CPS certificate names the lot's professional
    assert "%s (n° %s)" % (holders[number], number) in text


def _log_readings(db):
    """Two entries as a terminal logs them (firmware/reading.py): a Vitale and a CPS read,
    their cards named by the serials of the certificates the day's sync received."""
    store = Store(db)
    try:
        holders = names.holders(store.certificates())
        vitale = next(k for k in holders if len(k) == 10)
        cps = next(k for k in holders if len(k) == 11)
        with store.transaction() as t:
            terminal = t.execute("SELECT id FROM terminals LIMIT 1").fetchone()[0]
            for no, card, card_id, what in (
                (1, "cps", cps, "identite,situations,certificat"),
                (2, "vitale", vitale, "identite,beneficiaires,exonerations"),
                (3, "cps", cps, "refus PinWrong"),
            ):
                t.execute(
                    "INSERT INTO access_log (terminal_id, entry_no, at, who, card, card_id,"
                    " what, prev, chain, chain_ok) VALUES (?, ?, 1795024800, ?, ?, ?, ?,"
                    " X'00', X'00', 1)",
                    (terminal, no, cps, card, card_id, what),
                )
    finally:
        store.close()
    return holders[vitale], holders[cps]


def test_the_access_log_says_whose_card_and_what_in_french(tmp_path):
    db = web.day(tmp_path)
    patient, professional = _log_readings(db)
    text = web.text(web.client(db).get("/journal"))
    assert "identite,beneficiaires" not in text
    assert "identité, bénéficiaires, exonérations" in text
    assert "Carte Vitale de %s (n° " % patient in text
    assert "CPS de %s (n° " % professional in text and "refusée : code faux" in text


def test_names_of_codes_and_purposes():
    assert names.fund("011750000") == "Régime général, caisse 175 (011750000)"
    assert names.fund("02169001x") == "02169001x"  # not a code: said as it came
    assert names.purpose("refus PinWrong") == "refusée : code faux"
    assert names.purpose("interrompu carte retiree") == "lecture interrompue : carte retiree"
    assert names.professional("10001234565", {}) == "n° 10001234565"
    assert names.card("vitale", "", {}) == "Carte Vitale"
    assert names.holders({b"x": b"not a certificate"}) == {}


def test_a_hostile_holder_name_is_escaped_in_the_access_log(tmp_path):
    db = web.day(tmp_path)
    web.hostile_names(db)
    page = web.client(db).get("/journal").text
    assert web.HOSTILE not in page
