"""Loops bounded by what the terminal holds, never by numbers from the line (both
interpreters): an ACK naming one run of four billion record numbers the terminal never
issued kept its loop busy for minutes (hours with 64 runs), since the runs were walked
number by number; a stream's span across a gap of two billion numbers the same; a credit
of four billion frames sent the whole journal in one step of the main loop; an opposition
list sent chunk after chunk filled the flash under the room kept for the sheets.

No timing: the journal's state changes are counted, and the count is stopped (the
handler then fails, answered ERROR 7) far below what the walk on main reached, so the
test fails at once on main instead of hanging."""

from _sync_agent import Agent, FlashBoard, boot

from firmware import sync as fsync
from firmware.journal import ACKED, REJECTED, SYNCED
from protocol import messages
from protocol import sync_messages as sm
from protocol.opposition_entries import encode as opposition_entry
from protocol.record_stream import SHEET

PRO = "60001234567"
DAY = 20261118
U32 = 0xFFFFFFFF
WALKED = 10000  # record numbers handed to the journal before the count stops the walk


class Walk(Exception):
    pass


def _paired(n):
    app = boot(FlashBoard())
    agent = Agent(app)
    agent.pair()
    j = app.storage.journal
    for i in range(n):
        j.append_sheet(bytes([i]) * 300, j.reserve_order(PRO), PRO, DAY, False)
    assert agent.authenticate() is None
    return app, agent, _count(j)


def _count(j):
    """Count the record numbers given to the journal's state changes; stop past WALKED."""
    seen = [0]
    real = j._set_state

    def counted(state, rec_nos, today):
        seen[0] += len(rec_nos)
        if seen[0] > WALKED:
            raise Walk("the ACK's runs were walked number by number")
        return real(state, rec_nos, today)

    j._set_state = counted
    return seen


def test_an_ack_of_four_billion_numbers_never_issued_costs_what_the_journal_holds():
    app, agent, seen = _paired(3)  # records 1, 2, 3
    huge = [[10, U32 - 10]]  # 10 .. 2^32 - 1
    mtype, _, reply = agent.ask(messages.ACK, sm.ack(ok=huge))
    assert (mtype, reply) == (messages.ACK, {"ok": 0, "bad": 0}), reply
    assert seen[0] == 0
    # 64 runs of 33 million numbers each, both lists: nothing held, nothing walked.
    many = [[10 + k * (1 << 25), (1 << 25) - 1] for k in range(sm.MAX_RUNS)]
    mtype, _, reply = agent.ask(messages.ACK, sm.ack(ok=many, bad=many))
    assert (mtype, reply) == (messages.ACK, {"ok": 0, "bad": 0}), reply
    assert seen[0] == 0 and app.link.failures == 0
    # A run covering what is held and four billion numbers beyond: exactly the three.
    mtype, _, reply = agent.ask(messages.ACK, sm.ack(ok=[[2, U32 - 2]]))
    assert reply == {"ok": 2, "bad": 0}, reply
    mtype, _, reply = agent.ask(messages.ACK, sm.ack(bad=[[1, U32]]))
    assert reply == {"ok": 0, "bad": 1}, reply
    j = app.storage.journal
    assert [j.status(n) for n in (1, 2, 3)] == [REJECTED, ACKED, ACKED]
    assert seen[0] <= 6, seen
    print("numbers handed to the journal:", seen[0])


def test_a_stream_across_a_gap_of_two_billion_numbers_is_marked_without_walking_it():
    app, agent, seen = _paired(1)
    j = app.storage.journal
    j.raise_next(1 << 31)  # what a STATUS "high" of the PC does: numbers never issued
    j.append_sheet(b"\x07" * 300, j.reserve_order(PRO), PRO, DAY, False)
    entries, puller = agent.pull(after=0)
    assert puller.ended and len([e for e in entries if e[0] == SHEET]) == 2, entries
    # The stream spans 1 .. 2^31: marked synced from what is held, not number by number.
    assert j.status(1) == SYNCED and j.status(1 << 31) == SYNCED
    assert seen[0] == 2, seen


def test_a_credit_of_four_billion_frames_is_sent_a_few_frames_a_step():
    app, agent, _ = _paired(150)  # about 23 frames of sheets
    seq = agent.next_seq()
    port = app.board.port
    port.feed(agent.wire(messages.PULL, sm.pull(0, U32), seq))
    sizes = []
    for _ in range(40):
        app.step()
        sizes.append(len(agent.decoder.feed(port.take())))
    assert len([n for n in sizes if n]) >= 3, sizes  # main sent all 23 in one step
    assert max(sizes) <= fsync.FRAMES_PER_STEP, sizes
    assert sum(sizes) >= 20 and sizes[-1] == 0, sizes  # the whole stream, then nothing
    print("frames a step:", sizes[:6])


def test_an_opposition_list_that_never_ends_stops_above_the_room_kept_for_sheets():
    # Chunk after chunk of a full list, never the last: main wrote them until littlefs had
    # no block left, under the journal's reserve (no visit, states unwritable).
    app, agent, _ = _paired(2)
    j = app.storage.journal
    serial = 0
    answer = None
    for i in range(400):  # 2,000 bytes a chunk: 800 KB, more than the flash holds
        add = b"".join(opposition_entry("%010d" % (serial + k)) for k in range(400))
        serial += 400
        answer = agent.ask(messages.OPPOSITION, sm.opposition_chunk(7, None, i, add))
        if answer[0] != messages.OPPOSITION:
            break
    mtype, _, reply = answer
    assert mtype == messages.ERROR and reply["code"] == messages.E_INTERNAL, reply
    assert "too large for the flash reserve: previous kept" in reply["msg"], reply
    assert j.can_accept_sheet() and app.opposition.version == 0  # nothing half kept
    # A sheet is saved, and the next sync's ACK is written.
    j.append_sheet(b"\x09" * 300, j.reserve_order(PRO), PRO, DAY, False)
    assert agent.ask(messages.ACK, sm.ack(ok=[[1, 3]]))[2] == {"ok": 3, "bad": 0}
