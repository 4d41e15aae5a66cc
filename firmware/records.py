"""Framed records in littlefs files: the on-flash unit of the journal, the certificate store
and the access log. Each record carries its type, length and CRC-32, so a torn tail is seen.

    record = type u8 | length u16 big-endian | body | CRC-32 big-endian of type, length, body

A record is appended with one write and committed by closing the file (littlefs commits a
file's writes at flush/close, and a failed write is never committed). New files are made
whole under a temporary name and renamed into place (rename is atomic in littlefs).
"""

from protocol.crc import crc32

OVERHEAD = 7  # type, length, CRC
MAX_BODY = 0xFFFF
_CHUNK = 512  # copy buffer: bounded RAM
_PIECE = 64  # read size of a checked peek: no body-sized buffer (docs/board.md "Heap")

# How a RecordFile stopped.
END = 0  # clean end of the file
TORN = 1  # the last record is incomplete or fails its CRC: a write the power cut short
DAMAGED = 2  # a bad record with data after it: the file was damaged, not cut short


def frame(rtype, body, more=b"") -> bytearray:
    """One record of type `rtype` (an int 1-254) around `body` then `more` (bytes), built
    in one buffer: no intermediate copy of a sheet or a certificate on the way to the
    flash, where each copy needs a contiguous piece of the heap (docs/board.md "Heap")."""
    k = len(body)
    n = k + len(more)
    if n > MAX_BODY:
        raise ValueError("record body too long: %d bytes" % n)
    out = bytearray(n + OVERHEAD)
    out[0] = rtype
    out[1] = n >> 8
    out[2] = n & 0xFF
    out[3 : 3 + k] = body
    out[3 + k : 3 + n] = more
    out[3 + n :] = crc32(memoryview(out)[: 3 + n]).to_bytes(4, "big")
    return out


def frame_pieces(rtype, body, more=b"") -> tuple:
    """The record frame() makes, as pieces written one after the other (header, body,
    more, CRC): for a body too large to be copied once more (a CPS3's certificate)."""
    n = len(body) + len(more)
    if n > MAX_BODY:
        raise ValueError("record body too long: %d bytes" % n)
    head = bytes((rtype, n >> 8, n & 0xFF))
    crc = crc32(more, crc32(body, crc32(head)))
    return (head, body, more, crc.to_bytes(4, "big"))


class RecordFile:
    """The records of a file, read one at a time: `with RecordFile(fs, path) as rf:` then
    `for rtype, body, offset in rf:`. Afterwards `outcome` says END, TORN or DAMAGED, and
    `offset` is where the good records end. With `peek`, only the first `peek` bytes of
    each body are read and CRCs are not checked (for scans of files checked at boot); with
    `peek` and `checked`, the CRC is checked too, over the rest of the body read in small
    pieces: a look-up that needs a body's first bytes never holds the whole body."""

    def __init__(self, fs, path, peek=0, checked=False):
        self.size = fs.size(path)
        self.f = fs.open(path, "rb")
        self.peek = peek
        self.checked = checked
        self.offset = 0
        self.outcome = END

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.f.close()

    def __iter__(self):
        return self

    def __next__(self):
        rec = self.next()
        if rec is None:
            raise StopIteration
        return rec

    def next(self):
        """The next record as (type, body, offset), or None at the end."""
        at = self.offset
        if at >= self.size:
            self.outcome = END
            return None
        if self.size - at < OVERHEAD:
            self.outcome = TORN
            return None
        f = self.f
        f.seek(at)
        head = f.read(3)
        n = (head[1] << 8) | head[2]
        end = at + OVERHEAD + n
        if end > self.size:
            self.outcome = TORN
            return None
        if self.peek:
            body = f.read(min(self.peek, n))
            if self.checked and not self._rest_holds(head, body, n):
                self.outcome = TORN if end == self.size else DAMAGED
                return None
            self.offset = end
            return head[0], body, at
        # The body and its CRC read apart: the body returned is the buffer read, with no
        # copy of it on the way (a CPS3's signed sheet is 460 bytes: docs/board.md "Heap").
        body = f.read(n)
        crc = f.read(4)
        if (
            len(body) != n
            or len(crc) != 4
            or crc32(body, crc32(head)) != int.from_bytes(crc, "big")
        ):
            self.outcome = TORN if end == self.size else DAMAGED
            return None
        self.offset = end
        return head[0], body, at

    def _rest_holds(self, head, body, n):
        """True when the CRC of the record whose head and first body bytes were read holds,
        reading the rest of its body _PIECE bytes at a time."""
        crc = crc32(body, crc32(head))
        left = n - len(body)
        while left > 0:
            piece = self.f.read(min(_PIECE, left))
            if not piece:
                return False
            crc = crc32(piece, crc)
            left -= len(piece)
        tail = self.f.read(4)
        return len(tail) == 4 and crc == int.from_bytes(tail, "big")

    def resync(self, types):
        """After DAMAGED: the next record further on whose type is in `types` and whose CRC
        holds, or None (then `outcome` is DAMAGED). Reads a small chunk at a time; the CRC
        tells a true record from bytes that only look like one."""
        damaged_at = self.offset
        at = damaged_at + 1
        while at + OVERHEAD <= self.size:
            self.f.seek(at)
            chunk = self.f.read(min(_CHUNK, self.size - at))
            if not chunk:
                break
            best = -1
            for t in types:
                j = chunk.find(bytes((t,)))
                if j >= 0 and (best < 0 or j < best):
                    best = j
            if best < 0:
                at += len(chunk)
                continue
            self.offset = at + best
            peek, self.peek = self.peek, 0
            rec = self.next()
            self.peek = peek
            if rec is not None:
                return rec
            at += best + 1
        self.offset = damaged_at
        self.outcome = DAMAGED
        return None


