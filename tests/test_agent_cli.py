"""`tla-agent` as a user runs it: opposition push (then the terminal refuses the card, and a
later change travels as a delta), sheets list/show/summary, quarantine, access log, unpair,
watch with USB discovery (serial.tools.list_ports patched) through unplug and replug, and
each error as one plain line with its exit code."""

import subprocess
import sys
import threading

import serial.tools.list_ports
from typer.testing import CliRunner

from emulator.cards import fixtures
from emulator.ptylink import PtyBridge
from emulator.terminal import make_terminal
from emulator.waiting import until
from firmware.opposition import FlashOppositionList
from host_agent import transport
from host_agent.cli import app
from host_agent.store import Store
from tests import sync_kit as kit

runner = CliRunner()
AGENT = [sys.executable, "-m", "host_agent.cli"]
LIVENESS_S = 120.0  # a bound for what must happen, far above its time on a loaded machine


def _run(*args):
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.output


def _one_line_error(done, code):
    assert done.returncode == code, (done.returncode, done.stdout, done.stderr)
    assert done.stderr.startswith("error: "), done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    return done.stderr.strip()


def test_opposition_push_reaches_the_terminal_which_refuses_the_card(tmp_path, monkeypatch):
    world, store, root = kit.paired_world(tmp_path)
    listed = ["1000000011", "1000000099"] + ["%010d" % (2000000000 + 7 * i) for i in range(500)]
    path = tmp_path / "opposition.txt"
    path.write_text("# the funds' list\n" + "\n".join(listed) + "\n\n")
    out = _run("opposition", "push", path, "--db", store.path)
    assert "opposition list version 1: 502 cards (502 added, 0 removed)" in out
    summary = kit.agent(world, store, root).run()
    assert summary.opposition == 1
    opp = world.app.opposition
    assert opp.version == 1 and list(opp.serials()) == sorted(listed)
    # A change: one card back in use, two new ones. It travels as a delta.
    chunks = []
    receive = FlashOppositionList.receive
    monkeypatch.setattr(
        FlashOppositionList, "receive", lambda self, c: chunks.append(c) or receive(self, c)
    )
    changed = [s for s in listed if s != "1000000099"] + ["1000000055", "3000000001"]
    path.write_text("\n".join(changed))
    assert "version 2: 503 cards (2 added, 1 removed)" in _run(
        "opposition", "push", path, "--db", store.path
    )
    assert kit.agent(world, store, root).run().opposition == 2
    assert [c.base for c in chunks] == [1] and not chunks[0].full
    assert world.app.opposition.version == 2 and list(opp.serials()) == sorted(changed)
    # At the next card read, the listed card is refused (R161-33-7).
    slots = world.board.slots
    slots["cps"].insert(fixtures.make("gp"))
    world.run_for(0.2)
    world.press(*fixtures.pin("gp"), "OK")
    world.run_for(0.5)
    slots["vitale"].insert(fixtures.make("single"))
    world.run_for(0.5)
    errors = [p for k, p in world.board.events if k == "EVENT" and "error" in p]
    assert errors and errors[-1]["error"] == "CardOpposed", world.board.events[-5:]


def test_opposition_push_refuses_a_bad_line(tmp_path):
    path = tmp_path / "list.txt"
    path.write_text("1000000011\n12345\n")
    done = subprocess.run(
        AGENT + ["opposition", "push", str(path), "--db", str(tmp_path / "a.db")],
        capture_output=True,
        text=True,
    )
    assert "line 2" in _one_line_error(done, 1)


def test_sheets_quarantine_summary_and_access_log(tmp_path):
    world, store, root = kit.paired_world(tmp_path)
    kit.add_sheets(world.app.storage, 4, tamper=(1,))
    log = world.app.storage.access_log
    for i in range(3):
        log.record(kit.NOW + i, "10001234567", "vitale", "100000001%d" % i, "identite, droits")
    kit.agent(world, store, root).run()
    db = store.path
    listing = _run("sheets", "list", "--db", db)
    assert listing.count(kit.SERIAL) == 3
    quarantine = _run("sheets", "list", "--quarantine", "--db", db)
    assert "signature" in quarantine
    shown = _run("sheets", "show", "1", "--db", db)
    assert "order_no (R161-44 1°)" in shown and "CPS signature" in shown
    shown = _run("sheets", "show", "1", "--quarantine", "--db", db)
    assert "reason" in shown
    summary = _run("sheets", "summary", "--today", "2026-11-18", "--db", db)
    assert "all" in summary and "working days left" in summary
    logged = _run("access-log", "--db", db)
    assert logged.count("identite, droits") == 3 and "BROKEN" not in logged
    missing = runner.invoke(app, ["sheets", "show", "99", "--db", str(db)])
    assert missing.exit_code == 1


