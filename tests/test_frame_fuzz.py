"""The frame decoder under random garbage, truncation and bit flips (hypothesis)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from protocol import frame, messages

BODIES = st.dictionaries(
    st.text(max_size=8),
    st.one_of(st.integers(-1000, 10**9), st.binary(max_size=200), st.text(max_size=20)),
    max_size=5,
)


def frames_of(events):
    return [e for e in events if isinstance(e, frame.Frame)]


def feed_chunked(dec, data, cuts):
    events = []
    pos = 0
    for cut in cuts:
        events += dec.feed(data[pos : pos + cut])
        pos += cut
    events += dec.feed(data[pos:])
    return events


@settings(max_examples=500)
@given(
    garbage=st.binary(max_size=300),
    body=BODIES,
    seq=st.integers(0, 0xFFFF),
    cuts=st.lists(st.integers(1, 50), max_size=30),
)
def test_garbage_then_good_frame(garbage, body, seq, cuts):
    dec = frame.Decoder()
    good = frame.encode(messages.STATUS, seq, body)
    events = feed_chunked(dec, garbage + good, cuts)
    assert all(isinstance(e, (frame.Frame, frame.FrameError)) for e in events)
    got = frames_of(events)
    assert got and got[-1].seq == seq and got[-1].body == body


@settings(max_examples=500)
@given(
    body=BODIES,
    data=st.data(),
    cuts=st.lists(st.integers(1, 64), max_size=20),
)
def test_truncated_or_flipped_frame_never_served_and_next_one_is(body, data, cuts):
    original = frame.encode(messages.RECORDS, 1, body)
    bad = bytearray(original)
    mode = data.draw(st.sampled_from(["truncate", "flip", "flips"]))
    if mode == "truncate":
        bad = bad[: data.draw(st.integers(1, len(bad) - 2))]
    else:
        n = 1 if mode == "flip" else data.draw(st.integers(2, 3))
        for _ in range(n):
            i = data.draw(st.integers(1, len(bad) - 2))
            bad[i] ^= 1 << data.draw(st.integers(0, 7))
    good = frame.encode(messages.HELLO, 2, {"ok": True})
    dec = frame.Decoder()
    events = feed_chunked(dec, bytes(bad) + good, cuts)
    got = frames_of(events)
    if bytes(bad) == original:  # flips that cancelled out
        assert [f.seq for f in got] == [1, 2]
        return
    # A damaged frame is never served (CRC-32 catches 1-3 bit flips in frames this short).
    assert [f.seq for f in got] == [2] and got[-1].body == {"ok": True}
    if len(bad) > 1:  # anything beyond the leading delimiter is counted as dropped
        assert dec.dropped >= 1


@settings(max_examples=300)
@given(st.lists(st.binary(max_size=80), max_size=20))
def test_pure_noise_only_raises_nothing(chunks):
    dec = frame.Decoder()
    for chunk in chunks:
        for e in dec.feed(chunk):
            assert isinstance(e, (frame.Frame, frame.FrameError))
