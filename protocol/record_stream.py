"""The byte stream a PULL asks for and RECORDS frames carry: entries of certificates and
signed sheets, cut into frames regardless of entry boundaries so that every frame is full.

    entry = type u8 | length u16 BE | body
    "C" a card certificate (DER) the agent may lack; always before the sheets it signed
    "N" the record number of the next sheet (u32), when it is not the previous one plus 1
    "S" a signed sheet bundle (protocol/bundle.py), exactly as the journal keeps it
    "E" the end: no more sheets now (empty body)

`StreamWriter` (terminal) packs entries into chunks; `StreamReader` (agent) gives entries
back from chunks in order. A lost chunk is seen by the session's counters, never here.
When the PULL asked for it, the writer deflates the entries first (protocol/deflate_link.py)
and the chunks carry the compressed stream; the agent inflates them before its reader.
"""

from protocol._compat import const
from protocol.security_errors import MalformedMessage

CERT = const(0x43)  # "C"
NEXT = const(0x4E)  # "N"
SHEET = const(0x53)  # "S"
END = const(0x45)  # "E"
HEAD = const(3)
MAX_ENTRY = const(0xFFFF)


def entry(etype, body=b"") -> bytes:
    n = len(body)
    if n > MAX_ENTRY:
        raise ValueError("stream entry of %d bytes" % n)
    return bytes((etype, n >> 8, n & 0xFF)) + bytes(body)


class StreamWriter:
    """Packs entries into chunks of `chunk` bytes. `add()` takes an entry while `room()`
    (the buffer holds less than one chunk, so RAM stays near one chunk and one entry);
    `take()` gives the next full chunk, or with `final` whatever is left. `squeeze`: a
    deflate_link.GroupCompressor the entries go through (the END entry ends its group), or
    None; `bytes` counts the entries' bytes, `wire` what the chunks carry."""

    def __init__(self, chunk, squeeze=None):
        self.chunk = chunk
        self.squeeze = squeeze
        self._buf = bytearray()
        self.next_rec = 0  # record number the reader will give the next "S" entry
        self.bytes = 0
        self.wire = 0

    def room(self) -> bool:
        return len(self._buf) < self.chunk

    def add(self, etype, body=b""):
        data = entry(etype, body)
        self.bytes += len(data)
        z = self.squeeze
        if z is not None:
            data = z.write(data)
            if etype == END:
                data += z.finish()
        self._buf.extend(data)
        self.wire += len(data)

    def add_sheet(self, rec_no, bundle):
        if rec_no != self.next_rec:
            self.add(NEXT, rec_no.to_bytes(4, "big"))
        self.add(SHEET, bundle)
        self.next_rec = rec_no + 1

    def pending(self) -> int:
        return len(self._buf)

    def take(self, final=False):
        """The next chunk (bytes), or None when not a full chunk and not `final`."""
        if not self._buf or (len(self._buf) < self.chunk and not final):
            return None
        out = bytes(self._buf[: self.chunk])
        self._buf = self._buf[self.chunk :]
        return out


class StreamReader:
    """Entries back from the chunks, in order: feed() returns [(type, rec_no, body)], where
    rec_no is the record number of a sheet (0 for other entries). `max_entry` bounds what it
    buffers; a malformed stream raises MalformedMessage."""

    def __init__(self, max_entry=MAX_ENTRY):
        self.max_entry = max_entry
        self._buf = bytearray()
        self.next_rec = 0
        self.ended = False

    def partial(self) -> int:
        """Bytes of an entry begun but not complete."""
        return len(self._buf)

    def feed(self, chunk) -> list:
        self._buf.extend(chunk)
        out = []
        buf = self._buf
        pos = 0
        while len(buf) - pos >= HEAD:
            etype = buf[pos]
            n = (buf[pos + 1] << 8) | buf[pos + 2]
            if n > self.max_entry:
                raise MalformedMessage("stream entry of %d bytes is over the limit" % n)
            if len(buf) - pos - HEAD < n:
                break
            body = bytes(buf[pos + HEAD : pos + HEAD + n])
            pos += HEAD + n
            if etype == SHEET:
                out.append((SHEET, self.next_rec, body))
                self.next_rec += 1
            elif etype == NEXT:
                if n != 4:
                    raise MalformedMessage("an N entry holds a 4-byte record number")
                self.next_rec = int.from_bytes(body, "big")
            elif etype == CERT:
                out.append((CERT, 0, body))
            elif etype == END:
                self.ended = True
                out.append((END, 0, b""))
            else:
                raise MalformedMessage("unknown stream entry type 0x%02x" % etype)
        self._buf = buf[pos:]
        return out
