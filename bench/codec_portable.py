"""Codec throughput, portable: run under CPython and micropython by bench/__main__.py."""

import sys
import time

sys.path.insert(0, sys.argv[1] if len(sys.argv) > 1 else ".")

from protocol import cbor, frame, messages  # noqa: E402


def now_ms():
    if hasattr(time, "ticks_ms"):
        return time.ticks_ms()  # type: ignore[attr-defined]
    return time.monotonic() * 1000  # type: ignore[attr-defined]


SHEET_LIKE = {
    1: 1,
    2: b"\x01" * 8,
    3: [{1: "C", 2: 2500, 3: 20261118}, {1: "IFD", 2: 250, 3: 20261118}],
    4: "TLA-EMU-0001",
    5: 12345,
    6: b"\x02" * 64,
    7: b"\x03" * 64,
}


def bench(name, fn, n):
    t0 = now_ms()
    for _ in range(n):
        fn()
    ms = now_ms() - t0
    print("%-28s %8.0f /s" % (name, n * 1000.0 / ms if ms else 0))


def main():
    data = cbor.encode(SHEET_LIKE)
    wire = frame.encode(messages.RECORDS, 1, {"r": [data] * 3})
    dec = frame.Decoder()
    print("sheet-like CBOR: %d bytes; frame of 3: %d bytes" % (len(data), len(wire)))
    bench("cbor encode (sheet-like)", lambda: cbor.encode(SHEET_LIKE), 2000)
    bench("cbor decode (sheet-like)", lambda: cbor.decode(data), 2000)
    bench(
        "frame encode (3 sheets)", lambda: frame.encode(messages.RECORDS, 1, {"r": [data] * 3}), 500
    )
    bench("frame decode (3 sheets)", lambda: dec.feed(wire), 500)


main()
