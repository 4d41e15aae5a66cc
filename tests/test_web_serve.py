"""`tla-agent serve` as a user starts it: it refuses to listen beyond this PC without a
password, and otherwise serves the pages on the port given until stopped (its process group
dies with the test)."""

import socket
import subprocess
import sys
import urllib.request

from emulator import procgroup
from emulator.waiting import until
from tests import web_kit as web

AGENT = [sys.executable, "-m", "host_agent.cli"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_refuses_other_computers_without_a_password(tmp_path):
    db = web.day(tmp_path)
    done = procgroup.run(
        AGENT + ["serve", "--db", str(db), "--host", "0.0.0.0"], timeout=60, text=True
    )
    assert done.returncode == 1
    assert "give a password (--password-file)" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    weak = tmp_path / "password"
    weak.write_text("court\n")
    weak.chmod(0o600)
    done = _serve_beyond_this_pc(db, weak)
    assert done.returncode == 1 and "8 characters or more" in done.stderr
    # A good password in a file the other users of the PC can read: refused, saying the mend.
    weak.write_text("un mot de passe long\n")
    weak.chmod(0o644)
    done = _serve_beyond_this_pc(db, weak)
    assert done.returncode == 1 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "other users can read it: make it its owner's only (chmod 600 %s)" % weak in (
        done.stderr
    )


def test_serve_answers_on_its_port_until_stopped(tmp_path):
    db = web.day(tmp_path)
    port = _free_port()
    # The settings' terminal port is proposed on the home page; it is not the web port.
    config = tmp_path / "tla.toml"
    config.write_text('[terminal]\nport = "/dev/ttyACM7"\n')
    proc = procgroup.start(
        AGENT + ["--config", str(config), "serve", "--db", str(db), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = "http://127.0.0.1:%d/feuilles" % port

    def answers():
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                return r.status == 200 and "MARTIN PAUL" in r.read().decode()
        except OSError:
            return False

    try:
        assert until(answers, 60), "tla-agent serve did not answer on %s" % url
        with urllib.request.urlopen("http://127.0.0.1:%d/" % port, timeout=5) as r:
            assert 'value="/dev/ttyACM7"' in r.read().decode()
    finally:
        procgroup.kill_group(proc)
    out = proc.stdout.read() if proc.stdout else ""
    assert "open http://127.0.0.1:%d/ in a browser" % port in out


def _serve_beyond_this_pc(db, password_file):
    """`tla-agent serve` on every address with that password file: it must refuse and end."""
    return procgroup.run(
        AGENT
        + ["serve", "--db", str(db), "--host", "0.0.0.0", "--password-file", str(password_file)],
        timeout=60,
        text=True,
    )