def _file_bytes(store):
    """The database's bytes on disk, once the WAL is written back into it."""
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return store.path.read_bytes()


def test_unpair_forgets_the_key(tmp_path):
    world, store, root = kit.paired_world(tmp_path)
    key = store.pairing(kit.SERIAL).key
    assert key in _file_bytes(store)
    assert "no longer syncs terminal %s" % kit.SERIAL in _run(
        "unpair", kit.SERIAL, "--db", store.path
    )
    assert store.pairing(kit.SERIAL) is None
    assert key not in _file_bytes(store)  # wiped, not only marked revoked
    again = runner.invoke(app, ["unpair", kit.SERIAL, "--db", str(store.path)])
    assert again.exit_code == 1


def test_errors_are_one_plain_line(tmp_path):
    db = tmp_path / "agent.db"
    no_db = subprocess.run(
        AGENT + ["sync", "--port", "/dev/nonexistent-tla", "--db", str(db)],
        capture_output=True,
        text=True,
    )
    assert "no database at" in _one_line_error(no_db, 6) and not db.exists()
    Store(db).close()  # as the first `pair` leaves it
    no_root = subprocess.run(
        AGENT + ["sync", "--port", "/dev/nonexistent-tla", "--db", str(db)],
        capture_output=True,
        text=True,
    )
    assert "no root certificate" in _one_line_error(no_root, 1)
    root = kit.write_root(tmp_path)
    no_port = subprocess.run(
        AGENT + ["sync", "--port", "/dev/nonexistent-tla", "--db", str(db), "--root", str(root)],
        capture_output=True,
        text=True,
    )
    assert "cannot open the terminal's port" in _one_line_error(no_port, 5)
    bad_root = tmp_path / "bad.pem"
    bad_root.write_text("hello")
    not_cert = subprocess.run(
        AGENT + ["sync", "--port", "x", "--db", str(db), "--root", str(bad_root)],
        capture_output=True,
        text=True,
    )
    assert "is not a certificate" in _one_line_error(not_cert, 1)
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"this is no database" * 300)
    damaged = subprocess.run(
        AGENT + ["sheets", "list", "--db", str(broken)], capture_output=True, text=True
    )
    assert "restore it from a backup" in _one_line_error(damaged, 6)


class _Port:
    """What serial.tools.list_ports.comports() lists for a USB terminal."""

    def __init__(self, device):
        self.device = device
        self.vid = transport.USB_VID
        self.pid = transport.USB_PID


def test_watch_finds_the_usb_terminal_and_survives_unplug_and_replug(tmp_path, monkeypatch):
    image = tmp_path / "flash.img"
    saved = kit.flash_image(image, 5)
    bridge = PtyBridge().start()
    terminal = make_terminal(
        "cpython", bridge.terminal_path, serial_number=kit.SERIAL, flash_path=str(image)
    )
    terminal.start()
    terminal.wait_event("READY", 30)
    db = tmp_path / "agent.db"
    store = Store(db)
    kit.pair_over_port(terminal, store, bridge.host_path)
    store.close()
    root = kit.write_root(tmp_path)
    plugged = {"on": True, "looked_unplugged": 0}

    def comports():
        if plugged["on"]:
            return [_Port(bridge.host_path)]
        plugged["looked_unplugged"] += 1
        return []

    monkeypatch.setattr(serial.tools.list_ports, "comports", comports)

    def unplug_then_replug():
        # Events, not durations: unplug once the first sync filed the sheets, plug back
        # once the watch has looked and found nothing (twice: "gone", then waiting).
        until(lambda: len(kit.store_records(db)[0]) == 5, LIVENESS_S, 0.05)
        plugged["on"] = False
        until(lambda: plugged["looked_unplugged"] >= 2, LIVENESS_S, 0.02)
        plugged["on"] = True

    helper = threading.Thread(target=unplug_then_replug)
    helper.start()
    try:
        result = runner.invoke(app, ["watch", "--db", str(db), "--root", str(root), "--count", "2"])
    finally:
        helper.join()
        terminal.stop()
        bridge.close()
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.count("syncing") == 2 and "unplugged" in out, out
    assert "5 sheets filed" in out and "0 sheets filed" in out
    assert kit.store_records(db)[0] == saved
