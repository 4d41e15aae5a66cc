"""The real serial path: the emulated terminal (CPython or micropython) behind a pty, and
`tla-agent pair` and `sync` opening it with pyserial; replayed, reordered and bit-flipped
frames injected on the real link are refused; a port that vanishes mid-sync."""

import re
import subprocess
import sys
import threading

import pytest

from emulator.ptylink import PtyBridge
from emulator.terminal import make_terminal
from emulator.waiting import until
from firmware.journal import ACKED
from host_agent.client import LinkClient
from host_agent.store import Store
from host_agent.sync import Syncer
from host_agent.sync_parts import load_root
from host_agent.transport import open_port
from protocol import cobs, messages
from protocol.crc import crc32_bytes
from tests import sync_kit as kit

AGENT = [sys.executable, "-m", "host_agent.cli"]
LIVENESS_S = 300.0  # bounds for what must happen (micropython pairs slowly under load)


def _wait(predicate, timeout=LIVENESS_S, what="condition"):
    if not until(predicate, timeout):
        raise AssertionError("timed out waiting for %s" % what)


class Terminal:
    """An emulated terminal on a pty, its flash holding `n` sheets."""

    def __init__(self, tmp, interpreter, n, baud=0, fault=None):
        self.image = tmp / "flash.img"
        self.saved = kit.flash_image(self.image, n)
        self.bridge = PtyBridge(baud=baud, fault=fault).start()
        self.t = make_terminal(
            interpreter,
            self.bridge.terminal_path,
            serial_number=kit.SERIAL,
            flash_path=str(self.image),
        )
        self.t.start()
        self.t.wait_event("READY", 30)
        self.t.set_time(kit.NOW)
        self.port = self.bridge.host_path

    def close(self):
        self.t.stop()
        self.bridge.close()


