"""Order numbers the PC holds raise the terminal's (STATUS "orders"), both interpreters:
after a whole-chip erase no order number the PC filed is handed out again (R161-44 1°).

What it shows (issue 17, 2): on main STATUS raised record numbers only, and the first sheets
after an erase took order numbers 1, 2, ... again. Now the raise is durable before the
STATUS answer (a power cycle keeps it), per professional, never lowers a number, skips the
numbers reserved ahead by a batch; a power cut at any write of the raise leaves the old
numbers or the new, never less; a malformed "orders" is refused with ERROR and raises
nothing; salvage mode answers it without writing.
"""

from _cuts import each_cut
from _kit import raises
from _sync_agent import Agent, FlashBoard, boot

from firmware.journal import JournalError
from protocol import messages
from protocol import sync_messages as sm

PRO = "10000000001"
PRO2 = "20000000002"
DAY = 20261202
BLOCK = 4096


def _sheet(j, pro=PRO):
    return j.append_sheet(b"\x42" * 40, j.reserve_order(pro), pro, DAY, False)


def _paired(board, seed=4):
    app = boot(board)
    agent = Agent(app, seed=seed)
    agent.pair()
    assert agent.authenticate() is None
    return app, agent


def _status(agent, body):
    return agent.ask(messages.STATUS, body)


def test_after_a_whole_chip_erase_the_pcs_order_numbers_are_never_handed_out_again():
    board = FlashBoard(seed=3)
    app = boot(board)
    j = app.storage.journal
    for _ in range(5):
        _sheet(j)
    _sheet(j, PRO2)
    _sheet(j, PRO2)
    board.store.buf[:] = b"\xff" * len(board.store.buf)  # every block, the key block too
    app, agent = _paired(board.reboot())
    assert app.storage.journal.peek_order(PRO) == 1  # a blank flash knows nothing
    body = {"high": 7, "orders": [[int(PRO), 5], [int(PRO2), 2]]}
    reply = _status(agent, body)
    assert messages.name(reply[0]) == "STATUS", reply
    app = boot(board.reboot(5))  # the power goes before any sheet: the raise held
    j = app.storage.journal
    print("after the raise and a reboot:", j.peek_order(PRO), j.peek_order(PRO2))
    assert j.peek_order(PRO) == 6 and j.peek_order(PRO2) == 3
    assert j.next_rec_no == 8
    order = j.reserve_order(PRO)
    assert (order, j.append_sheet(b"\x43" * 40, order, PRO, DAY, False)) == (6, 8)
    assert app.storage.problems == [] and app.storage.damaged_runs() == []


def test_a_raise_never_lowers_and_skips_numbers_reserved_ahead():
    board = FlashBoard(seed=3)
    app, agent = _paired(board)
    j = app.storage.journal
    for _ in range(4):
        _sheet(j)
    _status(agent, {"orders": [[int(PRO), 2]]})
    assert j.peek_order(PRO) == 5
    writes = board.flash.writes
    _status(agent, {"orders": [[int(PRO), 4]]})  # what it holds already: nothing written
    assert board.flash.writes == writes
    j.order_batch = 10
    assert j.reserve_order(PRO) == 5  # 5..14 reserved ahead
    _status(agent, {"orders": [[int(PRO), 9]]})
    assert j.peek_order(PRO) == 10
    assert j.append_sheet(b"x" * 40, j.reserve_order(PRO), PRO, DAY, False) == 5


def test_a_malformed_orders_field_is_refused_and_raises_nothing():
    board = FlashBoard(seed=3)
    app, agent = _paired(board)
    j = app.storage.journal
    p = int(PRO)
    for bad in (
        5,
        [p, 3],
        [[p, 3], [p, 4]],  # a professional twice
        [[p + 1, 3], [p, 4]],  # not ascending
        [[p, 0]],
        [[p, sm.MAX_HIGH + 1]],
        [[10**11, 3]],
        [[-1, 3]],
        [[p, True]],
        [[PRO, 3]],  # text, not an integer
        [[p, 3, 4]],
        [[i, 1] for i in range(sm.MAX_PROS + 1)],
    ):
        reply = _status(agent, {"high": 50, "orders": bad})
        assert messages.name(reply[0]) == "ERROR", (bad, reply)
    assert j.peek_order(PRO) == 1 and j.next_rec_no == 1  # nor the high beside it
    raises(JournalError, j.raise_orders, {p: 0xFFFFFFFF})
    reply = _status(agent, {"orders": [[i, 1] for i in range(sm.MAX_PROS)]})
    assert messages.name(reply[0]) == "STATUS"
    assert j.peek_order("00000000063") == 2


def _raise_them(app):
    app.storage.journal.raise_orders({int(PRO): 40, int(PRO2): 7})


def test_a_power_cut_at_any_write_of_the_raise_leaves_the_old_numbers_or_the_new():
    blocks = 24
    board = FlashBoard(blocks=blocks, seed=3)
    _sheet(boot(board).storage.journal)
    seen = []
    for landed, tear, app in each_cut(board.store, blocks, _raise_them):
        j = app.storage.journal
        got = (j.peek_order(PRO), j.peek_order(PRO2))
        assert got in ((2, 1), (41, 8)), (landed, tear, got)
        seen.append(got)
    print("outcomes:", sorted(set(seen)), "of", len(seen), "cuts")
    assert seen[-1] == (41, 8) and seen[0] == (2, 1)  # every write landed; none did


def test_salvage_mode_answers_the_orders_without_writing():
    board = FlashBoard(seed=3)
    app, agent = _paired(board)
    _sheet(app.storage.journal)
    for b in (0, 1):
        board.store.buf[b * BLOCK : (b + 1) * BLOCK] = b"\x5a" * BLOCK
    app = boot(board.reboot())
    assert app.storage.salvage
    agent = Agent(app, seed=6)
    agent.pair()
    assert agent.authenticate() is None
    writes = app.board.flash.writes
    reply = _status(agent, {"high": 9, "orders": [[int(PRO), 9]]})
    assert messages.name(reply[0]) == "STATUS", reply
    assert app.board.flash.writes == writes
