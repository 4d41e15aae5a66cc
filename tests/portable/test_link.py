"""The firmware's link and HELLO: replies, refusals, and recovery (both interpreters)."""

from _fakes import FakeBoard

from firmware.app import App
from firmware.version import FIRMWARE_VERSION
from protocol import cbor, frame, messages


def _serve(app, data):
    app.board.port.feed(data)
    while app.board.port.inbox:
        app.step()
    return frame.Decoder().feed(app.board.port.take())


def test_hello_answers_with_identity_and_same_seq():
    app = App(FakeBoard("TLA-TEST-0042"))
    events = _serve(app, frame.encode(messages.HELLO, 513, {}))
    assert len(events) == 1
    reply = events[0]
    assert (reply.mtype, reply.seq) == (messages.HELLO, 513)
    assert reply.body == {
        "serial": "TLA-TEST-0042",
        "fw": FIRMWARE_VERSION,
        "proto": messages.PROTOCOL_VERSION,
        "model": "TLA-T1",
        "board": "fake",
    }


def test_unknown_type_gets_an_error_frame_then_hello_is_served():
    app = App(FakeBoard())
    events = _serve(app, frame.encode(0x42, 7, {}) + frame.encode(messages.HELLO, 8, {}))
    assert [(e.mtype, e.seq) for e in events] == [(messages.ERROR, 7), (messages.HELLO, 8)]
    assert events[0].body["code"] == messages.E_UNKNOWN_TYPE and events[0].body["ref"] == 7
    print(events[0].body["msg"])


def test_wrong_version_gets_an_error_frame():
    app = App(FakeBoard())
    events = _serve(app, frame.encode(messages.HELLO, 9, {}, version=2))
    assert events[0].mtype == messages.ERROR and events[0].body["code"] == messages.E_VERSION
    print(events[0].body["msg"])


def test_bad_crc_is_dropped_silently_and_counted():
    app = App(FakeBoard())
    bad = bytearray(frame.encode(messages.HELLO, 1, {}))
    bad[4] ^= 0x10
    events = _serve(app, bytes(bad) + frame.encode(messages.HELLO, 2, {}))
    assert [(e.mtype, e.seq) for e in events] == [(messages.HELLO, 2)]
    assert app.link.decoder.bad_crc + app.link.decoder.bad_cobs == 1


def test_oversize_frame_gets_an_error_then_hello_is_served():
    app = App(FakeBoard())
    big = frame.encode_raw(messages.RECORDS, 3, cbor.encode(b"\x07" * 4000), max_body=5000)
    events = _serve(app, big + frame.encode(messages.HELLO, 4, {}))
    assert [e.mtype for e in events] == [messages.ERROR, messages.HELLO]
    assert events[0].body["code"] == messages.E_TOO_LARGE


def test_body_that_is_not_a_map_is_refused():
    app = App(FakeBoard())
    events = _serve(app, frame.encode(messages.HELLO, 5, [1, 2]))
    assert events[0].mtype == messages.ERROR and events[0].body["code"] == messages.E_BAD_BODY


def test_cut_cable_does_not_crash_the_loop():
    app = App(FakeBoard())
    app.board.port.fail = True
    for _ in range(3):
        app.step()
    assert app.link.port_errors == 3
    app.board.port.fail = False
    events = _serve(app, frame.encode(messages.HELLO, 6, {}))
    assert events[0].seq == 6


def test_idle_screen_shows_serial_and_french_time():
    app = App(FakeBoard("TLA-TEST-0007"))
    app.board.clock.set(1795000000)  # 2026-11-18 11:06:40 UTC = 12:06 in Paris (UTC+1)
    app.refresh_screen(force=True)
    lines = app.board.display.lines
    assert lines[1] == "18/11/2026 12:06", lines
    assert "TLA-TEST-0007" in lines[3]
    print(lines)
