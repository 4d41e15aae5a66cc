"""Numbers never go back after a whole-chip erase, over the real serial path: the firmware
under micropython (unix board, `firmware.main`) behind a pty, `tla-agent pair` and `sync`.

What it shows (issue 17, 2 and its class): a terminal synced with 6 sheets (order numbers
1-6 of its nurse) and 4 access-log entries has its whole flash erased (the key block too),
is paired again and synced: the sync's STATUS carries the PC's highest record, order and
access-log numbers. The sheets and the entry made afterwards are numbered above them (on
main: order numbers 1 and 2 again, quarantined by the PC, and an entry numbered 1 that the
PC never collected); the next sync files them all, none quarantined.
"""

from emulator.ptylink import PtyBridge
from emulator.simboard import SimBoard, open_private_image
from emulator.terminal import make_terminal
from firmware.storage import Storage
from host_agent.store import Store
from tests import lots_kit
from tests import sync_kit as kit
from tests.test_sync_pty import LIVENESS_S, _pair_with_the_cli, sync_with_the_cli


class _Term:
    """A terminal under micropython on `image`, behind a pty (`.t`, `.port`)."""

    def __init__(self, image):
        self.bridge = PtyBridge().start()
        self.t = make_terminal(
            "micropython",
            self.bridge.terminal_path,
            serial_number=kit.SERIAL,
            flash_path=str(image),
        )
        self.t.start()
        self.t.wait_event("READY", LIVENESS_S)
        self.t.set_time(kit.NOW)
        self.port = self.bridge.host_path

    def close(self):
        self.t.stop()
        self.bridge.close()


def _on_the_image(image, sheets, entries):
    """Save `sheets` sheets and `entries` access-log entries with the terminal's own code."""
    with open_private_image(image) as f:
        storage = Storage(SimBoard(serial_number=kit.SERIAL, flash_store=f))
        saved = kit.add_sheets(storage, sheets)
        for i in range(entries):
            storage.access_log.record(
                kit.NOW + i, lots_kit.professional("nurse"), "vitale", "V%d" % i, "lecture"
            )
        orders = [r.order_no for r in storage.journal.records_after(0)]
        return saved, orders, storage.access_log.seq


def _sync(term, db, root):
    done = sync_with_the_cli(term.port, db, root)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _paired_sync(image, db, root):
    term = _Term(image)
    try:
        code, _, err = _pair_with_the_cli(term, db)
        assert code == 0, err
        term.t.press("OK")
        return _sync(term, db, root)
    finally:
        term.close()


def test_a_whole_chip_erase_then_sync_never_gives_a_number_again(tmp_path):
    image = tmp_path / "flash.img"
    db = tmp_path / "agent.db"
    root = kit.write_root(tmp_path)
    first, first_orders, _ = _on_the_image(image, 6, 4)
    assert first_orders == [1, 2, 3, 4, 5, 6]
    assert "6 sheets filed, 0 quarantined" in _paired_sync(image, db, root)
    image.write_bytes(b"\xff" * image.stat().st_size)  # the whole chip, key block too
    out = _paired_sync(image, db, root)  # paired again: the key went with the chip
    assert "0 sheets filed" in out, out
    second, orders, log_seq = _on_the_image(image, 2, 1)
    print("after the erase: records", sorted(second), "orders", orders, "log", log_seq)
    assert sorted(second) == [7, 8] and orders == [7, 8] and log_seq == 5
    term = _Term(image)
    try:
        out = _sync(term, db, root)
    finally:
        term.close()
    assert "2 sheets filed, 0 quarantined" in out, out
    filed, quarantined = kit.store_records(db)
    assert filed == {**first, **second} and not quarantined
    store = Store(db)
    try:
        numbers = sorted(r["entry_no"] for r in store.access_log(kit.SERIAL))
    finally:
        store.close()
    assert numbers == [1, 2, 3, 4, 5], numbers  # the new entry collected, numbered above
