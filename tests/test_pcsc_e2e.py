"""End to end through the real PC/SC stack: pcscd with vsmartcard's vpcd driver, the card
server serving the virtual cards to "Virtual PCD 00 00" (Vitale) and "00 01" (CPS), and the
emulated terminal whose slots are PcscSlots over pyscard. Also `tla-emu cards serve`."""

import subprocess
import sys
import time

import pytest

from emulator.cards import fixtures
from emulator.cardserver import VPCD_PORTS, CardServer
from emulator.pcscd import VPCD_READERS, pcscd
from emulator.ptylink import PtyBridge
from emulator.simboard import SimClock
from emulator.terminal import InProcessTerminal
from emulator.waiting import until
from hw.pcsc import PcscSlot

NOW = 1795000000


@pytest.fixture(scope="module")
def readers():
    with pcscd() as names:
        yield names


LIVENESS_S = 60.0  # waits for what must happen: generous, reached only when it hangs


def _present(slot, timeout=LIVENESS_S):
    return until(slot.present, timeout)


def _gone(slot, timeout=LIVENESS_S):
    return until(lambda: not slot.present(), timeout)


def _until(terminal, key, timeout=LIVENESS_S):
    deadline = time.monotonic() + timeout
    while True:
        event = terminal.wait_event("EVENT", max(0.1, deadline - time.monotonic()))
        if key in event:
            return event


@pytest.mark.parametrize("t0", [False, True], ids=["T1", "T0"])
def test_terminal_reads_virtual_cards_through_pcscd(readers, t0):
    assert VPCD_READERS[0] in readers and VPCD_READERS[1] in readers
    vitale_reader = PcscSlot("vitale", VPCD_READERS[0])
    cps_reader = PcscSlot("cps", VPCD_READERS[1])
    vitale = CardServer(fixtures.make("family", t0=t0), VPCD_PORTS[0]).start()
    cps = CardServer(fixtures.make("gp", t0=t0), VPCD_PORTS[1]).start()
    bridge = PtyBridge().start()
    terminal = InProcessTerminal(bridge.terminal_path, clock=SimClock(start_epoch=NOW))
    try:
        assert _present(vitale_reader) and _present(cps_reader)
        terminal.use_reader("vitale", vitale_reader)
        terminal.use_reader("cps", cps_reader)
        terminal.start()
        terminal.wait_event("READY")
        cps_read = _until(terminal, "read")["read"]
        assert cps_read["holder"] == "10001234565"
        for key in fixtures.pin("gp") + "\n":
            terminal.press("OK" if key == "\n" else key)
        assert _until(terminal, "pin") == {"pin": {"ok": True}}
        read = _until(terminal, "read")["read"]
        assert read["serial"] == "1000000022" and read["ranks"] == [1, 2, 3, 4]
        assert read["exemptions"] == 2
        until(lambda: terminal.screen[0] == "DUPONT MARIE", 5, 0.01)
        assert terminal.screen[0] == "DUPONT MARIE"
        assert vitale.exchanges > 10 and cps.exchanges > 10  # all through pcscd
        # Pulling the Vitale card out of its (virtual) reader: the terminal notices.
        vitale.remove()
        assert _until(terminal, "removed") == {"removed": "vitale"}
    finally:
        assert terminal.stop() == 0
        bridge.close()
        vitale.remove()
        cps.remove()
        # vpcd takes the next card only once it saw this one leave.
        assert _gone(vitale_reader) and _gone(cps_reader)
        vitale_reader.close()
        cps_reader.close()


def test_cards_serve_command_serves_to_pcscd(readers):
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "emulator.cli",
            "cards",
            "serve",
            "--vitale",
            "single",
            "--cps",
            "nurse",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    vitale_reader = PcscSlot("vitale", VPCD_READERS[0])
    try:
        assert _present(vitale_reader), proc.stderr.read() if proc.poll() is not None else ""
        from firmware.cards.vitale import VitaleApp
        from firmware.opposition import MemoryOppositionList

        app = VitaleApp(vitale_reader)
        app.open()
        card = app.read(20261118, MemoryOppositionList())
        assert card.serial == "1000000011" and card.usage_name == "MARTIN"
    finally:
        vitale_reader.close()
        proc.terminate()
        out, err = proc.communicate(timeout=10)
    assert "serving single to 127.0.0.1:35963" in out, (out, err)
    assert _gone(PcscSlot("probe", VPCD_READERS[0]))


def test_micropython_terminal_with_a_pcsc_reader_in_its_cps_slot(readers):
    """`tla-emu run -i micropython --slot cps=pcsc:READER`: a relay serves the reader's card
    to the unix board's slot (here the reader is vpcd's, holding a virtual CPS)."""
    from emulator.terminal import MicroPythonTerminal

    bridge = PtyBridge().start()
    terminal = MicroPythonTerminal(bridge.terminal_path)
    reader = PcscSlot("cps", VPCD_READERS[1])
    terminal.use_reader("cps", reader)
    server = None
    try:
        terminal.start()
        terminal.wait_event("READY", 20)
        terminal.set_time(NOW)
        server = CardServer(fixtures.make("gp"), VPCD_PORTS[1]).start()
        assert _until(terminal, "read")["read"]["holder"] == "10001234565"
        for key in fixtures.pin("gp"):
            terminal.press(key)
        terminal.press("OK")
        assert _until(terminal, "pin") == {"pin": {"ok": True}}
        terminal.insert("vitale", fixtures.make("family"))
        assert _until(terminal, "read")["read"]["ranks"] == [1, 2, 3, 4]
        server.remove()  # the CPS leaves the real (here: vpcd) reader
        assert _until(terminal, "removed") == {"removed": "cps"}
    finally:
        assert terminal.stop() == 0
        bridge.close()
        if server is not None:
            server.remove()
        assert _gone(reader)
        reader.close()
