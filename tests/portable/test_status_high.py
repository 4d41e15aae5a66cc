"""The PC's highest record (STATUS "high") on the terminal (both interpreters): a raise is
never taken for flash damage, its bounds, runs never sets, and a boot that fails in any way
ends on the damaged-flash screen instead of killing the firmware.

What it shows (outside review F3): a raise to 50 or 100,000 with or without sheets before
it leaves no damaged numbers after a reboot (the skipped run is in the purge log, the next
sheet starts a new segment); STATUS refuses a high beyond 2^31; the journal refuses numbers
beyond u32 with JournalError; recover() works on runs (a billion lost numbers at boot cost
a few runs); a MemoryError while opening the flash ends in salvage mode.
"""

from _kit import Rng, raises
from _sync_agent import Agent, FlashBoard, boot

import firmware.storage as storage_mod
from firmware.journal import ACKED, SIGNED, JournalError
from firmware.storage import Storage
from protocol import messages
from protocol import sync_messages as sm
from protocol.runs import in_runs, intersect_runs, subtract_runs

PRO = "10000000001"
DAY = 20261202


def _sheet(j, fill=0x78):
    return j.append_sheet(bytes([fill]) * 40, j.reserve_order(PRO), PRO, DAY, False)


def _raise_then_reboot(high, before):
    board = FlashBoard(seed=3)
    app = boot(board)
    agent = Agent(app, seed=4)
    agent.pair()
    assert agent.authenticate() is None
    j = app.storage.journal
    old = [_sheet(j, i + 1) for i in range(before)]
    reply = agent.ask(messages.STATUS, sm.status_request(high))
    assert messages.name(reply[0]) == "STATUS", reply
    assert reply[2]["next"] == high + 1
    n = _sheet(j)
    assert n == high + 1
    app2 = boot(board.reboot())
    return app2, old, n


def test_a_raise_by_the_pc_is_not_flash_damage_after_a_reboot():
    for high, before in ((50, 0), (100000, 0), (50, 3)):
        app, old, n = _raise_then_reboot(high, before)
        s = app.storage
        print(high, before, s.flash_state, s.damaged_runs(), s.problems)
        assert s.flash_state == messages.FLASH_OK
        assert s.damaged_runs() == []
        assert s.problems == []
        j = s.journal
        assert [r.rec_no for r in j.records_after(0)] == old + [n]
        assert j.status(n) == SIGNED and j.next_rec_no == n + 1


def test_status_refuses_a_high_beyond_2_31():
    board = FlashBoard(seed=3)
    app = boot(board)
    agent = Agent(app, seed=4)
    agent.pair()
    assert agent.authenticate() is None
    for high in (0xFFFFFFFE, sm.MAX_HIGH + 1):
        reply = agent.ask(messages.STATUS, {"high": high})
        assert messages.name(reply[0]) == "ERROR", reply
    assert app.storage.journal.next_rec_no == 1
    reply = agent.ask(messages.STATUS, {"high": sm.MAX_HIGH})
    assert reply[2]["next"] == sm.MAX_HIGH + 1
    assert _sheet(app.storage.journal) == sm.MAX_HIGH + 1


def test_the_journal_refuses_numbers_beyond_u32():
    app = boot(FlashBoard(seed=3))
    j = app.storage.journal
    raises(JournalError, j.raise_next, 0x100000000)
    j.raise_next(0xFFFFFFFF)  # the last number the marks can hold as "next"
    raises(JournalError, _sheet, j)
    assert list(j.records_after(0)) == []
    app2 = boot(FlashBoard(store=app.board.store, seed=5))
    assert app2.storage.journal.next_rec_no == 0xFFFFFFFF
    assert app2.storage.damaged_runs() == []


class _Scan:
    def __init__(self, rec_nos):
        self.rec_nos = rec_nos

    def bodies(self, rtype):
        for n in self.rec_nos:
            yield n.to_bytes(4, "big") + bytes(40), 0


def test_recover_works_on_runs_not_sets():
    j = boot(FlashBoard(seed=3)).storage.journal
    j.damaged = [[10, 1 << 30], [(1 << 31) + 5, 3]]
    got = j.recover(_Scan([12, 5, (1 << 31) + 6, 11]), done=[[11, 1]])
    assert got == 2
    assert j.damaged == [[10, 1], [13, (1 << 30) - 3], [(1 << 31) + 5, 1], [(1 << 31) + 7, 1]]
    assert j.status(11) == ACKED and j.status(12) == SIGNED


def test_runs_helpers_agree_with_sets():
    rng = Rng(9)
    for _ in range(200):
        a, b = _runs(rng), _runs(rng)
        sa, sb = _numbers(a), _numbers(b)
        assert _numbers(intersect_runs(a, b)) == sa & sb
        assert _numbers(subtract_runs(a, b)) == sa - sb
        for n in range(0, 70):
            assert in_runs(n, a) == (n in sa)
    print("runs ok")


def _runs(rng):
    out, at = [], rng.below(5)
    for _ in range(rng.below(6)):
        count = 1 + rng.below(6)
        out.append([at, count])
        at += count + 1 + rng.below(5)
    return out


def _numbers(runs):
    return set(n for first, count in runs for n in range(first, first + count))


class _Exploding:
    def __init__(self, *args, **kw):
        raise MemoryError("boot")


def test_a_boot_that_fails_in_any_way_ends_in_salvage_mode():
    board = FlashBoard(seed=3)
    boot(board)  # a formatted flash
    real = storage_mod.Journal
    storage_mod.Journal = _Exploding
    try:
        s = Storage(board.reboot())
    finally:
        storage_mod.Journal = real
    assert s.salvage and s.flash_state == messages.FLASH_UNREADABLE
    assert "memoire endommagee (MemoryError): lecture seule" in s.problems
    assert s.fs is None and s.journal is not None
