"""Write protocol/vectors/sync.json: the sync messages' bodies (deterministic CBOR) and a
RECORDS stream cut into chunks, so another implementation of docs/protocol.md "Sync" can
check itself. tests/portable/test_sync_messages.py checks the file against the code.

Run: .venv/bin/python tools/sync_vectors.py
"""

import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from protocol import cbor, messages, opposition_entries  # noqa: E402
from protocol import sync_messages as sm  # noqa: E402
from protocol.record_stream import CERT, StreamWriter  # noqa: E402

SHA = hashlib.sha256(b"tla vector opposition list").digest()


def bodies():
    """(name, message type, body) of each vector."""
    e1, e2, e3 = (opposition_entries.encode(s) for s in ("1000000055", "1000000066", "2000000001"))
    return [
        ("STATUS request", messages.STATUS, {}),
        (
            "STATUS request with the PC's numbers and caps",
            messages.STATUS,
            sm.status_request(41, (60, 0, 2, 0), [(10006543218, 7), (20001234567, 12)], 17),
        ),
        (
            "STATUS reply",
            messages.STATUS,
            sm.status_reply("TLA-EMU-0001", 1795024800, 43, 41, 2, 0, 17, 3, 1900544),
        ),
        ("SET_TIME", messages.SET_TIME, sm.set_time(1795024800)),
        ("PULL", messages.PULL, sm.pull(40, 6)),
        ("PULL credit grant", messages.PULL, sm.pull(40, 9)),
        ("ACK", messages.ACK, sm.ack([[41, 2]], [[43, 1]], [bytes(range(8))], 17)),
        ("ACK reply", messages.ACK, sm.ack_reply(2, 1)),
        ("ACCESS_LOG request", messages.ACCESS_LOG, sm.log_request(12)),
        (
            "ACCESS_LOG reply",
            messages.ACCESS_LOG,
            sm.log_reply(
                [
                    bytes(32)
                    + cbor.encode(
                        [13, 1795020000, "10006543218", "vitale", "1000000011", "identite"]
                    )
                ],
                False,
            ),
        ),
        (
            "OPPOSITION full, last chunk",
            messages.OPPOSITION,
            sm.opposition_chunk(4, None, 0, e1 + e2, b"", (2, SHA)),
        ),
        (
            "OPPOSITION delta, first chunk",
            messages.OPPOSITION,
            sm.opposition_chunk(5, 4, 0, e3, e1),
        ),
        ("OPPOSITION reply", messages.OPPOSITION, sm.opposition_reply(4, 1)),
    ]


def stream():
    """A stream: a certificate, three sheets (the third after a gap in numbers), the end,
    cut into 48-byte chunks."""
    w = StreamWriter(48)
    w.add(CERT, b"\x30\x82" + bytes(range(30)))
    for rec_no in (41, 42, 45):
        w.add_sheet(rec_no, bytes([rec_no]) * 20)
    w.add(0x45)
    chunks = []
    while True:
        chunk = w.take(True)
        if chunk is None:
            break
        chunks.append(chunk.hex())
    return {
        "chunk": 48,
        "entries": [["C", 0, "3082" + bytes(range(30)).hex()]]
        + [["S", n, (bytes([n]) * 20).hex()] for n in (41, 42, 45)]
        + [["E", 0, ""]],
        "chunks": chunks,
    }


def main():
    out = {
        "messages": [
            {"name": name, "type": mtype, "cbor": cbor.encode(body).hex()}
            for name, mtype, body in bodies()
        ],
        "stream": stream(),
    }
    path = ROOT / "protocol" / "vectors" / "sync.json"
    path.write_text(json.dumps(out, indent=1) + "\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
