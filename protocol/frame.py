"""Link frames: header (protocol version, message type, sequence), CBOR body and CRC-32,
COBS-encoded between 0x00 delimiters.

Sans-IO: `encode()` returns the bytes to send; `Decoder.feed()` takes bytes in any chunking
and returns the frames completed so far. The decoder never raises on line input: a frame
that is damaged (bad COBS, bad CRC, too short, too long) is counted and dropped, and the
next delimiter starts afresh; a frame that is intact but unusable (another protocol
version, a malformed body, too large) is reported as a FrameError event so the receiver
can answer with an ERROR frame.

Raw frame: version u8 | type u8 | seq u16 BE | body (deterministic CBOR) | CRC-32 BE of all
before it. On the wire: 0x00 | COBS(raw) | 0x00 (the leading delimiter flushes any garbage).
"""

import gc

from protocol import cbor, cobs
from protocol._compat import const
from protocol.crc import crc32, crc32_bytes
from protocol.messages import E_BAD_BODY, E_TOO_LARGE, E_VERSION, PROTOCOL_VERSION

HEADER_SIZE = const(4)
CRC_SIZE = const(4)
MAX_BODY = const(2048)
MAX_RAW = HEADER_SIZE + MAX_BODY + CRC_SIZE
# COBS adds one byte per 254 and one more; this bounds the receive buffer.
MAX_WIRE = MAX_RAW + MAX_RAW // 254 + 1


class FrameTooLarge(ValueError):
    """The body to send is larger than MAX_BODY bytes once encoded."""


class Frame:
    """An intact frame: message type, sequence number and decoded body."""

    def __init__(self, mtype, seq, body, version=PROTOCOL_VERSION):
        self.version = version
        self.mtype = mtype
        self.seq = seq
        self.body = body

    def __repr__(self):
        return "Frame(type=0x%02x, seq=%d, body=%r)" % (self.mtype, self.seq, self.body)


class FrameError:
    """An intact frame the receiver cannot use; answer it with an ERROR frame.

    `code` is one of protocol.messages E_*; `mtype` and `seq` are those of the offending
    frame when they could be read (None otherwise).
    """

    def __init__(self, code, message, mtype=None, seq=None):
        self.code = code
        self.message = message
        self.mtype = mtype
        self.seq = seq

    def __repr__(self):
        return "FrameError(code=%d, %s)" % (self.code, self.message)


def encode_raw(mtype, seq, body_bytes, version=PROTOCOL_VERSION, max_body=MAX_BODY) -> bytes:
    """Wire bytes of a frame whose body is already CBOR-encoded."""
    if len(body_bytes) > max_body:
        raise FrameTooLarge("frame body of %d bytes exceeds %d" % (len(body_bytes), max_body))
    raw = bytearray(HEADER_SIZE)
    raw[0] = version
    raw[1] = mtype
    raw[2] = (seq >> 8) & 0xFF
    raw[3] = seq & 0xFF
    raw.extend(body_bytes)
    raw.extend(crc32_bytes(raw))
    return b"\x00" + cobs.encode(raw) + b"\x00"


def encode(mtype, seq, body, version=PROTOCOL_VERSION, max_body=MAX_BODY) -> bytes:
    """Wire bytes of a frame carrying `body` (any value protocol.cbor can encode)."""
    return encode_raw(mtype, seq, cbor.encode(body), version, max_body)


class Decoder:
    """Turns a byte stream into Frame and FrameError events; counts what it drops."""

    def __init__(self, max_body=MAX_BODY):
        self.max_body = max_body
        self.max_wire = HEADER_SIZE + max_body + CRC_SIZE
        self.max_wire += self.max_wire // 254 + 1
        self._buf = bytearray()
        self._skipping = False
        self.frames = 0
        self.bad_cobs = 0
        self.bad_crc = 0
        self.too_short = 0
        self.too_large = 0
        self.bad_version = 0
        self.bad_body = 0
        self.no_memory = 0  # frames dropped because decoding them ran out of heap

    @property
    def dropped(self) -> int:
        """Frames lost to damage or refused, since this decoder was made."""
        return (
            self.bad_cobs
            + self.bad_crc
            + self.too_short
            + self.too_large
            + self.bad_version
            + self.bad_body
            + self.no_memory
        )

    def reset(self):
        """Forget any partial frame (e.g. after the port was reopened)."""
        self._buf = bytearray()
        self._skipping = False

    def feed(self, data) -> list:
        """Consume `data`; return the list of Frame / FrameError events it completed."""
        events = []
        if not isinstance(data, bytes):
            data = bytes(data)
        start = 0
        n = len(data)
        while start < n:
            z = data.find(b"\x00", start)
            if z < 0:
                self._append(data[start:])
                break
            if z > start:
                self._append(data[start:z])
            try:
                self._end_of_frame(events)
            except MemoryError:
                # A body the heap cannot hold (the limits of cbor.LINK_* keep this rare):
                # the frame is dropped and counted, the heap collected, the next one served.
                self._buf = bytearray()
                self.no_memory += 1
                gc.collect()
            start = z + 1
        return events

    def _append(self, chunk):
        if self._skipping:
            return
        if len(self._buf) + len(chunk) > self.max_wire:
            self._skipping = True
            self._buf = bytearray()
            return
        self._buf.extend(chunk)

    def _end_of_frame(self, events):
        if self._skipping:
            self._skipping = False
            self.too_large += 1
            events.append(FrameError(E_TOO_LARGE, "frame longer than %d bytes" % self.max_wire))
            return
        if not self._buf:
            return
        wire = bytes(self._buf)
        self._buf = bytearray()
        try:
            raw = cobs.decode(wire)
        except cobs.CobsError:
            self.bad_cobs += 1
            return
        if len(raw) < HEADER_SIZE + 1 + CRC_SIZE:
            self.too_short += 1
            return
        if crc32(raw[:-CRC_SIZE]) != int.from_bytes(raw[-CRC_SIZE:], "big"):
            self.bad_crc += 1
            return
        version = raw[0]
        mtype = raw[1]
        seq = (raw[2] << 8) | raw[3]
        if version != PROTOCOL_VERSION:
            self.bad_version += 1
            events.append(
                FrameError(
                    E_VERSION,
                    "protocol version %d is not supported (this side speaks %d)"
                    % (version, PROTOCOL_VERSION),
                    mtype,
                    seq,
                )
            )
            return
        if len(raw) - HEADER_SIZE - CRC_SIZE > self.max_body:
            self.too_large += 1
            events.append(FrameError(E_TOO_LARGE, "frame body too large", mtype, seq))
            return
        try:
            body = cbor.decode_link(raw[HEADER_SIZE:-CRC_SIZE])
        except cbor.CBORError as e:
            self.bad_body += 1
            events.append(FrameError(E_BAD_BODY, "malformed body: %s" % e, mtype, seq))
            return
        self.frames += 1
        events.append(Frame(mtype, seq, body, version))
