"""Opposition list (R161-33-7): serial numbers of Vitale cards reported lost, stolen or
denounced, which the terminal must refuse. The card layer asks `contains()` at every read.

`OppositionList` is the interface; `MemoryOppositionList` holds a set (tests, no flash).
`FlashOppositionList` keeps the list the practice PC pushes in flash, as one sorted file of
5-byte entries (protocol/opposition_entries.py) searched in place by binary search, with
bounded RAM; the PC updates it with a full list or a delta, in chunks (OPPOSITION).

    opposition/list = entry * count | index | trailer
    index           = every STRIDE-th entry (entries 0, STRIDE, 2 STRIDE...)
    trailer         = "TLAO" | version u32 | count u32 | SHA-256 of the entries (32)

A look-up searches the index first, then STRIDE entries: littlefs finds a file position by
walking its block list back from the end of the file, so the index, at the end, costs few
flash reads, and only one seek goes far into the list. An update is written to
`opposition/list.new` (a full list as it arrives; a delta merged from the old list,
`opposition/add` and `opposition/del`), checked against the count and digest the PC
announced, then renamed over the list: a power cut leaves the old list or the new one.
"""

import hashlib

from firmware import records
from firmware.journal_format import SHEET_ROOM
from protocol import messages
from protocol import opposition_entries as entries
from protocol.security_errors import MalformedMessage, SecurityError

DIR = "opposition"
LIST = DIR + "/list"
NEW = DIR + "/list.new"
INDEX = DIR + "/index.new"
ADD = DIR + "/add"
DEL = DIR + "/del"
MAGIC = b"TLAO"
TRAILER = 44
SIZE = entries.SIZE
STRIDE = 512  # entries between two index entries: 2,560 bytes, within a littlefs block or two
_SCAN = 32  # entries read at once at the end of a search (160 bytes)
_BLOCK = 51 * SIZE  # 255 bytes: read and write buffers of a merge
_SLACK = 2 * 4096  # beyond the update's own bytes: littlefs metadata, a partly used block


class ListTooLarge(SecurityError):
    """An update that would bring the flash under the room kept for the sheets: refused
    (ERROR 7, "nothing was changed"), the update dropped, the list held kept."""

    code = messages.E_INTERNAL


class OppositionList:
    def contains(self, card_serial: str) -> bool:
        raise NotImplementedError


class MemoryOppositionList(OppositionList):
    def __init__(self, serials=()):
        self.serials = set(serials)

    def contains(self, card_serial):
        return card_serial in self.serials


def _index_size(count):
    return (count + STRIDE - 1) // STRIDE


def in_flash(storage) -> "FlashOppositionList":
    """The list in the littlefs of `storage` (firmware/storage.py), its updates keeping
    free the journal's reserve and a sheet's room (sheets come first, as for a round)."""
    j = storage.journal
    keep = j.reserve_bytes + SHEET_ROOM if j is not None else 0
    return FlashOppositionList(storage.fs, keep)


class _ListWriter:
    """Writes NEW: entries in ascending order as they come, their index aside (INDEX),
    then at finish() the index and the trailer. Its files stay open between add() calls
    until pause() (a full list arriving chunk by chunk is paused between chunks)."""

    def __init__(self, fs):
        self.fs = fs
        self.count = 0
        self.sha = hashlib.sha256()
        self.data = None
        self.index = None
        self.mode = "wb"

    def _open(self):
        if self.data is None:
            self.data = self.fs.open(NEW, self.mode)
            self.index = self.fs.open(INDEX, self.mode)
            self.mode = "ab"

    def pause(self):
        for f in (self.data, self.index):
            if f is not None:
                f.close()
        self.data = self.index = None

    def add(self, data):
        """Whole entries, above every one before (the caller checked)."""
        self._open()
        n = len(data) // SIZE
        i = (-self.count) % STRIDE  # the first of them at a multiple of STRIDE
        while i < n:
            self.index.write(data[i * SIZE : (i + 1) * SIZE])  # type: ignore[union-attr]
            i += STRIDE
        self.data.write(data)  # type: ignore[union-attr]
        self.sha.update(data)
        self.count += n

    def finish(self, version, count, sha) -> bool:
        """When the list is the one announced (`count`, `sha`), append the index and the
        trailer and put it in place of the list (True); else drop it."""
        self._open()
        self.index.close()  # type: ignore[union-attr]
        self.index = None
        data = self.data
        digest = self.sha.digest()
        ok = self.count == count and digest == sha
        try:
            if ok:
                src = self.fs.open(INDEX, "rb")
                try:
                    while True:
                        block = src.read(_BLOCK)
                        if not block:
                            break
                        data.write(block)  # type: ignore[union-attr]
                finally:
                    src.close()
                trailer = MAGIC + version.to_bytes(4, "big") + count.to_bytes(4, "big") + digest
                data.write(trailer)  # type: ignore[union-attr]
        finally:
            data.close()  # type: ignore[union-attr]
            self.data = None
        self.fs.remove(INDEX)
        if ok:
            self.fs.rename(NEW, LIST)
        else:
            self.fs.remove(NEW)
        return ok

    def abort(self):
        try:
            self.pause()
        except OSError:
            pass


