"""`make bench ARGS=roundtrip`: what one sheet costs from the card to the PC's database, and
a 20-visit day's sync, timed under each interpreter (CPython in process, `micropython`, and
make firmware's micropython-tla32 when built), over a pty paced at 115200 8N1: the visit
(cards in, PIN, acts, both signatures, saved in flash) then `Syncer.run()` (HELLO, AUTH,
pull, verify, commit, ACK, access log), each on its own line. Figures for reading, never
pass/fail: later changes show their cost here."""

import tempfile
import time
from pathlib import Path

from emulator.cards import fixtures
from emulator.ptylink import PtyBridge
from emulator.scenario import SCENARIOS, play
from emulator.terminal import make_terminal
from emulator.visitday import day_scenario
from host_agent.client import LinkClient
from host_agent.store import Store
from host_agent.sync import Syncer
from host_agent.sync_parts import load_root
from host_agent.transport import open_port
from tests import sync_kit as kit

ROOT = Path(__file__).resolve().parent.parent
FROZEN32 = ROOT / "build" / "firmware" / "out" / "micropython-tla32"
BAUD = 115200


def _terminal(interpreter, tmp, bridge):
    options = {"binary": str(FROZEN32)} if interpreter == "frozen32" else {}
    return make_terminal(
        "micropython" if interpreter == "frozen32" else interpreter,
        bridge.terminal_path,
        serial_number="TLA-BENCH-0001",
        flash_path=str(tmp / "flash.img"),
        opposition=fixtures.OPPOSED_SERIALS,
        **options,
    )


def _sync(store, root, bridge):
    link = LinkClient(open_port(bridge.host_path))
    try:
        t0 = time.monotonic()
        summary = Syncer(store, root, link).run()
        return summary, time.monotonic() - t0
    finally:
        link.port.close()


def measure(interpreter):
    with tempfile.TemporaryDirectory(prefix="tla-bench-roundtrip-") as name:
        tmp = Path(name)
        root_path = tmp / "root.der"
        root_path.write_bytes(fixtures.pki().root_der)
        root = load_root(root_path)
        bridge = PtyBridge(baud=BAUD).start()
        terminal = _terminal(interpreter, tmp, bridge)
        try:
            terminal.start()
            terminal.wait_event("READY", 60)
            store = Store(tmp / "agent.db")
            kit.pair_over_port(terminal, store, bridge.host_path)
            t0 = time.monotonic()
            saved = play(terminal, SCENARIOS / "gp-single.json", timeout=120)
            visit = time.monotonic() - t0
            summary, sync = _sync(store, root, bridge)
            print(
                "%s: one sheet from the card to the database in %.2f s: the visit %.2f s "
                "(keys and cards at the bench's pace), the sync %.2f s (%d filed%s)"
                % (
                    interpreter,
                    visit + sync,
                    visit,
                    sync,
                    summary.filed,
                    ", deflated" if summary.deflate else "",
                )
            )
            t0 = time.monotonic()
            day = play(terminal, day_scenario(20), timeout=120)
            visits = time.monotonic() - t0
            summary, sync = _sync(store, root, bridge)
            print(
                "%s: a 20-visit day: the visits %.1f s (%.2f s each), its sync %.2f s "
                "(%d filed, %d bytes on the line%s)"
                % (
                    interpreter,
                    visits,
                    visits / max(len(day), 1),
                    sync,
                    summary.filed,
                    summary.bytes,
                    ", deflated" if summary.deflate else "",
                )
            )
            assert len(saved) == 1 and summary.filed == len(day) == 20, (saved, summary.filed)
        finally:
            terminal.stop()
            bridge.close()


def main():
    for interpreter in ("cpython", "micropython", "frozen32"):
        if interpreter == "frozen32" and not FROZEN32.exists():
            print("frozen32: skipped (run `make firmware`)")
            continue
        measure(interpreter)


if __name__ == "__main__":
    main()
