"""The web app per person (issue 19 item 4; docs/web.md "Comptes"): once the practice has
accounts everyone logs in as themselves; each route's roles are enforced before its handler
runs (host_agent/web/access.py: a route without its line is refused, and this file fails);
every route that shows health data writes who saw what into the PC's access log before the
page is sent (R162-1-10 c), shown per person on the Journal page. A disabled account, a
wrong password, a secretary posting to the sealing route, a professional with another's
CPS: refused, logged, nothing changed. Wrong passwords are held per account and per
client, never for everyone at once."""

import importlib
from pathlib import Path

import pytest
from fastapi.routing import APIRoute

from emulator.cards import fixtures
from host_agent import lots, people, pieces
from host_agent.store import Store
from host_agent.web import access, security
from tests import scor_kit
from tests import web_kit as web

NURSE_RPPS = fixtures.CPS["nurse"][1]["holder_id"]
GP_RPPS = fixtures.CPS["gp"][1]["holder_id"]
PASSWORD = "un long mot de passe"
ACCOUNTS = (
    ("chef", "Claire Chef", people.ADMINISTRATOR, None),
    ("marie", "Marie Dupont", people.SECRETARY, None),
    ("luc", "Luc Infirmier", people.PROFESSIONAL, NURSE_RPPS),
)


def _practice(tmp_path, reader=None, db=None):
    """A day's database with the practice's accounts, and the app over it."""
    db = web.day(tmp_path, db)
    store = Store(db)
    try:
        for login, name, role, rpps in ACCOUNTS:
            people.add(store, login, name, role, rpps, PASSWORD)
    finally:
        store.close()
    return db, web.client(db, reader=reader)


def _login(c, login, password=PASSWORD):
    return c.post(
        "/connexion",
        data={"csrf": web.csrf(c, "/connexion"), "login": login, "password": password},
    )


def _as(c, login):
    """A new session of the same app, logged in as `login`."""
    other = web.TestClient(
        c.app, base_url="http://127.0.0.1", client=("192.0.2.%d" % len(login), 1)
    )
    assert _login(other, login).url.path == "/", login
    return other


def _views(db, who=None) -> list:
    store = Store(db)
    try:
        return [(r["who"], r["via"], r["what"], r["sheet_id"]) for r in store.views(who)]
    finally:
        store.close()


def _first(db, table="sheets"):
    store = Store(db)
    try:
        return store.sheets()[-1]["id"] if table == "sheets" else lots.all_lots(store)[0]
    finally:
        store.close()


def test_every_route_has_its_line_of_roles():
    app = web.create_app(security.Config(web.kit.ROOT / "nowhere.db", secret=b"k" * 32))
    found = {(method, r.path) for r in access.routes(app) for method in r.methods}
    # What the middleware walks is every route of every pages_*.py module's router.
    folder = Path(access.__file__).parent
    modules = [
        importlib.import_module("host_agent.web." + f.stem) for f in folder.glob("pages_*.py")
    ]
    assert len(modules) >= 6, modules
    declared = {
        (method, r.path)
        for module in modules
        for r in module.router.routes
        if isinstance(r, APIRoute)
        for method in r.methods or ()
    }
    assert declared and found == declared
    missing = sorted(found - set(access.RULES))
    assert not missing, "routes without their line in web/access.py RULES: %s" % missing
    stale = sorted(set(access.RULES) - found)
    assert not stale, "lines of RULES that name no route: %s" % stale


def test_a_route_without_its_line_is_refused(tmp_path, monkeypatch):
    db, c = _practice(tmp_path)
    chef = _as(c, "chef")
    assert chef.get("/verification").status_code == 200
    monkeypatch.delitem(access.RULES, ("GET", "/verification"))
    assert chef.get("/verification").status_code == 403


