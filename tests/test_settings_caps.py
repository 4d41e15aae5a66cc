"""The practice's caps in the settings file (host_agent/settings_caps.py, `[caps]`): each
value a whole number 0-65535, a hard cap never below its warning, a refusal being one line
naming the key and its line in English and French; no table = nothing sent; a key left out
= the terminal's default; what the writer writes (and `init` keeps) reads back; and the
STATUS every sync sends carries them (host_agent/damage.py)."""

import re

import pytest

from firmware.idle import DEFAULT_CAPS
from host_agent import damage, settings, settings_caps, settings_file
from protocol import sync_messages as sm

HEAD = '[terminal]\nport = "/dev/ttyACM0"\n\n[caps]\n'


def read(tmp_path, caps_lines):
    path = tmp_path / "agent.toml"
    path.write_text(HEAD + caps_lines)
    return settings.read(path), path


def test_the_agents_defaults_are_the_terminals():
    assert settings_caps.DEFAULTS == DEFAULT_CAPS


def test_caps_read_in_the_messages_order_a_key_left_out_is_the_default(tmp_path):
    got, _ = read(tmp_path, "warn_sheets = 20\nmax_sheets = 80\nwarn_days = 1\nmax_days = 5\n")
    assert got.caps() == (20, 80, 1, 5)
    got, _ = read(tmp_path, "max_sheets = 100\n")  # the default warnings stay
    assert got.caps() == (DEFAULT_CAPS[0], 100, DEFAULT_CAPS[2], DEFAULT_CAPS[3])
    got, _ = read(tmp_path, "warn_sheets = 0\nwarn_days = 0\n")  # 0: none
    assert got.caps() == (0, 0, 0, 0)
    assert sm.read_caps(sm.status_request(7, got.caps())) == (0, 0, 0, 0)


def test_no_caps_table_sends_nothing(tmp_path):
    path = tmp_path / "agent.toml"
    path.write_text('[terminal]\nport = "/dev/ttyACM0"\n')
    assert settings.read(path).caps() is None
    assert settings.read(tmp_path / "absent.toml").caps() is None
    got, _ = read(tmp_path, "")  # an empty [caps] table says nothing either
    assert got.caps() is None


REFUSED = {
    # the [caps] lines: (the key named, its line, what the message says)
    "warn_sheets = -1\n": ("warn_sheets", 5, "must be a whole number from 0 (none) to 65535"),
    "max_days = 65536\n": ("max_days", 5, "not 65536"),
    'warn_days = "2"\n': ("warn_days", 5, "not '2'"),
    "max_sheets = true\n": ("max_sheets", 5, "not True"),
    "max_sheets = 2.5\n": ("max_sheets", 5, "not 2.5"),
    "max_sheets = [80]\n": ("max_sheets", 5, "must be a whole number"),
    "warn_sheets = 50\nmax_sheets = 40\n": ("max_sheets", 6, "at least warn_sheets, 50, not 40"),
    "max_sheets = 30\n": ("max_sheets", 5, "at least warn_sheets, 60 (its default when not"),
    "warn_days = 3\nmax_days = 2\n": ("max_days", 6, "at least warn_days, 3, not 2"),
    "hard_sheets = 9\n": ("hard_sheets", 5, "is not a setting (the settings here are max_days"),
}


@pytest.mark.parametrize("lines", sorted(REFUSED), ids=lambda x: x.strip()[:24])
def test_a_bad_cap_is_refused_with_one_line_naming_the_key(tmp_path, lines):
    key, line, expected = REFUSED[lines]
    with pytest.raises(settings.SettingsError) as refused:
        read(tmp_path, lines)
    english, french = str(refused.value), refused.value.french
    print(english, "|", french)
    assert english.startswith("settings: [caps] %s " % key) and expected in english
    assert re.search(r"\(line %d of .*agent\.toml\)$" % line, english)
    assert french.startswith("réglages : [caps] %s " % key)
    assert re.search(r"\(ligne %d de .*agent\.toml\)$" % line, french)
    assert "\n" not in english and "\n" not in french
    assert refused.value.exit_code == settings.EXIT_SETTINGS


def test_a_hard_cap_of_none_under_a_warning_is_fine(tmp_path):
    got, _ = read(tmp_path, "warn_sheets = 50\nmax_sheets = 0\nmax_days = 2\n")
    assert got.caps() == (50, 0, 2, 2)  # a hard cap equal to its warning: allowed


def test_the_writer_writes_them_and_init_keeps_them(tmp_path):
    got, _ = read(tmp_path, "warn_sheets = 20\nmax_days = 5\n")
    target = tmp_path / "again.toml"
    settings_file.write(target, got.values)
    text = target.read_text()
    assert "[caps]" in text and "warn_sheets = 20" in text and "max_days = 5" in text
    assert settings.read(target).caps() == (20, 0, 2, 5)
    # `init` rewrites only what it asks: the caps written by hand survive it.
    kept = settings_file.kept({**settings_file.defaults(tmp_path / "a.db"), **got.values})
    assert kept[("caps", "warn_sheets")] == 20 and kept[("caps", "max_days")] == 5
    with pytest.raises(settings.SettingsError, match=r"\[caps\] max_days"):
        settings_file.write(target, {("caps", "max_days"): 70000})
    assert settings.read(target).caps() == (20, 0, 2, 5)  # nothing written


class _Store:
    def terminal_row(self, serial):
        return {"cursor": 41, "access_cursor": 0} if serial == "T1" else None

    def order_highs(self, serial, limit):
        return []


def test_the_status_body_carries_the_caps_only_when_set():
    assert damage.status_request(_Store(), "T1") == {"high": 41}
    body = damage.status_request(_Store(), "T1", (20, 80, 1, 5))
    assert body == {"high": 41, "caps": [20, 80, 1, 5]}
    assert sm.read_caps(body) == (20, 80, 1, 5)
    assert damage.status_request(_Store(), "T2", (1, 2, 3, 4)) == {"caps": [1, 2, 3, 4]}


def test_the_web_apps_unloading_sends_the_settings_caps(tmp_path, monkeypatch):
    from emulator.waiting import until
    from host_agent import terminals
    from host_agent.errors import AgentError
    from tests import web_kit as web

    asked = []

    def sync_once(port, store, root, progress=None, caps=None):
        asked.append((port, caps))
        raise AgentError("stopped here", french="Arrêté ici.")

    monkeypatch.setattr(terminals, "sync_once", sync_once)
    got, _ = read(tmp_path, "max_sheets = 90\n")
    db = web.day(tmp_path)
    for loaded, caps in ((got, (60, 90, 2, 0)), (None, None)):
        c = web.client(db, settings=loaded)
        token = web.csrf(c, "/")
        started = c.post("/decharger", data={"csrf": token, "port": "/dev/ttyACM9"})
        state = started.url.path + "/etat"
        assert until(lambda c=c, state=state: c.get(state).json()["finished"], 60)
        assert asked.pop() == ("/dev/ttyACM9", caps)
