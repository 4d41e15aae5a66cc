"""Windows and POSIX (issue 12, item 6): the agent's POSIX-only calls live in one module,
host_agent/system.py, which selects its POSIX or Windows implementation (that nowhere else
in host_agent has one is tests/test_agent_shape.py's grep). CI cannot run Windows here, so
the selection is tested with os.name and sys.platform patched, and the Windows
implementation (portable calls only, by design) is run on this machine."""

import os
import stat
import sys

import pytest

from host_agent import files, system, watch


@pytest.mark.parametrize(
    "os_name, platform, expected",
    [("posix", "linux", "posix"), ("posix", "darwin", "posix"), ("nt", "win32", "windows")],
)
def test_the_selection(monkeypatch, os_name, platform, expected):
    monkeypatch.setattr(os, "name", os_name)
    monkeypatch.setattr(sys, "platform", platform)
    assert system.select().name == expected
    assert system.select("nt", "win32").name == "windows"
    assert system.select("posix", "linux").name == "posix"


def test_this_machine_uses_posix():
    assert system.current.name == ("windows" if os.name == "nt" else "posix")


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_posix_files_are_the_owners_whatever_the_umask(tmp_path):
    old = os.umask(0)  # the most permissive umask: the modes must not follow it
    try:
        files.write_private(tmp_path / "a" / "b" / "lot.tla", b"NIR inside")
    finally:
        os.umask(old)
    assert _mode(tmp_path / "a") == _mode(tmp_path / "a" / "b") == 0o700
    assert _mode(tmp_path / "a" / "b" / "lot.tla") == 0o600
    assert (tmp_path / "a" / "b" / "lot.tla").read_bytes() == b"NIR inside"


def test_the_windows_implementation_uses_portable_calls_only(tmp_path):
    win = system.Windows()
    win.make_private_folder(tmp_path / "tla")
    fd = win.open_private_file(tmp_path / "tla" / "agent.db")
    os.write(fd, b"x")
    os.close(fd)
    win.create_private_file(tmp_path / "tla" / "other.db")
    win.sync_folder(tmp_path / "tla")  # nothing to do there, and nothing fails
    assert (tmp_path / "tla" / "agent.db").read_bytes() == b"x"
    assert (tmp_path / "tla" / "other.db").exists()


def test_com_ports_are_present_while_pyserial_lists_them(tmp_path):
    win = system.Windows()
    assert win.port_present("COM3", ports=["COM1", "COM3"])
    assert win.port_present("com3", ports=["COM3"])
    assert not win.port_present("COM4", ports=["COM1", "COM3"])
    assert win.port_present("socket://127.0.0.1:5000", ports=[])
    assert not win.port_present(str(tmp_path / "none"), ports=[])
    posix = system.Posix()
    assert posix.port_present("socket://127.0.0.1:5000")
    assert not posix.port_present(str(tmp_path / "none"))
    (tmp_path / "tty").write_bytes(b"")
    assert posix.port_present(str(tmp_path / "tty"))


def test_watch_asks_the_system_whether_its_port_is_there(monkeypatch):
    monkeypatch.setattr(watch, "system", system.Windows())
    from serial.tools import list_ports

    class Port:
        device = "COM7"

    monkeypatch.setattr(list_ports, "comports", lambda: [Port()])
    assert watch.url_finder("COM7")() == "COM7"
    assert watch.url_finder("COM8")() is None
