"""The agent's settings file (host_agent/settings.py, settings_file.py): where it is found
(--config > $TLA_AGENT_CONFIG > the platform's folder), a missing one is the defaults, a
mistyped value is one line naming the key and its line (English and French), and what the
writer writes reads back, 0600."""

import os
import re
import stat
from pathlib import Path

import pytest

from host_agent import settings, settings_file

GOOD = """\
database = "data/agent.db"
root = "/etc/tla/root.pem"

[terminal]
port = ""
usb_vid = "2e8a"
usb_pid = "000a"

[practice]
name = "Cabinet infirmier des Lilas"
address = ["12 rue des Lilas", "69003 Lyon"]
situation = "691112220"

[sending]
route = "smtp"
outbox = "~/outbox"

[smtp]
host = "smtp.practice.example"
port = 587
from = "cabinet@practice.example"
starttls = true

[mailbox]
host = "imap.practice.example"
security = "tls"
user = "cabinet"

[funds.011750000]
name = "CPAM de Paris"
email = "fse@cpam-paris.example"
"""


def write(tmp_path, text, name="agent.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_good_file_is_read_with_paths_beside_it(tmp_path):
    s = settings.read(write(tmp_path, GOOD))
    assert s.found
    assert s.database() == tmp_path / "data" / "agent.db"  # relative: beside the file
    assert s.root() == Path("/etc/tla/root.pem")
    assert s.port() is None and s.usb_ids() == (0x2E8A, 0x000A)
    assert s.route() == "smtp" and s.outbox(tmp_path / "x.db") == Path.home() / "outbox"
    assert s.smtp() == {
        "host": "smtp.practice.example",
        "port": 587,
        "from": "cabinet@practice.example",
        "starttls": True,
    }
    assert s.mailbox()["security"] == "tls" and s.funds["011750000"]["name"] == "CPAM de Paris"
    assert s.practice_address("691112220") == [
        "Cabinet infirmier des Lilas",
        "12 rue des Lilas",
        "69003 Lyon",
    ]
    # Another practice situation of the same professional has another address.
    assert s.practice_address("751234567") == []


def test_a_missing_file_is_the_defaults_unless_it_was_named(tmp_path, monkeypatch):
    monkeypatch.delenv(settings.CONFIG_ENV, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    s = settings.load()
    assert not s.found and s.path == tmp_path / "config" / "tla" / "agent.toml"
    assert s.database() == tmp_path / "data" / "tla" / "agent.db"
    assert s.root() is None and s.port() is None
    assert s.usb_ids() == (settings.USB_VID, settings.USB_PID) and s.route() == "outbox"
    assert s.outbox(tmp_path / "d" / "agent.db") == tmp_path / "d" / "outbox"
    assert s.practice_address("691112220") == []
    for named in ({"flag": tmp_path / "nope.toml"}, {}):
        if not named:
            monkeypatch.setenv(settings.CONFIG_ENV, str(tmp_path / "nope.toml"))
        with pytest.raises(settings.SettingsError, match="there is no settings file") as e:
            settings.load(**named)
        assert e.value.exit_code == settings.EXIT_SETTINGS and "n'existe pas" in e.value.french


def test_the_file_is_found_by_flag_then_variable_then_platform(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    by_env, by_flag = tmp_path / "env.toml", tmp_path / "flag.toml"
    monkeypatch.delenv(settings.CONFIG_ENV, raising=False)
    assert settings.config_path() == (tmp_path / "config" / "tla" / "agent.toml", False)
    monkeypatch.setenv(settings.CONFIG_ENV, str(by_env))
    assert settings.config_path() == (by_env, True)
    assert settings.config_path(by_flag) == (by_flag, True)


MISTYPED = {
    # (the line replaced in GOOD, its replacement): what the message says
    ('situation = "691112220"', 'situation = "6911"'): (
        "[practice] situation must be the 9-digit billing number",
        12,
    ),
    ('route = "smtp"', 'route = "mail"'): ("[sending] route must be one of outbox, smtp", 15),
    ("port = 587", 'port = "587"'): ("[smtp] port must be a port number", 20),
    ("starttls = true", 'starttls = "yes"'): ("[smtp] starttls must be true or false", 22),
    ('usb_vid = "2e8a"', "usb_vid = 11914"): (
        "[terminal] usb_vid must be a USB id in hexadecimal",
        6,
    ),
    ('address = ["12 rue des Lilas", "69003 Lyon"]', 'address = "12 rue des Lilas"'): (
        "[practice] address must be a list of address lines",
        11,
    ),
    ('name = "Cabinet infirmier des Lilas"', 'nmae = "Cabinet"'): (
        "[practice] nmae is not a setting (the settings here are address, name, situation)",
        10,
    ),
    ('database = "data/agent.db"', 'databse = "data/agent.db"'): ("databse is not a setting", 1),
    ('security = "tls"', 'security = "ssl"'): (
        "[mailbox] security must be one of tls, starttls, none",
        26,
    ),
    ('email = "fse@cpam-paris.example"', 'mail = "fse@cpam-paris.example"'): (
        "[funds.011750000] mail is not a setting",
        31,
    ),
    ("[funds.011750000]", "[funds.75]"): ("[funds.75] is not a fund", 29),
    ('host = "imap.practice.example"', 'host = "imap\\nBcc: x"'): (
        "[mailbox] host must be text on one line",
        25,
    ),
    ("[mailbox]", "[mailbox"): ("is not TOML", 24),
}


@pytest.mark.parametrize("change", sorted(MISTYPED), ids=lambda c: c[1][:20])
def test_a_mistyped_setting_is_one_line_naming_the_key_and_its_line(tmp_path, change):
    old, new = change
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new, 1))
    expected, line = MISTYPED[change]
    with pytest.raises(settings.SettingsError) as refused:
        settings.read(path)
    english, french = str(refused.value), refused.value.french
    print(english, "|", french)
    assert english.startswith("settings: ") and expected in english
    assert re.search(r"\bline %d\b" % line, english) and str(path) in english
    assert "\n" not in english and "\n" not in french
    assert french.startswith("réglages : ") and re.search(r"\bligne %d\b" % line, french)


def test_an_unreadable_or_huge_file_is_one_line(tmp_path):
    path = write(tmp_path, "x" * (settings.MAX_BYTES + 1))
    with pytest.raises(settings.SettingsError, match="larger than"):
        settings.read(path)
    path.write_bytes(b'name = "\xff"\n')
    with pytest.raises(settings.SettingsError, match="not UTF-8"):
        settings.read(path)


def test_what_the_writer_writes_reads_back_0600(tmp_path):
    loaded = settings.read(write(tmp_path, GOOD))
    target = tmp_path / "new" / "agent.toml"
    again = settings_file.write(target, loaded.values, loaded.funds)
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert settings.read(target).values == loaded.values == again.values
    assert settings.read(target).funds == loaded.funds
    text = target.read_text()
    assert "$TLA_SMTP_PASSWORD" in text and "password" not in text.replace("password comes", "")
    # Quotes, backslashes and accents survive.
    values = {
        ("practice", "name"): 'Cabinet "Les Lilas" \\ Dr Éloïse',
        ("", "root"): tmp_path / "r.pem",
    }
    settings_file.write(target, values)
    assert settings.read(target).get("practice", "name") == 'Cabinet "Les Lilas" \\ Dr Éloïse'


def test_the_writer_never_leaves_a_file_the_agent_would_refuse(tmp_path):
    target = tmp_path / "agent.toml"
    target.write_text(GOOD)
    with pytest.raises(settings.SettingsError, match="situation"):
        settings_file.write(target, {("practice", "situation"): "12"})
    assert target.read_text() == GOOD
