"""The web app's protections: every form refuses a POST without this session's CSRF token
(403, a French sentence, nothing changed); the app refuses to listen beyond this PC without
a password, and then asks for it; a forged session cookie is a new session; the session
secret is kept 0600 beside the database."""

import pytest
from fastapi.routing import APIRoute

from host_agent import settings
from host_agent.web import pages_accounts, pages_lots, pages_misc, pages_sheets, security
from host_agent.web.app import create_app
from host_agent.web.security import Config
from tests import web_kit as web


def _post_paths(db) -> list:
    app = create_app(Config(db, secret=b"k" * 32))
    routes = list(app.routes)
    for module in (pages_sheets, pages_lots, pages_misc, pages_accounts):  # its routers
        routes += module.router.routes
    paths = [
        r.path.replace("{sheet_id}", "1").replace("{login}", "admin")
        for r in routes
        if isinstance(r, APIRoute) and "POST" in (r.methods or ())
    ]
    assert len(paths) >= 8, paths  # connexion, deconnexion, decharger, lots x3, retours, duplicata
    return paths


def test_every_form_refuses_a_post_without_its_token(tmp_path):
    db = web.day(tmp_path)
    c = web.client(db, reader=web.Reader("nurse"))
    good = web.csrf(c)
    before = web.dump(db)
    other = web.client(db)  # another visitor's session: its token is not ours
    theirs = web.csrf(other)
    assert theirs != good
    for path in _post_paths(db):
        for data in (
            {},
            {"csrf": ""},
            {"csrf": theirs},
            {"csrf": good[:-1] + ("1" if good.endswith("0") else "0")},
        ):
            data = dict(data, pin="4827", port="/dev/null", password="x" * 8)
            r = c.post(path, data=data, follow_redirects=False)
            assert r.status_code == 403, (path, data, r.status_code)
            assert "Ce formulaire a expiré ou ne vient pas de cette application" in web.text(r)
    assert web.dump(db) == before
    # The same form with the token goes through.
    assert "4 lots construits" in web.text(c.post("/lots/construire", data={"csrf": good}))


def test_a_forged_session_cookie_is_not_taken(tmp_path):
    db = web.day(tmp_path)
    c = web.client(db)
    c.get("/")
    session = security.read_session(b"k" * 32, c.cookies[security.COOKIE])
    assert session is not None
    sid = session[0]
    forged = "%s.1.%s" % (sid, "0" * 64)
    assert security.read_session(b"k" * 32, forged) is None
    assert security.read_session(b"other secret", c.cookies[security.COOKIE]) is None


def test_beyond_localhost_a_password_is_required_and_asked(tmp_path):
    db = web.day(tmp_path)
    with pytest.raises(ValueError, match="--password-file"):
        Config(db, host="0.0.0.0")
    for host in ("127.0.0.1", "::1", "localhost"):
        Config(db, host=host, secret=b"k" * 32)  # this PC only: no password needed
    c = web.client(db, host="0.0.0.0", password="correct horse")
    home = c.get("/")
    assert home.url.path == "/connexion" and "Mot de passe" in web.text(home)
    assert c.get("/feuilles").url.path == "/connexion"
    assert c.get("/feuilles/1/copie.pdf").url.path == "/connexion"  # no PDF either
    token = web.csrf(c, "/connexion")
    wrong = c.post("/connexion", data={"csrf": token, "login": "admin", "password": "wrong horse"})
    assert wrong.status_code == 403 and "Identifiant ou mot de passe incorrect" in web.text(wrong)
    right = c.post(
        "/connexion", data={"csrf": token, "login": "admin", "password": "correct horse"}
    )
    assert right.url.path == "/" and "Décharger le terminal" in web.text(right)
    assert "MARTIN PAUL" in web.text(c.get("/feuilles"))
    out = c.post("/deconnexion", data={"csrf": web.csrf(c, "/")})
    assert out.url.path == "/connexion"
    assert c.get("/feuilles").url.path == "/connexion"


def test_the_session_secret_is_private_and_kept(tmp_path):
    db = web.day(tmp_path)
    before = set(tmp_path.iterdir())
    first = security.load_secret(db)
    path = security.secret_path(db)
    assert path.stat().st_mode & 0o777 == 0o600 and path.parent.stat().st_mode & 0o777 == 0o700
    assert security.load_secret(db) == first and len(first) == 32
    # Never beside the database (the practice's working folder, where `git add -A` takes
    # what it finds): in the agent's data folder, one per database.
    assert set(tmp_path.iterdir()) == before
    assert path.is_relative_to(settings.default_database().parent)
    other = tmp_path / "other.db"
    assert security.secret_path(other) != path
    assert not (tmp_path / "nowhere").exists()
    security.load_secret(tmp_path / "nowhere" / "agent.db")  # no folder: nothing written
    assert not (tmp_path / "nowhere").exists()
    assert not security.secret_path(tmp_path / "nowhere" / "agent.db").exists()


def test_the_password_file_is_read_and_checked(tmp_path):
    short = tmp_path / "short"
    short.write_text("abc\n")
    good = tmp_path / "good"
    good.write_text("  un mot de passe long \nsecond line ignored\n")
    for path in (short, good):
        path.chmod(0o600)
    assert security.read_password_file(good) == "un mot de passe long"
    with pytest.raises(ValueError, match="8 characters"):
        security.read_password_file(short)
    # Saved by Notepad: a BOM and CRLF lines; the password is what was typed.
    notepad = tmp_path / "notepad"
    notepad.write_bytes(b"\xef\xbb\xbfun mot de passe long\r\nsecond\r\n")
    notepad.chmod(0o600)
    assert security.read_password_file(notepad) == "un mot de passe long"
    # Readable by the other users of the PC: refused, saying how to mend it.
    for mode in (0o644, 0o640, 0o604, 0o620):
        good.chmod(mode)
        with pytest.raises(ValueError, match=r"other users can read it: .*\(chmod 600 "):
            security.read_password_file(good)
    latin = tmp_path / "latin"
    latin.write_bytes("mot de passe accentué\n".encode("windows-1252"))
    latin.chmod(0o600)
    with pytest.raises(ValueError, match="not UTF-8 text .*line 1"):
        security.read_password_file(latin)


def test_a_session_secret_others_can_read_is_refused(tmp_path):
    security.load_secret(tmp_path / "agent.db")  # made 0600 on the first start
    secret = security.secret_path(tmp_path / "agent.db")
    secret.chmod(0o644)
    with pytest.raises(ValueError, match="session secret .* other users can read it"):
        security.load_secret(tmp_path / "agent.db")


def test_without_a_login_only_this_pcs_names_are_answered(tmp_path):
    """DNS rebinding: a page of another site whose name now points at 127.0.0.1 must not
    read the practice's pages (no login protects them on this PC)."""
    c = web.client(web.day(tmp_path))
    assert c.get("/feuilles").status_code == 200
    for host in ("evil.example", "evil.example:8765", "192.168.1.10"):
        r = c.get("/feuilles", headers={"host": host})
        assert r.status_code == 421, host
        assert "MARTIN PAUL" not in r.text and "127.0.0.1" in r.text
    assert c.get("/feuilles", headers={"host": "localhost:8765"}).status_code == 200
    # With a login, any name may be used (the password protects the pages).
    logged = web.client(web.day(tmp_path / "b"), host="0.0.0.0", password="correct horse")
    assert logged.get("/", headers={"host": "cabinet.local"}).url.path == "/connexion"