# How to call each route that shows health data, as a secretary: (method, path, form).
def _calls(db, token):
    sheet, lot = _first(db), lots.name(_first(db, "lots"))
    piece = _scanned_prescription(db, sheet)
    return {
        "/feuilles": ("get", "/feuilles", None),
        "/feuilles/{sheet_id}": ("get", "/feuilles/%d" % sheet, None),
        "/feuilles/{sheet_id}/copie.pdf": ("get", "/feuilles/%d/copie.pdf" % sheet, None),
        "/feuilles/{sheet_id}/duplicata": (
            "post",
            "/feuilles/%d/duplicata" % sheet,
            {"csrf": token, "reason": "carte absente"},
        ),
        "/lots/{ref}": ("get", "/lots/%s" % lot, None),
        "/lots/{ref}/bordereau.pdf": ("get", "/lots/%s/bordereau.pdf" % lot, None),
        "/retours": ("get", "/retours", None),
        "/recettes": ("get", "/recettes", None),
        "/quarantaine": ("get", "/quarantaine", None),
        "/journal": ("get", "/journal", None),
        "/exports/feuilles.csv": ("get", "/exports/feuilles.csv", None),
        "/exports/recettes.csv": ("get", "/exports/recettes.csv", None),
        "/tournee": ("get", "/tournee", None),
        "/feuilles/{sheet_id}/pieces/{piece_id}": (
            "get",
            "/feuilles/%d/pieces/%d" % (sheet, piece),
            None,
        ),
    }


def _scanned_prescription(db, sheet) -> int:
    """The id of a scanned prescription attached to `sheet` (host_agent/pieces.py)."""
    store = Store(db)
    try:
        return pieces.attach(store, sheet, scor_kit.jpeg(), "ordo.jpg", "", 1, "chef").id
    finally:
        store.close()


def test_every_route_that_shows_health_data_logs_who_saw_what(tmp_path):
    db, c = _practice(tmp_path)
    marie = _as(c, "marie")
    token = web.csrf(marie, "/lots")
    assert "lots construits" in web.text(marie.post("/lots/construire", data={"csrf": token}))
    calls = _calls(db, token)
    showing = [(p, r) for (_, p), r in access.RULES.items() if r.shows]
    assert len(showing) >= 12, showing
    for path, rule in showing:
        assert path in calls, "%s shows health data: add how to call it to _calls" % path
        verb, url, form = calls[path]
        before = len(_views(db))
        r = getattr(marie, verb)(url, **({"data": form} if form else {}))
        assert r.status_code == 200, (url, r.status_code, web.text(r)[:300])
        views = _views(db)
        assert len(views) == before + 1, (url, views[:2])
        who, via, what, sheet_id = views[0]
        assert (who, via) == ("marie", "web"), url
        params = {"sheet_id": str(_first(db)), "ref": lots.name(_first(db, "lots"))}
        params["piece_id"] = url.rsplit("/", 1)[1]  # the one piece _calls attached
        assert what == rule.shows.format(**params), (url, what)
        assert sheet_id == (_first(db) if "{sheet_id}" in path else None), url
    # A page without health data writes nothing.
    before = _views(db)
    for url in ("/", "/lots", "/exports", "/verification"):
        assert marie.get(url).status_code == 200, url
    assert _views(db) == before


def test_without_accounts_the_pcs_user_is_the_viewer(tmp_path):
    db = web.day(tmp_path)
    c = web.client(db)  # a solo practice on this PC: no login, as before accounts
    assert "MARTIN PAUL" in web.text(c.get("/feuilles"))
    [(who, via, what, _)] = _views(db)
    assert (who, via, what) == (people.pc_user("web").who, "web", "la liste des feuilles de soins")


