"""Pairing a terminal from the page (issue 20 item 6; docs/web.md "Terminaux"): the emulated
terminal's pty found by itself (host_agent/ports.py), this PC's code shown on the page to
compare with the terminal's, "the same" here and OK there keep the pairing in the database;
"not the same" keeps nothing; a port that is not one (a pyserial URL that writes a file, a
path with a NUL) is refused in French with a 422, nothing started."""

import os

import pytest

from emulator.ptylink import PtyBridge
from emulator.terminal import make_terminal
from emulator.waiting import until
from host_agent import ports
from host_agent.store import Store
from host_agent.web import access, pair_job
from tests import web_kit as web

SERIAL = "TLA-EMU-0042"
LIVENESS_S = 120.0  # a bound on what must happen, never a timing


@pytest.fixture
def terminal(tmp_path, monkeypatch):
    """An emulated terminal (CPython) behind a pty, announced as `tla-emu run` does."""
    monkeypatch.setenv(ports.FOLDER_ENV, str(tmp_path / "emulators"))
    bridge = PtyBridge().start()
    t = make_terminal("cpython", bridge.terminal_path, serial_number=SERIAL)
    t.start()
    announced = None
    try:
        t.wait_event("READY", 30)
        announced = ports.announce(SERIAL, bridge.host_path)
        yield t, bridge.host_path
    finally:
        ports.withdraw(announced)
        t.stop()
        bridge.close()


def _state(c, url, wanted):
    found = {}

    def reached():
        found.update(c.get(url + "/etat").json())
        return wanted(found)

    assert until(reached, LIVENESS_S), found
    return found


def _start(c, t, port):
    t.press("MENU")
    t.press("1")
    assert until(lambda: t.screen[0] == "Appairage d'un PC", LIVENESS_S), t.screen
    r = c.post("/appairer", data={"csrf": web.csrf(c, "/appairer"), "port": port})
    assert r.url.path.startswith("/appairer/"), web.text(r)[:500]
    return r.url.path


def test_the_page_finds_the_terminal_and_pairs_it_once_the_codes_match(tmp_path, terminal):
    t, port = terminal
    db = web.day(tmp_path)
    c = web.client(db, find_ports=ports.candidates)  # what this PC has, the emulator's pty too
    page = c.get("/appairer").text
    assert "Terminal émulé %s (%s)" % (SERIAL, port) in page
    assert 'value="%s" checked' % port in page  # the one terminal found is proposed
    url = _start(c, t, port)
    state = _state(c, url, lambda s: s["stage"] == pair_job.COMPARE)
    assert until(lambda: t.screen[0].startswith("Code: "), LIVENESS_S)
    assert t.screen[0] == "Code: " + state["code"]  # what the user compares
    shown = web.text(c.get(url))
    assert state["code"] in shown and "affiche-t-il le même code" in shown
    assert Store(db).pairing(SERIAL) is None  # nothing kept before both said yes
    t.press("OK")  # the user's OK on the terminal, and "the same" on the page
    c.post(url + "/codes", data={"csrf": web.csrf(c, url), "same": "oui"})
    state = _state(c, url, lambda s: s["finished"])
    t.press("OK")  # closes the terminal's "paired" screen
    assert state["error"] == "" and state["serial"] == SERIAL
    assert "Terminal %s appairé avec ce PC" % SERIAL in web.text(c.get(url))
    store = Store(db)
    try:
        assert store.pairing(SERIAL) is not None
    finally:
        store.close()
    # The answer counts once: a second one is refused, nothing changes.
    again = c.post(url + "/codes", data={"csrf": web.csrf(c, "/appairer"), "same": "non"})
    assert "ne demande plus de comparer" in web.text(again)


def test_codes_said_to_differ_keep_nothing(tmp_path, terminal):
    t, port = terminal
    db = web.day(tmp_path)
    c = web.client(db)
    url = _start(c, t, port)
    _state(c, url, lambda s: s["stage"] == pair_job.COMPARE)
    c.post(url + "/codes", data={"csrf": web.csrf(c, url), "same": "non"})
    state = _state(c, url, lambda s: s["finished"])
    assert "les codes diffèrent : rien n'a été gardé" in state["error"]
    assert "rien n'a été gardé" in web.text(c.get(url))
    store = Store(db)
    try:
        assert store.pairing(SERIAL) is None
    finally:
        store.close()


@pytest.mark.parametrize(
    "port",
    [
        "spy:///dev/null?file=%s",  # pyserial's spy writes its log where it is told
        "loop://",
        "rfc2217://host:1?logging=debug",
        "/dev/ttyACM0\0",
        "",
        "x" * 1000,
    ],
)
def test_a_port_that_is_not_one_is_refused_in_french(tmp_path, port):
    db = web.day(tmp_path)
    c = web.client(db)
    typed = port % (tmp_path / "written") if "%s" in port else port
    r = c.post("/appairer", data={"csrf": web.csrf(c, "/appairer"), "port": typed})
    assert r.status_code == 422 and "Indiquez le port du terminal" in web.text(r)
    assert c.app.state.pairings.running() is None and not (tmp_path / "written").exists()
    home = c.post("/decharger", data={"csrf": web.csrf(c, "/"), "port": typed})
    assert "Indiquez le port du terminal" in web.text(home)
    assert c.app.state.jobs.running() is None and not (tmp_path / "written").exists()


def test_a_stale_or_crafted_announce_offers_nothing(tmp_path, monkeypatch):
    folder = tmp_path / "emulators"
    folder.mkdir()
    monkeypatch.setenv(ports.FOLDER_ENV, str(folder))
    me = os.getpid()
    (folder / "TLA-EMU-0001.port").write_text("%d /dev/pts/999999" % me)  # no such pty
    (folder / "TLA-EMU-0002.port").write_text("%d %s" % (me, tmp_path))  # not a device
    (folder / "<b>x.port").write_text("%d /dev/null" % me)  # not a serial
    (folder / "TLA-EMU-0003.port").write_bytes(b"\xff\xfe")
    (folder / "TLA-EMU-0004.port").write_text("/dev/null")  # no process named
    (folder / "TLA-EMU-0005.port").write_text("%d /dev/null" % (2**22 + 7))  # a process gone
    assert ports.announced() == []
    (folder / "TLA-EMU-0006.port").write_text("%d /dev/null" % me)
    assert [p.device for p in ports.announced()] == ["/dev/null"]  # the check is not "never"


def test_a_secretary_pairs_a_professional_does_not(tmp_path):
    assert access.RULES[("POST", "/appairer")].roles == access.SETUP
    assert "professional" not in access.SETUP
