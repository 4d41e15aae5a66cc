"""Link frames: vectors, any chunking, garbage, damage, refusals (both interpreters)."""

from _kit import Rng, load_vectors

from protocol import cbor, frame, messages

VECTORS = load_vectors("frame")


def _frames(events):
    return [e for e in events if isinstance(e, frame.Frame)]


def test_vectors_encode_and_decode():
    for v in VECTORS:
        body = cbor.decode(bytes.fromhex(v["body_cbor"]))
        wire = frame.encode(v["type"], v["seq"], body)
        assert wire.hex() == v["wire"], v["wire"]
        events = frame.Decoder().feed(wire)
        assert len(events) == 1 and isinstance(events[0], frame.Frame)
        assert (events[0].mtype, events[0].seq, events[0].body) == (v["type"], v["seq"], body)


def test_any_chunking_gives_the_same_frames():
    wire = b"".join(bytes.fromhex(v["wire"]) for v in VECTORS)
    rng = Rng(5)
    for _ in range(50):
        dec = frame.Decoder()
        got = []
        pos = 0
        while pos < len(wire):
            n = 1 + rng.below(40)
            got += _frames(dec.feed(wire[pos : pos + n]))
            pos += n
        assert [(f.mtype, f.seq) for f in got] == [(v["type"], v["seq"]) for v in VECTORS]
        assert dec.dropped == 0


def test_garbage_is_counted_and_the_next_frame_served():
    good = frame.encode(messages.HELLO, 42, {})
    dec = frame.Decoder()
    events = dec.feed(b"\x13\x37garbage\xff\xfe" + good)
    assert [(f.mtype, f.seq) for f in _frames(events)] == [(messages.HELLO, 42)]
    assert dec.dropped == 1


def test_every_single_bit_flip_is_dropped_and_the_next_frame_served():
    target = frame.encode(messages.HELLO, 3, {"serial": "X"})
    good = frame.encode(messages.HELLO, 4, {})
    for i in range(1, len(target) - 1):
        for bit in range(8):
            bad = bytearray(target)
            bad[i] ^= 1 << bit
            dec = frame.Decoder()
            frames = _frames(dec.feed(bytes(bad) + good))
            assert [f.seq for f in frames] == [4], (i, bit, frames)


def test_truncated_frames_are_dropped():
    target = frame.encode(messages.STATUS, 9, {"a": [1, 2, 3]})
    good = frame.encode(messages.HELLO, 10, {})
    for cut in range(1, len(target) - 1):
        dec = frame.Decoder()
        frames = _frames(dec.feed(target[:cut] + good))
        assert [f.seq for f in frames] == [10], cut


def test_wrong_version_is_reported_not_served():
    wire = frame.encode(messages.HELLO, 77, {}, version=9)
    events = frame.Decoder().feed(wire)
    assert len(events) == 1 and isinstance(events[0], frame.FrameError)
    assert events[0].code == messages.E_VERSION and events[0].seq == 77
    print(events[0].message)


def test_oversize_frame_is_refused_and_the_next_served():
    big = frame.encode_raw(messages.RECORDS, 1, cbor.encode(b"\x01" * 3000), max_body=4000)
    good = frame.encode(messages.HELLO, 2, {})
    dec = frame.Decoder()
    events = dec.feed(big + good)
    assert isinstance(events[0], frame.FrameError) and events[0].code == messages.E_TOO_LARGE
    assert [f.seq for f in _frames(events)] == [2]
    assert dec.too_large == 1


def test_sender_refuses_oversize_bodies():
    try:
        frame.encode(messages.RECORDS, 1, b"\x00" * (frame.MAX_BODY + 1))
    except frame.FrameTooLarge as e:
        print(e)
        return
    raise AssertionError("oversize body accepted")


def test_malformed_body_is_reported():
    raw_body = bytes.fromhex("a202010102")  # keys out of order
    events = frame.Decoder().feed(frame.encode_raw(messages.HELLO, 5, raw_body))
    assert isinstance(events[0], frame.FrameError) and events[0].code == messages.E_BAD_BODY
    print(events[0].message)


def test_random_noise_never_raises():
    rng = Rng(99)
    dec = frame.Decoder()
    good = frame.encode(messages.HELLO, 1, {})
    served = 0
    for _ in range(300):
        noise = rng.bytes(rng.below(64))
        served += len(_frames(dec.feed(noise + b"\x00" + good)))
    assert served == 300
    print("dropped", dec.dropped)
