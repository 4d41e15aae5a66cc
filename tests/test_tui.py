"""`tla-emu tui` driven by Textual's own pilot: keys typed on the PC reach the firmware, a
card inserted from the view is read, pulling it is seen, the display is the firmware's
screen, untrusted text stays plain, and every thread and process the view starts ends
when it quits. TLA_TUI_SCREENSHOT=PATH also saves the view as SVG (docs/img/)."""

import asyncio
import hashlib
import os
import sys
from pathlib import Path

import pytest
from rich.text import Text
from textual.widgets import RichLog, Select, Static
from typer.testing import CliRunner

from emulator import cli
from emulator.scenario import SCENARIOS, play_file
from emulator.tui import TerminalView, display_text, plain
from firmware.version import FIRMWARE_VERSION
from tests import sync_kit as kit


def shown(app) -> list:
    """The four lines the view's display shows now."""
    content = app.query_one("#display", Static).content
    return [line.rstrip() for line in str(content).split("\n")]


async def until(pilot, predicate, what, timeout=30.0):
    """Let the view run until `predicate()` (a generous liveness bound, not a timing test)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "timed out waiting for %s; the view shows %r" % (
            what,
            shown(pilot.app),
        )
        await pilot.pause(0.05)


def showing(app, text):
    return lambda: any(text in line for line in shown(app))


def log_text(app) -> str:
    return "\n".join(str(line.text) for line in app.query_one("#log", RichLog).lines)


async def the_pin(app, pilot):
    """The gp CPS's PIN typed on the keyboard, the CPS accepted."""
    await until(pilot, showing(app, "Code PIN"), "the PIN screen")
    for key in "4827":
        await pilot.press(key)
    await until(pilot, showing(app, "Code PIN: ****"), "four stars")
    await pilot.press("enter")
    await until(pilot, showing(app, "Inserer carte Vitale"), "the CPS accepted")


async def a_visit_start(app, pilot):
    """CPS in from the view, PIN typed on the keyboard, the patient's card in, then out."""
    await until(pilot, showing(app, "Inserer les cartes"), "the idle screen")
    assert shown(app) == [line.rstrip() for line in app.bench.terminal.screen]
    await pilot.click("#insert-cps")  # the default CPS card: gp, PIN 4827
    await the_pin(app, pilot)
    await pilot.click("#insert-vitale")  # the default Vitale card: single (MARTIN PAUL)
    await until(pilot, showing(app, "MARTIN PAUL"), "the patient read from the card")
    assert shown(app) == [line.rstrip() for line in app.bench.terminal.screen]
    await pilot.press("1")  # the visit of the holder: the card has been read whole
    await until(pilot, showing(app, "Lieu d'exercice"), "the practice situations")
    await pilot.press("1")
    await until(pilot, showing(app, "Acte 1: code"), "the sheet begun")
    await pilot.click("#pull-vitale")
    await until(pilot, showing(app, "retiree"), "the card pulled")
    assert "single pulled from the vitale slot" in log_text(app)
    assert "Vitale slot: (empty)" in str(app.query_one("#label-vitale").content)


def test_keys_cards_and_display_reach_the_firmware_under_cpython():
    app = TerminalView("cpython")

    async def scenario():
        async with app.run_test(size=(110, 32)) as pilot:
            await a_visit_start(app, pilot)
            await until(pilot, showing(app, "abandonnee"), "the sheet abandoned")
            await pilot.press("escape")  # ANNUL: the message read, back to the CPS screen
            await until(pilot, showing(app, "Inserer carte Vitale"), "the message gone")
            await pilot.click("#pull-cps")
            await until(pilot, showing(app, "Inserer les cartes"), "the CPS pulled")
            await pilot.press("m")  # MENU on the idle screen, 1 = pair a PC
            await pilot.press("1")
            await until(pilot, showing(app, "Appairage d'un PC"), "the pairing screen")
            await pilot.click("#key-cancel")  # the ANNUL button of the view
            await until(pilot, showing(app, "Inserer les cartes"), "the pairing left")
            port = str(app.query_one("#port", Static).content)
            assert port == "Serial port: %s\nTerminal TLA-EMU-0001, firmware %s, under cpython" % (
                app.bench.port,
                FIRMWARE_VERSION,
            )
            status, out = await agent("hello", "--port", app.bench.port)  # the view runs on
            assert status == 0 and "TLA-EMU-0001" in out
            await until(pilot, lambda: '"hello"' in log_text(app), "the hello in the event log")
            await pilot.press("ctrl+q")

    asyncio.run(scenario())
    assert not app.bench.terminal.alive()  # the firmware thread ended with the view
    assert not app.bench.bridge._thread.is_alive()  # and the pty bridge's
    assert not os.path.exists(app.bench.port)  # the pty is closed


