"""Scenario files (emulator/scenarios/*.json) played on an emulated terminal, the firmware in
this process or under micropython (any emulator.terminal.TerminalBase): `play(terminal,
scenario)`, `play_day(terminal)` for the demo's day of visits, and `tla-emu play FILE...`.

What a scenario says is emulator/scenario_play.py's; here the steps become card moves and
key presses on a running terminal, and each expectation is waited for (the terminal runs on
its own: a thread, or a micropython process).
"""

import queue
import sys
import tempfile
import time
from pathlib import Path
from typing import Annotated

import typer

from emulator.cards import fixtures
from emulator.ptylink import PtyBridge
from emulator.scenario_play import ScenarioError, expectation_met, load
from emulator.scenario_play import play as play_steps
from emulator.simboard import SimSlot
from emulator.terminal import TerminalBase, make_terminal

SCENARIOS = Path(__file__).resolve().parent / "scenarios"
DAY = SCENARIOS / "day.json"  # the demo's day: 12 patients, mixed


class TerminalDriver:
    """Plays steps on a started TerminalBase; every event it reports is kept (`saved`: the
    summaries of the sheets saved, in order)."""

    def __init__(self, terminal: TerminalBase, timeout=15.0):
        self.t = terminal
        self.timeout = timeout
        self.events: list = []
        self.event_count = 0
        self.saved: list = []
        self.now = 0

    def _drain(self):
        while True:
            try:
                kind, payload = self.t.events.get_nowait()
            except queue.Empty:
                return
            if kind == "EVENT" and isinstance(payload, dict):
                self.event_count += 1
                self.events.append((self.event_count, payload))
                if "saved" in payload:
                    self.saved.append(payload["saved"])
            elif kind in ("CRASH", "EXIT"):
                raise ScenarioError("the terminal stopped: %r" % (payload,))

    def mark(self):
        self._drain()
        return self.t.screen_count, self.event_count

    def insert(self, slot, card, pull_at=0):
        self.t.insert(slot, fixtures.make(card), pull_at)

    def remove(self, slot):
        self.t.remove(slot)

    def press(self, key):
        self.t.press(key)

    def set_time(self, epoch):
        self.now = epoch
        self.t.set_time(epoch)

    def advance(self, seconds):
        self.set_time(self.now + seconds)

    def expect(self, mark, step):
        deadline = time.monotonic() + self.timeout
        while True:
            self._drain()
            screens = [lines for n, lines in list(self.t.recent) if n > mark[0]]
            events = [e for n, e in self.events if n > mark[1]]
            missing = expectation_met(step, screens, events, self.t.screen)
            if missing is None or time.monotonic() > deadline:
                return missing
            time.sleep(0.002)


def play(terminal: TerminalBase, scenario, timeout=15.0) -> list:
    """Play `scenario` (a dict, or a path to its file) on a started terminal; returns the
    summaries of the sheets it saved (what the terminal reported: numbers, amounts, the
    SHA-256 of each stored bundle). ScenarioError names the step that failed."""
    if not isinstance(scenario, dict):
        scenario = load(str(scenario))
    driver = TerminalDriver(terminal, timeout)
    play_steps(driver, scenario)
    driver._drain()
    return driver.saved


def play_day(terminal: TerminalBase) -> list:
    """The demo's day (emulator/scenarios/day.json, 12 patients: single holders, dependants,
    third-party payment, exemptions) on a started terminal whose flash holds no sheet yet;
    returns the saved sheets' summaries (`rec`, `order`, `sha256`, `fees`, ...). The CPS
    leaves at the end; the terminal keeps running, ready to sync."""
    return play(terminal, DAY)


class SimHands:
    """Cards moved by hand into SimSlots (`slots`, CPython): fixtures built afresh each time."""

    def __init__(self, slots):
        self.slots = slots

    def insert(self, slot, card, pull_at=0):
        sim = self.slots[slot]
        sim.pull_after(pull_at)
        sim.insert(fixtures.make(card))

    def remove(self, slot):
        self.slots[slot].remove()