def _pair_with_the_cli(term, db, answer="y"):
    """`tla-agent pair`, the user comparing the codes and answering on both sides."""
    term.t.press("MENU")
    term.t.press("1")
    _wait(lambda: term.t.screen[0] == "Appairage d'un PC", what="the pairing screen")
    agent = subprocess.Popen(
        AGENT + ["pair", "--port", term.port, "--db", str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert agent.stdout is not None and agent.stdin is not None
    code = None
    for line in agent.stdout:
        m = re.search(r"code is: (\d{3} \d{3})", line)
        if m:
            code = m.group(1)
            break
    assert code, agent.stderr.read() if agent.stderr else ""
    _wait(lambda: term.t.screen[0].startswith("Code: "), what="the code on the terminal")
    assert term.t.screen[0] == "Code: " + code  # the user compares them
    agent.stdin.write(answer + "\n")
    agent.stdin.flush()
    term.t.press("OK" if answer == "y" else "CANCEL")
    out, err = agent.communicate(timeout=LIVENESS_S)
    return agent.returncode, out, err


def sync_with_the_cli(port, db, root):
    """`tla-agent sync` on `port` into `db`: the finished process."""
    return subprocess.run(
        AGENT + ["sync", "--port", port, "--db", str(db), "--root", str(root)],
        capture_output=True,
        text=True,
        timeout=LIVENESS_S,
    )


@pytest.mark.parametrize("interpreter", ["cpython", "micropython"])
def test_pair_and_sync_through_a_pty_with_pyserial(tmp_path, interpreter):
    term = Terminal(tmp_path, interpreter, 12)
    db = tmp_path / "agent.db"
    root = kit.write_root(tmp_path)
    try:
        code, out, err = _pair_with_the_cli(term, db)
        assert code == 0, err
        assert "paired with terminal %s" % kit.SERIAL in out
        term.t.press("OK")
        sync = sync_with_the_cli(term.port, db, root)
        assert sync.returncode == 0, sync.stderr
        assert "12 sheets filed, 0 quarantined" in sync.stdout, sync.stdout
        filed, quarantined = kit.store_records(db)
        assert filed == term.saved and not quarantined
        again = sync_with_the_cli(term.port, db, root)
        assert again.returncode == 0 and "0 sheets filed" in again.stdout, again.stderr
    finally:
        term.close()


def test_codes_declared_different_keep_nothing(tmp_path):
    term = Terminal(tmp_path, "cpython", 1)
    db = tmp_path / "agent.db"
    try:
        code, out, err = _pair_with_the_cli(term, db, answer="n")
        assert code == 1 and err.startswith("error: the codes differ"), err
        assert len(err.strip().splitlines()) == 1
        assert Store(db).pairing(kit.SERIAL) is None
        _wait(lambda: term.t.screen[0] == "Appairage refuse", what="the refusal")
        assert term.t.app.gate.pairing is None
    finally:
        term.close()


class Attacker:
    """On the cable between the agent and the terminal: replays an old sealed frame of the
    agent's, delivers two out of order, flips one bit (CRC recomputed so that only the
    session can notice); and flips a bit of one of the terminal's frames."""

    def __init__(self):
        self.buf = {"h2t": b"", "t2h": b""}
        self.sealed = {"h2t": [], "t2h": []}
        self.held = None
        self.done = []

    def __call__(self, direction, data):
        buf = self.buf[direction] + data
        out = []
        while True:
            start = buf.find(b"\x00")
            end = buf.find(b"\x00", start + 1) if start >= 0 else -1
            if end < 0:
                break
            if end == start + 1:  # an empty frame between delimiters: keep the rest
                buf = buf[end:]
                continue
            out += self._frame(direction, buf[start : end + 1])
            buf = buf[end + 1 :]
        self.buf[direction] = buf
        return b"".join(out)

    def _frame(self, direction, wire):
        raw = cobs.decode(wire[1:-1])
        if raw[1] < messages.STATUS or raw[1] == messages.ERROR:
            return [wire]
        seen = self.sealed[direction]
        seen.append(wire)
        n = len(seen)
        if direction == "t2h":
            if n == 6:
                self.done.append("flip t2h")
                return [_flipped(raw)]
            return [wire]
        if n == 4:
            self.done.append("replay")
            return [wire, seen[1]]  # the 2nd again, after the 4th
        if n == 6:
            self.held = wire  # the 6th waits...
            return []
        if n == 7 and self.held is not None:
            self.done.append("reorder")
            return [wire, self.held]  # ...and comes after the 7th
        if n == 9:
            self.done.append("flip h2t")
            return [_flipped(raw)]
        return [wire]


def _flipped(raw):
    bad = bytearray(raw[:-4])
    bad[len(bad) // 2] ^= 0x10
    bad += crc32_bytes(bytes(bad))
    return b"\x00" + cobs.encode(bytes(bad)) + b"\x00"


def test_replayed_reordered_and_flipped_frames_are_refused_over_the_real_link(tmp_path):
    attacker = Attacker()
    term = Terminal(tmp_path, "cpython", 25, fault=attacker)
    store = Store(tmp_path / "agent.db")
    try:
        app = term.t.app
        kit.pair_over_port(term.t, store, term.port)
        link = LinkClient(open_port(term.port))
        syncer = Syncer(store, load_root(kit.write_root(tmp_path)), link, silence_s=1.0)
        syncer.run()
        link.port.close()
        assert set(attacker.done) == {"replay", "reorder", "flip h2t", "flip t2h"}, attacker.done
        assert app.link.refused >= 3, app.link.refused  # replay, reorder, flip
        assert link.refused >= 1
        filed, quarantined = kit.host_records(store)
        assert filed == term.saved and not quarantined
    finally:
        term.close()


def test_a_port_that_vanishes_mid_sync(tmp_path):
    seen = {"bytes": 0}

    def count(direction, data):
        if direction == "t2h":
            seen["bytes"] += len(data)
        return data

    term = Terminal(tmp_path, "cpython", 60, baud=115200, fault=count)
    db = tmp_path / "agent.db"
    store = Store(db)
    kit.pair_over_port(term.t, store, term.port)
    store.close()
    root = kit.write_root(tmp_path)
    try:
        agent = subprocess.Popen(
            AGENT + ["sync", "--port", term.port, "--db", str(db), "--root", str(root)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        _wait(lambda: seen["bytes"] > 8000, what="the sync to be under way")
        threading.Thread(target=term.bridge.close).start()  # the cable is pulled out
        out, err = agent.communicate(timeout=LIVENESS_S)
        assert agent.returncode == 5, (out, err)
        assert err.startswith("error: "), err
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
        print(err.strip())
        store = Store(db)
        assert store.db.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        filed, _ = kit.host_records(store)
        assert len(filed) < 60
        states = {r.rec_no: r.status for r in term.t.app.storage.journal.headers(None)}
        assert len(states) == 60  # the terminal keeps every sheet
        for rec_no, state in states.items():
            assert state != ACKED or rec_no in filed  # acknowledged only once filed
        store.close()
    finally:
        term.close()