def test_cards_go_in_come_out_and_change_from_the_keyboard():
    """Issue 23 item 6: C puts the CPS in, V the Vitale card, V again pulls it, Shift+V
    puts the next card of the list in; the help says so, the footer shows the F keys."""
    app = TerminalView("cpython")

    async def scenario():
        async with app.run_test(size=(110, 32)) as pilot:
            await until(pilot, showing(app, "Inserer les cartes"), "the idle screen")
            help_text = str(app.query_one("#help", Static).content)
            assert "V or F5 inserts/pulls the Vitale card" in help_text and "F8" in help_text
            await pilot.press("c")  # the CPS chosen in its list: gp, PIN 4827
            await the_pin(app, pilot)
            await pilot.press("v")
            await until(pilot, showing(app, "Choisir le patient"), "the card read whole")
            await pilot.press("v")
            await until(pilot, showing(app, "retiree"), "the Vitale card pulled")
            await pilot.press("enter")
            await until(pilot, showing(app, "Inserer carte Vitale"), "the message read")
            assert "single pulled from the vitale slot" in log_text(app)
            assert "Vitale slot: (empty)" in str(app.query_one("#label-vitale").content)
            await pilot.press("V")  # the next card after 'single': 'family'
            await until(pilot, showing(app, "Choisir le patient"), "the family's card read")
            assert app.query_one("#card-vitale", Select).value == "family"
            assert "Vitale slot: family" in str(app.query_one("#label-vitale").content)
            await pilot.press("f6")  # F6 the same: 'expired-card' replaces 'family'
            await until(pilot, lambda: app.cards["vitale"] == "expired-card", "the next card")
            assert "family pulled" not in log_text(app)  # switched, not pulled by hand
            await pilot.press("f7")  # F7 pulls the CPS
            await until(pilot, lambda: app.cards["cps"] is None, "the CPS pulled")
            await pilot.press("ctrl+q")

    asyncio.run(scenario())
    assert not app.bench.terminal.alive()


def test_any_fixture_card_in_either_slot():
    app = TerminalView("cpython")

    async def scenario():
        async with app.run_test(size=(110, 32)) as pilot:
            await until(pilot, showing(app, "Inserer les cartes"), "the idle screen")
            app.query_one("#card-vitale", Select).value = "expired-card"
            await pilot.click("#insert-vitale")
            await until(pilot, showing(app, "Inserer la carte"), "the CPS asked for first")
            app.query_one("#card-cps", Select).value = "unknown"  # a bank card in the CPS slot
            await pilot.click("#insert-cps")
            await until(pilot, showing(app, "Ce n'est pas une"), "the bank card refused")
            assert shown(app) == [
                "Lecteur CPS:",
                "Ce n'est pas une",
                "carte CPS.",
                "Retirez la carte",
            ]
            await until(pilot, lambda: "NotACpsCard" in log_text(app), "the event logged")
            assert "CPS slot: unknown" in str(app.query_one("#label-cps").content)

    asyncio.run(scenario())
    assert not app.bench.terminal.alive()


def test_a_slot_option_card_is_in_from_the_start():
    app = TerminalView("cpython", slots=["cps=fixture:nurse"])

    async def scenario():
        async with app.run_test(size=(110, 32)) as pilot:
            await until(pilot, showing(app, "PETIT LUC"), "the nurse's CPS read")
            assert "CPS slot: nurse" in str(app.query_one("#label-cps").content)
            await pilot.click("#pull-cps")
            await until(pilot, showing(app, "Inserer les cartes"), "the CPS pulled")

    asyncio.run(scenario())
    assert not app.bench.terminal.alive()


def test_a_terminal_that_cannot_start_is_said_and_nothing_is_left(monkeypatch):
    def missing():
        raise RuntimeError("the micropython command was not found")

    monkeypatch.setattr("emulator.interpreters.micropython_command", missing)
    app = TerminalView("micropython")

    async def scenario():
        async with app.run_test(size=(110, 32)) as pilot:
            await until(pilot, lambda: "micropython command" in log_text(app), "the error")
            await pilot.press("1")  # no terminal: the key goes nowhere, nothing breaks
            await pilot.click("#insert-vitale")
            await until(pilot, lambda: "no terminal running" in log_text(app), "the refusal")

    asyncio.run(scenario())
    assert app.boot_error == "the terminal did not start: the micropython command was not found"
    assert not app.bench.bridge._thread.is_alive()