class _Transfer:
    """An update being received: which one, the next chunk expected, the last entries."""

    def __init__(self, chunk, writer):
        self.key = (chunk.version, chunk.full, chunk.base)
        self.version = chunk.version
        self.full = chunk.full
        self.next = 0
        self.added = 0  # bytes of entries added so far
        self.last_add: "bytes | None" = None
        self.last_del: "bytes | None" = None
        self.writer = writer  # a full list is written as it arrives


class FlashOppositionList(OppositionList):
    """The list on the terminal's littlefs (`fs`). `version` is the PC's number of the list
    held (0: none from the PC yet), `count` its entries; `reads` counts file reads made by
    look-ups (for the bench). Problems found at boot go to `problems` (French)."""

    def __init__(self, fs, keep_free=0):
        """`keep_free`: bytes of the flash an update must leave free (the journal's reserve
        and a sheet: sheets come first, as for a round)."""
        self.fs = fs
        self.keep_free = keep_free
        self.problems = []
        self.version = 0
        self.count = 0
        self.reads = 0
        self._xfer = None
        if not fs.exists(DIR):
            fs.mkdir(DIR)
        self._abort()  # the files of an update cut short: never installed
        if fs.exists(LIST):
            self._load()

    def _load(self):
        size = self.fs.size(LIST)
        f = self.fs.open(LIST, "rb")
        try:
            if size >= TRAILER:
                f.seek(size - TRAILER)
                t = f.read(TRAILER)
            else:
                t = b""
        finally:
            f.close()
        count = records.u32(t, 8) if len(t) == TRAILER else -1
        if (
            len(t) != TRAILER
            or t[:4] != MAGIC
            or (count + _index_size(count)) * SIZE + TRAILER != size
        ):
            self.problems.append("liste d'opposition illisible: a recharger depuis le PC")
            return
        self.version = records.u32(t, 4)
        self.count = count

    # ------------------------------------------------------------ look-up

    def contains(self, card_serial):
        try:
            key = entries.encode(card_serial)
        except ValueError:
            return False  # not a card serial: it cannot be on the list
        n = self.count
        if not n:
            return False
        f = self.fs.open(LIST, "rb")
        try:
            # The index: the last stride whose first entry is not above the key.
            base = n * SIZE
            lo, hi = 0, _index_size(n)
            while lo < hi:
                mid = (lo + hi) // 2
                f.seek(base + mid * SIZE)
                self.reads += 1
                if f.read(SIZE) <= key:
                    lo = mid + 1
                else:
                    hi = mid
            if not lo:
                return False  # below the first entry
            lo, hi = (lo - 1) * STRIDE, min(n, lo * STRIDE)
            while hi - lo > _SCAN:
                mid = (lo + hi) // 2
                f.seek(mid * SIZE)
                self.reads += 1
                e = f.read(SIZE)
                if e == key:
                    return True
                if e < key:
                    lo = mid + 1
                else:
                    hi = mid
            f.seek(lo * SIZE)
            self.reads += 1
            block = f.read((hi - lo) * SIZE)
        finally:
            f.close()
        for i in range(0, len(block), SIZE):
            if block[i : i + SIZE] == key:
                return True
        return False

    def serials(self):
        """Every serial on the list, ascending (tests; streams the file)."""
        for e in self._entries(LIST, self.count * SIZE):
            yield entries.decode(e)

    # ------------------------------------------------------------ installing

    def seed(self, serials):
        """Install `serials` as version 0 when the PC never sent a list (the emulator's
        fixture list, a factory list); does nothing once a list is there."""
        if self.fs.exists(LIST):
            return
        data = b"".join(sorted(entries.encode(s) for s in serials))
        w = _ListWriter(self.fs)
        w.add(data)
        w.finish(0, len(data) // SIZE, hashlib.sha256(data).digest())
        self._load()

    def receive(self, chunk):
        """Take one OPPOSITION chunk (protocol.sync_messages.OppositionChunk); returns the
        reply body: the version now held and the next chunk expected (0: start over)."""
        from protocol.sync_messages import opposition_reply  # loaded by the sync only

        if chunk.index == 0:
            self._abort()
            if not chunk.full and chunk.base != self.version:
                return opposition_reply(self.version, 0)  # the PC then sends a full list
            self._xfer = _Transfer(chunk, _ListWriter(self.fs) if chunk.full else None)
        x = self._xfer
        if x is None or x.key != (chunk.version, chunk.full, chunk.base):
            return opposition_reply(self.version, 0)
        if chunk.index != x.next:
            return opposition_reply(self.version, x.next)  # a repeat, or one was lost
        try:
            x.last_add = entries.check_sorted(chunk.add, x.last_add)
            x.last_del = entries.check_sorted(chunk.remove, x.last_del)
        except ValueError as e:
            self._abort()
            raise MalformedMessage(str(e))
        self._check_room(x, chunk)
        if x.writer is not None:
            x.writer.add(chunk.add)
            x.writer.pause()  # nothing stays open between two messages
        else:
            if chunk.add:
                records.append(self.fs, ADD, chunk.add)
            if chunk.remove:
                records.append(self.fs, DEL, chunk.remove)
        x.next += 1
        if chunk.end:
            self._finish(x, chunk.count, chunk.sha)
        return opposition_reply(self.version, x.next)

    def _check_room(self, x, chunk):
        """Refuse the chunk when the update, once finished, would leave less than
        `keep_free` bytes: a full list is written as it comes (its index again at the
        end); a delta is kept aside, then merged into a new list beside the old one."""
        x.added += len(chunk.add)
        merged = 0 if x.full else self.count * SIZE + x.added  # the index: 1/512 of each
        need = len(chunk.add) + len(chunk.remove) + merged + (len(chunk.add) + merged) // 256
        if self.keep_free and self.fs.free_bytes() - need - _SLACK - TRAILER < self.keep_free:
            self._abort()
            raise ListTooLarge("opposition list too large for the flash reserve: previous kept")

    def _finish(self, x, count, sha):
        writer = x.writer if x.writer is not None else self._merge()
        x.writer = None
        self._xfer = None
        # Not the list the PC has: ours stays, and the PC sends a full one.
        if writer.finish(x.version, count, sha):
            self.version = x.version
            self.count = count
        self._abort()

    def _abort(self):
        x = self._xfer
        self._xfer = None
        if x is not None and x.writer is not None:
            x.writer.abort()
        for path in (NEW, INDEX, ADD, DEL):
            if self.fs.exists(path):
                self.fs.remove(path)

    def _size(self, path):
        return self.fs.size(path) if self.fs.exists(path) else 0

    def _entries(self, path, length):
        """The entries of the first `length` bytes of `path`, read a block at a time."""
        if not length:
            return
        f = self.fs.open(path, "rb")
        try:
            pos = 0
            while pos < length:
                block = f.read(min(_BLOCK, length - pos))
                if not block:
                    break
                pos += len(block)
                for i in range(0, len(block) - SIZE + 1, SIZE):
                    yield block[i : i + SIZE]
        finally:
            f.close()

    def _merge(self):
        """A writer holding old list + added - removed (bounded RAM: three buffered
        readers, one buffered writer)."""
        old = self._entries(LIST, self.count * SIZE)
        add = self._entries(ADD, self._size(ADD))
        rem = self._entries(DEL, self._size(DEL))
        a = next(old, None)
        b = next(add, None)
        d = next(rem, None)
        w = _ListWriter(self.fs)
        out = bytearray()
        try:
            while a is not None or b is not None:
                if b is None or (a is not None and a < b):
                    x = a
                    a = next(old, None)
                elif a is None or b < a:
                    x = b
                    b = next(add, None)
                else:  # added while already there: once
                    x = a
                    a = next(old, None)
                    b = next(add, None)
                if x is None:
                    break
                while d is not None and d < x:
                    d = next(rem, None)
                if d == x:
                    continue
                out.extend(x)
                if len(out) >= _BLOCK:
                    w.add(bytes(out))
                    out = bytearray()
            if out:
                w.add(bytes(out))
        finally:
            for reader in (old, add, rem):
                reader.close()  # closes its file now, not at garbage collection
        return w
