"""Inflating in portable tests: a test's stand-in for the agent's host_agent/inflate.py that
runs under both interpreters (zlib on CPython, DeflateIO's reader on MicroPython, which
every build has). It inflates whole groups only, so it buffers until a group is complete."""

import sys

MICRO = sys.implementation.name == "micropython"


WBITS = 11  # the terminal's window (protocol/deflate_link.py TERMINAL_WBITS)


def inflate_group(data):
    """(plain bytes, bytes used) of the raw-deflate group at the start of `data`, or None
    when that group is not complete yet."""
    if MICRO:
        import gc

        import deflate  # type: ignore[import-not-found]
        import io

        src = io.BytesIO(data)
        try:
            plain = deflate.DeflateIO(src, deflate.RAW, WBITS).read()
        except EOFError:
            return None
        finally:
            gc.collect()  # the window of each try goes before the next
        return plain, src.tell()
    import zlib

    d = zlib.decompressobj(-15)
    plain = d.decompress(data)
    if not d.eof:
        return None
    return plain, len(data) - len(d.unused_data)


class Groups:
    """`feed(chunk)` -> the plain bytes of the groups completed so far (Puller's inflater)."""

    def __init__(self):
        self.buf = b""
        self.groups = 0

    def feed(self, chunk):
        self.buf += bytes(chunk)
        out = b""
        while self.buf:
            got = inflate_group(self.buf)
            if got is None:
                break
            out += got[0]
            self.buf = self.buf[got[1] :]
            self.groups += 1
        return out