def test_the_command_is_wired_and_refuses_a_bad_slot_before_starting():
    result = CliRunner().invoke(cli.app, ["tui", "--help"])
    assert result.exit_code == 0 and "Esc = ANNUL" in result.output
    for spec in ("vitale=fixture:nobody", "drawer=fixture:single"):
        result = CliRunner().invoke(cli.app, ["tui", "--slot", spec])
        assert result.exit_code == 2, result.output  # a usage error, no view, no terminal


def test_micropython_terminal_under_the_view_ends_with_it():
    app = TerminalView("micropython")

    async def scenario():
        async with app.run_test(size=(110, 32)) as pilot:
            await a_visit_start(app, pilot)
            assert "under micropython" in str(app.query_one("#port", Static).content)

    asyncio.run(scenario())
    proc = app.bench.terminal.proc
    assert proc is not None and proc.poll() is not None  # the micropython process is gone
    assert not app.bench.terminal.servers  # and its card servers
    assert not app.bench.bridge._thread.is_alive()


async def agent(*args):
    """`tla-agent ARGS` to its end (60 s at most, then killed); returns (exit code, stdout)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "host_agent.cli",
        *args,
        stdout=asyncio.subprocess.PIPE,
        start_new_session=True,
    )
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), 60)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    return proc.returncode, out.decode()


def test_the_agent_pairs_and_syncs_over_the_views_port(tmp_path):
    """A terminal prepared by `tla-emu play --flash`, in the view: paired with the keys of
    the view (MENU, 1, OK) and synced by `tla-agent` over the pty the view shows."""
    image = tmp_path / "flash.img"
    saved, _ = play_file(SCENARIOS / "gp-single.json", "cpython", flash=image)
    app = TerminalView("cpython", flash=image)
    db, root = str(tmp_path / "agent.db"), str(kit.write_root(tmp_path))

    async def scenario():
        async with app.run_test(size=(110, 32)) as pilot:
            await until(pilot, showing(app, "1 FSE: envoi"), "the idle screen, a sheet waiting")
            port = app.bench.port
            await pilot.press("M", "1")  # shift+m: MENU too
            await until(pilot, showing(app, "Appairage d'un PC"), "the pairing screen")
            pairing = asyncio.ensure_future(agent("pair", "--port", port, "--db", db, "--yes"))
            await until(pilot, showing(app, "Code: "), "the code on the terminal")
            code = shown(app)[0][len("Code: ") :]
            await pilot.press("enter")  # OK: the codes are the same
            status, out = await pairing
            assert status == 0 and "This PC's code is: %s" % code in out, out
            await pilot.press("enter")  # closes the pairing screen
            status, out = await agent("sync", "--port", port, "--db", db, "--root", root)
            assert status == 0 and "1 sheet filed, 0 quarantined" in out, out

    asyncio.run(scenario())
    filed, quarantined = kit.store_records(tmp_path / "agent.db", "TLA-EMU-0001")
    assert [hashlib.sha256(b).hexdigest() for b in filed.values()] == [saved[0]["sha256"]]
    assert not quarantined and not app.bench.terminal.alive()


def test_untrusted_text_is_plain():
    hostile = ["[bold red]x[/]", "\x1b[2Jclear", "tres " + "\u00e9t\u00e9", "a" * 30]
    text = display_text(hostile)
    assert isinstance(text, Text) and not text.spans  # no style came from the lines
    rows = str(text).split("\n")
    assert rows[0].rstrip() == "[bold red]x[/]"
    assert rows[1].startswith("?[2Jclear") and len(rows[3]) == 20
    assert plain("caf\u00e9\n") == "caf??"


@pytest.mark.skipif(not os.environ.get("TLA_TUI_SCREENSHOT"), reason="makes the docs image")
def test_save_the_docs_screenshot():
    app = TerminalView("cpython")
    out = Path(os.environ["TLA_TUI_SCREENSHOT"]).resolve()

    async def scenario():
        async with app.run_test(size=(110, 30)) as pilot:
            await until(pilot, showing(app, "Inserer les cartes"), "the idle screen")
            await pilot.click("#insert-cps")
            await until(pilot, showing(app, "Code PIN"), "the PIN screen")
            for key in "4827":
                await pilot.press(key)
            await pilot.press("enter")
            await pilot.click("#insert-vitale")
            await until(pilot, showing(app, "MARTIN PAUL"), "the patient")
            await pilot.pause(0.3)
            app.save_screenshot(out.name, str(out.parent))

    asyncio.run(scenario())
    assert out.exists()
