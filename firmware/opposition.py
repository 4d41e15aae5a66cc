"""Opposition list (R161-33-7): serial numbers of Vitale cards reported lost, stolen or
denounced, which the terminal must refuse. The card layer asks `contains()` at every read.

`OppositionList` is the interface; `MemoryOppositionList` holds a set (tests, no flash).
`FlashOppositionList` keeps the list the practice PC pushes in flash, as one sorted file of
5-byte entries (protocol/opposition_entries.py) searched in place by binary search, with
bounded RAM; the PC updates it with a full list or a delta, in chunks (OPPOSITION).

    opposition/list = entry * count | trailer
    trailer         = "TLAO" | version u32 | count u32 | SHA-256 of the entries (32)

An update is written to `opposition/list.new` (a full list as it arrives; a delta merged
from the old list, `opposition/add` and `opposition/del`), checked against the count and
digest the PC announced, then renamed over the list: a power cut leaves the old list or the
new one, never a mix.
"""

import hashlib

from firmware import records
from protocol import opposition_entries as entries
from protocol.security_errors import MalformedMessage
from protocol.sync_messages import opposition_reply

DIR = "opposition"
LIST = DIR + "/list"
NEW = DIR + "/list.new"
ADD = DIR + "/add"
DEL = DIR + "/del"
MAGIC = b"TLAO"
TRAILER = 44
SIZE = entries.SIZE
_SCAN = 32  # entries read at once at the end of a binary search (160 bytes)
_BLOCK = 51 * SIZE  # 255 bytes: read and write buffers of a merge


class OppositionList:
    def contains(self, card_serial: str) -> bool:
        raise NotImplementedError


class MemoryOppositionList(OppositionList):
    def __init__(self, serials=()):
        self.serials = set(serials)

    def contains(self, card_serial):
        return card_serial in self.serials


def _trailer(version, count, digest):
    return MAGIC + version.to_bytes(4, "big") + count.to_bytes(4, "big") + digest


class _Transfer:
    """An update being received: which one, the next chunk expected, the last entries."""

    def __init__(self, chunk):
        self.key = (chunk.version, chunk.full, chunk.base)
        self.version = chunk.version
        self.full = chunk.full
        self.next = 0
        self.last_add: "bytes | None" = None
        self.last_del: "bytes | None" = None
        self.count = 0
        self.sha = hashlib.sha256()  # of a full list, as it arrives


class FlashOppositionList(OppositionList):
    """The list on the terminal's littlefs (`fs`). `version` is the PC's number of the list
    held (0: none from the PC yet), `count` its entries; `reads` counts file reads made by
    look-ups (for the bench). Problems found at boot go to `problems` (French)."""

    def __init__(self, fs):
        self.fs = fs
        self.problems = []
        self.version = 0
        self.count = 0
        self.reads = 0
        self._xfer = None
        if not fs.exists(DIR):
            fs.mkdir(DIR)
        for leftover in (NEW, ADD, DEL):
            if fs.exists(leftover):
                fs.remove(leftover)  # an update cut short: never installed
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
        if len(t) != TRAILER or t[:4] != MAGIC or count * SIZE + TRAILER != size:
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
        lo, hi = 0, self.count
        if not hi:
            return False
        f = self.fs.open(LIST, "rb")
        try:
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
        h = hashlib.sha256(data).digest()
        records.write_new(self.fs, LIST, data + _trailer(0, len(data) // SIZE, h))
        self._load()

    def receive(self, chunk):
        """Take one OPPOSITION chunk (protocol.sync_messages.OppositionChunk); returns the
        reply body: the version now held and the next chunk expected (0: start over)."""
        if chunk.index == 0:
            self._abort()
            if not chunk.full and chunk.base != self.version:
                return opposition_reply(self.version, 0)  # the PC then sends a full list
            self._xfer = _Transfer(chunk)  # its files are made by the first append
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
        if x.full:
            if chunk.add:
                records.append(self.fs, NEW, chunk.add)
                x.sha.update(chunk.add)
                x.count += len(chunk.add) // SIZE
        else:
            if chunk.add:
                records.append(self.fs, ADD, chunk.add)
            if chunk.remove:
                records.append(self.fs, DEL, chunk.remove)
        x.next += 1
        if chunk.end:
            self._finish(x, chunk.count, chunk.sha)
        return opposition_reply(self.version, x.next)

    def _finish(self, x, count, sha):
        if x.full:
            got_count, got_sha = x.count, x.sha.digest()
        else:
            got_count, got_sha = self._merge()
        self._xfer = None
        if got_count != count or got_sha != sha:
            self._abort()  # not the list the PC has: keep ours, the PC sends a full one
            return
        records.append(self.fs, NEW, _trailer(x.version, got_count, got_sha))
        self.fs.rename(NEW, LIST)
        self.version = x.version
        self.count = got_count
        for path in (ADD, DEL):
            if self.fs.exists(path):
                self.fs.remove(path)

    def _abort(self):
        self._xfer = None
        for path in (NEW, ADD, DEL):
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
        """Write old list + added - removed into NEW; returns (count, SHA-256)."""
        old = self._entries(LIST, self.count * SIZE)
        add = self._entries(ADD, self._size(ADD))
        rem = self._entries(DEL, self._size(DEL))
        a = next(old, None)
        b = next(add, None)
        d = next(rem, None)
        h = hashlib.sha256()
        out = bytearray()
        count = 0
        f = self.fs.open(NEW, "wb")
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
                count += 1
                if len(out) >= _BLOCK:
                    f.write(out)
                    h.update(out)
                    out = bytearray()
            if out:
                f.write(out)
                h.update(out)
        finally:
            f.close()
            for reader in (old, add, rem):
                reader.close()  # closes its file now, not at garbage collection
        return count, h.digest()