def test_a_secretary_posting_to_the_sealing_route_is_refused_logged_nothing_changed(tmp_path):
    reader = web.Reader("nurse")
    db, c = _practice(tmp_path, reader)
    marie = _as(c, "marie")
    token = web.csrf(marie, "/lots")
    marie.post("/lots/construire", data={"csrf": token})
    before = web.dump(db)
    r = marie.post("/lots/sceller", data={"csrf": token, "pin": fixtures.pin("nurse")})
    assert r.status_code == 403
    assert "Votre compte (secrétaire) ne permet pas cette action" in web.text(r)
    assert "professionnel" in web.text(r) and "Rien n'a été fait" in web.text(r)
    assert web.dump(db) == before
    assert reader.card.tries_left == 3  # type: ignore[union-attr]  # its PIN never went to it
    assert _views(db, "marie")[0][2] == "refusé : POST /lots/sceller"
    # The administrator's routes too; and the menu does not offer them.
    assert marie.get("/comptes").status_code == 403
    assert "/comptes" not in marie.get("/").text
    new = {"csrf": token, "login": "x", "name": "X", "role": "administrator", "password": PASSWORD}
    assert marie.post("/comptes/ajouter", data=new).status_code == 403
    assert (
        marie.post(
            "/comptes/chef/mot-de-passe", data={"csrf": token, "password": "pirate!!"}
        ).status_code
        == 403
    )
    assert web.dump(db) == before


def test_a_professional_seals_with_their_own_cps_only(tmp_path):
    reader = web.Reader("gp")
    db, c = _practice(tmp_path, reader)
    luc = _as(c, "luc")  # the nurse's RPPS number
    token = web.csrf(luc, "/lots")
    luc.post("/lots/construire", data={"csrf": token})
    before = web.dump(db)
    r = luc.post("/lots/sceller", data={"csrf": token, "pin": fixtures.pin("gp")})
    assert r.url.path == "/lots" and "pas la vôtre : rien n'a été scellé" in web.text(r)
    assert web.dump(db) == before
    assert reader.card.tries_left == 3  # type: ignore[union-attr]  # refused before the PIN
    assert _views(db, "luc")[0][2].startswith("scellement refusé : La carte CPS du lecteur")
    own = web.Reader("nurse")
    reader.slot, reader.card = own.slot, own.card
    r = luc.post("/lots/sceller", data={"csrf": token, "pin": fixtures.pin("nurse")})
    assert "2 lots scellés par la carte CPS de" in web.text(r), web.text(r)[:400]


def test_a_disabled_account_is_refused_and_its_session_ends(tmp_path):
    db, c = _practice(tmp_path)
    marie, chef = _as(c, "marie"), _as(c, "chef")
    assert "MARTIN PAUL" in web.text(marie.get("/feuilles"))
    token = web.csrf(chef, "/comptes")
    done = chef.post("/comptes/marie/desactiver", data={"csrf": token})
    assert "Compte marie désactivé" in web.text(done)
    r = marie.get("/feuilles")
    assert r.url.path == "/connexion" and "MARTIN PAUL" not in r.text
    before = web.dump(db)
    again = _login(marie, "marie")
    assert again.status_code == 403 and "Ce compte est désactivé" in web.text(again)
    assert marie.get("/feuilles").url.path == "/connexion"
    assert web.dump(db) == before
    assert _views(db, "marie")[0][2] == "connexion refusée : compte désactivé"
    # A new password ends the sessions of its account too.
    luc = _as(c, "luc")
    chef.post("/comptes/luc/mot-de-passe", data={"csrf": token, "password": "nouveau mot 2"})
    assert luc.get("/feuilles").url.path == "/connexion"
    assert _login(luc, "luc").status_code == 403
    assert _login(luc, "luc", "nouveau mot 2").url.path == "/"


@pytest.mark.parametrize("login", ["marie", "nobody", "<b>x</b>", "x" * 500])
def test_a_wrong_password_is_refused_logged_and_changes_nothing(tmp_path, login):
    db, c = _practice(tmp_path)
    before = web.dump(db)
    r = _login(c, login, "pas le bon mot")
    assert r.status_code == 403 and "Identifiant ou mot de passe incorrect." in web.text(r)
    assert "<b>x</b>" not in r.text
    assert c.get("/feuilles").url.path == "/connexion"
    assert web.dump(db) == before
    [(who, via, what, _)] = _views(db)
    assert (who, what) == (login[:64], "connexion refusée : mot de passe")
    journal = _as(c, "chef").get("/journal?personne=%s" % who)
    assert "<b>x</b>" not in journal.text  # shown as text


