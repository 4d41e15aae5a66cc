"""`make bench`, the sync's compression on the terminal (portable: run by CPython,
`micropython` and make firmware's micropython-tla32): the 1,000 bench sheets through the
RECORDS stream writer deflated as the terminal does it (protocol/deflate_link.py), the
ratio, the time per sheet, and the heap the compressor holds while a stream runs.

Usage: <interpreter> bench/deflate_portable.py ROOT STREAM_FILE (entries as the stream
carries them: type u8 | length u16 | bundle)."""

import gc
import sys
import time

sys.path.append(sys.argv[1])  # after .frozen: the frozen modules win in frozen32

from protocol._compat import can_deflate  # noqa: E402
from protocol.deflate_link import TERMINAL_WBITS, GroupCompressor  # noqa: E402
from protocol.record_stream import StreamWriter  # noqa: E402
from protocol.sync_messages import RECORDS_CHUNK  # noqa: E402


def ticks_ms():
    if hasattr(time, "ticks_ms"):
        return time.ticks_ms()  # type: ignore[attr-defined]
    return time.monotonic_ns() // 1000000


def entries(path):
    with open(path, "rb") as f:
        data = f.read()
    out, i = [], 0
    while i < len(data):
        n = (data[i + 1] << 8) | data[i + 2]
        out.append(data[i + 3 : i + 3 + n])
        i += 3 + n
    return out


def heap_in_use():
    gc.collect()
    return gc.mem_alloc() if hasattr(gc, "mem_alloc") else None  # type: ignore[attr-defined]


def main():
    sheets = entries(sys.argv[2])
    if not can_deflate():
        print("cannot compress: this build's deflate.DeflateIO only reads (plain sync)")
        return
    before = heap_in_use()
    w = StreamWriter(RECORDS_CHUNK, GroupCompressor(TERMINAL_WBITS))
    w.add_sheet(1, sheets[0])
    held = heap_in_use()
    t0 = ticks_ms()
    for i, s in enumerate(sheets[1:]):
        w.add_sheet(i + 2, s)
        while w.take() is not None:
            pass
    ms = ticks_ms() - t0
    print(
        "%d sheets, %d stream bytes deflated to %d (window 2^%d, groups of 8 KiB): %.2f times "
        "smaller, %.2f ms a sheet"
        % (
            len(sheets),
            w.bytes,
            w.wire,
            TERMINAL_WBITS,
            w.bytes / w.wire,
            ms / (len(sheets) - 1),
        )
    )
    if held is not None and before is not None:
        print("heap the compressor holds while a stream runs: %d bytes" % (held - before))


main()
