"""`tla-emu cards list`, `tla-emu cards serve` (towards a unix-board slot here; pcscd in
test_pcsc_e2e.py) and `tla-emu run --slot`: output, and one clear line for user mistakes."""

import os
import subprocess
import sys
import time

import pytest

from emulator.cards import fixtures
from emulator.interpreters import free_port
from firmware.cards.vitale import VitaleApp
from firmware.opposition import MemoryOppositionList
from hw.boards.unix_vpcd import VpcdSlot

EMU = [sys.executable, "-m", "emulator.cli"]


def tla_emu(*args, timeout=60):
    env = dict(os.environ, COLUMNS="200")
    return subprocess.run(
        EMU + list(args), capture_output=True, text=True, timeout=timeout, env=env
    )


def test_cards_list_shows_every_fixture():
    out = tla_emu("cards", "list")
    assert out.returncode == 0, out.stderr
    for name, kind, _ in fixtures.names():
        assert name in out.stdout and kind in out.stdout
    assert "PIN 4827" in out.stdout and "blocked" in out.stdout


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["cards", "serve"], 2, "name a card"),
        (["cards", "serve", "--vitale", "nosuch"], 2, "no fixture card named 'nosuch'"),
        (["cards", "serve", "--cps", "gp", "--cps-port", "FREE"], 1, "no card reader listens"),
    ],
)
def test_cards_serve_mistakes_are_one_line(args, code, message):
    args = [str(free_port()) if a == "FREE" else a for a in args]
    out = tla_emu(*args)
    assert out.returncode == code
    assert message in out.stderr
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1


def test_cards_serve_to_a_unix_board_slot():
    """The card server and the unix board's VpcdSlot speak the same vpcd protocol."""
    port = free_port()
    slot = VpcdSlot("vitale", port)
    proc = subprocess.Popen(
        EMU + ["cards", "serve", "--vitale", "family", "--vitale-port", str(port), "--t0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while not slot.present() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert slot.present(), proc.stderr.read() if proc.poll() is not None else "no card"
        app = VitaleApp(slot)
        atr = app.open()
        assert atr.endswith(b"TLA-VITALE")
        card = app.read(20261118, MemoryOppositionList())
        assert [b.rank for b in card.beneficiaries] == [1, 2, 3, 4]
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    assert "serving family" in out and "cards pulled out" in out


def test_run_slot_spec_mistake():
    out = tla_emu("run", "--slot", "vitale=floppy:x", "--for", "1")
    assert out.returncode == 2
    assert "SLOT=fixture:NAME" in out.stderr and "Traceback" not in out.stderr


@pytest.mark.parametrize("interpreter", ["cpython", "micropython"])
def test_run_with_fixture_cards_in_the_slots(interpreter):
    out = tla_emu(
        "run",
        "-i",
        interpreter,
        "--for",
        "3",
        "--slot",
        "cps=fixture:gp",
        "--slot",
        "vitale=fixture:single",
    )
    assert out.returncode == 0, out.stderr
    assert "BERNARD CLAIRE" in out.stdout and "Code PIN:" in out.stdout
