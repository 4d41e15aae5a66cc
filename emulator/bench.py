"""An emulated terminal on the bench, as `tla-emu run` and `tla-emu tui` both start it: the
pty bridge of its serial port, the firmware (in this process or under micropython), the
`--slot` cards; and the lines a person types to it (`4827 OK`, `insert vitale single`).

The options the two commands share are here too, so that they read the same.
"""

import enum
import time
from pathlib import Path
from typing import Annotated

import typer

from emulator.cards import fixtures
from emulator.cards_cli import apply_slots, console_command, parse_slot
from emulator.ptylink import PtyBridge
from emulator.scenario_play import ScenarioError, split_keys
from emulator.terminal import make_terminal
from host_agent import ports


class Interpreter(enum.StrEnum):
    cpython = "cpython"
    micropython = "micropython"


InterpreterOption = Annotated[
    Interpreter,
    typer.Option(
        "--interpreter",
        "-i",
        help="Run the firmware in this process (cpython) or under the real micropython command.",
    ),
]
SerialOption = Annotated[str, typer.Option(help="Serial number the terminal reports.")]
FlashOption = Annotated[
    Path | None,
    typer.Option(help="Flash image file to use (kept between runs). Default: a temporary one."),
]
BaudOption = Annotated[
    int,
    typer.Option(help="Pace the serial line like a UART at this rate (0: as fast as possible)."),
]
HeapsizeOption = Annotated[
    str | None, typer.Option(help="MicroPython heap size, e.g. 96k (micropython only).")
]
SlotOption = Annotated[
    list[str] | None,
    typer.Option(
        "--slot",
        help="Back a card slot: vitale=fixture:NAME (a fixture card, see `cards list`) or "
        'cps=pcsc:"READER NAME" (a PC/SC reader of this PC). Repeatable.',
    ),
]


def check_slots(specs):
    """Refuse a bad `--slot` before anything starts (typer.BadParameter: a usage error)."""
    known = [name for name, _kind, _ in fixtures.names()]
    for spec in specs or ():
        _slot, kind, value = parse_slot(spec)
        if kind == "fixture" and value not in known:
            raise typer.BadParameter(
                "no fixture card named %r (see `tla-emu cards list`)" % value, param_hint="--slot"
            )


class BootError(Exception):
    """The terminal did not come up (its own messages say why)."""


class Bench:
    """One emulated terminal and its serial pty. `boot()` starts both and returns the
    firmware's READY payload; `stop()` ends the firmware (thread or process), the card
    servers and the bridge, and returns the firmware's exit code."""

    def __init__(
        self,
        interpreter="cpython",
        serial="TLA-EMU-0001",
        flash=None,
        baud=0,
        heapsize=None,
        slots=(),
        on_show=None,
        on_line=None,
    ):
        self.interpreter = str(interpreter)
        self.slots: list[str] = list(slots or ())
        self.bridge = PtyBridge(baud=baud).start()
        kwargs = {
            "serial_number": serial,
            "flash_path": str(flash) if flash else None,
            "on_show": on_show,
            "opposition": fixtures.OPPOSED_SERIALS,
        }
        if self.interpreter == "micropython":
            kwargs["heapsize"] = heapsize
            kwargs["on_line"] = on_line
        self.terminal = make_terminal(self.interpreter, self.bridge.terminal_path, **kwargs)
        self.serial = serial
        self.stopped = False
        self.announced = None  # the file that tells the agent's pages where this pty is

    @property
    def port(self) -> str:
        """The pty path the agent opens (`tla-agent sync --port PATH`)."""
        return self.bridge.host_path

    def boot(self, timeout=20.0) -> dict:
        apply_slots(self.terminal, self.slots, before_start=True)
        try:
            self.terminal.start()
        except (RuntimeError, OSError) as e:  # no micropython command, a flash image unusable
            raise BootError("the terminal did not start: %s" % e) from None
        try:
            ready = self.terminal.wait_event("READY", timeout=timeout)
        except TimeoutError:
            raise BootError("the terminal did not boot") from None
        apply_slots(self.terminal, self.slots, before_start=False)
        # The agent's pairing and unloading pages offer this pty (host_agent/ports.py).
        self.announced = ports.announce(self.serial, self.port)
        return ready or {}

    def stop(self):
        if self.stopped:
            return 0
        self.stopped = True
        ports.withdraw(self.announced)
        try:
            return self.terminal.stop()
        finally:
            self.bridge.close()

    def type_line(self, line) -> str | None:
        """What a person typed: a card command (`insert vitale single`, `remove cps`) or
        keys (`4827 OK`, `4 8 2 7`, `ok`: digits one by one, key names in any case), as
        scenario files write them. Returns a message when the line means nothing."""
        if not line.strip() or console_command(self.terminal, line):
            return None
        try:
            keys = split_keys(line.upper())
        except ScenarioError as e:
            return "%s (keys: 0-9 OK CANCEL BACK UP DOWN MENU; insert SLOT CARD; remove SLOT)" % e
        for key in keys:
            self.terminal.press(key)
        return None

    def settle(self, quiet_s=0.3, limit_s=10.0):
        """Wait until the screen has not changed for `quiet_s` (at most `limit_s`): piped
        lines come faster than a person types, and a card must be read before the keys
        that follow it (a pipe has no eyes on the screen)."""
        deadline = time.monotonic() + limit_s
        seen = self.terminal.screen_count
        quiet_until = time.monotonic() + quiet_s
        while time.monotonic() < min(quiet_until, deadline):
            time.sleep(0.02)
            if self.terminal.screen_count != seen:
                seen = self.terminal.screen_count
                quiet_until = time.monotonic() + quiet_s
