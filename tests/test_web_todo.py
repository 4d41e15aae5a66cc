"""The home page is the day's to-do (issue 20 item 4): what waits, the most urgent first,
each with the page where it is done, followed through a day: sheets to put in lots, lots to
seal and to send, rejections and unpaid claims from the funds' returns, overdue sheets,
terminals not unloaded; nothing when nothing waits. Terminal serials are escaped."""

import re
import time

from emulator.cards import fixtures
from host_agent import todo
from host_agent.store import Store
from protocol import dates
from tests import lots_kit as kit
from tests import web_kit as web


def _todo(c) -> list:
    """(sentence, link, urgent) of each line of the home page's to-do."""
    page = c.get("/").text
    block = page.split('id="todo"', 1)[1].split("</section>", 1)[0]
    found = re.findall(r'<li( class="urgent")?><a href="([^"]+)">([^<]+)</a></li>', block)
    return [(web.html.unescape(s), link, bool(u)) for u, link, s in found]


def test_the_home_page_follows_the_day(tmp_path):
    db = web.day(tmp_path)
    reader = web.Reader("nurse")
    c = web.client(db, reader=reader, outbox=tmp_path / "outbox")
    first = _todo(c)
    assert ("14 feuilles à mettre en lot.", "/lots", False) in first
    # On the day of the visits nothing is overdue; the patient-paid ones are due in 3 days.
    assert not [t for t in first if "dépassé" in t[0]]
    for _, link, _ in first:
        assert c.get(link).status_code == 200, link  # every link leads to a page

    token = web.csrf(c)
    c.post("/lots/construire", data={"csrf": token})
    assert (
        "4 lots ouverts à sceller avec la carte CPS du professionnel.",
        "/lots",
        False,
    ) in _todo(c)
    c.post("/lots/sceller", data={"csrf": token, "pin": fixtures.pin("nurse")})
    now = _todo(c)
    assert ("2 lots scellés à envoyer aux caisses.", "/lots", False) in now
    assert ("2 lots ouverts à sceller avec la carte CPS du professionnel.", "/lots", False) in now
    c.post("/lots/envoyer", data={"csrf": token})
    name, data = web.return_file(db)
    c.post("/retours", data={"csrf": token}, files={"file": (name, data, "application/json")})
    after = _todo(c)
    # The return rejects one lot: its sheets are back in a new lot, the reason to be read.
    rejected = [t for t in after if "rejeté par sa caisse" in t[0]]
    assert len(rejected) == 1 and rejected[0][1].startswith("/lots/") and rejected[0][2]
    assert "Feuille 102 : NIR inconnu de la caisse" in rejected[0][0], rejected
    assert c.get(rejected[0][1]).status_code == 200
    unpaid = [t for t in after if "tiers payant non payée" in t[0]]
    assert len(unpaid) == 1 and "€ attendus" in unpaid[0][0], after
    assert after.index(rejected[0]) < after.index(unpaid[0])  # the urgent first


def test_overdue_sheets_come_first_and_say_so(tmp_path):
    db = web.day(tmp_path)
    late = dates.days_to_ymd(dates.ymd_to_days(kit.DAY) + 30)
    c = web.client(db, today=late)
    lines = _todo(c)
    assert lines[0] == (
        "14 feuilles ont dépassé leur délai de transmission : à envoyer sans attendre.",
        "/feuilles",
        True,
    )


def test_terminals_not_unloaded_for_a_week_are_named(tmp_path):
    db = web.day(tmp_path)
    store = Store(db)
    try:
        rows = store.terminals_waiting()
        week_later = max(t["last_sync"] for t in rows) + todo.STALE_TERMINAL_S + 86400
        tasks = todo.tasks(store, kit.DAY, week_later)
        fresh = todo.tasks(store, kit.DAY, week_later - todo.STALE_TERMINAL_S)
    finally:
        store.close()
    said = [t.sentence for t in tasks if "déchargé" in t.sentence]
    assert said and all("n'a pas été déchargé depuis 8 jours" in s for s in said), said
    assert not [t for t in fresh if "déchargé" in t.sentence]


def test_an_empty_practice_has_nothing_to_do(tmp_path):
    db = tmp_path / "agent.db"
    Store(db).close()
    c = web.client(db)
    assert _todo(c) == []
    assert "Rien n'attend" in web.text(c.get("/"))


def test_a_hostile_terminal_serial_is_escaped(tmp_path):
    db = web.day(tmp_path)
    store = Store(db)
    try:
        serial = store.terminals_waiting()[0]["serial"]
        with store.transaction() as t:
            t.execute("UPDATE terminals SET serial = ? WHERE serial = ?", (web.HOSTILE, serial))
        tasks = todo.tasks(store, kit.DAY, int(time.time()) + 30 * 86400)
    finally:
        store.close()
    assert [t for t in tasks if web.HOSTILE in t.sentence]
    page = web.client(db).get("/").text
    assert web.HOSTILE not in page and "&lt;script&gt;" in page