def first_record(fs, path):
    """The first record of `path` as (type, body, offset), or None (empty, torn, damaged)."""
    with RecordFile(fs, path) as rf:
        return rf.next()


def _write_all(f, data):
    """Write and commit (close); after a failed write, close without committing it.
    `data`: bytes, or a tuple of pieces (frame_pieces), committed together at the close."""
    try:
        for piece in data if isinstance(data, tuple) else (data,):
            f.write(piece)
    except OSError:
        try:
            f.close()
        except OSError:
            pass
        raise
    f.close()


def append(fs, path, data) -> None:
    """Append `data` to `path` and commit it; when this returns, the bytes are on flash."""
    _write_all(fs.open(path, "ab"), data)


def write_new(fs, path, data) -> None:
    """Create or replace `path` with `data`, atomically: the old content or the new one
    survives a power cut, never a mix."""
    tmp = path + ".new"
    _write_all(fs.open(tmp, "wb"), data)
    fs.rename(tmp, path)


def truncate_copy(fs, path, length) -> None:
    """Replace `path` with its first `length` bytes (a torn tail cut off), atomically,
    copying through a small buffer."""
    tmp = path + ".new"
    src = fs.open(path, "rb")
    try:
        dst = fs.open(tmp, "wb")
        try:
            left = length
            while left > 0:
                chunk = src.read(min(_CHUNK, left))
                if not chunk:
                    raise OSError(5, "short read while copying %s" % path)
                dst.write(chunk)
                left -= len(chunk)
        finally:
            dst.close()
    finally:
        src.close()
    fs.rename(tmp, path)


def u32(b, i) -> int:
    """Big-endian unsigned 32-bit int at b[i:i+4]."""
    return (b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]


def is_hex_name(name) -> bool:
    """True for the 8 lowercase hex digits that name numbered files (segments, log files)."""
    if len(name) != 8:
        return False
    for c in name:
        if c not in "0123456789abcdef":
            return False
    return True


def numbered_files(fs, folder, problems, known=()):
    """The numbers (ascending) of the files named by 8 hex digits in `folder`, made if
    missing. Other names, but `known` ones and unfinished `.new` writes, go to `problems`
    as French sentences: such files are ignored and kept, never deleted."""
    if not fs.exists(folder):
        fs.mkdir(folder)
    numbers = []
    for name in fs.listdir(folder):
        if is_hex_name(name):
            numbers.append(int(name, 16))
        elif name not in known and not name.endswith(".new"):
            problems.append("fichier inconnu %s/%s: ignore, conserve" % (folder, name))
    numbers.sort()
    return numbers
