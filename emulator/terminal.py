"""Run the terminal firmware on a PC, in one of two ways, behind one interface:

- `InProcessTerminal`: CPython, firmware and SimBoard in this process (a thread runs the
  firmware's main loop);
- `MicroPythonTerminal`: the same firmware under the real `micropython` command on the
  unix board, driven through its line console (keys in, screens and events out).

Both open the terminal's end of a PtyBridge, so the agent talks to either through a pty,
and both take cards the same way: `insert(slot, card)`, `remove(slot)`, `pull_during(slot,
n)` (a virtual card object of emulator/cards; under micropython it is served to the unix
board's slot by a card server).
"""

import collections
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time

from emulator import interpreters
from emulator.cardserver import CardServer, SlotRelay
from emulator.simboard import SimBoard, SimClock, SimSlot, open_private_image
from hw.boards.unix import PtyPort

SLOTS = ("vitale", "cps")


class TerminalBase:
    serial_number = ""

    def __init__(self, on_show=None):
        self.on_show = on_show
        self.screen = [""] * 4
        self.screen_count = 0  # screens shown so far; `recent` keeps the last ones, numbered
        self.recent: collections.deque = collections.deque(maxlen=256)
        self.events = queue.Queue()

    def _screen_changed(self, lines):
        self.screen = list(lines)
        self.screen_count += 1
        self.recent.append((self.screen_count, self.screen))
        if self.on_show:
            self.on_show(self.screen)

    def start(self) -> "TerminalBase":
        raise NotImplementedError

    def press(self, key: str) -> None:
        raise NotImplementedError

    def set_time(self, epoch: int) -> None:
        raise NotImplementedError

    def alive(self) -> bool:
        raise NotImplementedError

    def halt(self) -> None:
        """End the firmware's loop without closing its flash (in-process terminals only)."""

    def stop(self) -> int | None:
        raise NotImplementedError

    def insert(self, slot: str, card, pull_at: int = 0) -> None:
        """Put a virtual card (emulator/cards) into the terminal's `slot`; with `pull_at`,
        it is pulled out during its `pull_at`-th exchange (power-ons and APDUs)."""
        raise NotImplementedError

    def remove(self, slot: str) -> None:
        """Take the card out of `slot` (nothing happens when it is empty)."""
        raise NotImplementedError

    def pull_during(self, slot: str, n: int) -> None:
        """The card in `slot` leaves during the n-th exchange from now (1 = the next one);
        exchanges are power-ons (ATR) and APDUs."""
        raise NotImplementedError

    def use_reader(self, slot: str, reader) -> None:
        """Back `slot` with a hal.CardSlot of this PC (e.g. hw.pcsc.PcscSlot)."""
        raise NotImplementedError

    def wait_event(self, kind, timeout=10.0):
        """Wait for the next event of `kind` reported by the firmware; returns its payload."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("the terminal did not report %s in %.0f s" % (kind, timeout))
            try:
                got_kind, payload = self.events.get(timeout=left)
            except queue.Empty:
                continue
            if got_kind == kind:
                return payload


class InProcessTerminal(TerminalBase):
    """The firmware under CPython with the simulated board, in a thread of this process."""

    interpreter = "cpython"

    def __init__(
        self,
        port_path,
        serial_number="TLA-EMU-0001",
        flash_path=None,
        on_show=None,
        clock=None,
        opposition=(),
        cps_session_s=None,
    ):
        """`opposition`: card serials the terminal refuses (until the sync fills the list);
        `cps_session_s`: how long a verified CPS PIN lasts (default: the firmware's)."""
        super().__init__(on_show)
        self.serial_number = serial_number
        self.port_path = port_path
        self.flash_path = flash_path
        self.clock = clock or SimClock()
        self.opposition = tuple(opposition)
        self.cps_session_s = cps_session_s
        self.readers = {}
        self.board: SimBoard | None = None
        self.app = None
        self._thread: threading.Thread | None = None
        self.error: BaseException | None = None

    def start(self):
        from firmware.main import build

        store = None
        if self.flash_path:
            store = open_private_image(self.flash_path)
        board = SimBoard(
            serial_number=self.serial_number,
            flash_store=store,
            port=PtyPort(self.port_path),
            clock=self.clock,
            on_show=self._screen_changed,
        )
        events = self.events

        def emit(kind, payload):
            events.put((kind, payload))

        board.emit = emit
        board.slots.update(self.readers)
        self.board = board
        options: dict = {"opposition_seed": self.opposition}
        if self.cps_session_s is not None:
            options["cps_session_s"] = self.cps_session_s
        self.app = build(board, **options)
        self._thread = threading.Thread(target=self._run, name="firmware", daemon=True)
        self._thread.start()
        return self

    def _run(self):
        assert self.app is not None
        try:
            self.app.run()
        except BaseException as e:  # reported by stop() and the CLI
            self.error = e
            self.events.put(("CRASH", repr(e)))

    def press(self, key):
        assert self.board is not None
        self.board.keypad.press(key)

    def set_time(self, epoch):
        assert self.board is not None
        self.board.clock.set(epoch)

    def alive(self):
        return self._thread is not None and self._thread.is_alive()

    def _sim_slot(self, slot) -> SimSlot:
        assert self.board is not None, "start() the terminal first"
        found = self.board.slots[slot]
        if not isinstance(found, SimSlot):
            raise ValueError("the %s slot is backed by a reader of this PC" % slot)
        return found

    def insert(self, slot, card, pull_at=0):
        sim = self._sim_slot(slot)
        sim.pull_after(pull_at)  # armed before the card is in: the firmware may be quick
        sim.insert(card)

    def remove(self, slot):
        self._sim_slot(slot).remove()

    def pull_during(self, slot, n):
        self._sim_slot(slot).pull_after(n)

    def use_reader(self, slot, reader):
        if self.board is not None:
            raise RuntimeError("choose readers before start()")
        self.readers[slot] = reader

    def halt(self):
        """End the firmware's loop and wait for it, the flash still mounted: what the app
        wrote can then be read from this thread without racing its own."""
        if self.board is not None:
            self.board.stop_requested = True
        if self._thread is not None:
            self._thread.join(5)

    def stop(self):
        self.halt()
        if self.board is not None:
            self.board.port.close()
            if self.flash_path:  # the image on disk is whole once stopped (buffered file)
                self.board.flash.store.close()
        return 0 if self.error is None else 1


class MicroPythonTerminal(TerminalBase):
    """The firmware under the real `micropython` command on the unix board."""

    interpreter = "micropython"

    def __init__(
        self,
        port_path,
        serial_number="TLA-EMU-0001",
        flash_path=None,
        slots=None,
        heapsize=None,
        on_show=None,
        on_line=None,
        opposition=(),
        cps_session_s=None,
        trace=None,
        binary=None,
        launcher=None,
    ):
        """`slots`: {slot: TCP port} of the unix board's card readers (default: free ports);
        `trace(line)` sees the card servers' exchanges (PINs redacted); `binary`: another
        MicroPython build (make firmware's micropython-tla32), else the `micropython` command;
        `launcher` ("micropython" or "cpython"): the firmware runs under that interpreter
        behind the unix board's bootloader (emulator/launcher.py), taking updates."""
        super().__init__(on_show)
        self.binary = binary
        self.launcher = launcher
        self.serial_number = serial_number
        self.port_path = port_path
        self.heapsize = heapsize
        self.on_line = on_line
        self.trace = trace
        self._tmp = tempfile.TemporaryDirectory(prefix="tla-mpy-")
        self.flash_path = flash_path or os.path.join(self._tmp.name, "flash.img")
        self.slot_ports = (
            dict(slots) if slots else {name: interpreters.free_port() for name in SLOTS}
        )
        self.config = {
            "serial": serial_number,
            "flash": str(self.flash_path),
            "port": port_path,
            "slots": self.slot_ports,
            "opposition": list(opposition),
        }
        if cps_session_s is not None:
            self.config["cps_session_s"] = cps_session_s
        self.proc = None
        self.stderr_lines = []
        self._reader = None
        self.servers: dict = {}
        self.relays: dict = {}

    def start(self):
        # The unix board itself makes its flash image 0600 (hw/_compat.open_private); the
        # board's config is the owner's alone too, like every file written for a terminal.
        cfg = os.path.join(self._tmp.name, "board.json")
        with os.fdopen(os.open(cfg, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
            json.dump(self.config, f)
        cmd = [self.binary or interpreters.micropython_command()]
        if self.heapsize:
            cmd += ["-X", "heapsize=%s" % self.heapsize]
        cmd += ["-m", "firmware.main", cfg]
        if self.launcher:
            cmd = [sys.executable, "-m", "emulator.launcher", cfg]
            cmd += ["--interpreter", self.launcher] + (
                ["--binary", self.binary] * bool(self.binary)
            )
            cmd += ["--heapsize", str(self.heapsize)] * bool(self.heapsize)
        self.proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=interpreters.micropython_env(),
            cwd=self._tmp.name,
            text=True,
            bufsize=1,
        )
        self._reader = threading.Thread(target=self._read_stdout, daemon=True)
        self._reader.start()
        threading.Thread(target=self._read_stderr, daemon=True).start()
        return self

    def _read_stdout(self):
        assert self.proc is not None and self.proc.stdout is not None
        for line in self.proc.stdout:
            line = line.rstrip("\n")
            kind, _, rest = line.partition(" ")
            try:
                payload = json.loads(rest) if rest else None
            except ValueError:
                payload = None
                kind = "OUTPUT"
            if kind == "SCREEN" and isinstance(payload, list):
                self._screen_changed(payload)
            elif kind in ("EVENT", "READY"):
                self.events.put((kind, payload))
            elif self.on_line:
                self.on_line(line)
        self.events.put(("EXIT", self.proc.poll()))

    def _read_stderr(self):
        assert self.proc is not None and self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr_lines.append(line.rstrip("\n"))
            if self.on_line:
                self.on_line(line.rstrip("\n"))

    def _send(self, line):
        if self.proc is None or self.proc.stdin is None or self.proc.poll() is not None:
            raise RuntimeError("the micropython terminal is not running")
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def press(self, key):
        self._send("KEY " + key)

    def set_time(self, epoch):
        self._send("TIME %d" % epoch)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def insert(self, slot, card, pull_at=0):
        self.remove(slot)
        server = CardServer(card, self.slot_ports[slot], trace=self.trace)
        if pull_at:
            server.pull_during(pull_at)
        self.servers[slot] = server.start()

    def remove(self, slot):
        server = self.servers.pop(slot, None)
        if server is not None:
            server.remove()

    def pull_during(self, slot, n):
        self.servers[slot].pull_during(n)

    def use_reader(self, slot, reader):
        relay = SlotRelay(reader, self.slot_ports[slot], trace=self.trace)
        self.relays[slot] = relay.start()

    def stop(self):
        for slot in list(self.servers):
            self.remove(slot)
        for relay in self.relays.values():
            relay.stop()
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            try:
                self._send("QUIT")
                self.proc.wait(5)
            except (RuntimeError, OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait(5)
        code = self.proc.returncode
        self._tmp.cleanup()
        return code


def make_terminal(interpreter, port_path, **kwargs) -> TerminalBase:
    if interpreter == "cpython":
        for key in ("heapsize", "slots", "on_line", "trace"):
            kwargs.pop(key, None)
        return InProcessTerminal(port_path, **kwargs)
    if interpreter == "micropython":
        kwargs.pop("clock", None)
        return MicroPythonTerminal(port_path, **kwargs)
    raise ValueError("interpreter must be cpython or micropython, not %r" % interpreter)
