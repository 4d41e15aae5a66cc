"""Keys pressed on a low battery, and the App's last-resort guard (both interpreters).

What it shows (outside review F1): with the RP2350's battery guard refusing every flash
write, MENU 2 OK (unpair) says "Batterie faible" and the terminal stays paired in RAM and
after a reboot alike (before: LowBattery, a hal.FlashError, killed App.step with the key
wiped in RAM only); OK on "Feuilles refusees" says the sheet was not marked and the loop
goes on; any exception a part's step or the screen raises is counted in
App.failed_steps and the firmware goes on, while a power cut still ends the run.
"""

from _kit import raises
from _sync_agent import Agent, FlashBoard, boot

from firmware.journal import REJECTED
from hw import hal
from hw.drivers.battery import GuardedFlash
from hw.flash import NorFlash, RamStore

PRO = "10000000001"
DAY = 20261202


class _Battery:
    mv = 3900

    def millivolts(self):
        return self.mv


def _guarded(board, battery, keys):
    board.flash = GuardedFlash(
        NorFlash(board.store, block_count=board.blocks),
        battery,
        keys=NorFlash(keys, block_count=1),
    )
    return board


def _paired_on_battery():
    battery, keys = _Battery(), RamStore(4096)
    board = _guarded(FlashBoard(seed=3), battery, keys)
    app = boot(board)
    Agent(app, seed=4).pair()
    assert app.gate.pairing is not None
    return app, battery, keys


def _press(app, *keys):
    app.board.keypad.keys.extend(keys)
    for _ in keys:
        app.step()
    return app.board.display.lines


def test_unpair_on_a_low_battery_says_so_and_stays_paired():
    app, battery, keys = _paired_on_battery()
    peer = app.gate.pairing.peer
    battery.mv = 3450  # below WRITE_MIN_MV: the erase is refused before it starts
    lines = _press(app, "MENU", "2", "OK")
    print(lines)
    assert lines[:2] == ["Batterie faible", "PC toujours appaire"]
    assert app.gate.pairing is not None and app.gate.pairing.peer == peer
    _press(app, "OK")
    battery.mv = 3900
    app2 = boot(_guarded(app.board.reboot(), battery, keys))
    assert app2.gate.pairing is not None and app2.gate.pairing.peer == peer
    lines = _press(app2, "MENU", "2", "OK")  # charged again: the unpairing completes
    assert lines[0] == "PC desappaire" and app2.gate.pairing is None
    app3 = boot(_guarded(app2.board.reboot(), battery, keys))
    assert app3.gate.pairing is None


def test_dismissing_a_rejected_sheet_on_a_low_battery_is_refused_on_screen():
    app, battery, _ = _paired_on_battery()
    j = app.storage.journal
    n = j.append_sheet(b"x" * 40, j.reserve_order(PRO), PRO, DAY, False)
    j.reject([n], DAY)
    assert _press(app, "MENU", "3")[1] == "Feuille no 1"
    battery.mv = 3450
    lines = _press(app, "OK")
    print(lines[1:])  # (line 0 names the cause, which littlefs' bindings may blur)
    assert lines[0] in ("Batterie faible", "Memoire en panne"), lines
    assert lines[1] == "Feuille non marquee"
    assert [r.rec_no for r in j.headers((REJECTED,))] == [n]  # not marked seen
    battery.mv = 3900
    assert _press(app, "OK")[1] == "Feuille no 1"
    _press(app, "OK")
    assert [r.rec_no for r in j.headers((REJECTED,))] == []


class _Broken:
    def __init__(self, error):
        self.error = error

    def active(self):
        return True

    def step(self, key):
        raise self.error

    def screen(self):
        return ["", "", "", ""]


def test_anything_a_part_raises_is_counted_and_the_loop_goes_on():
    app = boot(FlashBoard(seed=3))
    app.parts.insert(0, _Broken(RuntimeError("bug")))
    app.step()
    app.step()
    assert app.failed_steps == 2
    app.parts[0] = _Broken(hal.PowerCut("cut"))
    raises(hal.PowerCut, app.step)
