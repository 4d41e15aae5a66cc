"""Windows and POSIX (issue 12, item 6): the agent's POSIX-only calls live in one module,
host_agent/system.py, which selects its POSIX or Windows implementation; nowhere else in
host_agent does such a call appear. CI cannot run Windows here, so the selection is
tested with os.name and sys.platform patched, and the Windows implementation (portable
calls only, by design) is run on this machine."""

import ast
import os
import re
import stat
import sys
from pathlib import Path

import pytest

from host_agent import files, system, watch

ROOT = Path(__file__).resolve().parent.parent
AGENT = ROOT / "host_agent"
# Calls and modules that exist or mean something on POSIX only (or differ on Windows).
POSIX_ONLY = re.compile(
    r"\bos\.(chmod|fchmod|lchmod|chown|fchown|getuid|geteuid|getgid|umask|killpg|setsid|"
    r"getpgid|setpgid|openpty|fork|mkfifo|O_RDONLY|O_DIRECTORY)\b|"
    r"\bsignal\.(SIGKILL|SIGHUP|SIGUSR1|SIGUSR2|SIGCHLD|SIGALRM)\b|"
    r"\bmode=0o[0-7]+|\b0o[0-7]{3}\b|"
    r"^\s*(import|from)\s+(fcntl|termios|tty|pty|pwd|grp|resource)\b",
    re.MULTILINE,
)


def posix_only_calls(paths) -> list:
    """'file:line text' of every POSIX-only call in `paths` (comments and docstrings aside)."""
    found = []
    for path in paths:
        text = path.read_text()
        docstrings = {
            node.body[0].value.lineno
            for node in ast.walk(ast.parse(text))
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef))
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        for number, line in enumerate(text.splitlines(), 1):
            code = line.split("#", 1)[0]
            if number not in docstrings and POSIX_ONLY.search(code):
                found.append("%s:%d %s" % (path.name, number, line.strip()))
    return found


def test_no_posix_only_call_outside_system_py():
    others = [p for p in sorted(AGENT.rglob("*.py")) if p != AGENT / "system.py"]
    assert len(others) > 30
    assert posix_only_calls(others) == []


def test_the_grep_finds_them(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import fcntl\nimport os\nos.chmod('x', 0o600)  # owner only\n"
        "os.kill(1, signal.SIGKILL)\nx = 1  # os.getuid() in a comment is fine\n"
    )
    found = posix_only_calls([bad])
    assert [f.split()[0] for f in found] == ["bad.py:1", "bad.py:3", "bad.py:4"], found
    assert posix_only_calls([AGENT / "system.py"])  # where they are


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
