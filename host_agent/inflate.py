"""The agent's side of deflate on the RECORDS stream (protocol/deflate_link.py): the chunks
of a stream inflated group after group, with a bound on what one chunk may give, so that a
decompression bomb from a hostile terminal is refused, never held in memory."""

import zlib

from protocol import messages
from protocol.deflate_link import HELLO_KEY, MAX_WBITS, read_wbits
from protocol.pull import Puller
from protocol.security_errors import MalformedMessage
from protocol.sync_messages import RECORDS_CHUNK

# What one chunk (at most RECORDS_CHUNK bytes) may inflate to: 32 times its size, more than
# ten times the bench's real ratio (2.3 for signed sheets, whose two signatures do not
# compress), far below what a bomb reaches (deflate goes up to 1,032 to 1).
MAX_RATIO = 32
MAX_PER_CHUNK = MAX_RATIO * RECORDS_CHUNK
# The agent's HELLO request: it inflates windows up to 2^15 (docs/protocol.md "Compression").
HELLO = {HELLO_KEY: MAX_WBITS}


def offered(hello) -> int:
    """The window bits a terminal's HELLO answer offers, 0 when it offers none (or
    something unusable: then the stream comes plain)."""
    return read_wbits(hello.get(HELLO_KEY))


def puller(after, wbits) -> Puller:
    """The Puller of a sync: deflated streams when the terminal offered a window."""
    return Puller(after, inflater=Inflater, wbits=wbits)


def refused(error) -> str | None:
    """Why the terminal refused a deflated PULL (ERROR 3 answering it), else None."""
    body = error.body if isinstance(error.body, dict) else {}
    if body.get("code") != messages.E_BAD_BODY:
        return None
    return "the terminal refused compression (%s)" % str(body.get("msg", ""))[:200]


class Inflater:
    """`feed(chunk)` gives the stream bytes of one RECORDS chunk; MalformedMessage for data
    that is not raw deflate or inflates past MAX_PER_CHUNK."""

    def __init__(self, wbits=MAX_WBITS):
        self.wbits = wbits
        self._d = zlib.decompressobj(-wbits)
        self.groups = 0  # groups ended so far
        self.bytes_in = 0
        self.bytes_out = 0

    def feed(self, chunk) -> bytes:
        data = bytes(chunk)
        self.bytes_in += len(data)
        out = bytearray()
        while data:
            room = MAX_PER_CHUNK - len(out)
            try:
                # One byte more than the room: getting it means the bound is passed.
                part = self._d.decompress(data, room + 1)
            except zlib.error as e:
                raise MalformedMessage("the compressed stream does not inflate (%s)" % e) from None
            if len(part) > room:
                raise MalformedMessage(
                    "the compressed stream inflates past %d bytes a frame (a bomb?)" % MAX_PER_CHUNK
                )
            out += part
            if not self._d.eof:
                break
            # The group ended: what follows in the chunk begins the next one.
            data = self._d.unused_data
            self._d = zlib.decompressobj(-self.wbits)
            self.groups += 1
        self.bytes_out += len(out)
        return bytes(out)
