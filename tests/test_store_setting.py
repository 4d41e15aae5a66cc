"""One setting chooses the backend (docs/agent.md "Group practice"): `database =
"postgresql://..."` in the settings file (as `init --db URL` writes it, password included,
never printed) makes every command use that server; a path there is a SQLite file, as
before."""

import os
import subprocess
import sys

from host_agent import settings
from host_agent.store import Store, location
from tests.lots_kit import ROOT
from tests.postgres_kit import CLERK, CLERK_PASSWORD


def _agent(config, *args, home):
    env = dict(os.environ, XDG_DATA_HOME=str(home / "data"), HOME=str(home))
    env.pop("TLA_AGENT_DB", None)
    return subprocess.run(
        [sys.executable, "-m", "host_agent.cli", "--config", str(config), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
    )


def test_the_database_setting_names_a_postgresql_server(tmp_path, postgres):
    # As docs/agent.md's IT person does it: a role, an empty database it owns; the agent
    # makes its tables at its first opening.
    name = "practice_%d" % os.getpid()
    postgres.sql("CREATE DATABASE %s OWNER %s TEMPLATE template0" % (name, CLERK))
    with_password = postgres.url(name, CLERK, CLERK_PASSWORD)
    store = Store(with_password)
    store.terminal("TLA-GROUP-01")
    store.close()
    config = tmp_path / "agent.toml"
    made = _agent(config, "init", "--yes", "--db", with_password, home=tmp_path)
    assert made.returncode == 0, made.stderr
    assert CLERK_PASSWORD not in made.stdout + made.stderr
    loaded = settings.read(config, required=True)
    assert loaded.database() == location.Server(with_password)  # whole, password kept
    assert loaded.root() == tmp_path / "data" / "tla" / "root.pem"  # the agent's folder
    done = _agent(config, "status", home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "TLA-GROUP-01" in done.stdout
    assert not (tmp_path / "data" / "tla" / "agent.db").exists()  # no SQLite file made
    wrong = tmp_path / "wrong.toml"
    wrong.write_text('database = "%s"\n' % with_password.replace(CLERK_PASSWORD, "nope"))
    refused = _agent(wrong, "status", home=tmp_path)
    assert refused.returncode == 6 and len(refused.stderr.splitlines()) == 1
    assert "password authentication failed" in refused.stderr and "nope" not in refused.stderr


def test_a_path_in_the_setting_is_still_a_sqlite_file(tmp_path):
    config = tmp_path / "agent.toml"
    config.write_text('database = "practice/agent.db"\n')
    loaded = settings.read(config, required=True)
    assert loaded.database() == tmp_path / "practice" / "agent.db"  # beside the settings
