"""The settings page (issue 20 item 6; docs/web.md "Réglages"): the practice, the funds
(code, name), the caps and the mailbox written into the settings file (checked, whole,
0600) and used at once (the funds' names on the pages); a bad value, hostile markup, a
path where a code goes: a French sentence, a 4xx, the file as it was. An administrator's
page only."""

import os
import stat

import pytest

from host_agent import people, settings
from host_agent.store import Store
from tests import web_kit as web

BEFORE = """# written by hand
database = "agent.db"

[terminal]
port = "/dev/ttyACM0"

[funds.011750000]
name = "CPAM de Paris"
email = "lots@cpam-paris.example"
"""


def _form(token, **changes):
    form = {
        "csrf": token,
        "practice_name": "Cabinet infirmier des Lilas",
        "practice_address": "12 rue des Lilas\n69001 Lyon",
        "practice_situation": "123456789",
        "fund_code": ["011750000", "011690000", ""],
        "fund_name": ["CPAM de Paris", "CPAM du Rhône à Lyon", ""],
        "caps_warn_sheets": "40",
        "caps_max_sheets": "80",
        "caps_warn_days": "",
        "caps_max_days": "",
        "mailbox_host": "imap.example.fr",
        "mailbox_port": "993",
        "mailbox_user": "cabinet",
        "mailbox_security": "tls",
        "mailbox_folder": "INBOX",
    }
    form.update(changes)
    return form


def _app(tmp_path, db_where=None):
    db = web.day(tmp_path, db_where)
    path = tmp_path / "agent.toml"
    path.write_text(BEFORE)
    c = web.client(db, settings=settings.read(path))
    return c, path


def test_the_page_writes_the_settings_file_and_uses_it_at_once(tmp_path, db_where):
    c, path = _app(tmp_path, db_where)
    page = web.text(c.get("/reglages"))
    assert 'value="CPAM de Paris"' in page and str(path) in page
    r = c.post("/reglages", data=_form(web.csrf(c, "/reglages")))
    assert r.status_code == 200 and "Réglages enregistrés" in web.text(r)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    loaded = settings.read(path)
    assert loaded.get("practice", "name") == "Cabinet infirmier des Lilas"
    assert loaded.get("practice", "address") == ["12 rue des Lilas", "69001 Lyon"]
    assert loaded.caps() == (40, 80, 2, 0)  # the days' caps: the terminal's defaults
    assert loaded.mailbox()["host"] == "imap.example.fr" and loaded.mailbox()["port"] == 993
    assert loaded.funds["011690000"] == {"name": "CPAM du Rhône à Lyon"}
    # What the page does not show is kept: the e-mail of a fund, the terminal's port.
    assert loaded.funds["011750000"]["email"] == "lots@cpam-paris.example"
    assert loaded.port() == "/dev/ttyACM0"
    # The app uses the new settings without a restart: the fund's name on the lots page.
    c.post("/lots/construire", data={"csrf": web.csrf(c)})
    assert "CPAM du Rhône à Lyon" in web.text(c.get("/lots"))


def test_a_fund_taken_away_and_the_caps_left_to_the_terminal(tmp_path):
    c, path = _app(tmp_path)
    token = web.csrf(c, "/reglages")
    empty_caps = {"caps_" + k: "" for k in ("warn_sheets", "max_sheets")}
    form = _form(token, fund_code=["", "011690000"], fund_name=["", "CPAM 13"], **empty_caps)
    assert c.post("/reglages", data=form).status_code == 200
    loaded = settings.read(path)
    assert sorted(loaded.funds) == ["011690000"] and loaded.caps() is None


BAD = [
    ({"fund_code": ["../../etc/passwd"], "fund_name": ["x"]}, "9 chiffres"),
    ({"fund_code": ["011750000", "011750000"], "fund_name": ["a", "b"]}, "deux fois"),
    ({"fund_code": ["011750000"], "fund_name": []}, "incomplet"),
    ({"practice_situation": "12345"}, "9 chiffres"),
    ({"practice_name": "Cabinet\nA"}, "une ligne"),
    ({"caps_warn_sheets": "-1"}, "de 0 à 65535"),
    ({"caps_warn_sheets": "٣"}, "de 0 à 65535"),
    ({"caps_warn_sheets": "50", "caps_max_sheets": "10"}, "au moins warn_sheets"),
    ({"mailbox_port": "99999"}, "de 1 à 65535"),
    ({"mailbox_security": "ssl; rm -rf /"}, "l'un de tls"),
    ({"practice_address": "\n".join("ligne %d" % i for i in range(9))}, "6 lignes"),
    ({"practice_name": "x" * 10000}, "au plus 200"),
]


@pytest.mark.parametrize("changes,said", BAD, ids=[s for _, s in BAD])
def test_a_bad_value_is_said_in_french_and_nothing_is_written(tmp_path, changes, said):
    c, path = _app(tmp_path)
    r = c.post("/reglages", data=_form(web.csrf(c, "/reglages"), **changes))
    assert r.status_code == 422, r.status_code
    page = web.text(r)
    assert said in page and "Rien n'a été écrit" in page, page[:2000]
    assert path.read_text() == BEFORE
    assert not list(tmp_path.glob(".agent.toml*"))  # no partial file left


def test_hostile_markup_is_written_as_text_and_shown_escaped(tmp_path):
    c, path = _app(tmp_path)
    form = _form(web.csrf(c, "/reglages"), practice_name=web.HOSTILE)
    form["fund_name"] = ["x", web.HOSTILE, ""]
    assert c.post("/reglages", data=form).status_code == 200
    c.post("/lots/construire", data={"csrf": web.csrf(c)})
    assert settings.read(path).get("practice", "name") == web.HOSTILE
    page = c.get("/reglages").text
    assert web.HOSTILE not in page and "&lt;script&gt;" in page
    assert web.HOSTILE not in c.get("/lots").text


def test_a_settings_file_broken_by_hand_is_said_and_kept(tmp_path):
    c, path = _app(tmp_path)
    token = web.csrf(c, "/reglages")
    path.write_text("[practice\n")
    page = c.get("/reglages")
    assert page.status_code == 409 and "pas du TOML valide" in web.text(page)
    assert c.post("/reglages", data=_form(token)).status_code == 422
    assert path.read_text() == "[practice\n"


def test_only_an_administrator_changes_the_settings(tmp_path):
    c, path = _app(tmp_path)
    store = Store(tmp_path / "agent.db")
    try:
        people.add(store, "chef", "Claire Chef", people.ADMINISTRATOR, None, "un long mot de passe")
        people.add(store, "marie", "Marie Dupont", people.SECRETARY, None, "un long mot de passe")
    finally:
        store.close()
    c.post(
        "/connexion",
        data={
            "csrf": web.csrf(c, "/connexion"),
            "login": "marie",
            "password": "un long mot de passe",
        },
    )
    token = web.csrf(c, "/lots")
    r = c.post("/reglages", data=_form(token))
    assert r.status_code == 403 and "administrateur" in web.text(r)
    assert path.read_text() == BEFORE
