"""Numbers when the marks are lost together with what they guarded (both interpreters): the
raw blocks bound them, and salvage names every number it cannot account for.

What it shows (issue 17, found attacking again): the only segment file and the root `marks`
removed (the orders file left) made the next sheet record 1 again on main, its 8 sheets
lost without a word although they still lay in the raw blocks; now they are recovered and
served, and the next sheet is record 9, order above. In salvage mode with no segment header
left (blocks 2.. erased), main named only the last number; now 1 to the last, less what the
purge log found in the raw blocks says was purged or skipped by a raise of the PC.
"""

from _sync_agent import Agent, FlashBoard, boot

from protocol import messages
from protocol import sync_messages as sm

PRO = "60001234567"
DAY = 20261118
BLOCK = 4096


def _save(app, n):
    j = app.storage.journal
    out = {}
    for i in range(n):
        order = j.reserve_order(PRO)
        out[j.append_sheet(bytes([i + 1]) * 300, order, PRO, DAY, False)] = order
    return out


def test_the_segment_and_the_marks_lost_the_raw_blocks_keep_the_numbers():
    board = FlashBoard(seed=2)
    app = boot(board)
    saved = _save(app, 8)
    fs = app.storage.fs
    segments = [n for n in fs.listdir("journal") if n != "orders"]
    assert len(segments) == 1
    fs.remove("journal/" + segments[0])
    fs.remove("marks")
    app = boot(board.reboot())
    s = app.storage
    j = s.journal
    print(s.problems)
    assert not s.salvage
    assert sorted(r.rec_no for r in j.records_after(0)) == sorted(saved)  # recovered
    order = j.reserve_order(PRO)
    assert order > max(saved.values())
    assert j.append_sheet(b"new" * 20, order, PRO, DAY, False) == 9
    app = boot(board.reboot(3))  # and after a reboot: the marks hold it now
    assert app.storage.journal.next_rec_no == 10


def test_salvage_without_a_header_names_every_number_up_to_the_marks():
    board = FlashBoard(seed=2)
    app = boot(board)
    agent = Agent(app)
    agent.pair()
    assert agent.authenticate() is None
    agent.ask(messages.STATUS, {"high": 20})  # numbers 1-20 skipped: the PC holds them
    saved = _save(app, 6)
    assert sorted(saved) == list(range(21, 27))
    buf = board.store.buf
    for b in range(2, board.blocks):
        buf[b * BLOCK : (b + 1) * BLOCK] = b"\xff" * BLOCK
    app = boot(board.reboot())
    assert app.storage.salvage
    agent = Agent(app, seed=5)
    agent.pair()  # (pairing again from MENU works in salvage mode)
    assert agent.authenticate() is None
    status = sm.read_status(agent.ask(messages.STATUS, {})[2])
    print("damaged:", status["damaged"])
    assert status["damaged"] == [[21, 6]]  # not 1-20 (the purge log says skipped), not [26, 1]
