"""`make demo` (`tla-emu demo`): a day of home visits on the emulated terminal, then the
practice PC's agent pairs with it over a pty, syncs the day into demo.db and sums it up,
then groups the sheets into lots, has the GP's CPS seal them through the real PC/SC stack
(pcscd, vsmartcard's virtual reader, pyscard) and puts them in the outbox for the funds.

The terminal plays emulator/scenarios/day.json (12 patients of the fixture cards: single
holders, dependants, third-party payment, exemptions); everything on the PC side is the real
`tla-agent` command, run as a user would run it. The demo answers the pairing question for
the user once it has compared the two codes itself, and says so.
"""

import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from rich.console import Console

from emulator import demo_day
from emulator.cards import fixtures
from emulator.ptylink import PtyBridge
from emulator.scenario import DAY, play
from emulator.scenario_play import load
from emulator.terminal import make_terminal
from emulator.waiting import until
from host_agent import legend, money
from protocol import dates
from protocol import sheet_fields as F

SERIAL = "TLA-DEMO-0001"
AGENT = [sys.executable, "-m", "host_agent.cli"]

# Waits for what must happen (a screen, the agent, a card in pcscd): bounds for a hung part,
# far above the time on a loaded machine, never a pace the demo must keep.
LIVENESS_S = 120.0


class DemoError(Exception):
    """A step of the demo failed; one plain sentence."""


def _wait_screen(terminal, prefix, timeout=LIVENESS_S):
    if not until(lambda: terminal.screen[0].startswith(prefix), timeout):
        raise DemoError("the terminal never showed %r (it shows %r)" % (prefix, terminal.screen))
    return terminal.screen


def _agent(console, db, *args, stdin=None):
    """Run `tla-agent ARGS --db DB`, its output straight to ours (its progress bar too);
    `stdin`: text typed into it (the PIN for --pin-stdin, never shown)."""
    console.print("[bold]$ tla-agent %s[/]" % shlex.join(list(args) + ["--db", str(db)]))
    sys.stdout.flush()
    done = subprocess.run(AGENT + list(args) + ["--db", str(db)], input=stdin, text=True)
    if done.returncode:
        raise DemoError("tla-agent %s failed (exit code %d)" % (args[0], done.returncode))