def sim_slots():
    return {"vitale": SimSlot("vitale"), "cps": SimSlot("cps")}


def play_file(
    path, interpreter="cpython", timeout=15.0, flash=None, serial="TLA-EMU-0001", on_show=None
):
    """Play one scenario file on a fresh terminal of `interpreter`, its flash a blank
    temporary one or the image file `flash` (kept, with the sheets saved); returns (saved
    summaries, seconds). `on_show(lines)` is told every screen shown. ScenarioError on
    failure."""
    scenario = load(str(path))
    bridge = PtyBridge().start()
    with tempfile.TemporaryDirectory(prefix="tla-play-") as tmp:
        terminal = make_terminal(
            interpreter,
            bridge.terminal_path,
            serial_number=serial,
            flash_path=str(flash) if flash else str(Path(tmp) / "flash.img"),
            opposition=fixtures.OPPOSED_SERIALS,
            on_show=on_show,
        )
        t0 = time.monotonic()
        try:
            terminal.start()
            terminal.wait_event("READY", 30)
            saved = play(terminal, scenario, timeout)
        finally:
            terminal.stop()
            bridge.close()
        return saved, time.monotonic() - t0


# ---------------------------------------------------------------- CLI: tla-emu play

app = typer.Typer(
    help="Play scenario files (key presses, cards in and out) on an emulated terminal.",
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"], "allow_interspersed_args": True},
)


@app.callback(invoke_without_command=True)
def play_command(
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="Scenario files (JSON). Default: every file of emulator/scenarios."),
    ] = None,
    interpreter: Annotated[
        str, typer.Option("--interpreter", "-i", help="cpython, micropython or both.")
    ] = "cpython",
    timeout: Annotated[
        float, typer.Option(help="Seconds to wait for each expectation before failing.")
    ] = 15.0,
    flash: Annotated[
        Path | None,
        typer.Option(
            help="Play on this flash image (created if missing) and keep it: `tla-emu run "
            "--flash IMAGE` then starts with the sheets saved waiting for the PC. The "
            "scenarios play one after the other on it, their sheets added to those it holds."
        ),
    ] = None,
    serial: Annotated[
        str, typer.Option(help="Serial number of the terminal (with --flash: the later run's).")
    ] = "TLA-EMU-0001",
):
    """Play each scenario on a fresh terminal with a blank flash (or --flash IMAGE) and
    check every expectation it states; prints one line per scenario, and the failing step."""
    if interpreter not in ("cpython", "micropython", "both"):
        print("error: --interpreter is cpython, micropython or both", file=sys.stderr)
        raise typer.Exit(2)
    if flash is not None and interpreter == "both":
        print(
            "error: --flash prepares one terminal: choose cpython or micropython", file=sys.stderr
        )
        raise typer.Exit(2)
    names = ("cpython", "micropython") if interpreter == "both" else (interpreter,)
    paths = files or sorted(SCENARIOS.glob("*.json"))
    failed = 0
    kept = 0
    for path in paths:
        if not path.exists():
            print("error: no scenario file %s" % path, file=sys.stderr)
            raise typer.Exit(2)
        for name in names:
            try:
                saved, seconds = play_file(path, name, timeout, flash, serial)
                kept += len(saved)
            except ScenarioError as e:
                failed += 1
                print("FAIL %s (%s): %s" % (path.stem, name, e))
                continue
            print(
                "ok   %s (%s): %d sheet(s) saved, %.1f s" % (path.stem, name, len(saved), seconds)
            )
    if flash is not None:
        print(
            "flash image %s: %d more sheet(s) of terminal %s waiting for the PC; "
            "start it with: tla-emu run --flash %s --serial %s"
            % (flash, kept, serial, flash, serial)
        )
    raise typer.Exit(1 if failed else 0)
