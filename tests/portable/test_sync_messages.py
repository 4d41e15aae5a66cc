"""The sync messages' bodies, the RECORDS stream and the agent's puller (both interpreters):
the vectors of protocol/vectors/sync.json, runs, refusals, any chunking of a stream."""

from _kit import Rng, load_vectors, raises

from protocol import cbor, messages, opposition_entries
from protocol import sync_messages as sm
from protocol.pull import Puller
from protocol.record_stream import CERT, END, SHEET, StreamReader, StreamWriter, entry
from protocol.security_errors import MalformedMessage

VECTORS = load_vectors("sync")

READERS = {
    messages.STATUS: lambda b: sm.read_status(b) if "serial" in b else _status_request(b),
    messages.SET_TIME: sm.read_time,
    messages.PULL: sm.read_pull,
    messages.ACK: lambda b: sm.read_ack(b) if "certs" in b or "log" in b else b,
    messages.ACCESS_LOG: lambda b: (
        sm.read_log_reply(b) if "entries" in b else sm.read_log_request(b)
    ),
    messages.OPPOSITION: lambda b: (
        sm.OppositionChunk(b) if "i" in b else sm.read_opposition_reply(b)
    ),
}


def _status_request(body):
    return (
        sm.read_status_request(body),
        sm.read_status_orders(body),
        sm.read_status_log(body),
        sm.read_caps(body),
    )


def test_message_vectors_decode_check_and_encode_again():
    for v in VECTORS["messages"]:
        data = bytes.fromhex(v["cbor"])
        body = cbor.decode(data)
        assert cbor.encode(body) == data, v["name"]
        READERS[v["type"]](body)
        print(v["name"], len(data), "bytes")


def test_message_vectors_say_what_the_builders_say():
    by_name = {v["name"]: cbor.decode(bytes.fromhex(v["cbor"])) for v in VECTORS["messages"]}
    assert sm.read_pull(by_name["PULL"]) == (40, 6, 0)
    assert sm.read_pull(sm.pull(40, 6, 11)) == (40, 6, 11)
    assert sm.read_pull(by_name["PULL credit grant"]) == (40, 9, 0)
    ok, bad, certs, log = sm.read_ack(by_name["ACK"])
    assert (ok, bad, certs, log) == ([[41, 2]], [[43, 1]], [bytes(range(8))], 17)
    chunk = sm.OppositionChunk(by_name["OPPOSITION full, last chunk"])
    assert chunk.full and chunk.end and chunk.count == 2 and chunk.base is None
    assert [opposition_entries.decode(chunk.add[i : i + 5]) for i in (0, 5)] == [
        "1000000055",
        "1000000066",
    ]
    delta = sm.OppositionChunk(by_name["OPPOSITION delta, first chunk"])
    assert (delta.version, delta.base, delta.full, delta.end) == (5, 4, False, False)
    assert cbor.encode(
        sm.status_reply("TLA-EMU-0001", 1795024800, 43, 41, 2, 0, 17, 3, 1900544)
    ) == (bytes.fromhex(by_name_hex(VECTORS, "STATUS reply")))
    asked = by_name["STATUS request with the PC's numbers and caps"]
    assert _status_request(asked) == (41, {10006543218: 7, 20001234567: 12}, 17, (60, 0, 2, 0))
    assert _status_request(by_name["STATUS request"]) == (0, {}, 0, None)


def by_name_hex(vectors, name):
    return [v["cbor"] for v in vectors["messages"] if v["name"] == name][0]


def _stream_entries():
    out = []
    for kind, rec_no, body in VECTORS["stream"]["entries"]:
        out.append(({"C": CERT, "S": SHEET, "E": END}[kind], rec_no, bytes.fromhex(body)))
    return out


def test_stream_vector_written_and_read():
    v = VECTORS["stream"]
    w = StreamWriter(v["chunk"])
    for kind, rec_no, body in _stream_entries():
        if kind == SHEET:
            w.add_sheet(rec_no, body)
        else:
            w.add(kind, body)
    chunks = []
    while True:
        c = w.take(True)
        if c is None:
            break
        chunks.append(c.hex())
    assert chunks == v["chunks"]
    reader = StreamReader()
    got = []
    for c in chunks:
        got += reader.feed(bytes.fromhex(c))
    assert got == _stream_entries() and reader.ended