def _pair(console, terminal, port, db):
    """Open the pairing screen, run `tla-agent pair`, compare the codes, confirm both."""
    console.print("[dim]terminal:[/] MENU, 1: pair a PC")
    terminal.press("MENU")
    terminal.press("1")
    _wait_screen(terminal, "Appairage d'un PC")
    console.print("[bold]$ tla-agent pair --port %s --db %s[/]" % (port, db))
    agent = subprocess.Popen(
        AGENT + ["pair", "--port", port, "--db", str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert agent.stdin is not None and agent.stdout is not None
    code = None
    for line in agent.stdout:
        console.print(line.rstrip())
        m = re.search(r"code is: (\d{3} \d{3})", line)
        if m:
            code = m.group(1)
            break
    if code is None:
        agent.wait(LIVENESS_S)
        raise DemoError("tla-agent pair printed no code (exit code %s)" % agent.returncode)
    shown = _wait_screen(terminal, "Code: ")[0][len("Code: ") :]
    console.print("[dim]terminal screen:[/] %s" % " | ".join(terminal.screen))
    if shown != code:
        agent.kill()
        raise DemoError("the codes differ (terminal %s, PC %s): not pairing" % (shown, code))
    console.print(
        "[green]demo:[/] the terminal shows %s and tla-agent printed %s: they match, so the "
        "demo answers [bold]y[/] on the PC and presses [bold]OK[/] on the terminal for you"
        % (shown, code)
    )
    agent.stdin.write("y\n")
    agent.stdin.flush()
    terminal.press("OK")
    rest, _ = agent.communicate(timeout=LIVENESS_S)
    question = "Does the terminal show the same code?"
    for line in rest.splitlines():
        if line.startswith(question):  # the prompt, then the line after our answer
            console.print(question + " [bold]y[/] [dim](answered by the demo)[/]")
            line = line.split(": ", 1)[-1]
        console.print(line)
    if agent.returncode:
        raise DemoError("pairing failed (exit code %d)" % agent.returncode)
    _wait_screen(terminal, "Appaire avec")
    console.print("[dim]terminal screen:[/] %s" % " | ".join(terminal.screen))
    terminal.press("OK")


def _write_root(db: Path) -> Path:
    """The card PKI's root, where `tla-agent sync` looks by default: root.pem next to the
    database. The demo's cards come from the emulator's test PKI."""
    path = db.parent / "root.pem"
    cert = fixtures.pki().root_cert
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


def lots(console, db, today):
    """Lots of the day: build them, seal them with the GP's CPS in "Virtual PCD 00 01" (the
    virtual card served to vpcd, its PIN typed on stdin as `--pin-stdin` takes it), send
    them to the outbox beside the database, list them. Without pcscd (a PC where it is not
    installed and we are not root) the lots stay open and the demo says how to seal them."""
    from emulator.cardserver import VPCD_PORTS, CardServer
    from emulator.pcscd import VPCD_READERS, pcscd

    _agent(console, db, "lots", "build", *today)
    reader = VPCD_READERS[1]
    try:
        with pcscd():
            server = CardServer(fixtures.make("gp"), VPCD_PORTS[1])
            server.start()
            try:
                _wait_card(reader)
                console.print("[dim]the GP's CPS is in %r; the demo types its PIN[/]" % reader)
                _agent(
                    console,
                    db,
                    "lots",
                    "seal",
                    "--reader",
                    reader,
                    "--pin-stdin",
                    stdin=fixtures.pin("gp") + "\n",
                )
            finally:
                server.remove()
    except RuntimeError as e:
        console.print("[yellow]the lots stay open: %s[/]" % e)
        console.print("to seal them: run pcscd, put the CPS in a reader, `tla-agent lots seal`")
        _agent(console, db, "lots", "list")
        return
    _agent(console, db, "lots", "send", "--via", "outbox", "--outbox", str(_outbox(db)))
    _agent(console, db, "lots", "list")


def outbox_of(db: Path) -> Path:
    return _outbox(db)


def _outbox(db: Path) -> Path:
    """The demo's own outbox beside its database (demo-outbox/ for demo.db), made afresh
    with the database: lot numbers start again at 1 each run."""
    return db.parent / (db.stem + "-outbox")


def _wait_card(reader, timeout=LIVENESS_S):
    from hw.pcsc import PcscSlot

    slot = PcscSlot("demo", reader)
    try:
        if not until(slot.present, timeout, 0.05):
            raise DemoError("the virtual CPS did not reach pcscd in %r" % reader)
    finally:
        slot.close()


def run(interpreter: str, db: Path, console: Console | None = None, now=None) -> list:
    """The whole demo; returns the summaries of the sheets the terminal saved. The round
    is played on the last working day it is over by `now` (the clock by default), then the
    terminal's clock is `now`: the agent counts deadlines from the real day."""
    console = console or Console(highlight=False, soft_wrap=True)
    now = int(time.time() if now is None else now)
    scenario = load(str(DAY))
    scenario = demo_day.moved(scenario, demo_day.last_round_start(scenario, now))
    db = Path(db).resolve()
    for path in (db, Path(str(db) + "-wal"), Path(str(db) + "-shm")):
        path.unlink(missing_ok=True)  # a fresh practice database each time
    shutil.rmtree(_outbox(db), ignore_errors=True)  # and the lots it sent
    bridge = PtyBridge().start()
    with tempfile.TemporaryDirectory(prefix="tla-demo-") as tmp:
        terminal = make_terminal(
            interpreter,
            bridge.terminal_path,
            serial_number=SERIAL,
            flash_path=str(Path(tmp) / "flash.img"),
            opposition=fixtures.OPPOSED_SERIALS,
        )
        try:
            terminal.start()
            terminal.wait_event("READY", 30)
            console.rule(
                "1. %s: a day of home visits on terminal %s (%s)"
                % (_french_day(scenario["start"]), SERIAL, interpreter)
            )
            saved = play(terminal, scenario)
            terminal.set_time(now)  # back from the round: the terminal's clock says today
            for s in saved:
                console.print(
                    "saved no. %s: record %s, %s, %s%s"
                    % (
                        s.get("order"),
                        s.get("rec"),
                        " ".join(s.get("acts", [])),
                        money.eur(s.get("fees", 0)),
                        ", third-party %s" % money.eur(s["third_party"])
                        if s.get("third_party")
                        else "",
                    )
                )
            codes = [c for s in saved for c in s.get("acts", [])]
            console.print("[dim]acts: %s[/]" % legend.acts(codes, F.DOCTOR))  # the GP's CPS
            console.rule("2. pairing the practice PC with the terminal")
            _pair(console, terminal, bridge.host_path, db)
            console.rule("3. sync: verify, file, acknowledge")
            console.print("demo: the card PKI's test root is %s" % _write_root(db))
            _agent(console, db, "sync", "--port", bridge.host_path)
            console.rule("4. what the practice holds")
            _agent(console, db, "sheets", "summary", *_today(now))
            _agent(console, db, "status", *_today(now))
            console.rule("5. lots for the funds: build, seal with the CPS, send")
            lots(console, db, _today(now))
        finally:
            terminal.stop()
            bridge.close()
    return saved


def _today(now):
    """`--today YYYY-MM-DD` for the agent: the real day unless the demo was given another."""
    return ("--today", dates.iso(dates.paris_date(now)))


def _french_day(epoch):
    return "%02d/%02d/%04d" % tuple(reversed(dates.paris_date(epoch)))
