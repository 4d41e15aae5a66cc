"""The PC's highest access-log entry (STATUS "log") raises the terminal's numbering, both
interpreters: after a whole-chip erase no entry is numbered like one the PC holds.

What it shows (issue 17, the class of 2): on main the log restarted at entry 1 after an
erase; the PC asks for the entries after its own highest, so it skipped the new ones, and
its ACK then had them dropped unread (R162-1-10 c). Now: the next entry is numbered above
the PC's; entries made after the erase and before the sync are copied above it, same
content, in order, and the chain still verifies on the terminal; a power cut at any write
of the raise leaves the old log or the new one, whole; a raise never lowers; a malformed
"log" is refused.
"""

from _cuts import each_cut
from _sync_agent import Agent, FlashBoard, boot

from protocol import messages
from protocol import sync_messages as sm

PRO = "10000000001"


def _erased_and_paired(entries_after_erase, blocks=96):
    board = FlashBoard(blocks=blocks, seed=3)
    log = boot(board).storage.access_log
    for i in range(30):
        log.record(1000 + i, PRO, "vitale", "OLD-%d" % i, "lecture")
    board.store.buf[:] = b"\xff" * len(board.store.buf)  # every block, the key block too
    app = boot(board.reboot())
    for i in range(entries_after_erase):
        app.storage.access_log.record(2000 + i, PRO, "vitale", "NEW-%d" % i, "lecture")
    agent = Agent(app, seed=4)
    agent.pair()
    assert agent.authenticate() is None
    return board, app, agent


def _what(log):
    return [(e.when, e.card_id) for e in log.entries()]


def test_after_a_whole_chip_erase_the_next_entry_is_above_the_pcs():
    board, app, agent = _erased_and_paired(0)
    reply = agent.ask(messages.STATUS, {"log": 30})
    assert messages.name(reply[0]) == "STATUS", reply
    assert reply[2]["log"] == 30
    log = boot(board.reboot(5)).storage.access_log  # the raise held through a power cycle
    assert log.seq == 30
    log.record(3000, PRO, "cps", "CPS-1", "lecture")
    assert [n for n, _ in log.bodies_after(30)] == [31]
    assert log.verify() == 1


def test_entries_made_before_the_sync_are_copied_above_the_pcs():
    board, app, agent = _erased_and_paired(3)
    log = app.storage.access_log
    before = _what(log)
    assert log.seq == 3  # numbered 1-3: the PC holds 1-30 already
    agent.ask(messages.STATUS, {"log": 30})
    assert log.seq == 33 and _what(log) == before
    assert [n for n, _ in log.bodies_after(30)] == [31, 32, 33]
    log = boot(board.reboot(5)).storage.access_log
    assert _what(log) == before and log.verify() == 3 and log.problems == []
    reply = agent.ask(messages.ACCESS_LOG, sm.log_request(30))
    bodies, more = sm.read_log_reply(reply[2])
    print("entries the PC gets after 30:", len(bodies))


def test_a_raise_never_lowers_and_a_bad_log_is_refused():
    board, app, agent = _erased_and_paired(5)
    log = app.storage.access_log
    writes = board.flash.writes
    agent.ask(messages.STATUS, {"log": 4})
    assert log.seq == 5 and board.flash.writes == writes
    for bad in (-1, sm.MAX_HIGH + 1, "30", True, [30]):
        reply = agent.ask(messages.STATUS, {"log": bad})
        assert messages.name(reply[0]) == "ERROR", (bad, reply)
    assert log.seq == 5


def _raise_to_30(app):
    app.storage.access_log.raise_seq(30)


def test_a_power_cut_at_any_write_of_the_raise_leaves_the_old_log_or_the_new():
    blocks = 24
    board = FlashBoard(blocks=blocks, seed=3)
    log = boot(board).storage.access_log
    for i in range(4):
        log.record(2000 + i, PRO, "vitale", "NEW-%d" % i, "lecture")
    want = _what(log)
    seen = []
    for landed, tear, app in each_cut(board.store, blocks, _raise_to_30):
        log = app.storage.access_log
        assert _what(log) == want, (landed, tear)
        assert log.seq in (4, 34), (landed, tear, log.seq)
        assert log.verify() == 4 and log.problems == [], (landed, tear, log.problems)
        assert app.storage.problems == [], (landed, tear, app.storage.problems)
        seen.append(log.seq)
        log.raise_seq(30)  # what the next STATUS does: the same end
        assert log.seq == 34 and _what(log) == want and log.verify() == 4
    print("outcomes:", sorted(set(seen)), "of", len(seen), "cuts")
    assert seen[0] == 4 and seen[-1] == 34
