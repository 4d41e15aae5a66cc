"""The fixtures that run a test on both backends (imported by tests/conftest.py;
docs/testing.md "PostgreSQL"):

- `postgres`: the session's server (tests/postgres_kit.py), one per pytest process, so one
  per xdist worker; started at its first use, stopped with the session.
- `db_where`: where a test's database is, parametrised [sqlite] and [postgresql]: a fresh
  file path under tmp_path, or a fresh migrated database on the server (a
  host_agent.store.location.Server, whose `parent`, the folder the agent keeps root.pem,
  funds.toml and the outbox in, is the test's own: $XDG_DATA_HOME is set to tmp_path/data
  for the test and the commands it runs).

Without PostgreSQL's binaries the [postgresql] items skip, saying why, except under CI
(CI=true) or TLA_REQUIRE_POSTGRES=1, where they fail with that reason: CI never skips them.
"""

import pytest

from tests import postgres_kit

BACKENDS = ("sqlite", "postgresql")


def skip_without_postgres() -> None:
    """Skip (or fail, under CI) a test that needs PostgreSQL's binaries when they are missing."""
    why = postgres_kit.missing()
    if why:
        if postgres_kit.required():
            pytest.fail("PostgreSQL is required here (CI or TLA_REQUIRE_POSTGRES): " + why)
        pytest.skip(why)


@pytest.fixture(scope="session")
def postgres():
    skip_without_postgres()
    server = postgres_kit.Server()
    try:
        server.start()
    except BaseException:
        server.stop()
        raise
    yield server
    server.stop()


def server_where(postgres, tmp_path, monkeypatch, migrated=True):
    """A Server location of a fresh database, its local folder under tmp_path."""
    from host_agent.store.location import Server

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    where = Server(postgres.new_database(migrated))
    where.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    return where


@pytest.fixture(params=BACKENDS)
def db_where(request, tmp_path, monkeypatch):
    if request.param == "sqlite":
        return tmp_path / "agent.db"
    return server_where(request.getfixturevalue("postgres"), tmp_path, monkeypatch)
