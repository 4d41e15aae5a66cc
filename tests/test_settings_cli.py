"""The settings file in tla-agent's commands (host_agent/cli/config.py): `init` asks and
writes a file that loads back (0600); a flag beats its variable, which beats the setting,
which beats the default; a mistyped setting is one line and exit code 10; `sync` without a
port looks for the terminal by the USB ids of the settings."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from host_agent import settings
from host_agent.cli.app import app

ROOT = Path(__file__).resolve().parent.parent


def agent(tmp_path, *args, **env):
    """`tla-agent ARGS` in a clean environment: HOME and the XDG folders in tmp_path."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("TLA_")}
    base.update(HOME=str(tmp_path / "home"), XDG_CONFIG_HOME=str(tmp_path / "config"),
                XDG_DATA_HOME=str(tmp_path / "data"))
    base.update(env)
    return subprocess.run([sys.executable, "-m", "host_agent.cli", *args], capture_output=True,
                          text=True, cwd=ROOT, env=base, timeout=60)


@pytest.fixture
def env(tmp_path, monkeypatch):
    for k in list(os.environ):
        if k.startswith("TLA_"):
            monkeypatch.delenv(k)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path


def test_init_asks_the_questions_and_writes_a_file_that_loads_back(env):
    path = env / "agent.toml"
    answers = [
        str(env / "agent.db"),  # database
        "",  # root: the default beside the database
        "",  # port: by USB
        "", "",  # USB ids
        "Cabinet infirmier des Lilas",
        "12 rue des Lilas / 69003 Lyon",
        "6911",  # a mistyped situation: said, and asked again
        "691112220",
        "outbox", "",  # route, outbox folder
        "",  # no mailbox
    ]
    result = CliRunner().invoke(app, ["--config", str(path), "init"], input="\n".join(answers) + "\n")
    print(result.output)
    assert result.exit_code == 0, result.output
    assert "[practice] situation must be the 9-digit billing number" in result.output
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    loaded = settings.read(path)
    assert loaded.database() == env / "agent.db" and loaded.root() == env / "root.pem"
    assert loaded.practice_address("691112220") == [
        "Cabinet infirmier des Lilas", "12 rue des Lilas", "69003 Lyon"]
    assert loaded.route() == "outbox" and loaded.outbox(env / "agent.db") == env / "outbox"
    assert loaded.mailbox() == {} and loaded.smtp() == {}


def test_init_yes_takes_flags_then_the_defaults_and_keeps_what_was_there(env):
    path = env / "config" / "tla" / "agent.toml"
    first = CliRunner().invoke(app, ["init", "--yes", "--name", "Cabinet A", "--situation", "691112220"])
    assert first.exit_code == 0, first.output
    loaded = settings.read(path)
    assert loaded.database() == env / "data" / "tla" / "agent.db"
    assert loaded.get("practice", "name") == "Cabinet A" and loaded.usb_ids() == (0x2E8A, 0x0005)
    again = CliRunner().invoke(app, ["init", "-y", "--address", "1 place Bellecour", "--address", "69002 Lyon"])
    assert again.exit_code == 0, again.output
    loaded = settings.read(path)
    assert loaded.practice_address("691112220") == ["Cabinet A", "1 place Bellecour", "69002 Lyon"]
    bad = CliRunner().invoke(app, ["init", "-y", "--situation", "12"])
    assert bad.exit_code == settings.EXIT_SETTINGS and settings.read(path).values == loaded.values


def test_a_flag_beats_its_variable_which_beats_the_setting_which_beats_the_default(tmp_path):
    config = tmp_path / "agent.toml"
    config.write_text('database = "%s"\n' % (tmp_path / "from-settings.db"))
    named = {"TLA_AGENT_CONFIG": str(config)}
    default = agent(tmp_path, "status")
    assert "no database at %s" % (tmp_path / "data" / "tla" / "agent.db") in default.stderr
    by_setting = agent(tmp_path, "status", **named)
    assert "no database at %s" % (tmp_path / "from-settings.db") in by_setting.stderr
    by_env = agent(tmp_path, "status", TLA_AGENT_DB=str(tmp_path / "env.db"), **named)
    assert "no database at %s" % (tmp_path / "env.db") in by_env.stderr
    by_flag = agent(tmp_path, "status", "--db", str(tmp_path / "flag.db"),
                    TLA_AGENT_DB=str(tmp_path / "env.db"), **named)
    assert "no database at %s" % (tmp_path / "flag.db") in by_flag.stderr
    by_option = agent(tmp_path, "--config", str(config), "status")
    assert "no database at %s" % (tmp_path / "from-settings.db") in by_option.stderr


def test_a_mistyped_setting_is_one_line_and_exit_code_10(tmp_path):
    config = tmp_path / "agent.toml"
    config.write_text('[practice]\nname = "Cabinet"\nsituation = "69111"\n')
    proc = agent(tmp_path, "--config", str(config), "status")
    assert proc.returncode == settings.EXIT_SETTINGS == 10
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "[practice] situation must be" in lines[0] and "line 3 of" in lines[0]
    missing = agent(tmp_path, "--config", str(tmp_path / "nope.toml"), "status")
    assert missing.returncode == 10 and "there is no settings file" in missing.stderr


def test_sync_without_a_port_looks_for_the_settings_usb_ids(tmp_path):
    config = tmp_path / "agent.toml"
    config.write_text('[terminal]\nusb_vid = "1209"\nusb_pid = "beef"\n')
    db = tmp_path / "agent.db"
    from host_agent.store import Store
    from tests import lots_kit

    Store(db).close()
    (tmp_path / "root.pem").write_bytes(lots_kit.root_der())
    proc = agent(tmp_path, "--config", str(config), "sync", "--db", str(db))
    print(proc.stdout, proc.stderr)
    assert proc.returncode == 5 and "no terminal on USB 1209:beef" in proc.stderr