def test_stream_any_chunking_gives_the_same_entries():
    rng = Rng(3)
    data = b"".join(bytes.fromhex(c) for c in VECTORS["stream"]["chunks"])
    for _ in range(30):
        reader = StreamReader()
        got = []
        pos = 0
        while pos < len(data):
            n = 1 + rng.below(20)
            got += reader.feed(data[pos : pos + n])
            pos += n
        assert got == _stream_entries()
        assert reader.partial() == 0


def test_stream_refuses_unknown_entries_and_oversize():
    raises(MalformedMessage, StreamReader().feed, entry(0x51, b"x"))
    raises(MalformedMessage, StreamReader().feed, entry(0x4E, b"\x00\x01"))
    raises(MalformedMessage, StreamReader(max_entry=10).feed, entry(SHEET, b"x" * 11))


def test_runs_and_their_checks():
    assert sm.runs_of([1, 2, 3, 7, 9, 10]) == [[1, 3], [7, 1], [9, 2]]
    assert sm.runs_of([]) == []
    assert sm.read_runs({"ok": [[1, 3], [7, 1]]}, "ok") == [[1, 3], [7, 1]]
    for bad in (
        [[0, 1]],
        [[3, 0]],
        [[5, 2], [6, 1]],
        [[5, 1], [2, 1]],
        [[True, 1]],
        [[1, 2, 3]],
        [[1, 1]] * (sm.MAX_RUNS + 1),
        "runs",
    ):
        raises(MalformedMessage, sm.read_runs, {"ok": bad}, "ok")


def test_puller_grants_credit_at_half_the_window_and_resumes_after_the_last_sheet():
    p = Puller(10, window=4)
    assert p.restart(7) == {"after": 10, "upto": 4}
    w = StreamWriter(16)
    w.add_sheet(11, b"a" * 20)
    w.add_sheet(12, b"b" * 20)
    w.add(END)
    chunks = []
    while True:
        c = w.take(True)
        if c is None:
            break
        chunks.append(c)
    assert p.on_records(8, chunks[0]) is None  # another stream's frame
    assert p.grant() is None
    p.on_records(7, chunks[0])
    assert p.grant() is None  # 3 of 4 frames left
    p.on_records(7, chunks[1])
    assert p.grant() == {"after": 10, "upto": 6}
    p.on_records(7, chunks[2])
    assert p.after == 11  # sheet 11 is whole, sheet 12 not yet
    assert p.restart(9) == {"after": 11, "upto": 4}  # a frame was lost: again after 11
    assert p.restarts == 1


def test_opposition_entries():
    assert opposition_entries.encode("1000000055") == (1000000055).to_bytes(5, "big")
    assert opposition_entries.decode(opposition_entries.encode("0000000001")) == "0000000001"
    for bad in ("123", "10000000551", "10000000x5", 1000000055):
        raises(ValueError, opposition_entries.encode, bad)
    a, b = opposition_entries.encode("1000000001"), opposition_entries.encode("1000000002")
    assert opposition_entries.check_sorted(a + b) == b
    raises(ValueError, opposition_entries.check_sorted, b + a)
    raises(ValueError, opposition_entries.check_sorted, a + a)
    raises(ValueError, opposition_entries.check_sorted, a, b)
    raises(ValueError, opposition_entries.check_sorted, a[:4])


def test_an_opposition_chunk_is_checked():
    e = opposition_entries.encode("1000000001")
    for bad in (
        {"v": 0, "i": 0, "full": True},
        {"v": 2, "i": 0},
        {"v": 2, "i": 0, "full": True, "del": e},
        {"v": 2, "i": 0, "full": True, "end": True, "count": 1},
        {"v": 2, "i": 0, "base": 1, "add": "text"},
        {"v": 2, "i": 0, "full": 1},
    ):
        raises(MalformedMessage, sm.OppositionChunk, bad)
