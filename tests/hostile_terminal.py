"""A hostile terminal for the agent's tests: the real firmware (CPython, simulated board and
flash) served on a real pty or a TCP socket (`socket://127.0.0.1:PORT`), whose answers a
test rewrites on their way out (`answer(mtype, fn)`), after the real protocol sealed
nothing yet: a rewritten sealed answer is sealed with the session, so the agent receives an
authentic frame with a hostile body, as from a terminal whose firmware was replaced.

The terminal and the agent's store share a pairing made here (no keypad needed), unless
`paired=False`. Used by tests/test_hostile_terminal.py (docs/agent.md, "A hostile terminal").
"""

import os
import socket
import threading
import time

from emulator.ptylink import PtyBridge
from emulator.simboard import SimBoard, SimClock
from firmware.main import build
from hw import hal
from hw.boards.unix import PtyPort
from protocol.pairing import Pairing
from tests import sync_kit as kit


class SocketPort(hal.Port):
    """The terminal's end of a TCP connection, accepted on first use, read without blocking."""

    def __init__(self, server):
        self.server = server
        self.conn = None

    def _ready(self):
        if self.conn is None:
            try:
                self.conn, _ = self.server.accept()
            except (BlockingIOError, TimeoutError):
                return False
            self.conn.setblocking(False)
        return True

    def read(self, max_bytes=512):
        if not self._ready():
            return b""
        try:
            data = self.conn.recv(max_bytes)
        except BlockingIOError:
            return b""
        except OSError as e:
            raise hal.PortError(str(e)) from e
        if not data:  # the agent closed: wait for the next one
            self.conn.close()
            self.conn = None
        return data

    def write(self, data):
        if not self._ready():
            return len(data)
        try:
            self.conn.setblocking(True)
            self.conn.sendall(bytes(data))
        except OSError:
            self.conn = None  # the agent went away: what it missed is lost, as on a cable
        finally:
            if self.conn is not None:
                self.conn.setblocking(False)
        return len(data)

    def close(self):
        if self.conn is not None:
            self.conn.close()
        self.server.close()


def rewrite_answers(app, mtype, rewrite, sealed=True, served=None):
    """Make the firmware `app` answer `mtype` with rewrite(body, seq, real) -> (type, body)
    (`real()`: what it would have answered); returns a function that undoes it."""
    table = app.link.sealed if sealed else app.link.handlers
    real = table[mtype]

    def handler(body, seq):
        reply = rewrite(body, seq, lambda: real(body, seq))
        if served is not None:
            served.append((mtype, reply))
        return reply

    table[mtype] = handler

    def undo():
        table[mtype] = real

    return undo


class HostileTerminal:
    """`kind`: "pty" or "socket"; `sheets`: saved sheets on its flash; `store`: the agent's
    Store to pair with (None: not paired)."""

    def __init__(self, tmp, kind="pty", sheets=0, store=None, serial=kit.SERIAL):
        self.image = open(os.path.join(tmp, "flash-%s.img" % kind), "w+b")
        self.saved = {}
        if sheets:
            from firmware.storage import Storage

            board = SimBoard(serial_number=serial, flash_store=self.image)
            self.saved = kit.add_sheets(Storage(board), sheets)
        self.bridge = None
        if kind == "pty":
            self.bridge = PtyBridge().start()
            port = PtyPort(self.bridge.terminal_path)
            self.url = self.bridge.host_path
        else:
            server = socket.create_server(("127.0.0.1", 0))
            server.setblocking(False)
            port = SocketPort(server)
            self.url = "socket://127.0.0.1:%d" % server.getsockname()[1]
        self.port = port
        self.board = SimBoard(
            serial_number=serial, flash_store=self.image, port=port, clock=SimClock(kit.NOW)
        )
        self.app = build(self.board)
        if store is not None:
            pairing_id, key = os.urandom(8), os.urandom(32)
            self.app.gate.set_pairing(Pairing(pairing_id, key, store.agent_id()))
            store.save_pairing(serial, Pairing(pairing_id, key, serial), store.agent_id())
        self.served = []  # (message type, body) of every answer rewritten
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="hostile-terminal", daemon=True)

    def answer(self, mtype, rewrite, sealed=True):
        """From now on, answer `mtype` with rewrite(body, seq, real) -> (type, body), where
        `real()` is the real firmware's answer (type, body)."""
        rewrite_answers(self.app, mtype, rewrite, sealed, self.served)

    def start(self):
        self._thread.start()
        return self

    def _run(self):
        while not self._stop.is_set():
            if not self.app.step():
                time.sleep(0.001)

    def close(self):
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5)
        self.port.close()
        if self.bridge is not None:
            self.bridge.close()
        self.image.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()
