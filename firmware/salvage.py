"""Salvage of a flash littlefs cannot mount: a read-only scan of the raw blocks for the
journal's records whose CRC holds, so the practice PC can still pull every sheet that
survives (docs/journal.md "Flash damage").

Nothing is ever written to the flash here. A record is found where it lies in a block; one
that runs over a block's end is followed into the block littlefs chained after it (a file's
block n > 0 starts with pointers, the first to block n - 1), trying each pointer count. The
CRC-32 of every record (firmware/records.py) tells true records from chance bytes; copies
of the same record left by littlefs' copy-on-write are the same bytes and count once.

What is recovered: signed sheets (`S`), their states (`T`: acknowledged sheets are not sent
again), card certificates (`C`, so the PC can verify the sheets) and the number marks (`M`,
firmware/marks.py: the highest record number ever issued). What is not: the pairing (small
files live inside littlefs' metadata, the part that was damaged: the PC pairs again), the
access log, the opposition list. Every record number up to the highest known that is
neither found nor known to be acknowledged is reported as damaged.
"""

from firmware import records
from firmware.journal_format import (
    ACKED,
    DISMISSED,
    PURGED,
    REJECTED,
    SHEET_HEAD,
    SIGNED,
    SYNCED,
    T_SHEET,
    T_STATE,
    SheetRecord,
    runs_of,
    sheet_record,
)
from firmware.marks import T_MARK, read_mark
from hw.hal import IOCTL_BLOCK_COUNT, IOCTL_BLOCK_SIZE
from protocol.crc import crc32

T_CERT = 0x43  # firmware/certstore.py
_TYPES = (T_SHEET, T_STATE, T_CERT, T_MARK)
_MAX_POINTERS = 12  # a CTZ block holds 1 + ctz(n) pointers: 12 covers files of 2^11 blocks


def _crc_ok(data):
    n = len(data) - 4
    return crc32(data[:n]) == records.u32(data, n)


class RawScan:
    """Every record with a valid CRC on the raw flash `bdev`; one block in RAM at a time.
    `found(type)` gives their (block, offset, length, continuation block, skip) places."""

    def __init__(self, bdev):
        self.bdev = bdev
        self.block_size = bdev.ioctl(IOCTL_BLOCK_SIZE, 0)
        self.block_count = bdev.ioctl(IOCTL_BLOCK_COUNT, 0)
        self.places = {t: [] for t in _TYPES}
        self._after = {}  # block -> blocks whose first pointer names it
        self._crossing = []  # (type, block, offset, total length) running past the block
        self._scan()

    def _scan(self):
        bs = self.block_size
        buf = bytearray(bs)
        blank = b"\xff" * bs
        for block in range(self.block_count):
            self.bdev.readblocks(block, buf, 0)
            if buf == blank:
                continue
            first = buf[0] | buf[1] << 8 | buf[2] << 16 | buf[3] << 24
            if first < self.block_count and first != block:
                self._after.setdefault(first, []).append(block)
            for rtype in _TYPES:
                i = buf.find(bytes((rtype,)))
                while 0 <= i <= bs - 3:
                    total = records.OVERHEAD + (buf[i + 1] << 8 | buf[i + 2])
                    if i + total <= bs:
                        if _crc_ok(memoryview(buf)[i : i + total]):
                            self.places[rtype].append((block, i, total, -1, 0))
                    elif total <= 2 * bs:
                        self._crossing.append((rtype, block, i, total))
                    i = buf.find(bytes((rtype,)), i + 1)
        for rtype, block, at, total in self._crossing:
            self._follow(rtype, block, at, total)
        self._crossing = []

    def _follow(self, rtype, block, at, total):
        bs = self.block_size
        head = bytearray(bs - at)
        self.bdev.readblocks(block, head, at)
        rest = total - len(head)
        for nxt in self._after.get(block, ()):
            for k in range(1, _MAX_POINTERS + 1):
                skip = 4 * k
                if skip + rest > bs:
                    break
                tail = bytearray(rest)
                self.bdev.readblocks(nxt, tail, skip)
                if _crc_ok(head + tail):
                    self.places[rtype].append((block, at, total, nxt, skip))
                    return

    def read(self, place):
        """The whole record (type, length, body, CRC) at `place`."""
        block, at, total, nxt, skip = place
        if nxt < 0:
            out = bytearray(total)
            self.bdev.readblocks(block, out, at)
            return out
        head = bytearray(self.block_size - at)
        self.bdev.readblocks(block, head, at)
        tail = bytearray(total - len(head))
        self.bdev.readblocks(nxt, tail, skip)
        return head + tail

    def bodies(self, rtype):
        for place in self.places[rtype]:
            data = self.read(place)
            yield data[3:-4], place


