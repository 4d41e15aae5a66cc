"""The PostgreSQL database refused or lost (docs/agent.md "Group practice", "Errors and exit
codes"): a malformed URL, a wrong password, a server that does not answer, a server older
than PostgreSQL 15, a schema of a newer agent, the connection killed in the middle of a
transaction. Each is one line and exit 6 from a command, its password never shown, and
nothing of the change in progress is written."""

import pytest

from host_agent.cli.common import guard
from host_agent.errors import EXIT_DATABASE
from host_agent.store import Store, StoreError, engines
from tests import lots_kit
from tests.postgres_kit import CLERK, CLERK_PASSWORD


def _one_line_exit_6(done, *words):
    assert done.returncode == EXIT_DATABASE, done.stdout + done.stderr
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    assert "Traceback" not in done.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def test_a_wrong_password_is_one_line_without_the_password(postgres):
    url = postgres.url("tla_template", CLERK, "not-" + CLERK_PASSWORD)
    line = _one_line_exit_6(
        lots_kit.agent(url, "sheets", "list"), "cannot connect", "password authentication"
    )
    assert CLERK_PASSWORD not in line and "***" in line


def test_the_right_password_opens_it(postgres):
    postgres.sql("GRANT ALL ON DATABASE tla_template TO %s" % CLERK)
    postgres.sql("GRANT SELECT ON ALL TABLES IN SCHEMA public TO %s" % CLERK, "tla_template")
    url = postgres.url("tla_template", CLERK, CLERK_PASSWORD)
    # A role that may read the sheets but not write who read them is shown none (R162-1-10 c).
    refused = _one_line_exit_6(lots_kit.agent(url, "sheets", "list"), "the PC's access log")
    assert CLERK_PASSWORD not in refused
    postgres.sql("GRANT INSERT ON pc_access_log TO %s" % CLERK, "tla_template")
    postgres.sql("GRANT USAGE ON SEQUENCE pc_access_log_id_seq TO %s" % CLERK, "tla_template")
    done = lots_kit.agent(url, "sheets", "list")
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    "url, words",
    [
        ("postgresql://tla@/tla?host=/nonexistent-tla-folder", ("cannot connect", "socket")),
        ("postgresql://tla@127.0.0.1:1/tla", ("cannot connect", "127.0.0.1")),
        ("postgresql://tla@/?host=/tmp", ("names no database",)),
        ("postgresql://tla@[::1/tla", ("not a URL",)),
        ("postgresql://tla@localhost:99999/tla", ("cannot connect",)),
        ("postgresql://tla@/tla?host=/tmp&sslmode=sometimes", ("cannot connect", "sslmode")),
    ],
    ids=[
        "no server on the socket",
        "nothing on the port",
        "no database",
        "malformed",
        "port out of range",
        "unknown option value",
    ],
)
def test_an_unreachable_or_malformed_server_is_one_line(url, words):
    _one_line_exit_6(lots_kit.agent(url, "sheets", "list"), *words)


def test_a_server_older_than_15_is_refused_before_anything(postgres, monkeypatch):
    monkeypatch.setattr(engines, "server_version", lambda _db: 140011)
    with pytest.raises(
        StoreError, match=r"runs PostgreSQL 14\.11; tla-agent needs PostgreSQL 15"
    ) as e:
        Store(postgres.new_database(migrated=False))
    assert e.value.exit_code == EXIT_DATABASE


def test_the_real_server_is_15_or_newer(postgres):
    store = Store(postgres.new_database())
    try:
        assert engines.server_version(store.db) >= engines.MIN_SERVER
    finally:
        store.close()


def test_a_schema_newer_than_the_agent_is_refused_and_left_alone(postgres):
    url = postgres.new_database()
    name = url.split("@/", 1)[1].split("?")[0]
    postgres.sql("UPDATE alembic_version SET version_num = 'f00d'", name)
    done = lots_kit.agent(url, "sheets", "list")
    _one_line_exit_6(done, "made by a newer tla-agent", "schema revision f00d")
    assert postgres.sql("SELECT version_num FROM alembic_version", name) == [("f00d",)]


def test_a_sqlite_file_of_a_newer_agent_is_refused(tmp_path):
    path = tmp_path / "agent.db"
    Store(path).close()
    import sqlite3

    db = sqlite3.connect(path)
    db.execute("UPDATE alembic_version SET version_num = 'f00d'")
    db.commit()
    db.close()
    _one_line_exit_6(lots_kit.agent(str(path), "sheets", "list"), "newer tla-agent", "f00d")


def test_a_connection_killed_mid_transaction_writes_nothing(postgres, capsys):
    url = postgres.new_database()
    store = Store(url)
    pid = store.db.execute("SELECT pg_backend_pid()").scalar()
    with pytest.raises(StoreError) as e:
        with store.transaction() as db:
            db.execute(
                "INSERT INTO terminals (serial, first_seen, last_seen) VALUES (?, 1, 1)", ("T-1",)
            )
            store.set_setting("half", "written")
            killed = postgres.sql("SELECT pg_terminate_backend(%s)" % pid)
            assert killed == [(True,)]
            db.execute("UPDATE terminals SET last_seen = 2 WHERE serial = ?", ("T-1",))
    store.close()
    assert "lost the connection to the database server" in str(e.value)
    assert "nothing of the change in progress was written" in str(e.value)
    assert guard(e.value) == EXIT_DATABASE  # the command's last guard: one line, exit 6
    assert len(capsys.readouterr().err.splitlines()) == 1
    again = Store(url)
    try:
        assert again.terminal_row("T-1") is None
        assert again.setting("half") is None
    finally:
        again.close()


def test_check_on_a_server_it_cannot_reach_says_so_not_damage():
    done = lots_kit.agent("postgresql://tla@/tla?host=/nonexistent-tla-folder", "check")
    line = _one_line_exit_6(done, "cannot connect to the database server")
    assert "damaged" not in line
