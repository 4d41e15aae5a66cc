"""What an idle terminal keeps loaded, under CPython, micropython and the frozen 32-bit build.

What it shows: the App boots, answers HELLO and idles without importing AUTH's key schedule,
X25519, the session, pairing, the sync messages or the record stream (docs/board.md "Heap":
about 5.6 KB of heap on the 32-bit build); opening the pairing screen then loads
protocol.pairing, and an AUTH request the key schedule and X25519 (imported on first use,
not missing).
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import FROZEN32, _frozen32_missing

from emulator.interpreters import micropython_command, micropython_env

ROOT = Path(__file__).resolve().parent.parent
PORTABLE = ROOT / "tests" / "portable"
LAZY = (
    "protocol.aes_ctr",
    "protocol.hkdf",
    "protocol.hmac_sha256",
    "protocol.keyschedule",
    "protocol.pairing",
    "protocol.record_stream",
    "protocol.session",
    "protocol.sync_messages",
    "protocol.x25519",
)

_CHILD = """
import sys
from _fakes import FakeBoard
from firmware.app import App
from protocol import frame, messages
LAZY = %r

def loaded():
    return ",".join(m for m in LAZY if m in sys.modules) or "-"

app = App(FakeBoard("TLA-LAZY-0001"))
app.board.port.feed(frame.encode(messages.HELLO, 1, {}))
for _ in range(5):
    app.step()
replies = frame.Decoder().feed(app.board.port.take())
print("HELLO", [(f.mtype, f.seq) for f in replies])
print("IDLE", loaded())
app.pairing.open()
print("PAIRING", loaded())
body = {"step": 1, "pid": bytes(8), "nonce": bytes(16), "epk": bytes(32)}
app.board.port.feed(frame.encode(messages.AUTH, 2, body))
app.step()
print("AUTH", [(f.mtype, f.seq) for f in frame.Decoder().feed(app.board.port.take())])
print("AFTER", loaded())
""" % (LAZY,)


def _run(interpreter, tmp):
    script = Path(tmp, "lazy_child.py")
    script.write_text(_CHILD)
    if interpreter == "cpython":
        env = dict(os.environ, PYTHONPATH=os.pathsep.join((str(PORTABLE), str(ROOT))))
        cmd = [sys.executable, str(script)]
    else:
        binary = micropython_command() if interpreter == "micropython" else str(FROZEN32)
        # frozen32: run from a folder holding no tla source, `.frozen` first (docs/board.md).
        path = ".frozen:%s" % PORTABLE
        if interpreter == "micropython":
            path += ":%s" % ROOT
        env = dict(micropython_env(), MICROPYPATH=path)
        cmd = [binary, str(script)]
    out = subprocess.run(cmd, env=env, cwd=tmp, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return dict(line.split(" ", 1) for line in out.stdout.splitlines())


@pytest.mark.parametrize("interpreter", ["cpython", "micropython", "frozen32"])
def test_an_idle_terminal_loads_no_link_security_or_sync(interpreter):
    if interpreter == "frozen32":
        why = _frozen32_missing()
        if why:
            pytest.skip(why)
    with tempfile.TemporaryDirectory(prefix="tla-lazy-") as tmp:
        seen = _run(interpreter, tmp)
    assert seen["HELLO"] == "[(1, 1)]"
    assert seen["IDLE"] == "-"
    pairing = seen["PAIRING"].split(",")
    assert "protocol.pairing" in pairing
    assert "protocol.session" not in pairing and "protocol.sync_messages" not in pairing
    # Unpaired: AUTH is answered with ERROR 5 (not paired), the handler's imports loaded.
    assert seen["AUTH"] == "[(127, 2)]"
    assert "protocol.keyschedule" in seen["AFTER"]
    assert "protocol.sync_messages" not in seen["AFTER"]
