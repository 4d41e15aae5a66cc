"""One store per request (docs/web.md "One store per page"): the session's account, the
first administrator, the page itself and its access-log line all use the request's one
connection, on both backends; the pages open the SQLite file without its quick_check, which
`serve` ran once when it started (a whole read of the file: 0.7 s at 100,000 sheets)."""

import pytest

from host_agent.store import engines
from tests import web_kit as web
from tests.test_web_people import _as, _first, _practice

PAGES = ("/", "/feuilles", "/feuilles/{sheet}", "/lots", "/recettes", "/journal", "/comptes")


@pytest.fixture
def opened(monkeypatch):
    """The connections opened, as (backend, quick_check run on it)."""
    seen: list = []
    open_file, open_server = engines.open_file, engines.open_server

    def counted(opener, name):
        def wrap(*args, **kwargs):
            connection = opener(*args, **kwargs)
            seen.append(name)
            execute = connection.execute

            def watched(sql, args=()):
                if "quick_check" in sql:
                    seen.append("quick_check")
                return execute(sql, args)

            connection.execute = watched
            return connection

        return wrap

    monkeypatch.setattr(engines, "open_file", counted(open_file, "sqlite"))
    monkeypatch.setattr(engines, "open_server", counted(open_server, "postgresql"))
    return seen


def test_each_page_of_a_logged_in_person_opens_one_store(tmp_path, db_where, opened):
    db, c = _practice(tmp_path, db=db_where)
    chef = _as(c, "chef")  # an administrator: every page, /comptes too
    sheet = _first(db)
    for path in PAGES:
        opened.clear()
        r = chef.get(path.format(sheet=sheet))
        assert r.status_code == 200, (path, r.status_code)
        assert len(opened) == 1 and opened[0] in ("sqlite", "postgresql"), (path, opened)


def test_a_practice_without_accounts_opens_one_store_a_page(tmp_path, db_where, opened):
    db = web.day(tmp_path, db_where)
    c = web.client(db)
    for path in ("/", "/feuilles", "/lots"):
        opened.clear()
        assert c.get(path).status_code == 200, path
        assert opened in (["sqlite"], ["postgresql"]), (path, opened)
