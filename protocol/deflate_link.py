"""Deflate on the RECORDS stream (docs/protocol.md "Compression"): what each end offers in
HELLO, the window a PULL asks for, and the terminal's compressor, which deflates the
stream's entries in groups.

The agent offers in its HELLO request the largest window it inflates (`{"deflate": 15}`);
a terminal that can compress answers with the window bits it compresses with. The agent
then asks for that window in every PULL, sealed; a terminal that cannot compress, or is
asked for a window it does not offer, refuses the PULL (ERROR 3) and the agent pulls
without compression. The clear HELLO decides nothing on its own: what a man in the middle
changes there costs at most the compression, never the sheets.

Groups: the entries of a stream go through one raw-deflate stream until GROUP_INPUT bytes
went in, which is then ended (a final block) and the next group begins with an empty
window. So the window works across sheets (a sheet repeats much of the one before: the same
professional, certificates, tags), the terminal's memory is the window and a few bytes,
and every interpreter's compressor (zlib's on CPython, MicroPython's uzlib in tla's own
builds) gives out a group whole by its end at the latest.
"""

from protocol._compat import can_deflate, const, deflate_writer

MIN_WBITS = const(9)  # zlib's smallest raw-deflate window (512 bytes)
MAX_WBITS = const(15)  # deflate's largest (32 KiB): what the agent inflates
# The terminal's window: 2 KiB holds about six sheets. uzlib's compressor searches its
# window byte by byte, so a larger one costs time on the device for little gain (the bench's
# 1,000 sheets: 2.30 at 2 KiB, 2.33 at 4 KiB, 1.97 at 1 KiB).
TERMINAL_WBITS = const(11)
GROUP_INPUT = const(8192)  # stream bytes per group
HELLO_KEY = "deflate"


def read_wbits(value, most=MAX_WBITS):
    """Window bits offered or asked for, or 0 when `value` is not a usable one (absent,
    another type, out of MIN_WBITS..`most`)."""
    if type(value) is not int or not MIN_WBITS <= value <= most:
        return 0
    return value


def offered_wbits() -> int:
    """The window bits this terminal compresses with, 0 when it cannot."""
    return TERMINAL_WBITS if can_deflate() else 0


def hello_offer(request) -> int:
    """What a terminal adds to its HELLO answer under HELLO_KEY: its window bits when the
    agent's request offered to inflate (any usable window), else 0 (nothing added)."""
    asked = request.get(HELLO_KEY) if isinstance(request, dict) else None
    return offered_wbits() if read_wbits(asked) else 0


class GroupCompressor:
    """Raw deflate, in groups of GROUP_INPUT input bytes. `write(data)` returns the
    compressed bytes available now (a group that filled is ended in it); `finish()` ends
    the current group and returns its last bytes."""

    def __init__(self, wbits):
        self.wbits = wbits
        self._z = None
        self._in = 0
        self.groups = 0  # groups ended so far

    def write(self, data) -> bytes:
        if self._z is None:
            self._z = deflate_writer(self.wbits)
            if self._z is None:
                raise ValueError("this interpreter cannot compress")
            self._in = 0
        out = self._z.write(data)
        self._in += len(data)
        if self._in >= GROUP_INPUT:
            out += self.finish()
        return out

    def finish(self) -> bytes:
        z = self._z
        if z is None:
            return b""
        self._z = None
        self.groups += 1
        return z.finish()
