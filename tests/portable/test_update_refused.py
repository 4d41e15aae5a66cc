"""Bad updates (issue 22 "Bad input"; docs/board.md "Updates"), every interpreter: a wrong
or missing signature, fewer than m signatures, a key not in the terminal's list, another
board, an older counter, a format the new version does not read, an image too large, a
truncated, reordered, repeated or swapped chunk, a chunk hash or an image digest that lies.
Each is a typed ERROR 12 on the line and a French 4 x 20 ASCII screen, nothing switched,
the sheets untouched."""

from _update_kit import (
    EXPECT,
    IMAGE,
    NAMES,
    SIGNED,
    ask,
    check_screen,
    idle_past_sync,
    paired,
    send_chunks,
    send_manifest,
    sheets_of,
)

from firmware import update_screens
from protocol import messages
from protocol import update_messages as um
from protocol.update_manifest import CHUNK


def _refused(app, agent, mtype, reply, reason, before):
    """ERROR 12 on the line, the screen of `reason`, nothing switched, sheets untouched."""
    assert mtype == messages.ERROR and reply["code"] == messages.E_UPDATE, reply
    assert reply["msg"].startswith("update refused: "), reply
    assert ("EVENT", {"update_refused": reason}) in app.board.events, app.board.events
    assert app.notice == update_screens.refused(reason, "0.1.0"), app.notice
    check_screen(app.notice)
    idle_past_sync(app)  # no restart: nothing to switch to
    assert app.board.display.lines == app.notice
    assert app.board.boot_records().read()["try"] is None
    assert sheets_of(app) == before


def test_every_bad_manifest_is_refused_with_its_reason():
    names = [n for n in NAMES if EXPECT[n] != "ok"]
    assert len(names) == 9, names
    for name in names:
        app = agent = None  # the last case's board freed before the next one's flash
        app, agent = paired()
        before = sheets_of(app)
        mtype, reply = send_manifest(agent, SIGNED[name])
        _refused(app, agent, mtype, reply, EXPECT[name], before)
        # Nothing was written: the spare slot holds no update.
        s = um.read_state(ask(agent, um.query())[1])
        assert s["slot"] is None and s["ready"] is False, (name, s)


def test_a_manifest_that_is_not_one_is_refused():
    app, agent = paired()
    before = sheets_of(app)
    mtype, reply = send_manifest(agent, b"\xa0" * 40)
    _refused(app, agent, mtype, reply, "malformed", before)


def _started(first=2):
    app, agent = paired()
    mtype, reply = send_manifest(agent, SIGNED["ok"])
    assert reply == {"next": 0, "ready": False}, reply
    assert send_chunks(agent, IMAGE, 0, first)[1] == {"next": first, "ready": False}
    return app, agent, sheets_of(app)


def _chunk(i):
    return IMAGE[i * CHUNK : (i + 1) * CHUNK]


def test_bad_chunks_are_refused_before_they_are_written():
    for what, body in (
        ("truncated", um.chunk(2, _chunk(2)[:-1])),
        ("reordered", um.chunk(3, _chunk(3))),
        ("repeated in place of the next", um.chunk(2, _chunk(1))),
        ("swapped", um.chunk(2, _chunk(3))),
        ("beyond the image", um.chunk(5, _chunk(0))),
        ("not in the manifest", um.chunk(2, bytes(CHUNK))),
    ):
        app = agent = None  # the last case's board freed before the next one's flash
        app, agent, before = _started()
        writes = app.board.flash.writes
        mtype, reply = ask(agent, body)
        _refused(app, agent, mtype, reply, "chunk", before)
        assert app.board.flash.writes == writes, what
        # The right chunk still goes in where the transfer was.
        assert send_chunks(agent, IMAGE, 2)[1] == {"next": 5, "ready": True}, what


def test_a_chunk_before_any_manifest_is_refused():
    app, agent = paired()
    before = sheets_of(app)
    mtype, reply = ask(agent, um.chunk(0, _chunk(0)))
    _refused(app, agent, mtype, reply, "chunk", before)


def test_a_chunk_hash_that_lies_is_refused_at_its_chunk():
    app, agent = paired()
    before = sheets_of(app)
    assert send_manifest(agent, SIGNED["a chunk hash that lies"])[1]["next"] == 0
    assert send_chunks(agent, IMAGE, 0, 2)[1] == {"next": 2, "ready": False}
    mtype, reply = ask(agent, um.chunk(2, _chunk(2)))
    _refused(app, agent, mtype, reply, "chunk", before)


def test_an_image_digest_that_lies_is_refused_at_the_end_and_the_slot_voided():
    app, agent = paired()
    before = sheets_of(app)
    assert send_manifest(agent, SIGNED["an image digest that lies"])[1]["next"] == 0
    mtype, reply = send_chunks(agent, IMAGE)
    _refused(app, agent, mtype, reply, "image", before)
    s = um.read_state(ask(agent, um.query())[1])
    assert s["slot"] is None and s["ready"] is False, s


def test_a_malformed_update_body_is_error_3():
    app, agent = paired()
    for body in (
        {},
        {"q": 1},
        {"c": -1, "d": b"x"},
        {"c": 0, "d": b""},
        {"s": b"x", "at": 2, "len": 2},
    ):
        mtype, reply = ask(agent, body)
        assert mtype == messages.ERROR and reply["code"] == messages.E_BAD_BODY, (body, reply)
