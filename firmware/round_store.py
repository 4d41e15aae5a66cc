"""The day's round on the terminal's littlefs (docs/round.md): one file, replaced whole.

    round/day = E entry * n | R seal | D done * k      (firmware/records.py framing)
    E  an entry's deterministic CBOR, as protocol/round.py checked it
    R  CBOR [1, round id, day, terminal serial, professional id, n, SHA-256 of the entries]
    D  entry index u16 | record number u32 of the sheet saved from it
    T  entry index u16 | record number u32 its sheet will get: written before the cards sign
    U  entry index u16: that signing ended without a sheet

A new round is written as `round/day.new`, chunk by chunk, each chunk committed before the
terminal answers; once its last chunk's digest and count match, the file is renamed over
`round/day` (atomic in littlefs): a power cut leaves the old round or the new one, with
the old one's visits done or none, never a mix. An unfinished `.new` is removed at boot.
Visits done are appended to the round's own file, so they go with it when it is replaced.
A visit is marked taken (T) before the cards sign and done (D) once its sheet is saved; a
power cut between the two leaves a T, settled at the next boot against the journal: the
sheet of that number is there (done) or not (U): never offered twice, never lost.

Nothing here is imported while no round is held (docs/round.md "Heap").
"""

import hashlib

from firmware import records
from firmware.journal_format import PURGED
from protocol import cbor
from protocol.security_errors import MalformedMessage

DIR = "round"
PATH = DIR + "/day"
NEW = PATH + ".new"
T_SEAL = 0x52  # R
T_ENTRY = 0x45  # E
T_DONE = 0x44  # D
T_TAKEN = 0x54  # T
T_UNTAKEN = 0x55  # U
FORMAT = 1
# Room kept free beyond the flash reserve when a round is written: the new file's blocks
# while the old one still exists, and a block of littlefs metadata.
_SLACK = 2 * 4096


def of(storage) -> "RoundStore | None":
    """The storage's RoundStore, opened on first use (None without a littlefs)."""
    store = getattr(storage, "round", None)
    if store is None and storage.fs is not None:
        store = RoundStore(storage.fs, storage.journal)
        storage.round = store
    return store


class _Transfer:
    def __init__(self, chunk, serial):
        self.serial = serial
        self.id = chunk.id
        self.day = chunk.day
        self.professional = chunk.professional
        self.count = chunk.count
        self.size = chunk.size
        self.next = 0
        self.bad = []  # the entries refused (protocol.round.refusal), said to the PC
        self.received = 0
        self.bytes = 0
        self.sha = hashlib.sha256()


def _entry(body) -> list:
    """A stored entry (its CBOR was checked when it was received; its record's CRC holds)."""
    e = cbor.decode(bytes(body))
    if not isinstance(e, list):
        raise ValueError("round entry is not a list")
    return e