def test_the_hold_is_per_account_and_per_client_not_for_everyone(tmp_path, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(security.time, "monotonic", lambda: now[0])
    db, c = _practice(tmp_path)

    def client(address):
        return web.TestClient(c.app, base_url="http://127.0.0.1", client=(address, 1))

    guesser = client("203.0.113.9")
    for i in range(security.LOGIN_TRIES):
        assert _login(guesser, "marie", "guess %d" % i).status_code == 403
    # marie's account waits, from anywhere; luc, at another PC, logs in.
    assert _login(guesser, "marie").status_code == 429
    assert _login(client("192.0.2.20"), "marie").status_code == 429
    assert _login(client("192.0.2.21"), "luc").url.path == "/"
    # The guesser, trying other logins, waits too; the practice's other PCs do not.
    assert _login(guesser, "luc").status_code == 429
    assert _login(client("192.0.2.22"), "chef").url.path == "/"
    now[0] += security.LOGIN_WINDOW + 1
    assert _login(client("192.0.2.23"), "marie").url.path == "/"


def test_the_administrators_page_lists_adds_disables_and_resets(tmp_path):
    db, c = _practice(tmp_path)
    chef = _as(c, "chef")
    page = chef.get("/comptes")
    assert page.status_code == 200 and "Ajouter un compte" in web.text(page)
    for _, name, role, _ in ACCOUNTS:
        assert name in web.text(page) and people.ROLES[role] in web.text(page)
    assert NURSE_RPPS in page.text
    token = web.csrf(chef, "/comptes")
    form = {"csrf": token, "login": "paul", "name": "Paul Médecin", "role": "professional"}
    added = chef.post("/comptes/ajouter", data=dict(form, rpps=GP_RPPS, password=PASSWORD))
    assert "Compte paul ajouté." in web.text(added)
    assert _login(web.TestClient(c.app, base_url="http://127.0.0.1"), "paul").url.path == "/"
    before = web.dump(db)
    bad = chef.post(
        "/comptes/ajouter", data=dict(form, login="paul2", rpps="123", password=PASSWORD)
    )
    assert "Un professionnel a besoin de son numéro RPPS" in web.text(bad)
    taken = chef.post("/comptes/ajouter", data=dict(form, rpps=GP_RPPS, password=PASSWORD))
    assert "L'identifiant paul est déjà pris" in web.text(taken)
    last = chef.post("/comptes/chef/desactiver", data={"csrf": token})
    assert "C'est le dernier administrateur" in web.text(last)
    short = chef.post("/comptes/marie/mot-de-passe", data={"csrf": token, "password": "court"})
    assert "Mot de passe refusé" in web.text(short)
    assert web.dump(db) == before


def test_the_journal_shows_the_pc_access_log_per_person(tmp_path):
    db, c = _practice(tmp_path)
    marie, luc = _as(c, "marie"), _as(c, "luc")
    sheet = _first(db)
    marie.get("/feuilles/%d" % sheet)
    luc.get("/quarantaine")
    mine = web.text(luc.get("/journal?personne=marie"))
    assert "la feuille de soins %d" % sheet in mine and "les feuilles en quarantaine" not in mine
    everyone = web.text(luc.get("/journal"))
    assert (
        "la feuille de soins %d" % sheet in everyone and "les feuilles en quarantaine" in everyone
    )


def test_a_page_whose_viewing_cannot_be_logged_is_not_sent(tmp_path, monkeypatch):
    from host_agent.store import StoreError

    db, c = _practice(tmp_path)
    marie = _as(c, "marie")

    def refuse(*_args):
        raise StoreError("cannot write the database: disk full", french="Disque plein.")

    monkeypatch.setattr(people, "log_view", refuse)
    for url in ("/feuilles", "/feuilles/%d" % _first(db), "/exports/feuilles.csv"):
        r = marie.get(url)
        assert r.status_code == 503 and "Disque plein." in web.text(r), url
        assert "MARTIN PAUL" not in r.text and "DUPONT" not in r.text, url