class SalvagedJournal:
    """The journal as the salvage found it, read-only: the interface of firmware/journal.py
    that the sync and the screens use. States the PC sends are kept in RAM only."""

    read_only = True

    def __init__(self, scan):
        self.scan = scan
        self.problems = ["memoire endommagee: lecture seule, feuilles recuperees"]
        self._sheets = {}  # rec_no -> place
        self._status = {}  # rec_no -> state
        high = 0
        for body, place in scan.bodies(T_SHEET):
            if len(body) > SHEET_HEAD:
                rec_no = records.u32(body, 0)
                if rec_no not in self._sheets:
                    self._sheets[rec_no] = place
                    self._status[rec_no] = SIGNED
                high = max(high, rec_no)
        done = {}
        for body, _ in scan.bodies(T_STATE):
            state = body[0] if body else 0
            if state in (ACKED, REJECTED, DISMISSED, PURGED):
                for i in range(5, len(body) - 5, 6):
                    first = records.u32(body, i)
                    count = body[i + 4] << 8 | body[i + 5]
                    for n in range(first, first + count):
                        done[n] = state
        for rec_no, state in done.items():
            if rec_no in self._status and state != PURGED:
                self._status[rec_no] = ACKED if state == DISMISSED else state
        floor = 0
        for body, _ in scan.bodies(T_MARK):
            mark = read_mark(body)
            if mark is not None:
                high = max(high, mark[0])
                floor = max(floor, mark[1])
        lost = [n for n in range(1, high + 1) if n not in self._sheets and n not in done]
        self.damaged = runs_of(lost)
        self._next = max(high + 1, floor)

    @property
    def next_rec_no(self):
        return self._next

    def raise_next(self, rec_no):
        """The PC knows record numbers up to rec_no - 1: never give them again (RAM only
        here; no sheet is saved on a damaged flash anyway)."""
        if rec_no > self._next:
            self._next = rec_no

    def damaged_runs(self):
        return list(self.damaged)

    def can_accept_sheet(self):
        return False

    def free_bytes(self):
        return 0

    def count(self, *states):
        return sum(1 for s in self._status.values() if s in states)

    def pending_count(self):
        return self.count(SIGNED)

    def unacknowledged_count(self):
        return self.count(SIGNED, SYNCED)

    def status(self, rec_no):
        return self._status.get(rec_no)

    def records_after(self, cursor=0, max_count=0, max_bytes=0, states=(SIGNED, SYNCED)):
        given = 0
        for rec_no in sorted(self._sheets):
            status = self._status[rec_no]
            if rec_no <= cursor or (states is not None and status not in states):
                continue
            body = self.scan.read(self._sheets[rec_no])[3:-4]
            yield sheet_record(body, status, True)
            given += 1
            if max_count and given >= max_count:
                return

    def headers(self, states=(SIGNED, SYNCED), cursor=0):
        return self.records_after(cursor, 0, 0, states)

    def get(self, rec_no):
        for r in self.records_after(rec_no - 1, 1, 0, None):
            return r if r.rec_no == rec_no else None
        return None

    def oldest_unacknowledged_date(self, third_party=None):
        oldest = None
        for r in self.headers((SIGNED, SYNCED)):
            if third_party is None or r.third_party == third_party:
                if oldest is None or r.completion_date < oldest:
                    oldest = r.completion_date
        return oldest

    def _set(self, allowed, state, rec_nos):
        changed = 0
        for n in rec_nos:
            if self._status.get(n) in allowed:
                self._status[n] = state
                changed += 1
        return changed

    def mark_synced(self, rec_nos, today):
        return self._set((SIGNED,), SYNCED, rec_nos)

    def acknowledge(self, rec_nos, today):
        return self._set((SIGNED, SYNCED), ACKED, rec_nos)

    def reject(self, rec_nos, today):
        return self._set((SIGNED, SYNCED), REJECTED, rec_nos)

    def dismiss(self, rec_nos, today):
        return self._set((REJECTED,), ACKED, rec_nos)

    def purge(self, today):
        return 0

    def anchor_access_log(self, seq, digest):
        pass

    def access_log_anchor(self):
        return None

    def segment_count(self):
        return 0


class SalvagedCerts:
    """The certificates the scan found, for the PC to verify the salvaged sheets with."""

    def __init__(self, scan):
        self.problems = []
        self._certs = {}
        for body, _ in scan.bodies(T_CERT):
            if len(body) > 8 and bytes(body[:8]) not in self._certs:
                self._certs[bytes(body[:8])] = bytes(body[8:])
        self._known = set()

    def unknown_to_host(self):
        for cid in list(self._certs):
            if cid not in self._known:
                yield cid

    def get(self, cid):
        return self._certs.get(bytes(cid))

    def has(self, cid):
        return bytes(cid) in self._certs

    def mark_known(self, cids):
        for c in cids:
            self._known.add(bytes(c))

    def prune(self):
        return 0


__all__ = ["RawScan", "SalvagedJournal", "SalvagedCerts", "SheetRecord"]