class RoundStore:
    """The round held: `id` (0: none), `day`, `professional`, `count`, `done` {entry index:
    record number}. `problems`: French sentences found at boot."""

    id: int
    day: int
    professional: str
    count: int

    def __init__(self, fs, journal=None):
        """`journal`: the sheets, against which a visit taken when the power went is
        settled (firmware/journal.py)."""
        self.fs = fs
        self.problems = []
        self._xfer = None
        self._clear()
        if not fs.exists(DIR):
            fs.mkdir(DIR)
        if fs.exists(NEW):
            fs.remove(NEW)  # a round cut short: never installed
        if fs.exists(PATH):
            self._load()
        if journal is not None:
            self._settle(journal)

    def _clear(self):
        self.id = 0
        self.day = 0
        self.professional = ""
        self.count = 0
        self.done = {}
        self.taken = {}  # entry index -> the record number its sheet gets, while signing

    def _load(self):
        n = 0
        seal = None
        sha = hashlib.sha256()
        bad = False
        with records.RecordFile(self.fs, PATH) as rf:
            for rtype, body, _ in rf:
                if rtype == T_ENTRY and seal is None:
                    sha.update(body)
                    n += 1
                elif rtype == T_SEAL and seal is None:
                    seal = cbor.decode(bytes(body))
                elif rtype == T_DONE and seal is not None and len(body) == 6:
                    self.done[(body[0] << 8) | body[1]] = records.u32(body, 2)
                    self.taken.pop((body[0] << 8) | body[1], None)
                elif rtype == T_TAKEN and seal is not None and len(body) == 6:
                    self.taken[(body[0] << 8) | body[1]] = records.u32(body, 2)
                elif rtype == T_UNTAKEN and seal is not None and len(body) == 2:
                    self.taken.pop((body[0] << 8) | body[1], None)
                else:
                    bad = True
                    break
            bad = bad or rf.outcome == records.DAMAGED
        if (
            bad
            or not isinstance(seal, list)
            or len(seal) != 7
            or seal[0] != FORMAT
            or seal[5] != n
            or seal[6] != sha.digest()
            or type(seal[1]) is not int
            or type(seal[2]) is not int
            or not isinstance(seal[4], str)
        ):
            # Not the round the PC sent: never used. It is no sheet; the PC sends it again.
            self._clear()
            self.problems.append("tournee illisible: effacee, a renvoyer depuis le PC")
            self.fs.remove(PATH)
            return
        self.id, self.day, self.professional, self.count = seal[1], seal[2], seal[4], n

    # ------------------------------------------------------------ reading

    def entries(self):
        """(index, entry) of every entry, read one record at a time."""
        if not self.id:
            return
        i = 0
        with records.RecordFile(self.fs, PATH) as rf:
            for rtype, body, _ in rf:
                if rtype == T_ENTRY:
                    yield i, _entry(body)
                    i += 1

    def used_today(self, presc):
        """Visits done today from entries carrying the same prescription."""
        if presc is None or not self.done:
            return 0
        n = 0
        for i, e in self.entries():
            if i in self.done and e[5] == presc:
                n += 1
        return n

    def _mark(self, rtype, index, rec_no=None):
        body = bytes((index >> 8, index & 0xFF))
        if rec_no is not None:
            body += rec_no.to_bytes(4, "big")
        records.append(self.fs, PATH, records.frame(rtype, body))

    def mark_taken(self, index, rec_no):
        """Entry `index` is being signed; its sheet will be record `rec_no` (committed
        when this returns, before the cards sign)."""
        if not self.id or index in self.done or self.taken.get(index) == rec_no:
            return
        self._mark(T_TAKEN, index, rec_no)
        self.taken[index] = rec_no

    def untake(self, index):
        """The signing of entry `index` ended without a sheet: it may be offered again."""
        if index in self.taken:
            self._mark(T_UNTAKEN, index)
            del self.taken[index]

    def mark_done(self, index, rec_no):
        """The sheet `rec_no` was saved from entry `index` (committed when this returns)."""
        if not self.id or index in self.done:
            return
        self._mark(T_DONE, index, rec_no)
        self.done[index] = rec_no
        self.taken.pop(index, None)

    def _settle(self, journal):
        """A visit taken when the power went: done if the journal holds its sheet, else
        offered again; before the journal gives that number to another sheet."""
        for index in list(self.taken):
            status = journal.status(self.taken[index])
            if status is not None and status != PURGED:
                self.mark_done(index, self.taken[index])
            else:
                self.untake(index)

    # ------------------------------------------------------------ receiving

    def receive(self, chunk, serial, free_bytes, reserve):
        """Take one ROUND chunk (protocol.round.RoundChunk); returns the reply body.
        `free_bytes()`: littlefs' free space; `reserve`: what the journal keeps free."""
        # Imported here, as firmware/sync.py does sync_messages: a round held for the day's
        # visits needs none of the ROUND message's readers (docs/round.md "Heap").
        from protocol import round as rp

        if chunk.index == 0:
            self.abort()
            if chunk.terminal != serial:
                raise rp.RoundRefused(
                    "round for terminal %s, this is %s: previous round kept"
                    % (chunk.terminal, serial)
                )
            need = chunk.size + records.OVERHEAD * (chunk.count + 1) + 96 + _SLACK
            if chunk.count and free_bytes() - need < reserve:
                raise rp.RoundRefused(
                    "round of %d bytes does not fit above the flash reserve: previous round kept"
                    % chunk.size
                )
            self._xfer = _Transfer(chunk, serial)
        x = self._xfer
        if x is None or x.id != chunk.id:
            return rp.reply(self.id, 0)
        if chunk.index != x.next:
            return rp.reply(self.id, x.next)  # a repeat, or one was lost
        data = bytearray()
        for i, e in enumerate(chunk.entries):
            # Kept as sent (the digest and the PC's indexes hold), never offered: the
            # visit, the list and the fund's look-up read refusal() again.
            if rp.refusal(e) is not None:
                x.bad.append(x.received + i)
            body = cbor.encode(e)
            x.sha.update(body)
            x.bytes += len(body)
            data += records.frame(T_ENTRY, body)
        x.received += len(chunk.entries)
        if x.received > x.count or x.bytes > x.size:
            self.abort()
            raise MalformedMessage("the round holds more than its first chunk announced")
        if chunk.index == 0 or data:
            # Committed before the answer: a slow flash is never flooded.
            if chunk.index:
                records.append(self.fs, NEW, data)
            else:
                _create(self.fs, data)
        x.next += 1
        if chunk.end:
            self._finish(x, chunk.sha)
            return rp.reply(self.id, x.next, bad=x.bad)
        return rp.reply(self.id, x.next)

    def _finish(self, x, sha):
        self._xfer = None
        if x.received != x.count or x.sha.digest() != sha:
            self.abort()
            raise MalformedMessage("the round's entries do not match its count and digest")
        if not x.count:  # an empty round: the terminal holds none
            self.abort()
            if self.fs.exists(PATH):
                self.fs.remove(PATH)
            self._clear()
            return
        seal = [FORMAT, x.id, x.day, x.serial, x.professional, x.count, sha]
        records.append(self.fs, NEW, records.frame(T_SEAL, cbor.encode(seal)))
        self.fs.rename(NEW, PATH)  # the old round or this one, never a mix
        self._clear()
        self.id, self.day, self.professional, self.count = x.id, x.day, x.professional, x.count

    def abort(self):
        """Drop the round being received, if any (the one held stays)."""
        self._xfer = None
        if self.fs.exists(NEW):
            self.fs.remove(NEW)


def _create(fs, data):
    f = fs.open(NEW, "wb")
    try:
        f.write(data)
    finally:
        f.close()
