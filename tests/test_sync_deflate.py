"""Deflate on the RECORDS stream, end to end in the in-process simulation (the real firmware
and the real Syncer; docs/protocol.md "Compression"): a deflated sync files every sheet byte
for byte in fewer line bytes; a terminal that cannot compress syncs plain; and the bad input
of issue 18: a terminal that claims compression and cannot (its PULL refusal counted), one
that sends garbage, one that sends a decompression bomb. Each ends in one line (the
summary's `deflate_dropped`), the sheets pulled plain, exactly once."""

import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from host_agent.inflate import MAX_PER_CHUNK, Inflater
from protocol import deflate_link, messages
from protocol.record_stream import END, SHEET, StreamReader, StreamWriter
from protocol.security_errors import MalformedMessage
from protocol.sync_messages import RECORDS_CHUNK
from tests import sync_kit as kit
from tests.hostile_terminal import rewrite_answers


def _world(tmp_path, n=40):
    world, store, root = kit.paired_world(tmp_path)
    saved = kit.add_sheets(world.app.storage, n)
    return world, store, root, saved


def _rewrite_records(world, rewrite):
    """RECORDS bodies of deflated streams pass through rewrite(body, stream) on their way."""
    link = world.app.link
    real = link.send_sealed

    def send_sealed(mtype, seq, body):
        stream = world.app.sync.stream
        if mtype == messages.RECORDS and stream is not None and stream.wbits:
            body = rewrite(body, stream)
        real(mtype, seq, body)

    link.send_sealed = send_sealed


def test_a_deflated_sync_files_every_sheet_in_fewer_bytes(tmp_path):
    world, store, root, saved = _world(tmp_path)
    summary = kit.agent(world, store, root).run()
    assert summary.deflate == deflate_link.TERMINAL_WBITS and summary.deflate_dropped is None
    wire, plain = summary.stream_bytes
    assert plain > sum(len(b) for b in saved.values())  # every sheet went through it
    assert wire * 18 < plain * 10, (wire, plain)  # these sheets deflate 1.8 times or more
    assert kit.check_exactly_once(world, store, saved) == []


def test_a_terminal_that_cannot_compress_syncs_plain(tmp_path, monkeypatch):
    monkeypatch.setattr(deflate_link, "can_deflate", lambda: False)
    world, store, root, saved = _world(tmp_path, 10)
    summary = kit.agent(world, store, root).run()
    assert summary.deflate == 0 and summary.deflate_dropped is None
    assert summary.stream_bytes[0] == summary.stream_bytes[1]
    assert kit.check_exactly_once(world, store, saved) == []


def test_a_terminal_that_claims_compression_it_cannot_do(tmp_path, monkeypatch):
    monkeypatch.setattr(deflate_link, "can_deflate", lambda: False)
    world, store, root, saved = _world(tmp_path, 10)

    def claims(body, seq, real):
        mtype, reply = real()
        return mtype, dict(reply, deflate=11)

    rewrite_answers(world.app, messages.HELLO, claims, sealed=False)
    summary = kit.agent(world, store, root).run()
    assert summary.deflate_dropped.startswith("the terminal refused compression"), summary
    assert "\n" not in summary.deflate_dropped and summary.deflate == 0
    assert world.app.sync.deflate_refused == 1
    assert kit.check_exactly_once(world, store, saved) == []


@pytest.mark.parametrize(
    "name, rewrite, why",
    [
        ("garbage", lambda body, s: bytes(range(256)) * 7, "does not inflate"),
        (
            "bomb",
            lambda body, s: zlib.compress(bytes(4 << 20), 9)[2:-4][:RECORDS_CHUNK],
            "inflates past",
        ),
        ("truncated", lambda body, s: body[: len(body) // 2], "unreadable"),
    ],
)
def test_a_stream_that_does_not_inflate_is_pulled_plain(tmp_path, name, rewrite, why):
    world, store, root, saved = _world(tmp_path)
    _rewrite_records(world, rewrite)
    summary = kit.agent(world, store, root).run()
    assert summary.deflate_dropped.startswith("the terminal's compressed stream was unreadable")
    assert why in summary.deflate_dropped and "\n" not in summary.deflate_dropped
    assert summary.deflate == 0
    assert kit.check_exactly_once(world, store, saved) == []


def _deflated_stream(entries, wbits=deflate_link.TERMINAL_WBITS):
    w = StreamWriter(RECORDS_CHUNK, deflate_link.GroupCompressor(wbits))
    for i, e in enumerate(entries):
        w.add_sheet(i + 1, e)
    w.add(END)
    out = b""
    while (c := w.take(final=True)) is not None:
        out += c
    return out


@given(
    st.lists(st.binary(min_size=0, max_size=3000), min_size=1, max_size=40),
    st.lists(st.integers(1, RECORDS_CHUNK), min_size=1, max_size=50),
    st.sampled_from([9, 11, 15]),
)
def test_the_inflater_takes_groups_in_any_chunking(entries, cuts, wbits):
    data = _deflated_stream(entries, wbits)
    inflater, reader, got, i = Inflater(), StreamReader(), [], 0
    k = 0
    while i < len(data):
        n = cuts[k % len(cuts)]
        got += reader.feed(inflater.feed(data[i : i + n]))
        i, k = i + n, k + 1
    assert [b for t, _, b in got if t == SHEET] == entries and reader.ended


def test_the_inflater_bound():
    z = zlib.compressobj(9, zlib.DEFLATED, -15)
    exact = z.compress(bytes(MAX_PER_CHUNK)) + z.flush()
    assert len(Inflater().feed(exact)) == MAX_PER_CHUNK  # exactly the bound: taken
    z = zlib.compressobj(9, zlib.DEFLATED, -15)
    over = z.compress(bytes(MAX_PER_CHUNK + 1)) + z.flush()
    with pytest.raises(MalformedMessage, match="inflates past"):
        Inflater().feed(over)
    with pytest.raises(MalformedMessage, match="does not inflate"):
        Inflater().feed(b"\xff" * 10)
