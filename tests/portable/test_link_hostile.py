"""The link survives every input (both interpreters): 10,000 seeded random and hostile
frames, then HELLO is still answered; decoder limits refuse what would not fit the heap.

What it shows: no frame, however built (garbage, valid CRC around garbage CBOR, CBOR
bombs, every message type with a hostile body, sealed types without a session), lets an
exception out of `Link.poll`; each one is answered with an ERROR frame or dropped and
counted, and the firmware serves the next good frame. The heap half (a 2,000-int HELLO at
the smallest heap the App boots with) is tests/test_link_heap.py.
"""

from _fakes import FakeBoard
from _kit import Rng
from test_link import _serve

from firmware.app import App
from protocol import cbor, frame, messages

SEED = 9
FRAMES = 10000


def _bombs():
    """CBOR bodies built to cost RAM or stack out of proportion to their size."""
    yield b"\x99\x07\xd0" + bytes(i % 24 for i in range(2000))  # 2,000 ints
    yield b"\x81" * 1500 + b"\x00"  # nested 1,500 deep
    yield b"\xb9\x03\xe8" + b"".join(bytes((0x19, i >> 8, i & 0xFF, 0)) for i in range(256, 656))
    yield b"\x9a\xff\xff\xff\xff\x00"  # an array that says 4 billion items
    yield b"\x5a\x7f\xff\xff\xff"  # a byte string that says 2 GiB
    yield b"\x99\x02\x01" + b"\x40" * 513  # 513 empty byte strings
    yield b"\x98\xff" + b"\x82\x80\x80" * 255  # 255 pairs of empty lists
    yield b"\x9f\x01\xff"  # indefinite length


def _hostile_frame(rng):
    kind = rng.below(6)
    mtype = (
        messages.HELLO,
        messages.PAIR,
        messages.AUTH,
        messages.STATUS,
        messages.PULL,
        messages.ACK,
        messages.OPPOSITION,
        messages.ERROR,
        rng.below(256),
    )[rng.below(9)]
    seq = rng.below(65536)
    if kind == 0:  # line noise, delimiters included
        return rng.bytes(1 + rng.below(300))
    if kind == 1:  # a valid CRC around random bytes
        return frame.encode_raw(mtype, seq, rng.bytes(rng.below(200)))
    if kind == 2:  # a CBOR bomb
        bombs = list(_bombs())
        return frame.encode_raw(mtype, seq, bombs[rng.below(len(bombs))])
    if kind == 3:  # a well-formed map with hostile values
        value = (rng.bytes(rng.below(64)), -(2**63), 2**64 - 1, [[]] * 40, "\u00e9" * 30)
        key = ("after", "upto", "ok", "bad", "certs", "v", "i", "step", "pub", "time")
        return frame.encode(mtype, seq, {key[rng.below(len(key))]: value[rng.below(5)]})
    if kind == 4:  # another protocol version, or a frame cut short
        wire = frame.encode(mtype, seq, {}, version=rng.below(256))
        return wire[: 1 + rng.below(len(wire))] if rng.below(2) else wire
    return b"\x00" + rng.bytes(3000) + b"\x00"  # longer than any frame


def test_ten_thousand_hostile_frames_then_hello_is_answered():
    app = App(FakeBoard("TLA-HOST-0001"))
    rng = Rng(SEED)
    replies = 0
    for i in range(FRAMES):
        app.board.port.feed(_hostile_frame(rng))
        while app.board.port.inbox:
            app.step()
        if i % 100 == 99:
            replies += len(frame.Decoder().feed(app.board.port.take()))
    events = _serve(app, b"\x00" + frame.encode(messages.HELLO, 4242, {}))
    assert [(e.mtype, e.seq) for e in events][-1:] == [(messages.HELLO, 4242)], events
    d = app.link.decoder
    assert d.dropped > 0 and d.bad_body > 0
    assert app.link.dropped == 0, app.link.last_failure  # nothing failed even to answer
    print("frames", FRAMES, "replies", replies, "refused bodies", d.bad_body)


def test_decoder_limits_refuse_the_bombs_with_an_error_frame():
    app = App(FakeBoard())
    for body in _bombs():
        events = _serve(app, frame.encode_raw(messages.HELLO, 7, body))
        assert [(e.mtype, e.body["code"]) for e in events] == [
            (messages.ERROR, messages.E_BAD_BODY)
        ], body[:4]
    assert app.link.decoder.bad_body == len(list(_bombs()))


def test_link_limits_still_take_the_largest_real_message():
    from protocol import sync_messages as sm

    runs = [[1 + 3 * i, 2] for i in range(sm.MAX_RUNS)]
    big_ack = sm.ack(runs, [[r[0] + 1000, 1] for r in runs], [b"\x01" * 8] * 64, 9)
    assert cbor.decode_link(cbor.encode(big_ack)) == big_ack


def test_a_handler_that_raises_memory_error_costs_one_frame():
    app = App(FakeBoard())

    def greedy(body, seq):
        raise MemoryError("no heap")

    app.link.on(0x42, greedy)
    events = _serve(app, frame.encode(0x42, 1, {}) + frame.encode(messages.HELLO, 2, {}))
    assert [(e.mtype, e.seq) for e in events] == [(messages.ERROR, 1), (messages.HELLO, 2)]
    assert events[0].body["code"] == messages.E_INTERNAL
    assert app.link.failures == 1
